//! The sequencer: the single writer of the agency's log (docs/design.md#sequencer).
//!
//! One OS thread owns appends. Requests arrive on a channel; the thread takes the first one, drains
//! whatever else is queued (up to `max_batch_entries` records), validates every request (evidence
//! signatures and the submitter registry; the lifecycle rules for agency records), assigns indexes,
//! and writes records, tree nodes, states and indexes in **one** durable write batch: group commit,
//! one WAL sync for many records. Only then does it answer the requests and update its memory
//! (persist first, memory after: a failed write leaves memory as it was).
//!
//! On a timer it signs a checkpoint when the tree grew: the status map is brought up to date for the
//! certificates changed since the previous checkpoint, and map, states and signed checkpoint are
//! written in one batch. A tree size is signed at most once, so the node never signs two roots for
//! one size, across restarts included.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use ledger_format::Canonical;
use ledger_format::calendar::Calendars;
use ledger_format::checkpoint::{Checkpoint, SignedCheckpoint};
use ledger_format::code::CertificateCode;
use ledger_format::hash::Hash;
use ledger_format::keys::{PublicKey, Signature, SigningKey};
use ledger_format::lifecycle::{CertificateState, TransitionError, transition};
use ledger_format::map;
use ledger_format::merkle::{Frontier, NodeId};
use ledger_format::record::{Body, Header, Record, evidence_message};
use tokio::sync::{mpsc, oneshot, watch};

use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::store::{
    MapReader, Store, StoreError, StoredCheckpoint, Submitter, Tip, TreeReader, WriteBatch,
    codes_in, load_frontier, map_root,
};

/// Default interval between checkpoints (DESIGN.md: "about a second").
pub const CHECKPOINT_INTERVAL_MS: u64 = 1_000;
/// Default cap on records per group commit: large enough to amortise one fsync over a whole HTTP
/// batch of evidence, small enough to keep one write batch within a few megabytes.
pub const MAX_BATCH_ENTRIES: usize = 20_000;
/// Default depth of the request queue (requests, not records) before callers wait.
pub const QUEUE_DEPTH: usize = 1_024;

/// How the sequencer runs.
#[derive(Debug, Clone)]
pub struct SequencerConfig {
    /// Interval between checkpoints, when the tree grew.
    pub checkpoint_interval: Duration,
    /// Most records in one group commit.
    pub max_batch_entries: usize,
    /// Request queue depth.
    pub queue_depth: usize,
}

impl Default for SequencerConfig {
    fn default() -> Self {
        SequencerConfig {
            checkpoint_interval: Duration::from_millis(CHECKPOINT_INTERVAL_MS),
            max_batch_entries: MAX_BATCH_ENTRIES,
            queue_depth: QUEUE_DEPTH,
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
}

/// A checkpoint the sequencer signed.
#[derive(Debug, Clone)]
pub struct CheckpointSigned {
    /// The signed checkpoint.
    pub signed: SignedCheckpoint,
}

enum Command {
    Evidence(
        Vec<EvidenceSubmission>,
        oneshot::Sender<Vec<Result<Appended, AppendError>>>,
    ),
    Agency(Box<Body>, oneshot::Sender<Result<Appended, AppendError>>),
    Checkpoint(Option<oneshot::Sender<Result<Option<StoredCheckpoint>, AppendError>>>),
}

impl Command {
    fn entries(&self) -> usize {
        match self {
            Command::Evidence(items, _) => items.len(),
            Command::Agency(..) | Command::Checkpoint(_) => 1,
        }
    }
}

/// A cheap, cloneable handle to the sequencer.
#[derive(Debug, Clone)]
pub struct SequencerHandle {
    tx: mpsc::Sender<Command>,
    checkpoints: watch::Receiver<Option<Arc<CheckpointSigned>>>,
}

impl SequencerHandle {
    /// Appends a batch of evidence hashes; one result per hash, in order.
    ///
    /// # Errors
    /// [`AppendError::Stopped`] when the sequencer is gone; per-hash errors are in the vector.
    pub async fn submit_evidence(
        &self,
        items: Vec<EvidenceSubmission>,
    ) -> Result<Vec<Result<Appended, AppendError>>, AppendError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Command::Evidence(items, reply))
            .await
            .map_err(|_| AppendError::Stopped)?;
        answer.await.map_err(|_| AppendError::Stopped)
    }

    /// Appends one agency record, signed by the agency's key.
    ///
    /// # Errors
    /// The rule or failure that kept it out of the log.
    pub async fn append(&self, body: Body) -> Result<Appended, AppendError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Command::Agency(Box::new(body), reply))
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
        key: SigningKey,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        config: SequencerConfig,
    ) -> Result<Sequencer, AppendError> {
        let state = State::load(store, key, clock, metrics, &config)?;
        let (tx, rx) = mpsc::channel(config.queue_depth.max(1));
        let (publish, checkpoints) = watch::channel(state.latest.clone());
        let thread = std::thread::Builder::new()
            .name("sequencer".into())
            .spawn(move || state.run(rx, publish))
            .map_err(|e| AppendError::Invalid(format!("cannot start the sequencer thread: {e}")))?;
        let ticker = tokio::spawn(tick(tx.clone(), config.checkpoint_interval));
        Ok(Sequencer {
            handle: SequencerHandle { tx, checkpoints },
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
    key: SigningKey,
    origin: String,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    max_batch_entries: usize,
    tip: Tip,
    frontier: Frontier,
    calendars: Calendars,
    submitters: HashMap<PublicKey, Submitter>,
    /// Codes whose state changed since the latest checkpoint.
    dirty: BTreeSet<CertificateCode>,
    map_root: Hash,
    latest: Option<Arc<CheckpointSigned>>,
    latest_size: u64,
    latest_timestamp: i64,
}

impl<S: Store + ?Sized> State<S> {
    fn load(
        store: Arc<S>,
        key: SigningKey,
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
        let tip = store.tip()?;
        let frontier = load_frontier(&*store, &tip)?;
        let calendars = Calendars::new(store.calendars()?)
            .map_err(|e| corrupted("calendars", e.to_string()))?;
        let submitters = store.submitters()?.into_iter().collect();
        let map_root = map_root(&*store)?;
        let mut state = State {
            origin: identity.origin,
            store,
            key,
            clock,
            metrics,
            max_batch_entries: config.max_batch_entries.max(1),
            tip,
            frontier,
            calendars,
            submitters,
            dirty: BTreeSet::new(),
            map_root,
            latest: None,
            latest_size: 0,
            latest_timestamp: 0,
        };
        state.load_latest_checkpoint()?;
        Ok(state)
    }

    /// Reads the latest checkpoint, checks it against the stored tree and map, and finds the
    /// certificates changed since (the map's pending work after a restart).
    fn load_latest_checkpoint(&mut self) -> Result<(), AppendError> {
        let Some(stored) = self.store.latest_checkpoint()? else {
            return self.collect_dirty(0);
        };
        let signed = SignedCheckpoint::parse(&stored.note)
            .map_err(|e| corrupted("meta/latest-checkpoint", e.to_string()))?;
        let checkpoint = signed.checkpoint().clone();
        let root = ledger_format::merkle::root_at(checkpoint.size, &TreeReader(&*self.store))
            .map_err(|e| corrupted("tree", e.to_string()))?;
        if root != checkpoint.root || checkpoint.size > self.tip.size {
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
            .extend(codes_in(&*self.store, from, self.tip.size)?);
        Ok(())
    }

    fn run(
        mut self,
        mut rx: mpsc::Receiver<Command>,
        publish: watch::Sender<Option<Arc<CheckpointSigned>>>,
    ) {
        while let Some(first) = rx.blocking_recv() {
            let mut entries = first.entries();
            let mut group = vec![first];
            while entries < self.max_batch_entries {
                match rx.try_recv() {
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
                Command::Agency(body, reply) => {
                    let kind = body.kind_name();
                    let result = commit.agency(self, *body);
                    if result.is_err() {
                        self.metrics.refused(kind);
                    }
                    agency_replies.push((reply, result));
                }
                Command::Checkpoint(reply) => {
                    wants_checkpoint = true;
                    checkpoint_replies.extend(reply);
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

    /// Brings the map up to date and signs a checkpoint, if the tree grew since the last one.
    fn checkpoint(
        &mut self,
        publish: &watch::Sender<Option<Arc<CheckpointSigned>>>,
    ) -> Result<(), AppendError> {
        if self.tip.size == self.latest_size && self.latest.is_some() {
            return Ok(());
        }
        let mut states = Vec::with_capacity(self.dirty.len());
        let mut updates = Vec::with_capacity(self.dirty.len());
        for code in &self.dirty {
            let state = self
                .store
                .state(code)?
                .ok_or_else(|| corrupted(&format!("state/{code}"), "missing".into()))?;
            updates.push((
                map::map_key(code.as_str().as_bytes()),
                Some(state.map_value_hash()),
            ));
            states.push((code.clone(), state));
        }
        updates.sort_by_key(|u| u.0);
        let update = map::apply(&MapReader(&*self.store), self.map_root, &updates)
            .map_err(|e| corrupted("map", e.to_string()))?;
        let checkpoint = Checkpoint {
            origin: self.origin.clone(),
            size: self.tip.size,
            root: self.frontier.root(),
            map_root: update.new_root,
            timestamp: self
                .clock
                .now()
                .max(self.latest_timestamp)
                .max(self.tip.last_time),
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

/// One group commit being assembled: scratch copies of everything it changes, swapped into the
/// sequencer's memory only after the write succeeded.
struct Commit {
    batch: WriteBatch,
    tip: Tip,
    frontier: Frontier,
    calendars: Option<Calendars>,
    submitters: HashMap<PublicKey, Option<Submitter>>,
    states: BTreeMap<CertificateCode, CertificateState>,
    evidence: HashMap<(PublicKey, Hash), Appended>,
    kinds: HashMap<&'static str, u64>,
    now: i64,
}

impl Commit {
    fn new<S: Store + ?Sized>(state: &State<S>) -> Self {
        Commit {
            batch: WriteBatch::default(),
            tip: state.tip,
            frontier: state.frontier.clone(),
            calendars: None,
            submitters: HashMap::new(),
            states: BTreeMap::new(),
            evidence: HashMap::new(),
            kinds: HashMap::new(),
            now: state.clock.now().max(state.tip.last_time),
        }
    }

    fn header(&self, author: PublicKey, origin: &str) -> Header {
        Header {
            origin: origin.to_owned(),
            index: self.tip.size,
            prev_hash: self.tip.last_hash,
            time: self.now,
            author,
        }
    }

    fn submitter<'a, S: Store + ?Sized>(
        &'a self,
        state: &'a State<S>,
        key: &PublicKey,
    ) -> Option<&'a Submitter> {
        match self.submitters.get(key) {
            Some(pending) => pending.as_ref(),
            None => state.submitters.get(key),
        }
    }

    fn evidence<S: Store + ?Sized>(
        &mut self,
        state: &State<S>,
        items: Vec<EvidenceSubmission>,
    ) -> Vec<Result<Appended, AppendError>> {
        // A batch is all or nothing: one refused hash keeps the whole batch out of the log.
        let checked = verify_evidence(&state.origin, &items);
        let refusals: Vec<Option<AppendError>> = items
            .iter()
            .zip(checked)
            .map(|(item, signature_ok)| {
                if self.submitter(state, &item.submitter).is_none() {
                    Some(AppendError::UnknownSubmitter(item.submitter))
                } else if !signature_ok {
                    Some(AppendError::BadSignature(item.submitter))
                } else {
                    None
                }
            })
            .collect();
        if refusals.iter().any(Option::is_some) {
            return refusals
                .into_iter()
                .map(|r| Err(r.unwrap_or(AppendError::BatchRefused)))
                .collect();
        }
        items
            .into_iter()
            .map(|item| self.one_evidence(state, item))
            .collect()
    }

    fn one_evidence<S: Store + ?Sized>(
        &mut self,
        state: &State<S>,
        item: EvidenceSubmission,
    ) -> Result<Appended, AppendError> {
        let key = (item.submitter, item.hash);
        if let Some(done) = self.evidence.get(&key) {
            return Ok(Appended {
                existing: true,
                ..*done
            });
        }
        if let Some(index) = state.store.evidence_index(&item.submitter, &item.hash)? {
            return existing_receipt(&*state.store, index);
        }
        let record = Record::evidence(
            self.header(item.submitter, &state.origin),
            item.hash,
            item.signature,
        );
        let appended = self.push(record)?;
        self.batch
            .evidence
            .push((item.submitter, item.hash, appended.index));
        self.evidence.insert(key, appended);
        Ok(appended)
    }

    fn agency<S: Store + ?Sized>(
        &mut self,
        state: &State<S>,
        body: Body,
    ) -> Result<Appended, AppendError> {
        let record = Record::sign_agency(
            self.header(state.key.public_key(), &state.origin),
            body,
            &state.key,
        );
        record
            .validate()
            .map_err(|e| AppendError::Invalid(e.to_string()))?;
        match &record.body {
            Body::Evidence(_) => {
                return Err(AppendError::Invalid(
                    "evidence is submitted by evidence services, not the agency".into(),
                ));
            }
            Body::KeyRotation(_) => {
                return Err(AppendError::Invalid(
                    "key rotation needs the new signing key in the node; this version cannot rotate keys yet".into(),
                ));
            }
            Body::SubmitterAdded(added) => self.add_submitter(state, added, record.header.index)?,
            Body::SubmitterRemoved(removed) => {
                if self.submitter(state, &removed.key).is_none() {
                    return Err(AppendError::Invalid(format!(
                        "{} is not a submitter",
                        removed.key
                    )));
                }
                self.submitters.insert(removed.key, None);
                self.batch.submitters.push((removed.key, None));
            }
            Body::Calendar(calendar) => {
                let calendars = self
                    .calendars
                    .get_or_insert_with(|| state.calendars.clone());
                calendars
                    .insert(calendar.clone())
                    .map_err(|e| AppendError::Invalid(e.to_string()))?;
                self.batch.calendars.push(calendar.clone());
            }
            _ => self.certificate(state, &record)?,
        }
        self.push(record)
    }

    fn add_submitter<S: Store + ?Sized>(
        &mut self,
        state: &State<S>,
        added: &ledger_format::record::SubmitterAdded,
        index: u64,
    ) -> Result<(), AppendError> {
        if self.submitter(state, &added.key).is_some() {
            return Err(AppendError::Invalid(format!(
                "{} is already a submitter",
                added.key
            )));
        }
        let key = added
            .key
            .to_dalek()
            .map_err(|_| AppendError::Invalid("submitter key is not a valid ed25519 key".into()))?;
        if key.is_weak() {
            return Err(AppendError::Invalid(
                "submitter key is a weak (small-order) key".into(),
            ));
        }
        let submitter = Submitter {
            name: added.name.clone(),
            credit_code: added.credit_code.to_string(),
            added_at: index,
        };
        self.submitters.insert(added.key, Some(submitter.clone()));
        self.batch.submitters.push((added.key, Some(submitter)));
        Ok(())
    }

    fn certificate<S: Store + ?Sized>(
        &mut self,
        state: &State<S>,
        record: &Record,
    ) -> Result<(), AppendError> {
        let Some(code) = record.body.certificate_code() else {
            return Ok(());
        };
        let current = match self.states.get(code) {
            Some(pending) => Some(pending.clone()),
            None => state.store.state(code)?,
        };
        let calendars = self.calendars.as_ref().unwrap_or(&state.calendars);
        let next = transition(current.as_ref(), record, calendars)?;
        self.batch.states.push((code.clone(), next.clone()));
        self.batch
            .code_records
            .push((code.clone(), record.header.index));
        self.states.insert(code.clone(), next);
        Ok(())
    }

    /// Appends `record` to the tree and the batch.
    fn push(&mut self, record: Record) -> Result<Appended, AppendError> {
        let bytes = record.encode();
        let record_hash = ledger_format::record::leaf_hash_of(&bytes);
        let nodes: Vec<(NodeId, Hash)> = self
            .frontier
            .append(record_hash)
            .map_err(|e| AppendError::Invalid(e.to_string()))?;
        self.batch.tree_nodes.extend(nodes);
        let index = record.header.index;
        *self.kinds.entry(record.body.kind_name()).or_default() += 1;
        self.batch.records.push((index, bytes));
        self.tip = Tip {
            size: index + 1,
            last_hash: record_hash,
            last_time: record.header.time,
        };
        self.batch.tip = Some(self.tip);
        Ok(Appended {
            index,
            record_hash,
            time: record.header.time,
            existing: false,
        })
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
            .commit(entries, started.elapsed().as_secs_f64(), self.tip.size);
        for (kind, count) in &self.kinds {
            state.metrics.appended(kind, *count);
        }
        state.tip = self.tip;
        state.frontier = self.frontier;
        if let Some(calendars) = self.calendars {
            state.calendars = calendars;
        }
        for (key, submitter) in self.submitters {
            match submitter {
                Some(s) => state.submitters.insert(key, s),
                None => state.submitters.remove(&key),
            };
        }
        state.dirty.extend(self.states.into_keys());
        Ok(())
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
        record_hash: ledger_format::record::leaf_hash_of(&bytes),
        time: record.header.time,
        existing: true,
    })
}

/// Checks each submission's signature with the strict rules that `audit` and every verifier use
/// (RFC 8032 `verify_strict`), spread over the machine's cores for large batches.
fn verify_evidence(origin: &str, items: &[EvidenceSubmission]) -> Vec<bool> {
    let check = |item: &EvidenceSubmission| {
        item.submitter
            .verify(&evidence_message(origin, &item.hash), &item.signature)
            .is_ok()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if items.len() < 256 || threads < 2 {
        return items.iter().map(check).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                (
                    part.len(),
                    scope.spawn(move || part.iter().map(check).collect::<Vec<bool>>()),
                )
            })
            .collect();
        // A worker that panicked verified nothing: its items count as unverified.
        workers
            .into_iter()
            .flat_map(|(len, w)| w.join().unwrap_or_else(|_| vec![false; len]))
            .collect()
    })
}

#[cfg(test)]
mod tests;
