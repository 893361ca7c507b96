//! A network that mixes suites (docs/format.md#suites): agency A's log is `sm2-sm3` (SM2 records,
//! checkpoints and witness key, SM3 hashes), B's and C's are `ed25519-sha256`. Each log is mirrored
//! and cosigned by the others across suites, and the bundles and evidence receipts of both kinds
//! of log verify with the one policy file the network serves; a policy that names A's log with an
//! Ed25519 key, or B's witness with another key, does not accept them.

mod common;

use common::{
    Agency, DAY, Network, client_verify, network_policy_text, now, service, wait_mirrored,
    witnessed_receipt,
};
use ledger_client::{TrustPolicy, VerdictKind, verify_for_code};
use ledger_format::checkpoint::VerifierKey;
use ledger_format::code::{CertificateCode, ObjectKind};
use ledger_format::keys::{PublicKey, SecretKey, Signer, SigningKey};
use ledger_format::receipt::{ReceiptError, verify_receipt};
use ledger_format::suite::Suite;

/// The evidence service registered on A's log: an SM2 key, as an `sm2-sm3` log requires.
fn sm2_service() -> SecretKey {
    SecretKey::from_secret_bytes(Suite::Sm2Sm3, &[7; 32]).unwrap()
}

/// The first certificate of `agency`'s region (a data resource of its year).
fn code_of(agency: &Agency, region: u32) -> CertificateCode {
    CertificateCode::new(region, agency.today().year(), ObjectKind::DataResource, 1).unwrap()
}

/// The bundle of `code` that `node` serves, once it verifies as valid with `policy` at `at`;
/// returns its bytes and the verdict's cosigners' key names.
fn valid_bundle(
    node: &Agency,
    code: &CertificateCode,
    policy: &TrustPolicy,
    at: i64,
) -> (Vec<u8>, Vec<String>) {
    let mut last = None;
    let done = common::poll(60, || {
        let bytes = node.get_bytes(&format!("/v1/certificates/{code}/bundle"));
        let verdict = verify_for_code(&bytes, policy, at, code);
        let valid = matches!(verdict.kind, VerdictKind::Valid { .. });
        last = Some((bytes, verdict));
        valid
    });
    let (bytes, verdict) = last.unwrap();
    assert!(
        done,
        "no valid bundle of {code} from {}: {verdict:?}",
        node.name
    );
    let names = verdict.cosigners.iter().map(|c| c.name.clone()).collect();
    (bytes, names)
}

/// `policy` with every key of log `origin` replaced by `key` under the same name.
fn with_log_key(policy: &TrustPolicy, origin: &str, key: PublicKey) -> TrustPolicy {
    let mut policy = policy.clone();
    for log in policy.logs.iter_mut().filter(|l| l.origin == origin) {
        log.key = VerifierKey::log(log.key.name(), key).unwrap();
    }
    policy
}

#[test]
fn an_sm2_log_among_ed25519_logs_is_mirrored_cosigned_and_verified_with_one_policy() {
    let mut net = Network::create_with_suites(&["a", "b", "c"], &[("a", Suite::Sm2Sm3)]);
    net.start_all();
    let a_origin = net.node("a").origin.clone();
    let b_origin = net.node("b").origin.clone();
    assert_eq!(net.node("a").log_key().suite(), Suite::Sm2Sm3);
    assert_eq!(net.node("b").log_key().suite(), Suite::Ed25519Sha256);

    // Each log: set-up (calendars, profile, its evidence service: 4 records), one evidence hash,
    // then a first registration up to its notice (4 records).
    let a_code = code_of(net.node("a"), common::region_of("a"));
    let b_code = code_of(net.node("b"), common::region_of("b"));
    let evidence_hash = ledger_format::sha256(&0u64.to_be_bytes());
    let a_service = sm2_service();
    let b_service = service();
    for (name, key, code) in [
        ("a", &a_service as &dyn Signer, &a_code),
        ("b", &b_service as &dyn Signer, &b_code),
    ] {
        let node = net.node(name);
        node.set_up(key);
        node.submit_evidence(key, 0, 1);
        node.publish_first_notice(code);
    }
    // The notice period passes for the whole network; A and B issue their certificates.
    net.restart_all(14);
    let at = now() + 14 * DAY;
    net.node("a").issue(&a_code);
    net.node("b").issue(&b_code);
    let size = 4 + 1 + 4 + 1;
    for (origin, replicas) in [(&a_origin, ["b", "c"]), (&b_origin, ["a", "c"])] {
        for name in replicas {
            wait_mirrored(net.node(name), origin, size);
        }
    }

    // One policy file for the whole network, as a bank keeps it: it names A's log and witness
    // keys as SM2 keys, B's and C's as Ed25519 keys.
    let files = tempfile::tempdir().unwrap();
    let policy_file = files.path().join("network.policy");
    std::fs::write(&policy_file, network_policy_text(net.node("c"))).unwrap();
    let policy =
        ledger_client::policy::parse_policy(&std::fs::read_to_string(&policy_file).unwrap())
            .unwrap();
    assert_eq!(policy.quorum, 2);
    let log_suite = |origin: &str| {
        let log = policy.logs.iter().find(|l| l.origin == origin).unwrap();
        log.key.public_key().suite()
    };
    assert_eq!(log_suite(&a_origin), Suite::Sm2Sm3);
    assert_eq!(log_suite(&b_origin), Suite::Ed25519Sha256);
    let witness_name = |name: &str| {
        net.node(name)
            .witness_key()
            .verifier_key()
            .name()
            .to_owned()
    };
    let a_witness = net.node("a").witness_key().verifier_key().clone();
    assert_eq!(a_witness.public_key().suite(), Suite::Sm2Sm3);
    assert!(policy.witnesses.iter().any(|w| w.key == a_witness));

    // A's bundle (SM2 log) carries Ed25519 cosignatures of B and C; B's bundle (Ed25519 log)
    // carries A's SM2 cosignature and C's. Each verifies as valid, from any node.
    let (a_bundle, a_cosigners) = valid_bundle(net.node("c"), &a_code, &policy, at);
    assert!(
        a_cosigners.contains(&witness_name("b")) && a_cosigners.contains(&witness_name("c")),
        "{a_cosigners:?}"
    );
    let (b_bundle, b_cosigners) = valid_bundle(net.node("a"), &b_code, &policy, at);
    assert!(
        b_cosigners.contains(&witness_name("a")) && b_cosigners.contains(&witness_name("c")),
        "{b_cosigners:?}"
    );
    // The same verdicts from `ledger-client verify` with the policy file.
    let at_text = at.to_string();
    for (bundle, code) in [(&a_bundle, &a_code), (&b_bundle, &b_code)] {
        let file = files.path().join(format!("{code}.bundle"));
        std::fs::write(&file, bundle).unwrap();
        let report = client_verify(&file, &policy_file, &code.to_string(), &["--at", &at_text]);
        assert_eq!(report["verdict"], "valid", "{code}: {report}");
    }

    // Evidence receipts of both logs prove their hashes with the same policy.
    for (name, submitter) in [("a", a_service.public_key()), ("b", b_service.public_key())] {
        let receipt = witnessed_receipt(net.node(name), &submitter, &evidence_hash, &policy, at);
        assert_eq!(receipt.checkpoint.origin, net.node(name).origin);
        // Not a proof of another hash.
        let other = ledger_format::sha256(b"another document");
        assert!(
            verify_receipt(&other, &receipt, &policy, at).is_err(),
            "{name}"
        );
    }

    // A policy naming A's log with an Ed25519 key (same name) does not accept A's bundle or
    // receipt: the SM2 signatures are not taken for another key's.
    let ed25519_key = SigningKey::from_seed(&[9; 32]).public_key();
    let forged = with_log_key(&policy, &a_origin, ed25519_key);
    let verdict = verify_for_code(&a_bundle, &forged, at, &a_code);
    assert!(
        !matches!(verdict.kind, VerdictKind::Valid { .. }),
        "{verdict:?}"
    );
    let forged_file = files.path().join("forged.policy");
    std::fs::write(&forged_file, ledger_client::policy::policy_text(&forged)).unwrap();
    let a_file = files.path().join(format!("{a_code}.bundle"));
    let report = client_verify(
        &a_file,
        &forged_file,
        &a_code.to_string(),
        &["--at", &at_text],
    );
    assert_ne!(report["verdict"], "valid", "{report}");
    let a_receipt = witnessed_receipt(
        net.node("a"),
        &a_service.public_key(),
        &evidence_hash,
        &policy,
        at,
    );
    assert!(matches!(
        verify_receipt(&evidence_hash, &a_receipt, &forged, at),
        Err(ReceiptError::Untrusted(_))
    ));

    // A's SM2 cosignature is one of the two B's log needs: a policy that names A's witness with
    // an Ed25519 key leaves B's bundle one cosignature short.
    let mut wrong_witness = policy.clone();
    for witness in wrong_witness.witnesses.iter_mut() {
        if witness.key == a_witness {
            witness.key = VerifierKey::witness(
                a_witness.name(),
                SigningKey::from_seed(&[9; 32]).public_key(),
            )
            .unwrap();
        }
    }
    let verdict = verify_for_code(&b_bundle, &wrong_witness, at, &b_code);
    assert!(
        matches!(&verdict.kind, VerdictKind::Untrusted(_)),
        "{verdict:?}"
    );
}
