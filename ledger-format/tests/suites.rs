//! The `sm2-sm3` suite end to end in the format: a whole log of SM2 records, its SM3 tree and
//! map, SM2 checkpoints and cosignatures, bundles and receipts, verified offline with one policy;
//! mixed witnesses; and the attempts to mix suites that must be refused.

use ledger_format::bundle::{TrustedWitness, VerdictKind, verify_bundle, verify_bundle_bytes};
use ledger_format::checkpoint::{
    Note, NoteSigningKey, SignatureType, SignedCheckpoint, VerifierKey,
};
use ledger_format::encoding::Canonical;
use ledger_format::keys::{PublicKey, SecretKey, Signer};
use ledger_format::record::{FORMAT_VERSION, FORMAT_VERSION_SUITED, Record};
use ledger_format::suite::Suite;
use ledger_format::testing::{self, Ledger, at};

const WITNESSES: u8 = 3;

fn checkpoint_time() -> i64 {
    at("2027-02-01", 9)
}

/// The certificate-1 bundle of a six-certificate log of `suite`, with its policy.
fn bundle_of(
    l: &Ledger,
    signed: &SignedCheckpoint,
    policy: &ledger_format::bundle::TrustPolicy,
) -> Vec<u8> {
    l.bundle(&testing::code(2026, 1), signed, policy, false)
        .encode()
}

#[test]
fn an_sm2_log_verifies_offline_like_an_ed25519_one() {
    for suite in Suite::ALL {
        let l = testing::six_certificates_of(suite);
        assert_eq!(l.replay().suite(), suite);
        let signed = l.checkpoint(checkpoint_time(), WITNESSES);
        let policy = l.policy(WITNESSES, 2);
        let bytes = bundle_of(&l, &signed, &policy);
        let verdict = verify_bundle_bytes(&bytes, &policy, at("2027-02-01", 12));
        assert!(
            matches!(verdict.kind, VerdictKind::Valid { .. }),
            "{suite}: {:?}",
            verdict.kind
        );
        // Every status, as for Ed25519.
        for (serial, expected) in [(2, "in-notice"), (4, "cancelled"), (5, "revoked")] {
            let bundle = l.bundle(&testing::code(2026, serial), &signed, &policy, true);
            let kind = verify_bundle(&bundle, &policy, at("2027-02-01", 12)).kind;
            let shown = format!("{kind:?}").to_lowercase().replace(['_', ' '], "-");
            assert!(
                shown.contains(&expected.replace('-', "")) || shown.contains(expected),
                "{suite} #{serial}: {kind:?}"
            );
        }
        // Records, tree and map are of the suite: the roots differ between suites.
        println!(
            "{suite}: bundle with 3 cosignatures, no records: {} bytes",
            bytes.len()
        );
        assert!(bytes.len() <= 2_953, "{suite}: {} bytes", bytes.len());
    }
    let ed = testing::six_certificates_of(Suite::Ed25519Sha256);
    let sm = testing::six_certificates_of(Suite::Sm2Sm3);
    assert_ne!(ed.tree.root(), sm.tree.root());
    assert_ne!(ed.map.root(), sm.map.root());
}

#[test]
fn sm2_records_are_version_3_with_their_suite_and_round_trip() {
    let l = testing::six_certificates_of(Suite::Sm2Sm3);
    for record in &l.log.records {
        assert_eq!(record.version, FORMAT_VERSION_SUITED);
        assert_eq!(record.suite(), Suite::Sm2Sm3);
        let bytes = record.encode();
        // Version 3, then the suite's code.
        assert_eq!(&bytes[..2], &[3, 0x01]);
        assert_eq!(Record::decode_exact(&bytes).unwrap(), *record);
        record.verify_signature().unwrap();
        // The leaf hash is SM3(0x00 || bytes).
        assert_eq!(
            record.hash(),
            ledger_format::sm3(&[&[0u8][..], &bytes].concat())
        );
    }
    // An Ed25519 log's records stay version 2, byte for byte as before suites.
    let ed = testing::six_certificates_of(Suite::Ed25519Sha256);
    assert!(ed.log.records.iter().all(|r| r.version == FORMAT_VERSION));
    assert!(ed.log.records.iter().all(|r| r.encode()[0] == 2));
}

#[test]
fn records_that_mix_suites_are_refused() {
    let l = testing::six_certificates_of(Suite::Sm2Sm3);
    let bytes = l.log.records[3].encode();
    // The suite byte changed to Ed25519: a version-3 record may not be of ed25519-sha256.
    let mut as_ed = bytes.clone();
    as_ed[1] = 0x00;
    assert!(Record::decode_exact(&as_ed).is_err());
    // An unknown suite code.
    let mut unknown = bytes.clone();
    unknown[1] = 0x02;
    assert!(Record::decode_exact(&unknown).is_err());
    // Version 2 in front of SM2 bytes: read as 32-byte keys, which cannot decode canonically.
    let mut as_v2 = bytes.clone();
    as_v2.remove(1);
    as_v2[0] = 2;
    assert!(Record::decode_exact(&as_v2).is_err());
    // An SM2 agency record that names an Ed25519 key (a rotation to another suite) is refused.
    let mut builder =
        testing::LogBuilder::new(testing::ORIGIN, testing::agency_key_of(Suite::Sm2Sm3));
    let rotation = builder.agency(
        at("2026-11-23", 9),
        ledger_format::record::Body::KeyRotation(ledger_format::record::KeyRotation {
            new_key: testing::agency_key().public_key(),
        }),
    );
    assert!(rotation.validate().is_err());
    assert!(Record::decode_exact(&rotation.encode()).is_err());
}

#[test]
fn sm2_note_keys_use_the_reserved_type_and_sm3_key_ids() {
    let secret = testing::agency_key_of(Suite::Sm2Sm3);
    let log = NoteSigningKey::new(testing::ORIGIN, SignatureType::Sm2, secret.clone()).unwrap();
    let vkey = log.verifier_key();
    // The key ID is SM3(name || 0x0A || 0xff || identifier || NUL || 65-byte key)[:4].
    let typed = SignatureType::Sm2.type_bytes();
    assert_eq!(typed[0], 0xff);
    assert_eq!(typed.last(), Some(&0));
    let digest = ledger_format::sm3(
        &[
            testing::ORIGIN.as_bytes(),
            b"\n",
            typed,
            secret.public_key().as_bytes(),
        ]
        .concat(),
    );
    assert_eq!(vkey.key_id().0, digest.0[..4]);
    // Text forms round-trip; the secret text reads back the same key.
    let text = vkey.to_string();
    assert_eq!(VerifierKey::parse(&text).unwrap(), *vkey);
    let secret_text = log.to_secret_text().unwrap();
    assert_eq!(
        NoteSigningKey::parse(&secret_text).unwrap().verifier_key(),
        vkey
    );
    // A key of the wrong suite for the type is refused, in both directions.
    assert!(
        NoteSigningKey::new(testing::ORIGIN, SignatureType::Sm2, testing::agency_key()).is_err()
    );
    assert!(NoteSigningKey::new(testing::ORIGIN, SignatureType::Ed25519, secret).is_err());
    // A verifier key text with the SM2 type and an Ed25519-sized key does not parse.
    let bad = format!(
        "{}+{}+{}",
        testing::ORIGIN,
        vkey.key_id(),
        ledger_format::encoding::to_base64(&[typed, &[7u8; 32][..]].concat())
    );
    assert!(VerifierKey::parse(&bad).is_err());
}

#[test]
fn an_sm2_checkpoint_is_a_signed_note_that_ed25519_readers_parse() {
    let l = testing::six_certificates_of(Suite::Sm2Sm3);
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let text = signed.to_note_text();
    // Any signed-note reader splits it: text, then lines of base64 after an em dash.
    let note = Note::parse(&text).unwrap();
    assert_eq!(note.signatures().len(), 1 + usize::from(WITNESSES));
    // The log line is key ID (4) and the 64-byte SM2 signature; a cosignature 4 + 8 + 64.
    assert_eq!(note.signatures()[0].bytes().len(), 64);
    assert_eq!(note.signatures()[1].bytes().len(), 72);
    let policy = l.policy(WITNESSES, 2);
    signed.verify_log_signature(&policy.logs[0].key).unwrap();
    let check = signed.note().check_cosignatures(&policy.witness_keys());
    assert_eq!(check.valid.len(), usize::from(WITNESSES));
    assert!(check.invalid.is_empty());
    // A flipped bit in the SM2 log signature is caught.
    let mut tampered = signed.note().signatures()[0].bytes().to_vec();
    tampered[10] ^= 1;
    let line = ledger_format::checkpoint::NoteSignature::new(
        signed.note().signatures()[0].name(),
        signed.note().signatures()[0].key_id(),
        tampered,
    )
    .unwrap();
    let mut forged = Note::new(signed.note().text()).unwrap();
    forged.put_signature(line).unwrap();
    let forged = SignedCheckpoint::from_note(forged).unwrap();
    assert!(forged.verify_log_signature(&policy.logs[0].key).is_err());
}

/// A policy whose witnesses are the fixture witnesses of `witness_suite`.
fn mixed(
    l: &Ledger,
    witness_suite: Suite,
) -> (SignedCheckpoint, ledger_format::bundle::TrustPolicy) {
    let checkpoint = ledger_format::checkpoint::Checkpoint {
        origin: testing::ORIGIN.into(),
        size: l.tree.size(),
        root: l.tree.root(),
        map_root: l.map.root(),
        timestamp: checkpoint_time(),
    };
    let mut signed = SignedCheckpoint::sign(
        checkpoint,
        testing::ORIGIN,
        &testing::agency_key_of(l.suite()),
    )
    .unwrap();
    let mut policy = l.policy(0, 2);
    for n in 0..WITNESSES {
        signed
            .add_cosignature(
                &testing::witness_name(n),
                &testing::witness_key_of(witness_suite, n),
                u64::try_from(checkpoint_time() + 1).unwrap(),
            )
            .unwrap();
        policy
            .witnesses
            .push(TrustedWitness::replica(testing::witness_verifier_key_of(
                witness_suite,
                n,
            )));
    }
    (signed, policy)
}

#[test]
fn each_suite_is_witnessed_by_the_other() {
    for (log, witnesses) in [
        (Suite::Sm2Sm3, Suite::Ed25519Sha256),
        (Suite::Ed25519Sha256, Suite::Sm2Sm3),
    ] {
        let l = testing::six_certificates_of(log);
        let (signed, policy) = mixed(&l, witnesses);
        let bytes = bundle_of(&l, &signed, &policy);
        let verdict = verify_bundle_bytes(&bytes, &policy, at("2027-02-01", 12));
        assert!(
            matches!(verdict.kind, VerdictKind::Valid { .. }),
            "{log} log, {witnesses} witnesses: {:?}",
            verdict.kind
        );
    }
}

#[test]
fn a_bundle_checked_under_the_other_suite_is_not_valid() {
    // The verifier takes the suite from its policy's log key, never from the bundle: an SM2 log's
    // bundle checked against a policy that names an Ed25519 key under the same origin fails, and
    // so does the reverse.
    for suite in Suite::ALL {
        let other = if suite == Suite::Sm2Sm3 {
            Suite::Ed25519Sha256
        } else {
            Suite::Sm2Sm3
        };
        let l = testing::six_certificates_of(suite);
        let signed = l.checkpoint(checkpoint_time(), WITNESSES);
        let good = l.policy(WITNESSES, 2);
        let bytes = bundle_of(&l, &signed, &good);
        let mut wrong = good.clone();
        wrong.logs[0].key = VerifierKey::new(
            testing::ORIGIN,
            SignatureType::log(other),
            testing::agency_key_of(other).public_key(),
        )
        .unwrap();
        let verdict = verify_bundle_bytes(&bytes, &wrong, at("2027-02-01", 12));
        assert!(
            !matches!(verdict.kind, VerdictKind::Valid { .. }),
            "{suite}: {:?}",
            verdict.kind
        );
    }
}

#[test]
fn a_device_signer_signs_the_same_checkpoint_as_the_key_in_memory() {
    // The Signer trait is what a PKCS#11 token implements; an Arc<dyn Signer> signs notes.
    let secret: SecretKey = testing::agency_key_of(Suite::Sm2Sm3);
    let device: std::sync::Arc<dyn Signer> = std::sync::Arc::new(secret.clone());
    let key = NoteSigningKey::with_signer(testing::ORIGIN, SignatureType::Sm2, device).unwrap();
    assert!(key.to_secret_text().is_none());
    let mut note = Note::new("hello\n").unwrap();
    note.sign(&key).unwrap();
    note.verify(key.verifier_key()).unwrap();
    let public: PublicKey = secret.public_key();
    assert_eq!(public.suite(), Suite::Sm2Sm3);
}

/// The golden checkpoint of the `sm2-sm3` suite (docs/format.md#suites), cosigned by three SM2
/// witnesses (the record vectors of both suites are in `record_vectors.rs`). SM2 signatures here are deterministic (RFC 6979
/// nonces), so the files are byte-for-byte reproducible; regenerate after a deliberate format
/// change with `LEDGER_BLESS=1 cargo test -p ledger-format --features testing --test suites`.
mod golden {
    use super::*;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/sm2-sm3");

    fn check(name: &str, now: &str) {
        let path = format!("{DIR}/{name}");
        if std::env::var_os("LEDGER_BLESS").is_some() {
            std::fs::write(&path, now).unwrap();
        }
        let golden = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            golden, now,
            "{name} changed: a format change needs a new version"
        );
    }

    const ORIGIN: &str = "registry.example/log/530400";
    const WITNESSES: [&str; 3] = [
        "witness-a.example/w1",
        "witness-b.example/w2",
        "witness-c.example/w3",
    ];

    fn key(byte: u8) -> SecretKey {
        SecretKey::from_secret_bytes(Suite::Sm2Sm3, &[byte; 32]).unwrap()
    }

    #[test]
    fn an_sm2_checkpoint_matches_its_golden_vector() {
        let checkpoint = ledger_format::checkpoint::Checkpoint {
            origin: ORIGIN.into(),
            size: 12345,
            root: ledger_format::sm3(b"golden log root"),
            map_root: ledger_format::sm3(b"golden status-map root"),
            timestamp: 1_767_225_600,
        };
        let mut signed = SignedCheckpoint::sign(checkpoint, ORIGIN, &key(1)).unwrap();
        let mut keys = vec![VerifierKey::log(ORIGIN, key(1).public_key()).unwrap()];
        let mut text = String::from(
            "# Keys of checkpoint.txt. SM2 secrets: log 0x01 x 32, witnesses 0x02, 0x03, 0x04 x 32.\n",
        );
        let log = NoteSigningKey::new(ORIGIN, SignatureType::Sm2, key(1)).unwrap();
        text.push_str(&format!("log-signer {}\n", log.to_secret_text().unwrap()));
        text.push_str(&format!("log-verifier {}\n", log.verifier_key()));
        for (i, name) in WITNESSES.iter().enumerate() {
            let witness = key(2 + i as u8);
            signed
                .add_cosignature(name, &witness, 1_767_225_601 + i as u64)
                .unwrap();
            let note_key =
                NoteSigningKey::new(name, SignatureType::Sm2CosignatureV1, witness).unwrap();
            text.push_str(&format!(
                "witness-signer {}\n",
                note_key.to_secret_text().unwrap()
            ));
            text.push_str(&format!("witness-verifier {}\n", note_key.verifier_key()));
            keys.push(note_key.verifier_key().clone());
        }
        check("checkpoint.txt", &signed.to_note_text());
        check("checkpoint.keys.txt", &text);
        let compact =
            ledger_format::checkpoint::CompactCheckpoint::from_signed(&signed, &keys).unwrap();
        check(
            "checkpoint.compact.hex",
            &format!("{}\n", ledger_format::encoding::to_hex(&compact.encode())),
        );
        // Same size as the Ed25519 compact checkpoint of the same origin length.
        assert_eq!(
            compact.encode().len(),
            1 + ORIGIN.len() + 8 + 32 + 32 + 8 + 1 + 69 + 3 * 77
        );
        let parsed = SignedCheckpoint::parse(&signed.to_note_text()).unwrap();
        parsed.verify_log_signature(&keys[0]).unwrap();
        assert!(parsed.verify_cosignatures(&keys[1..]).meets_quorum(3));
    }
}

#[test]
fn the_replay_engine_refuses_a_record_of_another_suite() {
    use ledger_format::replay::{LogReplay, ReplayError};
    // An Ed25519 record (a valid one, of the Ed25519 fixture log) offered to an SM2 log.
    let sm2 = testing::agency_key_of(Suite::Sm2Sm3);
    let mut replay = LogReplay::new(testing::ORIGIN, sm2.public_key());
    let ed = testing::one_record_of_each_kind();
    let refused = replay.apply(&ed[0].encode()).unwrap_err();
    assert!(
        matches!(
            refused,
            ReplayError::Suite {
                index: 0,
                found: Suite::Ed25519Sha256,
                expected: Suite::Sm2Sm3
            }
        ),
        "{refused}"
    );
    assert_eq!(replay.size(), 0);
    assert_eq!(replay.suite(), Suite::Sm2Sm3);
}
