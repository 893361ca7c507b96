//! A mirror follows the log key of the log it mirrors through a rotation: the key in force at a
//! size comes from the records it replayed (before and after a restart), never from the
//! membership; a retired key's checkpoint is refused.

use std::sync::Arc;

use ledger_format::Canonical;
use ledger_format::keys::SigningKey;
use ledger_format::record::{Body, KeyRotation};
use ledger_format::testing::{self, Ledger, at};

use super::*;
use crate::store::{LogIdentity, MemoryStore};

/// A log of 6 records whose key rotates at index 3, with checkpoints at 3 (old key), 4 and 6
/// (new key).
struct Rotated {
    ledger: Ledger,
    checkpoints: Vec<SignedCheckpoint>,
}

fn new_key() -> SigningKey {
    SigningKey::from_seed(&[91; 32])
}

fn vkey(key: &SigningKey) -> VerifierKey {
    VerifierKey::log(testing::ORIGIN, key.public_key()).unwrap()
}

impl Rotated {
    fn new() -> Self {
        let (ledger, checkpoints) = testing::rotated_log(new_key());
        Rotated {
            ledger,
            checkpoints,
        }
    }

    fn bytes(&self, range: std::ops::Range<usize>) -> Vec<Vec<u8>> {
        self.ledger.log.records[range]
            .iter()
            .map(Canonical::encode)
            .collect()
    }

    fn checkpoint(&self, size: u64) -> &SignedCheckpoint {
        self.checkpoints
            .iter()
            .find(|c| c.checkpoint().size == size)
            .unwrap()
    }

    /// The checkpoint of `size` signed by the old (stolen) key instead.
    fn by_old_key(&self, size: u64) -> SignedCheckpoint {
        SignedCheckpoint::sign(
            self.checkpoint(size).checkpoint().clone(),
            testing::ORIGIN,
            &testing::agency_key(),
        )
        .unwrap()
    }

    fn proof(&self, size: u64, target: u64) -> Vec<Hash> {
        ledger_format::merkle::consistency_proof(size, target, &self.ledger.tree)
            .unwrap()
            .path
    }
}

fn open(store: Arc<dyn Store>) -> Mirror {
    Mirror::open(testing::ORIGIN, vkey(&testing::agency_key()), store)
        .unwrap()
        .with_clock(Arc::new(crate::clock::ManualClock::new(at(
            "2030-01-01",
            0,
        ))))
}

fn store() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new(LogIdentity {
        origin: testing::ORIGIN.into(),
        genesis_key: testing::agency_key().public_key(),
    }))
}

#[test]
fn a_mirror_verifies_later_checkpoints_with_the_replayed_key_across_a_restart() {
    let source = Rotated::new();
    let store = store();
    let mirror = open(store.clone());
    mirror
        .apply(0, &source.bytes(0..3), source.checkpoint(3), &[], None)
        .unwrap();
    mirror
        .apply(3, &source.bytes(3..4), source.checkpoint(4), &[], None)
        .unwrap();
    mirror
        .apply(4, &source.bytes(4..6), source.checkpoint(6), &[], None)
        .unwrap();
    for mirror in [mirror, open(store.clone())] {
        assert_eq!(mirror.key_at(3), Some(vkey(&testing::agency_key())));
        assert_eq!(mirror.key_at(4), Some(vkey(&new_key())));
        let note = source.checkpoint(6).to_note_text();
        assert_eq!(
            mirror.verify_checkpoint(&note),
            Ok(source.checkpoint(6).clone())
        );
        // The stored checkpoints keep the signature of the key in force at their size.
        let stored = mirror.held(6).unwrap().unwrap();
        assert_eq!(stored.verify_log_signature(&vkey(&new_key())), Ok(()));
        let stored = mirror.held(3).unwrap().unwrap();
        assert_eq!(
            stored.verify_log_signature(&vkey(&testing::agency_key())),
            Ok(())
        );
        // The old key's checkpoint of a size after the rotation is refused.
        let stolen = source.by_old_key(6).to_note_text();
        assert!(matches!(
            mirror.verify_checkpoint(&stolen),
            Err(MirrorError::Checkpoint(_))
        ));
    }
    assert_eq!(store.key_history().unwrap().len(), 2);
}

#[test]
fn a_mirror_behind_the_rotation_crosses_it_in_one_range_or_several() {
    let source = Rotated::new();
    let whole = open(store());
    whole
        .apply(0, &source.bytes(0..6), source.checkpoint(6), &[], None)
        .unwrap();
    assert_eq!(whole.size(), 6);
    // A range that stops before the rotation leads to a checkpoint signed by a key the mirror
    // has not replayed yet: accepted on the strength of its records, checked at the end.
    let parts = open(store());
    parts
        .apply(
            0,
            &source.bytes(0..2),
            source.checkpoint(6),
            &source.proof(2, 6),
            None,
        )
        .unwrap();
    let applied = parts
        .apply(2, &source.bytes(2..6), source.checkpoint(6), &[], None)
        .unwrap();
    assert!(applied.checkpointed);
}

#[test]
fn a_stolen_old_key_cannot_lead_a_mirror_past_the_rotation() {
    let source = Rotated::new();
    let mirror = open(store());
    let stolen = source.by_old_key(6);
    assert_eq!(
        mirror.apply(0, &source.bytes(0..6), &stolen, &[], None),
        Err(MirrorError::RetiredKey {
            size: 6,
            key: testing::agency_key().public_key(),
        })
    );
    assert_eq!(mirror.size(), 0, "nothing of a refused range is stored");
    assert_eq!(
        MirrorError::RetiredKey {
            size: 6,
            key: testing::agency_key().public_key()
        }
        .reason(),
        "retired_key"
    );
    // Before the rotation the old key is the key in force: that range is accepted.
    mirror
        .apply(0, &source.bytes(0..3), source.checkpoint(3), &[], None)
        .unwrap();
    assert!(matches!(
        mirror.apply(3, &source.bytes(3..6), &stolen, &[], None),
        Err(MirrorError::RetiredKey { size: 6, .. })
    ));
    assert_eq!(mirror.size(), 3);
}

#[test]
fn a_rotation_record_not_signed_by_the_key_in_force_is_refused() {
    let source = Rotated::new();
    let mirror = open(store());
    mirror
        .apply(0, &source.bytes(0..3), source.checkpoint(3), &[], None)
        .unwrap();
    // A stranger names itself the new key; its checkpoint is signed by itself.
    let stranger = SigningKey::from_seed(&[92; 32]);
    let mut forged = testing::LogBuilder::new(testing::ORIGIN, stranger.clone());
    forged.records = source.ledger.log.records[..3].to_vec();
    let record = forged.agency(
        at("2026-11-21", 10),
        Body::KeyRotation(KeyRotation {
            new_key: stranger.public_key(),
        }),
    );
    // (The replay refuses the record before the target's tree is looked at.)
    let checkpoint = source.checkpoint(4).checkpoint().clone();
    let target = SignedCheckpoint::sign(checkpoint, testing::ORIGIN, &stranger).unwrap();
    assert!(matches!(
        mirror.apply(3, &[record.encode()], &target, &[], None),
        Err(MirrorError::Record(ReplayError::Author { index: 3, .. }))
    ));
    assert_eq!(mirror.size(), 3);
}
