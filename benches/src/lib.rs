//! Benchmarks and the load generator of the registration ledger (issue 6).
//!
//! The criterion benches in `benches/` time the pure core (encoding, Merkle and map proofs, bundle
//! verification) and the store's group commit. The load generator (`src/bin/loadgen.rs`) starts a
//! real node — RocksDB on disk, HTTP on loopback — drives it, and reports the figures P1–P7 of
//! docs/benchmarks.md, each beside the floor the same machine reaches in the same run. The
//! measurements live in this library, one module per figure group, so the binary stays a thin
//! sequence and a smoke test can run them at toy sizes.
#![forbid(unsafe_code)]

pub mod catchup;
pub mod disk;
pub mod ingest;
pub mod network;
pub mod node;
pub mod offline;
pub mod proofs;
pub mod report;
pub mod stats;

/// How large each measurement is. [`Scale::full`] is the published run (under 10 minutes on the
/// 2-core reference machine); [`Scale::quick`] is a smoke run of the same code in about a minute.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Scale {
    /// Name shown in the report (`full` or `quick`).
    pub name: &'static str,
    /// P1: evidence hashes posted through `POST /v1/evidence`.
    pub ingest_hashes: usize,
    /// P1: hashes per HTTP request (one batch).
    pub ingest_batch: usize,
    /// P1: HTTP connections posting concurrently.
    pub ingest_connections: usize,
    /// P2: probes (submit one hash, wait for its receipt) started per second.
    pub latency_probes_per_second: u32,
    /// P2: how long probes are started for, in seconds.
    pub latency_seconds: u32,
    /// P2: background evidence load, hashes per second, while the probes run.
    pub latency_background_per_second: usize,
    /// P4: records of the writer's log that the second node process catches up over libp2p.
    pub catchup_records: usize,
    /// P3: seconds each side (bundles, raw signatures) is timed for.
    pub offline_seconds: f64,
    /// P5: keys of the status map built in memory (the real bundle size).
    pub map_keys: u64,
    /// P6: tree sizes at which proof latency is measured.
    pub proof_sizes: Vec<u64>,
    /// P6: proofs of each kind timed at each size.
    pub proofs_per_size: usize,
}

impl Scale {
    /// The published run.
    pub fn full() -> Self {
        Scale {
            name: "full",
            ingest_hashes: 600_000,
            ingest_batch: 10_000,
            ingest_connections: 4,
            latency_probes_per_second: 20,
            latency_seconds: 20,
            latency_background_per_second: 20_000,
            catchup_records: 1_000_000,
            offline_seconds: 3.0,
            map_keys: 1_000_000,
            proof_sizes: vec![100_000, 1_000_000, 10_000_000],
            proofs_per_size: 5_000,
        }
    }

    /// A smoke run: every figure, at sizes that take about a minute.
    pub fn quick() -> Self {
        Scale {
            name: "quick",
            ingest_hashes: 40_000,
            ingest_batch: 2_000,
            ingest_connections: 2,
            latency_probes_per_second: 10,
            latency_seconds: 4,
            latency_background_per_second: 5_000,
            catchup_records: 100_000,
            offline_seconds: 0.5,
            map_keys: 20_000,
            proof_sizes: vec![10_000, 100_000],
            proofs_per_size: 500,
        }
    }
}
