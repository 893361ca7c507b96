use super::*;
use crate::checkpoint::VerifierKey;
use crate::testing::{self, Ledger, at};
use crate::{merkle, sha256};

const WITNESSES: u8 = 3;

/// A log with a notice, then two pieces of evidence; returns the ledger and the evidence hashes.
fn ledger() -> (Ledger, Hash, Hash) {
    let mut l = Ledger::default();
    let code = testing::code(2026, 1);
    l.apply(
        "2026-11-23",
        Body::NoticePublished(crate::record::Notice {
            code: code.clone(),
            registration_type: crate::record::RegistrationType::First,
            content: testing::content(code.kind(), None),
            ends_on: testing::parse_date("2026-12-04"),
        }),
    )
    .unwrap();
    let (a, b) = (sha256(b"snapshot a"), sha256(b"snapshot b"));
    l.evidence(at("2026-11-23", 11), a);
    l.evidence(at("2026-11-23", 12), b);
    (l, a, b)
}

fn checkpoint_time() -> i64 {
    at("2026-11-24", 9)
}

fn receipt(l: &Ledger, index: u64, witnesses: u8) -> EvidenceReceipt {
    let signed = l.checkpoint(checkpoint_time(), witnesses);
    let policy = l.policy(WITNESSES, 0);
    let keys: Vec<VerifierKey> = policy
        .logs
        .iter()
        .map(|l| l.key.clone())
        .chain(policy.witness_keys())
        .collect();
    EvidenceReceipt {
        version: RECEIPT_VERSION,
        record: l.log.records[index as usize].clone(),
        proof: merkle::inclusion_proof(index, l.tree.size(), &l.tree).unwrap(),
        checkpoint: CompactCheckpoint::from_signed(&signed, &keys).unwrap(),
    }
}

#[test]
fn valid_receipt() {
    let (l, a, b) = ledger();
    let policy = l.policy(WITNESSES, 3);
    let when = checkpoint_time() + 60;
    let info = verify_receipt(&a, &receipt(&l, 1, WITNESSES), &policy, when).unwrap();
    assert_eq!(
        info,
        ReceiptInfo {
            origin: testing::ORIGIN.into(),
            index: 1,
            time: at("2026-11-23", 11),
            submitter: testing::submitter_key().public_key(),
            as_of: checkpoint_time() + 1,
        }
    );
    assert_eq!(
        verify_receipt(&b, &receipt(&l, 2, WITNESSES), &policy, when).map(|i| i.index),
        Ok(2)
    );
}

#[test]
fn wrong_hash() {
    let (l, a, b) = ledger();
    let policy = l.policy(WITNESSES, 3);
    assert_eq!(
        verify_receipt(
            &a,
            &receipt(&l, 2, WITNESSES),
            &policy,
            checkpoint_time() + 60
        ),
        Err(ReceiptError::WrongHash {
            expected: a,
            found: b
        })
    );
}

#[test]
fn forged_proofs_are_tampered() {
    let (l, a, _) = ledger();
    let policy = l.policy(WITNESSES, 3);
    let when = checkpoint_time() + 60;
    let mut forged = receipt(&l, 1, WITNESSES);
    forged.proof.path[0].0[0] ^= 1;
    assert!(matches!(
        verify_receipt(&a, &forged, &policy, when),
        Err(ReceiptError::Tampered(reason)) if reason.contains("inclusion proof")
    ));
    // The proof of another leaf, relabelled with this record's index.
    let mut moved = receipt(&l, 1, WITNESSES);
    moved.proof = merkle::inclusion_proof(2, l.tree.size(), &l.tree).unwrap();
    assert!(matches!(
        verify_receipt(&a, &moved, &policy, when),
        Err(ReceiptError::Tampered(reason)) if reason.contains("another position")
    ));
    moved.proof.leaf_index = 1;
    assert!(matches!(
        verify_receipt(&a, &moved, &policy, when),
        Err(ReceiptError::Tampered(_))
    ));
    // A record whose index was changed no longer verifies its proof (or the signature chain).
    let mut reindexed = receipt(&l, 1, WITNESSES);
    reindexed.record.header.index = 2;
    reindexed.proof = merkle::inclusion_proof(2, l.tree.size(), &l.tree).unwrap();
    assert!(matches!(
        verify_receipt(&a, &reindexed, &policy, when),
        Err(ReceiptError::Tampered(_))
    ));
}

#[test]
fn forged_submitter_signature_is_tampered() {
    let (l, a, _) = ledger();
    let policy = l.policy(WITNESSES, 3);
    let mut forged = receipt(&l, 1, WITNESSES);
    forged.record.signature.0[5] ^= 1;
    assert!(matches!(
        verify_receipt(&a, &forged, &policy, checkpoint_time() + 60),
        Err(ReceiptError::Tampered(reason)) if reason.contains("submitter signature")
    ));
}

#[test]
fn untrusted_and_stale_checkpoints() {
    let (l, a, _) = ledger();
    let when = checkpoint_time() + 60;
    // One cosignature where the policy asks for two.
    let policy = l.policy(WITNESSES, 2);
    assert_eq!(
        verify_receipt(&a, &receipt(&l, 1, 1), &policy, when),
        Err(ReceiptError::Untrusted(format!(
            "1 of the 2 replica cosignatures required for log {} (its own node's does not count)",
            testing::ORIGIN
        )))
    );
    // A policy for another log.
    let other = Ledger::new(testing::ORIGIN, testing::witness_key(9)).policy(WITNESSES, 0);
    assert!(matches!(
        verify_receipt(&a, &receipt(&l, 1, WITNESSES), &other, when),
        Err(ReceiptError::Untrusted(_))
    ));
    let policy = l.policy(WITNESSES, 3);
    assert_eq!(
        verify_receipt(
            &a,
            &receipt(&l, 1, WITNESSES),
            &policy,
            checkpoint_time() + 1 + 86_401
        ),
        Err(ReceiptError::Stale {
            age_seconds: 86_401
        })
    );
}

#[test]
fn agency_record_is_not_evidence() {
    let (l, a, _) = ledger();
    let policy = l.policy(WITNESSES, 3);
    assert!(matches!(
        verify_receipt(
            &a,
            &receipt(&l, 0, WITNESSES),
            &policy,
            checkpoint_time() + 60
        ),
        Err(ReceiptError::NotEvidence(_))
    ));
}
