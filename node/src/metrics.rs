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

/// Every metric the node exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    appended: Family<KindLabel, Counter>,
    refused: Family<KindLabel, Counter>,
    batch_entries: Histogram,
    commit_seconds: Histogram,
    tree_size: Gauge,
    checkpoint_size: Gauge,
    checkpoint_timestamp: Gauge,
    http_responses: Family<StatusLabel, Counter>,
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
        let batch_entries = Histogram::new(exponential_buckets(1.0, 4.0, 9));
        let commit_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        let tree_size = Gauge::default();
        let checkpoint_size = Gauge::default();
        let checkpoint_timestamp = Gauge::default();
        let http_responses = Family::<StatusLabel, Counter>::default();
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
        Metrics {
            registry,
            appended,
            refused,
            batch_entries,
            commit_seconds,
            tree_size,
            checkpoint_size,
            checkpoint_timestamp,
            http_responses,
        }
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

    /// The OpenMetrics text of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
