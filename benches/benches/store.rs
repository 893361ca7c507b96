//! Criterion benches of the node's write path: evidence appended through the sequencer (signature
//! checks, evidence index, tree, one synced RocksDB write per group commit), and the store's
//! synced write alone. `cargo bench -p ledger-benches --bench store`.
#![forbid(unsafe_code)]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ledger_benches::ingest::evidence_hash;
use ledger_format::Canonical;
use ledger_format::keys::SigningKey;
use ledger_format::merkle::{self, Frontier};
use ledger_format::record::{Body, Header, Record, SubmitterAdded, evidence_message};
use ledger_format::testing;
use ledger_node::clock::SystemClock;
use ledger_node::metrics::Metrics;
use ledger_node::sequencer::{EvidenceSubmission, Sequencer, SequencerConfig};
use ledger_node::store::{LogIdentity, RocksStore, Store, Tip, WriteBatch};

fn identity(agency: &SigningKey) -> LogIdentity {
    LogIdentity {
        origin: testing::ORIGIN.into(),
        genesis_key: agency.public_key(),
    }
}

fn submissions(service: &SigningKey, first: u64, count: u64) -> Vec<EvidenceSubmission> {
    (first..first + count)
        .map(|n| {
            let hash = evidence_hash(7, n);
            EvidenceSubmission {
                submitter: service.public_key(),
                hash,
                signature: service.sign(&evidence_message(testing::ORIGIN, &hash)),
            }
        })
        .collect()
}

/// Evidence batches through the sequencer: each iteration is one `submit_evidence` of `n` hashes,
/// answered after its group commit is durable.
fn sequencer(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let agency = testing::agency_key();
    let service = testing::submitter_key();
    let store = Arc::new(RocksStore::create(dir.path().join("db"), identity(&agency)).unwrap());
    let sequencer = runtime.block_on(async {
        let sequencer = Sequencer::start(
            store.clone(),
            agency.clone(),
            Arc::new(SystemClock),
            Arc::new(Metrics::new()),
            SequencerConfig::default(),
        )
        .unwrap();
        sequencer
            .handle
            .append(Body::SubmitterAdded(SubmitterAdded {
                key: service.public_key(),
                name: "bench".into(),
                credit_code: ledger_format::code::CreditCode::parse(testing::CREDIT_CODE).unwrap(),
            }))
            .await
            .unwrap();
        sequencer
    });
    let handle = sequencer.handle.clone();
    let mut next = 0u64;
    let mut group = c.benchmark_group("sequencer");
    group.sample_size(10);
    for n in [1u64, 100, 1_000, 10_000] {
        group.throughput(Throughput::Elements(n));
        group.bench_function(BenchmarkId::new("evidence_batch", n), |b| {
            b.iter_custom(|iters| {
                // Signing is the evidence service's work: done before the clock starts.
                let batches: Vec<_> = (0..iters)
                    .map(|_| {
                        next += n;
                        submissions(&service, next - n, n)
                    })
                    .collect();
                let started = Instant::now();
                for batch in batches {
                    let results = runtime.block_on(handle.submit_evidence(batch)).unwrap();
                    assert!(results.iter().all(Result::is_ok));
                }
                started.elapsed()
            })
        });
    }
    group.finish();
    drop(handle);
    runtime.block_on(sequencer.shutdown());
}

/// `Store::write` of `n` evidence records with their tree nodes and index entries: one synced
/// RocksDB write batch, no verification.
fn store_write(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let agency = testing::agency_key();
    let service = testing::submitter_key();
    let store = RocksStore::create(dir.path().join("db"), identity(&agency)).unwrap();
    let mut frontier = Frontier::new(ledger_format::suite::Suite::Ed25519Sha256);
    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    for n in [1u64, 1_000, 10_000] {
        group.throughput(Throughput::Elements(n));
        group.bench_function(BenchmarkId::new("write_evidence", n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut batch = WriteBatch::default();
                    let mut last = Default::default();
                    for s in submissions(&service, frontier.size(), n) {
                        let header = Header {
                            origin: testing::ORIGIN.into(),
                            index: frontier.size(),
                            prev_hash: last,
                            time: 0,
                            author: s.submitter,
                            officer: None,
                        };
                        let bytes = Record::evidence(header, s.hash, s.signature).encode();
                        last =
                            merkle::leaf_hash(ledger_format::suite::Suite::Ed25519Sha256, &bytes);
                        let index = frontier.size();
                        batch.tree_nodes.extend(frontier.append(last).unwrap());
                        batch.evidence.push((s.submitter, s.hash, index));
                        batch.records.push((index, bytes));
                    }
                    batch.tip = Some(Tip {
                        size: frontier.size(),
                        last_hash: last,
                        last_time: 0,
                    });
                    let started = Instant::now();
                    store.write(batch).unwrap();
                    total += started.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = sequencer, store_write
}
criterion_main!(benches);
