//! The public board's two indexes (schema version 4, docs/format.md#store-board): `notices`, the
//! codes whose registration is in public notice now, kept in step with `states`; and
//! `announcements`, the indexes of the records the board announces. Both are written in the same
//! RocksDB batch as the states and records they follow, and rebuilt once when a store of schema
//! version 3 is opened.

use ledger_format::code::CertificateCode;
use ledger_format::encoding::Canonical;
use ledger_format::lifecycle::CertificateState;
use ledger_format::record::Record;

use super::{RocksStore, cf, corrupted, decode_u64, meta};
use crate::store::{SCHEMA_VERSION, Store, StoreError, WriteBatch, in_notice, is_announcement};

/// The schema version whose stores a migration brings to [`SCHEMA_VERSION`]: the same layout
/// without the board's two column families.
pub(super) const MIGRATES_FROM: u32 = 3;
/// Entries read and written per step of the migration.
const MIGRATION_CHUNK: usize = 10_000;

impl RocksStore {
    /// Puts the batch's board entries: a code in `notices` while its new state is in notice
    /// (deleted otherwise), and every announcement's index.
    pub(super) fn put_board(
        &self,
        rocks: &mut rocksdb::WriteBatch,
        batch: &WriteBatch,
    ) -> Result<(), StoreError> {
        let notices = self.cf(cf::NOTICES)?;
        for (code, state) in &batch.states {
            if in_notice(state) {
                rocks.put_cf(notices, code.as_str(), [0u8; 0]);
            } else {
                rocks.delete_cf(notices, code.as_str());
            }
        }
        let announcements = self.cf(cf::ANNOUNCEMENTS)?;
        for index in &batch.announcements {
            rocks.put_cf(announcements, index.to_be_bytes(), [0u8; 0]);
        }
        Ok(())
    }

    /// [`Store::notices_after`]: a page of `notices`, then each code's state.
    pub(super) fn read_notices_after(
        &self,
        after: Option<&CertificateCode>,
        limit: usize,
    ) -> Result<Vec<CertificateState>, StoreError> {
        // The key after `after`: its bytes followed by a zero byte.
        let start = after.map_or_else(Vec::new, |code| [code.as_str().as_bytes(), &[0]].concat());
        self.scan(cf::NOTICES, &[], &start, limit)?
            .into_iter()
            .map(|(key, _)| {
                let name = format!("notices/{}", String::from_utf8_lossy(&key));
                let code = std::str::from_utf8(&key)
                    .ok()
                    .and_then(|text| CertificateCode::parse(text).ok())
                    .ok_or_else(|| corrupted(&name, "not a certificate code"))?;
                self.state(&code)?
                    .ok_or_else(|| corrupted(name, "no state for the code"))
            })
            .collect()
    }

    /// [`Store::announcements_before`]: `announcements` read backwards from `before`.
    pub(super) fn read_announcements_before(
        &self,
        before: u64,
        limit: usize,
    ) -> Result<Vec<u64>, StoreError> {
        self.scan_back(cf::ANNOUNCEMENTS, before, limit)?
            .into_iter()
            .map(|(key, _)| {
                decode_u64(&key).ok_or_else(|| {
                    corrupted(
                        format!("announcements/{}", hex::encode(&key)),
                        "not an index",
                    )
                })
            })
            .collect()
    }

    /// Brings a store of schema version [`MIGRATES_FROM`] to [`SCHEMA_VERSION`]: fills the board's
    /// column families (created empty at open) from `states` and from the records `code_records`
    /// lists, then writes the new version. Every step only adds entries that the finished index
    /// holds, so an interrupted migration is simply run again at the next open.
    ///
    /// Cost: one pass over `states` and `code_records` and a read of every record about a
    /// certificate (evidence records, the bulk of a log, are not read).
    pub(super) fn migrate_board(&self) -> Result<(), StoreError> {
        let mut after: Option<CertificateCode> = None;
        loop {
            let states = self.states_after(after.as_ref(), MIGRATION_CHUNK)?;
            let Some(last) = states.last() else { break };
            after = Some(last.code.clone());
            let mut rocks = rocksdb::WriteBatch::default();
            let notices = self.cf(cf::NOTICES)?;
            for state in states.iter().filter(|s| in_notice(s)) {
                rocks.put_cf(notices, state.code.as_str(), [0u8; 0]);
            }
            self.commit(rocks)?;
        }
        let mut start: Vec<u8> = Vec::new();
        loop {
            let chunk = self.scan(cf::CODE_RECORDS, &[], &start, MIGRATION_CHUNK)?;
            let Some((last, _)) = chunk.last() else { break };
            start = [&last[..], &[0]].concat();
            let mut rocks = rocksdb::WriteBatch::default();
            let announcements = self.cf(cf::ANNOUNCEMENTS)?;
            for (key, _) in &chunk {
                let index = key
                    .len()
                    .checked_sub(8)
                    .and_then(|at| decode_u64(&key[at..]))
                    .ok_or_else(|| {
                        corrupted(format!("code_records/{}", hex::encode(key)), "no index")
                    })?;
                let bytes = self
                    .record(index)?
                    .ok_or_else(|| corrupted(format!("record/{index}"), "missing"))?;
                let record = Record::decode_exact(&bytes)
                    .map_err(|e| corrupted(format!("record/{index}"), e))?;
                if is_announcement(&record.body) {
                    rocks.put_cf(announcements, index.to_be_bytes(), [0u8; 0]);
                }
            }
            self.commit(rocks)?;
        }
        let mut rocks = rocksdb::WriteBatch::default();
        rocks.put_cf(
            self.cf(cf::META)?,
            meta::SCHEMA_VERSION,
            SCHEMA_VERSION.to_be_bytes(),
        );
        self.commit(rocks)?;
        tracing::info!(
            path = %self.path.display(),
            from = MIGRATES_FROM,
            to = SCHEMA_VERSION,
            "store migrated: the public board's indexes built"
        );
        Ok(())
    }
}
