//! One sync task per mirrored log: when a newer checkpoint of the log is known, fetch the missing
//! records in ranges from the peer that announced it or any other member, verify and store each
//! range, cosign at the checkpoint, and gossip the cosignature. A catch-up is a pipeline: several
//! range requests in flight, the signatures of the next range verified on every core while the
//! mirror replays and writes the current one ([`super::mirror::Mirror::apply_verified`]), ranges
//! always applied in order. A range refused by the mirror (forged, or not in the signed tree) is
//! dropped and asked of the next peer; nothing of it is stored.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use ledger_format::hash::Hash;
use libp2p::PeerId;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::mirror::{Applied, Mirror, MirrorError, VerifiedRange};
use super::protocol::{Gossip, MAX_RANGE_RECORDS, Request, Response};
use super::shared::{Command, Shared, Target};
use crate::export;
use crate::logs::LogEntry;

/// Wait before asking again when no peer could serve the records.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// A catch-up this many records long shows a progress bar (on a terminal) and progress logs.
const LONG_CATCH_UP: u64 = 10_000;

/// The task's loop: runs until `stopped`.
pub(super) async fn run(
    shared: Arc<Shared>,
    log: LogEntry,
    mut targets: watch::Receiver<Option<Target>>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let target = targets.borrow_and_update().clone();
        let behind = target.as_ref().is_some_and(|t| {
            log.mirror
                .as_ref()
                .is_some_and(|m| m.size() < t.checkpoint.checkpoint().size)
        });
        if let Some(target) = target.filter(|_| behind && !shared.is_equivocated(&log.origin)) {
            // The catch-up watches `stopped` itself, and lets a range being written finish.
            let done = catch_up(&shared, &log, &target).await;
            if *stopped.borrow() {
                return;
            }
            if !done {
                // No peer could serve it: forget it, so that a checkpoint nobody holds (one ahead
                // of the real log, signed with a stolen key) cannot stall the mirror; the next
                // checkpoint gossiped or polled sets a new target.
                shared.drop_target(&log.origin, target.checkpoint.checkpoint().size);
                tokio::select! {
                    _ = tokio::time::sleep(RETRY_AFTER) => {}
                    _ = stopped.changed() => return,
                }
            }
            continue;
        }
        tokio::select! {
            changed = targets.changed() => if changed.is_err() { return },
            _ = stopped.changed() => return,
        }
    }
}

/// Range requests kept in flight during a catch-up. A catch-up is bound by the mirror's CPU
/// (signature checks 44% of its time, its store writes most of the rest; the network under 1%:
/// docs/benchmarks.md#p4-over-libp2p), so the requests only have to keep the verification stage
/// fed: four ranges of [`RANGE_RECORDS`] are 8,000 records (~1.6 MB of evidence records), about
/// 120 ms of work at 65,000 records/s, which hides a round trip of that much to a distant peer,
/// while bounding what a catch-up buffers.
const REQUESTS_IN_FLIGHT: u64 = 4;
/// Records asked in one request: the most a peer serves ([`MAX_RANGE_RECORDS`], 2,000). At 65,000
/// records/s that is about 30 requests a second, whose fixed costs (a stream, a consistency
/// proof, a synced write per range) stayed a few percent of the profile, so the protocol's limit
/// was left as it is; one range is verified in batches of [`crate::parallel::VERIFY_CHUNK`]
/// spread over every core.
const RANGE_RECORDS: u64 = MAX_RANGE_RECORDS;

/// What a range request brought back.
struct Fetched {
    /// The pipeline's generation when it was sent: answers of an earlier one are dropped.
    generation: u64,
    peer: PeerId,
    start: u64,
    /// One past the last record asked.
    end: u64,
    answer: Result<Response, String>,
}

/// A range whose signatures were checked (or failed), waiting to be applied in order.
struct Checked {
    generation: u64,
    peer: PeerId,
    proof: Vec<Hash>,
    range: Result<VerifiedRange, MirrorError>,
}

/// A range as a peer answered it: the peer, the records, the consistency proof from their end.
type Answered = (PeerId, Vec<Vec<u8>>, Vec<Hash>);

/// What applying a range did: the peer that served it, its records, the outcome.
type Applying = (PeerId, u64, Result<Applied, MirrorError>);

/// The three stages of a catch-up, each running beside the others: up to
/// [`REQUESTS_IN_FLIGHT`] range requests on the network, one range verified on every core
/// ([`VerifiedRange::check`]), and one range replayed and written ([`Mirror::apply_verified`]),
/// always the next in order. A refused range (or a peer that fails) resets the first two stages
/// to the end of what is applied or being applied, and the next peer is asked.
struct Pipeline {
    generation: u64,
    fetches: JoinSet<Fetched>,
    /// Ranges answered, by first record, not yet handed to verification.
    arrived: BTreeMap<u64, Answered>,
    /// Parts of requested ranges a peer answered short (served ranges are cut to a byte budget),
    /// asked again before anything new.
    gaps: Vec<(u64, u64)>,
    /// One past the last record requested.
    requested: u64,
    /// The first record not yet handed to verification.
    verify_from: u64,
    verifying: JoinSet<Checked>,
    /// A verified range waiting for the apply stage.
    verified: Option<(PeerId, Vec<Hash>, VerifiedRange)>,
    applying: JoinSet<Applying>,
    /// One past the last record applied or being applied.
    apply_end: u64,
}

impl Pipeline {
    fn new(from: u64) -> Self {
        Pipeline {
            generation: 0,
            fetches: JoinSet::new(),
            arrived: BTreeMap::new(),
            gaps: Vec::new(),
            requested: from,
            verify_from: from,
            verifying: JoinSet::new(),
            verified: None,
            applying: JoinSet::new(),
            apply_end: from,
        }
    }

    /// Forgets every range not applied or being applied: they are asked again from
    /// `apply_end`. A verification still running finishes on its own and is dropped.
    fn reset(&mut self) {
        self.generation += 1;
        self.fetches.abort_all();
        self.arrived.clear();
        self.gaps.clear();
        self.verified = None;
        self.requested = self.apply_end;
        self.verify_from = self.apply_end;
    }

    /// Starts what can start: requests (gaps first) while fewer than [`REQUESTS_IN_FLIGHT`]
    /// ranges are requested and not yet verifying, the verification of the next range in order,
    /// and the apply of a verified range.
    fn schedule(
        &mut self,
        shared: &Arc<Shared>,
        (log, mirror): (&LogEntry, &Arc<Mirror>),
        target: &Target,
        peer: PeerId,
    ) {
        let size = target.checkpoint.checkpoint().size;
        let window = REQUESTS_IN_FLIGHT * RANGE_RECORDS;
        while let Some((start, end)) = self.gaps.pop() {
            self.fetch(shared, &log.origin, peer, (start, end), size);
        }
        while self.requested < size && self.requested - self.verify_from < window {
            let end = size.min(self.requested + RANGE_RECORDS);
            self.fetch(shared, &log.origin, peer, (self.requested, end), size);
            self.requested = end;
        }
        if self.verifying.is_empty()
            && self.verified.is_none()
            && let Some((peer, records, proof)) = self.arrived.remove(&self.verify_from)
        {
            let (generation, start) = (self.generation, self.verify_from);
            self.verify_from += records.len() as u64;
            self.verifying.spawn_blocking(move || Checked {
                generation,
                peer,
                proof,
                range: VerifiedRange::check(start, records),
            });
        }
        if self.applying.is_empty()
            && let Some((peer, proof, range)) = self.verified.take()
        {
            let count = range.len() as u64;
            self.apply_end = range.end();
            let mirror = mirror.clone();
            let signed = target.checkpoint.clone();
            let shared = shared.clone();
            let origin = log.origin.clone();
            self.applying.spawn_blocking(move || {
                let own = origin == shared.logs().own.origin;
                let cosigner = (!own && !shared.is_equivocated(&origin)).then(|| shared.cosigner());
                let applied = mirror.apply_verified(
                    range,
                    &signed,
                    &proof,
                    cosigner.as_ref().map(|c| c.get()),
                );
                (peer, count, applied)
            });
        }
    }

    fn fetch(
        &mut self,
        shared: &Arc<Shared>,
        origin: &str,
        peer: PeerId,
        (start, end): (u64, u64),
        proof_to: u64,
    ) {
        let shared = shared.clone();
        let generation = self.generation;
        let request = Request::Range {
            origin: origin.to_owned(),
            start,
            end,
            proof_to,
        };
        self.fetches.spawn(async move {
            Fetched {
                generation,
                peer,
                start,
                end,
                answer: shared.request(peer, request).await,
            }
        });
    }

    /// Waits for the range being applied, if any (a catch-up that stops leaves the mirror's
    /// store written to the end of a range, never halfway).
    async fn finish(&mut self) {
        self.fetches.abort_all();
        while self.applying.join_next().await.is_some() {}
    }
}

/// Fetches, verifies and applies ranges until the mirror reaches `target`, in a pipeline
/// ([`Pipeline`]); false when no peer could help, or replication stops. A node never cosigns its
/// own log (when it restores it from the network).
pub(super) async fn catch_up(shared: &Arc<Shared>, log: &LogEntry, target: &Target) -> bool {
    let Some(mirror) = log.mirror.clone() else {
        return true;
    };
    let size = target.checkpoint.checkpoint().size;
    let start = mirror.size();
    let progress = progress_bar(&log.origin, start, size);
    let mut peers = peers_for(shared, target.peer);
    let mut stopped = shared.stopped.clone();
    let mut run = Pipeline::new(start);
    let mut held = start;
    while held < size {
        let Some(&peer) = peers.first() else {
            progress.abandon();
            run.finish().await;
            return false;
        };
        run.schedule(shared, (log, &mirror), target, peer);
        if run.fetches.is_empty() && run.verifying.is_empty() && run.applying.is_empty() {
            // Nothing to wait for and the mirror not there: the peer's answers cannot be used.
            tracing::debug!(origin = %log.origin, %peer, "peer's ranges do not lead to the checkpoint");
            peers.retain(|p| *p != peer);
            run.reset();
            continue;
        }
        tokio::select! {
            Some(fetched) = run.fetches.join_next(), if !run.fetches.is_empty() => {
                // An aborted request (after a reset) is simply gone.
                let Ok(fetched) = fetched else { continue };
                if fetched.generation != run.generation {
                    continue;
                }
                match fetched.answer {
                    Ok(Response::Range { records, proof })
                        if !records.is_empty()
                            && records.len() as u64 <= fetched.end - fetched.start =>
                    {
                        let last = fetched.start + records.len() as u64;
                        if last < fetched.end {
                            run.gaps.push((last, fetched.end));
                        }
                        run.arrived.insert(fetched.start, (fetched.peer, records, proof));
                    }
                    other => {
                        match other {
                            Ok(answer) => {
                                tracing::debug!(origin = %log.origin, peer = %fetched.peer, answer = ?short(&answer), "peer cannot serve the range");
                            }
                            Err(e) => {
                                tracing::debug!(origin = %log.origin, peer = %fetched.peer, error = %e, "range request failed");
                            }
                        }
                        peers.retain(|p| *p != fetched.peer);
                        run.reset();
                    }
                }
            }
            Some(checked) = run.verifying.join_next(), if !run.verifying.is_empty() => {
                let Ok(checked) = checked else {
                    tracing::error!(origin = %log.origin, "mirror verification task failed");
                    run.finish().await;
                    return false;
                };
                if checked.generation != run.generation {
                    continue;
                }
                match checked.range {
                    Ok(range) => run.verified = Some((checked.peer, checked.proof, range)),
                    Err(e) => {
                        refused(shared, log, checked.peer, &e);
                        peers.retain(|p| *p != checked.peer);
                        run.reset();
                    }
                }
            }
            Some(applied) = run.applying.join_next(), if !run.applying.is_empty() => {
                let Ok((peer, count, applied)) = applied else {
                    tracing::error!(origin = %log.origin, "mirror task failed");
                    run.finish().await;
                    return false;
                };
                match applied {
                    Ok(applied) => {
                        held = applied.size;
                        shared.metrics().mirrored(&log.origin, count, applied.size);
                        shared.mirrored_to(&log.origin, applied.size);
                        progress.set_position(applied.size - start.min(applied.size));
                        if applied.checkpointed {
                            progress.finish_and_clear();
                            after_checkpoint(shared, log, target).await;
                        } else if applied.size % (LONG_CATCH_UP * 5) < count
                            && size - start >= LONG_CATCH_UP
                        {
                            tracing::info!(origin = %log.origin, size = applied.size, target = size, "catching up");
                        }
                    }
                    Err(e) => {
                        refused(shared, log, peer, &e);
                        peers.retain(|p| *p != peer);
                        run.apply_end = held;
                        run.reset();
                    }
                }
            }
            _ = stopped.changed() => {
                run.finish().await;
                return false;
            }
        }
    }
    true
}

/// Counts and logs a range refused by the mirror; nothing of it was stored.
fn refused(shared: &Shared, log: &LogEntry, peer: PeerId, e: &MirrorError) {
    shared.metrics().mirror_rejected(&log.origin, e.reason());
    if let MirrorError::RetiredKey { size, key } = e {
        shared.metrics().retired_key_checkpoint(&log.origin);
        tracing::warn!(origin = %log.origin, size, %key, "checkpoint signed by a retired key of the log after its rotation: refused");
    }
    tracing::warn!(origin = %log.origin, %peer, error = %e, "refused records from a peer; nothing stored");
}

/// The peer that announced the checkpoint first, then every other connected member.
fn peers_for(shared: &Shared, announcer: Option<PeerId>) -> Vec<PeerId> {
    let mut peers: Vec<PeerId> = announcer.into_iter().collect();
    for peer in shared.connected() {
        if !peers.contains(&peer) {
            peers.push(peer);
        }
    }
    peers
}

/// After the mirror stored a checkpoint: check the checkpoints seen ahead of the mirror before
/// against the log now held, keep cosignatures that arrived early, and gossip the checkpoint with
/// every cosignature the node holds (its own among them).
async fn after_checkpoint(shared: &Arc<Shared>, log: &LogEntry, target: &Target) {
    let (shared2, log2, signed) = (shared.clone(), log.clone(), target.checkpoint.clone());
    let gossip = tokio::task::spawn_blocking(move || {
        let size = signed.checkpoint().size;
        let mut gossip: Vec<Gossip> = shared2.check_seen_ahead(&log2, size).into_iter().collect();
        shared2.cosignatures.flush(&shared2, &log2, &signed);
        if let Some(stored) = log2.store.checkpoint_at(size).ok().flatten()
            && let Ok(note) = export::served_note(&*log2.store, &stored)
        {
            gossip.push(Gossip::Checkpoint(note));
        }
        gossip
    })
    .await
    .unwrap_or_default();
    for message in gossip {
        shared.send(Command::Publish(message)).await;
    }
}

fn progress_bar(origin: &str, start: u64, size: u64) -> ProgressBar {
    if size - start < LONG_CATCH_UP {
        return ProgressBar::hidden();
    }
    tracing::info!(%origin, from = start, to = size, "catching up a mirror");
    let bar = ProgressBar::new(size - start);
    if let Ok(style) = ProgressStyle::with_template(
        "{prefix} [{bar:40}] {pos}/{len} records, {per_sec}, eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar.set_prefix(origin.to_owned());
    bar
}

fn short(response: &Response) -> String {
    match response {
        Response::Refused(reason) => reason.clone(),
        Response::Range { records, .. } => format!("{} records", records.len()),
        Response::Checkpoints(notes) => format!("{} checkpoints", notes.len()),
    }
}
