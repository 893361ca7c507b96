//! Every log a node holds: its own agency's log and the mirrors of the other agencies' logs, each
//! with the keys that sign it and its witnesses' keys. The HTTP API reads any of them; bundles and
//! proofs can be exported by any node for any log it holds.

use std::sync::Arc;

use ledger_format::checkpoint::{SignedCheckpoint, VerifierKey};
use ledger_format::keys::PublicKey;
use ledger_format::replay::{KeyEpoch, KeyWindow, key_at, key_windows};

use crate::replication::mirror::Mirror;
use crate::store::{Store, StoreError};

/// Which of a log's keys signed a checkpoint, judged by the key in force at its tree size
/// (docs/format.md#key-rotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointKey {
    /// The key in force at its size (for a size beyond the records held: the current key).
    InForce,
    /// A key of the log that is not in force at its size: a retired key used after its rotation
    /// (a stolen or misused old key), which no verifier should accept.
    Retired(PublicKey),
    /// No key the node knows of the log: a key the log rotated to in records not held yet, or a
    /// forgery; it can be trusted only once the records up to its size are replayed.
    Unknown,
}

/// The key of `origin` named as its checkpoints name it (the log's origin), or `None` when the
/// origin is not a valid key name.
pub fn verifier_key(origin: &str, key: PublicKey) -> Option<VerifierKey> {
    VerifierKey::log(origin, key).ok()
}

/// Which key of `history` signed `signed`, given that the log holds `held` records.
pub fn checkpoint_key(
    origin: &str,
    history: &[KeyEpoch],
    held: u64,
    signed: &SignedCheckpoint,
) -> CheckpointKey {
    let size = signed.checkpoint().size;
    let in_force = key_at(history, size.min(held));
    let verifies = |key: PublicKey| {
        verifier_key(origin, key).is_some_and(|vkey| signed.verify_log_signature(&vkey).is_ok())
    };
    if in_force.is_some_and(verifies) {
        return CheckpointKey::InForce;
    }
    match history.iter().map(|e| e.key).find(|key| verifies(*key)) {
        Some(key) => CheckpointKey::Retired(key),
        None => CheckpointKey::Unknown,
    }
}

/// One log the node holds.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// The log's origin.
    pub origin: String,
    /// Its store.
    pub store: Arc<dyn Store>,
    /// The log's genesis key as the membership names it, then the witnesses' keys (compact
    /// checkpoints keep the signatures of [`LogEntry::note_keys`], which adds every rotated key).
    pub keys: Vec<VerifierKey>,
    /// The verifying mirror writer, for another agency's log; `None` for the node's own log.
    pub mirror: Option<Arc<Mirror>>,
    /// The GB/T 2260 divisions the log issues certificate codes for (empty: not restricted).
    pub regions: Vec<u32>,
    /// The rule profiles the log may adopt (empty: any built-in one).
    pub profiles: Vec<String>,
    /// What the public notice board shows of the log's agency.
    pub board: BoardInfo,
}

/// What the public notice board shows of an agency (docs/operations.md#board): from its entry in
/// the membership file, or for a node running alone from its configuration's `[board]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardInfo {
    /// The agency's name.
    pub agency: Option<String>,
    /// How to object to its notices (R22).
    pub objections: Option<String>,
}

impl LogEntry {
    /// The log's key as the membership names it (the first of [`LogEntry::keys`]): its genesis
    /// key. The key in force comes from the replayed log: [`LogEntry::key_history`].
    pub fn log_key(&self) -> Option<&VerifierKey> {
        self.keys.first()
    }

    /// The log's keys, oldest first, each with the tree size from which it signs, as replayed
    /// from its records (docs/format.md#key-rotation).
    ///
    /// # Errors
    /// A store error.
    pub fn key_history(&self) -> Result<Vec<KeyEpoch>, StoreError> {
        self.store.key_history()
    }

    /// Every key the log has had, with the time it took effect and the time it was replaced.
    ///
    /// # Errors
    /// A store error.
    pub fn key_windows(&self) -> Result<Vec<KeyWindow>, StoreError> {
        Ok(key_windows(&self.key_history()?))
    }

    /// Every key the log has had, as verifier keys, oldest first.
    ///
    /// # Errors
    /// A store error.
    pub fn log_keys(&self) -> Result<Vec<VerifierKey>, StoreError> {
        Ok(self
            .key_history()?
            .iter()
            .filter_map(|epoch| verifier_key(&self.origin, epoch.key))
            .collect())
    }

    /// The keys whose signatures compact checkpoints keep: every key the log has had, then the
    /// witnesses'. Falls back to [`LogEntry::keys`] when the store cannot be read.
    pub fn note_keys(&self) -> Vec<VerifierKey> {
        let Ok(mut keys) = self.log_keys() else {
            return self.keys.clone();
        };
        keys.extend(self.keys.iter().skip(1).cloned());
        keys
    }

    /// Which of the log's keys signed `signed`, judged by the key in force at its size.
    ///
    /// # Errors
    /// A store error.
    pub fn checkpoint_key(&self, signed: &SignedCheckpoint) -> Result<CheckpointKey, StoreError> {
        let held = self.store.tip()?.size;
        Ok(checkpoint_key(
            &self.origin,
            &self.key_history()?,
            held,
            signed,
        ))
    }
}

/// The node's own log, its mirrors, and the logs of agencies removed from the network.
#[derive(Debug, Clone)]
pub struct Logs {
    /// The node's own agency's log.
    pub own: LogEntry,
    /// The other agencies' logs, in membership order: mirrored and witnessed.
    pub mirrors: Vec<LogEntry>,
    /// The mirrored logs of agencies removed from the membership since the node started: still
    /// served (records, proofs, checkpoints up to the removal), no longer mirrored or witnessed.
    pub retired: Vec<LogEntry>,
}

impl Logs {
    /// A node with only its own log.
    pub fn alone(own: LogEntry) -> Self {
        Logs {
            own,
            mirrors: Vec::new(),
            retired: Vec::new(),
        }
    }

    /// The log named `origin`, or the node's own log for `None`; a removed agency's log too.
    pub fn get(&self, origin: Option<&str>) -> Option<&LogEntry> {
        match origin {
            None => Some(&self.own),
            Some(origin) => self.all().find(|log| log.origin == origin),
        }
    }

    /// The log named `origin` if it is the node's own or a member's it mirrors now; `None` for a
    /// removed agency's log (replication neither follows nor witnesses it any more).
    pub fn current(&self, origin: &str) -> Option<&LogEntry> {
        std::iter::once(&self.own)
            .chain(self.mirrors.iter())
            .find(|log| log.origin == origin)
    }

    /// The log whose regions cover `code`'s region: the agency that issues it (in a network, one
    /// at most). `None` when no log's regions cover it.
    pub fn issuer_of(&self, code: &ledger_format::code::CertificateCode) -> Option<&LogEntry> {
        let region = code.region();
        self.all().find(|log| {
            log.regions
                .iter()
                .any(|listed| ledger_format::code::region_covers(*listed, region))
        })
    }

    /// Every log: the node's own first, then the mirrors, then the removed agencies' logs.
    pub fn all(&self) -> impl Iterator<Item = &LogEntry> {
        std::iter::once(&self.own)
            .chain(self.mirrors.iter())
            .chain(self.retired.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_format::checkpoint::Checkpoint;
    use ledger_format::keys::SigningKey;
    use ledger_format::testing;

    fn history() -> Vec<KeyEpoch> {
        vec![
            crate::store::genesis_epoch(testing::agency_key().public_key()),
            KeyEpoch {
                key: SigningKey::from_seed(&[5; 32]).public_key(),
                from_size: 10,
                since: Some(1_800_000_000),
            },
        ]
    }

    fn signed(size: u64, key: &SigningKey) -> SignedCheckpoint {
        let checkpoint = Checkpoint {
            origin: testing::ORIGIN.into(),
            size,
            root: ledger_format::sha256(b"root"),
            map_root: ledger_format::sha256(b"map"),
            timestamp: 1_800_000_100,
        };
        SignedCheckpoint::sign(checkpoint, testing::ORIGIN, key).unwrap()
    }

    #[test]
    fn a_checkpoint_is_judged_by_the_key_in_force_at_its_size() {
        let (old, new) = (testing::agency_key(), SigningKey::from_seed(&[5; 32]));
        let stranger = SigningKey::from_seed(&[6; 32]);
        let judge = |size, key: &SigningKey, held| {
            checkpoint_key(testing::ORIGIN, &history(), held, &signed(size, key))
        };
        assert_eq!(judge(9, &old, 12), CheckpointKey::InForce);
        assert_eq!(judge(10, &new, 12), CheckpointKey::InForce);
        assert_eq!(judge(30, &new, 12), CheckpointKey::InForce);
        assert_eq!(
            judge(10, &old, 12),
            CheckpointKey::Retired(old.public_key())
        );
        assert_eq!(
            judge(30, &old, 12),
            CheckpointKey::Retired(old.public_key())
        );
        assert_eq!(judge(9, &new, 12), CheckpointKey::Retired(new.public_key()));
        assert_eq!(judge(30, &stranger, 12), CheckpointKey::Unknown);
        // Held only up to before the rotation: the old key is the one in force ahead.
        assert_eq!(judge(30, &old, 9), CheckpointKey::InForce);
    }
}
