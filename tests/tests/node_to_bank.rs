//! A node started from `init` issues a certificate; its bundle, fetched over HTTP, verifies as
//! valid with the client library and the trust policy that `init` wrote: the bank's two steps.

mod common;

use std::sync::Arc;

use common::issue_in_process;
use ledger_format::code::{CertificateCode, ObjectKind};
use ledger_format::record::Body;
use ledger_format::testing::{self, at, parse_date as d};
use ledger_node::clock::ManualClock;
use ledger_node::config::{CONFIG_FILE, Config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundle_from_a_running_node_verifies_with_the_init_policy() {
    let dir = tempfile::tempdir().unwrap();
    let made = ledger_node::init::init(
        dir.path(),
        "ledger.e2e.example/2026",
        Some("127.0.0.1:0".parse().unwrap()),
    )
    .unwrap();
    let config = Config::load(&dir.path().join(CONFIG_FILE)).unwrap();
    let clock = ManualClock::new(at("2026-11-23", 10));
    let node = ledger_node::start(&config, Arc::new(clock.clone()))
        .await
        .unwrap();
    let code = CertificateCode::new(530_400, 2026, ObjectKind::DataResource, 1).unwrap();
    issue_in_process(&node.sequencer, &clock, &code).await;

    let url = format!("http://{}/v1/certificates/{code}/bundle", node.addr);
    let bundle = tokio::task::spawn_blocking(move || {
        ureq::get(&url)
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap()
    })
    .await
    .unwrap();
    node.stop().await.unwrap();

    // The bank: the policy once (from the agency, checked out of band), then any bundle offline.
    let policy_text = std::fs::read_to_string(&made.policy_path).unwrap();
    let policy = ledger_client::policy::parse_policy(&policy_text).unwrap();
    let verdict = ledger_client::verify(&bundle, &policy, at("2026-12-07", 15));
    assert_eq!(
        verdict.kind,
        ledger_format::bundle::VerdictKind::Valid {
            valid_from: d("2026-12-07"),
            valid_until: d("2029-12-07")
        }
    );
    // A bundle from another log's key is not trusted by this policy.
    let other = ledger_format::testing::Ledger::default();
    let signed = other.checkpoint(at("2026-12-07", 11), 0);
    let foreign = other.bundle(&testing::code(2026, 1), &signed, &other.policy(0, 0), false);
    let verdict = ledger_client::verify(
        &ledger_format::Canonical::encode(&foreign),
        &policy,
        at("2026-12-07", 15),
    );
    assert!(matches!(
        verdict.kind,
        ledger_format::bundle::VerdictKind::Untrusted(_)
    ));
}

/// `init --suite sm2-sm3`: the node signs SM2 records and checkpoints and hashes with SM3, and
/// the bank verifies its bundle offline with the policy `init` wrote, exactly as for Ed25519.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sm2_sm3_node_issues_a_bundle_the_bank_verifies() {
    use ledger_format::suite::Suite;
    let dir = tempfile::tempdir().unwrap();
    let made = ledger_node::init::init_with_suite(
        dir.path(),
        "ledger.sm2.example/2026",
        Some("127.0.0.1:0".parse().unwrap()),
        Suite::Sm2Sm3,
    )
    .unwrap();
    assert_eq!(made.config.suite, Suite::Sm2Sm3);
    assert!(made.verifier_key.public_key().suite() == Suite::Sm2Sm3);
    let config = Config::load(&dir.path().join(CONFIG_FILE)).unwrap();
    assert_eq!(config.suite, Suite::Sm2Sm3);
    let clock = ManualClock::new(at("2026-11-23", 10));
    let node = ledger_node::start(&config, Arc::new(clock.clone()))
        .await
        .unwrap();
    let code = CertificateCode::new(530_400, 2026, ObjectKind::DataResource, 1).unwrap();
    issue_in_process(&node.sequencer, &clock, &code).await;
    let base = format!("http://{}", node.addr);
    let (status, _, bundle) = tokio::task::spawn_blocking({
        let base = base.clone();
        move || get(&base, &format!("/v1/certificates/{code}/bundle"), None)
    })
    .await
    .unwrap();
    assert_eq!(status, 200);
    let (_, _, checkpoint) =
        tokio::task::spawn_blocking(move || get(&base, "/v1/checkpoint", None))
            .await
            .unwrap();
    node.stop().await.unwrap();
    let checkpoint = String::from_utf8(checkpoint).unwrap();
    let signed = ledger_format::checkpoint::SignedCheckpoint::parse(&checkpoint).unwrap();
    signed.verify_log_signature(&made.verifier_key).unwrap();
    println!("sm2-sm3 bundle without records: {} bytes", bundle.len());

    let policy_text = std::fs::read_to_string(&made.policy_path).unwrap();
    let policy = ledger_client::policy::parse_policy(&policy_text).unwrap();
    let verdict = ledger_client::verify(&bundle, &policy, at("2026-12-07", 15));
    assert_eq!(
        verdict.kind,
        ledger_format::bundle::VerdictKind::Valid {
            valid_from: d("2026-12-07"),
            valid_until: d("2029-12-07")
        }
    );
    // A node whose configuration names another suite than its store refuses to start.
    let mut wrong = config.clone();
    wrong.suite = Suite::Ed25519Sha256;
    let refused = ledger_node::start(&wrong, Arc::new(clock.clone())).await;
    assert!(
        refused
            .err()
            .is_some_and(|e| e.to_string().contains("keeps its suite")),
    );
}

/// GETs `path` from `base`, with an `accept` header when given: (status, content type, body).
fn get(base: &str, path: &str, accept: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut request = ureq::get(&format!("{base}{path}"));
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let mut response = request
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.body_mut().read_to_vec().unwrap();
    (response.status().as_u16(), content_type, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_service_submits_and_proves_its_hash_offline() {
    let dir = tempfile::tempdir().unwrap();
    let made = ledger_node::init::init(
        dir.path(),
        "ledger.e2e.example/2026",
        Some("127.0.0.1:0".parse().unwrap()),
    )
    .unwrap();
    let config = Config::load(&dir.path().join(CONFIG_FILE)).unwrap();
    let clock = ManualClock::new(at("2026-11-23", 10));
    let node = ledger_node::start(&config, Arc::new(clock.clone()))
        .await
        .unwrap();
    let service = testing::submitter_key();
    node.sequencer
        .append(Body::SubmitterAdded(
            ledger_format::record::SubmitterAdded {
                key: service.public_key(),
                name: "存证服务".into(),
                credit_code: ledger_format::code::CreditCode::parse(testing::CREDIT_CODE).unwrap(),
            },
        ))
        .await
        .unwrap();
    let hash = ledger_format::sha256(b"a data snapshot");
    let base = format!("http://{}", node.addr);
    let submit = |hashes: Vec<ledger_format::Hash>| {
        let submission = ledger_client::evidence::sign_submission(
            &testing::submitter_key(),
            "ledger.e2e.example/2026",
            &hashes,
        )
        .unwrap();
        let base = base.clone();
        tokio::task::spawn_blocking(move || {
            ledger_client::fetch::submit_evidence(&base, &submission).unwrap()
        })
    };
    let answer = submit(vec![hash]).await.unwrap();
    assert_eq!(answer["receipts"][0]["index"], 1);
    node.sequencer.checkpoint_now().await.unwrap();
    let receipt_path = format!("/v1/evidence/{}/{hash}/receipt", service.public_key());
    let (b, path) = (base.clone(), receipt_path.clone());
    let (bcs, tlog, bad) = tokio::task::spawn_blocking(move || {
        (
            get(&b, &path, Some("application/octet-stream")),
            get(&b, &format!("{path}?format=tlog-proof"), None),
            get(&b, &format!("{path}?format=pdf"), None),
        )
    })
    .await
    .unwrap();
    // The log grows a month later and signs a newer checkpoint.
    clock.set(at("2026-12-23", 10));
    submit(vec![ledger_format::sha256(b"next month")])
        .await
        .unwrap();
    node.sequencer.checkpoint_now().await.unwrap();
    let b = base.clone();
    let (note, consistency) = tokio::task::spawn_blocking(move || {
        (
            get(&b, "/v1/checkpoint", None),
            get(&b, "/v1/proofs/consistency?from=2&to=3", None),
        )
    })
    .await
    .unwrap();
    node.stop().await.unwrap();

    let policy =
        ledger_client::policy::parse_policy(&std::fs::read_to_string(&made.policy_path).unwrap())
            .unwrap();
    assert_eq!(bcs.0, 200);
    let receipt = ledger_client::receipt::read_receipt(&bcs.2).unwrap();
    assert_eq!(
        receipt.proof.tree_size, 2,
        "the consistency proof above starts there"
    );
    // A year later the receipt still proves the hash, as of the day it was witnessed.
    let year_later = at("2027-11-23", 11);
    let info =
        ledger_client::receipt::verify_receipt(&hash, &receipt, &policy, year_later).unwrap();
    assert_eq!(info.index, 1);
    assert_eq!(info.submitter, testing::submitter_key().public_key());
    assert_eq!(info.as_of, receipt.checkpoint.timestamp);
    assert!(info.as_of < at("2026-11-24", 0));
    // The same receipt in the C2SP tlog-proof form.
    assert_eq!(
        (tlog.0, tlog.1.as_str()),
        (200, "text/plain; charset=utf-8")
    );
    assert!(tlog.2.starts_with(b"c2sp.org/tlog-proof@v1\nextra "));
    let from_tlog = ledger_client::receipt::read_receipt_for(&tlog.2, &policy).unwrap();
    assert_eq!(from_tlog, receipt);
    assert_eq!(bad.0, 400, "{}", String::from_utf8_lossy(&bad.2));
    // Against the newer checkpoint, with the consistency proof the node serves.
    assert_eq!((note.0, consistency.0), (200, 200));
    let newer = ledger_client::receipt::read_newer_checkpoint(&note.2, &consistency.2).unwrap();
    let info = ledger_client::receipt::verify_receipt_extended(
        &hash, &receipt, &newer, &policy, year_later,
    )
    .unwrap();
    assert_eq!(info.consistent_with.map(|c| c.size), Some(3));
}
