//! The node's TOML configuration file, with safe defaults (docs/operations.md#config).
//!
//! Paths in the file are relative to the file's own directory, so a data directory can be moved
//! as a whole. Secrets (the agency key, the agency token) live in their own files, mode 0600.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::sequencer::{CHECKPOINT_INTERVAL_MS, MAX_BATCH_ENTRIES, QUEUE_DEPTH, SequencerConfig};

/// Name of the configuration file inside a data directory.
pub const CONFIG_FILE: &str = "config.toml";
/// Default HTTP address: loopback only, so a fresh node is not exposed by accident.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8180";
/// Default largest request body (16 MiB: a batch of 20,000 evidence hashes in JSON is ~4 MiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Default largest evidence batch.
pub const MAX_EVIDENCE_BATCH: usize = 20_000;
/// Default address of the agency and admin routes and `/metrics`: loopback only.
pub const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:8182";

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        message: String,
    },
    /// A value is out of range.
    #[error("{path}: {field}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The setting.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The log's origin (its checkpoints' first line), e.g. `ledger.yuxi.example/2026`.
    pub origin: String,
    /// The log's cryptographic suite (docs/format.md#suites), chosen at `init` for the log's life:
    /// `ed25519-sha256` (the default, and every log made before suites) or `sm2-sm3`. The node
    /// refuses to start when the store's genesis key is of another suite.
    #[serde(default, skip_serializing_if = "is_default_suite")]
    pub suite: ledger_format::suite::Suite,
    /// RocksDB directory.
    #[serde(default = "default_db")]
    pub db_dir: PathBuf,
    /// The agency's log key (C2SP signed-note private key text), mode 0600. Not read when
    /// `log_key_hsm` is given.
    #[serde(default = "default_key_file")]
    pub key_file: PathBuf,
    /// The agency's log key in a hardware security module instead of `key_file`: the PKCS#11
    /// module, token, key label and PIN source (docs/operations.md, "Keys in a hardware security
    /// module"). Relative paths are relative to this file's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_key_hsm: Option<ledger_hsm::HsmKeyConfig>,
    /// The bearer token of the agency's registration platform, mode 0600.
    #[serde(default = "default_token_file")]
    pub token_file: PathBuf,
    /// The officer registry (docs/operations.md#officers), mode 0600: the officers' roles, token
    /// hashes and commitment salts. Created at start from the agency token when absent.
    #[serde(default = "default_officers_file")]
    pub officers_file: PathBuf,
    /// The access log of the agency and admin routes (JSON lines); default `<db_dir>.access.log`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log: Option<PathBuf>,
    /// HTTP settings.
    #[serde(default)]
    pub http: HttpConfig,
    /// Sequencer settings.
    #[serde(default)]
    pub sequencer: SequencerSettings,
    /// Peer-to-peer replication and witnessing settings.
    #[serde(default)]
    pub network: NetworkSettings,
    /// The lifecycle duties the node performs on its own (cancellation for lapse, R23).
    #[serde(default)]
    pub lifecycle: crate::lapse::LapseSettings,
    /// The GB/T 2260 divisions whose certificate codes this log may issue, when the node runs
    /// alone (in a network, its entry in the membership file says). Empty: any region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<u32>,
    /// What the public notice board says of this agency when the node runs alone (in a network,
    /// its entry in the membership file says): docs/operations.md#board.
    #[serde(default, skip_serializing_if = "BoardConfig::is_empty")]
    pub board: BoardConfig,
    /// Where the file was read from (paths are relative to its directory); not in the file.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// `[board]`: what the public notice board (docs/operations.md#board) shows of the agency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BoardConfig {
    /// The agency's name, e.g. `玉溪市公共数据登记中心`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// How to object to a notice (R22): where to send a real-name objection with its evidence,
    /// and how to reach the agency, as the page shows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objections: Option<String>,
}

impl BoardConfig {
    /// True when it says nothing.
    pub fn is_empty(&self) -> bool {
        let BoardConfig { agency, objections } = self;
        agency.is_none() && objections.is_none()
    }
}

/// HTTP settings: two listeners (docs/operations.md#http), the public API on `listen` and the
/// agency and admin routes with `/metrics` on `admin_listen`, each with its own limits, so that
/// no public load or attack reaches the officers' routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Address of the public API.
    pub listen: SocketAddr,
    /// Address of the agency and admin routes and `/metrics` (loopback by default: officers reach
    /// it through the agency's own network or a reverse proxy with TLS).
    pub admin_listen: SocketAddr,
    /// Largest request body of `POST /v1/evidence`, in bytes (other routes take far less:
    /// [`crate::api::limits`]).
    pub max_body_bytes: usize,
    /// Most hashes in one evidence batch.
    pub max_evidence_batch: usize,
    /// Most connections open at once on each listener; more are closed at once.
    pub max_connections: usize,
    /// Most requests served at once on each listener; more get `503` with `Retry-After`.
    pub max_in_flight: usize,
    /// Seconds a client has to send a request's headers, and the longest a connection may sit
    /// idle between requests.
    pub header_timeout_secs: u64,
    /// Seconds a request may take in all, its body included (`408` after that). A receipt
    /// request that waits for a checkpoint waits less than this.
    pub request_timeout_secs: u64,
    /// Requests per second one client address may make to the public write routes
    /// (`POST /v1/evidence`, `POST /add-checkpoint`) in the long run; more get `429`.
    pub write_rate_per_second: u32,
    /// How many requests beyond that rate one client address may make in a burst.
    pub write_burst: u32,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8180)),
            admin_listen: SocketAddr::from(([127, 0, 0, 1], 8182)),
            max_body_bytes: MAX_BODY_BYTES,
            max_evidence_batch: MAX_EVIDENCE_BATCH,
            max_connections: 1024,
            max_in_flight: 256,
            header_timeout_secs: 10,
            request_timeout_secs: 30,
            write_rate_per_second: 100,
            write_burst: 200,
        }
    }
}

/// Sequencer settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SequencerSettings {
    /// Milliseconds between checkpoints (when the log grew).
    pub checkpoint_interval_ms: u64,
    /// Most records in one group commit.
    pub max_batch_entries: usize,
    /// Requests queued before callers wait.
    pub queue_depth: usize,
}

impl Default for SequencerSettings {
    fn default() -> Self {
        SequencerSettings {
            checkpoint_interval_ms: CHECKPOINT_INTERVAL_MS,
            max_batch_entries: MAX_BATCH_ENTRIES,
            queue_depth: QUEUE_DEPTH,
        }
    }
}

/// Peer-to-peer settings. Without a membership file the node runs alone: a complete notary for its
/// agency, with no mirrors and no witnesses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkSettings {
    /// The network's membership file (every agency's node; shared by all nodes), if any.
    pub membership: Option<PathBuf>,
    /// libp2p addresses to listen on.
    pub listen: Vec<String>,
    /// This node's libp2p identity key (hex Ed25519 seed), mode 0600.
    pub p2p_key_file: PathBuf,
    /// This node's witness key (C2SP signed-note private key, `cosignature/v1`), mode 0600. Not
    /// read when `witness_key_hsm` is given.
    pub witness_key_file: PathBuf,
    /// This node's witness key in a hardware security module instead of `witness_key_file`
    /// (docs/operations.md, "Keys in a hardware security module"); its key name is
    /// `<origin>/witness`, its type the cosignature type of the module key's suite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness_key_hsm: Option<ledger_hsm::HsmKeyConfig>,
    /// Where the mirrors of the other agencies' logs are kept.
    pub mirrors_dir: PathBuf,
    /// Seconds after which this node cosigns a quiet log's latest checkpoint again, so that the
    /// witnessed time of what any node serves stays this fresh (docs/operations.md#freshness).
    pub recosign_interval_secs: u64,
    /// Seconds the node waits at start for a peer to tell it what the network holds of its own
    /// log (docs/operations.md#rollback-protection); without an answer it starts on its store.
    pub restore_wait_secs: u64,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        NetworkSettings {
            membership: None,
            listen: vec![DEFAULT_P2P_LISTEN.to_owned()],
            p2p_key_file: PathBuf::from("p2p.key"),
            witness_key_file: PathBuf::from("witness.key"),
            witness_key_hsm: None,
            mirrors_dir: PathBuf::from("mirrors"),
            recosign_interval_secs: crate::replication::RECOSIGN_INTERVAL_SECS,
            restore_wait_secs: 10,
        }
    }
}

/// Default libp2p address: loopback, the port after the HTTP default.
pub const DEFAULT_P2P_LISTEN: &str = "/ip4/127.0.0.1/tcp/8181";

fn default_db() -> PathBuf {
    PathBuf::from("db")
}

fn default_key_file() -> PathBuf {
    PathBuf::from("agency.key")
}

fn default_token_file() -> PathBuf {
    PathBuf::from("agency.token")
}

fn default_officers_file() -> PathBuf {
    PathBuf::from("officers.toml")
}

impl Config {
    /// A configuration with defaults for `origin`, rooted at `base_dir`.
    pub fn new(origin: &str, base_dir: &Path) -> Self {
        Config {
            origin: origin.to_owned(),
            suite: ledger_format::suite::Suite::default(),
            db_dir: default_db(),
            key_file: default_key_file(),
            log_key_hsm: None,
            token_file: default_token_file(),
            officers_file: default_officers_file(),
            access_log: None,
            http: HttpConfig::default(),
            sequencer: SequencerSettings::default(),
            network: NetworkSettings::default(),
            lifecycle: crate::lapse::LapseSettings::default(),
            regions: Vec::new(),
            board: BoardConfig::default(),
            base_dir: base_dir.to_owned(),
        }
    }

    /// Reads and checks the file at `path`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file and the problem.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        config.base_dir = path.parent().unwrap_or(Path::new(".")).to_owned();
        config.check(path)?;
        Ok(config)
    }

    fn check(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |field, message: String| ConfigError::Invalid {
            path: path.to_owned(),
            field,
            message,
        };
        ledger_format::record::validate_origin(&self.origin)
            .map_err(|e| invalid("origin", e.to_string()))?;
        if self.sequencer.checkpoint_interval_ms < 10 {
            return Err(invalid(
                "sequencer.checkpoint_interval_ms",
                "at least 10".into(),
            ));
        }
        if self.sequencer.max_batch_entries == 0 || self.http.max_evidence_batch == 0 {
            return Err(invalid("sequencer.max_batch_entries", "at least 1".into()));
        }
        for address in &self.network.listen {
            address
                .parse::<libp2p::Multiaddr>()
                .map_err(|e| invalid("network.listen", format!("{address}: {e}")))?;
        }
        if self.http.max_body_bytes < 1024 {
            return Err(invalid("http.max_body_bytes", "at least 1024".into()));
        }
        let at_least_one = [
            ("http.max_connections", self.http.max_connections as u64),
            ("http.max_in_flight", self.http.max_in_flight as u64),
            ("http.header_timeout_secs", self.http.header_timeout_secs),
            (
                "http.write_rate_per_second",
                self.http.write_rate_per_second.into(),
            ),
            ("http.write_burst", self.http.write_burst.into()),
        ];
        for (field, value) in at_least_one {
            if value == 0 {
                return Err(invalid(field, "at least 1".into()));
            }
        }
        // A receipt request waits up to `crate::RECEIPT_WAIT` for a checkpoint.
        if Duration::from_secs(self.http.request_timeout_secs) <= crate::RECEIPT_WAIT {
            return Err(invalid(
                "http.request_timeout_secs",
                format!(
                    "more than {} (a receipt's longest wait)",
                    crate::RECEIPT_WAIT.as_secs()
                ),
            ));
        }
        if self.http.admin_listen == self.http.listen && self.http.listen.port() != 0 {
            return Err(invalid(
                "http.admin_listen",
                "must differ from http.listen: the agency's routes have their own listener".into(),
            ));
        }
        Ok(())
    }

    /// The TOML text of this configuration, with a header comment.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).unwrap_or_default();
        format!(
            "# ledger-node configuration. Paths are relative to this file's directory.\n\
             # The key and token files hold secrets (mode 0600): never share them.\n\n{body}"
        )
    }

    /// `relative` resolved against the file's directory.
    pub fn path(&self, relative: &Path) -> PathBuf {
        self.base_dir.join(relative)
    }

    /// A file beside the store: `<db_dir>.<suffix>`, resolved like [`Config::path`] (a backup of
    /// the store does not carry it).
    pub fn beside_db(&self, suffix: &str) -> PathBuf {
        let mut name = self.db_dir.as_os_str().to_owned();
        name.push(".");
        name.push(suffix);
        self.path(Path::new(&name))
    }

    /// The access log's file: the configured one, or `<db_dir>.access.log` beside the store.
    pub fn access_log_path(&self) -> PathBuf {
        self.access_log
            .as_ref()
            .map_or_else(|| self.beside_db("access.log"), |p| self.path(p))
    }

    /// The sequencer's runtime settings.
    pub fn sequencer_config(&self) -> SequencerConfig {
        SequencerConfig {
            checkpoint_interval: Duration::from_millis(self.sequencer.checkpoint_interval_ms),
            max_batch_entries: self.sequencer.max_batch_entries,
            queue_depth: self.sequencer.queue_depth.max(1),
            regions: self.regions.clone(),
            ..SequencerConfig::default()
        }
    }
}

fn is_default_suite(suite: &ledger_format::suite::Suite) -> bool {
    *suite == ledger_format::suite::Suite::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::new("ledger.test.example/2026", dir.path());
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, config.to_toml()).unwrap();
        assert_eq!(Config::load(&path).unwrap(), config);
    }

    #[test]
    fn minimal_file_takes_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, "origin = \"ledger.test.example/2026\"\n").unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!(config.http.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(config.path(&config.db_dir), dir.path().join("db"));
    }

    #[test]
    fn errors_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, "origin = \"ledger.test.example/2026\"\nlisten = 1\n").unwrap();
        assert!(
            Config::load(&path)
                .unwrap_err()
                .to_string()
                .contains("unknown field `listen`")
        );
        std::fs::write(&path, "origin = \"has space\"\n").unwrap();
        assert!(
            Config::load(&path)
                .unwrap_err()
                .to_string()
                .contains("origin")
        );
        std::fs::write(
            &path,
            "origin = \"a.example/1\"\n[sequencer]\ncheckpoint_interval_ms = 1\n",
        )
        .unwrap();
        assert!(
            Config::load(&path)
                .unwrap_err()
                .to_string()
                .contains("checkpoint_interval_ms")
        );
        assert!(matches!(
            Config::load(&dir.path().join("missing.toml")),
            Err(ConfigError::Read { .. })
        ));
    }
}
