//! The swarm actor: owns the libp2p swarm (TCP, Noise, Yamux; gossipsub, request-response,
//! identify, ping; only members allowed, connections limited) and turns its events into calls on
//! [`Shared`], and [`Command`]s into network actions.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use ledger_format::Canonical;
use libp2p::identity::Keypair;
use libp2p::request_response::{self, OutboundRequestId, ProtocolSupport};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{
    Multiaddr, PeerId, Swarm, allow_block_list, connection_limits, gossipsub, identify, noise,
    ping, tcp, yamux,
};
use tokio::sync::{mpsc, oneshot, watch};

use super::ReplicationError;
use super::intake::Verdict;
use super::protocol::{
    Codec, GOSSIP_TOPIC, Gossip, MAX_GOSSIP_BYTES, Request, Response, SYNC_PROTOCOL,
};
use super::shared::{Command, Shared};
use super::work::WorkQueue;
use crate::export;
use crate::sequencer::CheckpointSigned;

/// How often the actor redials members it is not connected to, and asks connected members for
/// their latest checkpoints (the catch-up path when gossip was missed).
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How long a request may take: a full range of records over a slow link.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections kept open while idle: members talk every few seconds anyway.
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Threads that check gossip and serve peers' requests (the bounded queue's workers).
const WORKERS: usize = 2;
/// Jobs waiting for a worker: beyond this, gossip and requests are dropped and counted
/// (`ledger_p2p_shed_total`) rather than queued without bound.
const QUEUE: usize = 256;

/// Requests sent and not answered yet: who waits for the answer, or (for the actor's own polls of
/// members' checkpoints) which member was asked.
#[derive(Debug, Default)]
struct Pending {
    replies: HashMap<OutboundRequestId, oneshot::Sender<Result<Response, String>>>,
    polls: HashMap<OutboundRequestId, PeerId>,
}

/// The node's libp2p behaviours.
#[derive(NetworkBehaviour)]
pub(super) struct Behaviour {
    allowed: allow_block_list::Behaviour<allow_block_list::AllowedPeers>,
    limits: connection_limits::Behaviour,
    gossipsub: gossipsub::Behaviour,
    sync: request_response::Behaviour<Codec>,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
}

/// Builds the swarm, allows the members, subscribes to the gossip topic and starts listening.
pub(super) fn build(
    shared: &Shared,
    key: Keypair,
    listen: &[Multiaddr],
) -> Result<Swarm<Behaviour>, ReplicationError> {
    let p2p = |e: &dyn std::fmt::Display| ReplicationError::P2p(e.to_string());
    let members = shared.view().membership.members.len() as u32;
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| p2p(&e))?
        .with_behaviour(|key| behaviour(key, members))
        .map_err(|e| p2p(&e))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_TIMEOUT))
        .build();
    allow_members(&mut swarm, shared);
    swarm
        .behaviour_mut()
        .gossipsub
        .subscribe(&gossipsub::IdentTopic::new(GOSSIP_TOPIC))
        .map_err(|e| p2p(&e))?;
    for address in listen {
        // libp2p's transport error prints nothing of its cause: show the cause (address in use).
        swarm
            .listen_on(address.clone())
            .map_err(|e| ReplicationError::P2p(format!("listen on {address}: {e:?}")))?;
    }
    Ok(swarm)
}

fn behaviour(
    key: &Keypair,
    members: u32,
) -> Result<Behaviour, Box<dyn std::error::Error + Send + Sync>> {
    let gossip_config = gossipsub::ConfigBuilder::default()
        .max_transmit_size(MAX_GOSSIP_BYTES)
        .validation_mode(gossipsub::ValidationMode::Strict)
        // Nothing is forwarded before the node checked it (`Actor::on_gossip`).
        .validate_messages()
        // Identical content is one message, whoever publishes it.
        .message_id_fn(|message| {
            gossipsub::MessageId::from(ledger_format::sha256(&message.data).0.to_vec())
        })
        .heartbeat_interval(Duration::from_millis(500))
        .build()?;
    let gossipsub = gossipsub::Behaviour::new(
        gossipsub::MessageAuthenticity::Signed(key.clone()),
        gossip_config,
    )?;
    Ok(Behaviour {
        allowed: allow_block_list::Behaviour::default(),
        limits: connection_limits::Behaviour::new(connection_limits_for(members)),
        gossipsub,
        sync: request_response::Behaviour::with_codec(
            Codec,
            [(SYNC_PROTOCOL, ProtocolSupport::Full)],
            request_response::Config::default().with_request_timeout(REQUEST_TIMEOUT),
        ),
        identify: identify::Behaviour::new(identify::Config::new(
            "/registration-ledger/1".into(),
            key.public(),
        )),
        ping: ping::Behaviour::default(),
    })
}

/// The actor's loop.
pub(super) async fn run(
    mut swarm: Swarm<Behaviour>,
    shared: Arc<Shared>,
    mut commands: mpsc::Receiver<Command>,
    mut own_checkpoints: watch::Receiver<Option<Arc<CheckpointSigned>>>,
    mut stopped: watch::Receiver<bool>,
) {
    let topic = gossipsub::IdentTopic::new(GOSSIP_TOPIC);
    let mut pending = Pending::default();
    let work = match WorkQueue::start("p2p-work", WORKERS, QUEUE) {
        Ok(work) => work,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the p2p workers: replication stops");
            return;
        }
    };
    let mut poll = tokio::time::interval(POLL_INTERVAL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (local, mut local_rx) = mpsc::channel::<LocalEvent>(256);
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            event = swarm.select_next_some() => {
                let mut actor = Actor { swarm: &mut swarm, shared: &shared, pending: &mut pending, local: &local, work: &work };
                actor.on_swarm_event(event);
            }
            Some(command) = commands.recv() => match command {
                Command::Publish(gossip) => publish(&mut swarm, &topic, &gossip),
                Command::Request(peer, request, reply) => {
                    let id = swarm.behaviour_mut().sync.send_request(&peer, request);
                    pending.replies.insert(id, reply);
                }
                Command::Members => allow_members(&mut swarm, &shared),
            },
            Some(event) = local_rx.recv() => match event {
                LocalEvent::Respond(channel, response) => {
                    let _ = swarm.behaviour_mut().sync.send_response(channel, *response);
                }
                LocalEvent::Publish(gossip) => publish(&mut swarm, &topic, &gossip),
                LocalEvent::Validated(id, source, verdict) => {
                    report(&mut swarm, &id, &source, verdict);
                }
            },
            Ok(()) = own_checkpoints.changed() => {
                let reader = shared.clone();
                let local = local.clone();
                // When the queue is full the next checkpoint (or a member's poll) carries it.
                if !work.try_run(move || {
                    if let Some(note) = own_latest_note(&reader) {
                        let _ = local.blocking_send(LocalEvent::Publish(Gossip::Checkpoint(note)));
                    }
                }) {
                    shared.metrics().p2p_shed("own-checkpoint");
                }
            }
            _ = poll.tick() => {
                let mut actor = Actor { swarm: &mut swarm, shared: &shared, pending: &mut pending, local: &local, work: &work };
                actor.poll_members();
            }
        }
    }
    for (_, reply) in pending.replies.drain() {
        let _ = reply.send(Err("replication stopped".into()));
    }
    // The workers hand their results to `local_rx`: close it first so none waits on it, then
    // let them finish what is queued.
    drop(local_rx);
    let _ = tokio::task::spawn_blocking(move || work.shutdown()).await;
}

/// Tells gossipsub what a message is worth: forwarded when valid, rejected when invalid, dropped
/// quietly when not judged.
fn report(
    swarm: &mut Swarm<Behaviour>,
    id: &gossipsub::MessageId,
    from: &PeerId,
    verdict: Verdict,
) {
    let acceptance = match verdict {
        Verdict::Valid => gossipsub::MessageAcceptance::Accept,
        Verdict::Invalid => gossipsub::MessageAcceptance::Reject,
        Verdict::Unjudged => gossipsub::MessageAcceptance::Ignore,
    };
    swarm
        .behaviour_mut()
        .gossipsub
        .report_message_validation_result(id, from, acceptance);
}

/// Work finished by the workers, handed back to the actor.
enum LocalEvent {
    Respond(request_response::ResponseChannel<Response>, Box<Response>),
    Publish(Gossip),
    /// A gossip message checked: forward it or not (`validate_messages`).
    Validated(gossipsub::MessageId, PeerId, Verdict),
}

/// The actor's state that its event handlers use.
struct Actor<'a> {
    swarm: &'a mut Swarm<Behaviour>,
    shared: &'a Arc<Shared>,
    pending: &'a mut Pending,
    local: &'a mpsc::Sender<LocalEvent>,
    work: &'a WorkQueue,
}

fn publish(swarm: &mut Swarm<Behaviour>, topic: &gossipsub::IdentTopic, gossip: &Gossip) {
    match swarm
        .behaviour_mut()
        .gossipsub
        .publish(topic.clone(), gossip.encode())
    {
        Ok(_) | Err(gossipsub::PublishError::Duplicate) => {}
        Err(gossipsub::PublishError::NoPeersSubscribedToTopic) => {
            tracing::debug!("no peer to gossip to yet");
        }
        Err(e) => tracing::warn!(error = %e, "gossip not published"),
    }
}

/// Connections allowed for a network of `members` agencies: two per peer, a few spare.
fn connection_limits_for(members: u32) -> connection_limits::ConnectionLimits {
    connection_limits::ConnectionLimits::default()
        .with_max_established_per_peer(Some(2))
        .with_max_established(Some(members.saturating_mul(2) + 4))
        .with_max_pending_incoming(Some(members + 4))
}

/// Allows exactly the peers of the membership in force (but this node), and closes the
/// connections of peers no longer in it: a removed agency's node can neither connect nor gossip.
/// The connection limits follow the number of members.
fn allow_members(swarm: &mut Swarm<Behaviour>, shared: &Shared) {
    let view = shared.view();
    let members: Vec<PeerId> = view
        .membership
        .members
        .iter()
        .map(|m| m.peer_id)
        .filter(|peer| *peer != shared.local_peer())
        .collect();
    let count = u32::try_from(view.membership.members.len()).unwrap_or(u32::MAX);
    *swarm.behaviour_mut().limits.limits_mut() = connection_limits_for(count);
    let allowed = &mut swarm.behaviour_mut().allowed;
    let removed: Vec<PeerId> = allowed
        .allowed_peers()
        .iter()
        .filter(|peer| !members.contains(peer))
        .copied()
        .collect();
    for peer in &members {
        allowed.allow_peer(*peer);
    }
    for peer in removed {
        allowed.disallow_peer(peer);
        tracing::info!(%peer, "peer no longer in the membership: refused from now on");
    }
}

/// The node's own latest checkpoint with the cosignatures collected so far.
fn own_latest_note(shared: &Shared) -> Option<String> {
    let logs = shared.logs();
    let store = &logs.own.store;
    let stored = store.latest_checkpoint().ok()??;
    export::served_note(&**store, &stored).ok()
}

impl Actor<'_> {
    /// Redials members not connected, and asks the connected ones for their latest checkpoints.
    fn poll_members(&mut self) {
        for member in &self.shared.view().membership.members {
            if member.peer_id == self.shared.local_peer() {
                continue;
            }
            if !self.swarm.is_connected(&member.peer_id) {
                let opts = libp2p::swarm::dial_opts::DialOpts::peer_id(member.peer_id)
                    .addresses(member.addresses.clone())
                    .build();
                if let Err(e) = self.swarm.dial(opts) {
                    tracing::debug!(peer = %member.name, error = %e, "dial failed");
                }
                continue;
            }
            let id = self
                .swarm
                .behaviour_mut()
                .sync
                .send_request(&member.peer_id, Request::Checkpoints);
            self.pending.polls.insert(id, member.peer_id);
        }
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            })) => self.on_gossip(propagation_source, message_id, message.data),
            SwarmEvent::Behaviour(BehaviourEvent::Sync(event)) => self.on_sync(event),
            SwarmEvent::ConnectionEstablished { .. } | SwarmEvent::ConnectionClosed { .. } => {
                self.shared
                    .set_connected(self.swarm.connected_peers().copied().collect());
            }
            SwarmEvent::IncomingConnectionError {
                error,
                send_back_addr,
                ..
            } => {
                if matches!(error, libp2p::swarm::ListenError::Denied { .. }) {
                    self.shared.metrics().p2p_refused();
                    tracing::warn!(address = %send_back_addr, "refused a connection from a peer not in the membership");
                }
            }
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(%address, peer_id = %self.shared.local_peer(), "p2p listening");
            }
            _ => {}
        }
    }

    /// Checks a gossiped message on a worker, then tells gossipsub whether to forward it: only
    /// what verified is forwarded.
    fn on_gossip(&mut self, from: PeerId, id: gossipsub::MessageId, data: Vec<u8>) {
        let Ok(gossip) = Gossip::decode_exact(&data) else {
            self.shared.metrics().gossip_rejected("malformed gossip");
            self.report(&id, &from, Verdict::Invalid);
            return;
        };
        let shared = self.shared.clone();
        let local = self.local.clone();
        let job_id = id.clone();
        let queued = self.work.try_run(move || {
            let verdict = match gossip {
                Gossip::Checkpoint(note) => {
                    let intake = shared.on_checkpoint(&note, Some(from));
                    if let Some(out) = intake.gossip {
                        let _ = local.blocking_send(LocalEvent::Publish(out));
                    }
                    intake.verdict
                }
                Gossip::Equivocation(bytes) => {
                    if shared.on_equivocation(&bytes) {
                        Verdict::Valid
                    } else {
                        Verdict::Invalid
                    }
                }
            };
            let _ = local.blocking_send(LocalEvent::Validated(job_id, from, verdict));
        });
        if !queued {
            self.shared.metrics().p2p_shed("gossip");
            self.report(&id, &from, Verdict::Unjudged);
        }
    }

    fn report(&mut self, id: &gossipsub::MessageId, from: &PeerId, verdict: Verdict) {
        report(self.swarm, id, from, verdict);
    }

    fn on_sync(&mut self, event: request_response::Event<Request, Response>) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => {
                    let shared = self.shared.clone();
                    let local = self.local.clone();
                    // When the queue is full the channel is dropped: the peer sees the request
                    // fail and asks again later.
                    if !self.work.try_run(move || {
                        let response = shared.serve(request);
                        let _ =
                            local.blocking_send(LocalEvent::Respond(channel, Box::new(response)));
                    }) {
                        self.shared.metrics().p2p_shed("request");
                        tracing::debug!(%peer, "a peer's request dropped: the queue is full");
                    }
                }
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    if let Some(reply) = self.pending.replies.remove(&request_id) {
                        let _ = reply.send(Ok(response));
                    } else if let Some(member) = self.pending.polls.remove(&request_id) {
                        self.on_polled(member, response);
                    }
                }
            },
            request_response::Event::OutboundFailure {
                request_id, error, ..
            } => {
                if let Some(reply) = self.pending.replies.remove(&request_id) {
                    let _ = reply.send(Err(error.to_string()));
                }
                self.pending.polls.remove(&request_id);
            }
            _ => {}
        }
    }

    /// A member's answer to the actor's poll: its checkpoints, checked on a worker.
    fn on_polled(&mut self, member: PeerId, response: Response) {
        let Response::Checkpoints(notes) = response else {
            return;
        };
        let shared = self.shared.clone();
        let local = self.local.clone();
        if !self.work.try_run(move || {
            for note in notes {
                if let Some(gossip) = shared.on_checkpoint(&note, Some(member)).gossip {
                    let _ = local.blocking_send(LocalEvent::Publish(gossip));
                }
            }
        }) {
            self.shared.metrics().p2p_shed("poll");
        }
    }
}
