//! The in-memory store: the same behaviour as [`super::RocksStore`], kept in ordered maps behind
//! one lock, for fast logic tests. Nothing survives the process; [`Store::backup`] writes a
//! RocksDB store with the same contents.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use ledger_format::calendar::WorkCalendar;
use ledger_format::code::CertificateCode;
use ledger_format::hash::Hash;
use ledger_format::keys::PublicKey;
use ledger_format::lifecycle::CertificateState;
use ledger_format::map::{self, MapUpdate, NodeKey};
use ledger_format::merkle::NodeId;
use ledger_format::replay::KeyEpoch;

use super::rocks::{check_record, corrupted, prepare_backup_dir, read_end};
use super::{
    LogIdentity, RocksStore, Store, StoreError, StoredCheckpoint, Submitter, Tip, WriteBatch,
};

/// One agency's log in memory.
#[derive(Debug)]
pub struct MemoryStore {
    identity: LogIdentity,
    inner: RwLock<Inner>,
}

/// Everything that changes; one lock, so that a write is atomic for every reader.
#[derive(Debug, Default, Clone)]
struct Inner {
    key_rotations: Vec<KeyEpoch>,
    tip: Tip,
    records: BTreeMap<u64, Vec<u8>>,
    tree: HashMap<NodeId, Hash>,
    map: BTreeMap<NodeKey, map::Node>,
    states: BTreeMap<CertificateCode, CertificateState>,
    checkpointed_states: BTreeMap<CertificateCode, CertificateState>,
    code_records: BTreeSet<(CertificateCode, u64)>,
    notices: BTreeSet<CertificateCode>,
    announcements: BTreeSet<u64>,
    evidence: HashMap<(PublicKey, Hash), u64>,
    submissions: BTreeSet<(PublicKey, u64)>,
    submitters: BTreeMap<PublicKey, Submitter>,
    calendars: BTreeMap<u16, WorkCalendar>,
    profiles: BTreeMap<u64, ledger_format::profile::ProfileAdopted>,
    checkpoints: BTreeMap<u64, String>,
    latest_checkpoint: Option<u64>,
    cosignatures: BTreeMap<(u64, String), String>,
    witnessed: Option<StoredCheckpoint>,
    equivocation: Option<Vec<u8>>,
}

impl MemoryStore {
    /// An empty log of `identity`.
    pub fn new(identity: LogIdentity) -> Self {
        MemoryStore {
            identity,
            inner: RwLock::new(Inner::default()),
        }
    }

    fn read(&self) -> Result<RwLockReadGuard<'_, Inner>, StoreError> {
        self.inner
            .read()
            .map_err(|_| StoreError::Io("memory store lock poisoned".into()))
    }

    fn lock(&self) -> Result<RwLockWriteGuard<'_, Inner>, StoreError> {
        self.inner
            .write()
            .map_err(|_| StoreError::Io("memory store lock poisoned".into()))
    }
}

impl Inner {
    fn apply(&mut self, batch: WriteBatch) {
        self.records.extend(batch.records);
        self.tree.extend(batch.tree_nodes);
        for (code, state) in batch.states {
            if super::in_notice(&state) {
                self.notices.insert(code.clone());
            } else {
                self.notices.remove(&code);
            }
            self.states.insert(code, state);
        }
        self.code_records.extend(batch.code_records);
        self.announcements.extend(batch.announcements);
        for (submitter, hash, index) in batch.evidence {
            self.evidence.insert((submitter, hash), index);
            self.submissions.insert((submitter, index));
        }
        for (key, submitter) in batch.submitters {
            match submitter {
                Some(s) => self.submitters.insert(key, s),
                None => self.submitters.remove(&key),
            };
        }
        self.calendars
            .extend(batch.calendars.into_iter().map(|c| (c.year, c)));
        self.profiles.extend(batch.profiles);
        self.key_rotations.extend(batch.key_rotations);
        if let Some(tip) = batch.tip {
            self.tip = tip;
        }
        if let Some(update) = batch.map {
            for key in &update.deletes {
                self.map.remove(key);
            }
            self.map.extend(update.writes);
        }
        self.checkpointed_states.extend(batch.checkpointed_states);
        if let Some(checkpoint) = batch.checkpoint {
            self.latest_checkpoint = Some(checkpoint.size);
            self.checkpoints.insert(checkpoint.size, checkpoint.note);
        }
        for (size, name, line) in batch.cosignatures {
            self.cosignatures.insert((size, name), line);
        }
        if let Some(witnessed) = batch.witnessed {
            self.witnessed = Some(witnessed);
        }
        if let Some(proof) = batch.equivocation {
            self.equivocation = Some(proof);
        }
    }

    /// Everything as one batch (the latest checkpoint in it) and the older checkpoints.
    fn to_batch(&self, suite: ledger_format::suite::Suite) -> (WriteBatch, Vec<StoredCheckpoint>) {
        let checkpoint = |(size, note): (&u64, &String)| StoredCheckpoint {
            size: *size,
            note: note.clone(),
        };
        let (latest, history): (Vec<_>, Vec<_>) = self
            .checkpoints
            .iter()
            .map(checkpoint)
            .partition(|c| Some(c.size) == self.latest_checkpoint);
        let batch = WriteBatch {
            records: self.records.clone().into_iter().collect(),
            tree_nodes: self.tree.clone().into_iter().collect(),
            states: self.states.clone().into_iter().collect(),
            code_records: self.code_records.iter().cloned().collect(),
            announcements: self.announcements.iter().copied().collect(),
            evidence: self
                .evidence
                .iter()
                .map(|((submitter, hash), index)| (*submitter, *hash, *index))
                .collect(),
            submitters: self
                .submitters
                .iter()
                .map(|(key, s)| (*key, Some(s.clone())))
                .collect(),
            calendars: self.calendars.values().cloned().collect(),
            profiles: self
                .profiles
                .iter()
                .map(|(index, adopted)| (*index, adopted.clone()))
                .collect(),
            key_rotations: self.key_rotations.clone(),
            tip: Some(self.tip),
            map: Some(MapUpdate {
                new_root: self
                    .map
                    .get(&NodeKey::root())
                    .map_or(map::EMPTY_HASH, |node| node.hash(suite)),
                writes: self.map.iter().map(|(k, n)| (*k, *n)).collect(),
                deletes: Vec::new(),
            }),
            checkpointed_states: self.checkpointed_states.clone().into_iter().collect(),
            checkpoint: latest.into_iter().next(),
            cosignatures: self
                .cosignatures
                .iter()
                .map(|((size, name), line)| (*size, name.clone(), line.clone()))
                .collect(),
            witnessed: self.witnessed.clone(),
            equivocation: self.equivocation.clone(),
        };
        (batch, history)
    }
}

impl Store for MemoryStore {
    fn write(&self, batch: WriteBatch) -> Result<(), StoreError> {
        self.lock()?.apply(batch);
        Ok(())
    }

    fn identity(&self) -> Result<LogIdentity, StoreError> {
        Ok(self.identity.clone())
    }

    fn suite(&self) -> ledger_format::suite::Suite {
        self.identity.genesis_key.suite()
    }

    fn tip(&self) -> Result<Tip, StoreError> {
        Ok(self.read()?.tip)
    }

    fn agency_key(&self) -> Result<PublicKey, StoreError> {
        let inner = self.read()?;
        Ok(inner
            .key_rotations
            .last()
            .map_or(self.identity.genesis_key, |epoch| epoch.key))
    }

    fn key_history(&self) -> Result<Vec<KeyEpoch>, StoreError> {
        Ok(
            std::iter::once(super::genesis_epoch(self.identity.genesis_key))
                .chain(self.read()?.key_rotations.iter().copied())
                .collect(),
        )
    }

    fn record(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let inner = self.read()?;
        let Some(bytes) = inner.records.get(&index) else {
            return Ok(None);
        };
        check_record(index, bytes, &self.identity.origin)?;
        Ok(Some(bytes.clone()))
    }

    fn records(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let inner = self.read()?;
        let end = read_end(start, end, inner.tip.size);
        (start..end)
            .map(|index| {
                let bytes = inner
                    .records
                    .get(&index)
                    .ok_or_else(|| corrupted(format!("record/{index}"), "missing below the tip"))?;
                check_record(index, bytes, &self.identity.origin)?;
                Ok(bytes.clone())
            })
            .collect()
    }

    fn tree_nodes(&self, ids: &[NodeId]) -> Result<Vec<Option<Hash>>, StoreError> {
        let inner = self.read()?;
        Ok(ids.iter().map(|id| inner.tree.get(id).copied()).collect())
    }

    fn map_node(&self, key: &NodeKey) -> Result<Option<map::Node>, StoreError> {
        Ok(self.read()?.map.get(key).copied())
    }

    fn state(&self, code: &CertificateCode) -> Result<Option<CertificateState>, StoreError> {
        Ok(self.read()?.states.get(code).cloned())
    }

    fn states_after(
        &self,
        after: Option<&CertificateCode>,
        limit: usize,
    ) -> Result<Vec<CertificateState>, StoreError> {
        use std::ops::Bound;
        let lower = after.map_or(Bound::Unbounded, |code| Bound::Excluded(code.clone()));
        Ok(self
            .read()?
            .states
            .range((lower, Bound::Unbounded))
            .take(limit)
            .map(|(_, state)| state.clone())
            .collect())
    }

    fn notices_after(
        &self,
        after: Option<&CertificateCode>,
        limit: usize,
    ) -> Result<Vec<CertificateState>, StoreError> {
        use std::ops::Bound;
        let lower = after.map_or(Bound::Unbounded, |code| Bound::Excluded(code.clone()));
        let inner = self.read()?;
        inner
            .notices
            .range((lower, Bound::Unbounded))
            .take(limit)
            .map(|code| {
                inner
                    .states
                    .get(code)
                    .cloned()
                    .ok_or_else(|| corrupted(format!("notices/{code}"), "no state"))
            })
            .collect()
    }

    fn announcements_before(&self, before: u64, limit: usize) -> Result<Vec<u64>, StoreError> {
        Ok(self
            .read()?
            .announcements
            .range(..before)
            .rev()
            .take(limit)
            .copied()
            .collect())
    }

    fn checkpointed_state(
        &self,
        code: &CertificateCode,
    ) -> Result<Option<CertificateState>, StoreError> {
        Ok(self.read()?.checkpointed_states.get(code).cloned())
    }

    fn code_records(&self, code: &CertificateCode) -> Result<Vec<u64>, StoreError> {
        let inner = self.read()?;
        let from = (code.clone(), 0);
        Ok(inner
            .code_records
            .range(from..)
            .take_while(|(c, _)| c == code)
            .map(|(_, index)| *index)
            .collect())
    }

    fn evidence_index(
        &self,
        submitter: &PublicKey,
        hash: &Hash,
    ) -> Result<Option<u64>, StoreError> {
        Ok(self.read()?.evidence.get(&(*submitter, *hash)).copied())
    }

    fn submissions(
        &self,
        submitter: &PublicKey,
        start: u64,
        limit: usize,
    ) -> Result<Vec<u64>, StoreError> {
        let inner = self.read()?;
        Ok(inner
            .submissions
            .range((*submitter, start)..)
            .take_while(|(s, _)| s == submitter)
            .take(limit)
            .map(|(_, index)| *index)
            .collect())
    }

    fn submitters(&self) -> Result<Vec<(PublicKey, Submitter)>, StoreError> {
        let inner = self.read()?;
        Ok(inner
            .submitters
            .iter()
            .map(|(key, s)| (*key, s.clone()))
            .collect())
    }

    fn profiles(&self) -> Result<Vec<ledger_format::profile::ProfileAdopted>, StoreError> {
        Ok(self.read()?.profiles.values().cloned().collect())
    }

    fn calendars(&self) -> Result<Vec<WorkCalendar>, StoreError> {
        Ok(self.read()?.calendars.values().cloned().collect())
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        let inner = self.read()?;
        let Some(size) = inner.latest_checkpoint else {
            return Ok(None);
        };
        let note = inner
            .checkpoints
            .get(&size)
            .ok_or_else(|| corrupted(format!("checkpoint/{size}"), "latest checkpoint missing"))?;
        Ok(Some(StoredCheckpoint {
            size,
            note: note.clone(),
        }))
    }

    fn checkpoint_at(&self, size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
        Ok(self
            .read()?
            .checkpoints
            .get(&size)
            .map(|note| StoredCheckpoint {
                size,
                note: note.clone(),
            }))
    }

    fn checkpoints(
        &self,
        from_size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        Ok(self
            .read()?
            .checkpoints
            .range(from_size..)
            .take(limit)
            .map(|(size, note)| StoredCheckpoint {
                size: *size,
                note: note.clone(),
            })
            .collect())
    }

    fn checkpoints_before(
        &self,
        size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        Ok(self
            .read()?
            .checkpoints
            .range(..size)
            .rev()
            .take(limit)
            .map(|(size, note)| StoredCheckpoint {
                size: *size,
                note: note.clone(),
            })
            .collect())
    }

    fn cosignatures(&self, size: u64) -> Result<Vec<String>, StoreError> {
        Ok(self
            .read()?
            .cosignatures
            .range((size, String::new())..)
            .take_while(|((s, _), _)| *s == size)
            .map(|(_, line)| line.clone())
            .collect())
    }

    fn witnessed(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        Ok(self.read()?.witnessed.clone())
    }

    fn equivocation(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.read()?.equivocation.clone())
    }

    /// Writes a RocksDB store at `dir` holding the same log (one synced write), which
    /// [`RocksStore::open`] opens.
    fn backup(&self, dir: &Path) -> Result<(), StoreError> {
        prepare_backup_dir(dir)?;
        let (batch, history) = self.read()?.to_batch(self.suite());
        let rocks = RocksStore::create(dir, self.identity.clone())?;
        rocks.import(batch, &history)
    }
}

#[cfg(test)]
#[path = "tests.rs"]
pub(super) mod tests;
