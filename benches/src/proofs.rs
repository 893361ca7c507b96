//! P6: Merkle proof generation latency from the node's RocksDB store at growing tree sizes.
//!
//! The tree is grown in one [`RocksStore`] (the node's store, default options) by writing the
//! complete-subtree nodes [`Frontier::append`] returns, as the sequencer does, in synced batches;
//! at each size, inclusion and consistency proofs for random positions are generated through
//! [`TreeReader`] — the code path of `GET /v1/proofs/inclusion` and `/v1/proofs/consistency`
//! without the HTTP layer — and each is timed.

use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};
use ledger_format::hash::Hash;
use ledger_format::keys::SigningKey;
use ledger_format::merkle::{self, Frontier, NodeId};
use ledger_node::store::rocks::RocksOptions;
use ledger_node::store::{LogIdentity, RocksStore, Store, Tip, TreeReader, WriteBatch};

use crate::stats::percentile;

/// Origin of the proof store's log.
const ORIGIN: &str = "bench.proofs.example/1";
/// Leaves appended per durable write while growing the tree.
const LEAVES_PER_WRITE: u64 = 100_000;

/// Proof latencies at one tree size, in microseconds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProofLatency {
    /// Leaves in the tree.
    pub size: u64,
    /// Inclusion proofs: p50 and p99.
    pub inclusion_p50_us: f64,
    /// Inclusion proofs: p99.
    pub inclusion_p99_us: f64,
    /// Consistency proofs (from a random earlier size): p50.
    pub consistency_p50_us: f64,
    /// Consistency proofs: p99.
    pub consistency_p99_us: f64,
    /// Seconds spent growing the tree to this size (from the previous one).
    pub grow_seconds: f64,
    /// Measured after a full compaction of the store (else right after the writes).
    pub compacted: bool,
}

/// A small deterministic generator (SplitMix64) for proof positions.
#[derive(Debug, Clone)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

fn leaf(n: u64) -> Hash {
    merkle::leaf_hash(ledger_format::suite::Suite::Ed25519Sha256, &n.to_be_bytes())
}

/// Grows a tree in a new store at `dir` through `sizes` (increasing) and times `per_size` proofs of
/// each kind at each size, then once more at the largest size after a full compaction
/// (the last entry, `compacted`). Every proof is checked against the root. The store is opened
/// with `options` (the node's defaults, or e.g. no tree levels in memory, to compare).
///
/// # Errors
/// A store failure, or a proof that does not verify.
pub fn proof_latencies(
    dir: &Path,
    sizes: &[u64],
    per_size: usize,
    options: &RocksOptions,
) -> Result<Vec<ProofLatency>> {
    let store = RocksStore::create_with(
        dir,
        LogIdentity {
            origin: ORIGIN.into(),
            genesis_key: SigningKey::from_seed(&[0x33; 32]).public_key(),
        },
        options,
    )?;
    let mut frontier = Frontier::new(ledger_format::suite::Suite::Ed25519Sha256);
    let mut random = SplitMix(6962);
    let mut out = Vec::new();
    for &size in sizes {
        let started = Instant::now();
        while frontier.size() < size {
            let end = (frontier.size() + LEAVES_PER_WRITE).min(size);
            let mut batch = WriteBatch::default();
            let mut last = Hash::ZERO;
            for n in frontier.size()..end {
                last = leaf(n);
                batch.tree_nodes.extend(frontier.append(last)?);
            }
            batch.tip = Some(Tip {
                size: end,
                last_hash: last,
                last_time: 0,
            });
            store.write(batch)?;
        }
        let grow_seconds = started.elapsed().as_secs_f64();
        let root = frontier.root();
        let (inclusion, consistency) = time_proofs(&store, size, root, per_size, &mut random)?;
        if store.tree_nodes(&[NodeId::leaf(size - 1)])?[0] != Some(leaf(size - 1)) {
            bail!("the store lost the last leaf");
        }
        out.push(ProofLatency {
            size,
            inclusion_p50_us: percentile(&inclusion, 50.0),
            inclusion_p99_us: percentile(&inclusion, 99.0),
            consistency_p50_us: percentile(&consistency, 50.0),
            consistency_p99_us: percentile(&consistency, 99.0),
            grow_seconds,
            compacted: false,
        });
    }
    // Once more at the largest size, after a full compaction: the store's shape in a quiet
    // period, as against right after a burst of writes.
    if let Some(&size) = sizes.last() {
        drop(store);
        crate::disk::compacted_usage(dir)?;
        let store = RocksStore::open_with(dir, ORIGIN, options)?;
        let (inclusion, consistency) =
            time_proofs(&store, size, frontier.root(), per_size, &mut random)?;
        out.push(ProofLatency {
            size,
            inclusion_p50_us: percentile(&inclusion, 50.0),
            inclusion_p99_us: percentile(&inclusion, 99.0),
            consistency_p50_us: percentile(&consistency, 50.0),
            consistency_p99_us: percentile(&consistency, 99.0),
            grow_seconds: 0.0,
            compacted: true,
        });
    }
    Ok(out)
}

/// Times `per_size` inclusion and consistency proofs at random positions of the tree of `size`
/// leaves whose root is `root`, checking each; returns their latencies in microseconds.
fn time_proofs(
    store: &RocksStore,
    size: u64,
    root: Hash,
    per_size: usize,
    random: &mut SplitMix,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let reader = TreeReader(store);
    let mut inclusion = Vec::with_capacity(per_size);
    for _ in 0..per_size {
        let index = random.below(size);
        let t = Instant::now();
        let proof = merkle::inclusion_proof(index, size, &reader)?;
        inclusion.push(t.elapsed().as_secs_f64() * 1e6);
        proof.verify(
            ledger_format::suite::Suite::Ed25519Sha256,
            &leaf(index),
            &root,
        )?;
    }
    let mut consistency = Vec::with_capacity(per_size);
    for _ in 0..per_size {
        // From a random earlier size, as a client holding an older checkpoint asks; its root is
        // read from the same store, untimed.
        let old = 1 + random.below(size);
        let old_root = merkle::root_at(old, &reader)?;
        let t = Instant::now();
        let proof = merkle::consistency_proof(old, size, &reader)?;
        consistency.push(t.elapsed().as_secs_f64() * 1e6);
        proof.verify(ledger_format::suite::Suite::Ed25519Sha256, &old_root, &root)?;
    }
    Ok((inclusion, consistency))
}
