//! The pool of other witnesses' cosignatures: lines of member witnesses on a log's checkpoints,
//! verified, stored beside the checkpoint when the node holds it (and merged into the notes it
//! serves), kept in memory until then. A log's own node's witness line is never kept for that log:
//! it vouches for nothing a verifier counts.

use std::collections::BTreeMap;
use std::sync::Mutex;

use ledger_format::checkpoint::{SignedCheckpoint, VerifierKey};

use super::shared::Shared;
use crate::logs::LogEntry;
use crate::store::{StoreError, WriteBatch};

/// Cosignature lines kept per log for checkpoints not held yet; the smallest sizes go first.
const PENDING_PER_LOG: usize = 4_096;

/// Cosignatures waiting for the node to hold their checkpoint.
#[derive(Debug, Default)]
pub(super) struct CosignaturePool {
    pending: Mutex<BTreeMap<String, BTreeMap<u64, Vec<String>>>>,
}

impl CosignaturePool {
    /// Stores the valid cosignatures of the log's witnesses on `signed` if the node holds the
    /// same checkpoint; keeps them for later otherwise.
    pub(super) fn keep(&self, shared: &Shared, log: &LogEntry, signed: &SignedCheckpoint) {
        let witnesses = witnesses_of(shared, &log.origin);
        let check = signed.verify_cosignatures(&witnesses);
        let lines: Vec<(String, String)> = signed
            .note()
            .signatures()
            .iter()
            .filter(|line| {
                check
                    .valid
                    .iter()
                    .any(|v| v.name == line.name() && v.key_id == line.key_id())
            })
            .map(|line| (line.name().to_owned(), line.to_line()))
            .collect();
        if lines.is_empty() {
            return;
        }
        let size = signed.checkpoint().size;
        match holds(log, signed) {
            Ok(true) => store(shared, log, size, lines),
            Ok(false) => {
                if let Ok(mut pending) = self.pending.lock() {
                    let sizes = pending.entry(log.origin.clone()).or_default();
                    sizes
                        .entry(size)
                        .or_default()
                        .extend(lines.into_iter().map(|(_, line)| line));
                    while sizes.len() > PENDING_PER_LOG {
                        sizes.pop_first();
                    }
                }
            }
            Err(e) => tracing::warn!(origin = %log.origin, error = %e, "cannot read checkpoint"),
        }
    }

    /// After a mirror reached checkpoint `signed`: stores the cosignatures that arrived before it.
    pub(super) fn flush(&self, shared: &Shared, log: &LogEntry, signed: &SignedCheckpoint) {
        let size = signed.checkpoint().size;
        let lines = self
            .pending
            .lock()
            .ok()
            .and_then(|mut p| p.get_mut(&log.origin).and_then(|s| s.remove(&size)))
            .unwrap_or_default();
        if lines.is_empty() {
            return;
        }
        let mut with_lines = signed.clone();
        for line in &lines {
            let _ = with_lines.add_signature_line(line);
        }
        self.keep(shared, log, &with_lines);
    }
}

/// The witness keys whose cosignatures count for `origin`: every key, current or past, of every
/// member but its own node. (A line dated outside its key's window is kept: verifiers leave it
/// out, with the same trust counting as everywhere, `ledger_format::bundle`.)
fn witnesses_of(shared: &Shared, origin: &str) -> Vec<VerifierKey> {
    shared
        .view()
        .membership
        .members
        .iter()
        .filter(|m| m.origin != origin)
        .flat_map(|m| m.witness_keys.iter().map(|w| w.key.clone()))
        .collect()
}

/// True when the log's store holds the checkpoint `signed` (same size and roots).
fn holds(log: &LogEntry, signed: &SignedCheckpoint) -> Result<bool, StoreError> {
    let checkpoint = signed.checkpoint();
    Ok(log
        .store
        .checkpoint_at(checkpoint.size)?
        .and_then(|stored| SignedCheckpoint::parse(&stored.note).ok())
        .is_some_and(|held| {
            let h = held.checkpoint();
            h.root == checkpoint.root && h.map_root == checkpoint.map_root
        }))
}

fn store(shared: &Shared, log: &LogEntry, size: u64, lines: Vec<(String, String)>) {
    let known = log.store.cosignatures(size).unwrap_or_default();
    let new: Vec<(u64, String, String)> = lines
        .into_iter()
        .filter(|(_, line)| !known.contains(line))
        .map(|(name, line)| (size, name, line))
        .collect();
    if new.is_empty() {
        return;
    }
    let count = new.len();
    match log.store.write(WriteBatch {
        cosignatures: new,
        ..WriteBatch::default()
    }) {
        Ok(()) => shared.metrics().cosignatures_collected(count),
        Err(e) => tracing::warn!(origin = %log.origin, error = %e, "cannot store cosignatures"),
    }
}
