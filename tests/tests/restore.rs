//! A node's own log after a restored backup or a lost disk (docs/operations.md#backup,
//! #lost-disk, #rollback-protection): it learns from its peers how far the network witnessed its
//! log, fetches the records it lost back from their mirrors, and continues without signing any
//! size twice. And freshness (#freshness): a network that saw no write for days still serves
//! bundles that verify as valid, not stale.

mod common;

use common::{
    Agency, DAY, Network, assert_no_equivocation, network_policy, now, service, wait_for,
    wait_mirrored,
};
use ledger_format::Canonical;
use ledger_format::bundle::{Bundle, VerdictKind, verify_bundle};
use ledger_format::code::{CertificateCode, ObjectKind};

/// The root of the checkpoint of `size` of `origin` as `node` serves it.
fn root_at(node: &Agency, origin: &str, size: u64) -> String {
    let note = node.get_text(&format!("/v1/checkpoints/{size}?log={origin}"));
    note.lines().nth(2).unwrap_or_default().to_owned()
}

/// Runs `ledger-node run` on `dir` and returns its output, expecting it to exit by itself; a node
/// still running after 30 s (the check under test is missing) is killed and the test fails.
fn run_expecting_exit(dir: &std::path::Path) -> std::process::Output {
    let mut child = std::process::Command::new(common::node_binary())
        .arg("--data-dir")
        .arg(dir)
        .arg("run")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let exited = common::poll(30, || child.try_wait().unwrap().is_some());
    if !exited {
        let _ = child.kill();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        exited,
        "the node started; its log:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Waits until B and C hold `origin` up to `size` records, checkpointed.
fn wait_replicas(net: &Network, origin: &str, size: u64) {
    for name in ["b", "c"] {
        wait_mirrored(net.node(name), origin, size);
    }
}

/// Replaces the stopped node's store by `backup` (the old store kept as `db.broken`), as the
/// restore procedure does (docs/operations.md#backup).
fn restore_backup(node: &Agency, backup: &std::path::Path) {
    let db = node.dir.join("db");
    std::fs::rename(&db, node.dir.join("db.broken")).unwrap();
    std::fs::rename(backup, &db).unwrap();
}

fn start_network() -> Network {
    let mut net = Network::create(&["a", "b", "c"], None);
    for name in ["a", "b", "c"] {
        net.agency(name).start(0);
    }
    net
}

#[test]
fn a_backup_taken_1000_records_ago_is_restored_from_the_network() {
    let mut net = start_network();
    let origin = net.node("a").origin.clone();
    net.node("a").set_up(&service());
    net.node("a").submit_evidence(&service(), 0, 500);
    let at_backup = 4 + 500;
    wait_replicas(&net, &origin, at_backup);
    let backup = net.node("a").dir.join("backup");
    net.agency("a").kill();
    net.node("a").backup(&backup);
    net.agency("a").start(0);

    // 1,000 more acknowledged records, mirrored by B and C.
    net.node("a").submit_evidence(&service(), 500, 1_000);
    let acknowledged = at_backup + 1_000;
    wait_replicas(&net, &origin, acknowledged);
    let witnessed_root = root_at(net.node("b"), &origin, acknowledged);

    // The disk is restored from the backup: the log rolls back 1,000 records.
    net.agency("a").kill();
    restore_backup(net.node("a"), &backup);
    net.agency("a").start(0);

    let a = net.node("a");
    assert_eq!(
        a.size_of(&origin),
        acknowledged,
        "every acknowledged record is back"
    );
    assert_eq!(root_at(a, &origin, acknowledged), witnessed_root);
    assert_eq!(a.metric("ledger_restored_records_total"), 1_000.0);
    assert!(
        a.node_log().contains("restored the log from the network"),
        "{}",
        a.node_log()
    );
    // An acknowledged record from after the backup is served again.
    let record = a.get_json(&format!("/v1/records/{}", acknowledged - 1));
    assert_eq!(record["index"], acknowledged - 1);

    // The log continues from there, and the replicas follow without a conflict.
    a.submit_evidence(&service(), 1_500, 10);
    wait_replicas(&net, &origin, acknowledged + 10);
    assert_no_equivocation(&net, &["a", "b", "c"]);
}

#[test]
fn a_wiped_store_is_rebuilt_from_the_network() {
    let mut net = start_network();
    let origin = net.node("a").origin.clone();
    net.node("a").set_up(&service());
    net.node("a").submit_evidence(&service(), 0, 300);
    let size = 4 + 300;
    wait_replicas(&net, &origin, size);
    let root = root_at(net.node("c"), &origin, size);

    net.agency("a").kill();
    std::fs::remove_dir_all(net.node("a").dir.join("db")).unwrap();
    net.agency("a").start(0);

    let a = net.node("a");
    assert_eq!(a.size_of(&origin), size);
    assert_eq!(root_at(a, &origin, size), root);
    assert_eq!(a.metric("ledger_restored_records_total"), size as f64);
    // The registry came back with the records: the evidence service may submit again.
    a.submit_evidence(&service(), 300, 5);
    wait_replicas(&net, &origin, size + 5);
    assert_no_equivocation(&net, &["a", "b", "c"]);
}

#[test]
fn a_wiped_store_does_not_start_a_new_log_when_no_peer_answers() {
    let mut net = start_network();
    let origin = net.node("a").origin.clone();
    net.node("a").set_up(&service());
    wait_replicas(&net, &origin, 4);
    for name in ["a", "b", "c"] {
        net.agency(name).kill();
    }
    std::fs::remove_dir_all(net.node("a").dir.join("db")).unwrap();
    // B and C are down: A must not begin a second history of its log under the same key, not at
    // this start and not at the next (the empty store it created is marked as being rebuilt).
    for attempt in 0..2 {
        let run = run_expecting_exit(&net.node("a").dir);
        assert!(!run.status.success(), "attempt {attempt}");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains("no peer answered"), "{stderr}");
        assert!(net.node("a").dir.join("db.rebuilding").exists());
    }

    // With B and C back, the same directory is rebuilt, and the mark goes.
    net.agency("b").start(0);
    net.agency("c").start(0);
    net.agency("a").start(0);
    assert_eq!(net.node("a").size_of(&origin), 4);
    assert!(!net.node("a").dir.join("db.rebuilding").exists());
    assert_no_equivocation(&net, &["a", "b", "c"]);
}

fn code() -> CertificateCode {
    CertificateCode::new(530_400, 2026, ObjectKind::DataResource, 1).unwrap()
}

#[test]
fn bundles_of_a_network_quiet_for_three_days_verify_as_valid() {
    let mut net = Network::create(&["a", "b", "c"], None);
    for name in ["a", "b", "c"] {
        // Re-cosign every 4 s (the default is 300 s), so the test waits seconds, not minutes.
        net.node(name).configure("recosign_interval_secs", "4");
        net.agency(name).start(0);
    }
    let origin = net.node("a").origin.clone();
    net.node("a").set_up(&service());
    net.node("a").publish_first_notice(&code());
    // The notice period passes for the whole network; A issues the certificate.
    net.restart_all(14);
    net.node("a").issue(&code());
    // Set-up (4 records), the procedure and the notice (4), the issue.
    wait_replicas(&net, &origin, 9);
    // Three days without a single write anywhere.
    net.restart_all(17);
    let policy = network_policy(net.node("b"));
    let at = now() + 17 * DAY;
    for name in ["a", "b", "c"] {
        let node = net.node(name);
        wait_for(&format!("a fresh, valid bundle from {name}"), || {
            let bytes = node.get_bytes(&format!("/v1/certificates/{}/bundle", code()));
            let bundle = Bundle::decode_exact(&bytes).unwrap();
            let verdict = verify_bundle(&bundle, &policy, at);
            matches!(verdict.kind, VerdictKind::Valid { .. })
                && verdict.as_of.is_some_and(|t| t > at - 60)
        });
    }
    for name in ["b", "c"] {
        assert!(
            net.node(name).metric("ledger_witness_recosigned_total") >= 1.0,
            "{name} re-cosigned the quiet logs"
        );
    }
    assert_eq!(net.node("a").size_of(&origin), 9, "nothing was written");

    // `ledger-node export-bundle` on the stopped writer keeps the cosignatures it holds: its bundle
    // meets the quorum too.
    net.agency("a").kill();
    let file = net.node("a").dir.join("exported.bundle");
    let status = std::process::Command::new(common::node_binary())
        .arg("--data-dir")
        .arg(&net.node("a").dir)
        .args(["export-bundle", &code().to_string(), "-o"])
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let exported = Bundle::decode_exact(&std::fs::read(&file).unwrap()).unwrap();
    let verdict = verify_bundle(&exported, &policy, at);
    assert!(
        matches!(verdict.kind, VerdictKind::Valid { .. }),
        "{verdict:?}"
    );
}

#[test]
fn a_node_in_a_network_does_not_append_offline() {
    // Offline, a node cannot learn what the network holds of its log (its store may be a restored
    // backup): the commands that append refuse, and point to the running node.
    let net = Network::create(&["a", "b"], None);
    let dir = &net.node("a").dir;
    let add = std::process::Command::new(common::node_binary())
        .arg("--data-dir")
        .arg(dir)
        .args([
            "submitters",
            "add",
            "--key",
            &service().public_key().to_hex(),
        ])
        .args(["--name", "存证服务", "--credit-code", "91440300708461136T"])
        .output()
        .unwrap();
    assert!(!add.status.success());
    let stderr = String::from_utf8_lossy(&add.stderr);
    assert!(stderr.contains("this node is in a network"), "{stderr}");
    let rotate = std::process::Command::new(common::node_binary())
        .arg("--data-dir")
        .arg(dir)
        .arg("rotate-key")
        .output()
        .unwrap();
    assert!(!rotate.status.success());
    assert!(String::from_utf8_lossy(&rotate.stderr).contains("this node is in a network"));
}

#[test]
fn a_backup_from_before_a_key_rotation_is_restored_and_continues_under_the_new_key() {
    let mut net = start_network();
    let origin = net.node("a").origin.clone();
    net.node("a").set_up(&service());
    net.node("a").submit_evidence(&service(), 0, 100);
    wait_replicas(&net, &origin, 104);
    let old_key = net.node("a").log_key().public_key();
    let backup = net.node("a").dir.join("backup");
    net.agency("a").kill();
    net.node("a").backup(&backup);
    net.agency("a").start(0);

    // After the backup the log rotates its key (the key file now holds the new key) and grows.
    let rotated = std::process::Command::new(common::node_binary())
        .arg("--data-dir")
        .arg(&net.node("a").dir)
        .arg("rotate-key")
        .output()
        .unwrap();
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let new_key = net.node("a").log_key().public_key();
    assert_ne!(new_key, old_key);
    net.node("a").submit_evidence(&service(), 100, 100);
    let size = net.node("a").size_of(&origin);
    wait_replicas(&net, &origin, size);

    // The backup, which knows only the old key, is restored: the network's checkpoint is signed by
    // a key the store has not seen yet; the node replays the rotation from its peers, then loads
    // the new key from its key file and continues.
    net.agency("a").kill();
    restore_backup(net.node("a"), &backup);
    net.agency("a").start(0);
    let a = net.node("a");
    assert_eq!(
        a.size_of(&origin),
        size,
        "every acknowledged record is back"
    );
    let log = a.node_log();
    assert!(
        log.contains("by a key the store does not know yet"),
        "{log}"
    );
    assert!(log.contains("restored the log from the network"), "{log}");
    assert_eq!(
        root_at(a, &origin, size),
        root_at(net.node("b"), &origin, size)
    );
    a.submit_evidence(&service(), 200, 5);
    wait_replicas(&net, &origin, size + 5);
    assert_no_equivocation(&net, &["a", "b", "c"]);
}

#[test]
fn a_restored_backup_does_not_start_while_the_network_is_down() {
    let mut net = start_network();
    let origin = net.node("a").origin.clone();
    net.node("a").set_up(&service());
    wait_mirrored(net.node("b"), &origin, 4);
    let backup = net.node("a").dir.join("backup");
    net.agency("a").kill();
    net.node("a").backup(&backup);
    net.agency("a").start(0);
    net.node("a").submit_evidence(&service(), 0, 500);
    wait_replicas(&net, &origin, 504);
    // The node records, beside its store, how far the network holds its log.
    let record = net.node("a").dir.join("db.witnessed");
    wait_for("A to record what the network holds", || {
        std::fs::read_to_string(&record).is_ok_and(|t| t.trim() == "504")
    });

    // Everything goes down; A's disk is restored from the backup (4 records) and A starts alone:
    // it must not sign sizes 5.. again.
    for name in ["a", "b", "c"] {
        net.agency(name).kill();
    }
    restore_backup(net.node("a"), &backup);
    let run = run_expecting_exit(&net.node("a").dir);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("no peer answered"), "{stderr}");

    // With the network back, A restores the 500 records and continues.
    net.agency("b").start(0);
    net.agency("c").start(0);
    net.agency("a").start(0);
    assert_eq!(net.node("a").size_of(&origin), 504);
    net.node("a").submit_evidence(&service(), 500, 5);
    wait_replicas(&net, &origin, 509);
    assert_no_equivocation(&net, &["a", "b", "c"]);
}
