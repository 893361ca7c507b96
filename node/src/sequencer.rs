//! The sequencer: the single writer of the agency's log (docs/design.md#sequencer).
//!
//! One OS thread owns appends, and only sequences and writes. Evidence reaches it checked
//! ([`CheckedEvidence`]): [`SequencerHandle::submit_evidence`] refuses a batch with an unregistered
//! submitter before it checks any signature, then verifies the signatures in batches on a bounded
//! pool (at most one batch per core at a time), so that checking the next request overlaps the
//! commit of the current one. Requests arrive on a channel; the thread takes the first one, drains
//! whatever else is queued (up to `max_batch_entries` records), builds and signs the records, and
//! runs each through the ledger's one replay engine ([`LogReplay`], the code every replica and
//! `audit` run: registry, regions, lifecycle rules) on a
//! staged copy of its state; then it writes records, tree nodes, states and indexes in **one**
//! durable write batch: group commit, one WAL sync for many records. Only then does it answer the
//! requests and replace its state with the staged copy (persist first, memory after: a failed
//! write leaves memory as it was).
//!
//! On a timer it signs a checkpoint when the tree grew: the status map is brought up to date for the
//! certificates changed since the previous checkpoint, and map, states and signed checkpoint are
//! written in one batch. A tree size is signed at most once, so the node never signs two roots for
//! one size, across restarts included.
//!
//! A key rotation ([`SequencerHandle::rotate_key`]) runs alone, between two checkpoints: the records
//! not yet checkpointed are signed with the old key, the `KeyRotation` record (signed by the old
//! key) is made durable, and only then does the new key sign, first the tree that holds the
//! rotation (docs/format.md#key-rotation).

mod fence;
pub use fence::Fence;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use ledger_format::Canonical;
use ledger_format::checkpoint::{Checkpoint, SignedCheckpoint};
use ledger_format::code::CertificateCode;
use ledger_format::hash::Hash;
use ledger_format::keys::{PublicKey, SignError, Signature, Signer};

/// The log key: in memory (a key file) or in a hardware security module, as configured.
pub type LogKey = Arc<dyn Signer>;
use ledger_format::lifecycle::TransitionError;
use ledger_format::record::{Body, Header, KeyRotation, Record, evidence_message};
use ledger_format::replay::{LogReplay, ReplayError, Replayed, VerifiedRecord};
use tokio::sync::{mpsc, oneshot, watch};

use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::store::{
    Store, StoreError, StoredCheckpoint, TreeReader, WriteBatch, checkpoint_map, codes_in,
    load_replay, map_root, seed_state,
};
use crate::swap::Swap;

/// Default interval between checkpoints (DESIGN.md: "about a second").
pub const CHECKPOINT_INTERVAL_MS: u64 = 1_000;
/// Default cap on records per group commit: large enough to amortise one fsync over a whole HTTP
/// batch of evidence, small enough to keep one write batch within a few megabytes.
pub const MAX_BATCH_ENTRIES: usize = 20_000;
/// Default depth of the request queue (requests, not records) before callers wait.
pub const QUEUE_DEPTH: usize = 1_024;
/// Longest record the node appends, in bytes: the format allows 65,536
/// (`ledger_format::record::MAX_RECORD_LEN`), but a C2SP tlog-tiles entry bundle prefixes each
/// entry with a big-endian `u16` length (docs/format.md#tlog-tiles).
pub const MAX_APPENDED_RECORD_LEN: usize = u16::MAX as usize;

/// How the sequencer runs.
#[derive(Debug, Clone)]
pub struct SequencerConfig {
    /// Interval between checkpoints, when the tree grew.
    pub checkpoint_interval: Duration,
    /// Most records in one group commit.
    pub max_batch_entries: usize,
    /// Request queue depth.
    pub queue_depth: usize,
    /// The GB/T 2260 divisions whose certificate codes this log may hold (empty: any); from the
    /// network's membership, or the node's configuration when it runs alone.
    pub regions: Vec<u32>,
    /// The rule profiles this log may adopt (membership entries; empty: any built-in one).
    pub profiles: Vec<String>,
    /// What the network holds of this log ([`Fence`]): shared with replication, which raises it.
    pub fence: Arc<Fence>,
}

impl Default for SequencerConfig {
    fn default() -> Self {
        SequencerConfig {
            checkpoint_interval: Duration::from_millis(CHECKPOINT_INTERVAL_MS),
            max_batch_entries: MAX_BATCH_ENTRIES,
            queue_depth: QUEUE_DEPTH,
            regions: Vec::new(),
            profiles: Vec::new(),
            fence: Arc::new(Fence::default()),
        }
    }
}

/// One hash an evidence service submits, with its signature over
/// [`evidence_message`]`(origin, hash)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceSubmission {
    /// The service's registered key.
    pub submitter: PublicKey,
    /// The evidence hash.
    pub hash: Hash,
    /// The service's signature.
    pub signature: Signature,
}

/// An evidence batch whose submitters were registered and whose signatures verified (by
/// [`check_evidence`], the only way to make one): what the sequencer thread takes.
#[derive(Debug)]
pub struct CheckedEvidence(Vec<EvidenceSubmission>);

/// The evidence services registered with the log when the sequencer last committed, published for
/// the checks that run before a batch reaches it.
pub type Submitters = BTreeSet<PublicKey>;

/// Checks a batch before the sequencer takes it: every submitter must be in `submitters` (else
/// nothing else is checked: a batch from an unknown service costs no signature check), and every
/// signature over [`evidence_message`]`(origin, hash)` must verify by the one rule of
/// docs/format.md#keys. Blocking and CPU-bound: run it off the async threads.
///
/// # Errors
/// One result per item, in order: the refusal of each bad item, [`AppendError::BatchRefused`]
/// for the others (a batch is all or nothing).
pub fn check_evidence(
    origin: &str,
    submitters: &Submitters,
    items: Vec<EvidenceSubmission>,
) -> Result<CheckedEvidence, Vec<Result<Appended, AppendError>>> {
    let unknown: Vec<bool> = items
        .iter()
        .map(|item| !submitters.contains(&item.submitter))
        .collect();
    let refusals: Vec<Option<AppendError>> = if unknown.iter().any(|u| *u) {
        items
            .iter()
            .zip(unknown)
            .map(|(item, unknown)| unknown.then_some(AppendError::UnknownSubmitter(item.submitter)))
            .collect()
    } else {
        items
            .iter()
            .zip(verify_evidence(origin, &items))
            .map(|(item, ok)| (!ok).then_some(AppendError::BadSignature(item.submitter)))
            .collect()
    };
    if refusals.iter().all(Option::is_none) {
        return Ok(CheckedEvidence(items));
    }
    Err(refusals
        .into_iter()
        .map(|r| Err(r.unwrap_or(AppendError::BatchRefused)))
        .collect())
}

/// Where a record landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// Its index in the log.
    pub index: u64,
    /// Its record hash (the RFC 6962 leaf hash).
    pub record_hash: Hash,
    /// Its time.
    pub time: i64,
    /// True when the same submitter had already anchored the same hash: this is that record.
    pub existing: bool,
}

/// Why a request was not appended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AppendError {
    /// A lifecycle rule forbids the record.
    #[error("{0}")]
    Rule(#[from] TransitionError),
    /// The log key (in a hardware security module, say) did not sign.
    #[error("the log key did not sign: {0}")]
    Signing(#[from] SignError),
    /// The evidence submitter is not registered with this log.
    #[error("unknown submitter {0}")]
    UnknownSubmitter(PublicKey),
    /// The evidence signature does not verify.
    #[error("bad signature by {0}")]
    BadSignature(PublicKey),
    /// Another hash of the same batch was refused, so none of the batch was appended.
    #[error("not appended: another hash of the batch was refused")]
    BatchRefused,
    /// The request breaks a rule of the format or of the registry.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The store failed; nothing was appended.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The node is shutting down.
    #[error("the sequencer has stopped")]
    Stopped,
    /// The network holds more of this log than the store ([`Fence`]): nothing is appended or
    /// signed until the store is restored from the network.
    #[error("fenced: {0}")]
    Fenced(String),
}

/// A checkpoint the sequencer signed.
#[derive(Debug, Clone)]
pub struct CheckpointSigned {
    /// The signed checkpoint.
    pub signed: SignedCheckpoint,
}

enum Command {
    Evidence(
        CheckedEvidence,
        oneshot::Sender<Vec<Result<Appended, AppendError>>>,
    ),
    Agency(
        Box<Body>,
        Option<Hash>,
        oneshot::Sender<Result<Appended, AppendError>>,
    ),
    Rotate(
        Box<LogKey>,
        Option<Hash>,
        oneshot::Sender<Result<Appended, AppendError>>,
    ),
    Checkpoint(Option<oneshot::Sender<Result<Option<StoredCheckpoint>, AppendError>>>),
}

impl Command {
    fn entries(&self) -> usize {
        match self {
            Command::Evidence(items, _) => items.0.len(),
            Command::Agency(..) | Command::Rotate(..) | Command::Checkpoint(_) => 1,
        }
    }
}

/// A cheap, cloneable handle to the sequencer.
#[derive(Debug, Clone)]
pub struct SequencerHandle {
    tx: mpsc::Sender<Command>,
    checkpoints: watch::Receiver<Option<Arc<CheckpointSigned>>>,
    origin: Arc<str>,
    submitters: Swap<Submitters>,
    /// One permit per core: the evidence batches being checked at once.
    checking: Arc<tokio::sync::Semaphore>,
}

impl SequencerHandle {
    /// Appends a batch of evidence hashes; one result per hash, in order. The batch is checked
    /// first ([`check_evidence`], on the blocking pool, one batch per core at a time), so the
    /// sequencer thread only sequences and writes it.
    ///
    /// # Errors
    /// [`AppendError::Stopped`] when the sequencer is gone; per-hash errors are in the vector.
    pub async fn submit_evidence(
        &self,
        items: Vec<EvidenceSubmission>,
    ) -> Result<Vec<Result<Appended, AppendError>>, AppendError> {
        let checked = {
            let _permit = self
                .checking
                .acquire()
                .await
                .map_err(|_| AppendError::Stopped)?;
            let origin = self.origin.clone();
            let submitters = self.submitters.load();
            tokio::task::spawn_blocking(move || check_evidence(&origin, &submitters, items))
                .await
                .map_err(|e| AppendError::Invalid(format!("the evidence check failed: {e}")))?
        };
        let checked = match checked {
            Ok(checked) => checked,
            Err(refusals) => return Ok(refusals),
        };
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Command::Evidence(checked, reply))
            .await
            .map_err(|_| AppendError::Stopped)?;
        answer.await.map_err(|_| AppendError::Stopped)
    }

    /// Appends one agency record, signed by the agency's key.
    ///
    /// # Errors
    /// The rule or failure that kept it out of the log.
    pub async fn append(&self, body: Body) -> Result<Appended, AppendError> {
        self.append_as(body, None).await
    }

    /// Appends one agency record made by the officer whose commitment is `officer`
    /// (`record::officer_commitment`; `None`: an act of the node itself, such as a lapse).
    ///
    /// # Errors
    /// As [`SequencerHandle::append`].
    pub async fn append_as(
        &self,
        body: Body,
        officer: Option<Hash>,
    ) -> Result<Appended, AppendError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Command::Agency(Box::new(body), officer, reply))
            .await
            .map_err(|_| AppendError::Stopped)?;
        answer.await.map_err(|_| AppendError::Stopped)?
    }

    /// Rotates the log key to `new_key` (docs/format.md#key-rotation): signs a checkpoint of the
    /// records not yet checkpointed with the old key, appends a `KeyRotation` record signed by the
    /// old key and naming the new one, and once it is durable signs every later record and
    /// checkpoint with `new_key`, starting with a checkpoint of the tree that holds the rotation.
    ///
    /// # Errors
    /// [`AppendError::Invalid`] when the engine refuses the new key (weak, or a key the log had
    /// before); store failures (then the old key stays in force).
    pub async fn rotate_key(
        &self,
        new_key: impl Signer + 'static,
    ) -> Result<Appended, AppendError> {
        self.rotate_key_as(new_key, None).await
    }

    /// Rotates the log key as [`SequencerHandle::rotate_key`] does, the `KeyRotation` record
    /// naming the officer whose commitment is `officer`.
    ///
    /// # Errors
    /// As [`SequencerHandle::rotate_key`].
    pub async fn rotate_key_as(
        &self,
        new_key: impl Signer + 'static,
        officer: Option<Hash>,
    ) -> Result<Appended, AppendError> {
        let (reply, answer) = oneshot::channel();
        let new_key: LogKey = Arc::new(new_key);
        self.tx
            .send(Command::Rotate(Box::new(new_key), officer, reply))
            .await
            .map_err(|_| AppendError::Stopped)?;
        answer.await.map_err(|_| AppendError::Stopped)?
    }

    /// Signs a checkpoint now if the tree grew since the last one; returns the latest checkpoint.
    ///
    /// # Errors
    /// [`AppendError::Store`] or [`AppendError::Stopped`].
    pub async fn checkpoint_now(&self) -> Result<Option<StoredCheckpoint>, AppendError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Command::Checkpoint(Some(reply)))
            .await
            .map_err(|_| AppendError::Stopped)?;
        answer.await.map_err(|_| AppendError::Stopped)?
    }

    /// Watches the checkpoints this sequencer signs (the latest, or `None` before the first).
    pub fn checkpoints(&self) -> watch::Receiver<Option<Arc<CheckpointSigned>>> {
        self.checkpoints.clone()
    }
}

/// The running sequencer: its handle, and the thread to join after the last handle is dropped.
#[derive(Debug)]
pub struct Sequencer {
    /// The handle to send requests through.
    pub handle: SequencerHandle,
    thread: std::thread::JoinHandle<()>,
    ticker: tokio::task::JoinHandle<()>,
}

impl Sequencer {
    /// Starts the sequencer over `store`, signing with `key` (which must be the store's current
    /// agency key). Must be called inside a tokio runtime (the checkpoint timer is a task).
    ///
    /// # Errors
    /// [`AppendError::Store`] when the store cannot be read or contradicts itself, and
    /// [`AppendError::Invalid`] when `key` is not the log's current key.
    pub fn start<S: Store + ?Sized>(
        store: Arc<S>,
        key: impl Signer + 'static,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        config: SequencerConfig,
    ) -> Result<Sequencer, AppendError> {
        let state = State::load(store, Arc::new(key), clock, metrics, &config)?;
        let (tx, rx) = mpsc::channel(config.queue_depth.max(1));
        let (publish, checkpoints) = watch::channel(state.latest.clone());
        let origin = Arc::from(state.origin.as_str());
        let submitters = state.submitters.clone();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let thread = std::thread::Builder::new()
            .name("sequencer".into())
            .spawn(move || state.run(rx, publish))
            .map_err(|e| AppendError::Invalid(format!("cannot start the sequencer thread: {e}")))?;
        let ticker = tokio::spawn(tick(tx.clone(), config.checkpoint_interval));
        Ok(Sequencer {
            handle: SequencerHandle {
                tx,
                checkpoints,
                origin,
                submitters,
                checking: Arc::new(tokio::sync::Semaphore::new(cores)),
            },
            thread,
            ticker,
        })
    }

    /// Stops the timer, waits until every other handle is dropped and the queue is drained, signs
    /// a last checkpoint if the tree grew, and joins the thread.
    pub async fn shutdown(self) {
        self.ticker.abort();
        let Sequencer { handle, thread, .. } = self;
        let _ = handle.tx.send(Command::Checkpoint(None)).await;
        drop(handle);
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
}

async fn tick(tx: mpsc::Sender<Command>, every: Duration) {
    let mut interval = tokio::time::interval(every.max(Duration::from_millis(10)));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if tx.send(Command::Checkpoint(None)).await.is_err() {
            return;
        }
    }
}

/// What the sequencer thread owns.
struct State<S: ?Sized> {
    store: Arc<S>,
    key: LogKey,
    origin: String,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    max_batch_entries: usize,
    fence: Arc<Fence>,
    /// The replay engine after every durable record (certificate states are read from the store
    /// when a record needs them).
    replay: LogReplay,
    /// Codes whose state changed since the latest checkpoint.
    dirty: BTreeSet<CertificateCode>,
    map_root: Hash,
    latest: Option<Arc<CheckpointSigned>>,
    latest_size: u64,
    latest_timestamp: i64,
    /// The registered submitters, published after every commit that changed them.
    submitters: Swap<Submitters>,
}

impl<S: Store + ?Sized> State<S> {
    fn load(
        store: Arc<S>,
        key: LogKey,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        config: &SequencerConfig,
    ) -> Result<Self, AppendError> {
        let identity = store.identity()?;
        if store.agency_key()? != key.public_key() {
            return Err(AppendError::Invalid(
                "the signing key is not the log's current agency key".into(),
            ));
        }
        let replay = load_replay(&*store)?
            .with_regions(&config.regions)
            .with_profile_policy(ledger_format::profile::ProfilePolicy::new(
                config.profiles.clone(),
            ));
        let map_root = map_root(&*store)?;
        let submitters = Swap::new(replay.submitters().keys().copied().collect());
        let mut state = State {
            origin: identity.origin,
            store,
            key,
            clock,
            metrics,
            max_batch_entries: config.max_batch_entries.max(1),
            fence: config.fence.clone(),
            replay,
            dirty: BTreeSet::new(),
            map_root,
            latest: None,
            latest_size: 0,
            latest_timestamp: 0,
            submitters,
        };
        state.load_latest_checkpoint()?;
        Ok(state)
    }

    /// Reads the latest checkpoint, checks it against the stored tree and map, and finds the
    /// certificates changed since (the map's pending work after a restart).
    fn load_latest_checkpoint(&mut self) -> Result<(), AppendError> {
        let size = self.replay.size();
        let Some(stored) = self.store.latest_checkpoint()? else {
            return self.collect_dirty(0);
        };
        let signed = SignedCheckpoint::parse(&stored.note)
            .map_err(|e| corrupted("meta/latest-checkpoint", e.to_string()))?;
        let checkpoint = signed.checkpoint().clone();
        let root = ledger_format::merkle::root_at(checkpoint.size, &TreeReader(&*self.store))
            .map_err(|e| corrupted("tree", e.to_string()))?;
        if root != checkpoint.root || checkpoint.size > size {
            return Err(corrupted(
                "meta/latest-checkpoint",
                "does not match the stored tree".into(),
            ));
        }
        if checkpoint.map_root != self.map_root {
            return Err(corrupted(
                "map",
                "root does not match the latest checkpoint".into(),
            ));
        }
        self.latest_size = checkpoint.size;
        self.latest_timestamp = checkpoint.timestamp;
        self.latest = Some(Arc::new(CheckpointSigned { signed }));
        self.collect_dirty(checkpoint.size)
    }

    fn collect_dirty(&mut self, from: u64) -> Result<(), AppendError> {
        self.dirty
            .extend(codes_in(&*self.store, from, self.replay.size())?);
        Ok(())
    }

    fn run(
        mut self,
        mut rx: mpsc::Receiver<Command>,
        publish: watch::Sender<Option<Arc<CheckpointSigned>>>,
    ) {
        // A rotation is never grouped with other requests: it runs alone, between checkpoints.
        let mut held = None;
        while let Some(first) = held.take().or_else(|| rx.blocking_recv()) {
            if let Command::Rotate(key, officer, reply) = first {
                let _ = reply.send(self.rotate(*key, officer, &publish));
                continue;
            }
            let mut entries = first.entries();
            let mut group = vec![first];
            while entries < self.max_batch_entries {
                match rx.try_recv() {
                    Ok(next @ Command::Rotate(..)) => {
                        held = Some(next);
                        break;
                    }
                    Ok(next) => {
                        entries += next.entries();
                        group.push(next);
                    }
                    Err(_) => break,
                }
            }
            self.process(group, &publish);
        }
        // Every handle is gone: sign what is left, so a clean stop leaves nothing unsigned.
        if let Err(e) = self.checkpoint(&publish) {
            tracing::error!(error = %e, "final checkpoint failed");
        }
    }

    fn process(
        &mut self,
        group: Vec<Command>,
        publish: &watch::Sender<Option<Arc<CheckpointSigned>>>,
    ) {
        if let Err(reason) = self.fence.check(self.replay.size()) {
            self.refuse_all(group, &reason);
            return;
        }
        let mut commit = Commit::new(self);
        let mut evidence_replies = Vec::new();
        let mut agency_replies = Vec::new();
        let mut checkpoint_replies = Vec::new();
        let mut wants_checkpoint = false;
        for command in group {
            match command {
                Command::Evidence(items, reply) => {
                    let results = commit.evidence(self, items);
                    evidence_replies.push((reply, results));
                }
                Command::Agency(body, officer, reply) => {
                    let kind = body.kind_name();
                    let result = commit.agency(self, *body, officer);
                    if let Err(e) = &result {
                        self.metrics.refused(kind);
                        tracing::info!(kind, error = %e, "agency record refused");
                    }
                    agency_replies.push((reply, result));
                }
                Command::Checkpoint(reply) => {
                    wants_checkpoint = true;
                    checkpoint_replies.extend(reply);
                }
                Command::Rotate(_, _, reply) => {
                    // `run` never groups a rotation; answer rather than drop it.
                    let _ = reply.send(Err(AppendError::Invalid(
                        "a key rotation runs alone".into(),
                    )));
                }
            }
        }
        let written = commit.finish(self);
        for (reply, results) in evidence_replies {
            let results = match &written {
                Ok(()) => results,
                Err(e) => results.into_iter().map(|_| Err(e.clone())).collect(),
            };
            let _ = reply.send(results);
        }
        for (reply, result) in agency_replies {
            let _ = reply.send(written.clone().and(result));
        }
        if wants_checkpoint {
            let result = self.checkpoint(publish);
            let latest = self.store.latest_checkpoint().map_err(AppendError::from);
            for reply in checkpoint_replies {
                let _ = reply.send(result.clone().and(latest.clone()));
            }
        }
    }

    /// Answers every request of `group` with [`AppendError::Fenced`]: the network holds more of
    /// this log than the store does.
    fn refuse_all(&self, group: Vec<Command>, reason: &str) {
        if group
            .iter()
            .any(|c| !matches!(c, Command::Checkpoint(None)))
        {
            tracing::error!(
                reason,
                "the sequencer is fenced: nothing is appended or signed"
            );
        }
        let fenced = || AppendError::Fenced(reason.to_owned());
        for command in group {
            match command {
                Command::Evidence(items, reply) => {
                    let _ = reply.send(items.0.iter().map(|_| Err(fenced())).collect());
                }
                Command::Agency(_, _, reply) | Command::Rotate(_, _, reply) => {
                    let _ = reply.send(Err(fenced()));
                }
                Command::Checkpoint(reply) => {
                    if let Some(reply) = reply {
                        let _ = reply.send(Err(fenced()));
                    }
                }
            }
        }
    }

    /// Rotates the log key: checkpoint with the old key, the `KeyRotation` record signed by the
    /// old key (durable first), then the new key in memory and a checkpoint signed with it. A
    /// crash after the record is durable leaves the store naming the new key, which the node
    /// loads at start (`init::load_log_key`).
    fn rotate(
        &mut self,
        new_key: LogKey,
        officer: Option<Hash>,
        publish: &watch::Sender<Option<Arc<CheckpointSigned>>>,
    ) -> Result<Appended, AppendError> {
        self.checkpoint(publish)?;
        let body = Body::KeyRotation(KeyRotation {
            new_key: new_key.public_key(),
        });
        let mut commit = Commit::new(self);
        let appended = commit.agency_record(self, body, officer).inspect_err(|e| {
            self.metrics.refused("key-rotation");
            tracing::warn!(error = %e, "key rotation refused");
        })?;
        commit.finish(self)?;
        self.key = new_key;
        tracing::info!(
            index = appended.index,
            new_key = %self.key.public_key(),
            "log key rotated: later records and checkpoints are signed by the new key"
        );
        if let Err(e) = self.checkpoint(publish) {
            tracing::error!(error = %e, "checkpoint after the key rotation failed; retried on the next tick");
        }
        Ok(appended)
    }

    /// Brings the map up to date and signs a checkpoint, if the tree grew since the last one.
    fn checkpoint(
        &mut self,
        publish: &watch::Sender<Option<Arc<CheckpointSigned>>>,
    ) -> Result<(), AppendError> {
        let size = self.replay.size();
        if size == self.latest_size && self.latest.is_some() {
            return Ok(());
        }
        self.fence.check(size).map_err(AppendError::Fenced)?;
        let (update, states) =
            checkpoint_map(&*self.store, self.map_root, &self.dirty, &self.replay)?;
        let checkpoint = Checkpoint {
            origin: self.origin.clone(),
            size,
            root: self.replay.root(),
            map_root: update.new_root,
            timestamp: self
                .clock
                .now()
                .max(self.latest_timestamp)
                .max(self.replay.last_time()),
        };
        if let Some(existing) = self.store.checkpoint_at(checkpoint.size)? {
            return Err(corrupted(
                &format!("checkpoints/{}", existing.size),
                "a checkpoint of this size was already signed".into(),
            ));
        }
        let signed = SignedCheckpoint::sign(checkpoint, &self.origin, &self.key)
            .map_err(|e| AppendError::Invalid(format!("cannot sign the checkpoint: {e}")))?;
        let stored = StoredCheckpoint {
            size: signed.checkpoint().size,
            note: signed.to_note_text(),
        };
        let new_root = update.new_root;
        self.store.write(WriteBatch {
            map: Some(update),
            checkpointed_states: states,
            checkpoint: Some(stored),
            ..WriteBatch::default()
        })?;
        self.map_root = new_root;
        self.dirty.clear();
        self.latest_size = signed.checkpoint().size;
        self.latest_timestamp = signed.checkpoint().timestamp;
        let published = Arc::new(CheckpointSigned { signed });
        self.latest = Some(published.clone());
        self.metrics
            .checkpoint(self.latest_size, self.latest_timestamp);
        publish.send_replace(Some(published));
        Ok(())
    }
}

fn corrupted(key: &str, reason: String) -> AppendError {
    AppendError::Store(StoreError::Corrupted {
        key: key.to_owned(),
        reason,
    })
}

/// What a refusal of the replay engine means to the caller of the sequencer.
fn refused(error: ReplayError) -> AppendError {
    match error {
        ReplayError::Rule { error, .. } => AppendError::Rule(error),
        ReplayError::Registry { reason, .. } => AppendError::Invalid(reason),
        ReplayError::Region { code, region, .. } => AppendError::Invalid(format!(
            "code {code} is of region {region:06}, which this log does not issue for"
        )),
        other => AppendError::Invalid(other.to_string()),
    }
}

/// One group commit being assembled: the replay engine staged by value, and the write batch of
/// what it accepted. The staged replay replaces the sequencer's only after the write succeeded.
struct Commit {
    batch: WriteBatch,
    replay: LogReplay,
    touched: BTreeSet<CertificateCode>,
    evidence: HashMap<(PublicKey, Hash), Appended>,
    kinds: HashMap<&'static str, u64>,
    late: Vec<(u64, ledger_format::lifecycle::LateAct)>,
    now: i64,
    /// Whether a record of the group added or removed a submitter.
    registry_changed: bool,
}

impl Commit {
    fn new<S: Store + ?Sized>(state: &State<S>) -> Self {
        Commit {
            batch: WriteBatch::default(),
            replay: state.replay.clone(),
            touched: BTreeSet::new(),
            evidence: HashMap::new(),
            kinds: HashMap::new(),
            late: Vec::new(),
            now: state.clock.now().max(state.replay.last_time()),
            registry_changed: false,
        }
    }

    fn header(replay: &LogReplay, author: PublicKey, officer: Option<Hash>, now: i64) -> Header {
        Header {
            origin: replay.origin().to_owned(),
            index: replay.size(),
            prev_hash: replay.last_hash(),
            time: now,
            author,
            officer,
        }
    }

    fn evidence<S: Store + ?Sized>(
        &mut self,
        state: &State<S>,
        CheckedEvidence(items): CheckedEvidence,
    ) -> Vec<Result<Appended, AppendError>> {
        // The signatures were checked before (`check_evidence`); the registry may have changed
        // since (a submitter removed by a record of this group or one just before), so it is
        // read again here, where it is authoritative. A batch is all or nothing.
        if items
            .iter()
            .any(|item| !self.replay.submitters().contains_key(&item.submitter))
        {
            return items
                .iter()
                .map(|item| {
                    Err(if self.replay.submitters().contains_key(&item.submitter) {
                        AppendError::BatchRefused
                    } else {
                        AppendError::UnknownSubmitter(item.submitter)
                    })
                })
                .collect();
        }
        let count = items.len();
        let mut staged = Staged::new(&self.replay);
        let results: Result<Vec<Appended>, AppendError> = items
            .into_iter()
            .map(|item| self.one_evidence(state, &mut staged, item))
            .collect();
        match results {
            Ok(results) => {
                self.take(staged);
                results.into_iter().map(Ok).collect()
            }
            Err(e) => {
                tracing::warn!(error = %e, "evidence batch refused by the replay engine");
                vec![Err(e); count]
            }
        }
    }

    fn one_evidence<S: Store + ?Sized>(
        &self,
        state: &State<S>,
        staged: &mut Staged,
        item: EvidenceSubmission,
    ) -> Result<Appended, AppendError> {
        let key = (item.submitter, item.hash);
        if let Some(done) = self
            .evidence
            .get(&key)
            .or_else(|| staged.evidence.get(&key))
        {
            return Ok(Appended {
                existing: true,
                ..*done
            });
        }
        if let Some(index) = state.store.evidence_index(&item.submitter, &item.hash)? {
            return existing_receipt(&*state.store, index);
        }
        let header = Commit::header(&staged.replay, item.submitter, None, self.now);
        let record = Record::evidence(header, item.hash, item.signature);
        // The signature was checked above over the same message the record carries.
        let appended = staged.push(record)?;
        staged.evidence.insert(key, appended);
        Ok(appended)
    }

    fn agency<S: Store + ?Sized>(
        &mut self,
        state: &State<S>,
        body: Body,
        officer: Option<Hash>,
    ) -> Result<Appended, AppendError> {
        match &body {
            Body::Evidence(_) => {
                return Err(AppendError::Invalid(
                    "evidence is submitted by evidence services, not the agency".into(),
                ));
            }
            Body::KeyRotation(_) => {
                return Err(AppendError::Invalid(
                    "a key rotation loads the new key into the node: use `ledger-node rotate-key` \
                     (POST /v1/agency/key-rotation)"
                        .into(),
                ));
            }
            _ => {}
        }
        self.agency_record(state, body, officer)
    }

    /// Signs `body` with the agency key in force and runs it through the engine.
    fn agency_record<S: Store + ?Sized>(
        &mut self,
        state: &State<S>,
        body: Body,
        officer: Option<Hash>,
    ) -> Result<Appended, AppendError> {
        let header = Commit::header(&self.replay, state.key.public_key(), officer, self.now);
        let record = Record::sign_agency(header, body, &*state.key)?;
        record
            .validate()
            .map_err(|e| AppendError::Invalid(e.to_string()))?;
        let mut staged = Staged::new(&self.replay);
        seed_state(&*state.store, &mut staged.replay, &record)?;
        let appended = staged.push(record)?;
        self.take(staged);
        Ok(appended)
    }

    /// Takes the records of a request the engine accepted into the group.
    fn take(&mut self, staged: Staged) {
        for (bytes, replayed) in staged.accepted {
            *self
                .kinds
                .entry(replayed.record.body.kind_name())
                .or_default() += 1;
            self.registry_changed |= matches!(
                replayed.record.body,
                Body::SubmitterAdded(_) | Body::SubmitterRemoved(_)
            );
            if let Some(state) = &replayed.state {
                self.touched.insert(state.code.clone());
            }
            if let Some(late) = replayed.late {
                self.late.push((replayed.record.header.index, late));
            }
            self.batch.add_replayed(bytes, replayed);
        }
        self.evidence.extend(staged.evidence);
        self.replay = staged.replay;
    }

    /// Writes the batch durably, then updates the sequencer's memory.
    fn finish<S: Store + ?Sized>(mut self, state: &mut State<S>) -> Result<(), AppendError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let entries = self.batch.records.len();
        let started = std::time::Instant::now();
        state.store.write(std::mem::take(&mut self.batch))?;
        state
            .metrics
            .commit(entries, started.elapsed().as_secs_f64(), self.replay.size());
        for (kind, count) in &self.kinds {
            state.metrics.appended(kind, *count);
        }
        for (index, late) in &self.late {
            state.metrics.late_act(late.deadline.name());
            tracing::warn!(
                index,
                deadline = late.deadline.name(),
                article = late.deadline.article(),
                due = %late.due,
                "an act of the agency was recorded after its deadline"
            );
        }
        if self.registry_changed {
            state
                .submitters
                .store(Arc::new(self.replay.submitters().keys().copied().collect()));
        }
        // The states are stored now; the replay reads them from the store when next needed.
        self.replay.clear_states();
        state.replay = self.replay;
        state.dirty.extend(self.touched);
        Ok(())
    }
}

/// The records of one request, applied to a copy of the group's replay: a refused request leaves
/// the group as it was.
struct Staged {
    replay: LogReplay,
    accepted: Vec<(Vec<u8>, Replayed)>,
    evidence: HashMap<(PublicKey, Hash), Appended>,
}

impl Staged {
    fn new(replay: &LogReplay) -> Self {
        Staged {
            replay: replay.clone(),
            accepted: Vec::new(),
            evidence: HashMap::new(),
        }
    }

    /// Runs `record` (signed by this node, or carrying a signature checked before) through the
    /// replay engine.
    fn push(&mut self, record: Record) -> Result<Appended, AppendError> {
        let bytes = record.encode();
        if bytes.len() > MAX_APPENDED_RECORD_LEN {
            return Err(AppendError::Invalid(format!(
                "the record would be {} bytes; records are at most {MAX_APPENDED_RECORD_LEN} \
                 bytes (a tlog-tiles entry's length prefix)",
                bytes.len()
            )));
        }
        let verified = VerifiedRecord::trusted(record, &bytes);
        let replayed = self.replay.apply_verified(verified).map_err(refused)?;
        let appended = Appended {
            index: replayed.record.header.index,
            record_hash: replayed.hash,
            time: replayed.record.header.time,
            existing: false,
        };
        self.accepted.push((bytes, replayed));
        Ok(appended)
    }
}

/// The receipt of an evidence record already in the log.
fn existing_receipt<S: Store + ?Sized>(store: &S, index: u64) -> Result<Appended, AppendError> {
    let bytes = store
        .record(index)?
        .ok_or_else(|| corrupted(&format!("record/{index}"), "indexed but missing".into()))?;
    let record = Record::decode_exact(&bytes)
        .map_err(|e| corrupted(&format!("record/{index}"), e.to_string()))?;
    Ok(Appended {
        index,
        record_hash: ledger_format::record::leaf_hash_of(record.suite(), &bytes),
        time: record.header.time,
        existing: true,
    })
}

/// Checks each submission's signature by the one rule `audit` and every verifier apply (ZIP-215,
/// docs/format.md#keys): in batches of [`crate::parallel::VERIFY_CHUNK`], on every core for large
/// requests; a batch
/// that fails is checked one by one to name the bad signatures.
fn verify_evidence(origin: &str, items: &[EvidenceSubmission]) -> Vec<bool> {
    let chunks: Vec<&[EvidenceSubmission]> = items.chunks(crate::parallel::VERIFY_CHUNK).collect();
    // A worker that panicked verified nothing: its items count as unverified.
    let checked = crate::parallel::on_every_core(&chunks, |_, chunk| {
        let messages: Vec<Vec<u8>> = chunk
            .iter()
            .map(|item| evidence_message(origin, &item.hash))
            .collect();
        let batch: Vec<_> = chunk
            .iter()
            .zip(&messages)
            .map(|(item, message)| (&item.submitter, message.as_slice(), &item.signature))
            .collect();
        ledger_format::keys::verify_each(&batch)
    });
    match checked {
        Some(results) => results.into_iter().flatten().collect(),
        None => vec![false; items.len()],
    }
}

#[cfg(test)]
mod tests;
