//! A verified mirror of another agency's log (docs/format.md#replication).
//!
//! Records arrive in ranges from any peer, never trusted: every record is checked exactly as
//! `audit` checks it ([`LogReplay`]: canonical encoding, index, hash chain, time order, author,
//! signature, lifecycle rules), and the range is accepted only if the tree it builds is a prefix of
//! the tree the log **signed**: its root equals the signed checkpoint's root when the range ends at
//! the checkpoint, or a consistency proof leads from it to that root otherwise. At the checkpoint,
//! the status map rebuilt from the records must have the checkpoint's status-map root. Then
//! records, tree, states, indexes (and, at the checkpoint, map and checkpoint) go into the mirror's
//! store in one durable write; a crash between ranges resumes from the mirror's tip.
//!
//! Signatures are verified on every core ([`VerifiedRecord::check`]); every other check runs in
//! order on one thread.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use ledger_format::calendar::Calendars;
use ledger_format::checkpoint::{NoteSigningKey, SignedCheckpoint, VerifierKey};
use ledger_format::code::CertificateCode;
use ledger_format::hash::Hash;
use ledger_format::lifecycle::CertificateState;
use ledger_format::map;
use ledger_format::merkle::verify_consistency;
use ledger_format::record::{Body, Record};
use ledger_format::replay::{LogReplay, ReplayError, ReplayResume, VerifiedRecord};

use crate::store::{
    MapReader, Store, StoreError, StoredCheckpoint, Submitter, Tip, WriteBatch, codes_in,
    load_frontier, map_root,
};

/// Why a range was refused. Nothing of a refused range is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MirrorError {
    /// The checkpoint is not signed by the log's key, or names another log.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// The range does not start at the mirror's tip, or runs past the checkpoint.
    #[error("range starts at {start}, the mirror holds {size} records (checkpoint size {target})")]
    Range {
        /// First index of the range.
        start: u64,
        /// Records the mirror holds.
        size: u64,
        /// Size of the checkpoint the range should lead to.
        target: u64,
    },
    /// A record fails a check.
    #[error("{0}")]
    Record(#[from] ReplayError),
    /// The records do not build the tree the log signed.
    #[error("records up to {size} are not in the signed tree of size {target}: {reason}")]
    NotInSignedTree {
        /// Records checked.
        size: u64,
        /// The checkpoint's size.
        target: u64,
        /// Why.
        reason: String,
    },
    /// The status map rebuilt from the records does not have the checkpoint's root.
    #[error("checkpoint {size}: status-map root does not match the records")]
    MapRoot {
        /// The checkpoint's size.
        size: u64,
    },
    /// The store failed or contradicts itself.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// What an accepted range did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Records the mirror now holds.
    pub size: u64,
    /// True when the range reached the checkpoint, which the mirror now serves.
    pub checkpointed: bool,
    /// This node's cosignature line of the checkpoint, when it cosigned.
    pub cosignature: Option<String>,
}

/// This node as a witness: its `cosignature/v1` key and the time to cosign at.
#[derive(Debug, Clone, Copy)]
pub struct Cosigner<'a> {
    /// The witness key.
    pub key: &'a NoteSigningKey,
    /// Unix seconds.
    pub timestamp: u64,
}

impl Cosigner<'_> {
    /// The cosignature line of `signed` (`— name base64`).
    ///
    /// # Errors
    /// [`MirrorError::Checkpoint`] when the note cannot take the cosignature.
    pub fn line(&self, signed: &SignedCheckpoint) -> Result<String, MirrorError> {
        let bad = |e: ledger_format::checkpoint::NoteError| MirrorError::Checkpoint(e.to_string());
        let name = self.key.verifier_key().name();
        let mut cosigned = signed.clone();
        cosigned
            .add_cosignature(name, self.key.signing_key(), self.timestamp)
            .map_err(bad)?;
        cosigned
            .note()
            .find(name, self.key.verifier_key().key_id())
            .map(|line| line.to_line())
            .ok_or_else(|| MirrorError::Checkpoint("cosignature line missing".into()))
    }
}

/// Why `add-checkpoint` refused to cosign (c2sp.org/tlog-witness).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    /// The witness's latest checkpoint of the log has another size than the request's `old`.
    #[error("the witnessed size is {0}")]
    Conflict(u64),
    /// The checkpoint is smaller than `old`, or has the witnessed size with another root.
    #[error("{0}")]
    Invalid(String),
    /// The consistency proof does not verify.
    #[error("consistency proof: {0}")]
    BadProof(String),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// The mirror of one agency's log.
#[derive(Debug)]
pub struct Mirror {
    origin: String,
    log_key: VerifierKey,
    store: Arc<dyn Store>,
    state: Mutex<MirrorState>,
}

#[derive(Debug, Clone)]
struct MirrorState {
    replay: LogReplay,
    /// Codes changed since the latest checkpoint (the map's pending work).
    dirty: BTreeSet<CertificateCode>,
    map_root: Hash,
}

impl Mirror {
    /// Opens the mirror kept in `store` of the log `origin` signed by `log_key`, resuming after the
    /// records it already holds.
    ///
    /// # Errors
    /// [`MirrorError::Store`] when the store cannot be read, contradicts itself, or holds another
    /// log ([`StoreError::WrongLog`]).
    pub fn open(
        origin: &str,
        log_key: VerifierKey,
        store: Arc<dyn Store>,
    ) -> Result<Self, MirrorError> {
        let identity = store.identity()?;
        if identity.origin != origin {
            return Err(StoreError::WrongLog {
                found: identity.origin,
                expected: origin.to_owned(),
            }
            .into());
        }
        let state = load(origin, &*store)?;
        Ok(Mirror {
            origin: origin.to_owned(),
            log_key,
            store,
            state: Mutex::new(state),
        })
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The log's key.
    pub fn log_key(&self) -> &VerifierKey {
        &self.log_key
    }

    /// The mirror's store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Records the mirror holds.
    pub fn size(&self) -> u64 {
        self.state.lock().map_or(0, |s| s.replay.size())
    }

    /// Parses `note` as a checkpoint of this log and verifies the log's signature.
    ///
    /// # Errors
    /// [`MirrorError::Checkpoint`].
    pub fn verify_checkpoint(&self, note: &str) -> Result<SignedCheckpoint, MirrorError> {
        let signed =
            SignedCheckpoint::parse(note).map_err(|e| MirrorError::Checkpoint(e.to_string()))?;
        if signed.checkpoint().origin != self.origin {
            return Err(MirrorError::Checkpoint(format!(
                "names log {}, not {}",
                signed.checkpoint().origin,
                self.origin
            )));
        }
        signed
            .verify_log_signature(&self.log_key)
            .map_err(|e| MirrorError::Checkpoint(e.to_string()))?;
        Ok(signed)
    }

    /// Checks `records` (starting at index `start`, the mirror's tip) against every rule and
    /// against `target`, then stores them durably. `proof` is the consistency proof from the tree
    /// ending with the range to `target`'s tree (empty when the range ends at `target.size`).
    ///
    /// # Errors
    /// [`MirrorError`] naming the first failed check; nothing is stored then.
    pub fn apply(
        &self,
        start: u64,
        records: &[Vec<u8>],
        target: &SignedCheckpoint,
        proof: &[Hash],
        cosigner: Option<Cosigner<'_>>,
    ) -> Result<Applied, MirrorError> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| StoreError::Io("mirror lock poisoned".into()))?;
        let checkpoint = target.checkpoint();
        if checkpoint.origin != self.origin || target.verify_log_signature(&self.log_key).is_err() {
            return Err(MirrorError::Checkpoint(format!(
                "not a checkpoint of {} signed by its key",
                self.origin
            )));
        }
        let end = start + records.len() as u64;
        if start != state.replay.size() || end > checkpoint.size {
            return Err(MirrorError::Range {
                start,
                size: state.replay.size(),
                target: checkpoint.size,
            });
        }
        let verified = verify_signatures(start, records)?;
        let mut next = state.clone();
        let mut batch = WriteBatch::default();
        let mut touched = BTreeMap::new();
        for (bytes, record) in records.iter().zip(verified) {
            self.seed(&mut next.replay, record.record())?;
            let replayed = next.replay.apply_verified(record)?;
            add_record(
                &mut batch,
                &mut touched,
                bytes,
                &replayed.record,
                &next.replay,
            );
            batch.tree_nodes.extend(replayed.tree_nodes);
        }
        check_in_signed_tree(&next.replay, target, proof)?;
        batch.states = touched.clone().into_iter().collect();
        next.dirty.extend(touched.into_keys());
        if !records.is_empty() {
            batch.tip = Some(Tip {
                size: next.replay.size(),
                last_hash: next.replay.last_hash(),
                last_time: next.replay.last_time(),
            });
        }
        let checkpointed = end == checkpoint.size;
        let mut cosignature = None;
        if checkpointed {
            self.add_checkpoint(&mut next, &mut batch, target)?;
            if let Some(cosigner) = cosigner {
                cosignature = Some(self.add_cosignature(&mut batch, target, cosigner)?);
            }
        }
        if !batch.is_empty() {
            self.store.write(batch)?;
        }
        next.replay.clear_states();
        *state = next;
        Ok(Applied {
            size: end,
            checkpointed,
            cosignature,
        })
    }

    /// Adds this node's cosignature of `target`, and `target` as the witnessed checkpoint unless
    /// a larger one was witnessed already, to `batch`: cosigning and persisting the witnessed
    /// state happen in one write.
    fn add_cosignature(
        &self,
        batch: &mut WriteBatch,
        target: &SignedCheckpoint,
        cosigner: Cosigner<'_>,
    ) -> Result<String, MirrorError> {
        let size = target.checkpoint().size;
        let line = cosigner.line(target)?;
        let name = cosigner.key.verifier_key().name().to_owned();
        batch.cosignatures.push((size, name, line.clone()));
        if self.store.witnessed()?.is_none_or(|w| w.size <= size) {
            batch.witnessed = Some(StoredCheckpoint {
                size,
                note: log_signed_note(target, &self.log_key)?,
            });
        }
        Ok(line)
    }

    /// The latest checkpoint this node witnessed of the log: the larger of the one recorded by
    /// `add-checkpoint` and the latest one mirrored.
    ///
    /// # Errors
    /// A store error, or a stored note that does not parse.
    pub fn witnessed(&self) -> Result<Option<SignedCheckpoint>, StoreError> {
        let witnessed = self.store.witnessed()?;
        let latest = self.store.latest_checkpoint()?;
        let newest = match (witnessed, latest) {
            (Some(w), Some(l)) => Some(if w.size >= l.size { w } else { l }),
            (w, l) => w.or(l),
        };
        newest
            .map(|stored| {
                SignedCheckpoint::parse(&stored.note).map_err(|e| StoreError::Corrupted {
                    key: format!("witnessed/{}", stored.size),
                    reason: e.to_string(),
                })
            })
            .transpose()
    }

    /// C2SP `add-checkpoint`: cosigns `signed` (already checked to be signed by the log) if it is
    /// consistent with the latest checkpoint witnessed, whose size must be `old`; records it as
    /// witnessed in the same write. Returns the cosignature line.
    ///
    /// # Errors
    /// [`WitnessError`], as c2sp.org/tlog-witness maps to HTTP statuses.
    pub fn witness(
        &self,
        old: u64,
        proof: &[Hash],
        signed: &SignedCheckpoint,
        cosigner: Cosigner<'_>,
    ) -> Result<String, WitnessError> {
        let _serialised = self
            .state
            .lock()
            .map_err(|_| StoreError::Io("mirror lock poisoned".into()))?;
        let current = self.witnessed()?;
        let current_size = current.as_ref().map_or(0, |c| c.checkpoint().size);
        if old != current_size {
            return Err(WitnessError::Conflict(current_size));
        }
        let new = signed.checkpoint();
        if new.size < old {
            return Err(WitnessError::Invalid(format!(
                "checkpoint size {} is below old size {old}",
                new.size
            )));
        }
        if let Some(current) = &current {
            let current = current.checkpoint();
            if new.size == current.size {
                if new.root != current.root || !proof.is_empty() {
                    return Err(WitnessError::Invalid(
                        "another root for the witnessed size".into(),
                    ));
                }
            } else if old > 0 {
                verify_consistency(old, new.size, proof, &current.root, &new.root)
                    .map_err(|e| WitnessError::BadProof(e.to_string()))?;
            }
        } else if !proof.is_empty() {
            return Err(WitnessError::BadProof(
                "old size 0 takes an empty proof".into(),
            ));
        }
        let line = cosigner
            .line(signed)
            .map_err(|e| WitnessError::Invalid(e.to_string()))?;
        let note = log_signed_note(signed, &self.log_key)
            .map_err(|e| WitnessError::Invalid(e.to_string()))?;
        self.store.write(WriteBatch {
            cosignatures: vec![(
                new.size,
                cosigner.key.verifier_key().name().to_owned(),
                line.clone(),
            )],
            witnessed: Some(StoredCheckpoint {
                size: new.size,
                note,
            }),
            ..WriteBatch::default()
        })?;
        Ok(line)
    }

    /// Hands the replay the stored state of the certificate `record` is about, if it lacks it.
    fn seed(&self, replay: &mut LogReplay, record: &Record) -> Result<(), MirrorError> {
        if let Some(code) = record.body.certificate_code()
            && !replay.has_state(code)
            && let Some(state) = self.store.state(code)?
        {
            replay.seed_state(code.clone(), state);
        }
        Ok(())
    }

    /// Brings the map up to the checkpoint, checks its root, and adds map, states and checkpoint.
    fn add_checkpoint(
        &self,
        next: &mut MirrorState,
        batch: &mut WriteBatch,
        target: &SignedCheckpoint,
    ) -> Result<(), MirrorError> {
        let checkpoint = target.checkpoint();
        let mut updates = Vec::with_capacity(next.dirty.len());
        let mut states = Vec::with_capacity(next.dirty.len());
        for code in &next.dirty {
            let state = match batch.states.iter().find(|(c, _)| c == code) {
                Some((_, state)) => state.clone(),
                None => self
                    .store
                    .state(code)?
                    .ok_or_else(|| StoreError::Corrupted {
                        key: format!("state/{code}"),
                        reason: "missing".into(),
                    })?,
            };
            updates.push((
                map::map_key(code.as_str().as_bytes()),
                Some(state.map_value_hash()),
            ));
            states.push((code.clone(), state));
        }
        updates.sort_by_key(|u| u.0);
        let update =
            map::apply(&MapReader(&*self.store), next.map_root, &updates).map_err(|e| {
                StoreError::Corrupted {
                    key: "map".into(),
                    reason: e.to_string(),
                }
            })?;
        if update.new_root != checkpoint.map_root {
            return Err(MirrorError::MapRoot {
                size: checkpoint.size,
            });
        }
        next.map_root = update.new_root;
        next.dirty.clear();
        let stored = StoredCheckpoint {
            size: checkpoint.size,
            note: log_signed_note(target, &self.log_key)?,
        };
        batch.map = Some(update);
        batch.checkpointed_states = states;
        batch.checkpoint = Some(stored);
        Ok(())
    }
}

/// The note text of `signed` with only the log's own signature lines: a mirror stores the log's
/// note, and the witnesses' cosignatures apart, in the store's cosignature family (they are merged
/// when the checkpoint is served).
///
/// # Errors
/// [`MirrorError::Checkpoint`] when the note cannot be rebuilt.
pub fn log_signed_note(
    signed: &SignedCheckpoint,
    log_key: &VerifierKey,
) -> Result<String, MirrorError> {
    signed
        .note_signed_by(log_key)
        .map_err(|e| MirrorError::Checkpoint(e.to_string()))
}

/// Adds one checked record's entries to the batch (records, indexes, registry changes) and its
/// certificate's new state to `touched`.
fn add_record(
    batch: &mut WriteBatch,
    touched: &mut BTreeMap<CertificateCode, CertificateState>,
    bytes: &[u8],
    record: &Record,
    replay: &LogReplay,
) {
    let index = record.header.index;
    batch.records.push((index, bytes.to_vec()));
    if let Some(code) = record.body.certificate_code() {
        batch.code_records.push((code.clone(), index));
        if let Some(state) = replay.states().get(code) {
            touched.insert(code.clone(), state.clone());
        }
    }
    match &record.body {
        Body::Evidence(evidence) => {
            batch
                .evidence
                .push((record.header.author, evidence.hash, index));
        }
        Body::SubmitterAdded(added) => batch.submitters.push((
            added.key,
            Some(Submitter {
                name: added.name.clone(),
                credit_code: added.credit_code.to_string(),
                added_at: index,
            }),
        )),
        Body::SubmitterRemoved(removed) => batch.submitters.push((removed.key, None)),
        Body::Calendar(calendar) => batch.calendars.push(calendar.clone()),
        Body::KeyRotation(rotation) => batch.agency_key = Some(rotation.new_key),
        _ => {}
    }
}

/// Checks that the replayed tree is a prefix of the signed tree of `target`.
fn check_in_signed_tree(
    replay: &LogReplay,
    target: &SignedCheckpoint,
    proof: &[Hash],
) -> Result<(), MirrorError> {
    let checkpoint = target.checkpoint();
    let size = replay.size();
    let not_in = |reason: String| MirrorError::NotInSignedTree {
        size,
        target: checkpoint.size,
        reason,
    };
    if size == checkpoint.size {
        return if replay.root() == checkpoint.root && proof.is_empty() {
            Ok(())
        } else {
            Err(not_in("root differs".into()))
        };
    }
    if size == 0 {
        return Ok(());
    }
    verify_consistency(
        size,
        checkpoint.size,
        proof,
        &replay.root(),
        &checkpoint.root,
    )
    .map_err(|e| not_in(e.to_string()))
}

/// Decodes and verifies every record's signature, spread over the machine's cores.
fn verify_signatures(start: u64, records: &[Vec<u8>]) -> Result<Vec<VerifiedRecord>, ReplayError> {
    let check = |(i, bytes): (usize, &Vec<u8>)| VerifiedRecord::check(bytes, start + i as u64);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if records.len() < 64 || threads < 2 {
        return records.iter().enumerate().map(check).collect();
    }
    let chunk = records.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = records
            .chunks(chunk)
            .enumerate()
            .map(|(n, part)| {
                scope.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, bytes)| check((n * chunk + i, bytes)))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(records.len());
        for (n, worker) in workers.into_iter().enumerate() {
            let part = worker
                .join()
                .unwrap_or_else(|_| Err(ReplayError::Signature(start + (n * chunk) as u64)))?;
            out.extend(part);
        }
        Ok(out)
    })
}

/// Rebuilds the mirror's verification state from its store.
fn load(origin: &str, store: &dyn Store) -> Result<MirrorState, MirrorError> {
    let tip = store.tip()?;
    let calendars = Calendars::new(store.calendars()?).map_err(|e| StoreError::Corrupted {
        key: "calendars".into(),
        reason: e.to_string(),
    })?;
    let submitters = store
        .submitters()?
        .into_iter()
        .map(|(key, s)| (key, s.name))
        .collect();
    let replay = LogReplay::resume(
        origin,
        ReplayResume {
            frontier: load_frontier(store, &tip)?,
            last_hash: tip.last_hash,
            last_time: tip.last_time,
            agency_key: store.agency_key()?,
            calendars,
            submitters,
        },
    );
    let from = store.latest_checkpoint()?.map_or(0, |c| c.size);
    Ok(MirrorState {
        replay,
        dirty: codes_in(store, from, tip.size)?,
        map_root: map_root(store)?,
    })
}

#[cfg(test)]
#[path = "mirror_tests.rs"]
mod tests;
