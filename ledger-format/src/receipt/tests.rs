use super::*;
use crate::checkpoint::{SignedCheckpoint, VerifierKey};
use crate::merkle::ConsistencyProof;
use crate::testing::{self, Ledger, at};
use crate::tlog_proof::TlogProof;
use crate::{merkle, sha256};

const WITNESSES: u8 = 3;

/// A log with an application (index 0), two pieces of evidence (1, 2), then the rest of the
/// procedure and the notice; returns the ledger and the evidence hashes.
fn ledger() -> (Ledger, Hash, Hash) {
    use crate::record::ApplicationKind;
    let mut l = Ledger::default();
    let code = testing::code(2026, 1);
    let application = l
        .apply(
            "2026-11-23",
            testing::application(&code, ApplicationKind::First),
        )
        .unwrap();
    let (a, b) = (sha256(b"snapshot a"), sha256(b"snapshot b"));
    l.evidence(at("2026-11-23", 11), a);
    l.evidence(at("2026-11-23", 12), b);
    for body in testing::decided_application(&code, &ApplicationKind::First, application) {
        l.apply("2026-11-23", body).unwrap();
    }
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
    (l, a, b)
}

fn checkpoint_time() -> i64 {
    at("2026-11-24", 9)
}

/// The log key and every fixture witness key: the names of the fixture's signature lines.
fn keys(l: &Ledger) -> Vec<VerifierKey> {
    let policy = l.policy(WITNESSES, 0);
    policy
        .logs
        .iter()
        .map(|l| l.key.clone())
        .chain(policy.witness_keys())
        .collect()
}

fn receipt(l: &Ledger, index: u64, witnesses: u8) -> EvidenceReceipt {
    let signed = l.checkpoint(checkpoint_time(), witnesses);
    let keys = keys(l);
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
            consistent_with: None,
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
fn untrusted_checkpoints() {
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
}

#[test]
fn receipt_verifies_a_year_later() {
    let (l, a, _) = ledger();
    let policy = l.policy(WITNESSES, 3);
    let year_later = checkpoint_time() + 365 * 86_400;
    let info = verify_receipt(&a, &receipt(&l, 1, WITNESSES), &policy, year_later).unwrap();
    assert_eq!(info.as_of, checkpoint_time() + 1);
    assert_eq!(info.index, 1);
}

#[test]
fn stripped_cosignatures_are_untrusted() {
    let (l, a, _) = ledger();
    let policy = l.policy(WITNESSES, 2);
    let mut stripped = receipt(&l, 1, WITNESSES);
    stripped.checkpoint.signatures.truncate(1);
    assert_eq!(
        verify_receipt(&a, &stripped, &policy, checkpoint_time() + 60),
        Err(ReceiptError::Untrusted(format!(
            "0 of the 2 replica cosignatures required for log {} (its own node's does not count)",
            testing::ORIGIN
        )))
    );
}

#[test]
fn future_witnessed_time_is_refused() {
    let (l, a, _) = ledger();
    let policy = l.policy(WITNESSES, 3);
    let before = checkpoint_time() - 3600;
    assert!(matches!(
        verify_receipt(&a, &receipt(&l, 1, WITNESSES), &policy, before),
        Err(ReceiptError::Untrusted(reason)) if reason.contains("in the future")
    ));
}

#[test]
fn equivocated_log_is_untrusted() {
    let (l, a, _) = ledger();
    let mut policy = l.policy(WITNESSES, 3);
    policy
        .equivocated
        .push(crate::equivocation::EquivocationFacts {
            origin: testing::ORIGIN.into(),
            size: 2,
            larger_size: None,
        });
    assert!(matches!(
        verify_receipt(&a, &receipt(&l, 1, WITNESSES), &policy, checkpoint_time() + 60),
        Err(ReceiptError::Untrusted(reason)) if reason.contains("equivocated")
    ));
}

/// A receipt for record 1 at the fixture checkpoint, then the log grows by two records and is
/// checkpointed and witnessed again a month later: the receipt, the grown ledger, and the newer
/// checkpoint with its consistency proof.
fn grown() -> (EvidenceReceipt, Ledger, Hash, NewerCheckpoint) {
    let (mut l, a, _) = ledger();
    let old = receipt(&l, 1, WITNESSES);
    let old_size = l.tree.size();
    l.evidence(at("2026-12-20", 10), sha256(b"snapshot c"));
    l.evidence(at("2026-12-20", 11), sha256(b"snapshot d"));
    let newer = NewerCheckpoint {
        checkpoint: l.checkpoint(newer_time(), WITNESSES),
        consistency: merkle::consistency_proof(old_size, l.tree.size(), &l.tree).unwrap(),
    };
    (old, l, a, newer)
}

fn newer_time() -> i64 {
    at("2026-12-24", 9)
}

#[test]
fn receipt_checked_against_a_newer_checkpoint() {
    let (old, l, a, newer) = grown();
    let policy = l.policy(WITNESSES, 3);
    let year_later = newer_time() + 365 * 86_400;
    let info = verify_receipt_extended(&a, &old, &newer, &policy, year_later).unwrap();
    assert_eq!(info.as_of, checkpoint_time() + 1);
    assert_eq!(
        info.consistent_with,
        Some(ConsistentCheckpoint {
            size: 8,
            as_of: newer_time() + 1
        })
    );
    // The same size again needs an empty proof and the same root.
    let same = NewerCheckpoint {
        checkpoint: old.checkpoint.to_signed(&keys(&l)).unwrap(),
        consistency: ConsistencyProof {
            size1: 6,
            size2: 6,
            path: Vec::new(),
        },
    };
    let info = verify_receipt_extended(&a, &old, &same, &policy, year_later).unwrap();
    assert_eq!(info.consistent_with.map(|c| c.size), Some(6));
}

#[test]
fn newer_checkpoint_must_be_trusted_on_its_own() {
    let (old, l, a, newer) = grown();
    let policy = l.policy(WITNESSES, 2);
    let when = newer_time() + 60;
    // Cosignatures stripped: the log's own signature alone.
    let mut stripped = newer.clone();
    stripped.checkpoint = SignedCheckpoint::parse(
        &newer
            .checkpoint
            .note_signed_by(&policy.logs[0].key)
            .unwrap(),
    )
    .unwrap();
    assert!(matches!(
        verify_receipt_extended(&a, &old, &stripped, &policy, when),
        Err(ReceiptError::Untrusted(reason))
            if reason.starts_with("newer checkpoint: 0 of the 2 replica cosignatures")
    ));
    // Witnessed after the verification time.
    assert!(matches!(
        verify_receipt_extended(&a, &old, &newer, &policy, newer_time() - 3600),
        Err(ReceiptError::Untrusted(reason))
            if reason.starts_with("newer checkpoint: witnessed time")
                && reason.contains("in the future")
    ));
    // Signed by no key the policy names.
    let stranger = Ledger::new(testing::ORIGIN, testing::witness_key(9));
    let mut unsigned = newer.clone();
    unsigned.checkpoint = stranger.checkpoint(newer_time(), 0);
    assert!(matches!(
        verify_receipt_extended(&a, &old, &unsigned, &policy, when),
        Err(ReceiptError::Untrusted(reason)) if reason.starts_with("newer checkpoint: ")
    ));
}

#[test]
fn forged_consistency_is_tampered() {
    let (old, l, a, newer) = grown();
    let policy = l.policy(WITNESSES, 3);
    let when = newer_time() + 60;
    let mut forged = newer.clone();
    forged.consistency.path[0].0[0] ^= 1;
    assert!(matches!(
        verify_receipt_extended(&a, &old, &forged, &policy, when),
        Err(ReceiptError::Tampered(reason)) if reason.starts_with("consistency proof: ")
    ));
    let mut resized = newer.clone();
    resized.consistency = merkle::consistency_proof(2, 5, &l.tree).unwrap();
    assert_eq!(
        verify_receipt_extended(&a, &old, &resized, &policy, when),
        Err(ReceiptError::Tampered(
            "the consistency proof leads from size 2 to 5, not from 6 to 8".into()
        ))
    );
    // A fork: the same log key signs another history of five records.
    let (mut fork, _, _) = ledger();
    fork.evidence(at("2026-12-20", 10), sha256(b"other c"));
    fork.evidence(at("2026-12-20", 11), sha256(b"other d"));
    let forked = NewerCheckpoint {
        checkpoint: fork.checkpoint(newer_time(), WITNESSES),
        consistency: newer.consistency.clone(),
    };
    assert!(matches!(
        verify_receipt_extended(&a, &old, &forked, &policy, when),
        Err(ReceiptError::Tampered(reason)) if reason.starts_with("consistency proof: ")
    ));
    // A checkpoint of another log.
    let other = Ledger::new("ledger.other.example/2026", testing::agency_key());
    let mut foreign = newer.clone();
    foreign.checkpoint = other.checkpoint(newer_time(), WITNESSES);
    assert!(matches!(
        verify_receipt_extended(&a, &old, &foreign, &policy, when),
        Err(ReceiptError::Tampered(reason)) if reason.starts_with("the newer checkpoint is of log")
    ));
}

#[test]
fn tlog_proof_form_round_trips_and_verifies() {
    let (l, a, _) = ledger();
    let policy = l.policy(WITNESSES, 3);
    let original = receipt(&l, 1, WITNESSES);
    let proof = original.to_tlog_proof(&keys(&l)).unwrap();
    assert_eq!(proof.extra(), original.record.encode());
    assert_eq!(proof.index(), 1);
    let text = proof.to_text();
    let parsed = TlogProof::parse(&text).unwrap();
    let back = EvidenceReceipt::from_tlog_proof(&parsed, &policy).unwrap();
    assert_eq!(back, original);
    let info = verify_receipt(&a, &back, &policy, checkpoint_time() + 365 * 86_400).unwrap();
    assert_eq!(info.as_of, checkpoint_time() + 1);
    // The leaf is the RFC 6962 hash of the extra bytes, as a third-party checker computes it.
    let leaf = crate::record::leaf_hash_of(crate::suite::Suite::Ed25519Sha256, parsed.extra());
    let checkpoint = parsed.checkpoint().checkpoint();
    assert_eq!(
        parsed.inclusion_proof().verify(
            crate::suite::Suite::Ed25519Sha256,
            &leaf,
            &checkpoint.root
        ),
        Ok(())
    );
}

/// The tlog-proof text of record `index`'s receipt, edited by `edit`, read back and verified.
fn edited_tlog_proof(
    index: u64,
    edit: impl Fn(String) -> String,
) -> Result<ReceiptInfo, ReceiptError> {
    let (l, a, _) = ledger();
    let policy = l.policy(WITNESSES, 3);
    let text = receipt(&l, index, WITNESSES)
        .to_tlog_proof(&keys(&l))
        .unwrap()
        .to_text();
    let proof =
        TlogProof::parse(&edit(text)).map_err(|e| ReceiptError::Malformed(e.to_string()))?;
    let receipt = EvidenceReceipt::from_tlog_proof(&proof, &policy)?;
    verify_receipt(&a, &receipt, &policy, checkpoint_time() + 60)
}

#[test]
fn tampered_tlog_proofs_are_refused() {
    assert!(edited_tlog_proof(1, |t| t).is_ok());
    // Another index: the proof no longer matches the record's position, or not even the shape
    // of a proof for that index.
    assert!(matches!(
        edited_tlog_proof(1, |t| t.replacen("index 1\n", "index 0\n", 1)),
        Err(ReceiptError::Tampered(reason)) if reason.contains("another position")
    ));
    assert!(matches!(
        edited_tlog_proof(1, |t| t.replacen("index 1\n", "index 2\n", 1)),
        Err(ReceiptError::Tampered(reason)) if reason.contains("another position")
    ));
    // An index whose proof in a tree of 6 has another shape: not even a proof.
    assert_eq!(
        edited_tlog_proof(1, |t| t.replacen("index 1\n", "index 5\n", 1)),
        Err(ReceiptError::Malformed(
            "invalid inclusion proof: proof has 3 hashes, expected 2".into()
        ))
    );
    // The proof of another hash.
    let (_, _, b) = ledger();
    assert_eq!(
        edited_tlog_proof(2, |t| t),
        Err(ReceiptError::WrongHash {
            expected: sha256(b"snapshot a"),
            found: b
        })
    );
    // No extra line: nothing binds the leaf to a hash.
    assert!(matches!(
        edited_tlog_proof(1, |t| {
            let start = t.find("extra ").unwrap();
            let end = start + t[start..].find('\n').unwrap() + 1;
            format!("{}{}", &t[..start], &t[end..])
        }),
        Err(ReceiptError::Malformed(reason)) if reason.contains("no extra line")
    ));
    // Extra bytes that are no record.
    assert!(matches!(
        edited_tlog_proof(1, |t| t.replacen("extra ", "extra AAAA", 1)),
        Err(ReceiptError::Malformed(_))
    ));
    // A forged audit path.
    assert!(matches!(
        edited_tlog_proof(1, |t| {
            let mut lines: Vec<String> = t.split('\n').map(str::to_owned).collect();
            let mut hash = crate::encoding::from_base64(&lines[3]).unwrap();
            hash[0] ^= 1;
            lines[3] = crate::encoding::to_base64(&hash);
            lines.join("\n")
        }),
        Err(ReceiptError::Tampered(reason)) if reason.starts_with("inclusion proof")
    ));
    // Another header, and a truncated text.
    assert!(matches!(
        edited_tlog_proof(1, |t| t.replacen("tlog-proof@v1", "tlog-proof@v9", 1)),
        Err(ReceiptError::Malformed(reason)) if reason.contains("first line")
    ));
    assert!(matches!(
        edited_tlog_proof(1, |t| t[..t.len() - 20].to_owned()),
        Err(ReceiptError::Malformed(_))
    ));
}

#[test]
fn tlog_proof_signed_by_unknown_keys_is_untrusted() {
    let (l, _, _) = ledger();
    let proof = receipt(&l, 1, WITNESSES).to_tlog_proof(&keys(&l)).unwrap();
    let stranger = Ledger::new("ledger.other.example/2026", testing::witness_key(9));
    assert!(matches!(
        EvidenceReceipt::from_tlog_proof(&proof, &stranger.policy(0, 0)),
        Err(ReceiptError::Untrusted(reason))
            if reason.contains("no signature by a key the policy names")
    ));
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
