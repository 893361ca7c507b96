//! One sync task per mirrored log: when a newer checkpoint of the log is known, fetch the missing
//! records in ranges from the peer that announced it or any other member, verify and store each
//! range ([`super::mirror::Mirror::apply`]), cosign at the checkpoint, and gossip the cosignature.
//! A range refused by the mirror (forged, or not in the signed tree) is dropped and asked of the
//! next peer; nothing of it is stored.

use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use libp2p::PeerId;
use tokio::sync::watch;

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
            let done = tokio::select! {
                done = catch_up(&shared, &log, &target) => done,
                _ = stopped.changed() => return,
            };
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

/// Fetches and applies ranges until the mirror reaches `target`; false when no peer could help.
/// A node never cosigns its own log (when it restores it from the network).
pub(super) async fn catch_up(shared: &Arc<Shared>, log: &LogEntry, target: &Target) -> bool {
    let Some(mirror) = log.mirror.clone() else {
        return true;
    };
    let size = target.checkpoint.checkpoint().size;
    let start = mirror.size();
    let progress = progress_bar(&log.origin, start, size);
    let mut peers = peers_for(shared, target.peer);
    while mirror.size() < size {
        let Some(&peer) = peers.first() else {
            progress.abandon();
            return false;
        };
        let from = mirror.size();
        let request = Request::Range {
            origin: log.origin.clone(),
            start: from,
            end: size.min(from + MAX_RANGE_RECORDS),
            proof_to: size,
        };
        let (records, proof) = match shared.request(peer, request).await {
            Ok(Response::Range { records, proof }) if !records.is_empty() => (records, proof),
            Ok(other) => {
                tracing::debug!(origin = %log.origin, %peer, answer = ?short(&other), "peer cannot serve the range");
                peers.remove(0);
                continue;
            }
            Err(e) => {
                tracing::debug!(origin = %log.origin, %peer, error = %e, "range request failed");
                peers.remove(0);
                continue;
            }
        };
        let count = records.len() as u64;
        let applied = {
            let mirror = mirror.clone();
            let signed = target.checkpoint.clone();
            let shared = shared.clone();
            let origin = log.origin.clone();
            tokio::task::spawn_blocking(move || {
                let own = origin == shared.logs().own.origin;
                let cosigner = (!own && !shared.is_equivocated(&origin)).then(|| shared.cosigner());
                mirror.apply(
                    from,
                    &records,
                    &signed,
                    &proof,
                    cosigner.as_ref().map(|c| c.get()),
                )
            })
            .await
        };
        match applied {
            Ok(Ok(applied)) => {
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
            Ok(Err(e)) => {
                shared.metrics().mirror_rejected(&log.origin, e.reason());
                if let super::mirror::MirrorError::RetiredKey { size, key } = &e {
                    shared.metrics().retired_key_checkpoint(&log.origin);
                    tracing::warn!(origin = %log.origin, size, %key, "checkpoint signed by a retired key of the log after its rotation: refused");
                }
                tracing::warn!(origin = %log.origin, %peer, error = %e, "refused records from a peer; nothing stored");
                peers.remove(0);
            }
            Err(e) => {
                tracing::error!(origin = %log.origin, error = %e, "mirror task failed");
                return false;
            }
        }
    }
    true
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
