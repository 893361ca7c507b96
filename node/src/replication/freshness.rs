//! Freshness on quiet days (docs/format.md#freshness): a log signs each size once and only when it
//! grows, so a quiet log's latest checkpoint would carry older and older cosignatures and every
//! bundle of it would turn stale. This task cosigns the latest checkpoint of every mirrored log
//! again whenever this node's cosignature on it is older than three quarters of the interval, and
//! gossips the note with every fresh line the node holds. Other nodes keep the newest line per
//! checkpoint and witness ([`super::cosignatures`]), so a bundle served by any node is at most about
//! one interval old while the network is up.
//!
//! Cosigning again vouches for nothing new: [`super::mirror::Mirror::cosign_held`] re-cosigns only
//! the checkpoint the mirror verified at that size, and never one behind what it cosigned before.

use std::sync::Arc;
use std::time::Duration;

use ledger_format::checkpoint::SignedCheckpoint;
use tokio::sync::watch;

use super::protocol::Gossip;
use super::shared::{Command, Shared};
use crate::export;
use crate::logs::LogEntry;

/// Default interval after which a witness cosigns a quiet log's latest checkpoint again: the worst
/// age of a served bundle's witnessed time while the network is up (plus gossip delay). Five
/// minutes keeps a bank's `max-age` short (docs/operations.md#freshness) for one signature and one
/// gossip message per log and witness every few minutes.
pub const RECOSIGN_INTERVAL_SECS: u64 = 300;

/// Shortest check period, so a tiny interval in a test cannot spin.
const MIN_TICK: Duration = Duration::from_millis(250);

/// The task: every quarter interval, re-cosigns the mirrored logs whose cosignature by this node
/// is older than three quarters of `every`, so that none gets older than `every`.
pub(super) async fn run(shared: Arc<Shared>, every: Duration, mut stopped: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval((every / 4).max(MIN_TICK));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let threshold = i64::try_from((every * 3 / 4).as_secs()).unwrap_or(i64::MAX);
    loop {
        tokio::select! {
            biased;
            _ = stopped.changed() => return,
            _ = ticks.tick() => {}
        }
        let worker = shared.clone();
        let gossip = tokio::task::spawn_blocking(move || worker.recosign_quiet_logs(threshold))
            .await
            .unwrap_or_default();
        for message in gossip {
            shared.send(Command::Publish(message)).await;
        }
    }
}

impl Shared {
    /// Cosigns again the witnessed checkpoint of every mirrored log (not proven to equivocate)
    /// whose cosignature by this node is at least `threshold` seconds old. Returns the notes to
    /// gossip.
    pub(super) fn recosign_quiet_logs(&self, threshold: i64) -> Vec<Gossip> {
        let now = self.clock().now();
        self.logs()
            .mirrors
            .iter()
            .filter(|log| !self.is_equivocated(&log.origin))
            .filter_map(|log| match self.recosign(log, now, threshold) {
                Ok(gossip) => gossip,
                Err(e) => {
                    self.metrics().witness_refused(&log.origin, "recosign");
                    tracing::warn!(origin = %log.origin, error = %e, "cannot cosign the latest checkpoint again");
                    None
                }
            })
            .collect()
    }

    fn recosign(&self, log: &LogEntry, now: i64, threshold: i64) -> Result<Option<Gossip>, String> {
        let Some(mirror) = &log.mirror else {
            return Ok(None);
        };
        let Some(witnessed) = mirror.witnessed().map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let size = witnessed.checkpoint().size;
        if self.own_cosignature_time(log, size)? > now.saturating_sub(threshold) {
            return Ok(None);
        }
        let cosigner = self.cosigner();
        mirror
            .cosign_held(&witnessed, cosigner.get())
            .map_err(|e| e.to_string())?;
        self.metrics().recosigned(&log.origin);
        let stored = log
            .store
            .checkpoint_at(size)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("the witnessed checkpoint of size {size} is not stored"))?;
        let note = export::served_note(&*log.store, &stored).map_err(|e| e.to_string())?;
        Ok(Some(Gossip::Checkpoint(note)))
    }

    /// When this node last cosigned the checkpoint of size `size` of `log`, with any of its
    /// witness keys (0 if it never did).
    fn own_cosignature_time(&self, log: &LogEntry, size: u64) -> Result<i64, String> {
        let Some(stored) = log.store.checkpoint_at(size).map_err(|e| e.to_string())? else {
            return Ok(0);
        };
        let signed: SignedCheckpoint =
            export::with_cosignatures(&*log.store, &stored).map_err(|e| e.to_string())?;
        let own = signed.verify_cosignatures(&self.witness_verifiers());
        Ok(own
            .valid
            .iter()
            .map(|c| i64::try_from(c.timestamp).unwrap_or(i64::MAX))
            .max()
            .unwrap_or(0))
    }
}
