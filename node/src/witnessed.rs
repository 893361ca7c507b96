//! The size of the node's own log that the network is known to hold, recorded beside the store
//! (`<db_dir>.witnessed`, docs/operations.md#rollback-protection): the largest checkpoint of the
//! own log that carries another member's cosignature. A backup restores `db/` but not this file,
//! so a node whose store is behind the recorded size knows it was rolled back even when no peer
//! answers at start, and refuses to start rather than sign over what the network holds.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::store::{Store, StoreError};

/// How often a running node records what the network holds of its log: a crash loses at most
/// this much of the record (the network still holds the rest, and tells the node at start).
pub const RECORD_INTERVAL: Duration = Duration::from_secs(10);

/// Checkpoints looked through, newest first, for one that another member cosigned.
const LOOKBACK: usize = 32;

/// The record file of one node.
#[derive(Debug, Clone)]
pub struct WitnessedRecord {
    path: PathBuf,
}

impl WitnessedRecord {
    /// The record of the node configured by `config`: `<db_dir>.witnessed`.
    pub fn new(config: &Config) -> Self {
        WitnessedRecord {
            path: config.beside_db("witnessed"),
        }
    }

    /// The recorded size (0 when there is no record; an unreadable record counts as none, with
    /// a warning: it only ever adds a check).
    pub fn read(&self) -> u64 {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => text.trim().parse().unwrap_or_else(|_| {
                tracing::warn!(path = %self.path.display(), "unreadable record of the witnessed size: ignored");
                0
            }),
            Err(_) => 0,
        }
    }

    /// Records the largest checkpoint of `store` (the own log) that another member cosigned, if
    /// it is beyond the record. Written to a temporary file and renamed.
    ///
    /// # Errors
    /// A store error or the file's I/O error, as text.
    pub fn update(&self, store: &dyn Store) -> Result<(), String> {
        let Some(size) = cosigned_size(store).map_err(|e| e.to_string())? else {
            return Ok(());
        };
        if size <= self.read() {
            return Ok(());
        }
        let tmp = self.path.with_extension("witnessed.tmp");
        std::fs::write(&tmp, format!("{size}\n"))
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }

    /// Updates the record every [`RECORD_INTERVAL`] until aborted.
    pub fn spawn_updates(self, store: Arc<dyn Store>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(RECORD_INTERVAL);
            loop {
                ticks.tick().await;
                let (record, store) = (self.clone(), store.clone());
                match tokio::task::spawn_blocking(move || record.update(&*store)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "cannot record the witnessed size"),
                    Err(_) => return,
                }
            }
        })
    }
}

/// The largest checkpoint of `store` with a stored cosignature (only other members' verified
/// lines are stored for the own log).
fn cosigned_size(store: &dyn Store) -> Result<Option<u64>, StoreError> {
    let Some(latest) = store.latest_checkpoint()? else {
        return Ok(None);
    };
    let candidates = std::iter::once(latest.size).chain(
        store
            .checkpoints_before(latest.size, LOOKBACK)?
            .into_iter()
            .map(|c| c.size),
    );
    for size in candidates {
        if !store.cosignatures(size)?.is_empty() {
            return Ok(Some(size));
        }
    }
    Ok(None)
}
