use proptest::prelude::*;

use super::*;
use crate::bundle::{TrustPolicy, TrustedLog, VerdictKind, verify_checkpoint};
use crate::checkpoint::CompactCheckpoint;
use crate::keys::SigningKey;
use crate::merkle::{self, MemoryTree};
use crate::testing;

fn checkpoint(origin: &str, size: u64, root: Hash, map_root: u8) -> SignedCheckpoint {
    let checkpoint = Checkpoint {
        origin: origin.into(),
        size,
        root,
        map_root: Hash([map_root; 32]),
        timestamp: 1_700_000_000,
    };
    let mut c = SignedCheckpoint::sign(checkpoint, origin, &testing::agency_key()).unwrap();
    c.add_cosignature("witness.example", &testing::witness_key(0), 1_700_000_001)
        .unwrap();
    c
}

fn signed(root: u8, map_root: u8) -> SignedCheckpoint {
    checkpoint(testing::ORIGIN, 7, Hash([root; 32]), map_root)
}

fn log_key() -> VerifierKey {
    VerifierKey::ed25519(testing::ORIGIN, testing::agency_key().public_key()).unwrap()
}

fn other_key() -> VerifierKey {
    VerifierKey::ed25519("other.example/1", testing::witness_key(1).public_key()).unwrap()
}

fn policy() -> TrustPolicy {
    TrustPolicy {
        logs: vec![TrustedLog {
            origin: testing::ORIGIN.into(),
            key: log_key(),
            not_before: None,
            not_after: None,
        }],
        regions: Default::default(),
        witnesses: vec![],
        quorum: 0,
        consistency_quorum: 0,
        max_age_seconds: i64::MAX,
        equivocated: Vec::new(),
    }
}

#[test]
fn two_roots_for_one_size_prove_equivocation() {
    let proof = Equivocation::new(&signed(1, 9), &signed(2, 9), &log_key()).unwrap();
    assert_eq!(
        proof.verify(&log_key()).unwrap(),
        EquivocationFacts {
            origin: testing::ORIGIN.into(),
            size: 7,
            larger_size: None,
        }
    );
    // Cosignatures are dropped; the order is canonical.
    assert!(!proof.first.contains("witness.example"));
    let swapped = Equivocation::new(&signed(2, 9), &signed(1, 9), &log_key()).unwrap();
    assert_eq!(swapped, proof);
    assert_eq!(Equivocation::decode_exact(&proof.encode()).unwrap(), proof);
    // A different status-map root over the same tree is a split view too.
    assert!(Equivocation::new(&signed(1, 8), &signed(1, 9), &log_key()).is_ok());
}

#[test]
fn agreeing_or_unsigned_checkpoints_prove_nothing() {
    assert_eq!(
        Equivocation::new(&signed(1, 9), &signed(1, 9), &log_key()).unwrap_err(),
        EquivocationError::Consistent
    );
    assert!(matches!(
        Equivocation::new(&signed(1, 9), &signed(2, 9), &other_key()).unwrap_err(),
        EquivocationError::NotSigned(_)
    ));
    let proof = Equivocation::new(&signed(1, 9), &signed(2, 9), &log_key()).unwrap();
    assert!(matches!(
        proof.verify(&other_key()).unwrap_err(),
        EquivocationError::NotSigned(_)
    ));
    let bigger = checkpoint(testing::ORIGIN, 8, Hash([2; 32]), 9);
    assert_eq!(
        Equivocation::new(&signed(1, 9), &bigger, &log_key()).unwrap_err(),
        EquivocationError::DifferentSizes
    );
}

#[test]
fn decoding_rejects_non_canonical_order_and_the_old_version() {
    let proof = Equivocation::new(&signed(1, 9), &signed(2, 9), &log_key()).unwrap();
    let swapped = Equivocation {
        first: proof.second.clone(),
        second: proof.first.clone(),
        ..proof.clone()
    };
    assert!(Equivocation::decode_exact(&swapped.encode()).is_err());
    let old = Equivocation {
        version: 1,
        ..proof
    };
    assert_eq!(
        Equivocation::decode_exact(&old.encode()),
        Err(DecodeError::UnsupportedVersion(1))
    );
}

/// A log's honest tree of `n` leaves, and a forked tree of `m` leaves whose leaf `fork` differs.
struct Fork {
    honest: MemoryTree,
    forked: MemoryTree,
}

impl Fork {
    fn new(m: u64, n: u64, fork: u64) -> Self {
        let tree = |size: u64, fork: Option<u64>| {
            let mut tree = MemoryTree::new(crate::suite::Suite::Ed25519Sha256);
            for i in 0..size {
                let tag = u8::from(Some(i) == fork);
                tree.push(&[&i.to_be_bytes()[..], &[tag]].concat()).unwrap();
            }
            tree
        };
        Fork {
            honest: tree(n, None),
            forked: tree(m, Some(fork)),
        }
    }

    fn smaller(&self) -> SignedCheckpoint {
        checkpoint(testing::ORIGIN, self.forked.size(), self.forked.root(), 1)
    }

    fn larger(&self) -> SignedCheckpoint {
        checkpoint(testing::ORIGIN, self.honest.size(), self.honest.root(), 2)
    }

    /// The consistency proof from the smaller size to the honest tree, and its root there.
    fn proof(&self) -> (Vec<Hash>, Hash) {
        let m = self.forked.size();
        let proof = merkle::consistency_proof(m, self.honest.size(), &self.honest).unwrap();
        (proof.path, merkle::root_at(m, &self.honest).unwrap())
    }

    fn equivocation(&self) -> Result<Equivocation, EquivocationError> {
        let (proof, prefix_root) = self.proof();
        Equivocation::across_sizes(
            &self.smaller(),
            &self.larger(),
            proof,
            prefix_root,
            &log_key(),
        )
    }
}

#[test]
fn a_larger_tree_that_does_not_extend_the_smaller_proves_equivocation() {
    let fork = Fork::new(5, 13, 2);
    let proof = fork.equivocation().unwrap();
    let facts = EquivocationFacts {
        origin: testing::ORIGIN.into(),
        size: 5,
        larger_size: Some(13),
    };
    assert_eq!(proof.verify(&log_key()), Ok(facts.clone()));
    assert!(facts.describe().contains("size 13 does not extend"));
    assert!(!proof.first.contains("witness.example"));
    assert_eq!(Equivocation::decode_exact(&proof.encode()).unwrap(), proof);
    // A power-of-two smaller size, whose root is the proof's implicit first hash.
    assert!(Fork::new(4, 9, 3).equivocation().is_ok());
    assert!(Fork::new(1, 2, 0).equivocation().is_ok());
}

#[test]
fn cross_size_proofs_that_prove_nothing_are_refused() {
    let fork = Fork::new(5, 13, 2);
    let (proof, prefix_root) = fork.proof();
    let across =
        |smaller: &SignedCheckpoint, larger: &SignedCheckpoint, proof: Vec<Hash>, x: Hash| {
            Equivocation::across_sizes(smaller, larger, proof, x, &log_key())
        };
    // A consistency proof with one hash changed does not verify.
    let mut bent = proof.clone();
    bent[0].0[0] ^= 1;
    assert!(matches!(
        across(&fork.smaller(), &fork.larger(), bent, prefix_root),
        Err(EquivocationError::BadConsistencyProof(_))
    ));
    // Nor does a made-up root at the smaller size, or a proof of the wrong length.
    assert!(matches!(
        across(
            &fork.smaller(),
            &fork.larger(),
            proof.clone(),
            Hash([7; 32])
        ),
        Err(EquivocationError::BadConsistencyProof(_))
    ));
    assert!(matches!(
        across(
            &fork.smaller(),
            &fork.larger(),
            proof[1..].to_vec(),
            prefix_root
        ),
        Err(EquivocationError::BadConsistencyProof(_))
    ));
    // An honest smaller checkpoint: the larger tree extends it (x == r).
    let honest_smaller = checkpoint(testing::ORIGIN, 5, prefix_root, 1);
    assert_eq!(
        across(&honest_smaller, &fork.larger(), proof.clone(), prefix_root),
        Err(EquivocationError::Consistent)
    );
    // The sizes swapped, or equal.
    assert_eq!(
        across(&fork.larger(), &fork.smaller(), proof.clone(), prefix_root),
        Err(EquivocationError::SizeOrder)
    );
    assert_eq!(
        across(&fork.smaller(), &fork.smaller(), vec![], prefix_root),
        Err(EquivocationError::SizeOrder)
    );
    // Checkpoints of two logs (the key signs both, under its one name).
    let mut body = fork.larger().checkpoint().clone();
    body.origin = "ledger.other.example/1".into();
    let elsewhere = SignedCheckpoint::sign(body, testing::ORIGIN, &testing::agency_key()).unwrap();
    assert_eq!(
        across(&fork.smaller(), &elsewhere, proof.clone(), prefix_root),
        Err(EquivocationError::DifferentLogs)
    );
    // An empty smaller tree proves nothing (RFC 9162: no consistency from size 0).
    let empty = checkpoint(testing::ORIGIN, 0, Hash([3; 32]), 1);
    assert!(matches!(
        across(&empty, &fork.larger(), vec![], Hash([4; 32])),
        Err(EquivocationError::BadConsistencyProof(_))
    ));
}

#[test]
fn cross_size_proofs_must_be_signed_by_the_log() {
    let fork = Fork::new(5, 13, 2);
    let (proof, prefix_root) = fork.proof();
    assert!(matches!(
        Equivocation::across_sizes(
            &fork.smaller(),
            &fork.larger(),
            proof.clone(),
            prefix_root,
            &other_key()
        ),
        Err(EquivocationError::NotSigned(_))
    ));
    let made = fork.equivocation().unwrap();
    assert!(matches!(
        made.verify(&other_key()),
        Err(EquivocationError::NotSigned(_))
    ));
    // The larger note re-signed by another key: no longer the log's.
    let mut forged = made.clone();
    let other = SigningKey::from_seed(&[0x42; 32]);
    let body = SignedCheckpoint::parse(&made.second)
        .unwrap()
        .checkpoint()
        .clone();
    forged.second = SignedCheckpoint::sign(body, testing::ORIGIN, &other)
        .unwrap()
        .to_note_text();
    assert!(matches!(
        forged.verify(&log_key()),
        Err(EquivocationError::NotSigned(_))
    ));
}

#[test]
fn a_policy_that_accepts_the_proof_distrusts_the_log() {
    let mut policy = policy();
    let compact = CompactCheckpoint::from_signed(&signed(1, 9), &[log_key()]).unwrap();
    assert!(verify_checkpoint(&compact, &policy, 1_700_000_100).is_ok());
    let proof = Equivocation::new(&signed(1, 9), &signed(2, 9), &log_key()).unwrap();
    policy.accept_equivocation(&proof).unwrap();
    assert!(matches!(
        verify_checkpoint(&compact, &policy, 1_700_000_100),
        Err(VerdictKind::Untrusted(reason)) if reason.contains("equivocated")
    ));
    // A proof for a log the policy does not know changes nothing.
    let mut other = policy.clone();
    other.logs.clear();
    other.equivocated.clear();
    assert!(other.accept_equivocation(&proof).is_err());
    assert!(other.equivocated.is_empty());
}

#[test]
fn a_policy_accepts_the_cross_size_form_too() {
    let mut policy = policy();
    let compact = CompactCheckpoint::from_signed(&signed(1, 9), &[log_key()]).unwrap();
    let proof = Fork::new(5, 13, 2).equivocation().unwrap();
    let facts = policy.accept_equivocation(&proof).unwrap();
    assert_eq!(facts.larger_size, Some(13));
    assert!(matches!(
        verify_checkpoint(&compact, &policy, 1_700_000_100),
        Err(VerdictKind::Untrusted(reason))
            if reason.contains("equivocated") && reason.contains("size 13")
    ));
    // Under a key of another log it proves nothing.
    let mut stranger = self::policy();
    stranger.logs[0].key = other_key();
    assert!(matches!(
        stranger.accept_equivocation(&proof),
        Err(EquivocationError::NotSigned(_))
    ));
    assert!(stranger.equivocated.is_empty());
}

proptest! {
    /// A fork at leaf `fork` of the first `m` leaves is provable against any larger honest tree;
    /// a "fork" at or beyond `m` leaves the smaller tree honest, and nothing is provable.
    #[test]
    fn a_fork_is_provable_exactly_when_it_is_inside_the_smaller_tree(
        m in 1u64..40,
        extra in 1u64..40,
        fork in 0u64..80,
    ) {
        let n = m + extra;
        let result = Fork::new(m, n, fork).equivocation();
        if fork < m {
            let proof = result.unwrap();
            prop_assert_eq!(proof.verify(&log_key()).unwrap().size, m);
            prop_assert_eq!(Equivocation::decode_exact(&proof.encode()), Ok(proof));
        } else {
            prop_assert_eq!(result, Err(EquivocationError::Consistent));
        }
    }
}

#[test]
fn a_rotated_log_is_judged_under_each_of_its_keys() {
    // The same size signed by the old key and, after a rotation, by the new key with another root.
    let new_key = SigningKey::from_seed(&[55; 32]);
    let new_vkey = VerifierKey::ed25519(testing::ORIGIN, new_key.public_key()).unwrap();
    let by_new =
        SignedCheckpoint::sign(signed(2, 9).checkpoint().clone(), testing::ORIGIN, &new_key)
            .unwrap();
    let keys = [log_key(), new_vkey.clone()];
    let proof = Equivocation::new_with_keys(&signed(1, 9), &by_new, &keys).unwrap();
    assert_eq!(proof.verify_with_keys(&keys).unwrap().size, 7);
    // Under one key alone, one of the two checkpoints is not the log's.
    assert_eq!(
        proof.verify(&log_key()),
        Err(EquivocationError::NotSigned(testing::ORIGIN.into()))
    );
    assert!(proof.verify(&new_vkey).is_err());
    assert!(Equivocation::new(&signed(1, 9), &by_new, &log_key()).is_err());
}
