//! Crash safety: the node process is killed with SIGKILL at random moments during concurrent
//! evidence ingest, restarted, and checked: every acknowledged record is present with the hash it
//! was acknowledged with, `ledger-node audit` passes, and no size was ever signed with two roots.
//!
//! `LEDGER_CRASH_ITERATIONS` (default 3) sets the number of kill/restart rounds; run a long soak
//! by hand with e.g. `LEDGER_CRASH_ITERATIONS=200 cargo test -p ledger-node --test crash -- --nocapture`.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ledger_format::hash::Hash;
use ledger_format::record::evidence_message;
use ledger_format::testing;

const NODE: &str = env!("CARGO_BIN_EXE_ledger-node");
const ORIGIN: &str = "ledger.crash.example/1";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn node(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(NODE)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

fn spawn(dir: &Path) -> Child {
    Command::new(NODE)
        .arg("--data-dir")
        .arg(dir)
        .arg("run")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if ureq::get(&format!("{base}/healthz")).call().is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("node did not start");
}

/// One batch of `n` hashes derived from `(client, batch)`, signed by the fixture service.
fn batch(client: u32, batch: u32, n: u32) -> (Vec<Hash>, serde_json::Value) {
    let key = testing::submitter_key();
    let hashes: Vec<Hash> = (0..n)
        .map(|i| ledger_format::sha256(format!("{client}/{batch}/{i}").as_bytes()))
        .collect();
    let submissions: Vec<serde_json::Value> = hashes
        .iter()
        .map(|h| {
            serde_json::json!({
                "submitter": key.public_key().to_hex(),
                "hash": h.to_hex(),
                "signature": hex::encode(key.sign(&evidence_message(ORIGIN, h)).0),
            })
        })
        .collect();
    (hashes, serde_json::json!({ "submissions": submissions }))
}

/// Acknowledged records: index -> (hash, record hash).
type Acked = Arc<Mutex<BTreeMap<u64, (Hash, String)>>>;

fn ingest(
    base: String,
    client: u32,
    stop: Arc<AtomicBool>,
    acked: Acked,
    seen: Arc<Mutex<BTreeMap<u64, String>>>,
) {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        let (hashes, body) = batch(client, n, 50);
        n += 1;
        let Ok(mut response) = ureq::post(&format!("{base}/v1/evidence")).send_json(&body) else {
            return; // the node died: what was acknowledged so far is what counts
        };
        let Ok(answer) = response.body_mut().read_json::<serde_json::Value>() else {
            return;
        };
        let mut acked = acked.lock().unwrap();
        for (hash, receipt) in hashes.iter().zip(answer["receipts"].as_array().unwrap()) {
            let index = receipt["index"].as_u64().unwrap();
            acked.insert(
                index,
                (*hash, receipt["record_hash"].as_str().unwrap().to_owned()),
            );
        }
        if let Ok(mut r) = ureq::get(&format!("{base}/v1/checkpoint")).call()
            && let Ok(note) = r.body_mut().read_to_string()
        {
            let size: u64 = note.lines().nth(1).unwrap().parse().unwrap();
            let mut seen = seen.lock().unwrap();
            if let Some(previous) = seen.get(&size) {
                assert_eq!(previous, &note, "two different checkpoints of size {size}");
            }
            seen.insert(size, note);
        }
    }
}

#[test]
fn sigkill_during_ingest_loses_nothing_acknowledged() {
    let iterations: u32 = std::env::var("LEDGER_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let base = format!("http://{listen}");
    let admin = format!("127.0.0.1:{}", free_port());
    let init = ["init", "--origin", ORIGIN, "--listen", &listen];
    assert!(
        node(&data, &[&init[..], &["--admin-listen", &admin]].concat())
            .status
            .success()
    );
    // Four clients post as fast as they can from one address: lift the per-client rate.
    let config_path = data.join(ledger_node::config::CONFIG_FILE);
    let mut config = ledger_node::config::Config::load(&config_path).unwrap();
    config.http.write_rate_per_second = 1_000_000;
    config.http.write_burst = 1_000_000;
    std::fs::write(&config_path, config.to_toml()).unwrap();
    let out = node(
        &data,
        &[
            "submitters",
            "add",
            "--key",
            &testing::submitter_key().public_key().to_hex(),
            "--name",
            "存证服务",
            "--credit-code",
            testing::CREDIT_CODE,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let acked: Acked = Arc::default();
    let seen: Arc<Mutex<BTreeMap<u64, String>>> = Arc::default();
    let mut rng_state = 0x9e37_79b9_7f4a_7c15_u64;
    for round in 0..iterations {
        let mut child = spawn(&data);
        wait_ready(&base);
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..4)
            .map(|c| {
                let (base, stop, acked, seen) =
                    (base.clone(), stop.clone(), acked.clone(), seen.clone());
                std::thread::spawn(move || ingest(base, round * 10 + c, stop, acked, seen))
            })
            .collect();
        // Kill between 100 ms and 1.5 s into the ingest (xorshift: no extra dependency).
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        std::thread::sleep(Duration::from_millis(100 + rng_state % 1400));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.join().unwrap();
        }
    }

    // Restart once more and check every acknowledged record and every checkpoint seen.
    let mut child = spawn(&data);
    wait_ready(&base);
    let acked = acked.lock().unwrap();
    assert!(!acked.is_empty(), "nothing was acknowledged");
    for (index, (hash, record_hash)) in acked.iter() {
        let record: serde_json::Value = ureq::get(&format!("{base}/v1/records/{index}"))
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap();
        assert_eq!(
            record["record_hash"].as_str().unwrap(),
            record_hash,
            "record {index}"
        );
        assert_eq!(
            record["record"]["body"]["Evidence"]["hash"]
                .as_str()
                .unwrap(),
            hash.to_hex()
        );
    }
    for (size, note) in seen.lock().unwrap().iter() {
        let stored = ureq::get(&format!("{base}/v1/checkpoints/{size}"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        assert_eq!(&stored, note, "checkpoint of size {size} changed");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let audit = node(&data, &["audit"]);
    assert!(
        audit.status.success(),
        "audit failed: {}{}",
        String::from_utf8_lossy(&audit.stdout),
        String::from_utf8_lossy(&audit.stderr)
    );
    println!(
        "{iterations} kills, {} acknowledged records all present, {} checkpoints unchanged; {}",
        acked.len(),
        seen.lock().unwrap().len(),
        String::from_utf8_lossy(&audit.stdout).trim()
    );
}
