//! The node's pages in a real browser (scripts/browser-tests.sh): Debian's Chromium, headless,
//! driven by playwright-core from `web/browser-tests`. Ignored by `cargo test`: they need Chromium
//! and `npm ci` in `web/browser-tests`.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{Network, notice, service, wait_mirrored};
use ledger_format::code::{CertificateCode, ObjectKind};
use ledger_format::record::{ApplicationKind, RegistrationType};
use serde_json::json;

/// How to object to agency A's notices, as its membership entry states it.
const OBJECTIONS: &str =
    "请于公示期内以实名书面形式向玉溪市公共数据登记中心提出异议，并附相关证据。";

/// The repository's root (this crate is `tests/`).
fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_owned()
}

/// Where the screenshots go: `$LEDGER_SCREENSHOTS`, else a temporary directory kept by `keep`.
fn screenshots(keep: &tempfile::TempDir) -> PathBuf {
    std::env::var_os("LEDGER_SCREENSHOTS").map_or_else(|| keep.path().to_owned(), PathBuf::from)
}

/// Runs `node web/browser-tests/<script> args…`; panics with its output unless it succeeds.
fn run_script(script: &str, args: &[String]) {
    let dir = repository().join("web/browser-tests");
    let out = Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("running node {script}: {e} (is Node.js installed?)"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "{script} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    println!("{stdout}");
}

#[test]
#[ignore = "needs Chromium and npm: scripts/browser-tests.sh"]
fn the_board_shows_a_notice_posted_a_moment_before() {
    let mut net = Network::create(&["a", "b"], None);
    // A's objection instructions, in its membership entry, as every node's board shows them.
    let membership = net.dir.path().join("network.toml");
    let text = std::fs::read_to_string(&membership).unwrap();
    let edited = text.replacen(
        "name = \"a\"\n",
        &format!("name = \"a\"\nobjections = \"{OBJECTIONS}\"\n"),
        1,
    );
    assert_ne!(edited, text, "no entry of a in {text}");
    std::fs::write(&membership, edited).unwrap();
    net.start_all();
    let a = net.node("a");
    let origin = a.origin.clone();
    a.set_up(&service());
    let code = CertificateCode::new(530_400, 2026, ObjectKind::DataResource, 1).unwrap();
    a.apply_for(&code, ApplicationKind::First);
    let body = notice(&code, RegistrationType::First, a.today());
    let content = &body["NoticePublished"]["content"];
    let expected = json!({
        "code": code.as_str(),
        "registrant": content["registrant"]["name"],
        "data_name": content["data_name"],
        "ends_on": body["NoticePublished"]["ends_on"],
        "objections": OBJECTIONS,
    });
    let index = a.append(body.clone())["index"].as_u64().unwrap();
    // B mirrors A's log: its board shows A's notice too.
    wait_mirrored(net.node("b"), &origin, index + 1);

    let keep = tempfile::tempdir().unwrap();
    let expect = keep.path().join("notice.json");
    std::fs::write(&expect, expected.to_string()).unwrap();
    // On A's node, then on B's, whose page is the screenshot (it shows the network's notices).
    for (name, screenshot) in [("a", None), ("b", Some("board.png"))] {
        let url = format!("http://127.0.0.1:{}", net.node(name).http);
        let mut args = vec![
            "--url".to_owned(),
            url,
            "--expect".to_owned(),
            expect.display().to_string(),
        ];
        let shot = screenshot.map(|file| screenshots(&keep).join(file));
        if let Some(shot) = &shot {
            args.extend(["--screenshot".to_owned(), shot.display().to_string()]);
        }
        run_script("board.mjs", &args);
        if let Some(shot) = shot {
            assert!(shot.exists(), "no screenshot at {}", shot.display());
        }
    }
}
