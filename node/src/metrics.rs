//! Prometheus metrics of the node (`/metrics`), with `prometheus-client`, which libp2p uses too.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Label of a per-kind counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    /// The record kind (`Body::kind_name`).
    pub kind: String,
}

/// Label of an HTTP response counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabel {
    /// The HTTP status code.
    pub status: u16,
}

/// Label of a per-log metric.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LogLabel {
    /// The log's origin.
    pub origin: String,
}

/// Label of a per-log refusal counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LogReasonLabel {
    /// The log's origin.
    pub origin: String,
    /// Why.
    pub reason: String,
}

/// Label of a rejected-message counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    /// Why it was rejected.
    pub reason: String,
}

/// Label of an outcome counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    /// `applied`, or `refused` (the file was invalid; nothing changed).
    pub result: String,
}

/// Replication and witnessing metrics.
#[derive(Debug, Default)]
struct P2pMetrics {
    peers: Gauge,
    refused_connections: Counter,
    gossip_rejected: Family<ReasonLabel, Counter>,
    mirror_size: Family<LogLabel, Gauge>,
    mirrored_records: Family<LogLabel, Counter>,
    mirror_rejected: Family<LogReasonLabel, Counter>,
    witness_refused: Family<LogReasonLabel, Counter>,
    equivocations: Family<LogLabel, Gauge>,
    retired_key_checkpoints: Family<LogLabel, Counter>,
    cosignatures: Counter,
    recosigned: Family<LogLabel, Counter>,
    restored: Counter,
    fence: Gauge,
    reloads: Family<ResultLabel, Counter>,
    members: Gauge,
    shed: Family<ReasonLabel, Counter>,
}

impl P2pMetrics {
    fn register(&self, registry: &mut Registry) {
        registry.register("p2p_peers", "Member peers connected", self.peers.clone());
        registry.register(
            "p2p_refused_connections",
            "Connections refused from peers not in the membership",
            self.refused_connections.clone(),
        );
        registry.register(
            "gossip_rejected",
            "Gossip messages rejected, by reason",
            self.gossip_rejected.clone(),
        );
        registry.register(
            "mirror_size",
            "Records held of another agency's log",
            self.mirror_size.clone(),
        );
        registry.register(
            "mirrored_records",
            "Records verified and stored from another agency's log",
            self.mirrored_records.clone(),
        );
        registry.register(
            "mirror_rejected_ranges",
            "Ranges of records refused (forged, dated ahead, or not in the signed tree), by reason",
            self.mirror_rejected.clone(),
        );
        registry.register(
            "witness_refused",
            "Checkpoints this node refused to cosign (add-checkpoint and sync), by log and reason",
            self.witness_refused.clone(),
        );
        registry.register(
            "equivocations",
            "1 for a log proven to have signed two histories",
            self.equivocations.clone(),
        );
        registry.register(
            "retired_key_checkpoints",
            "Checkpoints refused because a retired key of the log signed them after its rotation \
             (a stolen or misused old key), by log",
            self.retired_key_checkpoints.clone(),
        );
        registry.register(
            "cosignatures_collected",
            "Witness cosignatures stored",
            self.cosignatures.clone(),
        );
        registry.register(
            "witness_recosigned",
            "Quiet logs' latest checkpoints this node cosigned again (freshness), by log",
            self.recosigned.clone(),
        );
        registry.register(
            "restored_records",
            "Records of this node's own log fetched back from the network at start",
            self.restored.clone(),
        );
        registry.register(
            "own_log_fence",
            "Size of this node's own log held by a peer beyond its store while running (0: none; \
             above 0, the sequencer signs nothing: a second process signs with the log's key)",
            self.fence.clone(),
        );
        registry.register(
            "membership_reloads",
            "Membership reloads (signal or admin call), applied or refused (invalid file)",
            self.reloads.clone(),
        );
        registry.register(
            "membership_members",
            "Agencies in the membership in force",
            self.members.clone(),
        );
        registry.register(
            "p2p_shed",
            "Gossip messages and peer requests dropped unprocessed because the bounded queue in \
             front of their blocking work was full, by kind",
            self.shed.clone(),
        );
    }
}

/// Every metric the node exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    appended: Family<KindLabel, Counter>,
    refused: Family<KindLabel, Counter>,
    late_acts: Family<KindLabel, Counter>,
    batch_entries: Histogram,
    commit_seconds: Histogram,
    tree_size: Gauge,
    checkpoint_size: Gauge,
    checkpoint_timestamp: Gauge,
    http_responses: Family<StatusLabel, Counter>,
    auth_refused: Family<ReasonLabel, Counter>,
    access_log_failures: Counter,
    http_shed: Family<ReasonLabel, Counter>,
    p2p: P2pMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A registry with every metric registered under the `ledger_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("ledger");
        let appended = Family::<KindLabel, Counter>::default();
        let refused = Family::<KindLabel, Counter>::default();
        let late_acts = Family::<KindLabel, Counter>::default();
        let batch_entries = Histogram::new(exponential_buckets(1.0, 4.0, 9));
        let commit_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        let tree_size = Gauge::default();
        let checkpoint_size = Gauge::default();
        let checkpoint_timestamp = Gauge::default();
        let http_responses = Family::<StatusLabel, Counter>::default();
        let auth_refused = Family::<ReasonLabel, Counter>::default();
        let access_log_failures = Counter::default();
        let http_shed = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "records_appended",
            "Records appended, by kind",
            appended.clone(),
        );
        registry.register(
            "records_refused",
            "Requests refused by the rules, by kind",
            refused.clone(),
        );
        registry.register(
            "late_acts",
            "Acts of the agency recorded after their deadline (R16, R21, R22), by deadline",
            late_acts.clone(),
        );
        registry.register(
            "commit_batch_entries",
            "Records per group commit",
            batch_entries.clone(),
        );
        registry.register(
            "commit_seconds",
            "Latency of one durable group commit",
            commit_seconds.clone(),
        );
        registry.register("tree_size", "Records in the log", tree_size.clone());
        registry.register(
            "checkpoint_size",
            "Tree size of the latest checkpoint",
            checkpoint_size.clone(),
        );
        registry.register(
            "checkpoint_timestamp_seconds",
            "Unix time of the latest checkpoint (checkpoint age = now - this)",
            checkpoint_timestamp.clone(),
        );
        registry.register(
            "http_responses",
            "HTTP responses, by status",
            http_responses.clone(),
        );
        registry.register(
            "auth_refused",
            "Requests to agency and admin routes refused, by reason: missing, malformed, unknown, \
             revoked, registry (the credential) or role (the act)",
            auth_refused.clone(),
        );
        registry.register(
            "access_log_failures",
            "Access-log lines that could not be written (the request was answered regardless)",
            access_log_failures.clone(),
        );
        registry.register(
            "http_shed",
            "HTTP requests and connections refused unserved to protect the node, by reason: \
             overload (too many requests in flight), rate (a client over its rate on a write \
             route), connections (too many open connections) or timeout (headers or request too \
             slow)",
            http_shed.clone(),
        );
        let p2p = P2pMetrics::default();
        p2p.register(&mut registry);
        Metrics {
            p2p,
            registry,
            appended,
            refused,
            late_acts,
            batch_entries,
            commit_seconds,
            tree_size,
            checkpoint_size,
            checkpoint_timestamp,
            http_responses,
            auth_refused,
            access_log_failures,
            http_shed,
        }
    }

    /// Counts an act of the agency after its deadline (`deadline` is `lifecycle::Deadline::name`).
    pub fn late_act(&self, deadline: &str) {
        self.late_acts
            .get_or_create(&KindLabel {
                kind: deadline.to_owned(),
            })
            .inc();
    }

    /// Counts an appended record of `kind`.
    pub fn appended(&self, kind: &str, count: u64) {
        self.appended
            .get_or_create(&KindLabel {
                kind: kind.to_owned(),
            })
            .inc_by(count);
    }

    /// Counts a refused request of `kind`.
    pub fn refused(&self, kind: &str) {
        self.refused
            .get_or_create(&KindLabel {
                kind: kind.to_owned(),
            })
            .inc();
    }

    /// Records one durable group commit of `entries` records that took `seconds`.
    pub fn commit(&self, entries: usize, seconds: f64, tree_size: u64) {
        self.batch_entries.observe(entries as f64);
        self.commit_seconds.observe(seconds);
        self.tree_size
            .set(i64::try_from(tree_size).unwrap_or(i64::MAX));
    }

    /// Records a signed checkpoint.
    pub fn checkpoint(&self, size: u64, timestamp: i64) {
        self.checkpoint_size
            .set(i64::try_from(size).unwrap_or(i64::MAX));
        self.checkpoint_timestamp.set(timestamp);
    }

    /// Counts an HTTP response.
    pub fn http_response(&self, status: u16) {
        self.http_responses
            .get_or_create(&StatusLabel { status })
            .inc();
    }

    /// Counts a request to an agency or admin route refused, and why (a short, fixed word).
    pub fn auth_refused(&self, reason: &str) {
        self.auth_refused
            .get_or_create(&ReasonLabel {
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// Counts an HTTP request or connection refused unserved, and why (a short, fixed word).
    pub fn http_shed(&self, reason: &str) {
        self.http_shed
            .get_or_create(&ReasonLabel {
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// Counts a gossip message or peer request dropped because its queue was full.
    pub fn p2p_shed(&self, kind: &str) {
        self.p2p
            .shed
            .get_or_create(&ReasonLabel {
                reason: kind.to_owned(),
            })
            .inc();
    }

    /// Counts an access-log line that could not be written.
    pub fn access_log_failure(&self) {
        self.access_log_failures.inc();
    }

    /// Sets the number of member peers connected.
    pub fn peers(&self, count: usize) {
        self.p2p.peers.set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    /// Counts a connection refused from a peer outside the membership.
    pub fn p2p_refused(&self) {
        self.p2p.refused_connections.inc();
    }

    /// Counts a rejected gossip message.
    pub fn gossip_rejected(&self, reason: &str) {
        self.p2p
            .gossip_rejected
            .get_or_create(&ReasonLabel {
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// Records `count` records mirrored of `origin`, which now holds `size`.
    pub fn mirrored(&self, origin: &str, count: u64, size: u64) {
        let label = LogLabel {
            origin: origin.to_owned(),
        };
        self.p2p
            .mirrored_records
            .get_or_create(&label)
            .inc_by(count);
        self.p2p
            .mirror_size
            .get_or_create(&label)
            .set(i64::try_from(size).unwrap_or(i64::MAX));
    }

    /// Counts a range of `origin` refused, and why (a short, fixed word).
    pub fn mirror_rejected(&self, origin: &str, reason: &str) {
        self.p2p
            .mirror_rejected
            .get_or_create(&LogReasonLabel {
                origin: origin.to_owned(),
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// Counts a checkpoint of `origin` signed by one of its retired keys for a size after that
    /// key's rotation: evidence that an old key is being used.
    pub fn retired_key_checkpoint(&self, origin: &str) {
        self.p2p
            .retired_key_checkpoints
            .get_or_create(&LogLabel {
                origin: origin.to_owned(),
            })
            .inc();
    }

    /// Counts a checkpoint of `origin` this node refused to cosign, and why (a short, fixed word).
    pub fn witness_refused(&self, origin: &str, reason: &str) {
        self.p2p
            .witness_refused
            .get_or_create(&LogReasonLabel {
                origin: origin.to_owned(),
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// Marks `origin` as proven to equivocate.
    pub fn equivocation(&self, origin: &str) {
        self.p2p
            .equivocations
            .get_or_create(&LogLabel {
                origin: origin.to_owned(),
            })
            .set(1);
    }

    /// Counts witness cosignatures stored.
    pub fn cosignatures_collected(&self, count: usize) {
        self.p2p.cosignatures.inc_by(count as u64);
    }

    /// Counts a quiet log's checkpoint cosigned again.
    pub fn recosigned(&self, origin: &str) {
        self.p2p
            .recosigned
            .get_or_create(&LogLabel {
                origin: origin.to_owned(),
            })
            .inc();
    }

    /// Counts a membership reload, `applied` or `refused`.
    pub fn membership_reload(&self, result: &str) {
        self.p2p
            .reloads
            .get_or_create(&ResultLabel {
                result: result.to_owned(),
            })
            .inc();
    }

    /// Counts records of the own log restored from the network.
    pub fn restored(&self, records: u64) {
        self.p2p.restored.inc_by(records);
    }

    /// Records that a peer holds the own log up to `size`, beyond the store.
    pub fn fenced(&self, size: u64) {
        self.p2p.fence.set(i64::try_from(size).unwrap_or(i64::MAX));
    }

    /// Sets the number of agencies in the membership in force.
    pub fn membership_members(&self, count: usize) {
        self.p2p
            .members
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    /// The OpenMetrics text of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
