//! The stored form of a record in the `records` column family (schema version 3,
//! docs/format.md#store-records).
//!
//! A record's first fields are implied by where it is stored: its version, the store's origin, its
//! index (the key) and its `prev_hash` (the leaf hash of record `index - 1`, which the `tree`
//! family keeps at level 0; zero for record 0). A record whose first bytes are exactly those is
//! stored without them ([`ELIDED`]); any other bytes are stored as they are ([`VERBATIM`]), so
//! that every write reads back byte for byte.

use ledger_format::encoding::to_bcs;
use ledger_format::hash::Hash;
use ledger_format::record::FORMAT_VERSION;

/// Form byte: the canonical record bytes follow, unchanged.
pub(super) const VERBATIM: u8 = 0x00;
/// Form byte: the canonical record bytes after `BCS(version, origin, index, prev_hash)` follow.
pub(super) const ELIDED: u8 = 0x01;

/// Turns canonical record bytes into stored values of one log and back.
#[derive(Debug, Clone)]
pub(super) struct RecordForm {
    origin: String,
}

impl RecordForm {
    /// The stored form of records of the log `origin`.
    pub(super) fn new(origin: &str) -> Self {
        RecordForm {
            origin: origin.to_string(),
        }
    }

    /// The bytes that position `index` with previous leaf hash `prev` implies: the BCS encoding of
    /// the record's version, origin, index and `prev_hash` (its first four fields).
    fn implied(&self, index: u64, prev: &Hash) -> Vec<u8> {
        to_bcs(&(FORMAT_VERSION, self.origin.as_str(), index, prev))
    }

    /// The stored value of record `index` with canonical bytes `bytes`. `prev` is the leaf hash
    /// the store holds (or holds after this write) for record `index - 1` ([`Hash::ZERO`] for
    /// record 0), `None` when it holds none: then the record is stored verbatim.
    pub(super) fn store(&self, index: u64, bytes: &[u8], prev: Option<&Hash>) -> Vec<u8> {
        if let Some(prev) = prev {
            let implied = self.implied(index, prev);
            if let Some(rest) = bytes.strip_prefix(implied.as_slice()) {
                return [&[ELIDED], rest].concat();
            }
        }
        [&[VERBATIM], bytes].concat()
    }

    /// True when the stored value needs the previous leaf hash to be rebuilt.
    pub(super) fn needs_prev(stored: &[u8]) -> bool {
        stored.first() == Some(&ELIDED)
    }

    /// The canonical bytes of record `index` from its stored value; `prev` as for
    /// [`RecordForm::store`] (only read for an [`ELIDED`] value).
    ///
    /// # Errors
    /// Why the value cannot be rebuilt (an unknown form byte, an empty value, no `prev`).
    pub(super) fn rebuild(
        &self,
        index: u64,
        stored: &[u8],
        prev: Option<&Hash>,
    ) -> Result<Vec<u8>, String> {
        match stored.split_first() {
            Some((&VERBATIM, bytes)) => Ok(bytes.to_vec()),
            Some((&ELIDED, rest)) => {
                let prev = prev.ok_or_else(|| match index.checked_sub(1) {
                    Some(before) => format!("leaf hash tree/0/{before} missing: no prev_hash"),
                    None => "no prev_hash".to_string(),
                })?;
                Ok([self.implied(index, prev).as_slice(), rest].concat())
            }
            Some((form, _)) => Err(format!("unknown stored form {form:#04x}")),
            None => Err("empty value".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use ledger_format::encoding::Canonical;
    use ledger_format::record::Record;
    use ledger_format::testing::{ORIGIN, one_record_of_each_kind};

    use super::*;

    #[test]
    fn implied_bytes_are_the_first_fields_of_the_record() {
        let records = one_record_of_each_kind();
        let form = RecordForm::new(ORIGIN);
        let mut prev = Hash::ZERO;
        for record in &records {
            let bytes = record.encode();
            let implied = form.implied(record.header.index, &prev);
            assert!(
                bytes.starts_with(&implied),
                "record {}",
                record.header.index
            );
            let stored = form.store(record.header.index, &bytes, Some(&prev));
            assert_eq!(stored[0], ELIDED);
            assert_eq!(stored.len(), bytes.len() + 1 - implied.len());
            assert_eq!(
                form.rebuild(record.header.index, &stored, Some(&prev)),
                Ok(bytes.clone())
            );
            prev = Record::hash(record);
        }
    }

    #[test]
    fn unimplied_bytes_are_stored_verbatim() {
        let record = &one_record_of_each_kind()[1];
        let bytes = record.encode();
        let index = record.header.index;
        let right = record.header.prev_hash;
        let cases = [
            (RecordForm::new(ORIGIN), index, Some(Hash([9; 32]))), // another prev_hash
            (RecordForm::new(ORIGIN), index, None),                // no leaf hash known
            (RecordForm::new(ORIGIN), index + 1, Some(right)),     // another position
            (RecordForm::new("other.example/log"), index, Some(right)), // another log
        ];
        for (form, index, prev) in cases {
            let stored = form.store(index, &bytes, prev.as_ref());
            assert_eq!(stored, [&[VERBATIM], bytes.as_slice()].concat());
            assert_eq!(form.rebuild(index, &stored, None), Ok(bytes.clone()));
        }
        let garbage = [1u8, 2, 3];
        let stored = RecordForm::new(ORIGIN).store(0, &garbage, Some(&Hash::ZERO));
        assert_eq!(
            RecordForm::new(ORIGIN).rebuild(0, &stored, None),
            Ok(garbage.to_vec())
        );
    }

    #[test]
    fn unrebuildable_values_say_why() {
        let form = RecordForm::new(ORIGIN);
        assert_eq!(form.rebuild(0, &[], None), Err("empty value".into()));
        assert_eq!(
            form.rebuild(0, &[7, 1, 2], None),
            Err("unknown stored form 0x07".into())
        );
        assert_eq!(
            form.rebuild(5, &[ELIDED, 1, 2], None),
            Err("leaf hash tree/0/4 missing: no prev_hash".into())
        );
        assert!(!RecordForm::needs_prev(&[VERBATIM, 1]));
        assert!(RecordForm::needs_prev(&[ELIDED, 1]));
        assert!(!RecordForm::needs_prev(&[]));
    }
}
