//! One real bundle per verdict: real keys, real proofs, real checkpoints.

use super::*;
use crate::checkpoint::{SignedCheckpoint, VerifierKey};
use crate::record::Body;
use crate::testing::{self, Ledger, at, parse_date as d};

const WITNESSES: u8 = 3;

/// The shared fixture: certificate 1 issued 2026-12-07, valid until 2029-12-07; 2 in notice; 3
/// suspended; 4 cancelled; 5 revoked; 6 terminated ([`testing::six_certificates`]).
fn ledger() -> Ledger {
    testing::six_certificates()
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
    // A policy that accepts any checkpoint age, to move the verification date freely forward.
    let l = ledger();
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let mut policy = l.policy(WITNESSES, 2);
    policy.max_age_seconds = i64::MAX;
    let bundle = l.bundle(&testing::code(2026, 1), &signed, &policy, false);
    let kind = |on: &str| verify_bundle(&bundle, &policy, at(on, 12)).kind;
    assert!(matches!(kind("2027-02-01"), VerdictKind::Valid { .. }));
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
    // The first day: a checkpoint witnessed just after midnight, checked a second before it
    // (inside the clock skew), shows a certificate not valid yet; at midnight it is valid.
    let first_day = d("2026-12-07").start_unix_cst();
    let early = l.checkpoint(first_day + 60, WITNESSES);
    let bundle = l.bundle(&testing::code(2026, 1), &early, &policy, false);
    assert_eq!(
        verify_bundle(&bundle, &policy, first_day - 1).kind,
        VerdictKind::NotYetValid {
            valid_from: d("2026-12-07")
        }
    );
    assert!(matches!(
        verify_bundle(&bundle, &policy, first_day).kind,
        VerdictKind::Valid { .. }
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
        VerdictKind::Untrusted(format!(
            "1 of the 2 replica cosignatures required for log {} (its own node's does not count)",
            testing::ORIGIN
        ))
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
    // Windows are judged at the witnessed time, a second after the log signed.
    policy.logs[0].not_after = None;
    policy.logs[0].not_before = Some(checkpoint_time() + 2);
    assert!(matches!(
        verify_bundle(&bundle, &policy, checkpoint_time() + 60).kind,
        VerdictKind::Untrusted(_)
    ));
    policy.logs[0].not_before = Some(checkpoint_time() + 1);
    assert!(matches!(
        verify_bundle(&bundle, &policy, checkpoint_time() + 60).kind,
        VerdictKind::Valid { .. }
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
    // Application, acceptance, review, notice, issue.
    assert_eq!(bundle.records.len(), 5);
    if let Body::Issued(i) = &mut bundle.records[4].record.body {
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

/// The ledger's checkpoint signed at `timestamp`, cosigned by fixture witness `n` at `t` for each
/// `(n, t)`.
fn cosigned(l: &Ledger, timestamp: i64, cosignatures: &[(u8, i64)]) -> SignedCheckpoint {
    let mut signed = l.checkpoint(timestamp, 0);
    for (n, t) in cosignatures {
        signed
            .add_cosignature(
                &testing::witness_name(*n),
                &testing::witness_key(*n),
                u64::try_from(*t).unwrap(),
            )
            .unwrap();
    }
    signed
}

fn kind_of(l: &Ledger, signed: &SignedCheckpoint, policy: &TrustPolicy, at: i64) -> VerdictKind {
    let bundle = l.bundle(&testing::code(2026, 1), signed, policy, false);
    verify_bundle(&bundle, policy, at).kind
}

#[test]
fn the_logs_own_node_never_counts_towards_its_quorum() {
    let l = ledger();
    let t = checkpoint_time();
    let signed = l.checkpoint(t, 2);
    let mut policy = l.policy(2, 2);
    // Witness 0 is the Yuxi agency's own node: with two agencies, a stolen Yuxi server must not
    // be able to vouch for Yuxi's log.
    policy.witnesses[0] =
        TrustedWitness::node_of(testing::witness_verifier_key(0), testing::ORIGIN);
    assert!(matches!(
        kind_of(&l, &signed, &policy, t + 60),
        VerdictKind::Untrusted(reason) if reason.starts_with("1 of the 2 replica cosignatures")
    ));
    // Signed by the own node alone, even a quorum of one is not met.
    policy.quorum = 1;
    let own_only = cosigned(&l, t, &[(0, t + 1)]);
    assert!(matches!(
        kind_of(&l, &own_only, &policy, t + 60),
        VerdictKind::Untrusted(_)
    ));
    // The other agency's cosignature alone meets it, and only it is reported.
    let bundle = l.bundle(&testing::code(2026, 1), &signed, &policy, false);
    let verdict = verify_bundle(&bundle, &policy, t + 60);
    assert!(matches!(verdict.kind, VerdictKind::Valid { .. }));
    assert_eq!(verdict.log.as_deref(), Some(testing::ORIGIN));
    assert_eq!(
        verdict.cosigners,
        vec![Cosigner {
            name: testing::witness_name(1),
            consistency_only: false,
            timestamp: t + 1,
        }]
    );
    // The own node's key listed a second time, under another name and without node-of, still
    // does not count: a key is judged over all its entries.
    let alias =
        VerifierKey::cosignature_v1("alias.example", testing::witness_key(0).public_key()).unwrap();
    policy.witnesses.push(TrustedWitness::replica(alias));
    policy.quorum = 2;
    let mut both = l.checkpoint(t, 2);
    both.add_cosignature(
        "alias.example",
        &testing::witness_key(0),
        u64::try_from(t + 1).unwrap(),
    )
    .unwrap();
    assert!(matches!(
        kind_of(&l, &both, &policy, t + 60),
        VerdictKind::Untrusted(reason) if reason.starts_with("1 of the 2")
    ));
    // Nor does the log's own key cosigning as a "witness".
    let mut policy = l.policy(2, 2);
    let log_as_witness =
        VerifierKey::cosignature_v1("log-itself.example", testing::agency_key().public_key())
            .unwrap();
    policy.witnesses[0] = TrustedWitness::replica(log_as_witness);
    let mut self_cosigned = cosigned(&l, t, &[(1, t + 1)]);
    self_cosigned
        .add_cosignature(
            "log-itself.example",
            &testing::agency_key(),
            u64::try_from(t + 1).unwrap(),
        )
        .unwrap();
    assert!(matches!(
        kind_of(&l, &self_cosigned, &policy, t + 60),
        VerdictKind::Untrusted(reason) if reason.starts_with("1 of the 2")
    ));
    assert_eq!(policy.replicas_for(testing::ORIGIN).len(), 1);
    let mut policy = l.policy(2, 2);
    policy.witnesses[0] =
        TrustedWitness::node_of(testing::witness_verifier_key(0), testing::ORIGIN);
    let alias =
        VerifierKey::cosignature_v1("alias.example", testing::witness_key(0).public_key()).unwrap();
    policy.witnesses.push(TrustedWitness::replica(alias));
    // The own node still counts for other logs.
    assert_eq!(policy.replicas_for("ledger.kunming.example/2026").len(), 2);
    assert_eq!(
        policy.replicas_for(testing::ORIGIN),
        vec![testing::witness_key(1).public_key()]
    );
}

#[test]
fn one_key_under_two_names_counts_once() {
    let l = ledger();
    let t = checkpoint_time();
    let mut policy = l.policy(2, 2);
    let alias =
        VerifierKey::cosignature_v1("alias.example", testing::witness_key(0).public_key()).unwrap();
    policy.witnesses.push(TrustedWitness::replica(alias));
    assert_eq!(policy.replicas_for(testing::ORIGIN).len(), 2);
    // Witness 0 cosigns under both names: one vote, so two names do not make a quorum of two.
    let mut signed = cosigned(&l, t, &[(0, t + 1)]);
    signed
        .add_cosignature(
            "alias.example",
            &testing::witness_key(0),
            u64::try_from(t + 5).unwrap(),
        )
        .unwrap();
    assert!(matches!(
        kind_of(&l, &signed, &policy, t + 60),
        VerdictKind::Untrusted(reason) if reason.starts_with("1 of the 2")
    ));
    // With the second witness it is met, and the repeated key is reported once.
    signed
        .add_cosignature(
            &testing::witness_name(1),
            &testing::witness_key(1),
            u64::try_from(t + 2).unwrap(),
        )
        .unwrap();
    let bundle = l.bundle(&testing::code(2026, 1), &signed, &policy, false);
    let verdict = verify_bundle(&bundle, &policy, t + 60);
    assert!(
        matches!(verdict.kind, VerdictKind::Valid { .. }),
        "{verdict:?}"
    );
    assert_eq!(verdict.cosigners.len(), 2);
    // The key's vote is at its newest time (t + 5), so the second newest is witness 1's.
    assert_eq!(verdict.as_of, Some(t + 2));
}

#[test]
fn consistency_witnesses_vouch_on_top_of_replicas() {
    let l = ledger();
    let t = checkpoint_time();
    let mut policy = l.policy(2, 2);
    policy.witnesses.push(TrustedWitness::consistency_only(
        testing::witness_verifier_key(2),
    ));
    // A consistency-only witness does not count towards the replica quorum.
    let one_replica = cosigned(&l, t, &[(0, t + 10), (2, t + 10)]);
    assert!(matches!(
        kind_of(&l, &one_replica, &policy, t + 60),
        VerdictKind::Untrusted(reason) if reason.starts_with("1 of the 2 replica")
    ));
    // Asked for, a consistency cosignature is needed on top.
    policy.consistency_quorum = 1;
    let replicas_only = cosigned(&l, t, &[(0, t + 10), (1, t + 20)]);
    assert!(matches!(
        kind_of(&l, &replicas_only, &policy, t + 60),
        VerdictKind::Untrusted(reason)
            if reason.starts_with("0 of the 1 consistency witness cosignatures")
    ));
    // Both met: the witnessed time is the older of the two quorum times.
    let all = cosigned(&l, t, &[(0, t + 10), (1, t + 20), (2, t + 5)]);
    let bundle = l.bundle(&testing::code(2026, 1), &all, &policy, false);
    let verdict = verify_bundle(&bundle, &policy, t + 60);
    assert!(
        matches!(verdict.kind, VerdictKind::Valid { .. }),
        "{verdict:?}"
    );
    assert_eq!(verdict.as_of, Some(t + 5));
    assert_eq!(
        verdict
            .cosigners
            .iter()
            .map(|c| (c.name.as_str(), c.consistency_only))
            .collect::<Vec<_>>(),
        [
            ("witness-1.example", false),
            ("witness-0.example", false),
            ("witness-2.example", true)
        ]
    );
    let late = cosigned(&l, t, &[(0, t + 10), (1, t + 20), (2, t + 30)]);
    let bundle = l.bundle(&testing::code(2026, 1), &late, &policy, false);
    assert_eq!(verify_bundle(&bundle, &policy, t + 60).as_of, Some(t + 10));
}

#[test]
fn codes_of_a_region_the_log_does_not_cover_are_untrusted() {
    let l = ledger();
    let t = checkpoint_time();
    let signed = l.checkpoint(t, WITNESSES);
    let mut policy = l.policy(WITNESSES, 2);
    // Kunming's agency signs a Yuxi certificate code: refused, naming the region and the log.
    policy.regions.insert(testing::ORIGIN.into(), vec![530_100]);
    let reason = match kind_of(&l, &signed, &policy, t + 60) {
        VerdictKind::Untrusted(reason) => reason,
        other => panic!("{other:?}"),
    };
    assert!(reason.contains("region 530400"), "{reason}");
    assert!(reason.contains(testing::ORIGIN), "{reason}");
    assert!(reason.contains("530100"), "{reason}");
    // The province covers its prefectures; a county covers only itself.
    for (listed, valid) in [
        (530_000, true),
        (530_400, true),
        (530_402, false),
        (530_100, false),
    ] {
        policy
            .regions
            .insert(testing::ORIGIN.into(), vec![530_100, listed]);
        assert_eq!(
            matches!(
                kind_of(&l, &signed, &policy, t + 60),
                VerdictKind::Valid { .. }
            ),
            valid,
            "{listed}"
        );
    }
    // A log without a regions entry may issue for any region.
    policy.regions.clear();
    assert!(matches!(
        kind_of(&l, &signed, &policy, t + 60),
        VerdictKind::Valid { .. }
    ));
}

#[test]
fn a_witnessed_time_in_the_future_is_untrusted() {
    let l = ledger();
    let signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let mut policy = l.policy(WITNESSES, 2);
    policy.max_age_seconds = i64::MAX;
    let as_of = checkpoint_time() + 1;
    let skew = crate::MAX_CLOCK_SKEW_SECONDS;
    assert!(matches!(
        kind_of(&l, &signed, &policy, as_of - skew),
        VerdictKind::Valid { .. }
    ));
    assert_eq!(
        kind_of(&l, &signed, &policy, as_of - skew - 1),
        VerdictKind::Untrusted(format!(
            "witnessed time {as_of} is in the future: ahead of the verification time {} by more than 300 s",
            as_of - skew - 1
        ))
    );
    // Verifying a past day with a newer bundle is refused, not answered with an old status.
    assert!(matches!(
        kind_of(&l, &signed, &policy, at("2026-12-06", 12)),
        VerdictKind::Untrusted(reason) if reason.contains("ahead of the verification time")
    ));
    // With no witness required, the log's own timestamp is the witnessed time.
    let policy = l.policy(0, 0);
    let t = checkpoint_time();
    assert!(matches!(
        kind_of(&l, &signed, &policy, t - skew - 1),
        VerdictKind::Untrusted(reason) if reason.starts_with(&format!("witnessed time {t} is in the future"))
    ));
}

#[test]
fn a_post_dated_checkpoint_or_cosignature() {
    let l = ledger();
    let t = checkpoint_time();
    let policy = l.policy(WITNESSES, 2);
    // The log dates its checkpoint an hour ahead; witnesses with wrong clocks cosign it "now".
    let post_dated = cosigned(&l, t + 3600, &[(0, t), (1, t)]);
    assert!(matches!(
        kind_of(&l, &post_dated, &policy, t + 60),
        VerdictKind::Untrusted(reason)
            if reason.starts_with(&format!("checkpoint of {} is dated {}", testing::ORIGIN, t + 3600))
    ));
    // A spare cosignature dated a year ahead does not move the quorum's time and is tolerated.
    let spare = cosigned(&l, t, &[(0, t + 1), (1, t + 2), (2, t + 365 * 86_400)]);
    let bundle = l.bundle(&testing::code(2026, 1), &spare, &policy, false);
    let verdict = verify_bundle(&bundle, &policy, t + 60);
    assert!(
        matches!(verdict.kind, VerdictKind::Valid { .. }),
        "{verdict:?}"
    );
    assert_eq!(verdict.as_of, Some(t + 2));
    // When a quorum of cosignatures is dated ahead, the witnessed time is: refused.
    let year = t + 365 * 86_400;
    let ahead = cosigned(&l, t, &[(0, t + 1), (1, year), (2, year)]);
    assert!(matches!(
        kind_of(&l, &ahead, &policy, t + 60),
        VerdictKind::Untrusted(reason) if reason.contains("ahead of the verification time")
    ));
}

#[test]
fn key_windows_are_judged_at_the_witnessed_time() {
    // A retired key, stolen: it signs a checkpoint back-dated into its window. The witnesses
    // cosign when they see it, after the key's window closed.
    let l = ledger();
    let t = checkpoint_time();
    let back_dated = cosigned(&l, t - 86_400, &[(0, t), (1, t)]);
    let mut policy = l.policy(2, 2);
    policy.logs[0].not_after = Some(t - 3600);
    assert_eq!(
        kind_of(&l, &back_dated, &policy, t + 60),
        VerdictKind::Untrusted(format!(
            "log key {} was not in force at the witnessed time {t}",
            testing::ORIGIN
        ))
    );
    // A policy that asks for no witness has only the log's word, and judges at its timestamp.
    policy.quorum = 0;
    policy.max_age_seconds = 2 * 86_400;
    assert!(matches!(
        kind_of(&l, &back_dated, &policy, t + 60),
        VerdictKind::Valid { .. }
    ));
}

#[test]
fn covers_and_replica_sets() {
    let mut policy = ledger().policy(3, 2);
    assert!(policy.covers(testing::ORIGIN, testing::REGION));
    assert!(policy.covers("ledger.unlisted.example/1", 110_101));
    policy
        .regions
        .insert("ledger.kunming.example/2026".into(), vec![530_100]);
    assert!(policy.covers("ledger.kunming.example/2026", 530_102));
    assert!(!policy.covers("ledger.kunming.example/2026", 530_402));
    assert_eq!(
        policy.regions_of(testing::ORIGIN),
        Some(&[testing::REGION][..])
    );
    policy.witnesses[2] = TrustedWitness::consistency_only(testing::witness_verifier_key(2));
    policy.witnesses[1] =
        TrustedWitness::node_of(testing::witness_verifier_key(1), testing::ORIGIN);
    assert_eq!(
        policy.replicas_for(testing::ORIGIN),
        vec![testing::witness_key(0).public_key()]
    );
    assert_eq!(policy.replicas_for("ledger.kunming.example/2026").len(), 2);
    assert_eq!(
        policy.consistency_witnesses_for(testing::ORIGIN),
        vec![testing::witness_key(2).public_key()]
    );
}

/// The ledger's log key rotated on 2027-02-02 at 10:00 CST (after the fixture's checkpoint time)
/// to a new key; returns the rotation time and the policy listing both keys with their windows.
fn rotated(l: &mut Ledger) -> (i64, TrustPolicy) {
    let new_key = crate::keys::SigningKey::from_seed(&[77; 32]);
    l.rotate("2027-02-02", new_key.clone());
    let rotation_time = at("2027-02-02", 10);
    let mut policy = l.policy(WITNESSES, 2);
    let new_log = TrustedLog {
        not_before: Some(rotation_time),
        ..policy.logs[0].clone()
    };
    let old_log = TrustedLog {
        key: VerifierKey::ed25519(testing::ORIGIN, testing::agency_key().public_key()).unwrap(),
        not_before: None,
        not_after: Some(rotation_time),
        ..policy.logs[0].clone()
    };
    policy.logs = vec![old_log, new_log];
    (rotation_time, policy)
}

#[test]
fn bundles_before_and_after_a_key_rotation_verify_with_both_windows() {
    let mut l = ledger();
    let code = testing::code(2026, 1);
    let old_signed = l.checkpoint(checkpoint_time(), WITNESSES);
    let old_bundle = l.bundle(&code, &old_signed, &l.policy(WITNESSES, 2), false);
    let (rotation_time, policy) = rotated(&mut l);
    let new_time = rotation_time + 3_600;
    let new_signed = l.checkpoint(new_time, WITNESSES);
    let new_bundle = l.bundle(&code, &new_signed, &policy, false);

    assert!(matches!(
        verify_bundle(&new_bundle, &policy, new_time + 60).kind,
        VerdictKind::Valid { .. }
    ));
    // A bundle from before the rotation still verifies: the old key was in force when it was
    // witnessed.
    assert!(matches!(
        verify_bundle(&old_bundle, &policy, checkpoint_time() + 60).kind,
        VerdictKind::Valid { .. }
    ));
    // A policy that only knows the old key does not trust the new key's checkpoint.
    let only_old = TrustPolicy {
        logs: vec![policy.logs[0].clone()],
        ..policy.clone()
    };
    assert!(matches!(
        verify_bundle(&new_bundle, &only_old, new_time + 60).kind,
        VerdictKind::Untrusted(_)
    ));
}

#[test]
fn the_old_key_witnessed_after_its_rotation_is_untrusted() {
    let mut l = ledger();
    let code = testing::code(2026, 1);
    let (rotation_time, policy) = rotated(&mut l);
    // A stolen old key signs the current tree after the rotation; the witnesses cosign it.
    let new_time = rotation_time + 3_600;
    let honest = l.checkpoint(new_time, WITNESSES);
    let mut stolen = SignedCheckpoint::sign(
        honest.checkpoint().clone(),
        testing::ORIGIN,
        &testing::agency_key(),
    )
    .unwrap();
    for n in 0..WITNESSES {
        stolen
            .add_cosignature(
                &testing::witness_name(n),
                &testing::witness_key(n),
                u64::try_from(new_time + 1).unwrap(),
            )
            .unwrap();
    }
    let bundle = l.bundle(&code, &stolen, &policy, false);
    assert!(matches!(
        verify_bundle(&bundle, &policy, new_time + 60).kind,
        VerdictKind::Untrusted(reason) if reason.contains("not in force")
    ));
}

#[test]
fn a_stolen_witness_key_cosigning_after_its_compromise_does_not_count() {
    // Witness 1's key was declared compromised at `t`: the thief cosigns at t + 5.
    let l = ledger();
    let t = checkpoint_time();
    let mut policy = l.policy(3, 2);
    policy.witnesses[1] = policy.witnesses[1].clone().with_window(None, Some(t));
    let stolen = cosigned(&l, t, &[(0, t + 1), (1, t + 5)]);
    let key_id = testing::witness_verifier_key(1).key_id();
    assert_eq!(
        kind_of(&l, &stolen, &policy, t + 60),
        VerdictKind::Untrusted(format!(
            "1 of the 2 replica cosignatures required for log {} (its own node's does not \
             count); ignored: witness key {}+{key_id} cosigned at {}, outside its window \
             (not-after {t})",
            testing::ORIGIN,
            testing::witness_name(1),
            t + 5
        ))
    );
    // With the honest witness 2 as well, the quorum holds without the stolen key.
    let honest = cosigned(&l, t, &[(0, t + 1), (1, t + 5), (2, t + 2)]);
    assert!(matches!(
        kind_of(&l, &honest, &policy, t + 60),
        VerdictKind::Valid { .. }
    ));
}

#[test]
fn a_backdated_cosignature_by_a_stolen_witness_key_goes_stale() {
    // The thief dates its cosignature before the compromise time: it counts, but the witnessed
    // time is then that old date, and max-age refuses it once past T + max-age.
    let l = ledger();
    let t = checkpoint_time();
    let mut policy = l.policy(3, 2);
    policy.witnesses[1] = policy.witnesses[1].clone().with_window(None, Some(t));
    let backdated = cosigned(&l, t - 20, &[(0, t + 1), (1, t - 10)]);
    assert!(matches!(
        kind_of(&l, &backdated, &policy, t + 60),
        VerdictKind::Valid { .. }
    ));
    let late = t + policy.max_age_seconds + 1;
    assert_eq!(
        kind_of(&l, &backdated, &policy, late),
        VerdictKind::Stale {
            age_seconds: late - (t - 10)
        }
    );
}

#[test]
fn a_rotated_witness_counts_once_under_its_old_and_new_keys() {
    // Witness 1 rotated at t: its old key until t, its new key (same name) from t + 1.
    let l = ledger();
    let t = checkpoint_time();
    let name = testing::witness_name(1);
    let new_key = testing::witness_key(7);
    let mut policy = l.policy(3, 2);
    policy.witnesses[1] = policy.witnesses[1].clone().with_window(None, Some(t));
    policy.witnesses.push(
        TrustedWitness::replica(VerifierKey::cosignature_v1(&name, new_key.public_key()).unwrap())
            .with_window(Some(t + 1), None),
    );
    assert_eq!(policy.replicas_for(testing::ORIGIN).len(), 3);
    let mut signed = cosigned(&l, t - 20, &[(1, t - 10)]);
    signed
        .add_cosignature(&name, &new_key, u64::try_from(t + 5).unwrap())
        .unwrap();
    assert!(matches!(
        kind_of(&l, &signed, &policy, t + 60),
        VerdictKind::Untrusted(reason) if reason.starts_with("1 of the 2 replica")
    ));
    signed
        .add_cosignature(
            &testing::witness_name(0),
            &testing::witness_key(0),
            u64::try_from(t + 2).unwrap(),
        )
        .unwrap();
    let bundle = l.bundle(&testing::code(2026, 1), &signed, &policy, false);
    let verdict = verify_bundle(&bundle, &policy, t + 60);
    assert!(matches!(verdict.kind, VerdictKind::Valid { .. }));
    // The rotated witness voted once, at its newest time.
    assert_eq!(verdict.as_of, Some(t + 2));
    assert_eq!(verdict.cosigners.len(), 2);
    // The new key dated before its window does not count either.
    let early = cosigned(&l, t - 20, &[(0, t - 5)]);
    let mut early = early;
    early
        .add_cosignature(&name, &new_key, u64::try_from(t - 1).unwrap())
        .unwrap();
    assert!(matches!(
        kind_of(&l, &early, &policy, t + 60),
        VerdictKind::Untrusted(reason) if reason.contains(&format!("not-before {}", t + 1))
    ));
}
