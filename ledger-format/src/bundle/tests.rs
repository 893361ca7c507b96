//! One real bundle per verdict: real keys, real proofs, real checkpoints.

use super::*;
use crate::code::CertificateCode;
use crate::record::{Body, Cancelled, Issued, Notice, ObjectionFiled, RegistrationType, Revoked};
use crate::testing::{self, Ledger, at, parse_date as d};

const WITNESSES: u8 = 3;

fn notice(code: &CertificateCode, ends_on: &str) -> Body {
    Body::NoticePublished(Notice {
        code: code.clone(),
        registration_type: RegistrationType::First,
        content: testing::content(code.kind(), None),
        ends_on: d(ends_on),
    })
}

fn issue(code: &CertificateCode, on: &str, until: &str) -> Body {
    Body::Issued(Issued {
        code: code.clone(),
        valid_from: d(on),
        valid_until: d(until),
    })
}

/// Certificate 1 issued 2026-12-07, valid until 2029-12-07; certificate 2 in notice; 3 suspended;
/// 4 cancelled; 5 revoked; 6 terminated. Plus some evidence in between.
fn ledger() -> Ledger {
    let mut l = Ledger::default();
    let c = |n| testing::code(2026, n);
    for n in 1..=6 {
        l.apply("2026-11-23", notice(&c(n), "2026-12-04")).unwrap();
        l.evidence(at("2026-11-23", 11), crate::sha256(&[n as u8]));
    }
    let objection = |n| {
        Body::ObjectionFiled(ObjectionFiled {
            code: c(n),
            objector: crate::sha256(b"o"),
        })
    };
    let upheld = l.apply("2026-11-30", objection(6)).unwrap();
    l.apply("2026-12-01", objection(3)).unwrap();
    l.apply(
        "2026-12-07",
        Body::ObjectionResolved(crate::record::ObjectionResolved {
            code: c(6),
            objection_index: upheld,
            upheld: true,
        }),
    )
    .unwrap();
    for n in [1, 4, 5] {
        l.apply("2026-12-07", issue(&c(n), "2026-12-07", "2029-12-07"))
            .unwrap();
    }
    l.apply(
        "2027-01-04",
        Body::Cancelled(Cancelled {
            code: c(4),
            reason: CancellationReason::DataLost,
        }),
    )
    .unwrap();
    l.apply(
        "2027-01-04",
        Body::Revoked(Revoked {
            code: c(5),
            reason: RevocationReason::TamperedOrForged,
        }),
    )
    .unwrap();
    l
}

/// The checkpoint is signed at 2027-02-01 09:00 CST and cosigned a second later.
fn checkpoint_time() -> i64 {
    at("2027-02-01", 9)
}

fn verify(l: &Ledger, serial: u64, on: &str) -> Verdict {
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let policy = l.policy(WITNESSES, 2);
    let bundle = l.bundle(&testing::code(2026, serial), &signed, &policy, true);
    let bytes = bundle.encode();
    verify_bundle_bytes(&bytes, &policy, at(on, 12))
}

#[test]
fn valid_certificate() {
    let l = ledger();
    let verdict = verify(&l, 1, "2027-02-01");
    assert_eq!(
        verdict.kind,
        VerdictKind::Valid {
            valid_from: d("2026-12-07"),
            valid_until: d("2029-12-07")
        }
    );
    assert_eq!(verdict.as_of, Some(checkpoint_time() + 1));
    assert_eq!(verdict.checked_on, Some(d("2027-02-01")));
    assert_eq!(verdict.state.unwrap().version, 1);
}

#[test]
fn validity_edges_on_both_sides() {
    // A policy that accepts any checkpoint age, to move the verification date freely.
    let l = ledger();
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let mut policy = l.policy(WITNESSES, 2);
    policy.max_age_seconds = i64::MAX;
    let bundle = l.bundle(&testing::code(2026, 1), &signed, &policy, false);
    let kind = |on: &str| verify_bundle(&bundle, &policy, at(on, 12)).kind;
    assert_eq!(
        kind("2026-12-06"),
        VerdictKind::NotYetValid {
            valid_from: d("2026-12-07")
        }
    );
    assert!(matches!(kind("2026-12-07"), VerdictKind::Valid { .. }));
    assert!(matches!(kind("2029-12-07"), VerdictKind::Valid { .. }));
    assert_eq!(
        kind("2029-12-08"),
        VerdictKind::Expired {
            valid_until: d("2029-12-07")
        }
    );
    // The CST day boundary: 23:59:59 on the last day is valid, 00:00:00 the next day is not.
    let last_second = d("2029-12-08").start_unix_cst() - 1;
    assert!(matches!(
        verify_bundle(&bundle, &policy, last_second).kind,
        VerdictKind::Valid { .. }
    ));
    assert!(matches!(
        verify_bundle(&bundle, &policy, last_second + 1).kind,
        VerdictKind::Expired { .. }
    ));
}

#[test]
fn every_status_verdict() {
    let l = ledger();
    assert_eq!(
        verify(&l, 2, "2027-02-01").kind,
        VerdictKind::InNotice {
            ends_on: d("2026-12-04")
        }
    );
    assert_eq!(verify(&l, 3, "2027-02-01").kind, VerdictKind::Suspended);
    assert_eq!(
        verify(&l, 4, "2027-02-01").kind,
        VerdictKind::Cancelled(CancellationReason::DataLost)
    );
    assert_eq!(
        verify(&l, 5, "2027-02-01").kind,
        VerdictKind::Revoked(RevocationReason::TamperedOrForged)
    );
    assert_eq!(verify(&l, 6, "2027-02-01").kind, VerdictKind::Terminated);
    assert_eq!(
        verify(&l, 99, "2027-02-01").kind,
        VerdictKind::UnknownCertificate
    );
}

#[test]
fn stale_checkpoint() {
    let l = ledger();
    // Witnessed at 09:00:01 on 1 February; one day is accepted.
    let limit = checkpoint_time() + 1 + 86_400;
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let policy = l.policy(WITNESSES, 2);
    let bundle = l.bundle(&testing::code(2026, 1), &signed, &policy, false);
    assert!(matches!(
        verify_bundle(&bundle, &policy, limit).kind,
        VerdictKind::Valid { .. }
    ));
    assert_eq!(
        verify_bundle(&bundle, &policy, limit + 1).kind,
        VerdictKind::Stale {
            age_seconds: 86_401
        }
    );
}

#[test]
fn quorum_of_two_with_one_cosignature_is_untrusted() {
    let l = ledger();
    let signed = l.checkpoint(checkpoint_time(), 1);
    let policy = l.policy(WITNESSES, 2);
    let bundle = l.bundle(&testing::code(2026, 1), &signed, &policy, false);
    assert_eq!(
        verify_bundle(&bundle, &policy, checkpoint_time() + 60).kind,
        VerdictKind::Untrusted("1 of the 2 witness cosignatures required".into())
    );
}

#[test]
fn log_key_outside_its_window_is_untrusted() {
    let l = ledger();
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let mut policy = l.policy(WITNESSES, 2);
    policy.logs[0].not_after = Some(checkpoint_time() - 1);
    let bundle = l.bundle(&testing::code(2026, 1), &signed, &policy, false);
    assert!(matches!(
        verify_bundle(&bundle, &policy, checkpoint_time() + 60).kind,
        VerdictKind::Untrusted(reason) if reason.contains("not in force")
    ));
    policy.logs[0].not_after = None;
    policy.logs[0].not_before = Some(checkpoint_time() + 1);
    assert!(matches!(
        verify_bundle(&bundle, &policy, checkpoint_time() + 60).kind,
        VerdictKind::Untrusted(_)
    ));
}

#[test]
fn unknown_log_is_untrusted() {
    let l = ledger();
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let policy = l.policy(WITNESSES, 2);
    let bundle = l.bundle(&testing::code(2026, 1), &signed, &policy, false);
    let other =
        Ledger::new("ledger.other.example/2026", testing::witness_key(9)).policy(WITNESSES, 2);
    assert!(matches!(
        verify_bundle(&bundle, &other, checkpoint_time() + 60).kind,
        VerdictKind::Untrusted(reason) if reason.contains("no trusted key")
    ));
}

#[test]
fn forged_state_is_tampered() {
    let l = ledger();
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let policy = l.policy(WITNESSES, 2);
    // A revoked certificate presented with an active state.
    let mut bundle = l.bundle(&testing::code(2026, 5), &signed, &policy, false);
    if let Some(state) = bundle.state.as_mut() {
        state.status = Status::Active;
    }
    assert!(matches!(
        verify_bundle(&bundle, &policy, checkpoint_time() + 60).kind,
        VerdictKind::Tampered(reason) if reason.contains("status-map")
    ));
    // A valid certificate whose validity was stretched.
    let mut stretched = l.bundle(&testing::code(2026, 1), &signed, &policy, false);
    if let Some(v) = stretched.state.as_mut().and_then(|s| s.validity.as_mut()) {
        v.until = d("2035-12-07");
    }
    assert!(matches!(
        verify_bundle(&stretched, &policy, checkpoint_time() + 60).kind,
        VerdictKind::Tampered(_)
    ));
    // Hiding a certificate: claim absence with the proof of another code.
    let mut hidden = l.bundle(&testing::code(2026, 5), &signed, &policy, false);
    hidden.state = None;
    assert!(matches!(
        verify_bundle(&hidden, &policy, checkpoint_time() + 60).kind,
        VerdictKind::Tampered(_)
    ));
}

#[test]
fn forged_checkpoint_signature_is_tampered() {
    let l = ledger();
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let policy = l.policy(WITNESSES, 2);
    let mut bundle = l.bundle(&testing::code(2026, 1), &signed, &policy, false);
    bundle.checkpoint.timestamp += 1;
    assert!(matches!(
        verify_bundle(&bundle, &policy, checkpoint_time() + 60).kind,
        VerdictKind::Tampered(_)
    ));
}

#[test]
fn forged_record_is_tampered() {
    let l = ledger();
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let policy = l.policy(WITNESSES, 2);
    let mut bundle = l.bundle(&testing::code(2026, 1), &signed, &policy, true);
    assert_eq!(bundle.records.len(), 2);
    if let Body::Issued(i) = &mut bundle.records[1].record.body {
        i.valid_until = d("2035-12-07");
    }
    assert!(matches!(
        verify_bundle(&bundle, &policy, checkpoint_time() + 60).kind,
        VerdictKind::Tampered(reason) if reason.contains("inclusion proof")
    ));
}

/// Flips one bit at a time in every byte of a valid bundle; returns the offsets still valid.
fn offsets_still_valid(quorum: usize) -> (Vec<usize>, usize) {
    let l = ledger();
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let policy = l.policy(WITNESSES, quorum);
    let bytes = l
        .bundle(&testing::code(2026, 1), &signed, &policy, true)
        .encode();
    let when = checkpoint_time() + 60;
    assert!(matches!(
        verify_bundle_bytes(&bytes, &policy, when).kind,
        VerdictKind::Valid { .. }
    ));
    let mut still_valid = Vec::new();
    for i in 0..bytes.len() {
        for bit in [0x01u8, 0x80] {
            let mut flipped = bytes.clone();
            flipped[i] ^= bit;
            if matches!(
                verify_bundle_bytes(&flipped, &policy, when).kind,
                VerdictKind::Valid { .. }
            ) {
                still_valid.push(i);
            }
        }
    }
    (still_valid, bytes.len())
}

#[test]
fn every_single_byte_flip_is_never_valid() {
    // Every signature counts when the quorum is all three witnesses.
    let (still_valid, len) = offsets_still_valid(3);
    assert!(len > 1000, "the bundle carries its records");
    assert_eq!(still_valid, Vec::<usize>::new());
}

#[test]
fn with_a_spare_cosignature_only_its_key_id_is_redundant() {
    // With a quorum of 2 out of 3 cosignatures, damaging the key ID of one cosignature makes that
    // line unknown to the policy (ignored, as c2sp.org/signed-note requires) and the remaining two
    // still authenticate every other byte: the verdict stays valid, correctly. Nothing else may.
    let (still_valid, _) = offsets_still_valid(2);
    assert!(!still_valid.is_empty());
    let l = ledger();
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let policy = l.policy(WITNESSES, 2);
    let bundle = l.bundle(&testing::code(2026, 1), &signed, &policy, true);
    let bytes = bundle.encode();
    let key_ids: Vec<[u8; 4]> = bundle
        .checkpoint
        .signatures
        .iter()
        .skip(1)
        .map(|s| s.key_id.0)
        .collect();
    for i in still_valid {
        let inside_a_key_id = key_ids.iter().any(|id| {
            (i.saturating_sub(3)..=i).any(|start| bytes.get(start..start + 4) == Some(&id[..]))
        });
        assert!(
            inside_a_key_id,
            "byte {i} is not part of a cosignature key id"
        );
    }
}

#[test]
fn malformed_bytes() {
    let policy = ledger().policy(WITNESSES, 2);
    for bytes in [&b""[..], b"not a bundle", &[BUNDLE_VERSION; 40]] {
        assert!(matches!(
            verify_bundle_bytes(bytes, &policy, 0).kind,
            VerdictKind::Malformed(_)
        ));
    }
}

#[test]
fn bundle_round_trips_and_reports_its_size() {
    let l = ledger();
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let policy = l.policy(WITNESSES, 2);
    let bundle = l.bundle(&testing::code(2026, 1), &signed, &policy, false);
    let bytes = bundle.encode();
    assert_eq!(Bundle::decode_exact(&bytes), Ok(bundle.clone()));
    println!(
        "bundle without records, 6 certificates, 3 cosignatures: {} bytes",
        bytes.len()
    );
    assert!(bytes.len() < 1536);
}
