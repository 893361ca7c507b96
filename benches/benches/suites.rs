//! Criterion benches of the two cryptographic suites side by side (docs/format.md#suites): signing
//! and verifying an evidence-sized message with Ed25519 and with SM2 (default distinguishing ID,
//! ZA included), and hashing 32 B and 1 KiB with SHA-256 and with SM3.
//! `cargo bench -p ledger-benches --bench suites`.
#![forbid(unsafe_code)]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ledger_format::suite::Suite;
use ledger_format::suite::sm2::Sm2SigningKey;
use ledger_format::testing;

/// The message an evidence service signs: the size of what records and checkpoints sign.
fn message() -> Vec<u8> {
    ledger_format::record::evidence_message(testing::ORIGIN, &ledger_format::sha256(b"evidence"))
}

fn signatures(c: &mut Criterion) {
    let message = message();
    let ed25519 = ledger_format::SigningKey::from_seed(&[7; 32]);
    let ed25519_public = ed25519.public_key();
    let ed25519_signature = ed25519.sign(&message);
    let sm2 = Sm2SigningKey::from_secret_bytes(&[7; 32]).unwrap();
    let sm2_public = sm2.public_key();
    let sm2_signature = sm2.sign(&message).unwrap();

    let mut group = c.benchmark_group("suite_signatures");
    group.throughput(Throughput::Elements(1));
    group.bench_function("ed25519_sign", |b| {
        b.iter(|| ed25519.sign(black_box(&message)))
    });
    group.bench_function("ed25519_verify", |b| {
        b.iter(|| {
            ed25519_public
                .verify(black_box(&message), &ed25519_signature)
                .unwrap()
        })
    });
    group.bench_function("sm2_sign", |b| {
        b.iter(|| sm2.sign(black_box(&message)).unwrap())
    });
    group.bench_function("sm2_verify", |b| {
        b.iter(|| {
            sm2_public
                .verify(black_box(&message), &sm2_signature)
                .unwrap()
        })
    });
    group.finish();
}

fn hashes(c: &mut Criterion) {
    let mut group = c.benchmark_group("suite_hashes");
    for size in [32usize, 1024] {
        let data: Vec<u8> = (0..size).map(|i| i as u8).collect();
        group.throughput(Throughput::Bytes(size as u64));
        for suite in Suite::ALL {
            group.bench_function(BenchmarkId::new(suite.hash_name(), size), |b| {
                b.iter(|| suite.hash(black_box(&data)))
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = signatures, hashes
}
criterion_main!(benches);
