//! A real node for the load generator: created with `ledger_node::init` (fresh keys and token) in
//! a directory on disk, started in-process with [`ledger_node::start`], reached over loopback HTTP.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use ledger_format::keys::SecretKey;
use ledger_format::suite::Suite;
use ledger_node::RunningNode;
use ledger_node::clock::SystemClock;
use ledger_node::config::{CONFIG_FILE, Config};

/// A node the load generator started.
#[derive(Debug)]
pub struct BenchNode {
    /// The node's directory (config, keys, RocksDB).
    pub dir: PathBuf,
    /// Its configuration.
    pub config: Config,
    /// `http://127.0.0.1:<port>`: the public API.
    pub base: String,
    /// `http://127.0.0.1:<port>`: the agency and admin routes and `/metrics`.
    pub admin: String,
    /// The agency's bearer token.
    pub token: String,
    /// The trust policy `init` wrote.
    pub policy_text: String,
    /// The running node.
    pub running: RunningNode,
}

impl BenchNode {
    /// Creates a node for `origin`, a log of `suite`, in `dir` (which must not hold one) and
    /// starts it on a loopback port the OS picks. Must run inside a tokio runtime.
    ///
    /// # Errors
    /// When `init` or `start` fails.
    pub async fn create(dir: &Path, origin: &str, suite: Suite) -> Result<Self> {
        let listen = "127.0.0.1:0".parse().context("loopback address")?;
        let made =
            ledger_node::init::init_with_suite(dir, origin, Some(listen), suite).context("init")?;
        let mut config = Config::load(&dir.join(CONFIG_FILE)).context("config")?;
        // The load generator is one client posting as fast as many evidence services would:
        // the per-client rate of the write routes would measure itself, not the node.
        config.http.write_rate_per_second = 1_000_000;
        config.http.write_burst = 1_000_000;
        let token = ledger_node::init::read_token(&config.path(&config.token_file))?;
        let policy_text = std::fs::read_to_string(&made.policy_path)?;
        let running = ledger_node::start(&config, Arc::new(SystemClock))
            .await
            .context("start")?;
        Ok(BenchNode {
            dir: dir.to_owned(),
            base: format!("http://{}", running.addr),
            admin: format!("http://{}", running.admin_addr),
            config,
            token,
            policy_text,
            running,
        })
    }

    /// The RocksDB directory of the node.
    pub fn db_path(&self) -> PathBuf {
        self.config.path(&self.config.db_dir)
    }

    /// Stops the node (a last checkpoint, store closed) and returns its RocksDB directory.
    ///
    /// # Errors
    /// When the HTTP server failed.
    pub async fn stop(self) -> Result<PathBuf> {
        let db = self.db_path();
        self.running.stop().await.context("stopping the node")?;
        Ok(db)
    }
}

/// Registers `key` as an evidence service through `POST /v1/agency/records` (blocking HTTP).
///
/// # Errors
/// When the node refuses it.
pub fn register_submitter(admin: &str, token: &str, key: &SecretKey, name: &str) -> Result<()> {
    let body = serde_json::json!({
        "SubmitterAdded": {
            "key": key.public_key().to_hex(),
            "name": name,
            "credit_code": ledger_format::testing::CREDIT_CODE,
        }
    });
    let response = ureq::post(&format!("{admin}/v1/agency/records"))
        .header("authorization", &format!("Bearer {token}"))
        .config()
        .http_status_as_error(false)
        .build()
        .send_json(&body)?;
    if response.status() != 201 {
        bail!("registering {name}: HTTP {}", response.status());
    }
    Ok(())
}

/// A plain HTTP agent for the load: no status-as-error, keep-alive.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}
