//! `ledger-node rotate-key` on a stopped node, and the crash window between the durable rotation
//! record and the key-file switch (docs/operations.md#rotating-a-log-key): at start the node loads
//! the key the replayed log says is in force, finishing the switch, and refuses to start without
//! it.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use ledger_format::checkpoint::{SignedCheckpoint, VerifierKey};
use ledger_node::clock::{Clock, SystemClock};
use ledger_node::config::{CONFIG_FILE, Config};
use ledger_node::init;
use ledger_node::metrics::Metrics;
use ledger_node::sequencer::Sequencer;
use ledger_node::store::{RocksStore, Store};

const NODE: &str = env!("CARGO_BIN_EXE_ledger-node");
const ORIGIN: &str = "ledger.rotate.example/1";

fn node(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(NODE)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

fn config(dir: &Path) -> Config {
    Config::load(&dir.join(CONFIG_FILE)).unwrap()
}

fn vkey(key: &ledger_format::keys::SecretKey) -> VerifierKey {
    VerifierKey::ed25519(ORIGIN, key.public_key()).unwrap()
}

#[test]
fn a_stopped_node_rotates_offline_and_audits_clean() {
    let dir = tempfile::tempdir().unwrap();
    init::init(dir.path(), ORIGIN, Some("127.0.0.1:0".parse().unwrap())).unwrap();
    let key_file = dir.path().join("agency.key");
    let old = init::read_key(&key_file).unwrap();

    let out = node(dir.path(), &["rotate-key"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("log key rotated by record 0"), "{stdout}");
    let new = init::read_key(&key_file).unwrap();
    assert_ne!(new.public_key(), old.public_key());
    assert!(!init::next_key_path(&key_file).exists());
    assert!(stdout.contains(&vkey(&new).to_string()), "{stdout}");

    let store = RocksStore::open(dir.path().join("db"), ORIGIN).unwrap();
    assert_eq!(store.agency_key().unwrap(), new.public_key());
    let history = store.key_history().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].from_size, 1);
    // The empty tree was signed by the old key, the tree with the rotation by the new one.
    let at = |size| SignedCheckpoint::parse(&store.checkpoint_at(size).unwrap().unwrap().note);
    assert_eq!(at(0).unwrap().verify_log_signature(&vkey(&old)), Ok(()));
    assert_eq!(at(1).unwrap().verify_log_signature(&vkey(&new)), Ok(()));
    drop(store);

    let audit = node(dir.path(), &["audit"]);
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stdout)
    );
    // The membership entry keeps naming the genesis key: replicas replay the log from its first
    // record and learn the rotation from the records.
    let member = node(dir.path(), &["member", "--region", "530400"]);
    let entry = String::from_utf8_lossy(&member.stdout);
    assert!(member.status.success(), "{entry}");
    assert!(entry.contains(&vkey(&old).to_string()), "{entry}");
    // A second rotation works the same way from the new key.
    assert!(node(dir.path(), &["rotate-key"]).status.success());
    let third = init::read_key(&key_file).unwrap();
    assert_ne!(third.public_key(), new.public_key());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_crash_between_record_and_key_file_the_node_starts_with_the_key_in_force() {
    let dir = tempfile::tempdir().unwrap();
    init::init(dir.path(), ORIGIN, Some("127.0.0.1:0".parse().unwrap())).unwrap();
    let config = config(dir.path());
    let key_file = config.path(&config.key_file);
    let old = init::read_key(&key_file).unwrap();
    let next = init::prepare_next_key(ORIGIN, &key_file).unwrap();

    // The rotation record becomes durable; the process dies before the key file is switched.
    {
        let store = Arc::new(RocksStore::open(config.path(&config.db_dir), ORIGIN).unwrap());
        let sequencer = Sequencer::start(
            store,
            old.clone(),
            Arc::new(SystemClock),
            Arc::new(Metrics::new()),
            config.sequencer_config(),
        )
        .unwrap();
        sequencer.handle.rotate_key(next.clone()).await.unwrap();
        sequencer.shutdown().await;
    }
    assert_eq!(
        init::read_key(&key_file).unwrap().public_key(),
        old.public_key()
    );

    // At start the node finds the key in force in `agency.key.next` and finishes the switch.
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let running = ledger_node::start(&config, clock.clone()).await.unwrap();
    assert_eq!(
        init::read_key(&key_file).unwrap().public_key(),
        next.public_key()
    );
    assert!(!init::next_key_path(&key_file).exists());
    running
        .sequencer
        .append(ledger_format::record::Body::Calendar(
            ledger_format::calendar::WorkCalendar::new(2026, vec![], vec![]).unwrap(),
        ))
        .await
        .unwrap();
    let latest = running.sequencer.checkpoint_now().await.unwrap().unwrap();
    let signed = SignedCheckpoint::parse(&latest.note).unwrap();
    assert_eq!(signed.verify_log_signature(&vkey(&next)), Ok(()));
    running.stop().await.unwrap();

    // With neither key file holding the key in force, the node refuses to start and says why.
    std::fs::remove_file(&key_file).unwrap();
    init::write_secret(
        &key_file,
        &(ledger_format::checkpoint::NoteSigningKey::new(
            ORIGIN,
            ledger_format::checkpoint::SignatureType::Ed25519,
            old.clone(),
        )
        .unwrap()
        .to_secret_text()
        .unwrap()
            + "\n"),
    )
    .unwrap();
    let refused = ledger_node::start(&config, clock).await.unwrap_err();
    let message = refused.to_string();
    assert!(
        message.contains(&next.public_key().to_string()),
        "names the key in force: {message}"
    );
}
