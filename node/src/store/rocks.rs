//! The RocksDB store: one column family per kind of entry, big-endian keys, every group commit one
//! synced RocksDB write batch. The byte layout of every key and value is in docs/format.md#node-store.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError, RwLock};

use ledger_format::calendar::WorkCalendar;
use ledger_format::code::CertificateCode;
use ledger_format::encoding::Canonical;
use ledger_format::hash::{HASH_LEN, Hash};
use ledger_format::keys::PublicKey;
use ledger_format::lifecycle::CertificateState;
use ledger_format::map::{self, NodeKey};
use ledger_format::merkle::NodeId;
use ledger_format::profile::ProfileAdopted;
use ledger_format::record::{Body, Record};
use ledger_format::replay::KeyEpoch;
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DB, DBCompressionType,
    DataBlockIndexType, Direction, IteratorMode, Options, ReadOptions, WriteOptions,
};

use super::{
    LogIdentity, SCHEMA_VERSION, Store, StoreError, StoredCheckpoint, Submitter, Tip, WriteBatch,
};
use records::RecordForm;

#[path = "rocks_board.rs"]
mod board;
#[path = "rocks_records.rs"]
mod records;
#[path = "rocks_tree.rs"]
mod tree;

/// Most records one [`Store::records`] call returns (about 2 MB of evidence records): a reader
/// that asks for more gets the first 10,000 and asks again from where they end.
pub const MAX_RECORDS_PER_READ: usize = 10_000;

/// Column family names. `default` is unused (RocksDB requires it to exist).
pub(super) mod cf {
    /// Identity, tip, agency key, latest checkpoint (docs/format.md#node-store).
    pub const META: &str = "meta";
    /// `u64 BE index` → stored form of the record (`rocks_records.rs`).
    pub const RECORDS: &str = "records";
    /// `NodeId::to_key()` (9 bytes) → 32-byte hash, for levels 0 and 8 and up (`rocks_tree.rs`).
    pub const TREE: &str = "tree";
    /// `NodeKey::to_bytes()` (34 bytes) → 65-byte map node.
    pub const MAP: &str = "map";
    /// Code text (20 bytes) → canonical `CertificateState`.
    pub const STATES: &str = "states";
    /// Code text (20 bytes) → canonical `CertificateState` at the latest checkpoint.
    pub const CHECKPOINTED_STATES: &str = "checkpointed_states";
    /// Code text (20 bytes) ‖ `u64 BE index` → empty.
    pub const CODE_RECORDS: &str = "code_records";
    /// First 16 bytes of SHA-256(submitter key ‖ evidence hash) → `u64 BE index` (when the record
    /// there confirms the pair), or index ‖ submitter key ‖ evidence hash.
    pub const EVIDENCE: &str = "evidence";
    /// Submitter key (32) ‖ `u64 BE index` → empty.
    pub const SUBMISSIONS: &str = "submissions";
    /// Submitter key (32) → JSON `Submitter`.
    pub const SUBMITTERS: &str = "submitters";
    /// `u16 BE year` → canonical `WorkCalendar`.
    pub const CALENDARS: &str = "calendars";
    /// `u64 BE index` of the adopting record → canonical `ProfileAdopted`.
    pub const PROFILES: &str = "profiles";
    /// `u64 BE size` → signed note text.
    pub const CHECKPOINTS: &str = "checkpoints";
    /// `u64 BE size` ‖ witness key name → cosignature line.
    pub const COSIGNATURES: &str = "cosignatures";
    /// Code text (20 bytes) → empty, while the code's registration is in public notice.
    pub const NOTICES: &str = "notices";
    /// `u64 BE index` of an announcement of the public board → empty.
    pub const ANNOUNCEMENTS: &str = "announcements";

    /// The column families schema version 4 added to those of version 3 (the public board).
    pub const BOARD: [&str; 2] = [NOTICES, ANNOUNCEMENTS];

    /// Every column family of schema version 4.
    pub const ALL: [&str; 16] = [
        META,
        RECORDS,
        TREE,
        MAP,
        STATES,
        CHECKPOINTED_STATES,
        CODE_RECORDS,
        EVIDENCE,
        SUBMISSIONS,
        SUBMITTERS,
        CALENDARS,
        PROFILES,
        CHECKPOINTS,
        COSIGNATURES,
        NOTICES,
        ANNOUNCEMENTS,
    ];
}

/// Keys of the `meta` column family (ASCII names).
pub(super) mod meta {
    /// `u32 BE`: [`super::SCHEMA_VERSION`] of the layout.
    pub const SCHEMA_VERSION: &[u8] = b"schema_version";
    /// UTF-8 origin.
    pub const ORIGIN: &[u8] = b"origin";
    /// 32-byte Ed25519 key.
    pub const GENESIS_KEY: &[u8] = b"genesis_key";
    /// 32-byte Ed25519 key.
    pub const AGENCY_KEY: &[u8] = b"agency_key";
    /// The key rotations, each 48 bytes: from size `u64 BE`, time `i64 BE`, 32-byte key
    /// (absent: never rotated).
    pub const KEY_ROTATIONS: &[u8] = b"key_rotations";
    /// 48 bytes: size `u64 BE`, last hash, last time `i64 BE`.
    pub const TIP: &[u8] = b"tip";
    /// `u64 BE` size of the latest checkpoint (its note is in `checkpoints`).
    pub const LATEST_CHECKPOINT: &[u8] = b"latest_checkpoint";
    /// `u64 BE` size ‖ note text of the latest witnessed checkpoint.
    pub const WITNESSED: &[u8] = b"witnessed";
    /// Canonical bytes of an equivocation proof.
    pub const EQUIVOCATION: &[u8] = b"equivocation";
}

/// Tuning of a [`RocksStore`]. [`Default`] gives the documented defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct RocksOptions {
    /// Bytes of the LRU block cache shared by every column family. Default 256 MiB: holds the
    /// upper tree levels, the status map and the hot part of the evidence index.
    pub block_cache_bytes: usize,
    /// RocksDB background flush and compaction threads. Default 2 (the target machine has 2
    /// cores, and the sequencer and the API need CPU too).
    pub max_background_jobs: i32,
    /// Bloom filter bits per key of the `evidence` column family. Default 10 (about 1% false
    /// positives, 1.25 bytes of filter per evidence record, kept in memory).
    pub evidence_bloom_bits_per_key: f64,
    /// Most tree hashes held in memory (32 bytes each): the stored levels from 8 up, as many of
    /// the lowest as fit dropped first. Default 2^20 (32 MiB), every level from 8 up of a tree of
    /// up to 1.3 × 10^8 leaves, so that a proof reads RocksDB only for the leaves under one
    /// level-8 node.
    pub tree_memory_hashes: usize,
}

impl Default for RocksOptions {
    fn default() -> Self {
        RocksOptions {
            block_cache_bytes: 256 << 20,
            max_background_jobs: 2,
            evidence_bloom_bits_per_key: 10.0,
            tree_memory_hashes: 1 << 20,
        }
    }
}

/// One agency's log in a RocksDB directory.
pub struct RocksStore {
    db: DB,
    path: PathBuf,
    identity: LogIdentity,
    form: RecordForm,
    /// The upper tree levels in memory, extended after each committed write.
    upper: RwLock<tree::UpperLevels>,
    /// Held from a write's commit to its nodes' arrival in `upper`, so that concurrent writes
    /// reach memory in the order they reached the store.
    writing: Mutex<()>,
    // Kept alive with the DB: every column family's table options point to it.
    _cache: Cache,
}

impl std::fmt::Debug for RocksStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksStore")
            .field("path", &self.path)
            .field("origin", &self.identity.origin)
            .finish_non_exhaustive()
    }
}

impl RocksStore {
    /// Creates a new store for `identity` at `path` with the default [`RocksOptions`].
    ///
    /// # Errors
    /// [`StoreError::Io`] when a store already exists at `path` or RocksDB fails.
    pub fn create(path: impl AsRef<Path>, identity: LogIdentity) -> Result<Self, StoreError> {
        Self::create_with(path, identity, &RocksOptions::default())
    }

    /// Creates a new store for `identity` at `path`.
    ///
    /// # Errors
    /// [`StoreError::Io`] when a store already exists at `path` or RocksDB fails.
    pub fn create_with(
        path: impl AsRef<Path>,
        identity: LogIdentity,
        options: &RocksOptions,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref();
        if path.join("CURRENT").exists() {
            return Err(StoreError::Io(format!(
                "a store already exists at {}",
                path.display()
            )));
        }
        let cache = Cache::new_lru_cache(options.block_cache_bytes);
        let mut db_options = db_options(options);
        db_options.create_if_missing(true);
        db_options.create_missing_column_families(true);
        db_options.set_error_if_exists(true);
        let descriptors = cf::ALL
            .iter()
            .map(|name| ColumnFamilyDescriptor::new(*name, cf_options(name, &cache, options)));
        let db = DB::open_cf_descriptors(&db_options, path, descriptors)
            .map_err(|e| io_at("creating store", path, &e))?;
        let store = RocksStore {
            db,
            path: path.to_path_buf(),
            form: RecordForm::new(&identity.origin),
            identity,
            upper: RwLock::new(tree::UpperLevels::new(options.tree_memory_hashes)),
            writing: Mutex::new(()),
            _cache: cache,
        };
        store.write_genesis()?;
        Ok(store)
    }

    /// Opens the store at `path` with the default [`RocksOptions`], checking that it holds the
    /// log `expected_origin` in this build's layout.
    ///
    /// # Errors
    /// [`StoreError::Io`] naming the path when there is no store there or RocksDB fails;
    /// [`StoreError::Schema`]; [`StoreError::WrongLog`]; [`StoreError::Corrupted`] when the
    /// identity entries are missing or malformed.
    pub fn open(path: impl AsRef<Path>, expected_origin: &str) -> Result<Self, StoreError> {
        Self::open_with(path, expected_origin, &RocksOptions::default())
    }

    /// Opens the store at `path` (see [`RocksStore::open`]).
    ///
    /// # Errors
    /// As [`RocksStore::open`].
    pub fn open_with(
        path: impl AsRef<Path>,
        expected_origin: &str,
        options: &RocksOptions,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref();
        if !path.join("CURRENT").exists() {
            return Err(StoreError::Io(format!("no store at {}", path.display())));
        }
        let cache = Cache::new_lru_cache(options.block_cache_bytes);
        let db_options = db_options(options);
        // Open every family on disk (a later schema may have more), then check the version
        // before anything else, so that a newer store reports `Schema`, not a missing family.
        let existing =
            DB::list_cf(&db_options, path).map_err(|e| io_at("opening store", path, &e))?;
        let descriptors = existing
            .iter()
            .map(|name| ColumnFamilyDescriptor::new(name, cf_options(name, &cache, options)));
        let mut db = DB::open_cf_descriptors(&db_options, path, descriptors)
            .map_err(|e| io_at("opening store", path, &e))?;
        let found = read_schema_version(&db)?;
        let migrate = found == board::MIGRATES_FROM;
        if migrate {
            for name in cf::BOARD {
                if db.cf_handle(name).is_none() {
                    db.create_cf(name, &cf_options(name, &cache, options))
                        .map_err(|e| io_at("migrating store", path, &e))?;
                }
            }
        } else if found != SCHEMA_VERSION {
            return Err(StoreError::Schema {
                found,
                expected: SCHEMA_VERSION,
            });
        }
        if let Some(missing) = cf::ALL.iter().find(|name| db.cf_handle(name).is_none()) {
            return Err(corrupted(format!("cf/{missing}"), "column family missing"));
        }
        let identity = read_identity(&db)?;
        if identity.origin != expected_origin {
            return Err(StoreError::WrongLog {
                found: identity.origin,
                expected: expected_origin.to_string(),
            });
        }
        let store = RocksStore {
            db,
            path: path.to_path_buf(),
            form: RecordForm::new(&identity.origin),
            identity,
            upper: RwLock::new(tree::UpperLevels::new(options.tree_memory_hashes)),
            writing: Mutex::new(()),
            _cache: cache,
        };
        // The tip only sizes the memory's first floor (a budget that is too small for the tree
        // is trimmed as it loads): a malformed tip is reported by the reads that need it, as
        // before the levels were held in memory, not here.
        let size = store.tip().map_or(0, |tip| tip.size);
        let upper = tree::UpperLevels::load(
            &store.db,
            store.cf(cf::TREE)?,
            size,
            options.tree_memory_hashes,
        )?;
        *store.upper.write().unwrap_or_else(PoisonError::into_inner) = upper;
        if migrate {
            store.migrate_board()?;
        }
        Ok(store)
    }

    /// The directory of the store.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `batch` plus older checkpoints of the history, in one synced write (a memory
    /// store's backup uses it to copy a whole log at once).
    pub(super) fn import(
        &self,
        batch: WriteBatch,
        history: &[StoredCheckpoint],
    ) -> Result<(), StoreError> {
        let mut rocks = self.to_rocks_batch(&batch)?;
        let checkpoints = self.cf(cf::CHECKPOINTS)?;
        for checkpoint in history {
            rocks.put_cf(checkpoints, checkpoint.size.to_be_bytes(), &checkpoint.note);
        }
        self.commit_with_tree(rocks, &batch.tree_nodes)
    }

    fn write_genesis(&self) -> Result<(), StoreError> {
        let meta = self.cf(cf::META)?;
        let mut rocks = rocksdb::WriteBatch::default();
        rocks.put_cf(meta, meta::SCHEMA_VERSION, SCHEMA_VERSION.to_be_bytes());
        rocks.put_cf(meta, meta::ORIGIN, self.identity.origin.as_bytes());
        rocks.put_cf(
            meta,
            meta::GENESIS_KEY,
            self.identity.genesis_key.as_bytes(),
        );
        rocks.put_cf(meta, meta::AGENCY_KEY, self.identity.genesis_key.as_bytes());
        rocks.put_cf(meta, meta::TIP, encode_tip(&Tip::default()));
        self.commit(rocks)
    }

    fn cf(&self, name: &str) -> Result<&ColumnFamily, StoreError> {
        self.db
            .cf_handle(name)
            .ok_or_else(|| corrupted(format!("cf/{name}"), "column family missing"))
    }

    fn get(&self, family: &str, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let handle = self.cf(family)?;
        self.db
            .get_cf(handle, key)
            .map_err(|e| engine_error(|| readable_key(family, key), &e))
    }

    fn commit(&self, batch: rocksdb::WriteBatch) -> Result<(), StoreError> {
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .write_opt(batch, &options)
            .map_err(|e| StoreError::Io(format!("writing to {}: {e}", self.path.display())))
    }

    /// Every entry of `family` whose key starts with `prefix`, from `prefix ‖ start` on.
    fn scan(
        &self,
        family: &str,
        prefix: &[u8],
        start: &[u8],
        limit: usize,
    ) -> Result<Vec<KeyValue>, StoreError> {
        let handle = self.cf(family)?;
        let from = [prefix, start].concat();
        let mut out = Vec::new();
        let mode = IteratorMode::From(&from, Direction::Forward);
        for item in self
            .db
            .iterator_cf_opt(handle, ReadOptions::default(), mode)
        {
            if out.len() >= limit {
                break;
            }
            let (key, value) = item.map_err(|e| engine_error(|| family.to_string(), &e))?;
            if !key.starts_with(prefix) {
                break;
            }
            out.push((key, value));
        }
        Ok(out)
    }

    /// At most `limit` entries of `family` whose key, a big-endian `u64`, is below `before`,
    /// greatest first: the newest-first pages of families keyed by index or size.
    pub(super) fn scan_back(
        &self,
        family: &str,
        before: u64,
        limit: usize,
    ) -> Result<Vec<KeyValue>, StoreError> {
        let Some(last) = before.checked_sub(1) else {
            return Ok(Vec::new());
        };
        let handle = self.cf(family)?;
        let from = last.to_be_bytes();
        let mode = IteratorMode::From(&from, Direction::Reverse);
        self.db
            .iterator_cf_opt(handle, ReadOptions::default(), mode)
            .take(limit)
            .map(|item| item.map_err(|e| engine_error(|| family.to_string(), &e)))
            .collect()
    }

    /// Commits `batch`, then extends the upper tree levels held in memory with its `nodes`.
    fn commit_with_tree(
        &self,
        batch: rocksdb::WriteBatch,
        nodes: &[(NodeId, Hash)],
    ) -> Result<(), StoreError> {
        let _writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        self.commit(batch)?;
        let upper: Vec<_> = nodes
            .iter()
            .filter(|(id, _)| id.level >= tree::FIRST_STORED_LEVEL)
            .copied()
            .collect();
        if !upper.is_empty() {
            self.upper
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .committed(&upper);
        }
        Ok(())
    }

    fn to_rocks_batch(&self, batch: &WriteBatch) -> Result<rocksdb::WriteBatch, StoreError> {
        let mut rocks = rocksdb::WriteBatch::default();
        self.put_records(&mut rocks, batch)?;
        let tree = self.cf(cf::TREE)?;
        for (id, hash) in &batch.tree_nodes {
            if tree::is_stored(id.level) {
                rocks.put_cf(tree, id.to_key(), hash.0);
            }
        }
        let states = self.cf(cf::STATES)?;
        for (code, state) in &batch.states {
            rocks.put_cf(states, code.as_str(), state.encode());
        }
        let code_records = self.cf(cf::CODE_RECORDS)?;
        for (code, index) in &batch.code_records {
            rocks.put_cf(code_records, code_record_key(code, *index), [0u8; 0]);
        }
        self.put_board(&mut rocks, batch)?;
        self.put_evidence(&mut rocks, batch)?;
        let submitters = self.cf(cf::SUBMITTERS)?;
        for (key, submitter) in &batch.submitters {
            match submitter {
                Some(s) => rocks.put_cf(submitters, key.as_bytes(), encode_submitter(s)?),
                None => rocks.delete_cf(submitters, key.as_bytes()),
            }
        }
        let calendars = self.cf(cf::CALENDARS)?;
        for calendar in &batch.calendars {
            rocks.put_cf(calendars, calendar.year.to_be_bytes(), calendar.encode());
        }
        let profiles = self.cf(cf::PROFILES)?;
        for (index, adopted) in &batch.profiles {
            rocks.put_cf(profiles, index.to_be_bytes(), adopted.encode());
        }
        let meta = self.cf(cf::META)?;
        if let Some(last) = batch.key_rotations.last() {
            let mut rotations = self.get(cf::META, meta::KEY_ROTATIONS)?.unwrap_or_default();
            for epoch in &batch.key_rotations {
                rotations.extend_from_slice(&encode_rotation(epoch));
            }
            rocks.put_cf(meta, meta::KEY_ROTATIONS, rotations);
            rocks.put_cf(meta, meta::AGENCY_KEY, last.key.as_bytes());
        }
        if let Some(tip) = &batch.tip {
            rocks.put_cf(meta, meta::TIP, encode_tip(tip));
        }
        if let Some(update) = &batch.map {
            let map = self.cf(cf::MAP)?;
            for key in &update.deletes {
                rocks.delete_cf(map, key.to_bytes());
            }
            for (key, node) in &update.writes {
                rocks.put_cf(map, key.to_bytes(), node.encode());
            }
        }
        let checkpointed = self.cf(cf::CHECKPOINTED_STATES)?;
        for (code, state) in &batch.checkpointed_states {
            rocks.put_cf(checkpointed, code.as_str(), state.encode());
        }
        if let Some(checkpoint) = &batch.checkpoint {
            let size = checkpoint.size.to_be_bytes();
            rocks.put_cf(self.cf(cf::CHECKPOINTS)?, size, &checkpoint.note);
            rocks.put_cf(meta, meta::LATEST_CHECKPOINT, size);
        }
        let cosignatures = self.cf(cf::COSIGNATURES)?;
        for (size, name, line) in &batch.cosignatures {
            let key = [&size.to_be_bytes()[..], name.as_bytes()].concat();
            rocks.put_cf(cosignatures, key, line);
        }
        if let Some(witnessed) = &batch.witnessed {
            let value = [&witnessed.size.to_be_bytes()[..], witnessed.note.as_bytes()].concat();
            rocks.put_cf(meta, meta::WITNESSED, value);
        }
        if let Some(proof) = &batch.equivocation {
            rocks.put_cf(meta, meta::EQUIVOCATION, proof);
        }
        Ok(rocks)
    }

    /// Puts the stored form of the batch's records (docs/format.md#store-records): elided when
    /// the record's `prev_hash` is the leaf hash the store will hold for the record before it.
    fn put_records(
        &self,
        rocks: &mut rocksdb::WriteBatch,
        batch: &WriteBatch,
    ) -> Result<(), StoreError> {
        if batch.records.is_empty() {
            return Ok(());
        }
        let handle = self.cf(cf::RECORDS)?;
        let leaves: HashMap<u64, Hash> = batch
            .tree_nodes
            .iter()
            .filter(|(id, _)| id.level == 0)
            .map(|(id, hash)| (id.index, *hash))
            .collect();
        for (index, bytes) in &batch.records {
            let prev = match index.checked_sub(1) {
                None => Some(Hash::ZERO),
                Some(before) => match leaves.get(&before) {
                    Some(hash) => Some(*hash),
                    None => self
                        .get(cf::TREE, &NodeId::leaf(before).to_key())?
                        .and_then(|bytes| decode_hash(&bytes)),
                },
            };
            let value = self.form.store(*index, bytes, prev.as_ref());
            rocks.put_cf(handle, index.to_be_bytes(), value);
        }
        Ok(())
    }

    /// Puts the batch's evidence entries (docs/format.md#store-evidence): the index alone when the
    /// batch's record at that index is the evidence record of that submitter and hash, else the
    /// index, submitter and hash.
    fn put_evidence(
        &self,
        rocks: &mut rocksdb::WriteBatch,
        batch: &WriteBatch,
    ) -> Result<(), StoreError> {
        if batch.evidence.is_empty() {
            return Ok(());
        }
        let (evidence, submissions) = (self.cf(cf::EVIDENCE)?, self.cf(cf::SUBMISSIONS)?);
        let records: HashMap<u64, &[u8]> = batch
            .records
            .iter()
            .map(|(index, bytes)| (*index, bytes.as_slice()))
            .collect();
        for (submitter, hash, index) in &batch.evidence {
            let key = evidence_key(submitter, hash);
            if records
                .get(index)
                .is_some_and(|bytes| anchors(bytes, submitter, hash))
            {
                rocks.put_cf(evidence, key, index.to_be_bytes());
            } else {
                let value = [&index.to_be_bytes()[..], submitter.as_bytes(), &hash.0].concat();
                rocks.put_cf(evidence, key, value);
            }
            rocks.put_cf(submissions, submission_key(submitter, *index), [0u8; 0]);
        }
        Ok(())
    }

    /// The stored values of records `start..end` (below the tip), read with one iterator.
    ///
    /// # Errors
    /// [`StoreError::Corrupted`] naming the first record missing.
    fn stored_records(&self, start: u64, end: u64) -> Result<Vec<Box<[u8]>>, StoreError> {
        let handle = self.cf(cf::RECORDS)?;
        let mut options = ReadOptions::default();
        options.set_iterate_upper_bound(end.to_be_bytes());
        let from = start.to_be_bytes();
        let mode = IteratorMode::From(&from, Direction::Forward);
        let mut out = Vec::new();
        let mut expected = start;
        for item in self.db.iterator_cf_opt(handle, options, mode) {
            let (key, value) =
                item.map_err(|e| engine_error(|| format!("record/{expected}"), &e))?;
            if *key != expected.to_be_bytes() {
                break;
            }
            out.push(value);
            expected += 1;
        }
        if expected != end {
            return Err(corrupted(
                format!("record/{expected}"),
                "missing below the tip",
            ));
        }
        Ok(out)
    }

    /// The canonical bytes of record `index` from its stored value and the stored leaf hash of
    /// record `index - 1` (`None` for record 0, or when not stored), checked by [`check_record`].
    fn rebuild_record(
        &self,
        index: u64,
        stored: &[u8],
        prev: Option<Hash>,
    ) -> Result<Vec<u8>, StoreError> {
        let prev = if index == 0 { Some(Hash::ZERO) } else { prev };
        let bytes = self
            .form
            .rebuild(index, stored, prev.as_ref())
            .map_err(|reason| corrupted(format!("record/{index}"), reason))?;
        check_record(index, &bytes, &self.identity.origin)?;
        Ok(bytes)
    }

    fn decode_state(
        &self,
        family: &str,
        code: &CertificateCode,
    ) -> Result<Option<CertificateState>, StoreError> {
        let Some(bytes) = self.get(family, code.as_str().as_bytes())? else {
            return Ok(None);
        };
        let state = CertificateState::decode_exact(&bytes)
            .map_err(|e| corrupted(format!("{family}/{code}"), e))?;
        if state.code != *code {
            return Err(corrupted(
                format!("{family}/{code}"),
                format!("holds the state of {}", state.code),
            ));
        }
        Ok(Some(state))
    }
}

impl Store for RocksStore {
    fn write(&self, batch: WriteBatch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let rocks = self.to_rocks_batch(&batch)?;
        self.commit_with_tree(rocks, &batch.tree_nodes)
    }

    fn identity(&self) -> Result<LogIdentity, StoreError> {
        Ok(self.identity.clone())
    }

    fn suite(&self) -> ledger_format::suite::Suite {
        self.identity.genesis_key.suite()
    }

    fn tip(&self) -> Result<Tip, StoreError> {
        let bytes = self
            .get(cf::META, meta::TIP)?
            .ok_or_else(|| corrupted("meta/tip", "missing"))?;
        decode_tip(&bytes)
    }

    fn agency_key(&self) -> Result<PublicKey, StoreError> {
        let bytes = self
            .get(cf::META, meta::AGENCY_KEY)?
            .ok_or_else(|| corrupted("meta/agency_key", "missing"))?;
        decode_key("meta/agency_key", &bytes)
    }

    fn key_history(&self) -> Result<Vec<KeyEpoch>, StoreError> {
        let rotations = self.get(cf::META, meta::KEY_ROTATIONS)?.unwrap_or_default();
        let mut history = vec![super::genesis_epoch(self.identity.genesis_key)];
        let suite = self.identity.genesis_key.suite();
        if rotations.len() % rotation_len(suite) != 0 {
            return Err(corrupted(
                "meta/key_rotations",
                format!("not a list of {}-byte entries", rotation_len(suite)),
            ));
        }
        for chunk in rotations.chunks(rotation_len(suite)) {
            history.push(decode_rotation(chunk)?);
        }
        Ok(history)
    }

    fn record(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        // One read for the stored value and the leaf hash its prev_hash may be rebuilt from.
        let mut keys = vec![(self.cf(cf::RECORDS)?, index.to_be_bytes().to_vec())];
        if let Some(before) = index.checked_sub(1) {
            keys.push((self.cf(cf::TREE)?, NodeId::leaf(before).to_key().to_vec()));
        }
        let mut values = self.db.multi_get_cf(keys).into_iter();
        let mut next = |name: &dyn Fn() -> String| {
            values
                .next()
                .transpose()
                .map(Option::flatten)
                .map_err(|e| engine_error(name, &e))
        };
        let Some(stored) = next(&|| format!("record/{index}"))? else {
            return Ok(None);
        };
        let before = index.saturating_sub(1);
        let prev = match next(&|| format!("tree/0/{before}"))? {
            Some(bytes) if RecordForm::needs_prev(&stored) => {
                Some(decode_hash(&bytes).ok_or_else(|| {
                    corrupted(format!("tree/0/{before}"), format!("{} bytes", bytes.len()))
                })?)
            }
            _ => None,
        };
        self.rebuild_record(index, &stored, prev).map(Some)
    }

    fn records(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let end = read_end(start, end, self.tip()?.size);
        if start >= end {
            return Ok(Vec::new());
        }
        let stored = self.stored_records(start, end)?;
        // The leaf hashes of records start - 1 ..= end - 2, in one range read.
        let leaves = if stored.iter().any(|value| RecordForm::needs_prev(value)) {
            let range = (start.saturating_sub(1), end - 1);
            tree::read_leaves(&self.db, self.cf(cf::TREE)?, &[range])?
        } else {
            HashMap::new()
        };
        (start..end)
            .zip(stored)
            .map(|(index, value)| {
                let prev = match index.checked_sub(1) {
                    Some(before) if RecordForm::needs_prev(&value) => tree::leaf(&leaves, before)?,
                    _ => None,
                };
                self.rebuild_record(index, &value, prev)
            })
            .collect()
    }

    fn tree_nodes(&self, ids: &[NodeId]) -> Result<Vec<Option<Hash>>, StoreError> {
        let handle = self.cf(cf::TREE)?;
        let mut out = vec![None; ids.len()];
        // The upper levels from memory; the rest stored (leaves, levels past the memory's
        // floor or prefix) or computed (levels 1 to 7).
        let mut rest = Vec::with_capacity(ids.len());
        {
            let upper = self.upper.read().unwrap_or_else(PoisonError::into_inner);
            for (at, id) in ids.iter().copied().enumerate() {
                match upper.get(id) {
                    Some(hash) => out[at] = Some(hash),
                    None => rest.push((at, id)),
                }
            }
        }
        let (stored, computed): (Vec<_>, Vec<_>) = rest
            .into_iter()
            .partition(|(_, id)| tree::is_stored(id.level));
        let keys = stored.iter().map(|(_, id)| (handle, id.to_key()));
        for ((at, id), value) in stored.iter().zip(self.db.multi_get_cf(keys)) {
            let name = || format!("tree/{}/{}", id.level, id.index);
            out[*at] = match value.map_err(|e| engine_error(name, &e))? {
                None => None,
                Some(bytes) => Some(
                    decode_hash(&bytes)
                        .ok_or_else(|| corrupted(name(), format!("{} bytes", bytes.len())))?,
                ),
            };
        }
        if !computed.is_empty() {
            let ids: Vec<_> = computed.iter().map(|(_, id)| *id).collect();
            let hashes = tree::computed_nodes(self.suite(), &self.db, handle, &ids)?;
            for ((at, _), hash) in computed.iter().zip(hashes) {
                out[*at] = hash;
            }
        }
        Ok(out)
    }

    fn map_node(&self, key: &NodeKey) -> Result<Option<map::Node>, StoreError> {
        let Some(bytes) = self.get(cf::MAP, &key.to_bytes())? else {
            return Ok(None);
        };
        map::Node::decode_exact(&bytes)
            .map(Some)
            .map_err(|e| corrupted(format!("map/{key}"), e))
    }

    fn state(&self, code: &CertificateCode) -> Result<Option<CertificateState>, StoreError> {
        self.decode_state(cf::STATES, code)
    }

    fn checkpointed_state(
        &self,
        code: &CertificateCode,
    ) -> Result<Option<CertificateState>, StoreError> {
        self.decode_state(cf::CHECKPOINTED_STATES, code)
    }

    fn states_after(
        &self,
        after: Option<&CertificateCode>,
        limit: usize,
    ) -> Result<Vec<CertificateState>, StoreError> {
        // The key after `after`: its bytes followed by a zero byte.
        let start = after.map_or_else(Vec::new, |code| [code.as_str().as_bytes(), &[0]].concat());
        self.scan(cf::STATES, &[], &start, limit)?
            .into_iter()
            .map(|(key, value)| {
                let name = format!("states/{}", String::from_utf8_lossy(&key));
                let state =
                    CertificateState::decode_exact(&value).map_err(|e| corrupted(&name, e))?;
                if state.code.as_str().as_bytes() != &*key {
                    return Err(corrupted(
                        name,
                        format!("holds the state of {}", state.code),
                    ));
                }
                Ok(state)
            })
            .collect()
    }

    fn notices_after(
        &self,
        after: Option<&CertificateCode>,
        limit: usize,
    ) -> Result<Vec<CertificateState>, StoreError> {
        self.read_notices_after(after, limit)
    }

    fn announcements_before(&self, before: u64, limit: usize) -> Result<Vec<u64>, StoreError> {
        self.read_announcements_before(before, limit)
    }

    fn code_records(&self, code: &CertificateCode) -> Result<Vec<u64>, StoreError> {
        let prefix = code.as_str().as_bytes();
        self.scan(cf::CODE_RECORDS, prefix, &[], usize::MAX)?
            .iter()
            .map(|(key, _)| {
                suffix_index(key, prefix.len())
                    .ok_or_else(|| corrupted(format!("code_records/{code}"), "malformed key"))
            })
            .collect()
    }

    fn evidence_index(
        &self,
        submitter: &PublicKey,
        hash: &Hash,
    ) -> Result<Option<u64>, StoreError> {
        let Some(bytes) = self.get(cf::EVIDENCE, &evidence_key(submitter, hash))? else {
            return Ok(None);
        };
        let name = || format!("evidence/{submitter}/{hash}");
        let index = bytes
            .get(..8)
            .and_then(decode_u64)
            .ok_or_else(|| corrupted(name(), format!("{} bytes", bytes.len())))?;
        // Another (submitter, hash) with the same 16-byte key is not this one: confirm.
        let confirmed = match bytes.len() {
            8 => {
                let record = self.record(index)?.ok_or_else(|| {
                    corrupted(name(), format!("names record {index}, which is missing"))
                })?;
                anchors(&record, submitter, hash)
            }
            // Index, submitter key (32 or 65 bytes, the log's suite), hash.
            n if n == 8 + submitter.as_bytes().len() + 32 => {
                bytes[8..n - 32] == *submitter.as_bytes() && bytes[n - 32..] == hash.0
            }
            n => return Err(corrupted(name(), format!("{n} bytes"))),
        };
        Ok(confirmed.then_some(index))
    }

    fn submissions(
        &self,
        submitter: &PublicKey,
        start: u64,
        limit: usize,
    ) -> Result<Vec<u64>, StoreError> {
        let prefix = submitter.as_bytes();
        self.scan(cf::SUBMISSIONS, prefix, &start.to_be_bytes(), limit)?
            .iter()
            .map(|(key, _)| {
                suffix_index(key, prefix.len())
                    .ok_or_else(|| corrupted(format!("submissions/{submitter}"), "malformed key"))
            })
            .collect()
    }

    fn submitters(&self) -> Result<Vec<(PublicKey, Submitter)>, StoreError> {
        self.scan(cf::SUBMITTERS, &[], &[], usize::MAX)?
            .iter()
            .map(|(key, value)| {
                let key = decode_key("submitters", key)?;
                let submitter = serde_json::from_slice(value)
                    .map_err(|e| corrupted(format!("submitters/{key}"), e))?;
                Ok((key, submitter))
            })
            .collect()
    }

    fn profiles(&self) -> Result<Vec<ProfileAdopted>, StoreError> {
        self.scan(cf::PROFILES, &[], &[], usize::MAX)?
            .into_iter()
            .map(|(key, value)| {
                let name = format!("profiles/{}", hex::encode(&key));
                ProfileAdopted::decode_exact(&value).map_err(|e| corrupted(&name, e))
            })
            .collect()
    }

    fn calendars(&self) -> Result<Vec<WorkCalendar>, StoreError> {
        self.scan(cf::CALENDARS, &[], &[], usize::MAX)?
            .iter()
            .map(|(key, value)| {
                let name = format!("calendars/{}", hex::encode(key));
                let calendar =
                    WorkCalendar::decode_exact(value).map_err(|e| corrupted(&name, e))?;
                if **key != calendar.year.to_be_bytes() {
                    return Err(corrupted(name, format!("holds year {}", calendar.year)));
                }
                Ok(calendar)
            })
            .collect()
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        let Some(bytes) = self.get(cf::META, meta::LATEST_CHECKPOINT)? else {
            return Ok(None);
        };
        let size =
            decode_u64(&bytes).ok_or_else(|| corrupted("meta/latest_checkpoint", "not a u64"))?;
        self.checkpoint_at(size)?
            .map(Some)
            .ok_or_else(|| corrupted(format!("checkpoint/{size}"), "latest checkpoint missing"))
    }

    fn checkpoint_at(&self, size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
        let Some(bytes) = self.get(cf::CHECKPOINTS, &size.to_be_bytes())? else {
            return Ok(None);
        };
        let note =
            String::from_utf8(bytes).map_err(|e| corrupted(format!("checkpoint/{size}"), e))?;
        Ok(Some(StoredCheckpoint { size, note }))
    }

    fn checkpoints(
        &self,
        from_size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        self.scan(cf::CHECKPOINTS, &[], &from_size.to_be_bytes(), limit)?
            .into_iter()
            .map(decode_checkpoint)
            .collect()
    }

    fn checkpoints_before(
        &self,
        size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        self.scan_back(cf::CHECKPOINTS, size, limit)?
            .into_iter()
            .map(decode_checkpoint)
            .collect()
    }

    fn cosignatures(&self, size: u64) -> Result<Vec<String>, StoreError> {
        self.scan(cf::COSIGNATURES, &size.to_be_bytes(), &[], usize::MAX)?
            .into_iter()
            .map(|(_, line)| {
                String::from_utf8(line.into_vec())
                    .map_err(|e| corrupted(format!("cosignatures/{size}"), e))
            })
            .collect()
    }

    fn witnessed(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        let Some(bytes) = self.get(cf::META, meta::WITNESSED)? else {
            return Ok(None);
        };
        let size = bytes
            .get(..8)
            .and_then(decode_u64)
            .ok_or_else(|| corrupted("meta/witnessed", "shorter than 8 bytes"))?;
        let note =
            String::from_utf8(bytes[8..].to_vec()).map_err(|e| corrupted("meta/witnessed", e))?;
        Ok(Some(StoredCheckpoint { size, note }))
    }

    fn equivocation(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(cf::META, meta::EQUIVOCATION)
    }

    fn backup(&self, dir: &Path) -> Result<(), StoreError> {
        prepare_backup_dir(dir)?;
        let checkpoint = rocksdb::checkpoint::Checkpoint::new(&self.db)
            .map_err(|e| io_at("starting backup", dir, &e))?;
        checkpoint
            .create_checkpoint(dir)
            .map_err(|e| io_at("writing backup", dir, &e))
    }
}

/// Options of the whole database.
fn db_options(options: &RocksOptions) -> Options {
    let mut db = Options::default();
    db.set_max_background_jobs(options.max_background_jobs);
    // Bound the informational LOG files RocksDB keeps beside the data.
    db.set_keep_log_file_num(4);
    db
}

/// Options of one column family: all share `cache`; see docs/format.md#store-tuning for the reasons.
fn cf_options(name: &str, cache: &Cache, options: &RocksOptions) -> Options {
    let mut table = BlockBasedOptions::default();
    table.set_block_cache(cache);
    let mut family = Options::default();
    match name {
        cf::RECORDS => {
            // Sequential keys, values mostly hashes and signatures: larger blocks let LZ4 find the
            // repeated authors and times, and scans read them whole. LZ4HC on the last level,
            // where nearly all records end up, saves ~2 more bytes per record at the same
            // decompression speed.
            table.set_block_size(32 << 10);
            family.set_compression_type(DBCompressionType::Lz4);
            family.set_bottommost_compression_type(DBCompressionType::Lz4hc);
        }
        cf::EVIDENCE => {
            // Point lookups, mostly misses (new evidence): a whole-key Bloom filter on every
            // level (so not `optimize_filters_for_hits`), in memtables too, and a hash index
            // inside data blocks. Keys are random, but LZ4 squeezes the zero runs of the
            // entries' sequence numbers and indexes (~8 bytes per entry).
            table.set_bloom_filter(options.evidence_bloom_bits_per_key, false);
            table.set_whole_key_filtering(true);
            table.set_data_block_index_type(DataBlockIndexType::BinaryAndHash);
            table.set_data_block_hash_ratio(0.75);
            family.set_memtable_whole_key_filtering(true);
            family.set_memtable_prefix_bloom_ratio(0.02);
            family.set_compression_type(DBCompressionType::Lz4);
        }
        cf::TREE | cf::MAP => {
            // Values are hashes: LZ4 saves under 1/8 of a block, so RocksDB would store the
            // blocks uncompressed anyway after spending the CPU.
            family.set_compression_type(DBCompressionType::None);
        }
        _ => family.set_compression_type(DBCompressionType::Lz4),
    }
    family.set_block_based_table_factory(&table);
    family
}

fn read_schema_version(db: &DB) -> Result<u32, StoreError> {
    let meta = db
        .cf_handle(cf::META)
        .ok_or_else(|| corrupted("cf/meta", "column family missing"))?;
    let bytes = db
        .get_cf(meta, meta::SCHEMA_VERSION)
        .map_err(|e| engine_error(|| "meta/schema_version".into(), &e))?
        .ok_or_else(|| corrupted("meta/schema_version", "missing (an interrupted create?)"))?;
    let array: [u8; 4] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| corrupted("meta/schema_version", format!("{} bytes", bytes.len())))?;
    Ok(u32::from_be_bytes(array))
}

fn read_identity(db: &DB) -> Result<LogIdentity, StoreError> {
    let meta = db
        .cf_handle(cf::META)
        .ok_or_else(|| corrupted("cf/meta", "column family missing"))?;
    let get = |key: &[u8], name: &str| {
        db.get_cf(meta, key)
            .map_err(|e| engine_error(|| format!("meta/{name}"), &e))?
            .ok_or_else(|| corrupted(format!("meta/{name}"), "missing"))
    };
    let origin =
        String::from_utf8(get(meta::ORIGIN, "origin")?).map_err(|e| corrupted("meta/origin", e))?;
    let genesis_key = decode_key("meta/genesis_key", &get(meta::GENESIS_KEY, "genesis_key")?)?;
    Ok(LogIdentity {
        origin,
        genesis_key,
    })
}

/// Refuses a non-empty `dir`; removes an empty one (RocksDB creates the checkpoint directory).
pub(super) fn prepare_backup_dir(dir: &Path) -> Result<(), StoreError> {
    if !dir.exists() {
        return Ok(());
    }
    let mut entries = std::fs::read_dir(dir).map_err(|e| io_at("reading", dir, &e))?;
    if entries.next().is_some() {
        return Err(StoreError::Io(format!(
            "backup directory {} is not empty",
            dir.display()
        )));
    }
    std::fs::remove_dir(dir).map_err(|e| io_at("preparing backup", dir, &e))
}

/// The end of a records read: `end` clamped to `tip` and to [`MAX_RECORDS_PER_READ`] records.
pub(super) fn read_end(start: u64, end: u64, tip: u64) -> u64 {
    end.min(tip)
        .min(start.saturating_add(MAX_RECORDS_PER_READ as u64))
}

/// Checks that `bytes`, stored as record `index`, are a canonical record of log `origin` at
/// `index`.
///
/// # Errors
/// [`StoreError::Corrupted`] naming `record/{index}`.
pub(super) fn check_record(index: u64, bytes: &[u8], origin: &str) -> Result<(), StoreError> {
    let name = || format!("record/{index}");
    let record = Record::decode_exact(bytes).map_err(|e| corrupted(name(), e))?;
    if record.header.index != index {
        return Err(corrupted(
            name(),
            format!("holds record {}", record.header.index),
        ));
    }
    if record.header.origin != origin {
        return Err(corrupted(
            name(),
            format!("holds a record of log {}", record.header.origin),
        ));
    }
    Ok(())
}

pub(super) fn corrupted(key: impl Into<String>, reason: impl ToString) -> StoreError {
    StoreError::Corrupted {
        key: key.into(),
        reason: reason.to_string(),
    }
}

fn io_at(what: &str, path: &Path, e: &dyn std::fmt::Display) -> StoreError {
    StoreError::Io(format!("{what} at {}: {e}", path.display()))
}

/// A RocksDB read error: a checksum failure is `Corrupted` (naming the key), the rest `Io`.
fn engine_error(key: impl FnOnce() -> String, e: &rocksdb::Error) -> StoreError {
    match e.kind() {
        rocksdb::ErrorKind::Corruption => corrupted(key(), e),
        _ => StoreError::Io(e.to_string()),
    }
}

fn readable_key(family: &str, key: &[u8]) -> String {
    match family {
        cf::META => format!("meta/{}", String::from_utf8_lossy(key)),
        cf::RECORDS => decode_u64(key).map_or_else(
            || format!("record/{}", hex::encode(key)),
            |i| format!("record/{i}"),
        ),
        _ => format!("{family}/{}", hex::encode(key)),
    }
}

fn encode_tip(tip: &Tip) -> [u8; 48] {
    let mut out = [0u8; 48];
    out[..8].copy_from_slice(&tip.size.to_be_bytes());
    out[8..40].copy_from_slice(&tip.last_hash.0);
    out[40..].copy_from_slice(&tip.last_time.to_be_bytes());
    out
}

fn decode_tip(bytes: &[u8]) -> Result<Tip, StoreError> {
    let bad = || corrupted("meta/tip", format!("{} bytes", bytes.len()));
    if bytes.len() != 48 {
        return Err(bad());
    }
    let size = decode_u64(&bytes[..8]).ok_or_else(bad)?;
    let last_hash = decode_hash(&bytes[8..40]).ok_or_else(bad)?;
    let time: [u8; 8] = bytes[40..].try_into().map_err(|_| bad())?;
    Ok(Tip {
        size,
        last_hash,
        last_time: i64::from_be_bytes(time),
    })
}

fn encode_submitter(submitter: &Submitter) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(submitter).map_err(|e| StoreError::Io(format!("encoding submitter: {e}")))
}

fn code_record_key(code: &CertificateCode, index: u64) -> Vec<u8> {
    [code.as_str().as_bytes(), &index.to_be_bytes()].concat()
}

/// Length of an `evidence` key.
const EVIDENCE_KEY_LEN: usize = 16;

/// The `evidence` key of `(submitter, hash)`: the first 16 bytes of `H(submitter ‖ hash)`, `H`
/// the hash of the log's suite (the submitter key's).
fn evidence_key(submitter: &PublicKey, hash: &Hash) -> [u8; EVIDENCE_KEY_LEN] {
    let mut key = [0u8; EVIDENCE_KEY_LEN];
    let digest = submitter
        .suite()
        .hash_parts(&[submitter.as_bytes(), &hash.0]);
    key.copy_from_slice(&digest.0[..EVIDENCE_KEY_LEN]);
    key
}

/// True when `bytes` are an evidence record by `submitter` anchoring `hash`.
fn anchors(bytes: &[u8], submitter: &PublicKey, hash: &Hash) -> bool {
    Record::decode_exact(bytes).is_ok_and(|record| {
        record.header.author == *submitter
            && matches!(&record.body, Body::Evidence(evidence) if evidence.hash == *hash)
    })
}

/// The `submissions` key: the submitter's key bytes (32 or 65, the log's suite), then the index.
fn submission_key(submitter: &PublicKey, index: u64) -> Vec<u8> {
    [submitter.as_bytes(), &index.to_be_bytes()].concat()
}

/// The big-endian index after a `prefix_len`-byte prefix, when the key is exactly that long.
/// A key and its value, as an iterator yields them.
type KeyValue = (Box<[u8]>, Box<[u8]>);

fn suffix_index(key: &[u8], prefix_len: usize) -> Option<u64> {
    (key.len() == prefix_len + 8).then(|| decode_u64(&key[prefix_len..]))?
}

/// A `checkpoints` entry: the size as the key, the note as the value.
fn decode_checkpoint((key, value): KeyValue) -> Result<StoredCheckpoint, StoreError> {
    let size = suffix_index(&key, 0).ok_or_else(|| corrupted("checkpoints", "malformed key"))?;
    let note = String::from_utf8(value.into_vec())
        .map_err(|e| corrupted(format!("checkpoint/{size}"), e))?;
    Ok(StoredCheckpoint { size, note })
}

fn decode_u64(bytes: &[u8]) -> Option<u64> {
    bytes.try_into().ok().map(u64::from_be_bytes)
}

fn decode_hash(bytes: &[u8]) -> Option<Hash> {
    <[u8; HASH_LEN]>::try_from(bytes).ok().map(Hash)
}

/// Bytes of one key rotation in `meta/key_rotations`: size, time, key (48 for `ed25519-sha256`,
/// 81 for `sm2-sm3`).
fn rotation_len(suite: ledger_format::suite::Suite) -> usize {
    16 + suite.public_key_len()
}

fn encode_rotation(epoch: &KeyEpoch) -> Vec<u8> {
    [
        &epoch.from_size.to_be_bytes()[..],
        &epoch.since.unwrap_or(0).to_be_bytes(),
        epoch.key.as_bytes(),
    ]
    .concat()
}

fn decode_rotation(bytes: &[u8]) -> Result<KeyEpoch, StoreError> {
    let bad = || corrupted("meta/key_rotations", "malformed entry");
    let from_size = bytes.get(..8).and_then(decode_u64).ok_or_else(bad)?;
    let since = bytes
        .get(8..16)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(i64::from_be_bytes)
        .ok_or_else(bad)?;
    let key = decode_key("meta/key_rotations", bytes.get(16..).ok_or_else(bad)?)?;
    Ok(KeyEpoch {
        key,
        from_size,
        since: Some(since),
    })
}

/// A key stored as its bytes: 32 (Ed25519) or 65 (SM2); the length says which.
fn decode_key(name: &str, bytes: &[u8]) -> Result<PublicKey, StoreError> {
    PublicKey::from_slice(bytes)
        .map_err(|_| corrupted(name, format!("{} bytes, not a key", bytes.len())))
}

#[cfg(test)]
#[path = "rocks_tests.rs"]
mod tests;
