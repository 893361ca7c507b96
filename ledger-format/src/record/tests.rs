use proptest::prelude::*;

use super::*;
use crate::code::ObjectKind;
use crate::sha256;
use crate::testing::{self, LogBuilder, at, code, content, submitter_key};

fn notice_body(serial: u64) -> Body {
    Body::NoticePublished(Notice {
        code: code(2026, serial),
        registration_type: RegistrationType::First,
        content: content(ObjectKind::DataResource, None),
        ends_on: testing::parse_date("2026-12-04"),
    })
}

#[test]
fn agency_record_signature_covers_header_and_body() {
    let mut log = LogBuilder::default();
    let record = log.agency(at("2026-11-23", 10), notice_body(1));
    assert_eq!(record.verify_signature(), Ok(()));

    let mut moved = record.clone();
    moved.header.index = 5;
    assert_eq!(moved.verify_signature(), Err(SignatureError::BadSignature));
    let mut retimed = record.clone();
    retimed.header.time += 1;
    assert_eq!(
        retimed.verify_signature(),
        Err(SignatureError::BadSignature)
    );
    let mut rewritten = record;
    if let Body::NoticePublished(n) = &mut rewritten.body {
        n.content.data_name.push('!');
    }
    assert_eq!(
        rewritten.verify_signature(),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn evidence_signature_covers_origin_and_hash() {
    let mut log = LogBuilder::default();
    let hash = crate::sha256(b"snapshot");
    let record = log.evidence(at("2026-11-23", 10), hash, &submitter_key());
    assert_eq!(record.header.author, submitter_key().public_key());
    assert_eq!(record.verify_signature(), Ok(()));

    // The header is authenticated by the checkpoint, not by the service: moving it keeps the
    // service's signature valid but changes the record's hash.
    let mut moved = record.clone();
    moved.header.time += 1;
    assert_eq!(moved.verify_signature(), Ok(()));
    assert_ne!(moved.hash(), record.hash());

    let mut elsewhere = record.clone();
    elsewhere.header.origin = "ledger.other.example/2026".into();
    assert_eq!(
        elsewhere.verify_signature(),
        Err(SignatureError::BadSignature)
    );
    let mut other_hash = record;
    other_hash.body = Body::Evidence(Evidence {
        hash: crate::sha256(b"other"),
    });
    assert_eq!(
        other_hash.verify_signature(),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn records_chain_by_leaf_hash() {
    let mut log = LogBuilder::default();
    let first = log.agency(at("2026-11-23", 9), notice_body(1));
    let second = log.evidence(at("2026-11-23", 9), crate::sha256(b"x"), &submitter_key());
    assert_eq!(first.header.prev_hash, Hash::ZERO);
    assert_eq!(second.header.prev_hash, first.hash());
    assert_eq!(
        first.hash(),
        leaf_hash_of(crate::suite::Suite::Ed25519Sha256, &first.encode())
    );
}

#[test]
fn canonical_round_trip() {
    let mut log = LogBuilder::default();
    let record = log.agency(at("2026-11-23", 9), notice_body(7));
    let bytes = record.encode();
    assert_eq!(bytes[0], FORMAT_VERSION);
    assert_eq!(Record::decode_exact(&bytes), Ok(record));
}

fn reencode_rejects(record: &Record) -> DecodeError {
    Record::decode_exact(&record.encode()).unwrap_err()
}

#[test]
fn decode_rejects_broken_rules() {
    let mut log = LogBuilder::default();
    let good = log.agency(at("2026-11-23", 9), notice_body(1));

    let mut bytes = good.encode();
    bytes.push(0);
    assert!(matches!(
        Record::decode_exact(&bytes),
        Err(DecodeError::Bcs(_))
    ));

    // Version 1 records (before the procedure, the officer and profiles) are not read.
    let mut v1 = good.clone();
    v1.version = 1;
    assert_eq!(reencode_rejects(&v1), DecodeError::UnsupportedVersion(1));
    let mut v3 = good.clone();
    v3.version = 3;
    assert_eq!(reencode_rejects(&v3), DecodeError::UnsupportedVersion(3));

    let mut spaced = good.clone();
    spaced.header.origin = "ledger yuxi".into();
    assert!(matches!(
        reencode_rejects(&spaced),
        DecodeError::Invalid { what: "origin", .. }
    ));

    let mut orphan = good.clone();
    orphan.header.prev_hash = crate::sha256(b"nothing");
    assert!(matches!(
        reencode_rejects(&orphan),
        DecodeError::Invalid {
            what: "prev_hash",
            ..
        }
    ));

    let mut unsorted = good.clone();
    if let Body::NoticePublished(n) = &mut unsorted.body {
        n.content.fields.reverse();
    }
    assert!(matches!(
        reencode_rejects(&unsorted),
        DecodeError::Invalid { what: "fields", .. }
    ));

    // A data resource under authorized operation carries its operation period (R5).
    let mut resource_with_operation = good.clone();
    if let Body::NoticePublished(n) = &mut resource_with_operation.body {
        n.content.operation_ends = Some(testing::parse_date("2027-01-01"));
    }
    let bytes = resource_with_operation.encode();
    assert_eq!(
        Record::decode_exact(&bytes).unwrap(),
        resource_with_operation
    );

    // The registrant is not its own joint applicant, and nobody is named twice (R15).
    let mut self_joint = good.clone();
    if let Body::NoticePublished(n) = &mut self_joint.body {
        n.content.co_applicants.push(n.content.registrant.clone());
    }
    assert!(matches!(
        reencode_rejects(&self_joint),
        DecodeError::Invalid {
            what: "co_applicants",
            ..
        }
    ));
    let mut twice = good.clone();
    if let Body::NoticePublished(n) = &mut twice.body {
        let other = crate::record::Registrant {
            name: "某某公司".into(),
            id: crate::record::RegistrantId::Individual(sha256(b"id")),
            role: crate::record::RegistrantRole::Operator,
        };
        n.content.co_applicants = vec![other.clone(), other];
    }
    assert!(matches!(
        reencode_rejects(&twice),
        DecodeError::Invalid {
            what: "co_applicants",
            ..
        }
    ));

    // Evidence is signed by its service: no officer acts on it.
    let mut evidence = log.evidence(at("2026-11-23", 10), sha256(b"e"), &submitter_key());
    evidence.header.officer = Some(sha256(b"officer"));
    assert!(matches!(
        reencode_rejects(&evidence),
        DecodeError::Invalid {
            what: "officer",
            ..
        }
    ));

    // Nobody applies for a lapse, and a lapse names no application (R23).
    let mut lapse_applied = good.clone();
    lapse_applied.body = Body::ApplicationReceived(crate::record::ApplicationReceived {
        code: testing::code(2026, 1),
        kind: crate::record::ApplicationKind::Cancellation(CancellationReason::Lapsed),
        materials: sha256(b"m"),
    });
    assert!(matches!(
        reencode_rejects(&lapse_applied),
        DecodeError::Invalid { what: "kind", .. }
    ));
    let mut lapse_with_application = good.clone();
    lapse_with_application.body = Body::Cancelled(crate::record::Cancelled {
        code: testing::code(2026, 1),
        reason: CancellationReason::Lapsed,
        application_index: Some(3),
    });
    assert!(matches!(
        reencode_rejects(&lapse_with_application),
        DecodeError::Invalid {
            what: "application_index",
            ..
        }
    ));

    let mut kind_mismatch = good.clone();
    if let Body::NoticePublished(n) = &mut kind_mismatch.body {
        n.content.object_kind = ObjectKind::ProductOrService;
    }
    assert!(matches!(
        reencode_rejects(&kind_mismatch),
        DecodeError::Invalid { what: "code", .. }
    ));

    let mut empty_name = good;
    if let Body::NoticePublished(n) = &mut empty_name.body {
        n.content.data_name = " ".into();
    }
    assert!(matches!(
        reencode_rejects(&empty_name),
        DecodeError::Invalid {
            what: "data_name",
            ..
        }
    ));
}

#[test]
fn decode_rejects_unknown_record_kind() {
    let mut log = LogBuilder::default();
    let record = log.evidence(at("2026-11-23", 9), crate::sha256(b"x"), &submitter_key());
    let mut bytes = record.encode();
    // version(1) + origin(1 + len) + index(8) + prev(32) + time(8) + author(32), then the tag.
    let tag_at = 1 + 1 + record.header.origin.len() + 8 + 32 + 8 + 32;
    assert_eq!(bytes[tag_at], 0);
    bytes[tag_at] = 99;
    assert!(matches!(
        Record::decode_exact(&bytes),
        Err(DecodeError::Bcs(_))
    ));
}

#[test]
fn field_commitment_opens_only_with_value_and_salt() {
    let salt = [9u8; 32];
    let c = field_commitment(
        crate::suite::Suite::Ed25519Sha256,
        FieldId::CoOwners,
        &salt,
        "某某公司",
    );
    assert_eq!(
        c,
        field_commitment(
            crate::suite::Suite::Ed25519Sha256,
            FieldId::CoOwners,
            &salt,
            "某某公司"
        )
    );
    assert_ne!(
        c,
        field_commitment(
            crate::suite::Suite::Ed25519Sha256,
            FieldId::CoOwners,
            &salt,
            "某某公司 "
        )
    );
    assert_ne!(
        c,
        field_commitment(
            crate::suite::Suite::Ed25519Sha256,
            FieldId::Industry,
            &salt,
            "某某公司"
        )
    );
    assert_ne!(
        c,
        field_commitment(
            crate::suite::Suite::Ed25519Sha256,
            FieldId::CoOwners,
            &[8u8; 32],
            "某某公司"
        )
    );
}

proptest! {
    #[test]
    fn evidence_records_round_trip(
        index in 0u64..u64::MAX,
        time in 0i64..=i64::MAX,
        hash in any::<[u8; 32]>(),
        prev in any::<[u8; 32]>(),
    ) {
        let service = submitter_key();
        let header = Header {
            origin: testing::ORIGIN.into(),
            index,
            prev_hash: if index == 0 { Hash::ZERO } else { Hash(prev) },
            time,
            author: service.public_key(),
            officer: None,
        };
        let signature = service.sign(&evidence_message(testing::ORIGIN, &Hash(hash)));
        let record = Record::evidence(header, Hash(hash), signature);
        let bytes = record.encode();
        prop_assert_eq!(Record::decode_exact(&bytes), Ok(record.clone()));
        prop_assert_eq!(record.verify_signature(), Ok(()));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Record::decode_exact(&bytes);
    }
}
