//! Catching a log that signed two histories (docs/format.md#equivocation), and keeping the proof.
//!
//! Every log-signed checkpoint that reaches the node, by any path (gossip, a peer's answer,
//! `add-checkpoint`), is compared with what the node holds of the log: the checkpoint it stored at
//! the same size, the one it last cosigned, checkpoints seen before, and the log's tree itself. Two
//! checkpoints of one size with different roots are the plain proof; a checkpoint whose root is
//! not the root the held tree has at its size is proven inconsistent with the latest checkpoint
//! the node verified, by a consistency proof from the held tree. A checkpoint ahead of what the
//! node holds is remembered ([`super::intake::Seen`]) and checked once the log passes its size.
//! The first proof of a log is stored, counted in `ledger_equivocations`, logged, gossiped and
//! served at `/v1/equivocations`; from then on the node neither cosigns nor mirrors the log.

use std::collections::BTreeSet;
use std::sync::Mutex;

use ledger_format::Canonical;
use ledger_format::checkpoint::SignedCheckpoint;
use ledger_format::equivocation::Equivocation;
use ledger_format::merkle::{consistency_proof, root_at};

use crate::logs::{LogEntry, Logs};
use crate::metrics::Metrics;
use crate::store::{StoreError, TreeReader, WriteBatch};

/// What comparing a log-signed checkpoint with the node's view of the log found.
#[derive(Debug)]
pub(super) enum Comparison {
    /// Nothing contradicts it.
    Consistent,
    /// It is ahead of the tree the node holds: to be checked when the log passes its size.
    Ahead,
    /// It contradicts what the log signed before: the proof.
    Equivocation(Box<Equivocation>),
}

/// The logs proven to equivocate.
#[derive(Debug)]
pub(super) struct Equivocations {
    proven: Mutex<BTreeSet<String>>,
}

impl Equivocations {
    /// The logs whose stores keep a proof.
    pub(super) fn load(logs: &Logs, metrics: &Metrics) -> Self {
        let proven: BTreeSet<String> = logs
            .all()
            .filter(|log| matches!(log.store.equivocation(), Ok(Some(_))))
            .map(|log| log.origin.clone())
            .collect();
        for origin in &proven {
            metrics.equivocation(origin);
        }
        Equivocations {
            proven: Mutex::new(proven),
        }
    }

    /// True when `origin` was proven to equivocate.
    pub(super) fn is_proven(&self, origin: &str) -> bool {
        self.proven.lock().is_ok_and(|set| set.contains(origin))
    }

    /// Every proof the node keeps, with its log.
    pub(super) fn all(&self, logs: &Logs) -> Vec<(String, Vec<u8>)> {
        logs.all()
            .filter_map(|log| match log.store.equivocation() {
                Ok(Some(bytes)) => Some((log.origin.clone(), bytes)),
                _ => None,
            })
            .collect()
    }

    /// Stores `proof` (the first one for the log), marks the log, logs and counts it; true when
    /// the node did not know it yet (then the caller gossips it).
    pub(super) fn keep(&self, log: &LogEntry, proof: &Equivocation, metrics: &Metrics) -> bool {
        let known = matches!(log.store.equivocation(), Ok(Some(_)));
        if !known {
            let write = log.store.write(WriteBatch {
                equivocation: Some(proof.encode()),
                ..WriteBatch::default()
            });
            if let Err(e) = write {
                tracing::error!(origin = %log.origin, error = %e, "cannot store an equivocation proof");
            }
            tracing::error!(
                origin = %log.origin,
                "log equivocated: it signed two checkpoints that cannot both be true; \
                 no longer cosigning or mirroring it"
            );
        }
        let newly = self
            .proven
            .lock()
            .map(|mut set| set.insert(log.origin.clone()))
            .unwrap_or(false);
        if newly {
            metrics.equivocation(&log.origin);
        }
        !known
    }

    /// Handles a proof from a peer: verifies it under the log's key and keeps it. Returns true
    /// when the proof verified.
    pub(super) fn on_gossip(&self, logs: &Logs, bytes: &[u8], metrics: &Metrics) -> bool {
        let Ok(proof) = Equivocation::decode_exact(bytes) else {
            metrics.gossip_rejected("malformed equivocation proof");
            return false;
        };
        let Ok(facts) = proof.checked_structure() else {
            metrics.gossip_rejected("malformed equivocation proof");
            return false;
        };
        let Some(log) = logs.get(Some(&facts.origin)) else {
            return false;
        };
        let verified = log
            .log_keys()
            .is_ok_and(|keys| proof.verify_with_keys(&keys).is_ok());
        if !verified {
            metrics.gossip_rejected("equivocation proof not signed by the log");
            return false;
        }
        self.keep(log, &proof, metrics);
        true
    }
}

/// Compares `signed` (already checked to be signed by the log's key in force at its size) with
/// what the node holds of `log`: the checkpoint stored at its size, the witnessed one, `also` (checkpoints seen before at
/// its size), and the log's tree up to the latest checkpoint the node verified.
///
/// # Errors
/// A store error; a note in the store that does not parse is skipped.
pub(super) fn compare(
    log: &LogEntry,
    signed: &SignedCheckpoint,
    also: Option<SignedCheckpoint>,
) -> Result<Comparison, StoreError> {
    let log_keys = log.log_keys()?;
    let checkpoint = signed.checkpoint();
    let same_size_conflict = |other: &SignedCheckpoint| {
        let o = other.checkpoint();
        o.size == checkpoint.size
            && (o.root != checkpoint.root || o.map_root != checkpoint.map_root)
    };
    let stored = [
        log.store.checkpoint_at(checkpoint.size)?,
        log.store.witnessed()?,
    ];
    let candidates = stored
        .into_iter()
        .flatten()
        .filter_map(|s| SignedCheckpoint::parse(&s.note).ok())
        .chain(also);
    for other in candidates {
        if same_size_conflict(&other)
            && let Ok(proof) = Equivocation::new_with_keys(signed, &other, &log_keys)
        {
            return Ok(Comparison::Equivocation(Box::new(proof)));
        }
    }
    // Against the tree: the latest checkpoint the node holds (its own log's, or one a mirror
    // verified) and the records under it.
    let Some(latest) = log
        .store
        .latest_checkpoint()?
        .and_then(|s| SignedCheckpoint::parse(&s.note).ok())
    else {
        return Ok(Comparison::Ahead);
    };
    let held = latest.checkpoint().size;
    if checkpoint.size > held {
        return Ok(Comparison::Ahead);
    }
    if checkpoint.size == held || checkpoint.size == 0 {
        return Ok(Comparison::Consistent);
    }
    let tree = TreeReader(&*log.store);
    let corrupted = |e: ledger_format::merkle::MerkleError| StoreError::Corrupted {
        key: "tree".into(),
        reason: e.to_string(),
    };
    let prefix_root = root_at(checkpoint.size, &tree).map_err(corrupted)?;
    if prefix_root == checkpoint.root {
        return Ok(Comparison::Consistent);
    }
    let proof = consistency_proof(checkpoint.size, held, &tree).map_err(corrupted)?;
    match Equivocation::across_sizes_with_keys(signed, &latest, proof.path, prefix_root, &log_keys)
    {
        Ok(proof) => Ok(Comparison::Equivocation(Box::new(proof))),
        Err(e) => {
            tracing::error!(origin = %log.origin, error = %e, "a checkpoint contradicts the log held, but no proof could be built");
            Ok(Comparison::Consistent)
        }
    }
}
