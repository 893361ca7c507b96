//! `ledger-node audit`: re-verify a whole store (docs/operations.md#audit).
//!
//! Replays every record with [`LogReplay`], the ledger's one replay engine (the code the sequencer
//! ran when it wrote them: canonical bytes, index, origin, hash chain, time, author, signature,
//! regions, registry and lifecycle rules), compares every stored tree node with the recomputed one,
//! checks every signed checkpoint's tree root, status-map root and signature at its size, and at
//! the end compares the stored certificate states, submitters and calendars with the replayed ones.
//! It stops at the first finding and names it.

use std::collections::BTreeSet;

use ledger_format::checkpoint::{SignedCheckpoint, VerifierKey};
use ledger_format::code::CertificateCode;
use ledger_format::hash::Hash;
use ledger_format::map::{self, MemoryMapStore};
use ledger_format::merkle::NodeId;
use ledger_format::replay::{LogReplay, ReplayError};

use crate::store::{Store, StoreError, StoredCheckpoint};

/// Records read per store call.
const AUDIT_CHUNK: u64 = 4_096;
/// Checkpoints read per store call.
const CHECKPOINT_PAGE: usize = 1_024;

/// The first thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Finding {
    /// A record breaks a rule.
    #[error("{0}")]
    Record(#[from] ReplayError),
    /// A stored tree node differs from the one recomputed from the records.
    #[error("tree node level {} index {}: stored {stored}, recomputed {computed}", id.level, id.index)]
    TreeNode {
        /// The node.
        id: NodeId,
        /// What the store holds (zero if missing).
        stored: Hash,
        /// What the records give.
        computed: Hash,
    },
    /// A signed checkpoint does not match the log at its size.
    #[error("checkpoint of size {size}: {reason}")]
    Checkpoint {
        /// Its size.
        size: u64,
        /// What is wrong.
        reason: String,
    },
    /// A stored state or registry entry differs from the replayed one.
    #[error("{what}: stored value differs from the replayed one")]
    Derived {
        /// Which value (`state/<code>`, `checkpointed-state/<code>`, `submitters`, ...).
        what: String,
    },
    /// The store could not be read.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// What a clean audit covered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditReport {
    /// Records replayed.
    pub records: u64,
    /// Signed checkpoints checked.
    pub checkpoints: u64,
    /// Certificates whose state was rebuilt.
    pub certificates: usize,
    /// The tree root at the tip.
    pub root: Hash,
    /// Acts of the agency recorded after their deadline (R16, R21, R22): record index and what
    /// was late, in log order.
    pub late_acts: Vec<(u64, ledger_format::lifecycle::LateAct)>,
}

/// Audits `store`; `progress(done, total)` is called after every chunk of records.
///
/// # Errors
/// The first [`Finding`].
pub fn audit<S: Store + ?Sized>(
    store: &S,
    regions: &[u32],
    profiles: &[String],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<AuditReport, Finding> {
    let identity = store.identity()?;
    let tip = store.tip()?;
    let mut replay = LogReplay::new(&identity.origin, identity.genesis_key)
        .with_regions(regions)
        .with_profile_policy(ledger_format::profile::ProfilePolicy::new(
            profiles.to_vec(),
        ));
    let mut checkpoints = Checkpoints::new(store)?;
    let mut map = MapShadow {
        store: MemoryMapStore::new(store.suite()),
        dirty: BTreeSet::new(),
    };
    let mut report = AuditReport::default();
    if checkpoints.check_due(&replay, &mut map, store, &identity.origin)? {
        report.checkpoints += 1;
    }
    while replay.size() < tip.size {
        let start = replay.size();
        let chunk = store.records(start, (start + AUDIT_CHUNK).min(tip.size))?;
        if chunk.is_empty() {
            return Err(Finding::Record(ReplayError::Index {
                expected: start,
                found: u64::MAX,
            }));
        }
        for bytes in &chunk {
            let replayed = replay.apply(bytes)?;
            if let Some(code) = replayed.record.body.certificate_code() {
                map.dirty.insert(code.clone());
            }
            if let Some(late) = replayed.late {
                report.late_acts.push((replayed.record.header.index, late));
            }
            compare_tree(store, &replayed.tree_nodes)?;
            while checkpoints.check_due(&replay, &mut map, store, &identity.origin)? {
                report.checkpoints += 1;
            }
        }
        progress(replay.size(), tip.size);
    }
    if tip.last_hash != replay_last_hash(store, tip.size)? {
        return Err(Finding::Derived {
            what: "meta/tip".into(),
        });
    }
    compare_states(store, &replay)?;
    report.records = replay.size();
    report.certificates = replay.states().len();
    report.root = replay.root();
    Ok(report)
}

fn replay_last_hash<S: Store + ?Sized>(store: &S, size: u64) -> Result<Hash, Finding> {
    if size == 0 {
        return Ok(Hash::ZERO);
    }
    let bytes = store.record(size - 1)?.unwrap_or_default();
    Ok(ledger_format::record::leaf_hash_of(store.suite(), &bytes))
}

fn compare_tree<S: Store + ?Sized>(store: &S, nodes: &[(NodeId, Hash)]) -> Result<(), Finding> {
    let ids: Vec<NodeId> = nodes.iter().map(|(id, _)| *id).collect();
    let stored = store.tree_nodes(&ids)?;
    for ((id, computed), stored) in nodes.iter().zip(stored) {
        if stored != Some(*computed) {
            return Err(Finding::TreeNode {
                id: *id,
                stored: stored.unwrap_or(Hash::ZERO),
                computed: *computed,
            });
        }
    }
    Ok(())
}

fn compare_states<S: Store + ?Sized>(store: &S, replay: &LogReplay) -> Result<(), Finding> {
    for (code, state) in replay.states() {
        if store.state(code)?.as_ref() != Some(state) {
            return Err(Finding::Derived {
                what: format!("state/{code}"),
            });
        }
    }
    let stored = store.submitters()?;
    let replayed: Vec<_> = replay
        .submitters()
        .iter()
        .map(|(k, s)| (*k, s.clone()))
        .collect();
    if stored != replayed {
        return Err(Finding::Derived {
            what: "submitters".into(),
        });
    }
    let stored_years: Vec<_> = store.calendars()?;
    let replayed_years: Vec<_> = replay
        .calendars()
        .years()
        .filter_map(|y| replay.calendars().get(y).cloned())
        .collect();
    if stored_years != replayed_years {
        return Err(Finding::Derived {
            what: "calendars".into(),
        });
    }
    if store.profiles()? != replay.profiles().adopted() {
        return Err(Finding::Derived {
            what: "profiles".into(),
        });
    }
    if store.key_history()? != replay.key_history() || store.agency_key()? != replay.agency_key() {
        return Err(Finding::Derived {
            what: "key history".into(),
        });
    }
    Ok(())
}

/// The status map as audit rebuilds it, one checkpoint at a time.
struct MapShadow {
    store: MemoryMapStore,
    dirty: BTreeSet<CertificateCode>,
}

impl MapShadow {
    /// Brings the map up to the replayed states of the codes changed since the last checkpoint.
    fn advance(&mut self, replay: &LogReplay) -> Result<Hash, Finding> {
        let states = self
            .dirty
            .iter()
            .filter_map(|code| replay.states().get(code));
        let update = map::update_states(&self.store, self.store.root(), states)
            .map_err(|e| Finding::Record(ReplayError::Map(e)))?;
        self.store.apply_update(&update);
        self.dirty.clear();
        Ok(update.new_root)
    }
}

/// The stored checkpoints, read page by page in increasing size.
struct Checkpoints {
    page: std::collections::VecDeque<StoredCheckpoint>,
    next_from: u64,
    exhausted: bool,
    latest: Option<u64>,
}

impl Checkpoints {
    fn new<S: Store + ?Sized>(store: &S) -> Result<Self, Finding> {
        let latest = store.latest_checkpoint()?.map(|c| c.size);
        Ok(Checkpoints {
            page: Default::default(),
            next_from: 0,
            exhausted: false,
            latest,
        })
    }

    fn peek<S: Store + ?Sized>(&mut self, store: &S) -> Result<Option<&StoredCheckpoint>, Finding> {
        if self.page.is_empty() && !self.exhausted {
            let page = store.checkpoints(self.next_from, CHECKPOINT_PAGE)?;
            self.exhausted = page.len() < CHECKPOINT_PAGE;
            if let Some(last) = page.last() {
                self.next_from = last.size + 1;
            }
            self.page.extend(page);
        }
        Ok(self.page.front())
    }

    /// Checks the next stored checkpoint if the replay reached its size; true if one was checked.
    fn check_due<S: Store + ?Sized>(
        &mut self,
        replay: &LogReplay,
        map: &mut MapShadow,
        store: &S,
        origin: &str,
    ) -> Result<bool, Finding> {
        let Some(next) = self.peek(store)?.cloned() else {
            return Ok(false);
        };
        if next.size != replay.size() {
            if next.size < replay.size() {
                return Err(Finding::Checkpoint {
                    size: next.size,
                    reason: "out of order".into(),
                });
            }
            return Ok(false);
        }
        self.page.pop_front();
        let bad = |reason: String| Finding::Checkpoint {
            size: next.size,
            reason,
        };
        let signed = SignedCheckpoint::parse(&next.note).map_err(|e| bad(e.to_string()))?;
        let checkpoint = signed.checkpoint();
        let key = VerifierKey::log(origin, replay.agency_key()).map_err(|e| bad(e.to_string()))?;
        signed
            .verify_log_signature(&key)
            .map_err(|e| bad(format!("signature: {e}")))?;
        if checkpoint.size != next.size || checkpoint.origin != origin {
            return Err(bad("stored under another size or origin".into()));
        }
        if checkpoint.root != replay.root() {
            return Err(bad(format!(
                "tree root {} differs from the records' {}",
                checkpoint.root,
                replay.root()
            )));
        }
        let map_root = map.advance(replay)?;
        if checkpoint.map_root != map_root {
            return Err(bad(format!(
                "status-map root {} differs from the records' {map_root}",
                checkpoint.map_root
            )));
        }
        if self.latest == Some(next.size) {
            compare_checkpointed(store, replay)?;
        }
        Ok(true)
    }
}

/// At the latest checkpoint, the states bundles carry must be the replayed ones.
fn compare_checkpointed<S: Store + ?Sized>(store: &S, replay: &LogReplay) -> Result<(), Finding> {
    for (code, state) in replay.states() {
        if store.checkpointed_state(code)?.as_ref() != Some(state) {
            return Err(Finding::Derived {
                what: format!("checkpointed-state/{code}"),
            });
        }
    }
    Ok(())
}
