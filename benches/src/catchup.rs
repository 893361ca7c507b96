//! P4: catch-up of a second node with full verification, beside the batch-verify floor.
//!
//! Catch-up over libp2p is not built yet (issue 5). Until it is, [`verify_and_store`] measures the
//! part of catch-up that is this machine's work: the records of the first node's RocksDB store are
//! replayed with [`LogReplay`], the ledger's one replay engine (canonical decoding, index, origin,
//! hash chain, time, author, strict Ed25519 signature, registry and lifecycle rules, tree — what
//! the sequencer, a mirror and `ledger-node audit` run) and written, with their tree nodes and
//! indexes, into a second node's store in durable write batches ([`WriteBatch::add_replayed`], the
//! mirror's translation). A real
//! catch-up measurement replaces this function and keeps its result type.

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
    let (records, root) = std::thread::scope(|scope| -> Result<(u64, _)> {
        let reader = scope.spawn(move || -> Result<()> {
            let mut start = 0;
            while start < tip.size {
                let end = (start + MAX_RECORDS_PER_READ as u64).min(tip.size);
                let chunk = source.records(start, end)?;
                if chunk.is_empty() {
                    return Err(anyhow!("source store: no records from {start}"));
                }
                start += chunk.len() as u64;
                if chunks_tx.send(chunk).is_err() {
                    break;
                }
            }
            Ok(())
        });
        let writer = scope.spawn(move || -> Result<()> {
            for batch in batches_rx {
                dest.write(batch)?;
            }
            Ok(())
        });
        let mut replay = LogReplay::new(&identity.origin, identity.genesis_key);
        for chunk in chunks_rx {
            let mut batch = WriteBatch::default();
            // The mirrors' own path: signatures in batches on every core, then the engine.
            let verified = ledger_node::parallel::verify_records(replay.size(), &chunk)
                .context("verifying")?;
            for (bytes, record) in chunk.into_iter().zip(verified) {
                let replayed = replay.apply_verified(record).context("verifying")?;
                batch.add_replayed(bytes, replayed);
            }
            if batches_tx.send(batch).is_err() {
                break;
            }
        }
        drop(batches_tx);
        reader
            .join()
            .map_err(|_| anyhow!("the reader panicked"))??;
        writer
            .join()
            .map_err(|_| anyhow!("the writer panicked"))??;
        Ok((replay.size(), replay.root()))
    })?;
    let elapsed = started.elapsed();
    let source_root =
        ledger_format::merkle::root_at(tip.size, &ledger_node::store::TreeReader(source))?;
    Ok(CatchUp {
        records,
        elapsed,
        root_matches: root == source_root && dest.tip()?.size == tip.size,
    })
}

/// The signature floors of P4, over the same records' signatures.
#[derive(Debug, Clone, Copy)]
pub struct SignatureFloors {
    /// Signatures checked.
    pub signatures: u64,
    /// `ed25519_dalek::verify_batch` in batches of 1,024, on every core.
    pub batch: Duration,
    /// `verify_strict` one by one (what `Record::verify_signature` does), on every core.
    pub strict: Duration,
}

/// The P4 floor: the same records' signatures checked with `ed25519_dalek::verify_batch` in
/// batches of 1,024 on every core; and, for reference, with `verify_strict` one by one on every
/// core. The inputs are decoded beforehand, untimed.
///
/// # Errors
/// When a record does not decode, or a signature does not verify.
pub fn signature_floors<S: Store + ?Sized>(source: &S) -> Result<SignatureFloors> {
    use ledger_format::Canonical;
    let tip = source.tip()?;
    let mut inputs = Vec::with_capacity(tip.size as usize);
    let mut start = 0;
    while start < tip.size {
        let chunk = source.records(start, tip.size)?;
        if chunk.is_empty() {
            return Err(anyhow!("source store: no records from {start}"));
        }
        start += chunk.len() as u64;
        for bytes in chunk {
            let record = ledger_format::record::Record::decode_exact(&bytes)?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&record.header.author.0)?;
            let signature = ed25519_dalek::Signature::from_bytes(&record.signature.0);
            inputs.push((record.signed_message(), signature, key));
        }
    }
    let batch = on_every_core(&inputs, |part| {
        for batch in part.chunks(1024) {
            let messages: Vec<&[u8]> = batch.iter().map(|i| i.0.as_slice()).collect();
            let signatures: Vec<_> = batch.iter().map(|i| i.1).collect();
            let keys: Vec<_> = batch.iter().map(|i| i.2).collect();
            ed25519_dalek::verify_batch(&messages, &signatures, &keys)?;
        }
        Ok(())
    })?;
    let strict = on_every_core(&inputs, |part| {
        for (message, signature, key) in part {
            key.verify_strict(message, signature)?;
        }
        Ok(())
    })?;
    Ok(SignatureFloors {
        signatures: inputs.len() as u64,
        batch,
        strict,
    })
}

type SignatureInput = (
    Vec<u8>,
    ed25519_dalek::Signature,
    ed25519_dalek::VerifyingKey,
);

/// Runs `work` over `inputs` split evenly across the cores; returns the wall time.
fn on_every_core(
    inputs: &[SignatureInput],
    work: impl Fn(&[SignatureInput]) -> Result<()> + Sync,
) -> Result<Duration> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = inputs.len().div_ceil(threads).max(1);
    let started = Instant::now();
    std::thread::scope(|scope| -> Result<()> {
        let workers: Vec<_> = inputs
            .chunks(per_thread)
            .map(|part| {
                let work = &work;
                scope.spawn(move || work(part))
            })
            .collect();
        for worker in workers {
            worker
                .join()
                .map_err(|_| anyhow!("a verifier panicked"))??;
        }
        Ok(())
    })?;
    Ok(started.elapsed())
}
