//! Checkpoints that arrive (gossip, a peer's `Checkpoints` answer, `add-checkpoint`): checked for
//! the log's signature and time, compared with everything the node holds of the log (equivocation),
//! remembered, their witnesses' cosignatures collected, and the log's sync task pointed at them.

use std::collections::BTreeMap;
use std::sync::Mutex;

use ledger_format::checkpoint::SignedCheckpoint;
use libp2p::PeerId;

use super::equivocations::{Comparison, compare};
use super::protocol::Gossip;
use super::shared::Shared;
use crate::logs::{CheckpointKey, LogEntry};

/// What the key that signed an incoming checkpoint means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyVerdict {
    /// The key in force at its size: handle it.
    InForce,
    /// Not signed by the log, or by a retired key: dropped (and counted).
    Refused,
    /// Ahead of the records held and signed by a key not known yet: only a sync target.
    NotYetKnown,
}

/// What a checkpoint that arrived is worth to the network: whether gossip should forward it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Signed by its log's key in force (consistent or not with what the node holds: a checkpoint
    /// that proves an equivocation is worth forwarding too).
    Valid,
    /// Malformed, not signed by its log, signed by a retired key, or dated ahead: never
    /// forwarded.
    Invalid,
    /// Not judged: a log the node does not follow, or a key the node cannot know yet. Not
    /// forwarded, no penalty.
    Unjudged,
}

/// What the node made of an incoming checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intake {
    /// Its worth.
    pub verdict: Verdict,
    /// Gossip to publish in return (an equivocation proof it revealed), if any.
    pub gossip: Option<Gossip>,
}

impl Intake {
    fn judged(verdict: Verdict) -> Self {
        Intake {
            verdict,
            gossip: None,
        }
    }
}

/// Checkpoints remembered per log: one per size, the first seen. When full, the largest sizes are
/// dropped first: the smallest ones are those the real log will pass soonest, so a flood of
/// forgeries at far-away sizes cannot push out a fork the log is about to expose.
const SEEN_PER_LOG: usize = 1_024;

/// Log-signed checkpoints seen per log and size, including ones ahead of what the node holds
/// (checked when the log passes them).
#[derive(Debug, Default)]
pub(super) struct Seen {
    by_log: Mutex<BTreeMap<String, BTreeMap<u64, SignedCheckpoint>>>,
}

impl Seen {
    /// The checkpoint seen at `size` of `origin`, if any.
    pub(super) fn at(&self, origin: &str, size: u64) -> Option<SignedCheckpoint> {
        self.by_log
            .lock()
            .ok()?
            .get(origin)
            .and_then(|sizes| sizes.get(&size))
            .cloned()
    }

    /// Remembers `signed` unless a checkpoint of its size was seen already.
    pub(super) fn remember(&self, origin: &str, signed: &SignedCheckpoint) {
        if let Ok(mut by_log) = self.by_log.lock() {
            let sizes = by_log.entry(origin.to_owned()).or_default();
            sizes
                .entry(signed.checkpoint().size)
                .or_insert_with(|| signed.clone());
            while sizes.len() > SEEN_PER_LOG {
                sizes.pop_last();
            }
        }
    }

    /// Takes out the checkpoints seen of `origin` with sizes up to `to`, to be checked against the
    /// log now held (they need not be remembered after: the store keeps what the log signed).
    pub(super) fn take_up_to(&self, origin: &str, to: u64) -> Vec<SignedCheckpoint> {
        let Ok(mut by_log) = self.by_log.lock() else {
            return Vec::new();
        };
        let Some(sizes) = by_log.get_mut(origin) else {
            return Vec::new();
        };
        let above = sizes.split_off(&to.saturating_add(1));
        let taken = std::mem::replace(sizes, above);
        taken.into_values().collect()
    }
}

impl Shared {
    /// Handles a checkpoint note from a peer: checks the log's signature and time, detects
    /// equivocation, keeps witnesses' cosignatures, and points the mirror's sync at it. Says
    /// whether it is valid (gossip forwards only those), with the gossip to publish (an
    /// equivocation proof), if any.
    pub fn on_checkpoint(&self, note: &str, from: Option<PeerId>) -> Intake {
        let Ok(signed) = SignedCheckpoint::parse(note) else {
            self.metrics().gossip_rejected("malformed checkpoint");
            return Intake::judged(Verdict::Invalid);
        };
        let origin = signed.checkpoint().origin.clone();
        let logs = self.logs();
        let Some(log) = logs.current(&origin) else {
            // Another network's log, or a removed member's: neither followed nor witnessed.
            self.metrics().gossip_rejected("log not in the membership");
            return Intake::judged(Verdict::Unjudged);
        };
        match self.judge_key(log, &signed) {
            KeyVerdict::InForce => {}
            KeyVerdict::Refused => return Intake::judged(Verdict::Invalid),
            KeyVerdict::NotYetKnown => {
                // Signed by a key the log may have rotated to in records not held yet: nothing is
                // remembered or compared, but the sync fetches the records, and the mirror checks
                // the signature under the key the replayed log has in force at its size.
                if let Some(mirror) = &log.mirror
                    && signed.checkpoint().size > mirror.size()
                    && !self.is_equivocated(&origin)
                {
                    self.point_sync(&origin, &signed, from);
                }
                return Intake::judged(Verdict::Unjudged);
            }
        }
        if let Some(mirror) = &log.mirror
            && let Err(e) = mirror.check_not_ahead(&signed)
        {
            self.metrics().gossip_rejected(e.reason());
            tracing::warn!(%origin, error = %e, "checkpoint refused");
            return Intake::judged(Verdict::Invalid);
        }
        if let Some(gossip) = self.check_consistency(log, &signed) {
            return Intake {
                verdict: Verdict::Valid,
                gossip: Some(gossip),
            };
        }
        self.fence_own(log, &signed);
        self.seen.remember(&origin, &signed);
        self.cosignatures.keep(self, log, &signed);
        if let Some(mirror) = &log.mirror
            && signed.checkpoint().size > mirror.size()
            && !self.is_equivocated(&origin)
        {
            self.point_sync(&origin, &signed, from);
        }
        Intake::judged(Verdict::Valid)
    }

    /// Judges the key that signed `signed` by the key in force at its size (from the replayed log,
    /// not the membership). A retired key's checkpoint is evidence of a misused old key: counted
    /// in `ledger_retired_key_checkpoints` and logged.
    pub(super) fn judge_key(&self, log: &LogEntry, signed: &SignedCheckpoint) -> KeyVerdict {
        let size = signed.checkpoint().size;
        match log.checkpoint_key(signed) {
            Ok(CheckpointKey::InForce) => KeyVerdict::InForce,
            Ok(CheckpointKey::Retired(key)) => {
                self.metrics().retired_key_checkpoint(&log.origin);
                self.metrics()
                    .gossip_rejected("checkpoint signed by a retired log key");
                tracing::warn!(origin = %log.origin, size, %key, "checkpoint signed by a retired key of the log after its rotation: refused");
                KeyVerdict::Refused
            }
            Ok(CheckpointKey::Unknown) => {
                let ahead = log
                    .store
                    .tip()
                    .is_ok_and(|tip| size > tip.size && log.mirror.is_some());
                if ahead {
                    return KeyVerdict::NotYetKnown;
                }
                self.metrics()
                    .gossip_rejected("checkpoint not signed by the log");
                KeyVerdict::Refused
            }
            Err(e) => {
                tracing::warn!(origin = %log.origin, error = %e, "cannot read the log's keys");
                KeyVerdict::Refused
            }
        }
    }

    /// Compares `signed` with what the node holds of `log`; on a contradiction keeps the proof and
    /// returns it as gossip (the first time).
    pub(super) fn check_consistency(
        &self,
        log: &LogEntry,
        signed: &SignedCheckpoint,
    ) -> Option<Gossip> {
        // Only checkpoints signed by the key in force at their size are compared: one remembered
        // while the node lagged behind a rotation is judged again now (a retired key's signature
        // is evidence of a misused key, not of the log signing two histories).
        if self.judge_key(log, signed) != KeyVerdict::InForce {
            return None;
        }
        let seen = self
            .seen
            .at(&log.origin, signed.checkpoint().size)
            .filter(|seen| self.judge_key(log, seen) == KeyVerdict::InForce);
        match compare(log, signed, seen) {
            Ok(Comparison::Equivocation(proof)) => {
                let first = self.equivocations.keep(log, &proof, self.metrics());
                first.then(|| Gossip::Equivocation(ledger_format::Canonical::encode(&*proof)))
            }
            Ok(Comparison::Consistent | Comparison::Ahead) => None,
            Err(e) => {
                tracing::warn!(origin = %log.origin, error = %e, "cannot check a checkpoint for conflicts");
                None
            }
        }
    }

    /// After the mirror of `log` reached a checkpoint of size `size`: checks the checkpoints seen
    /// before at sizes up to it (a history shown to witnesses only) against the log now held.
    /// Returns the gossip to publish, if one of them proves an equivocation.
    pub(super) fn check_seen_ahead(&self, log: &LogEntry, size: u64) -> Option<Gossip> {
        self.seen
            .take_up_to(&log.origin, size)
            .iter()
            .find_map(|signed| self.check_consistency(log, signed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_format::checkpoint::Checkpoint;
    use ledger_format::testing;

    fn checkpoint(size: u64) -> SignedCheckpoint {
        let checkpoint = Checkpoint {
            origin: testing::ORIGIN.into(),
            size,
            root: ledger_format::sha256(&size.to_be_bytes()),
            map_root: ledger_format::sha256(b"map"),
            timestamp: 1_800_000_000,
        };
        SignedCheckpoint::sign(checkpoint, testing::ORIGIN, &testing::agency_key()).unwrap()
    }

    #[test]
    fn a_flood_of_far_away_sizes_keeps_the_nearest_ones() {
        let seen = Seen::default();
        let fork = checkpoint(10);
        seen.remember(testing::ORIGIN, &fork);
        for size in 0..SEEN_PER_LOG as u64 + 10 {
            seen.remember(testing::ORIGIN, &checkpoint(1_000_000 + size));
        }
        // The first checkpoint of a size is kept, and the fork nearest the log survives.
        seen.remember(testing::ORIGIN, &checkpoint(10));
        assert_eq!(seen.at(testing::ORIGIN, 10), Some(fork.clone()));
        assert_eq!(
            seen.at(testing::ORIGIN, 1_000_000 + SEEN_PER_LOG as u64),
            None
        );
        let taken = seen.take_up_to(testing::ORIGIN, 20);
        assert_eq!(taken, vec![fork]);
        assert_eq!(
            seen.at(testing::ORIGIN, 10),
            None,
            "checked once, then forgotten"
        );
        assert!(seen.at(testing::ORIGIN, 1_000_000).is_some());
        assert!(seen.take_up_to("another.example/1", 20).is_empty());
    }
}

#[cfg(test)]
#[path = "intake_rotation_tests.rs"]
mod rotation_tests;
