//! A verified mirror of another agency's log (docs/format.md#replication).
//!
//! Records arrive in ranges from any peer, never trusted: every record is checked exactly as
//! `audit` checks it ([`LogReplay`]: canonical encoding, index, hash chain, time order, author,
//! signature, lifecycle rules), and the range is accepted only if the tree it builds is a prefix of
//! the tree the log **signed**: its root equals the signed checkpoint's root when the range ends at
//! the checkpoint, or a consistency proof leads from it to that root otherwise. At the checkpoint,
//! the status map rebuilt from the records must have the checkpoint's status-map root. The
//! checkpoint must be signed by the key the replayed records put in force at its size
//! (docs/format.md#key-rotation), never by the membership's fixed key: a retired key is refused
//! at once, and a key named by a rotation in records still to come is checked by the range that
//! reaches the checkpoint. Then records, tree, states, indexes (and, at the checkpoint, map and
//! checkpoint) go into the mirror's store in one durable write; a crash between ranges resumes
//! from the mirror's tip.
//!
//! Every check is the ledger's one replay engine ([`LogReplay`], the same code the writer's
//! sequencer ran), with two limits only a replica can apply: no record may be dated after the
//! checkpoint that covers it, nor after this node's own clock plus [`MAX_CLOCK_SKEW_SECONDS`]
//! (nor may the checkpoint). Signatures are verified in batches on every core
//! ([`crate::parallel::verify_records`]) into a [`VerifiedRange`], apart from the rest; every
//! other check runs in order on one thread ([`Mirror::apply_verified`]). A catch-up therefore
//! verifies the next range while the mirror replays and writes the current one.
//!
//! A mirror cosigns only what it verified: the checkpoint a range ends at, after the status-map
//! root rebuilt from the records matched ([`Mirror::apply`]), or later the same checkpoint again
//! ([`Mirror::cosign_held`]); never a checkpoint smaller than the one it last cosigned (its
//! witnessed state, which only moves forward), and never when what it witnessed before is not a
//! prefix of the log it holds.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use ledger_format::MAX_CLOCK_SKEW_SECONDS;
use ledger_format::checkpoint::{NoteSigningKey, SignedCheckpoint, VerifierKey};
use ledger_format::code::CertificateCode;
use ledger_format::hash::Hash;
use ledger_format::merkle::verify_consistency;
use ledger_format::profile::ProfilePolicy;
use ledger_format::replay::{LogReplay, ReplayError, VerifiedRecord};

use crate::clock::{Clock, SystemClock};
use crate::logs::{CheckpointKey, checkpoint_key};
use crate::parallel::verify_records;
use crate::store::{
    Store, StoreError, StoredCheckpoint, TreeReader, WriteBatch, checkpoint_map, codes_in,
    load_replay, map_root, seed_state,
};

/// Why a range was refused. Nothing of a refused range is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MirrorError {
    /// The checkpoint is not signed by the log's key, or names another log.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// The checkpoint is signed by a key of the log that is not in force at its size: a retired
    /// key used after its rotation (docs/format.md#key-rotation).
    #[error("checkpoint {size} is signed by the retired log key {key}, not the key in force")]
    RetiredKey {
        /// The checkpoint's size.
        size: u64,
        /// The retired key.
        key: ledger_format::keys::PublicKey,
    },
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
    /// The checkpoint is dated ahead of this node's clock by more than the allowed skew.
    #[error(
        "checkpoint {size} is dated {timestamp}, ahead of this node's clock ({now}) by more than {MAX_CLOCK_SKEW_SECONDS} s"
    )]
    Future {
        /// The checkpoint's size.
        size: u64,
        /// Its timestamp.
        timestamp: i64,
        /// This node's time.
        now: i64,
    },
    /// The checkpoint cannot be cosigned: it is not the one the mirror verified at its size, or is
    /// smaller than the one it last cosigned, or what it cosigned before is not in its tree.
    #[error("not cosigned: {0}")]
    NotCosigned(String),
    /// The store failed or contradicts itself.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

impl MirrorError {
    /// A short, fixed word for metrics labels.
    pub fn reason(&self) -> &'static str {
        match self {
            MirrorError::Checkpoint(_) => "checkpoint",
            MirrorError::RetiredKey { .. } => "retired_key",
            MirrorError::Range { .. } => "range",
            MirrorError::Record(e) => match e {
                ReplayError::Decode { .. } => "decode",
                ReplayError::Signature(_) => "signature",
                ReplayError::Chain(_) => "chain",
                ReplayError::Future { .. } | ReplayError::Time { .. } => "time",
                ReplayError::Region { .. } => "region",
                ReplayError::Suite { .. } => "suite",
                ReplayError::Author { .. } => "author",
                ReplayError::Rule { .. } => "rule",
                ReplayError::Registry { .. } => "registry",
                _ => "record",
            },
            MirrorError::NotInSignedTree { .. } => "not_in_signed_tree",
            MirrorError::MapRoot { .. } => "map_root",
            MirrorError::Future { .. } => "future",
            MirrorError::NotCosigned(_) => "not_cosigned",
            MirrorError::Store(_) => "store",
        }
    }
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
            .add_cosignature(name, self.key.signer(), self.timestamp)
            .map_err(bad)?;
        cosigned
            .note()
            .find(name, self.key.verifier_key().key_id())
            .map(|line| line.to_line())
            .ok_or_else(|| MirrorError::Checkpoint("cosignature line missing".into()))
    }
}

/// Consecutive records of a log that decode canonically and whose signatures verify under their
/// authors (ZIP-215, in batches on every core: [`verify_records`]), kept with the exact bytes that
/// were checked. Only [`VerifiedRange::check`] makes one, so [`Mirror::apply_verified`] can never
/// store bytes whose signature was not verified; whether each author may sign its record, and
/// every other rule, is checked when the range is applied.
#[derive(Debug)]
pub struct VerifiedRange {
    start: u64,
    bytes: Vec<Vec<u8>>,
    records: Vec<VerifiedRecord>,
}

impl VerifiedRange {
    /// Decodes `bytes` (the first at position `start`) and verifies their signatures on every
    /// core.
    ///
    /// # Errors
    /// [`MirrorError::Record`] for the first record that does not decode or verify.
    pub fn check(start: u64, bytes: Vec<Vec<u8>>) -> Result<Self, MirrorError> {
        let records = verify_records(start, &bytes)?;
        Ok(VerifiedRange {
            start,
            bytes,
            records,
        })
    }

    /// Position of the first record.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// One past the position of the last record.
    pub fn end(&self) -> u64 {
        self.start + self.bytes.len() as u64
    }

    /// Records in the range.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True when the range holds no record.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// The mirror of one agency's log.
#[derive(Debug)]
pub struct Mirror {
    origin: String,
    log_key: VerifierKey,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
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
        let state = load(&*store)?;
        Ok(Mirror {
            origin: origin.to_owned(),
            log_key,
            store,
            clock: Arc::new(SystemClock),
            state: Mutex::new(state),
        })
    }

    /// Refuses certificate codes outside `regions` (the log's entry in the membership), as the
    /// writer's sequencer does.
    #[must_use]
    pub fn with_regions(self, regions: &[u32]) -> Self {
        if let Ok(mut state) = self.state.lock() {
            state.replay = state.replay.clone().with_regions(regions);
        }
        self
    }

    /// Restricts the rule profiles the log may adopt to those its membership entry lists
    /// (docs/format.md#profiles), as the writer's sequencer does.
    #[must_use]
    pub fn with_profiles(self, profiles: &[String]) -> Self {
        if let Ok(mut state) = self.state.lock() {
            state.replay = state
                .replay
                .clone()
                .with_profile_policy(ProfilePolicy::new(profiles.to_vec()));
        }
        self
    }

    /// Reads the time from `clock` (the system clock by default): records and checkpoints dated
    /// ahead of it by more than [`MAX_CLOCK_SKEW_SECONDS`] are refused.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The latest time this node accepts on a record or checkpoint.
    fn time_limit(&self) -> i64 {
        self.clock.now().saturating_add(MAX_CLOCK_SKEW_SECONDS)
    }

    /// Refuses a checkpoint dated ahead of this node's clock.
    ///
    /// # Errors
    /// [`MirrorError::Future`].
    pub fn check_not_ahead(&self, signed: &SignedCheckpoint) -> Result<(), MirrorError> {
        let checkpoint = signed.checkpoint();
        if checkpoint.timestamp > self.time_limit() {
            return Err(MirrorError::Future {
                size: checkpoint.size,
                timestamp: checkpoint.timestamp,
                now: self.clock.now(),
            });
        }
        Ok(())
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The log's key as the membership names it (its genesis key); the key in force at a size
    /// comes from the replayed log: [`Mirror::key_at`].
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

    /// The key that signs the checkpoint of tree size `size`, as the replayed log says
    /// (for sizes beyond the records held: the key in force now).
    pub fn key_at(&self, size: u64) -> Option<VerifierKey> {
        let key = self.state.lock().ok()?.replay.key_at(size);
        crate::logs::verifier_key(&self.origin, key)
    }

    /// Parses `note` as a checkpoint of this log, verifies the log's signature with the key in
    /// force at its size (from the replayed log, not the membership), and refuses it when it is
    /// dated ahead of this node's clock.
    ///
    /// # Errors
    /// [`MirrorError::Checkpoint`] or [`MirrorError::Future`].
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
        let key = self
            .key_at(signed.checkpoint().size)
            .ok_or_else(|| MirrorError::Checkpoint("no key in force".into()))?;
        signed
            .verify_log_signature(&key)
            .map_err(|e| MirrorError::Checkpoint(e.to_string()))?;
        self.check_not_ahead(&signed)?;
        Ok(signed)
    }

    /// Checks `records` (starting at index `start`, the mirror's tip) against every rule and
    /// against `target`, then stores them durably. `proof` is the consistency proof from the tree
    /// ending with the range to `target`'s tree (empty when the range ends at `target.size`).
    /// The same as [`VerifiedRange::check`] then [`Mirror::apply_verified`], with the checks that
    /// need no record (log, key, position, time) made before the signatures.
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
        {
            let state = self
                .state
                .lock()
                .map_err(|_| StoreError::Io("mirror lock poisoned".into()))?;
            self.admit(&state, start, records.len(), target)?;
        }
        let range = VerifiedRange::check(start, records.to_vec())?;
        self.apply_verified(range, target, proof, cosigner)
    }

    /// Refuses a range before its records are looked at: a checkpoint of another log or signed
    /// by a retired key, a range that does not start at the mirror's tip or runs past the
    /// checkpoint, a checkpoint dated ahead of this node's clock.
    fn admit(
        &self,
        state: &MirrorState,
        start: u64,
        len: usize,
        target: &SignedCheckpoint,
    ) -> Result<(), MirrorError> {
        let checkpoint = target.checkpoint();
        if checkpoint.origin != self.origin {
            return Err(not_signed(&self.origin));
        }
        // A retired key is refused before any record is checked; the key in force is checked
        // once the records are replayed (`check_target_key`).
        let held = (state.replay.key_history(), state.replay.size());
        if let CheckpointKey::Retired(key) = checkpoint_key(&self.origin, held.0, held.1, target) {
            return Err(MirrorError::RetiredKey {
                size: checkpoint.size,
                key,
            });
        }
        let end = start + len as u64;
        if start != state.replay.size() || end > checkpoint.size {
            return Err(MirrorError::Range {
                start,
                size: state.replay.size(),
                target: checkpoint.size,
            });
        }
        self.check_not_ahead(target)
    }

    /// Checks the records of `range`, whose signatures are verified already, against every other
    /// rule (the replay, in order, on this thread) and against `target`, then stores them durably
    /// (one synced write). What [`Mirror::apply`] does after the signatures; a catch-up calls it
    /// directly, verifying the next range on every core while this one is replayed and written.
    ///
    /// # Errors
    /// [`MirrorError`] naming the first failed check; nothing is stored then.
    pub fn apply_verified(
        &self,
        range: VerifiedRange,
        target: &SignedCheckpoint,
        proof: &[Hash],
        cosigner: Option<Cosigner<'_>>,
    ) -> Result<Applied, MirrorError> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| StoreError::Io("mirror lock poisoned".into()))?;
        let (start, end) = (range.start, range.end());
        self.admit(&state, start, range.len(), target)?;
        let checkpoint = target.checkpoint();
        let mut next = state.clone();
        next.replay
            .set_time_limit(Some(self.time_limit().min(checkpoint.timestamp)));
        let mut batch = WriteBatch::default();
        for (bytes, record) in range.bytes.into_iter().zip(range.records) {
            seed_state(&*self.store, &mut next.replay, record.record())?;
            let replayed = next.replay.apply_verified(record)?;
            if let Some(state) = &replayed.state {
                next.dirty.insert(state.code.clone());
            }
            batch.add_replayed(bytes, replayed);
        }
        next.replay.set_time_limit(None);
        check_target_key(&self.origin, &next.replay, target)?;
        check_in_signed_tree(&next.replay, target, proof)?;
        let checkpointed = end == checkpoint.size;
        let mut cosignature = None;
        if checkpointed {
            self.add_checkpoint(&mut next, &mut batch, target)?;
            if let Some(cosigner) = cosigner {
                match self.add_cosignature(&mut batch, target, cosigner, (&next.replay, start)) {
                    Ok(line) => cosignature = Some(line),
                    Err(e) => {
                        tracing::warn!(origin = %self.origin, size = checkpoint.size, error = %e, "verified a checkpoint but did not cosign it");
                    }
                }
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

    /// Adds this node's cosignature of `target` (which the mirror verified), and `target` as the
    /// witnessed checkpoint, to `batch`: cosigning and persisting the witnessed state happen in one
    /// write. `held` is the size of the tree in the store before the batch.
    fn add_cosignature(
        &self,
        batch: &mut WriteBatch,
        target: &SignedCheckpoint,
        cosigner: Cosigner<'_>,
        (replay, held): (&LogReplay, u64),
    ) -> Result<String, MirrorError> {
        self.check_witnessed_prefix(target.checkpoint().size, held)?;
        let size = target.checkpoint().size;
        let line = cosigner.line(target)?;
        let name = cosigner.key.verifier_key().name().to_owned();
        batch.cosignatures.push((size, name, line.clone()));
        batch.witnessed = Some(StoredCheckpoint {
            size,
            note: log_signed_note(target, &self.key_in_force(replay, size)?)?,
        });
        Ok(line)
    }

    /// Checks that the witnessed state may move to `size`: it is not smaller than what was
    /// cosigned before, and what was cosigned before is a prefix of the tree held (`held` records
    /// in the store).
    fn check_witnessed_prefix(&self, size: u64, held: u64) -> Result<(), MirrorError> {
        let Some(witnessed) = self.witnessed()? else {
            return Ok(());
        };
        let w = witnessed.checkpoint();
        if w.size > size {
            return Err(MirrorError::NotCosigned(format!(
                "size {size} is below the witnessed size {}",
                w.size
            )));
        }
        if w.size > held {
            return Err(MirrorError::NotCosigned(format!(
                "the witnessed size {} is not in the store yet",
                w.size
            )));
        }
        let root =
            ledger_format::merkle::root_at(w.size, &TreeReader(&*self.store)).map_err(|e| {
                StoreError::Corrupted {
                    key: "tree".into(),
                    reason: e.to_string(),
                }
            })?;
        if root != w.root {
            return Err(MirrorError::NotCosigned(format!(
                "the checkpoint of size {} cosigned before is not in the log held",
                w.size
            )));
        }
        Ok(())
    }

    /// The latest checkpoint this node cosigned of the log (c2sp.org/tlog-witness state): only
    /// checkpoints the mirror verified, moving only forward.
    ///
    /// # Errors
    /// A store error, or a stored note that does not parse.
    pub fn witnessed(&self) -> Result<Option<SignedCheckpoint>, StoreError> {
        self.store
            .witnessed()?
            .map(|stored| parse_stored(&stored, "witnessed"))
            .transpose()
    }

    /// The log-signed checkpoint the mirror verified at `size`, if it holds one.
    ///
    /// # Errors
    /// A store error, or a stored note that does not parse.
    pub fn held(&self, size: u64) -> Result<Option<SignedCheckpoint>, StoreError> {
        self.store
            .checkpoint_at(size)?
            .map(|stored| parse_stored(&stored, "checkpoints"))
            .transpose()
    }

    /// Cosigns again a checkpoint the mirror verified before (same size, tree root and
    /// status-map root as the one it holds at that size), if it is not smaller than the witnessed
    /// one; records it as witnessed in the same write. Returns the cosignature line.
    ///
    /// # Errors
    /// [`MirrorError::NotCosigned`] when the mirror does not hold that checkpoint or it is behind
    /// the witnessed state; store errors.
    pub fn cosign_held(
        &self,
        signed: &SignedCheckpoint,
        cosigner: Cosigner<'_>,
    ) -> Result<String, MirrorError> {
        let state = self
            .state
            .lock()
            .map_err(|_| StoreError::Io("mirror lock poisoned".into()))?;
        let checkpoint = signed.checkpoint();
        let same = self.held(checkpoint.size)?.is_some_and(|held| {
            let h = held.checkpoint();
            h.origin == checkpoint.origin
                && h.root == checkpoint.root
                && h.map_root == checkpoint.map_root
        });
        if !same {
            return Err(MirrorError::NotCosigned(format!(
                "the mirror has not verified this checkpoint of size {}",
                checkpoint.size
            )));
        }
        self.check_not_ahead(signed)?;
        let mut batch = WriteBatch::default();
        let line = self.add_cosignature(
            &mut batch,
            signed,
            cosigner,
            (&state.replay, state.replay.size()),
        )?;
        self.store.write(batch)?;
        drop(state);
        Ok(line)
    }

    /// The verifier key of the key `replay` says signs tree size `size`.
    fn key_in_force(&self, replay: &LogReplay, size: u64) -> Result<VerifierKey, MirrorError> {
        crate::logs::verifier_key(&self.origin, replay.key_at(size))
            .ok_or_else(|| not_signed(&self.origin))
    }

    /// Brings the map up to the checkpoint, checks its root, and adds map, states and checkpoint.
    fn add_checkpoint(
        &self,
        next: &mut MirrorState,
        batch: &mut WriteBatch,
        target: &SignedCheckpoint,
    ) -> Result<(), MirrorError> {
        let checkpoint = target.checkpoint();
        let (update, states) =
            checkpoint_map(&*self.store, next.map_root, &next.dirty, &next.replay)?;
        if update.new_root != checkpoint.map_root {
            return Err(MirrorError::MapRoot {
                size: checkpoint.size,
            });
        }
        next.map_root = update.new_root;
        next.dirty.clear();
        let stored = StoredCheckpoint {
            size: checkpoint.size,
            note: log_signed_note(target, &self.key_in_force(&next.replay, checkpoint.size)?)?,
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

fn not_signed(origin: &str) -> MirrorError {
    MirrorError::Checkpoint(format!("not a checkpoint of {origin} signed by its key"))
}

/// Checks who signed `target`, once the range is replayed (docs/format.md#key-rotation). When
/// the range ends at the target, it must be the key the replayed log has in force at that size.
/// When the range stops short of it, the key in force at the range's end is accepted, and so is a
/// key the log has not named yet (a rotation in records still to come): every record of the range
/// was checked under the key in force at its own index, and the target's signature is checked for
/// good by the range that reaches it. A key of the log that is not in force is refused either way.
fn check_target_key(
    origin: &str,
    replay: &LogReplay,
    target: &SignedCheckpoint,
) -> Result<(), MirrorError> {
    let size = target.checkpoint().size;
    match checkpoint_key(origin, replay.key_history(), replay.size(), target) {
        CheckpointKey::InForce => Ok(()),
        CheckpointKey::Retired(key) => Err(MirrorError::RetiredKey { size, key }),
        CheckpointKey::Unknown if replay.size() < size => Ok(()),
        CheckpointKey::Unknown => Err(not_signed(origin)),
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
        replay.suite(),
        size,
        checkpoint.size,
        proof,
        &replay.root(),
        &checkpoint.root,
    )
    .map_err(|e| not_in(e.to_string()))
}

fn parse_stored(stored: &StoredCheckpoint, family: &str) -> Result<SignedCheckpoint, StoreError> {
    SignedCheckpoint::parse(&stored.note).map_err(|e| StoreError::Corrupted {
        key: format!("{family}/{}", stored.size),
        reason: e.to_string(),
    })
}

/// Rebuilds the mirror's verification state from its store.
fn load(store: &dyn Store) -> Result<MirrorState, MirrorError> {
    let replay = load_replay(store)?;
    let from = store.latest_checkpoint()?.map_or(0, |c| c.size);
    Ok(MirrorState {
        dirty: codes_in(store, from, replay.size())?,
        replay,
        map_root: map_root(store)?,
    })
}

#[cfg(test)]
#[path = "mirror_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "mirror_rotation_tests.rs"]
mod rotation_tests;
