//! Every log a node holds: its own agency's log and the mirrors of the other agencies' logs, each
//! with the keys that sign it and its witnesses' keys. The HTTP API reads any of them; bundles and
//! proofs can be exported by any node for any log it holds.

use std::sync::Arc;

use ledger_format::checkpoint::VerifierKey;

use crate::replication::mirror::Mirror;
use crate::store::Store;

/// One log the node holds.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// The log's origin.
    pub origin: String,
    /// Its store.
    pub store: Arc<dyn Store>,
    /// The keys whose signatures compact checkpoints keep: the log's key, then the witnesses'.
    pub keys: Vec<VerifierKey>,
    /// The verifying mirror writer, for another agency's log; `None` for the node's own log.
    pub mirror: Option<Arc<Mirror>>,
    /// The GB/T 2260 divisions the log issues certificate codes for (empty: not restricted).
    pub regions: Vec<u32>,
}

impl LogEntry {
    /// The log's own key (the first of [`LogEntry::keys`]).
    pub fn log_key(&self) -> Option<&VerifierKey> {
        self.keys.first()
    }
}

/// The node's own log, its mirrors, and the logs of agencies removed from the network.
#[derive(Debug, Clone)]
pub struct Logs {
    /// The node's own agency's log.
    pub own: LogEntry,
    /// The other agencies' logs, in membership order: mirrored and witnessed.
    pub mirrors: Vec<LogEntry>,
    /// The mirrored logs of agencies removed from the membership since the node started: still
    /// served (records, proofs, checkpoints up to the removal), no longer mirrored or witnessed.
    pub retired: Vec<LogEntry>,
}

impl Logs {
    /// A node with only its own log.
    pub fn alone(own: LogEntry) -> Self {
        Logs {
            own,
            mirrors: Vec::new(),
            retired: Vec::new(),
        }
    }

    /// The log named `origin`, or the node's own log for `None`; a removed agency's log too.
    pub fn get(&self, origin: Option<&str>) -> Option<&LogEntry> {
        match origin {
            None => Some(&self.own),
            Some(origin) => self.all().find(|log| log.origin == origin),
        }
    }

    /// The log named `origin` if it is the node's own or a member's it mirrors now; `None` for a
    /// removed agency's log (replication neither follows nor witnesses it any more).
    pub fn current(&self, origin: &str) -> Option<&LogEntry> {
        std::iter::once(&self.own)
            .chain(self.mirrors.iter())
            .find(|log| log.origin == origin)
    }

    /// The log whose regions cover `code`'s region: the agency that issues it (in a network, one
    /// at most). `None` when no log's regions cover it.
    pub fn issuer_of(&self, code: &ledger_format::code::CertificateCode) -> Option<&LogEntry> {
        let region = code.region();
        self.all().find(|log| {
            log.regions
                .iter()
                .any(|listed| ledger_format::code::region_covers(*listed, region))
        })
    }

    /// Every log: the node's own first, then the mirrors, then the removed agencies' logs.
    pub fn all(&self) -> impl Iterator<Item = &LogEntry> {
        std::iter::once(&self.own)
            .chain(self.mirrors.iter())
            .chain(self.retired.iter())
    }
}
