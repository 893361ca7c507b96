//! The node's pages in a real browser (scripts/browser-tests.sh): Debian's Chromium, headless,
//! driven by playwright-core from `web/browser-tests`. Ignored by `cargo test`: they need Chromium
//! and `npm ci` in `web/browser-tests`.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use common::{Network, issue_in_process, notice, service, wait_mirrored};
use ledger_format::Canonical;
use ledger_format::bundle::Bundle;
use ledger_format::calendar::WorkCalendar;
use ledger_format::code::{CertificateCode, ObjectKind};
use ledger_format::date::CST_OFFSET_SECONDS;
use ledger_format::record::{ApplicationKind, Body, RegistrationType};
use ledger_format::testing::{at, parse_date as d};
use ledger_node::clock::ManualClock;
use ledger_node::config::{CONFIG_FILE, Config};
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

/// `when` (Unix seconds) as RFC 3339 UTC, for the browser's clock.
fn rfc3339(when: i64) -> String {
    // The CST day of the instant eight hours earlier is its UTC day.
    let date = ledger_format::date::Date::from_unix_cst(when - CST_OFFSET_SECONDS).unwrap();
    let s = when.rem_euclid(86_400);
    format!("{date}T{:02}:{:02}:{:02}Z", s / 3600, s % 3600 / 60, s % 60)
}

fn qr_png(dir: &std::path::Path, name: &str, bundle: &[u8]) -> PathBuf {
    let (png, _) = ledger_client::qr::encode_png(bundle, ledger_client::qr::Level::M).unwrap();
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap();
    path
}

/// The bank's page (`/verify`) against bundles of a live node: a certificate's QR code read from a
/// picture verifies VALID, a tampered one TAMPERED, the QR of the right certificate with another
/// certificate's code typed TAMPERED, an expired one EXPIRED; the page opened from disk and the
/// camera (Chromium's fake capture device) give the same VALID (web/browser-tests/verify.mjs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and npm: scripts/browser-tests.sh"]
async fn the_bank_page_gives_the_right_verdict_from_a_qr_code() {
    let dir = tempfile::tempdir().unwrap();
    let made = ledger_node::init::init(
        dir.path(),
        "ledger.browser.example/2026",
        Some("127.0.0.1:0".parse().unwrap()),
    )
    .unwrap();
    let mut config = Config::load(&dir.path().join(CONFIG_FILE)).unwrap();
    // The expired certificate must stay active in the log: the page is to judge its validity
    // itself, not read a lapse the node recorded.
    config.lifecycle.auto_lapse = false;
    let clock = ManualClock::new(at("2026-11-23", 10));
    let node = ledger_node::start(&config, Arc::new(clock.clone()))
        .await
        .unwrap();
    let s = &node.sequencer;
    let code = CertificateCode::new(530_400, 2026, ObjectKind::DataResource, 1).unwrap();
    issue_in_process(s, &clock, &code).await;
    let base = format!("http://{}", node.addr);
    let fetch = |url: String| {
        tokio::task::spawn_blocking(move || {
            let mut answer = ureq::get(&url).call().unwrap();
            answer.body_mut().read_to_vec().unwrap()
        })
    };
    let bundle_url = format!("{base}/v1/certificates/{code}/bundle");
    let valid = fetch(bundle_url.clone()).await.unwrap();
    // Tampered: the validity stretched by six years in the bundle's state.
    let mut stretched = Bundle::decode_exact(&valid).unwrap();
    stretched
        .state
        .as_mut()
        .unwrap()
        .validity
        .as_mut()
        .unwrap()
        .until = d("2035-12-07");
    let tampered = stretched.encode();
    // Expired: the log two years on, the certificate still active there, its last day past.
    clock.set(at("2029-12-10", 10));
    for year in [2028, 2029] {
        let calendar = WorkCalendar::new(year, vec![], vec![]).unwrap();
        s.append(Body::Calendar(calendar)).await.unwrap();
    }
    s.checkpoint_now().await.unwrap();
    let expired = fetch(bundle_url).await.unwrap();

    let keep = tempfile::tempdir().unwrap();
    let files = dir.path().join("browser");
    std::fs::create_dir_all(&files).unwrap();
    let config = json!({
        "url": format!("{base}/verify"),
        "file_url": format!("file://{}", repository().join("web/verify/index.html").display()),
        "policy": made.policy_path,
        "out": screenshots(&keep),
        "cases": [
            { "name": "valid", "qr": qr_png(&files, "valid", &valid), "code": code.to_string(),
              "at": rfc3339(at("2026-12-07", 15)), "expect": "valid" },
            { "name": "tampered", "qr": qr_png(&files, "tampered", &tampered),
              "code": code.to_string(), "at": rfc3339(at("2026-12-07", 15)), "expect": "tampered" },
            { "name": "wrong-code", "qr": qr_png(&files, "wrong-code", &valid),
              "code": CertificateCode::new(530_400, 2026, ObjectKind::DataResource, 2).unwrap().to_string(),
              "at": rfc3339(at("2026-12-07", 15)), "expect": "tampered" },
            { "name": "expired", "qr": qr_png(&files, "expired", &expired), "code": code.to_string(),
              "at": rfc3339(at("2029-12-10", 15)), "expect": "expired" },
        ],
        "camera": { "name": "valid", "qr": files.join("valid.png"), "code": code.to_string(),
                    "at": rfc3339(at("2026-12-07", 15)), "expect": "valid" },
    });
    let config_path = files.join("config.json");
    std::fs::write(&config_path, config.to_string()).unwrap();
    let args = [config_path.display().to_string()];
    tokio::task::spawn_blocking(move || run_script("verify.mjs", &args))
        .await
        .unwrap();
    node.stop().await.unwrap();
    let results: serde_json::Value = serde_json::from_slice(
        &std::fs::read(screenshots(&keep).join("verify-results.json")).unwrap(),
    )
    .unwrap();
    // Every case ran, through every source.
    let sources: Vec<&str> = results["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources.iter().filter(|s| **s == "picture").count(), 4);
    assert!(sources.contains(&"file") && sources.contains(&"camera"));
    // The page's whole download (the issue's budget is 1.5 MB); the time of each check is
    // reported (docs/benchmarks.md), not asserted: timings flake on shared machines.
    let bytes = results["page_bytes"].as_u64().unwrap();
    assert!(bytes <= 1_500_000, "the page downloads {bytes} bytes");
    assert!(
        results["files"].get("/verify/ledger-wasm.js").is_some(),
        "{results}"
    );
}
