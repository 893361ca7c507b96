//! Tests of checkpoints, cosignatures, the compact form and the golden vector.

use proptest::prelude::*;

use super::*;
use crate::encoding::{Canonical, DecodeError};
use crate::hash::sha256;
use crate::keys::SigningKey;

const ORIGIN: &str = "registry.example/log/110000";
const WITNESSES: [&str; 3] = [
    "witness-a.example/w1",
    "witness-b.example/w2",
    "witness-c.example/w3",
];

fn log_key() -> SigningKey {
    SigningKey::from_seed(&[0x01; 32])
}

fn witness_key(i: usize) -> SigningKey {
    SigningKey::from_seed(&[0x02 + i as u8; 32])
}

fn log_verifier() -> VerifierKey {
    VerifierKey::ed25519(ORIGIN, log_key().public_key()).unwrap()
}

fn witness_verifiers() -> Vec<VerifierKey> {
    (0..3)
        .map(|i| VerifierKey::cosignature_v1(WITNESSES[i], witness_key(i).public_key()).unwrap())
        .collect()
}

fn checkpoint() -> Checkpoint {
    Checkpoint {
        origin: ORIGIN.into(),
        size: 12345,
        root: sha256(b"golden log root"),
        map_root: sha256(b"golden status-map root"),
        timestamp: 1_767_225_600,
    }
}

/// The golden vector: signed by the log, cosigned by three witnesses one second apart.
fn golden() -> SignedCheckpoint {
    let mut signed = SignedCheckpoint::sign(checkpoint(), ORIGIN, &log_key()).unwrap();
    for (i, name) in WITNESSES.iter().enumerate() {
        signed
            .add_cosignature(name, &witness_key(i), 1_767_225_601 + i as u64)
            .unwrap();
    }
    signed
}

fn golden_keys_text() -> String {
    let mut out = String::from(
        "# Keys of checkpoint-v1.txt. Seeds: log 0x01 x 32, witnesses 0x02, 0x03, 0x04 x 32.\n",
    );
    let log = NoteSigningKey::new(ORIGIN, SignatureType::Ed25519, log_key()).unwrap();
    out.push_str(&format!("log-signer {}\n", log.to_secret_text().unwrap()));
    out.push_str(&format!("log-verifier {}\n", log_verifier()));
    for (i, v) in witness_verifiers().iter().enumerate() {
        let signer =
            NoteSigningKey::new(WITNESSES[i], SignatureType::CosignatureV1, witness_key(i))
                .unwrap();
        out.push_str(&format!(
            "witness-signer {}\n",
            signer.to_secret_text().unwrap()
        ));
        out.push_str(&format!("witness-verifier {v}\n"));
    }
    out
}

#[test]
fn golden_vector_byte_for_byte() {
    let text = golden().to_note_text();
    assert_eq!(text, include_str!("../../tests/vectors/checkpoint-v1.txt"));
    assert_eq!(
        golden_keys_text(),
        include_str!("../../tests/vectors/checkpoint-v1.keys.txt")
    );
    let compact = CompactCheckpoint::from_signed(&golden(), &all_keys()).unwrap();
    assert_eq!(
        format!("{}\n", crate::encoding::to_hex(&compact.encode())),
        include_str!("../../tests/vectors/checkpoint-v1.compact.hex")
    );
    let parsed = SignedCheckpoint::parse(&text).unwrap();
    assert_eq!(parsed.verify_log_signature(&log_verifier()), Ok(()));
    assert!(
        parsed
            .verify_cosignatures(&witness_verifiers())
            .meets_quorum(3)
    );
}

fn all_keys() -> Vec<VerifierKey> {
    let mut keys = witness_verifiers();
    keys.insert(0, log_verifier());
    keys
}

#[test]
fn body_is_the_documented_text() {
    let body = checkpoint().body();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], ORIGIN);
    assert_eq!(lines[1], "12345");
    assert_eq!(lines[2], checkpoint().root.to_base64());
    assert_eq!(
        lines[3],
        format!("status-map {}", checkpoint().map_root.to_base64())
    );
    assert_eq!(lines[4], "timestamp 1767225600");
    assert_eq!(Checkpoint::parse_body(&body), Ok(checkpoint()));
}

#[test]
fn signed_checkpoint_round_trips() {
    let text = golden().to_note_text();
    let parsed = SignedCheckpoint::parse(&text).unwrap();
    assert_eq!(parsed, golden());
    assert_eq!(parsed.to_note_text(), text);
    assert_eq!(parsed.checkpoint(), &checkpoint());
}

fn body_error(body: &str) -> NoteError {
    Checkpoint::parse_body(body).unwrap_err()
}

#[test]
fn strict_body_rejections() {
    let body = checkpoint().body();
    let bad = |line, reason| NoteError::BadBody { line, reason };
    assert_eq!(body_error(body.trim_end()), NoteError::MissingFinalNewline);
    assert_eq!(
        body_error(&body.replace("\n12345\n", "\n012345\n")),
        bad(2, "leading zero")
    );
    assert_eq!(
        body_error(&body.replace("\n12345\n", "\n+12345\n")),
        bad(2, "not a decimal number")
    );
    assert_eq!(
        body_error(&body.replace("\n12345\n", "\n-1\n")),
        bad(2, "not a decimal number")
    );
    assert_eq!(
        body_error(&body.replace("\n12345\n", "\n18446744073709551616\n")),
        bad(2, "number too large")
    );
    assert_eq!(
        body_error(&body.replace("1767225600", "01767225600")),
        bad(5, "leading zero")
    );
    assert_eq!(
        body_error(&body.replace("1767225600", "9223372036854775808")),
        bad(5, "number too large")
    );
    assert_eq!(body_error(&format!("{body}\n")), bad(6, "empty line"));
    assert_eq!(
        body_error(&format!("{body}more\n")),
        NoteError::WrongLineCount {
            expected: 5,
            found: 6
        }
    );
    assert_eq!(
        body_error("o\n1\nr\n"),
        NoteError::WrongLineCount {
            expected: 5,
            found: 3
        }
    );
    assert_eq!(
        body_error(&body.replace("status-map ", "status-map  ")),
        bad(4, "root is not base64 of 32 bytes")
    );
    assert_eq!(
        body_error(&body.replace("status-map ", "map ")),
        bad(4, "expected status-map line")
    );
    assert_eq!(
        body_error(&body.replace("timestamp ", "time ")),
        bad(5, "expected timestamp line")
    );
    assert_eq!(
        body_error(&body.replace(ORIGIN, "a+b")),
        bad(1, "invalid origin")
    );
    assert_eq!(
        body_error(&body.replace(ORIGIN, "a b")),
        bad(1, "invalid origin")
    );
    let root = checkpoint().root.to_base64();
    assert_eq!(
        body_error(&body.replace(&root, &root[..40])),
        bad(3, "root is not base64 of 32 bytes")
    );
}

#[test]
fn strict_note_rejections_through_signed_checkpoint() {
    let text = golden().to_note_text();
    // An extra blank line between body and signatures makes the body end in an empty line.
    let extra = text.replacen("\n\n", "\n\n\n", 1);
    assert_eq!(
        SignedCheckpoint::parse(&extra),
        Err(NoteError::BadBody {
            line: 6,
            reason: "empty line"
        })
    );
    assert_eq!(
        SignedCheckpoint::parse(text.trim_end()),
        Err(NoteError::MissingFinalNewline)
    );
    let log_line = format!("— {ORIGIN} ");
    let broken = text.replacen(&log_line, &format!("{log_line}!"), 1);
    assert_eq!(
        SignedCheckpoint::parse(&broken),
        Err(NoteError::BadSignatureBase64 { line: 7 })
    );
    let plus = text.replacen(&format!("— {ORIGIN} "), "— a+b ", 1);
    assert_eq!(
        SignedCheckpoint::parse(&plus),
        Err(NoteError::InvalidKeyName { line: 7 })
    );
    let big = format!("{}{}", text, "x".repeat(MAX_NOTE_LEN));
    assert!(matches!(
        SignedCheckpoint::parse(&big),
        Err(NoteError::TooLarge { .. })
    ));
}

#[test]
fn more_than_100_signatures_are_rejected() {
    let mut text = SignedCheckpoint::sign(checkpoint(), ORIGIN, &log_key())
        .unwrap()
        .to_note_text();
    let line = NoteSignature::new("w", KeyId([0; 4]), vec![0; 72])
        .unwrap()
        .to_line();
    for i in 0..100 {
        text.push_str(&line.replacen("— w ", &format!("— w{i} "), 1));
    }
    assert_eq!(
        SignedCheckpoint::parse(&text),
        Err(NoteError::TooManySignatures { max: 100 })
    );
}

#[test]
fn invalid_names_and_values_cannot_be_signed() {
    let invalid = NoteError::Key(KeyError::InvalidName);
    assert_eq!(
        SignedCheckpoint::sign(checkpoint(), "a+b", &log_key()),
        Err(invalid.clone())
    );
    let mut signed = golden();
    assert_eq!(
        signed.add_cosignature("w 1", &witness_key(0), 1),
        Err(invalid)
    );
    assert_eq!(
        signed.add_cosignature("w", &witness_key(0), u64::MAX),
        Err(NoteError::TimestampOutOfRange)
    );
    let negative = Checkpoint {
        timestamp: -1,
        ..checkpoint()
    };
    assert_eq!(
        SignedCheckpoint::sign(negative, ORIGIN, &log_key()),
        Err(NoteError::BadBody {
            line: 5,
            reason: "negative timestamp"
        })
    );
}

#[test]
fn cosignatures_verify_and_count() {
    let check = golden().verify_cosignatures(&witness_verifiers());
    assert!(!check.is_tampered());
    let got: Vec<_> = check
        .valid
        .iter()
        .map(|c| (c.name.as_str(), c.key_id, c.timestamp))
        .collect();
    let keys = witness_verifiers();
    assert_eq!(
        got,
        vec![
            (WITNESSES[0], keys[0].key_id(), 1_767_225_601),
            (WITNESSES[1], keys[1].key_id(), 1_767_225_602),
            (WITNESSES[2], keys[2].key_id(), 1_767_225_603),
        ]
    );
    // The log's own line is not a witness cosignature.
    assert_eq!(
        check.unknown,
        vec![(ORIGIN.to_owned(), log_verifier().key_id())]
    );
    assert!(check.meets_quorum(3) && !check.meets_quorum(4));
}

#[test]
fn cosignature_by_an_unlisted_key_is_unknown_not_tampered() {
    let mut signed = golden();
    signed
        .add_cosignature("stranger.example/w9", &witness_key(7), 5)
        .unwrap();
    let check = signed.verify_cosignatures(&witness_verifiers()[..2]);
    assert_eq!(check.valid.len(), 2);
    assert!(!check.is_tampered());
    assert_eq!(check.unknown.len(), 3); // the log, witness 3 (not listed), the stranger
    // Same name as a trusted witness but another key: a different key ID, so unknown too.
    let mut impostor = golden();
    impostor
        .add_cosignature(WITNESSES[0], &witness_key(7), 5)
        .unwrap();
    let check = impostor.verify_cosignatures(&witness_verifiers());
    assert_eq!(
        (check.valid.len(), check.invalid.len(), check.unknown.len()),
        (3, 0, 2)
    );
}

#[test]
fn changed_body_after_signing_is_tampering() {
    let text = golden()
        .to_note_text()
        .replacen("\n12345\n", "\n12346\n", 1);
    let parsed = SignedCheckpoint::parse(&text).unwrap();
    let log = log_verifier();
    assert_eq!(
        parsed.verify_log_signature(&log),
        Err(VerifyError::BadSignature {
            name: ORIGIN.into(),
            key_id: log.key_id()
        })
    );
    let check = parsed.verify_cosignatures(&witness_verifiers());
    assert!(check.valid.is_empty() && check.is_tampered() && !check.meets_quorum(0));
    assert_eq!(check.invalid.len(), 3);
    assert!(matches!(check.invalid[0], VerifyError::BadSignature { .. }));
}

#[test]
fn altered_cosignature_timestamp_is_tampering() {
    let mut signed = golden();
    let w = &witness_verifiers()[0];
    let line = signed.note().find(w.name(), w.key_id()).unwrap().clone();
    let mut bytes = line.bytes().to_vec();
    bytes[7] ^= 1;
    signed
        .note
        .put_signature(NoteSignature::new(w.name(), w.key_id(), bytes).unwrap())
        .unwrap();
    let check = signed.verify_cosignatures(&witness_verifiers());
    assert_eq!(
        check.invalid,
        vec![VerifyError::BadSignature {
            name: w.name().into(),
            key_id: w.key_id()
        }]
    );
}

#[test]
fn missing_log_signature() {
    let other = VerifierKey::ed25519("other.example/log", log_key().public_key()).unwrap();
    assert_eq!(
        golden().verify_log_signature(&other),
        Err(VerifyError::MissingSignature {
            name: other.name().into(),
            key_id: other.key_id()
        })
    );
}

#[test]
fn compact_form_round_trips_and_measures() {
    let keys = all_keys();
    let compact = CompactCheckpoint::from_signed(&golden(), &keys).unwrap();
    let bytes = compact.encode();
    // origin 1+27, size 8, roots 2x32, timestamp 8, count 1, log sig 4+1+64, 3 cosigs 3x(4+1+72).
    assert_eq!(bytes.len(), 28 + 8 + 64 + 8 + 1 + 69 + 3 * 77);
    assert_eq!(bytes.len(), 409);
    let decoded = CompactCheckpoint::decode_exact(&bytes).unwrap();
    assert_eq!(decoded, compact);
    let rebuilt = decoded.to_signed(&keys).unwrap();
    assert_eq!(rebuilt.to_note_text(), golden().to_note_text());
    // Without the names of every key ID, the note cannot be rebuilt.
    assert_eq!(
        decoded.to_signed(&keys[..3]).map(|_| ()),
        Err(NoteError::UnknownKeyId(keys[3].key_id()))
    );
}

#[test]
fn compact_form_rejects_invalid_values() {
    let mut compact = CompactCheckpoint::from_signed(&golden(), &all_keys()).unwrap();
    compact.signatures[1].key_id = compact.signatures[0].key_id;
    assert!(matches!(
        CompactCheckpoint::decode_exact(&compact.encode()),
        Err(DecodeError::Invalid {
            what: "signatures",
            ..
        })
    ));
    compact.signatures.clear();
    assert!(CompactCheckpoint::decode_exact(&compact.encode()).is_err());
    let mut negative = CompactCheckpoint::from_signed(&golden(), &all_keys()).unwrap();
    negative.timestamp = -5;
    assert!(matches!(
        CompactCheckpoint::decode_exact(&negative.encode()),
        Err(DecodeError::Invalid {
            what: "checkpoint",
            ..
        })
    ));
}

fn arb_checkpoint() -> impl Strategy<Value = Checkpoint> {
    (
        "[a-z0-9._/-]{1,40}",
        any::<u64>(),
        any::<[u8; 32]>(),
        any::<[u8; 32]>(),
        0..=i64::MAX,
    )
        .prop_map(|(origin, size, root, map_root, timestamp)| Checkpoint {
            origin,
            size,
            root: Hash(root),
            map_root: Hash(map_root),
            timestamp,
        })
}

proptest! {
    #[test]
    fn parse_body_of_body_is_identity(c in arb_checkpoint()) {
        prop_assert_eq!(Checkpoint::parse_body(&c.body()), Ok(c));
    }

    #[test]
    fn signed_and_compact_round_trips(c in arb_checkpoint(), seed in any::<u8>(), times in prop::collection::vec(0..=i64::MAX as u64, 0..3)) {
        let mut signed = SignedCheckpoint::sign(c.clone(), &c.origin, &SigningKey::from_seed(&[seed; 32])).unwrap();
        for (i, t) in times.iter().enumerate() {
            signed.add_cosignature(WITNESSES[i], &witness_key(i), *t).unwrap();
        }
        let text = signed.to_note_text();
        let parsed = SignedCheckpoint::parse(&text).unwrap();
        prop_assert_eq!(&parsed, &signed);
        prop_assert_eq!(parsed.to_note_text(), text.clone());
        let mut keys = witness_verifiers();
        keys.push(VerifierKey::ed25519(&c.origin, SigningKey::from_seed(&[seed; 32]).public_key()).unwrap());
        let compact = CompactCheckpoint::from_signed(&parsed, &keys).unwrap();
        let decoded = CompactCheckpoint::decode_exact(&compact.encode()).unwrap();
        prop_assert_eq!(decoded.to_signed(&keys).unwrap().to_note_text(), text);
    }
}

#[test]
fn cosignature_timestamp_reads_the_line_without_verifying() {
    let signed = golden();
    let stamps: Vec<Option<u64>> = signed
        .note()
        .signatures()
        .iter()
        .map(NoteSignature::cosignature_timestamp)
        .collect();
    // The log's own Ed25519 line is 64 bytes: not a cosignature.
    assert_eq!(
        stamps,
        vec![
            None,
            Some(1_767_225_601),
            Some(1_767_225_602),
            Some(1_767_225_603)
        ]
    );
}

#[test]
fn a_signature_line_parses_apart_from_its_note() {
    let signed = golden();
    for signature in signed.note().signatures() {
        let line = signature.to_line();
        assert_eq!(NoteSignature::from_line(&line).as_ref(), Ok(signature));
        assert_eq!(
            NoteSignature::from_line(line.trim_end()).as_ref(),
            Ok(signature)
        );
    }
    assert!(NoteSignature::from_line("— name not base64!").is_err());
    assert!(NoteSignature::from_line("name AAAA").is_err());
}
