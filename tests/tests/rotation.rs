//! Rotating the writer's log key on a running three-node network while evidence keeps coming
//! (docs/operations.md#rotating-a-log-key): bundles and receipts from before and after verify
//! offline under a policy listing both key windows, every acknowledged record reaches every node,
//! nobody reports an equivocation; and the attacks: a rotation without the token, a rotation to a
//! key the node did not prepare (a weak key), and the stolen old key signing after the rotation.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{Agency, Network, forge, network_policy, now, service, wait_for};
use ledger_format::Canonical;
use ledger_format::bundle::{Bundle, TrustPolicy, TrustedLog, VerdictKind, verify_bundle};
use ledger_format::checkpoint::{SignedCheckpoint, VerifierKey};
use ledger_format::code::{CertificateCode, ObjectKind};
use ledger_format::hash::Hash;
use ledger_format::record::{Body, Record};
use serde_json::{Value, json};

fn code(serial: u64) -> CertificateCode {
    CertificateCode::new(530_400, 2026, ObjectKind::DataResource, serial).unwrap()
}

/// Takes the first registration of `code(serial)` through the procedure and publishes its notice.
fn publish_notice(a: &Agency, serial: u64) {
    a.publish_first_notice(&code(serial));
}

/// Evidence submitted in batches of 20 from another thread until stopped: the acknowledged
/// `(index, hash)` pairs.
fn load(url: String, origin: String, stop: Arc<AtomicBool>) -> Vec<(u64, Hash)> {
    let mut acknowledged = Vec::new();
    let mut n = 1_000_000u64;
    while !stop.load(Ordering::SeqCst) {
        let hashes: Vec<Hash> = (n..n + 20)
            .map(|i| ledger_format::sha256(&i.to_be_bytes()))
            .collect();
        n += 20;
        let submissions: Vec<Value> = hashes
            .iter()
            .map(|h| common::evidence(&service(), &origin, h))
            .collect();
        let answer: Value = ureq::post(&format!("{url}/v1/evidence"))
            .send_json(json!({ "submissions": submissions }))
            .expect("evidence accepted during the rotation")
            .body_mut()
            .read_json()
            .unwrap();
        for (receipt, hash) in answer["receipts"].as_array().unwrap().iter().zip(hashes) {
            acknowledged.push((receipt["index"].as_u64().unwrap(), hash));
        }
    }
    acknowledged
}

/// The receipt of evidence `hash`, waiting for its checkpoint.
fn receipt(a: &Agency, hash: &Hash) -> Vec<u8> {
    ureq::get(&a.url(&format!(
        "/v1/evidence/{}/{hash}/receipt?wait=true",
        service().public_key()
    )))
    .header("accept", "application/octet-stream")
    .call()
    .unwrap()
    .body_mut()
    .read_to_vec()
    .unwrap()
}

/// A's keys as `node` lists them in `GET /v1/logs`, as trust-policy entries with their windows.
fn key_windows(node: &Agency, origin: &str) -> Vec<TrustedLog> {
    node.log(origin)["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| TrustedLog {
            origin: origin.to_owned(),
            key: VerifierKey::parse(k["verifier_key"].as_str().unwrap()).unwrap(),
            not_before: k["not_before"].as_i64(),
            not_after: k["not_after"].as_i64(),
        })
        .collect()
}

/// The served network policy with A's one key replaced by every key of A with its window.
fn policy_with_windows(node: &Agency, origin: &str) -> TrustPolicy {
    let mut policy = network_policy(node);
    policy.logs.retain(|l| l.origin != origin);
    policy.logs.extend(key_windows(node, origin));
    policy
}

/// Whether a bundle passed every trust check (the certificate itself is in notice).
fn trusted(bundle: &[u8], policy: &TrustPolicy, at: i64) -> Result<(), String> {
    let bundle = Bundle::decode_exact(bundle).map_err(|e| e.to_string())?;
    match verify_bundle(&bundle, policy, at).kind {
        VerdictKind::InNotice { .. } => Ok(()),
        other => Err(format!("{other:?}")),
    }
}

/// A bundle of `code(serial)` from `node` that the policy trusts (waiting for cosignatures).
fn trusted_bundle(node: &Agency, serial: u64, policy: &TrustPolicy) -> Vec<u8> {
    let mut last = String::new();
    let mut bytes = Vec::new();
    let ok = common::poll(60, || {
        bytes = node.get_bytes(&format!("/v1/certificates/{}/bundle", code(serial)));
        match trusted(&bytes, policy, now()) {
            Ok(()) => true,
            Err(e) => {
                last = e;
                false
            }
        }
    });
    assert!(
        ok,
        "no trusted bundle of {} from {}: {last}",
        code(serial),
        node.name
    );
    bytes
}

fn rotate_key(a: &Agency) -> String {
    let out = std::process::Command::new(common::node_binary())
        .arg("--data-dir")
        .arg(&a.dir)
        .arg("rotate-key")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "rotate-key: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_writers_key_rotates_under_load_and_old_and_new_proofs_verify() {
    let mut net = Network::create(&["a", "b", "c"], None);
    // The load below is one client posting as fast as it can: lift its per-client write rate.
    net.node("a").configure("write_rate_per_second", "1000000");
    net.node("a").configure("write_burst", "1000000");
    net.start_all();
    let a_origin = net.node("a").origin.clone();
    let old_key = net.node("a").log_key();
    {
        let a = net.node("a");
        a.set_up(&service());
        a.submit_evidence(&service(), 0, 50);
        publish_notice(a, 1);
    }
    let first_hash = ledger_format::sha256(&0u64.to_be_bytes());
    let genesis_policy = network_policy(net.node("c"));
    let old_bundle = trusted_bundle(net.node("a"), 1, &genesis_policy);
    let old_receipt = receipt(net.node("a"), &first_hash);

    // The attacks on the admin call, before the real rotation.
    let a = net.node("a");
    let size_before = a.size_of(&a_origin);
    let unauthenticated = a.post_text(
        "/v1/agency/key-rotation",
        &json!({ "new_key": "00".repeat(32) }).to_string(),
    );
    assert_eq!(unauthenticated.status, 401, "{}", unauthenticated.body);
    let mut weak = [0u8; 32];
    weak[0] = 1;
    let through_records = a.try_append(&json!({"KeyRotation": {"new_key": hex::encode(weak)}}));
    assert_eq!(through_records.status, 422, "{}", through_records.body);
    // The operator prepares the next key on the node's machine; a call naming any other key (here
    // the identity point, a weak key) is refused: the node only rotates to the key it holds.
    let prepared =
        ledger_node::init::prepare_next_key(&a_origin, &a.dir.join("agency.key")).unwrap();
    let weak_key = ureq::post(&a.url("/v1/agency/key-rotation"))
        .header("Authorization", &format!("Bearer {}", a.token()))
        .config()
        .http_status_as_error(false)
        .build()
        .send_json(json!({ "new_key": hex::encode(weak) }))
        .unwrap();
    assert_eq!(weak_key.status().as_u16(), 400);
    assert_eq!(a.size_of(&a_origin), size_before, "nothing was appended");
    let refused = a.metric("ledger_http_responses_total{status=\"401\"}");
    assert!(refused >= 1.0, "the refused call shows in the metrics");

    // The rotation, while evidence keeps coming.
    let stop = Arc::new(AtomicBool::new(false));
    let loader = {
        let (url, origin, stop) = (a.url(""), a_origin.clone(), stop.clone());
        std::thread::spawn(move || load(url, origin, stop))
    };
    std::thread::sleep(std::time::Duration::from_millis(500));
    let printed = rotate_key(a);
    assert!(printed.contains("log key rotated by record"), "{printed}");
    std::thread::sleep(std::time::Duration::from_millis(500));
    stop.store(true, Ordering::SeqCst);
    let acknowledged = loader.join().unwrap();
    assert!(acknowledged.len() >= 20, "load ran: {}", acknowledged.len());
    let new_key = a.log_key();
    assert_eq!(
        new_key.public_key(),
        prepared.public_key(),
        "the prepared key is in force"
    );
    assert_ne!(new_key.public_key(), old_key.public_key());
    publish_notice(a, 2);

    // Every node holds the whole log, the same, with every acknowledged record.
    let size = a.size_of(&a_origin);
    for name in ["b", "c"] {
        wait_for(&format!("{name} to mirror A up to {size}"), || {
            let log = net.node(name).log(&a_origin);
            log["size"].as_u64() == Some(size) && log["checkpoint_size"].as_u64() == Some(size)
        });
    }
    let records = forge::fetch_records(net.node("a"), &a_origin, size);
    for name in ["b", "c"] {
        assert_eq!(
            forge::fetch_records(net.node(name), &a_origin, size),
            records,
            "{name} holds A's log as A does"
        );
    }
    let decoded: Vec<Record> = records
        .iter()
        .map(|b| Record::decode_exact(b).unwrap())
        .collect();
    for (index, hash) in &acknowledged {
        let body = &decoded[*index as usize].body;
        assert!(
            matches!(body, Body::Evidence(e) if e.hash == *hash),
            "acknowledged evidence at {index}"
        );
    }
    let rotation: Vec<&Record> = decoded
        .iter()
        .filter(|r| matches!(r.body, Body::KeyRotation(_)))
        .collect();
    assert_eq!(rotation.len(), 1);
    assert_eq!(rotation[0].header.author, old_key.public_key());
    let r = rotation[0].header.index;
    assert!(
        acknowledged.iter().any(|(i, _)| *i < r) && acknowledged.iter().any(|(i, _)| *i > r),
        "evidence was acknowledged on both sides of the rotation record {r}"
    );
    for record in &decoded[r as usize + 1..] {
        if !record.body.is_evidence() {
            assert_eq!(record.header.author, new_key.public_key());
        }
    }

    // Every node lists A's two keys with their windows.
    for name in ["a", "b", "c"] {
        let windows = key_windows(net.node(name), &a_origin);
        assert_eq!(windows.len(), 2, "{name}");
        assert_eq!(windows[0].not_after, Some(rotation[0].header.time));
        assert_eq!(windows[1].not_before, Some(rotation[0].header.time));
        assert_eq!(windows[1].key.public_key(), &new_key.public_key());
    }

    // Offline: old and new bundles and receipts verify with a policy listing both key windows.
    let policy = policy_with_windows(net.node("c"), &a_origin);
    trusted(&old_bundle, &policy, now()).expect("the bundle from before the rotation");
    for name in ["a", "b", "c"] {
        let bytes = trusted_bundle(net.node(name), 2, &policy);
        let bundle = Bundle::decode_exact(&bytes).unwrap();
        let keys: Vec<VerifierKey> = policy
            .logs
            .iter()
            .map(|l| l.key.clone())
            .chain(policy.witness_keys())
            .collect();
        let signed = bundle.checkpoint.to_signed(&keys).unwrap();
        let new_vkey = ledger_node::init::log_verifier_key(&a_origin, &new_key).unwrap();
        assert_eq!(signed.verify_log_signature(&new_vkey), Ok(()), "{name}");
    }
    let (_, last_hash) = *acknowledged.last().unwrap();
    for (bytes, hash) in [
        (old_receipt, first_hash),
        (receipt(net.node("a"), &last_hash), last_hash),
    ] {
        let parsed = ledger_client::receipt::read_receipt(&bytes).unwrap();
        ledger_client::receipt::verify_receipt(&hash, &parsed, &policy, now())
            .unwrap_or_else(|e| panic!("receipt of {hash}: {e}"));
    }

    // The stolen old key signs a fork of A's tree after the rotation: B refuses it, counts it and
    // logs it; nobody reports an equivocation.
    let latest = SignedCheckpoint::parse(&net.node("a").get_text("/v1/checkpoint")).unwrap();
    let forged = ledger_format::checkpoint::Checkpoint {
        root: Hash([9; 32]),
        ..latest.checkpoint().clone()
    };
    let stolen = SignedCheckpoint::sign(forged, &a_origin, &old_key).unwrap();
    let answer = forge::submit_checkpoint(net.node("b"), net.node("a"), &stolen);
    assert_eq!(answer.status, 403, "{}", answer.body);
    let b = net.node("b");
    assert!(b.metric("ledger_retired_key_checkpoints") >= 1.0);
    assert!(
        b.node_log().contains("retired key of the log"),
        "B logs the retired key's checkpoint"
    );
    for name in ["a", "b", "c"] {
        let node = net.node(name);
        assert_eq!(node.get_json("/v1/equivocations"), json!([]), "{name}");
        assert_eq!(node.metric("ledger_equivocations"), 0.0, "{name}");
    }

    // A restart keeps the new key (the key file was switched) and the mirrors keep following.
    net.agency("a").kill();
    net.agency("a").start(0);
    publish_notice(net.node("a"), 3);
    let size = net.node("a").size_of(&a_origin);
    common::wait_mirrored(net.node("b"), &a_origin, size);
    assert!(!net.node("a").dir.join("agency.key.next").exists());
}
