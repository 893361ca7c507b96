//! P1 (durable evidence ingest through the HTTP batch API, beside a raw synced RocksDB write of the
//! same bytes) and P2 (submit → covered by a signed checkpoint).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use ledger_format::hash::Hash;
use ledger_format::keys::SecretKey;
use ledger_format::suite::Suite;

use crate::node::agent;

/// The evidence services the load generator registers and signs with: keys of `suite` with fixed
/// secrets (`0x60 + n`, 32 times).
///
/// # Errors
/// When a secret is not a key of the suite (every one is: SM2 scalars of that form are in range).
pub fn services(suite: Suite, count: u8) -> Result<Vec<SecretKey>> {
    (0..count)
        .map(|n| {
            SecretKey::from_secret_bytes(suite, &[0x60 + n; 32])
                .with_context(|| format!("evidence service {n} of {}", suite.name()))
        })
        .collect()
}

/// A distinct evidence hash: SHA-256 of the run's `nonce` and `n`.
pub fn evidence_hash(nonce: u64, n: u64) -> Hash {
    let mut input = [0u8; 16];
    input[..8].copy_from_slice(&nonce.to_be_bytes());
    input[8..].copy_from_slice(&n.to_be_bytes());
    ledger_format::sha256(&input)
}

/// JSON bodies of `POST /v1/evidence`, `batch` hashes each (`total` in all, hashes numbered from
/// `first`), signed with the client library by the services in turn, on every core.
///
/// # Errors
/// When signing fails (an invalid origin).
pub fn signed_bodies(
    origin: &str,
    services: &[SecretKey],
    nonce: u64,
    first: u64,
    total: usize,
    batch: usize,
) -> Result<Vec<Vec<u8>>> {
    let batches = total.div_ceil(batch.max(1));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = batches.div_ceil(threads);
    let sign = |b: usize| -> Result<Vec<u8>> {
        let start = b * batch;
        let end = ((b + 1) * batch).min(total);
        let hashes: Vec<Hash> = (start..end)
            .map(|i| evidence_hash(nonce, first + i as u64))
            .collect();
        let key = &services[b % services.len()];
        let submission = ledger_client::evidence::sign_submission(key, origin, &hashes)?;
        Ok(serde_json::to_vec(&submission)?)
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let sign = &sign;
                scope.spawn(move || {
                    (t * per_thread..((t + 1) * per_thread).min(batches))
                        .map(sign)
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut bodies = Vec::with_capacity(batches);
        for worker in workers {
            let part = worker
                .join()
                .map_err(|_| anyhow::anyhow!("a signing thread panicked"))??;
            bodies.extend(part);
        }
        Ok(bodies)
    })
}

/// Posts one evidence body; returns the number of receipts (the node answers after the batch is
/// durable).
///
/// # Errors
/// A transport error, or any status but 200/201.
pub fn post_evidence(agent: &ureq::Agent, base: &str, body: &[u8]) -> Result<usize> {
    let mut response = agent
        .post(&format!("{base}/v1/evidence"))
        .header("content-type", "application/json")
        .send(body)?;
    let status = response.status();
    let text = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()?;
    if status != 201 && status != 200 {
        bail!("POST /v1/evidence: HTTP {status}: {}", truncate(&text));
    }
    let parsed: serde_json::Value = serde_json::from_str(&text)?;
    Ok(parsed["receipts"].as_array().map_or(0, Vec::len))
}

fn truncate(text: &str) -> &str {
    text.get(..text.len().min(300)).unwrap_or(text)
}

/// What an ingest run achieved.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// Hashes acknowledged (durable).
    pub hashes: usize,
    /// From the first request sent to the last answer received.
    pub elapsed: Duration,
    /// Latency of each request, in seconds.
    pub request_seconds: Vec<f64>,
}

/// P1: posts `bodies` over `connections` concurrent keep-alive connections, as fast as the node
/// answers.
///
/// # Errors
/// The first failed request.
pub fn ingest(base: &str, bodies: Arc<Vec<Vec<u8>>>, connections: usize) -> Result<Ingested> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..connections.max(1))
        .map(|_| {
            let (next, bodies, base) = (next.clone(), bodies.clone(), base.to_owned());
            std::thread::spawn(move || -> Result<(usize, Vec<f64>)> {
                let agent = agent();
                let (mut acknowledged, mut latencies) = (0, Vec::new());
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(i) else {
                        return Ok((acknowledged, latencies));
                    };
                    let sent = Instant::now();
                    acknowledged += post_evidence(&agent, &base, body)?;
                    latencies.push(sent.elapsed().as_secs_f64());
                }
            })
        })
        .collect();
    let mut result = Ingested {
        hashes: 0,
        elapsed: Duration::ZERO,
        request_seconds: Vec::new(),
    };
    for worker in workers {
        let (hashes, latencies) = worker
            .join()
            .map_err(|_| anyhow::anyhow!("an ingest thread panicked"))??;
        result.hashes += hashes;
        result.request_seconds.extend(latencies);
    }
    result.elapsed = started.elapsed();
    Ok(result)
}

/// The P1 floor: `records` written into a fresh RocksDB at `dir` (default options) under their
/// big-endian index, `batch` per write batch, each write synced (WAL fsync), from one thread like
/// the sequencer. Returns the elapsed time of the writes.
///
/// # Errors
/// When RocksDB fails.
pub fn raw_rocksdb_floor(dir: &Path, records: &[Vec<u8>], batch: usize) -> Result<Duration> {
    let mut options = rocksdb::Options::default();
    options.create_if_missing(true);
    let db = rocksdb::DB::open(&options, dir).context("opening the floor database")?;
    let mut write = rocksdb::WriteOptions::default();
    write.set_sync(true);
    let started = Instant::now();
    for (n, chunk) in records.chunks(batch.max(1)).enumerate() {
        let mut wb = rocksdb::WriteBatch::default();
        for (i, bytes) in chunk.iter().enumerate() {
            let index = (n * batch + i) as u64;
            wb.put(index.to_be_bytes(), bytes);
        }
        db.write_opt(wb, &write)?;
    }
    Ok(started.elapsed())
}

/// One P2 probe's outcome.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    /// From sending the hash to holding a receipt under a signed checkpoint, in seconds.
    pub seconds: f64,
}

/// How P2 probes.
#[derive(Debug, Clone)]
pub struct Probing {
    /// Probes started per second.
    pub per_second: u32,
    /// For how many seconds.
    pub seconds: u32,
    /// The evidence service that signs the probes.
    pub prober: SecretKey,
    /// Makes the probes' hashes unique to the run.
    pub nonce: u64,
}

/// P2: while a background load posts `background_per_second` hashes per second (in ten batches a
/// second), starts probes at the rate of `probing`; each posts one new hash, then waits
/// for its receipt (`GET …/receipt?wait=true`), which the node serves once a signed checkpoint
/// covers the record, and verifies the receipt offline against the node's trust policy.
///
/// # Errors
/// A failed request or a receipt that does not verify.
pub fn submit_to_checkpoint(
    base: &str,
    origin: &str,
    policy_text: &str,
    background: Vec<Vec<u8>>,
    probing: &Probing,
) -> Result<Vec<Probe>> {
    let Probing {
        per_second,
        seconds,
        ref prober,
        nonce,
    } = *probing;
    let policy = ledger_client::policy::parse_policy(policy_text)?;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (stop, base) = (stop.clone(), base.to_owned());
        std::thread::spawn(move || -> Result<usize> {
            let agent = agent();
            let started = Instant::now();
            let mut sent = 0;
            for (i, body) in background.iter().enumerate() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let due = started + Duration::from_millis(100 * i as u64);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                sent += post_evidence(&agent, &base, body)?;
            }
            Ok(sent)
        })
    };
    let interval = Duration::from_secs_f64(1.0 / f64::from(per_second.max(1)));
    let started = Instant::now();
    let total = per_second * seconds;
    let probes: Vec<_> = (0..total)
        .map(|n| {
            let due = started + interval * n;
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let (base, origin, key, policy) = (
                base.to_owned(),
                origin.to_owned(),
                prober.clone(),
                policy.clone(),
            );
            std::thread::spawn(move || -> Result<Probe> {
                let hash = evidence_hash(nonce, u64::from(n));
                let body = serde_json::to_vec(&ledger_client::evidence::sign_submission(
                    &key,
                    &origin,
                    &[hash],
                )?)?;
                let agent = agent();
                let sent = Instant::now();
                if post_evidence(&agent, &base, &body)? != 1 {
                    bail!("probe {n}: no receipt index");
                }
                let url = format!(
                    "{base}/v1/evidence/{}/{hash}/receipt?wait=true",
                    key.public_key()
                );
                loop {
                    let mut response = agent
                        .get(&url)
                        .header("accept", "application/octet-stream")
                        .call()?;
                    if response.status() == 202 {
                        // Still pending after the node's longest wait: ask again.
                        continue;
                    }
                    if response.status() != 200 {
                        bail!("probe {n}: receipt HTTP {}", response.status());
                    }
                    let bytes = response.body_mut().read_to_vec()?;
                    let seconds = sent.elapsed().as_secs_f64();
                    let receipt = ledger_client::receipt::read_receipt(&bytes)?;
                    let now = ledger_node::clock::Clock::now(&ledger_node::clock::SystemClock);
                    ledger_client::receipt::verify_receipt(&hash, &receipt, &policy, now + 1)
                        .with_context(|| format!("probe {n}: receipt does not verify"))?;
                    return Ok(Probe { seconds });
                }
            })
        })
        .collect();
    // Every probe and the background load end before any error is returned, so that nothing of
    // P2 still loads the node when the caller moves on.
    let results: Vec<Result<Probe>> = probes
        .into_iter()
        .map(|probe| {
            probe
                .join()
                .map_err(|_| anyhow::anyhow!("a probe panicked"))?
        })
        .collect();
    stop.store(true, Ordering::Relaxed);
    load.join()
        .map_err(|_| anyhow::anyhow!("the background load panicked"))??;
    results.into_iter().collect()
}
