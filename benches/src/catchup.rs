//! P4: catch-up of a second node with full verification, beside the signature floor of the log's
//! suite (Ed25519: ZIP-215 batches; SM2: one by one, as SM2 has no batch equation).
//!
//! The figure itself is measured over libp2p between two node processes (`crate::network`).
//! [`verify_and_store`] measures, in-process, the part of catch-up that is this machine's work
//! without the network: the records of the first node's RocksDB store are
//! replayed with [`LogReplay`], the ledger's one replay engine (canonical decoding, index, origin,
//! hash chain, time, author, signature by the suite's rule, registry and lifecycle rules, tree — what
//! the sequencer, a mirror and `ledger-node audit` run) and written, with their tree nodes and
//! indexes, into a second node's store in durable write batches ([`WriteBatch::add_replayed`], the
//! mirror's translation).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use ledger_format::replay::LogReplay;
use ledger_node::store::rocks::MAX_RECORDS_PER_READ;
use ledger_node::store::{Store, WriteBatch};

/// What a catch-up achieved.
#[derive(Debug, Clone, Copy)]
pub struct CatchUp {
    /// Records verified and stored.
    pub records: u64,
    /// Wall time, reading the first record to the last durable write.
    pub elapsed: Duration,
    /// The replayed tree root equals the source's at its tip.
    pub root_matches: bool,
    /// Time the reader thread spent reading the source store.
    pub read: Duration,
    /// Time spent verifying signatures (decode and batches on every core).
    pub verify: Duration,
    /// Time spent in the replay's other checks and building write batches.
    pub replay: Duration,
    /// Time the writer thread spent in synced writes.
    pub write: Duration,
}

/// Replays every record of `source` with full verification into `dest` (an empty store of the
/// same log): three threads in a pipeline — read, verify, write — so store I/O overlaps
/// verification.
///
/// # Errors
/// The first record that fails verification, or a store failure.
pub fn verify_and_store<S: Store + ?Sized, D: Store + ?Sized>(
    source: &S,
    dest: &D,
) -> Result<CatchUp> {
    let identity = source.identity()?;
    let tip = source.tip()?;
    let started = Instant::now();
    let (chunks_tx, chunks_rx) = mpsc::sync_channel::<Vec<Vec<u8>>>(2);
    let (batches_tx, batches_rx) = mpsc::sync_channel::<WriteBatch>(2);
    let (mut verify, mut replaying) = (Duration::ZERO, Duration::ZERO);
    let (records, root, read, write) = std::thread::scope(|scope| -> Result<(u64, _, _, _)> {
        let reader = scope.spawn(move || -> Result<Duration> {
            let mut start = 0;
            let mut busy = Duration::ZERO;
            while start < tip.size {
                let end = (start + MAX_RECORDS_PER_READ as u64).min(tip.size);
                let began = Instant::now();
                let chunk = source.records(start, end)?;
                busy += began.elapsed();
                if chunk.is_empty() {
                    return Err(anyhow!("source store: no records from {start}"));
                }
                start += chunk.len() as u64;
                if chunks_tx.send(chunk).is_err() {
                    break;
                }
            }
            Ok(busy)
        });
        let writer = scope.spawn(move || -> Result<Duration> {
            let mut busy = Duration::ZERO;
            for batch in batches_rx {
                let began = Instant::now();
                dest.write(batch)?;
                busy += began.elapsed();
            }
            Ok(busy)
        });
        let mut replay = LogReplay::new(&identity.origin, identity.genesis_key);
        for chunk in chunks_rx {
            let mut batch = WriteBatch::default();
            // The mirrors' own path: signatures in batches on every core, then the engine.
            let began = Instant::now();
            let verified = ledger_node::parallel::verify_records(replay.size(), &chunk)
                .context("verifying")?;
            let verified_at = Instant::now();
            verify += verified_at - began;
            for (bytes, record) in chunk.into_iter().zip(verified) {
                let replayed = replay.apply_verified(record).context("verifying")?;
                batch.add_replayed(bytes, replayed);
            }
            replaying += verified_at.elapsed();
            if batches_tx.send(batch).is_err() {
                break;
            }
        }
        drop(batches_tx);
        let read = reader
            .join()
            .map_err(|_| anyhow!("the reader panicked"))??;
        let write = writer
            .join()
            .map_err(|_| anyhow!("the writer panicked"))??;
        Ok((replay.size(), replay.root(), read, write))
    })?;
    let elapsed = started.elapsed();
    let source_root =
        ledger_format::merkle::root_at(tip.size, &ledger_node::store::TreeReader(source))?;
    Ok(CatchUp {
        records,
        elapsed,
        root_matches: root == source_root && dest.tip()?.size == tip.size,
        read,
        verify,
        replay: replaying,
        write,
    })
}

/// The signature floors of P4, over the same records' signatures, with the ledger's rule for the
/// log's suite (ZIP-215 for Ed25519, GB/T 32918.2 for SM2; docs/format.md#keys).
#[derive(Debug, Clone, Copy)]
pub struct SignatureFloors {
    /// Signatures checked.
    pub signatures: u64,
    /// [`ledger_node::parallel::verify_records`] over ranges of the protocol's size: decoding and
    /// verification (Ed25519 in batches, SM2 one by one), what a mirror runs on every core before anything else.
    pub records: Duration,
    /// CPU time (every thread) [`SignatureFloors::records`] took.
    pub records_cpu: Duration,
    /// [`ledger_format::keys::verify_batch`] alone in batches of
    /// [`ledger_node::parallel::VERIFY_CHUNK`] on every core, over inputs decoded beforehand.
    pub batch: Duration,
}

/// The P4 floors: the same records checked with the mirrors' own signature step (decode and
/// verification on every core: ZIP-215 batches for Ed25519, one by one for SM2, [`ledger_node::parallel::verify_records`]) and with
/// [`ledger_format::keys::verify_batch`] alone on inputs decoded beforehand (untimed).
///
/// # Errors
/// When a record does not decode, or a signature does not verify.
pub fn signature_floors<S: Store + ?Sized>(source: &S) -> Result<SignatureFloors> {
    use ledger_format::Canonical;
    use ledger_node::parallel::{VERIFY_CHUNK, on_every_core, verify_records};
    let tip = source.tip()?;
    let mut ranges = Vec::new();
    let mut start = 0;
    while start < tip.size {
        let chunk = source.records(start, tip.size)?;
        if chunk.is_empty() {
            return Err(anyhow!("source store: no records from {start}"));
        }
        start += chunk.len() as u64;
        ranges.push(chunk);
    }
    let range_len = ledger_node::replication::protocol::MAX_RANGE_RECORDS as usize;
    let cpu = || crate::network::cpu_time_of(std::process::id()).unwrap_or_default();
    let cpu_before = cpu();
    let started = Instant::now();
    let mut first = 0u64;
    for part in ranges.iter() {
        for range in part.chunks(range_len) {
            verify_records(first, range).context("verifying")?;
            first += range.len() as u64;
        }
    }
    let records = started.elapsed();
    let records_cpu = cpu().saturating_sub(cpu_before);
    let mut inputs = Vec::with_capacity(tip.size as usize);
    for bytes in ranges.iter().flatten() {
        let record = ledger_format::record::Record::decode_exact(bytes)?;
        inputs.push((
            record.header.author,
            record.signed_message(),
            record.signature,
        ));
    }
    let batches: Vec<_> = inputs.chunks(VERIFY_CHUNK).collect();
    let started = Instant::now();
    let checked = on_every_core(&batches, |_, batch| {
        ledger_format::keys::verify_batch(batch.iter().map(|(k, m, s)| (k, m.as_slice(), s)))
    })
    .ok_or_else(|| anyhow!("a verifier panicked"))?;
    let batch = started.elapsed();
    for result in checked {
        result.map_err(|e| anyhow!("a batch did not verify: {e}"))?;
    }
    Ok(SignatureFloors {
        signatures: inputs.len() as u64,
        records,
        records_cpu,
        batch,
    })
}
