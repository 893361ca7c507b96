//! Running `ledger-node` processes on 127.0.0.1: a network of agencies sharing one membership file.

#![allow(dead_code, reason = "each test binary uses part of the harness")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ledger_format::hash::Hash;
use ledger_format::keys::SigningKey;
use ledger_format::record::evidence_message;
use serde_json::{Value, json};

/// The `ledger-node` binary built by `cargo test --workspace` next to the test binaries.
pub fn node_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target directory");
    let bin = dir.join("ledger-node");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo test --workspace` (or `cargo build -p ledger-node` first)",
        bin.display()
    );
    bin
}

/// A free TCP port on 127.0.0.1 (the OS picks it; the listener is dropped before the node binds).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One agency's node directory, and its process while it runs.
pub struct Agency {
    pub name: String,
    pub origin: String,
    pub dir: PathBuf,
    pub http: u16,
    child: Option<Child>,
    offset_days: i64,
}

impl Agency {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.http)
    }

    pub fn token(&self) -> String {
        std::fs::read_to_string(self.dir.join("agency.token"))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// The agency's log signing key (what a rogue agency would misuse).
    pub fn log_key(&self) -> SigningKey {
        ledger_node::init::read_key(&self.dir.join("agency.key")).unwrap()
    }

    /// Starts the node process, its clock shifted by `offset_days`, and waits until it answers.
    pub fn start(&mut self, offset_days: i64) {
        assert!(self.child.is_none(), "{} already runs", self.name);
        self.offset_days = offset_days;
        let log = std::fs::File::create(self.dir.join("node.log")).unwrap();
        let child = Command::new(node_binary())
            .arg("--data-dir")
            .arg(&self.dir)
            .args(["run", "--clock-offset-days", &offset_days.to_string()])
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        wait_for(&format!("{} to answer", self.name), || {
            ureq::get(&self.url("/healthz")).call().is_ok()
        });
    }

    /// SIGKILLs the node process.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn get_json(&self, path: &str) -> Value {
        ureq::get(&self.url(path))
            .call()
            .unwrap_or_else(|e| panic!("GET {path} on {}: {e}", self.name))
            .body_mut()
            .read_json()
            .unwrap()
    }

    pub fn get_bytes(&self, path: &str) -> Vec<u8> {
        ureq::get(&self.url(path))
            .call()
            .unwrap_or_else(|e| panic!("GET {path} on {}: {e}", self.name))
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .unwrap()
    }

    pub fn get_text(&self, path: &str) -> String {
        String::from_utf8(self.get_bytes(path)).unwrap()
    }

    /// Appends an agency record (JSON body as the API takes it); panics unless it is accepted.
    pub fn append(&self, body: Value) -> Value {
        ureq::post(&self.url("/v1/agency/records"))
            .header("Authorization", &format!("Bearer {}", self.token()))
            .send_json(&body)
            .unwrap_or_else(|e| panic!("append on {}: {e}: {body}", self.name))
            .body_mut()
            .read_json()
            .unwrap()
    }

    /// The agency's calendars for 2026 and 2027 (plain weekends) and one evidence service.
    pub fn set_up(&self, service: &SigningKey) {
        for year in [2026, 2027] {
            self.append(json!({"Calendar": {"year": year, "holidays": [], "makeup_workdays": []}}));
        }
        self.append(json!({"SubmitterAdded": {
            "key": service.public_key().to_hex(),
            "name": "数据存证服务有限公司",
            "credit_code": "91440300708461136T",
        }}));
    }

    /// Submits `count` evidence hashes signed by `service`, in batches of up to 10,000.
    pub fn submit_evidence(&self, service: &SigningKey, first: u64, count: u64) {
        let mut n = first;
        while n < first + count {
            let batch = (first + count - n).min(10_000);
            let submissions: Vec<Value> = (n..n + batch)
                .map(|i| {
                    let hash = ledger_format::sha256(&i.to_be_bytes());
                    evidence(service, &self.origin, &hash)
                })
                .collect();
            ureq::post(&self.url("/v1/evidence"))
                .send_json(json!({ "submissions": submissions }))
                .unwrap_or_else(|e| panic!("evidence on {}: {e}", self.name));
            n += batch;
        }
    }

    /// Size of the log `origin` as this node holds it.
    pub fn size_of(&self, origin: &str) -> u64 {
        self.logs()
            .iter()
            .find(|l| l["origin"] == origin)
            .and_then(|l| l["size"].as_u64())
            .unwrap_or(0)
    }

    /// `GET /v1/logs`.
    pub fn logs(&self) -> Vec<Value> {
        self.get_json("/v1/logs")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// One log's summary.
    pub fn log(&self, origin: &str) -> Value {
        self.logs()
            .into_iter()
            .find(|l| l["origin"] == origin)
            .unwrap_or(Value::Null)
    }

    /// The value of a metric line starting with `name` (summing label sets), from `/metrics`.
    pub fn metric(&self, name: &str) -> f64 {
        self.get_text("/metrics")
            .lines()
            .filter(|l| l.starts_with(name))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

impl Drop for Agency {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One evidence submission as the API takes it.
pub fn evidence(service: &SigningKey, origin: &str, hash: &Hash) -> Value {
    let signature = service.sign(&evidence_message(origin, hash));
    json!({
        "submitter": service.public_key().to_hex(),
        "hash": hash.to_hex(),
        "signature": hex::encode(signature.0),
    })
}

/// A network of agencies in one temporary directory, sharing `network.toml`.
pub struct Network {
    pub dir: tempfile::TempDir,
    pub agencies: Vec<Agency>,
}

impl Network {
    /// Creates the node directories of agencies `names` and the membership file listing those
    /// of `listed` (all when `None`). Nothing runs yet.
    pub fn create(names: &[&str], listed: Option<&[&str]>) -> Network {
        let dir = tempfile::tempdir().unwrap();
        let membership = dir.path().join("network.toml");
        let mut agencies = Vec::new();
        // Two cosignatures of other agencies, or one when only two agencies are listed: a log's
        // own node never counts towards its quorum.
        let members = listed.map_or(names.len(), <[&str]>::len);
        let mut entries = format!("quorum = {}\n", members.saturating_sub(1).min(2));
        for name in names {
            let node_dir = dir.path().join(name);
            let http = free_port();
            let p2p = free_port();
            let origin = format!("ledger.{name}.example/1");
            let status = Command::new(node_binary())
                .arg("--data-dir")
                .arg(&node_dir)
                .args(["init", "--origin", &origin])
                .args(["--listen", &format!("127.0.0.1:{http}")])
                .args(["--p2p-listen", &format!("/ip4/127.0.0.1/tcp/{p2p}")])
                .arg("--membership")
                .arg(&membership)
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "init {name}");
            if listed.is_none_or(|l| l.contains(name)) {
                entries.push('\n');
                entries.push_str(&member_entry(&node_dir, name));
            }
            agencies.push(Agency {
                name: (*name).to_owned(),
                origin,
                dir: node_dir,
                http,
                child: None,
                offset_days: 0,
            });
        }
        std::fs::write(&membership, entries).unwrap();
        Network { dir, agencies }
    }

    pub fn agency(&mut self, name: &str) -> &mut Agency {
        self.agencies.iter_mut().find(|a| a.name == name).unwrap()
    }
}

/// The GB/T 2260 region agency `name` issues certificate codes for: A issues the tests'
/// certificates (Yuxi, 530400, the fixture agency's); the others get other prefectures of Yunnan,
/// so that no two members' regions overlap.
pub fn region_of(name: &str) -> u32 {
    match name {
        "a" => 530_400,
        "b" => 530_100,
        "c" => 530_300,
        "d" => 530_500,
        "sig" => 530_600,
        "chain" => 530_700,
        "rule" => 530_800,
        "u" => 530_900,
        other => panic!("no test region for agency {other}"),
    }
}

/// `ledger-node member` of the node in `dir`, with the region of [`region_of`].
pub fn member_entry(dir: &Path, name: &str) -> String {
    let out = Command::new(node_binary())
        .arg("--data-dir")
        .arg(dir)
        .args(["member", "--name", name])
        .args(["--region", &region_of(name).to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "member {name}");
    String::from_utf8(out.stdout).unwrap()
}

/// Polls `done` every 100 ms for up to 60 s; panics naming `what` on timeout.
pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls like [`wait_for`] with a longer deadline, for catch-ups of many records.
pub fn wait_long(what: &str, seconds: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}
