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
use crate::logs::LogEntry;

/// Checkpoints remembered per log: one per size, the first seen; the oldest sizes are dropped
/// first. Enough to catch a second history shown to this node within the last thousand sizes.
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
                sizes.pop_first();
            }
        }
    }

    /// The checkpoints seen of `origin` with sizes in `from..=to`.
    pub(super) fn between(&self, origin: &str, from: u64, to: u64) -> Vec<SignedCheckpoint> {
        self.by_log.lock().map_or_else(
            |_| Vec::new(),
            |by_log| {
                by_log
                    .get(origin)
                    .map(|sizes| sizes.range(from..=to).map(|(_, s)| s.clone()).collect())
                    .unwrap_or_default()
            },
        )
    }
}

impl Shared {
    /// Handles a checkpoint note from a peer: checks the log's signature and time, detects
    /// equivocation, keeps witnesses' cosignatures, and points the mirror's sync at it. Returns
    /// the gossip to publish (an equivocation proof), if any.
    pub fn on_checkpoint(&self, note: &str, from: Option<PeerId>) -> Option<Gossip> {
        let Ok(signed) = SignedCheckpoint::parse(note) else {
            self.metrics().gossip_rejected("malformed checkpoint");
            return None;
        };
        let origin = signed.checkpoint().origin.clone();
        let log = self.logs().get(Some(&origin))?;
        let log_key = log.log_key()?.clone();
        if signed.verify_log_signature(&log_key).is_err() {
            self.metrics()
                .gossip_rejected("checkpoint not signed by the log");
            return None;
        }
        if let Some(mirror) = &log.mirror
            && let Err(e) = mirror.verify_checkpoint(note)
        {
            self.metrics().gossip_rejected(e.reason());
            tracing::warn!(%origin, error = %e, "checkpoint refused");
            return None;
        }
        if let Some(gossip) = self.check_consistency(log, &signed) {
            return Some(gossip);
        }
        self.seen.remember(&origin, &signed);
        self.cosignatures.keep(self, log, &signed);
        if let Some(mirror) = &log.mirror
            && signed.checkpoint().size > mirror.size()
            && !self.is_equivocated(&origin)
        {
            self.point_sync(&origin, &signed, from);
        }
        None
    }

    /// Compares `signed` with what the node holds of `log`; on a contradiction keeps the proof and
    /// returns it as gossip (the first time).
    pub(super) fn check_consistency(
        &self,
        log: &LogEntry,
        signed: &SignedCheckpoint,
    ) -> Option<Gossip> {
        let log_key = log.log_key()?;
        let seen = self.seen.at(&log.origin, signed.checkpoint().size);
        match compare(log, log_key, signed, seen) {
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
    /// ahead of it before (a history shown to witnesses only) against the log now held. Returns
    /// the gossip to publish, if one of them proves an equivocation.
    pub(super) fn check_seen_ahead(&self, log: &LogEntry, from: u64, size: u64) -> Option<Gossip> {
        self.seen
            .between(&log.origin, from, size)
            .iter()
            .find_map(|signed| self.check_consistency(log, signed))
    }
}
