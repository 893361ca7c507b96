//! P7: bytes on disk per evidence record after a full compaction.
//!
//! The node's store is closed, then opened again with the options the node persisted (RocksDB's
//! `OPTIONS` file: compression, filters, block sizes per column family), so the compaction writes
//! exactly what the node's own compactions would; every column family is compacted fully and the
//! sizes of its SST files are summed.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

/// Sizes after compaction.
#[derive(Debug, Clone, Serialize)]
pub struct DiskUsage {
    /// SST bytes of every column family.
    pub total_sst_bytes: u64,
    /// SST bytes per column family.
    pub column_families: Vec<(String, u64)>,
}

/// Compacts every column family of the closed RocksDB at `path` with its persisted options and
/// returns the SST sizes.
///
/// # Errors
/// When the database cannot be opened or read.
pub fn compacted_usage(path: &Path) -> Result<DiskUsage> {
    let cache = rocksdb::Cache::new_lru_cache(64 << 20);
    let (mut options, families) =
        rocksdb::Options::load_latest(path, rocksdb::Env::new()?, false, cache)
            .context("reading the store's persisted options")?;
    // A store that was created and never reopened persisted its creation flags.
    options.set_error_if_exists(false);
    options.create_if_missing(false);
    let names: Vec<String> = families.iter().map(|f| f.name().to_owned()).collect();
    let db =
        rocksdb::DB::open_cf_descriptors(&options, path, families).context("opening the store")?;
    let mut usage = DiskUsage {
        total_sst_bytes: 0,
        column_families: Vec::new(),
    };
    for name in names {
        let handle = db
            .cf_handle(&name)
            .with_context(|| format!("column family {name}"))?;
        db.compact_range_cf(handle, None::<&[u8]>, None::<&[u8]>);
        let bytes = db
            .property_int_value_cf(handle, "rocksdb.total-sst-files-size")?
            .unwrap_or(0);
        usage.total_sst_bytes += bytes;
        usage.column_families.push((name, bytes));
    }
    Ok(usage)
}
