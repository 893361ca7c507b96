//! P4 over libp2p: two `ledger-node` processes (the release binary) in a membership of two, on
//! loopback. The writer's log is filled through its HTTP batch API (the P1 path) while the second
//! node is down; then the second node starts, and the time its mirror takes to reach the writer's
//! checkpoint is measured from its `GET /v1/logs`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use ledger_format::suite::Suite;
use serde_json::Value;

use crate::ingest;
use crate::node::{agent, register_submitter};

/// The writer's origin in the network run.
pub const WRITER_ORIGIN: &str = "ledger.writer.example/1";
/// The mirror's origin.
pub const MIRROR_ORIGIN: &str = "ledger.mirror.example/1";

/// The `ledger-node` binary next to this executable (both built by
/// `cargo build --release -p ledger-node -p ledger-benches`).
///
/// # Errors
/// When it is not there.
pub fn node_binary_beside_me() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let bin = exe
        .parent()
        .map(|dir| dir.join("ledger-node"))
        .context("no directory of the executable")?;
    if !bin.exists() {
        bail!(
            "{} is missing: build it first with `cargo build --release -p ledger-node`, or name it \
             with --node-bin",
            bin.display()
        );
    }
    Ok(bin)
}

/// A node process the load generator started.
#[derive(Debug)]
pub struct NodeProcess {
    /// A short name (`writer`, `mirror`).
    pub name: String,
    /// The node's directory.
    pub dir: PathBuf,
    /// Its HTTP port on 127.0.0.1.
    pub http: u16,
    /// The port of its agency and admin routes and `/metrics`.
    pub admin: u16,
    binary: PathBuf,
    child: Option<Child>,
}

impl NodeProcess {
    /// `http://127.0.0.1:<port>`: the public API.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.http)
    }

    /// `http://127.0.0.1:<port>`: the agency and admin routes and `/metrics`.
    pub fn admin_base(&self) -> String {
        format!("http://127.0.0.1:{}", self.admin)
    }

    /// The process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The agency's bearer token.
    ///
    /// # Errors
    /// When the token file cannot be read.
    pub fn token(&self) -> Result<String> {
        Ok(std::fs::read_to_string(self.dir.join("agency.token"))?
            .trim()
            .to_owned())
    }

    /// Starts `ledger-node run` (its log in `node.log` of its directory) and waits until it
    /// answers `/healthz`.
    ///
    /// # Errors
    /// When it cannot be spawned or does not answer within 60 s.
    pub fn start(&mut self) -> Result<()> {
        let log = std::fs::File::create(self.dir.join("node.log"))?;
        let child = Command::new(&self.binary)
            .arg("--data-dir")
            .arg(&self.dir)
            .arg("run")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", self.binary.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = format!("{}/healthz", self.base());
        while ureq::get(&url).call().is_err() {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                bail!(
                    "{} exited ({status}); see {}/node.log",
                    self.name,
                    self.dir.display()
                );
            }
            if Instant::now() > deadline {
                bail!("{} did not answer within 60 s", self.name);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Stops the process with SIGTERM (a clean stop: a last checkpoint, the store closed) and
    /// waits for it; SIGKILL after 60 s.
    ///
    /// # Errors
    /// When the signal cannot be sent.
    pub fn stop(&mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()?;
        if !status.success() {
            bail!("kill -TERM {}", child.id());
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                child.kill()?;
                child.wait()?;
                bail!("{} did not stop within 60 s", self.name);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// `GET /v1/logs`: the summary of the log `origin` (its `size`, `checkpoint_size`).
    ///
    /// # Errors
    /// When the request fails.
    pub fn log_summary(&self, agent: &ureq::Agent, origin: &str) -> Result<Value> {
        let logs: Value = agent
            .get(&format!("{}/v1/logs", self.base()))
            .call()?
            .body_mut()
            .read_json()?;
        Ok(logs
            .as_array()
            .and_then(|logs| logs.iter().find(|l| l["origin"] == origin))
            .cloned()
            .unwrap_or(Value::Null))
    }

    /// The sum of the samples of metric `name` (every label set) in `/metrics`.
    ///
    /// # Errors
    /// When the request fails.
    pub fn metric(&self, name: &str) -> Result<f64> {
        let text = agent()
            .get(&format!("{}/metrics", self.admin_base()))
            .call()?
            .body_mut()
            .read_to_string()?;
        Ok(text
            .lines()
            .filter(|l| l.split(['{', ' ']).next() == Some(name))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum())
    }

    /// CPU time (user + system) the process used so far, from `/proc/<pid>/stat`.
    pub fn cpu_time(&self) -> Option<Duration> {
        cpu_time_of(self.pid()?)
    }
}

/// CPU time (user + system) process `pid` used so far, from `/proc/<pid>/stat` (this process:
/// `std::process::id()`).
pub fn cpu_time_of(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces): state is field 3; utime and stime
    // are fields 14 and 15, in clock ticks.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64))
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Clock ticks per second of `/proc` CPU times (`getconf CLK_TCK`; 100 when it cannot be read).
fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// A free TCP port on 127.0.0.1 below Linux's ephemeral range (32768–60999), so that no outgoing
/// connection takes it between this check and the node's bind.
fn free_port(next: &mut u16) -> Result<u16> {
    while *next < 32_000 {
        let port = *next;
        *next += 1;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err(anyhow!("no free port below 32000"))
}

/// The writer and the mirror, created with `ledger-node init --suite <suite>` in `root` (both
/// logs of `suite`), and the membership file listing both (quorum 1: the other node's
/// cosignature).
///
/// # Errors
/// When `init` or `member` fails.
pub fn create_pair(root: &Path, binary: &Path, suite: Suite) -> Result<(NodeProcess, NodeProcess)> {
    let membership = root.join("network.toml");
    let mut next = 20_000 + (std::process::id() % 10_000) as u16;
    let mut entries = String::from("quorum = 1\n");
    let mut nodes = Vec::new();
    for (name, origin, region) in [
        ("writer", WRITER_ORIGIN, 530_400),
        ("mirror", MIRROR_ORIGIN, 530_100),
    ] {
        let dir = root.join(name);
        let (http, admin, p2p) = (
            free_port(&mut next)?,
            free_port(&mut next)?,
            free_port(&mut next)?,
        );
        let status = Command::new(binary)
            .arg("--data-dir")
            .arg(&dir)
            .args(["init", "--origin", origin, "--suite", suite.name()])
            .args(["--listen", &format!("127.0.0.1:{http}")])
            .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
            .args(["--p2p-listen", &format!("/ip4/127.0.0.1/tcp/{p2p}")])
            .arg("--membership")
            .arg(&membership)
            .stdout(Stdio::null())
            .status()?;
        if !status.success() {
            bail!("ledger-node init of {name}");
        }
        // The writer starts alone: it waits this long for a peer to tell it about its own log.
        configure(&dir, "restore_wait_secs", "1")?;
        // One client fills the log as fast as many evidence services would.
        configure(&dir, "write_rate_per_second", "1000000")?;
        configure(&dir, "write_burst", "1000000")?;
        let member = Command::new(binary)
            .arg("--data-dir")
            .arg(&dir)
            .args(["member", "--name", name, "--region", &region.to_string()])
            .output()?;
        if !member.status.success() {
            bail!("ledger-node member of {name}");
        }
        entries.push('\n');
        entries.push_str(&String::from_utf8(member.stdout)?);
        nodes.push(NodeProcess {
            name: name.to_owned(),
            dir,
            http,
            admin,
            binary: binary.to_owned(),
            child: None,
        });
    }
    std::fs::write(&membership, entries)?;
    let mirror = nodes.pop().context("two nodes")?;
    let writer = nodes.pop().context("two nodes")?;
    Ok((writer, mirror))
}

/// Sets `key = value` in the node's `config.toml` (a key `init` wrote).
fn configure(dir: &Path, key: &str, value: &str) -> Result<()> {
    let path = dir.join("config.toml");
    let text = std::fs::read_to_string(&path)?;
    let prefix = format!("{key} = ");
    if !text.lines().any(|l| l.starts_with(&prefix)) {
        bail!("no {key} in {}", path.display());
    }
    let edited: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with(&prefix) {
                format!("{prefix}{value}")
            } else {
                l.to_owned()
            }
        })
        .collect();
    std::fs::write(&path, edited.join("\n") + "\n")?;
    Ok(())
}

/// Fills the running writer's log (of `suite`) with `hashes` evidence records through
/// `POST /v1/evidence` (services of the suite registered first, bodies signed beforehand on every
/// core), and waits until its checkpoint covers them. Returns the log's size.
///
/// # Errors
/// When a request fails or the checkpoint does not come within 60 s.
pub fn fill_log(writer: &NodeProcess, suite: Suite, hashes: usize, nonce: u64) -> Result<u64> {
    const SERVICES: u8 = 4;
    const BATCH: usize = 10_000;
    let token = writer.token()?;
    let keys = ingest::services(suite, SERVICES)?;
    for (n, key) in keys.iter().enumerate() {
        register_submitter(&writer.admin_base(), &token, key, &format!("存证服务 {n}"))?;
    }
    let bodies = ingest::signed_bodies(WRITER_ORIGIN, &keys, nonce, 0, hashes, BATCH)?;
    let ingested = ingest::ingest(&writer.base(), Arc::new(bodies), 4)?;
    if ingested.hashes != hashes {
        bail!("{} receipts for {hashes} hashes", ingested.hashes);
    }
    let agent = agent();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let log = writer.log_summary(&agent, WRITER_ORIGIN)?;
        if let (Some(size), Some(checkpoint)) =
            (log["size"].as_u64(), log["checkpoint_size"].as_u64())
            && size == checkpoint
            && size >= hashes as u64
        {
            return Ok(size);
        }
        if Instant::now() > deadline {
            bail!("the writer's checkpoint did not cover its log within 60 s: {log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// How the mirror caught up.
#[derive(Debug, Clone)]
pub struct NetworkCatchUp {
    /// Records mirrored between the first sample that showed progress and the end.
    pub records: u64,
    /// The time between those two samples.
    pub elapsed: Duration,
    /// From the mirror process's start to the end (connecting, the first poll, the catch-up).
    pub from_start: Duration,
    /// CPU time of the writer process during the catch-up.
    pub writer_cpu: Duration,
    /// CPU time of the mirror process during the catch-up.
    pub mirror_cpu: Duration,
    /// Ranges the mirror refused (must be 0).
    pub rejected: f64,
    /// The mirror serves the writer's checkpoint with the same tree root.
    pub root_matches: bool,
}

/// Starts the mirror node and samples its `GET /v1/logs` every 20 ms until its mirror of the
/// writer's log holds `size` records under a checkpoint of that size.
///
/// # Errors
/// When a node fails, or the mirror does not finish within `timeout`.
pub fn time_catch_up(
    writer: &NodeProcess,
    mirror: &mut NodeProcess,
    size: u64,
    timeout: Duration,
) -> Result<NetworkCatchUp> {
    let agent = agent();
    let spawned = Instant::now();
    mirror.start()?;
    let deadline = spawned + timeout;
    let cpu = |n: &NodeProcess| n.cpu_time().unwrap_or_default();
    let mut first: Option<(Instant, u64, Duration, Duration)> = None;
    loop {
        let log = mirror.log_summary(&agent, WRITER_ORIGIN)?;
        let now = Instant::now();
        let held = log["size"].as_u64().unwrap_or(0);
        if first.is_none() && held > 0 {
            first = Some((now, held, cpu(writer), cpu(mirror)));
        }
        if held == size && log["checkpoint_size"].as_u64() == Some(size) {
            let (t0, s0, w0, m0) = first.unwrap_or((spawned, 0, Duration::ZERO, Duration::ZERO));
            let root = |node: &NodeProcess| -> Result<String> {
                let note = agent
                    .get(&format!(
                        "{}/v1/checkpoint?log={WRITER_ORIGIN}",
                        node.base()
                    ))
                    .call()?
                    .body_mut()
                    .read_to_string()?;
                Ok(note.lines().nth(2).unwrap_or_default().to_owned())
            };
            return Ok(NetworkCatchUp {
                records: size - s0,
                elapsed: now - t0,
                from_start: now - spawned,
                writer_cpu: cpu(writer).saturating_sub(w0),
                mirror_cpu: cpu(mirror).saturating_sub(m0),
                rejected: mirror.metric("ledger_mirror_rejected_ranges_total")?
                    + mirror.metric("ledger_mirror_rejected_ranges")?,
                root_matches: root(writer)? == root(mirror)?,
            });
        }
        if now > deadline {
            bail!(
                "the mirror held {held} of {size} records after {} s",
                timeout.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
