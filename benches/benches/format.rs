//! Criterion benches of the pure core: canonical encoding and decoding of every record kind, Merkle
//! append and proof generation at 10^5, 10^6 and 10^7 leaves, status-map proofs, offline bundle
//! verification, and signature checks one by one and in a batch. `cargo bench -p ledger-benches --bench format`.
#![forbid(unsafe_code)]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ledger_benches::offline;
use ledger_benches::proofs::SplitMix;
use ledger_format::Canonical;
use ledger_format::bundle::verify_bundle_bytes;
use ledger_format::hash::Hash;
use ledger_format::map::{self, MemoryMapStore};
use ledger_format::merkle::{self, Frontier, MemoryTree};
use ledger_format::record::Record;
use ledger_format::testing;

fn records(c: &mut Criterion) {
    let mut group = c.benchmark_group("record");
    for record in testing::one_record_of_each_kind() {
        let kind = record.body.kind_name();
        let bytes = record.encode();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(BenchmarkId::new("encode", kind), |b| {
            b.iter(|| black_box(&record).encode())
        });
        group.bench_function(BenchmarkId::new("decode", kind), |b| {
            b.iter(|| Record::decode_exact(black_box(&bytes)).unwrap())
        });
    }
    group.finish();
}

fn leaf(n: u64) -> Hash {
    merkle::leaf_hash(ledger_format::suite::Suite::Ed25519Sha256, &n.to_be_bytes())
}

fn merkle_trees(c: &mut Criterion) {
    let mut group = c.benchmark_group("merkle");
    group.bench_function("append", |b| {
        let mut frontier = Frontier::new(ledger_format::suite::Suite::Ed25519Sha256);
        let mut n = 0u64;
        b.iter(|| {
            n += 1;
            black_box(frontier.append(leaf(n)).unwrap());
        })
    });
    // One tree grown through the sizes: 10^7 leaves hold 640 MB of hashes.
    let mut tree = MemoryTree::new(ledger_format::suite::Suite::Ed25519Sha256);
    let mut random = SplitMix(1);
    for size in [100_000u64, 1_000_000, 10_000_000] {
        for n in tree.size()..size {
            tree.push_hash(leaf(n)).unwrap();
        }
        group.bench_function(BenchmarkId::new("inclusion_proof", size), |b| {
            b.iter(|| merkle::inclusion_proof(random.below(size), size, &tree).unwrap())
        });
        group.bench_function(BenchmarkId::new("consistency_proof", size), |b| {
            b.iter(|| merkle::consistency_proof(1 + random.below(size), size, &tree).unwrap())
        });
        let proof = merkle::inclusion_proof(size / 3, size, &tree).unwrap();
        let root = tree.root();
        group.bench_function(BenchmarkId::new("inclusion_verify", size), |b| {
            b.iter(|| {
                proof
                    .verify(
                        ledger_format::suite::Suite::Ed25519Sha256,
                        &leaf(size / 3),
                        &root,
                    )
                    .unwrap()
            })
        });
    }
    group.finish();
}

fn map_proofs(c: &mut Criterion) {
    let mut group = c.benchmark_group("map");
    let mut store = MemoryMapStore::new(ledger_format::suite::Suite::Ed25519Sha256);
    let mut keys: Vec<Hash> = Vec::new();
    for size in [100_000u64, 1_000_000] {
        let mut updates: Vec<(Hash, Option<Hash>)> = (keys.len() as u64..size)
            .map(|n| {
                let key = ledger_format::sha256(&n.to_be_bytes());
                (key, Some(ledger_format::sha256(&key.0)))
            })
            .collect();
        updates.sort_by_key(|u| u.0);
        keys.extend(updates.iter().map(|u| u.0));
        let update = map::apply(&store, store.root(), &updates).unwrap();
        store.apply_update(&update);
        let root = store.root();
        let mut random = SplitMix(size);
        group.bench_function(BenchmarkId::new("prove", size), |b| {
            b.iter(|| {
                let key = keys[random.below(keys.len() as u64) as usize];
                map::prove(&store, root, key).unwrap()
            })
        });
        let key = keys[keys.len() / 2];
        let value = ledger_format::sha256(&key.0);
        let proof = map::prove(&store, root, key).unwrap();
        group.bench_function(BenchmarkId::new("verify", size), |b| {
            b.iter(|| {
                map::verify(
                    ledger_format::suite::Suite::Ed25519Sha256,
                    root,
                    key,
                    Some(value),
                    black_box(&proof),
                )
                .unwrap()
            })
        });
        let absent = ledger_format::sha256(b"absent");
        group.bench_function(BenchmarkId::new("prove_absent", size), |b| {
            b.iter(|| map::prove(&store, root, absent).unwrap())
        });
    }
    group.finish();
}

fn bundles(c: &mut Criterion) {
    let fixture =
        offline::bundle_fixture(ledger_format::suite::Suite::Ed25519Sha256, 100_000, 10).unwrap();
    let mut group = c.benchmark_group("bundle");
    group.throughput(Throughput::Elements(1));
    group.bench_function("verify_3_cosignatures_1e5_certificates", |b| {
        b.iter(|| verify_bundle_bytes(black_box(&fixture.bytes), &fixture.policy, fixture.at))
    });
    group.bench_function("decode", |b| {
        b.iter(|| ledger_format::bundle::Bundle::decode_exact(black_box(&fixture.bytes)).unwrap())
    });
    group.finish();
}

/// The one signature rule (ZIP-215, docs/format.md#keys): 256 evidence-sized messages signed by 4
/// services, checked one by one and as one batch.
fn signatures(c: &mut Criterion) {
    let keys: Vec<_> = (1..=4u8)
        .map(|n| ledger_format::SigningKey::from_seed(&[n; 32]))
        .collect();
    let publics: Vec<_> = keys.iter().map(|k| k.public_key()).collect();
    let messages: Vec<Vec<u8>> = (0..256u32)
        .map(|i| {
            ledger_format::record::evidence_message(
                testing::ORIGIN,
                &ledger_format::sha256(&i.to_be_bytes()),
            )
        })
        .collect();
    let signatures: Vec<_> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| keys[i % 4].sign(m))
        .collect();
    let items: Vec<_> = (0..256)
        .map(|i| (&publics[i % 4], messages[i].as_slice(), &signatures[i]))
        .collect();
    let mut group = c.benchmark_group("signatures");
    group.throughput(Throughput::Elements(256));
    group.bench_function("single_256", |b| {
        b.iter(|| {
            for (key, message, signature) in &items {
                key.verify(black_box(message), signature).unwrap();
            }
        })
    });
    group.bench_function("batch_256", |b| {
        b.iter(|| ledger_format::keys::verify_batch(black_box(items.iter().copied())).unwrap())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = records, merkle_trees, map_proofs, bundles, signatures
}
criterion_main!(benches);
