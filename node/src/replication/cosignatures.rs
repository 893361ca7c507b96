//! The pool of other witnesses' cosignatures: lines of member witnesses on a log's checkpoints,
//! verified, stored beside the checkpoint when the node holds it (and merged into the notes it
//! serves), kept in memory until then. A log's own node's witness line is never kept for that log:
//! it vouches for nothing a verifier counts.

use std::collections::BTreeMap;
use std::sync::Mutex;

use ledger_format::checkpoint::{NoteSignature, SignedCheckpoint};

use super::shared::Shared;
use crate::logs::LogEntry;
use crate::store::{StoreError, WriteBatch};

/// Checkpoint sizes kept per log for cosignatures of checkpoints not held yet; the smallest go
/// first. Each size keeps one line per witness (its newest), so memory stays bounded by sizes ×
/// members whatever a member sends.
const PENDING_PER_LOG: usize = 4_096;

/// One witness's newest line on one checkpoint: its timestamp and the line.
type Newest = BTreeMap<String, (u64, String)>;

/// Cosignatures waiting for the node to hold their checkpoint.
#[derive(Debug, Default)]
pub(super) struct CosignaturePool {
    pending: Mutex<BTreeMap<String, BTreeMap<u64, Newest>>>,
}

impl CosignaturePool {
    /// Stores the valid cosignatures of the log's witnesses on `signed` if the node holds the
    /// same checkpoint; keeps them for later otherwise. Either way only the newest line of each
    /// witness on each checkpoint is kept (witnesses re-cosign a quiet log's checkpoint on an
    /// interval, docs/format.md#freshness).
    pub(super) fn keep(&self, shared: &Shared, log: &LogEntry, signed: &SignedCheckpoint) {
        let lines = valid_lines(shared, &log.origin, signed);
        if lines.is_empty() {
            return;
        }
        let size = signed.checkpoint().size;
        match holds(log, signed) {
            Ok(true) => store(shared, log, size, lines),
            Ok(false) => {
                if let Ok(mut pending) = self.pending.lock() {
                    let sizes = pending.entry(log.origin.clone()).or_default();
                    let newest = sizes.entry(size).or_default();
                    for (name, timestamp, line) in lines {
                        keep_newer(newest, name, timestamp, line);
                    }
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
        for (_, line) in lines.values() {
            let _ = with_lines.add_signature_line(line);
        }
        self.keep(shared, log, &with_lines);
    }
}

/// The lines of `signed` by the witnesses that count for `origin` that verify: name, timestamp,
/// line.
fn valid_lines(
    shared: &Shared,
    origin: &str,
    signed: &SignedCheckpoint,
) -> Vec<(String, u64, String)> {
    let check = signed.verify_cosignatures(&shared.witnesses_of(origin));
    signed
        .note()
        .signatures()
        .iter()
        .filter_map(|line| {
            let valid = check
                .valid
                .iter()
                .find(|v| v.name == line.name() && v.key_id == line.key_id())?;
            Some((line.name().to_owned(), valid.timestamp, line.to_line()))
        })
        .collect()
}

/// Keeps `line` as `name`'s line unless a line at least as new is kept.
fn keep_newer(newest: &mut Newest, name: String, timestamp: u64, line: String) {
    match newest.get(&name) {
        Some((kept, _)) if *kept >= timestamp => {}
        _ => {
            newest.insert(name, (timestamp, line));
        }
    }
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

fn store(shared: &Shared, log: &LogEntry, size: u64, lines: Vec<(String, u64, String)>) {
    let mut newest = Newest::new();
    for line in log.store.cosignatures(size).unwrap_or_default() {
        if let Some((name, timestamp)) = stored_line(&line) {
            newest.insert(name, (timestamp, line));
        }
    }
    let mut new: Vec<(u64, String, String)> = Vec::new();
    for (name, timestamp, line) in lines {
        if newest.get(&name).is_none_or(|(kept, _)| *kept < timestamp) {
            newest.insert(name.clone(), (timestamp, line.clone()));
            new.push((size, name, line));
        }
    }
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

/// The witness name and timestamp of a stored cosignature line (verified before it was stored).
fn stored_line(line: &str) -> Option<(String, u64)> {
    let signature = NoteSignature::from_line(line).ok()?;
    Some((
        signature.name().to_owned(),
        signature.cosignature_timestamp()?,
    ))
}

#[cfg(test)]
mod tests {
    use ledger_format::checkpoint::{Checkpoint, NoteSigningKey, SignatureType};
    use ledger_format::keys::SigningKey;

    use super::*;

    /// A checkpoint cosigned by one witness at `timestamp`, and that witness's line.
    fn line_at(timestamp: u64) -> String {
        let log = SigningKey::from_seed(&[1; 32]);
        let checkpoint = Checkpoint {
            origin: "ledger.a.example/1".into(),
            size: 3,
            root: ledger_format::sha256(b"root"),
            map_root: ledger_format::sha256(b"map"),
            timestamp: 1_767_225_600,
        };
        let mut signed = SignedCheckpoint::sign(checkpoint, "ledger.a.example/1", &log).unwrap();
        let witness = NoteSigningKey::new(
            "ledger.b.example/1/witness",
            SignatureType::CosignatureV1,
            SigningKey::from_seed(&[2; 32]),
        )
        .unwrap();
        signed
            .add_cosignature("ledger.b.example/1/witness", witness.signer(), timestamp)
            .unwrap();
        signed.note().signatures()[1].to_line()
    }

    #[test]
    fn only_the_newest_line_of_a_witness_is_kept() {
        let mut newest = Newest::new();
        let name = "ledger.b.example/1/witness".to_owned();
        keep_newer(&mut newest, name.clone(), 20, line_at(20));
        keep_newer(&mut newest, name.clone(), 10, line_at(10));
        assert_eq!(
            newest[&name],
            (20, line_at(20)),
            "an older line never replaces a newer"
        );
        keep_newer(&mut newest, name.clone(), 30, line_at(30));
        assert_eq!(newest[&name], (30, line_at(30)));
        assert_eq!(newest.len(), 1, "one line per witness, whatever it sends");
    }

    #[test]
    fn a_stored_line_gives_its_witness_and_time() {
        assert_eq!(
            stored_line(&line_at(1_767_225_999)),
            Some(("ledger.b.example/1/witness".to_owned(), 1_767_225_999))
        );
        assert_eq!(stored_line("— not a line"), None);
    }
}
