//! Storage of one agency's log: the [`Store`] trait, and its RocksDB and in-memory implementations.
//!
//! The sequencer is the only writer. Everything one group commit changes (records, tree nodes,
//! states, indexes, and at a checkpoint the status map and the signed checkpoint) goes into one
//! [`WriteBatch`], applied atomically and durably by [`Store::write`]. Readers (the HTTP API, audit,
//! bundle export) read through the same trait; values that do not decode are reported as
//! [`StoreError::Corrupted`] naming the key, never a panic. The byte layout of every key is in
//! docs/format.md#node-store.

pub mod memory;
pub mod rocks;

use ledger_format::calendar::WorkCalendar;
use ledger_format::code::CertificateCode;
use ledger_format::hash::Hash;
use ledger_format::keys::PublicKey;
use ledger_format::lifecycle::CertificateState;
use ledger_format::map::{self, MapStore, MapUpdate, NodeKey};
use ledger_format::merkle::{Frontier, HashReader, MerkleError, NodeId};
use ledger_format::profile::ProfileAdopted;
use ledger_format::record::Body;
use ledger_format::replay::{KeyEpoch, LogReplay, RegistryChange, ReplayResume, Replayed};

pub use memory::MemoryStore;
pub use rocks::RocksStore;

/// Version of the store's layout; written at creation and checked at every open.
pub const SCHEMA_VERSION: u32 = 4;

/// Why the store failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The storage engine failed (I/O, disk full, lock held by another process).
    #[error("storage: {0}")]
    Io(String),
    /// A stored value does not decode, or contradicts another.
    #[error("corrupted {key}: {reason}")]
    Corrupted {
        /// The key, in a readable form (`record/42`, `tree/3/17`, ...).
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// The store was written by another layout version.
    #[error("store schema version {found}; this build reads version {expected}")]
    Schema {
        /// Version found on disk.
        found: u32,
        /// Version this build reads.
        expected: u32,
    },
    /// The store holds another log.
    #[error("store holds log {found}, not {expected}")]
    WrongLog {
        /// Origin found on disk.
        found: String,
        /// Origin configured.
        expected: String,
    },
}

/// The tip of the log: what the next record chains to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tip {
    /// Number of records.
    pub size: u64,
    /// Hash of the last record ([`Hash::ZERO`] when empty).
    pub last_hash: Hash,
    /// Time of the last record (0 when empty).
    pub last_time: i64,
}

/// A registered evidence service (the replay engine's registry entry, stored as it is).
pub use ledger_format::replay::Submitter;

/// A signed checkpoint as stored: its size and the signed note text (with any cosignatures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// Tree size it commits to.
    pub size: u64,
    /// The C2SP signed note text.
    pub note: String,
}

/// Everything one durable write changes. Empty fields change nothing.
#[derive(Debug, Default)]
pub struct WriteBatch {
    /// New records: index and canonical bytes.
    pub records: Vec<(u64, Vec<u8>)>,
    /// New complete-subtree hashes of the RFC 6962 tree.
    pub tree_nodes: Vec<(NodeId, Hash)>,
    /// New current states (what the lifecycle rules read).
    pub states: Vec<(CertificateCode, CertificateState)>,
    /// Index entries: this record is about this code.
    pub code_records: Vec<(CertificateCode, u64)>,
    /// Index entries: this record is an announcement of the public board ([`is_announcement`]).
    pub announcements: Vec<u64>,
    /// Index entries: this submitter anchored this hash at this index.
    pub evidence: Vec<(PublicKey, Hash, u64)>,
    /// Submitters added (`Some`) or removed (`None`).
    pub submitters: Vec<(PublicKey, Option<Submitter>)>,
    /// Calendars published (replacing the year's earlier one).
    pub calendars: Vec<WorkCalendar>,
    /// Rule profiles adopted, with the index of the adopting record.
    pub profiles: Vec<(u64, ProfileAdopted)>,
    /// Key rotations, in order: each new log key with the tree size from which it signs (the
    /// last one is the agency's key in force from then on).
    pub key_rotations: Vec<KeyEpoch>,
    /// The new tip, when records were appended.
    pub tip: Option<Tip>,
    /// At a checkpoint: the status map's node changes, applied in the same write.
    pub map: Option<MapUpdate>,
    /// At a checkpoint: the states the new map commits to (what bundles carry).
    pub checkpointed_states: Vec<(CertificateCode, CertificateState)>,
    /// At a checkpoint: the new latest signed checkpoint, also kept in the history by size.
    pub checkpoint: Option<StoredCheckpoint>,
    /// Witnesses' cosignature lines of this log's checkpoints: tree size, witness key name, and the
    /// signature line; a later line of the same witness for the same size replaces the earlier.
    pub cosignatures: Vec<(u64, String, String)>,
    /// The latest checkpoint this node witnessed for the log (C2SP tlog-witness state).
    pub witnessed: Option<StoredCheckpoint>,
    /// Proof that this log equivocated (canonical bytes, docs/format.md#equivocation).
    pub equivocation: Option<Vec<u8>>,
}

impl WriteBatch {
    /// Adds a record the replay engine accepted, with everything it changed: the record, its tree
    /// nodes, the new tip, the certificate's new state and index entry, the evidence index, and
    /// registry changes. The one translation of the engine's effects into the store, used by the
    /// sequencer, mirrors and benchmarks alike.
    pub fn add_replayed(&mut self, bytes: Vec<u8>, replayed: Replayed) {
        let Replayed {
            record,
            hash,
            tree_nodes,
            state,
            registry,
            late: _,
        } = replayed;
        let index = record.header.index;
        if let Body::Evidence(evidence) = &record.body {
            self.evidence
                .push((record.header.author, evidence.hash, index));
        }
        match registry {
            Some(RegistryChange::SubmitterAdded(key, submitter)) => {
                self.submitters.push((key, Some(submitter)));
            }
            Some(RegistryChange::SubmitterRemoved(key)) => self.submitters.push((key, None)),
            Some(RegistryChange::Calendar(calendar)) => self.calendars.push(calendar),
            Some(RegistryChange::AgencyKey(epoch)) => self.key_rotations.push(epoch),
            Some(RegistryChange::Profile(adopted)) => self.profiles.push((index, adopted)),
            Some(_) | None => {}
        }
        if is_announcement(&record.body) {
            self.announcements.push(index);
        }
        if let Some(state) = state {
            self.code_records.push((state.code.clone(), index));
            self.states.push((state.code.clone(), state));
        }
        self.tree_nodes.extend(tree_nodes);
        self.tip = Some(Tip {
            size: index + 1,
            last_hash: hash,
            last_time: record.header.time,
        });
        self.records.push((index, bytes));
    }

    /// True when the batch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
            && self.tree_nodes.is_empty()
            && self.states.is_empty()
            && self.code_records.is_empty()
            && self.announcements.is_empty()
            && self.evidence.is_empty()
            && self.submitters.is_empty()
            && self.calendars.is_empty()
            && self.profiles.is_empty()
            && self.key_rotations.is_empty()
            && self.tip.is_none()
            && self.map.is_none()
            && self.checkpointed_states.is_empty()
            && self.checkpoint.is_none()
            && self.cosignatures.is_empty()
            && self.witnessed.is_none()
            && self.equivocation.is_none()
    }
}

/// Static facts of the log, written once when the store is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogIdentity {
    /// The log's origin.
    pub origin: String,
    /// The agency's first log key.
    pub genesis_key: PublicKey,
}

/// One agency's log on durable storage.
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// Applies `batch` atomically, and returns once it is durable (the write-ahead log is synced).
    ///
    /// # Errors
    /// [`StoreError::Io`]; then nothing of the batch is visible.
    fn write(&self, batch: WriteBatch) -> Result<(), StoreError>;

    /// The log's identity.
    fn identity(&self) -> Result<LogIdentity, StoreError>;

    /// The log's suite: its genesis key's, fixed when the store was created.
    fn suite(&self) -> ledger_format::suite::Suite;

    /// The tip (size 0 for an empty log).
    fn tip(&self) -> Result<Tip, StoreError>;

    /// The agency's current log key (the genesis key until a rotation).
    fn agency_key(&self) -> Result<PublicKey, StoreError>;

    /// The log's keys, oldest first: the genesis key (from size 0), then each rotated key with
    /// the tree size from which it signs (docs/format.md#key-rotation).
    fn key_history(&self) -> Result<Vec<KeyEpoch>, StoreError>;

    /// The canonical bytes of record `index`.
    fn record(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError>;

    /// The canonical bytes of records `start..end` (clamped to the tip), in order.
    fn records(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError>;

    /// Stored complete-subtree hashes, in the order asked; `None` for a node not stored.
    fn tree_nodes(&self, ids: &[NodeId]) -> Result<Vec<Option<Hash>>, StoreError>;

    /// A status-map node at `key` (of the latest checkpoint's map).
    fn map_node(&self, key: &NodeKey) -> Result<Option<map::Node>, StoreError>;

    /// The current state of `code`.
    fn state(&self, code: &CertificateCode) -> Result<Option<CertificateState>, StoreError>;

    /// Up to `limit` current states in code order, after the code `after` (from the first with
    /// `None`): a page of a scan over every certificate (the lapse task's).
    fn states_after(
        &self,
        after: Option<&CertificateCode>,
        limit: usize,
    ) -> Result<Vec<CertificateState>, StoreError>;

    /// Up to `limit` current states of registrations in public notice (a notice not decided yet,
    /// [`in_notice`]), in code order after the code `after` (from the first with `None`): one
    /// index read and one state read per entry, whatever the log's size.
    fn notices_after(
        &self,
        after: Option<&CertificateCode>,
        limit: usize,
    ) -> Result<Vec<CertificateState>, StoreError>;

    /// Indexes of the announcements ([`is_announcement`]) below `before`, decreasing, at most
    /// `limit`: the public board's newest first, one index read per entry.
    fn announcements_before(&self, before: u64, limit: usize) -> Result<Vec<u64>, StoreError>;

    /// The state of `code` that the latest checkpoint's map commits to.
    fn checkpointed_state(
        &self,
        code: &CertificateCode,
    ) -> Result<Option<CertificateState>, StoreError>;

    /// Indexes of the records about `code`, increasing.
    fn code_records(&self, code: &CertificateCode) -> Result<Vec<u64>, StoreError>;

    /// Where `submitter` anchored `hash`, if it did.
    fn evidence_index(&self, submitter: &PublicKey, hash: &Hash)
    -> Result<Option<u64>, StoreError>;

    /// Indexes of everything `submitter` anchored from `start` on, increasing, at most `limit`.
    fn submissions(
        &self,
        submitter: &PublicKey,
        start: u64,
        limit: usize,
    ) -> Result<Vec<u64>, StoreError>;

    /// The registered evidence services.
    fn submitters(&self) -> Result<Vec<(PublicKey, Submitter)>, StoreError>;

    /// Every published calendar.
    fn calendars(&self) -> Result<Vec<WorkCalendar>, StoreError>;

    /// Every rule profile adopted, in log order.
    fn profiles(&self) -> Result<Vec<ProfileAdopted>, StoreError>;

    /// The latest signed checkpoint.
    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError>;

    /// The signed checkpoint of tree size `size`, if one was signed.
    fn checkpoint_at(&self, size: u64) -> Result<Option<StoredCheckpoint>, StoreError>;

    /// Signed checkpoints of size `from_size` and above, by increasing size, at most `limit`.
    fn checkpoints(
        &self,
        from_size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError>;

    /// Signed checkpoints of sizes below `size`, by decreasing size, at most `limit`.
    fn checkpoints_before(
        &self,
        size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError>;

    /// The witnesses' cosignature lines stored for the checkpoint of tree size `size`.
    fn cosignatures(&self, size: u64) -> Result<Vec<String>, StoreError>;

    /// The latest checkpoint this node witnessed for the log, if any.
    fn witnessed(&self) -> Result<Option<StoredCheckpoint>, StoreError>;

    /// The proof that this log equivocated, if one was kept.
    fn equivocation(&self) -> Result<Option<Vec<u8>>, StoreError>;

    /// Copies a consistent image of the store into the empty or absent directory `dir` (a RocksDB
    /// checkpoint: hard links where possible).
    fn backup(&self, dir: &std::path::Path) -> Result<(), StoreError>;
}

/// Whether a record is an announcement of the public board (docs/operations.md#board): an
/// issuance (R23), a cancellation, on application or for lapse (R21, R23), or a revocation (R27).
/// The store indexes them as they are written, so that the board reads the newest without a scan.
pub fn is_announcement(body: &Body) -> bool {
    matches!(
        body,
        Body::Issued(_) | Body::Cancelled(_) | Body::Revoked(_)
    )
}

/// Whether a registration is in public notice (R22): a notice published and not yet decided
/// (suspended by an open objection included). The store keeps an index of these codes.
pub fn in_notice(state: &CertificateState) -> bool {
    state.notice.is_some()
}

/// The first entry of every log's key history: its genesis key, signing from size 0.
pub fn genesis_epoch(key: PublicKey) -> KeyEpoch {
    KeyEpoch {
        key,
        from_size: 0,
        since: None,
    }
}

fn corrupted(key: impl Into<String>, reason: impl ToString) -> StoreError {
    StoreError::Corrupted {
        key: key.into(),
        reason: reason.to_string(),
    }
}

/// The tree frontier at the store's tip, checked against the tip's last record hash: where a
/// writer (the sequencer, or a mirror) resumes appending.
///
/// # Errors
/// [`StoreError::Corrupted`] when the tree is incomplete or contradicts the tip.
pub fn load_frontier<S: Store + ?Sized>(store: &S, tip: &Tip) -> Result<Frontier, StoreError> {
    let frontier =
        Frontier::load(tip.size, &TreeReader(store)).map_err(|e| corrupted("tree", e))?;
    if tip.size > 0 {
        let last = TreeReader(store)
            .read_hashes(&[NodeId::leaf(tip.size - 1)])
            .map_err(|e| corrupted("tree", e))?;
        if last.first() != Some(&tip.last_hash) {
            return Err(corrupted(
                "meta/tip",
                "last hash differs from the tree's last leaf",
            ));
        }
    }
    Ok(frontier)
}

/// The replay engine resumed after the records `store` holds: tip, tree, agency key, calendars
/// and evidence services as stored (certificate states are read when a record needs them:
/// [`seed_state`]). Where the sequencer and every mirror start.
///
/// # Errors
/// [`StoreError`] when the store cannot be read or contradicts itself.
pub fn load_replay<S: Store + ?Sized>(store: &S) -> Result<LogReplay, StoreError> {
    let identity = store.identity()?;
    let tip = store.tip()?;
    let (calendars, profiles) = load_rules(store)?;
    Ok(LogReplay::resume(
        &identity.origin,
        ReplayResume {
            frontier: load_frontier(store, &tip)?,
            last_hash: tip.last_hash,
            last_time: tip.last_time,
            agency_key: store.agency_key()?,
            key_history: store.key_history()?,
            calendars,
            profiles,
            submitters: store.submitters()?.into_iter().collect(),
        },
    ))
}

/// The working-day calendars and rule profiles the log published: what its lifecycle rules read
/// besides a certificate's state (the replay's, and the lapse task's).
///
/// # Errors
/// [`StoreError`] when they cannot be read or contradict each other.
pub fn load_rules<S: Store + ?Sized>(
    store: &S,
) -> Result<
    (
        ledger_format::calendar::Calendars,
        ledger_format::profile::Profiles,
    ),
    StoreError,
> {
    let calendars = ledger_format::calendar::Calendars::new(store.calendars()?)
        .map_err(|e| corrupted("calendars", e))?;
    Ok((
        calendars,
        ledger_format::profile::Profiles::new(store.profiles()?),
    ))
}

/// Hands `replay` the stored state of the certificate `record` is about, unless the replay holds
/// a newer one: what a resumed replay needs before it applies the record.
///
/// # Errors
/// [`StoreError`] when the state cannot be read.
pub fn seed_state<S: Store + ?Sized>(
    store: &S,
    replay: &mut LogReplay,
    record: &ledger_format::record::Record,
) -> Result<(), StoreError> {
    if let Some(code) = record.body.certificate_code()
        && !replay.has_state(code)
        && let Some(state) = store.state(code)?
    {
        replay.seed_state(code.clone(), state);
    }
    Ok(())
}

/// The status-map update at a checkpoint: every code in `dirty` set to its current state, taken
/// from `replay` when it holds one (states not written yet) and from the store otherwise. Returns
/// the update and the states it commits to (what bundles will carry).
///
/// # Errors
/// [`StoreError::Corrupted`] when a dirty code has no state or the stored map is inconsistent.
pub fn checkpoint_map<S: Store + ?Sized>(
    store: &S,
    root: Hash,
    dirty: &std::collections::BTreeSet<CertificateCode>,
    replay: &LogReplay,
) -> Result<(MapUpdate, Vec<(CertificateCode, CertificateState)>), StoreError> {
    let mut states = Vec::with_capacity(dirty.len());
    for code in dirty {
        let state = match replay.states().get(code) {
            Some(state) => state.clone(),
            None => store
                .state(code)?
                .ok_or_else(|| corrupted(format!("state/{code}"), "missing"))?,
        };
        states.push((code.clone(), state));
    }
    let update = map::update_states(&MapReader(store), root, states.iter().map(|(_, s)| s))
        .map_err(|e| corrupted("map", e))?;
    Ok((update, states))
}

/// The root of the stored status map ([`map::EMPTY_HASH`] when it is empty).
///
/// # Errors
/// [`StoreError`] when the root node cannot be read.
pub fn map_root<S: Store + ?Sized>(store: &S) -> Result<Hash, StoreError> {
    let root = MapReader(store)
        .get(&NodeKey::root())
        .map_err(|e| corrupted("map/root", e))?;
    Ok(root.map_or(map::EMPTY_HASH, |node| node.hash(store.suite())))
}

/// The certificate codes that records `from..to` are about: after a restart, the status map's
/// pending work since the latest checkpoint.
///
/// # Errors
/// [`StoreError::Corrupted`] when a record is missing or does not decode.
pub fn codes_in<S: Store + ?Sized>(
    store: &S,
    from: u64,
    to: u64,
) -> Result<std::collections::BTreeSet<CertificateCode>, StoreError> {
    use ledger_format::Canonical;
    let mut codes = std::collections::BTreeSet::new();
    let mut index = from;
    while index < to {
        let chunk = store.records(index, to)?;
        if chunk.is_empty() {
            return Err(corrupted("records", format!("missing from {index}")));
        }
        for bytes in &chunk {
            let record = ledger_format::record::Record::decode_exact(bytes)
                .map_err(|e| corrupted(format!("record/{index}"), e))?;
            if let Some(code) = record.body.certificate_code() {
                codes.insert(code.clone());
            }
            index += 1;
        }
    }
    Ok(codes)
}

/// Reads the RFC 6962 tree of a store (adapts [`Store::tree_nodes`] to [`HashReader`]).
#[derive(Debug)]
pub struct TreeReader<'a, S: ?Sized>(pub &'a S);

impl<S: Store + ?Sized> HashReader for TreeReader<'_, S> {
    fn suite(&self) -> ledger_format::suite::Suite {
        self.0.suite()
    }

    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, MerkleError> {
        let found = self
            .0
            .tree_nodes(ids)
            .map_err(|e| MerkleError::Storage(e.to_string()))?;
        ids.iter()
            .zip(found)
            .map(|(id, hash)| hash.ok_or(MerkleError::MissingNode(*id)))
            .collect()
    }
}

/// Reads the status map of a store (adapts [`Store::map_node`] to [`map::MapStore`]).
#[derive(Debug)]
pub struct MapReader<'a, S: ?Sized>(pub &'a S);

impl<S: Store + ?Sized> map::MapStore for MapReader<'_, S> {
    fn suite(&self) -> ledger_format::suite::Suite {
        self.0.suite()
    }

    fn get(&self, key: &NodeKey) -> Result<Option<map::Node>, map::MapError> {
        self.0
            .map_node(key)
            .map_err(|e| map::MapError::Store(e.to_string()))
    }
}
