//! Running `ledger-node` processes on 127.0.0.1: a network of agencies sharing one membership file.
//! [`forge`] holds what an attacker builds (tree extensions, signed notes, cosignature lines).

#![allow(dead_code, reason = "each test binary uses part of the harness")]

pub mod forge;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ledger_format::bundle::TrustPolicy;
use ledger_format::checkpoint::{NoteSigningKey, VerifierKey};
use ledger_format::code::CertificateCode;
use ledger_format::date::Date;
use ledger_format::hash::Hash;
use ledger_format::keys::{PublicKey, Signer, SigningKey};
use ledger_format::receipt::{EvidenceReceipt, verify_receipt};
use ledger_format::record::{
    ApplicationKind, Body, Issued, Notice, RegistrationType, evidence_message,
};
use ledger_format::suite::Suite;
use serde_json::{Value, json};

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The system clock, in Unix seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The evidence service every test registers.
pub fn service() -> SigningKey {
    SigningKey::from_seed(&[7; 32])
}

/// The `ledger-node` binary built by `cargo test --workspace` next to the test binaries.
pub fn node_binary() -> PathBuf {
    workspace_binary("ledger-node")
}

/// The `ledger-client` binary built by `cargo test --workspace` next to the test binaries.
pub fn client_binary() -> PathBuf {
    workspace_binary("ledger-client")
}

/// `name` in `$LEDGER_E2E_BIN_DIR` when set (a copy of one build's binaries, when several
/// worktrees share a target directory), else next to the test binaries.
fn workspace_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = match std::env::var_os("LEDGER_E2E_BIN_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => exe
            .parent()
            .and_then(Path::parent)
            .expect("target directory")
            .to_owned(),
    };
    let bin = dir.join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `cargo test --workspace` (or `cargo build --workspace --bins` first)",
        bin.display()
    );
    bin
}

/// A free TCP port on 127.0.0.1 for a node to listen on later, taken below Linux's ephemeral range
/// (32768–60999): a port the OS hands out (`bind(0)`) can be taken again as the source port of any
/// outgoing connection (the nodes' own libp2p dials among them) before the node starts and binds
/// it. Ports come in sequence from a start drawn once per process (from its id and the clock), so
/// the tests of one binary never draw the same port twice.
pub fn free_port() -> u16 {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU32, Ordering};
    const LOW: u32 = 10_000;
    const SPAN: u32 = 22_000;
    static START: OnceLock<u32> = OnceLock::new();
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let start = *START.get_or_init(|| {
        std::process::id()
            ^ SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
    });
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = LOW + start.wrapping_add(n) % SPAN;
        let port = u16::try_from(port).expect("below 32768");
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// One agency's node directory, and its process while it runs.
pub struct Agency {
    pub name: String,
    pub origin: String,
    pub dir: PathBuf,
    pub http: u16,
    /// The port of the agency and admin routes and `/metrics`.
    pub admin: u16,
    child: Option<Child>,
    offset_days: i64,
    /// Environment variables the node process gets (e.g. `SOFTHSM2_CONF`).
    pub env: Vec<(String, String)>,
}

impl Agency {
    /// An agency whose node directory `dir` was made by the caller (`ledger-node init` with
    /// options a network does not use), listening on `http` and `admin`; not running yet.
    pub fn standalone(name: &str, origin: &str, dir: PathBuf, http: u16, admin: u16) -> Agency {
        Agency {
            name: name.to_owned(),
            origin: origin.to_owned(),
            dir,
            http,
            admin,
            child: None,
            offset_days: 0,
            env: Vec::new(),
        }
    }

    /// The URL of `path` on the listener that serves it: the agency and admin routes and
    /// `/metrics` on the admin listener, everything else on the public one.
    pub fn url(&self, path: &str) -> String {
        let admin = ledger_node::api::admin_path(path.split('?').next().unwrap_or(path));
        let port = if admin { self.admin } else { self.http };
        format!("http://127.0.0.1:{port}{path}")
    }

    pub fn token(&self) -> String {
        std::fs::read_to_string(self.dir.join("agency.token"))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// The agency's log signing key (what a rogue agency would misuse).
    pub fn log_key(&self) -> ledger_format::keys::SecretKey {
        ledger_node::init::read_key(&self.dir.join("agency.key")).unwrap()
    }

    /// The verifier key of the agency's log key, as the membership lists it.
    pub fn log_verifier_key(&self) -> VerifierKey {
        ledger_node::init::log_verifier_key(&self.origin, &self.log_key()).unwrap()
    }

    /// The node's witness key (`cosignature/v1`), what a thief of the node's disk would misuse.
    pub fn witness_key(&self) -> NoteSigningKey {
        ledger_node::init::read_witness_key(&self.dir.join("witness.key")).unwrap()
    }

    /// What the node process wrote to its log (stderr) so far.
    pub fn node_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("node.log")).unwrap_or_default()
    }

    /// POSTs `body` as text and returns the answer whatever its status.
    pub fn post_text(&self, path: &str, body: &str) -> Reply {
        let answer = ureq::post(&self.url(path))
            .config()
            .http_status_as_error(false)
            .build()
            .send(body.as_bytes());
        Reply::read(answer, &format!("POST {path} on {}", self.name))
    }

    /// POSTs an agency record with the agency's token and returns the answer whatever its status.
    pub fn try_append(&self, body: &Value) -> Reply {
        let answer = ureq::post(&self.url("/v1/agency/records"))
            .header("Authorization", &format!("Bearer {}", self.token()))
            .config()
            .http_status_as_error(false)
            .build()
            .send_json(body);
        Reply::read(answer, &format!("append on {}", self.name))
    }

    /// The `/metrics` samples (not comments) whose metric name contains `part`, with their values.
    pub fn metric_samples(&self, part: &str) -> Vec<(String, f64)> {
        self.get_text("/metrics")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter(|l| l.split(['{', ' ']).next().is_some_and(|n| n.contains(part)))
            .filter_map(|l| {
                let (sample, value) = l.rsplit_once(' ')?;
                Some((sample.to_owned(), value.parse::<f64>().ok()?))
            })
            .collect()
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
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let up = poll(60, || ureq::get(&self.url("/healthz")).call().is_ok());
        if !up {
            let log = self.node_log();
            let lines: Vec<&str> = log.lines().collect();
            panic!(
                "timed out waiting for {} to answer; its log ends:\n{}",
                self.name,
                lines[lines.len().saturating_sub(20)..].join("\n")
            );
        }
    }

    /// Sets `key = value` in the node's `config.toml` (a key the file already has, as `init`
    /// writes every key); takes effect at the next start.
    pub fn configure(&self, key: &str, value: &str) {
        let path = self.dir.join("config.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let prefix = format!("{key} = ");
        assert!(
            text.lines().any(|l| l.starts_with(&prefix)),
            "no {key} in {text}"
        );
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
        std::fs::write(&path, edited.join("\n") + "\n").unwrap();
    }

    /// Runs `ledger-node backup DIR` on the stopped node's store.
    pub fn backup(&self, to: &Path) {
        assert!(self.child.is_none(), "stop {} before a backup", self.name);
        let status = Command::new(node_binary())
            .arg("--data-dir")
            .arg(&self.dir)
            .arg("backup")
            .arg(to)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "backup of {}", self.name);
    }

    /// Sends `signal` (`STOP`, `CONT`) to the node process: SIGSTOP cuts the node off from its
    /// peers (connections stay open, nothing answers) until SIGCONT.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("the node runs").id();
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} {}", self.name);
    }

    /// Sends SIGHUP to the node process: it reloads its membership file.
    pub fn hangup(&self) {
        let pid = self.child.as_ref().expect("the node runs").id();
        let status = Command::new("kill")
            .args(["-HUP", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -HUP {pid}");
    }

    /// Runs `ledger-node reload` against the node; its exit status and output (stdout, stderr).
    pub fn reload_cli(&self) -> (bool, String) {
        let out = Command::new(node_binary())
            .arg("--data-dir")
            .arg(&self.dir)
            .arg("reload")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    }

    /// POSTs an empty body to `path` with `token` (none when `None`), whatever the answer.
    pub fn post_with_token(&self, path: &str, token: Option<&str>) -> Reply {
        let mut request = ureq::post(&self.url(path));
        if let Some(token) = token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let answer = request
            .config()
            .http_status_as_error(false)
            .build()
            .send_empty();
        Reply::read(answer, &format!("POST {path} on {}", self.name))
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

    /// Posts `body` to the agency route `path` with the agency token; panics unless accepted.
    pub fn post_agency(&self, path: &str, body: Value) -> Value {
        ureq::post(&self.url(path))
            .header("Authorization", &format!("Bearer {}", self.token()))
            .send_json(&body)
            .unwrap_or_else(|e| panic!("POST {path} on {}: {e}: {body}", self.name))
            .body_mut()
            .read_json()
            .unwrap()
    }

    /// The agency's calendars for 2026 and 2027 (plain weekends), the fixture rule profile
    /// (`yuxi-2025`, in force from the node's today) and one evidence service (whose key is of the
    /// log's suite).
    pub fn set_up(&self, service: &dyn Signer) {
        for year in [2026, 2027] {
            self.append(json!({"Calendar": {"year": year, "holidays": [], "makeup_workdays": []}}));
        }
        self.post_agency("/v1/agency/profile", json!({"name": "yuxi-2025"}));
        self.append(json!({"SubmitterAdded": {
            "key": service.public_key().to_hex(),
            "name": "数据存证服务有限公司",
            "credit_code": "91440300708461136T",
        }}));
    }

    /// Takes an application of `kind` for `code` through receipt, acceptance and (for a
    /// registration that goes to notice) review, today; returns the application's index.
    pub fn apply_for(&self, code: &CertificateCode, kind: ApplicationKind) -> u64 {
        let application = ledger_format::testing::application(code, kind.clone());
        let index = self.append(serde_json::to_value(application).unwrap())["index"]
            .as_u64()
            .unwrap();
        for body in ledger_format::testing::decided_application(code, &kind, index) {
            self.append(serde_json::to_value(body).unwrap());
        }
        index
    }

    /// The node's today (China Standard Time) by its clock, shifted as it was started.
    pub fn today(&self) -> Date {
        Date::from_unix_cst(now() + self.offset_days * DAY).unwrap()
    }

    /// Takes a first registration of `code` through application, acceptance and review today,
    /// then publishes its notice (4 records); returns the notice's index.
    pub fn publish_first_notice(&self, code: &CertificateCode) -> u64 {
        self.apply_for(code, ApplicationKind::First);
        let body = notice(code, RegistrationType::First, self.today());
        self.append(body)["index"].as_u64().unwrap()
    }

    /// Issues `code` (its notice over) today by the node's clock, valid for three years.
    pub fn issue(&self, code: &CertificateCode) {
        let from = self.today();
        let body = Body::Issued(Issued {
            code: code.clone(),
            valid_from: from,
            valid_until: from.period_end_years(3).unwrap(),
        });
        self.append(serde_json::to_value(&body).unwrap());
    }

    /// Submits `count` evidence hashes signed by `service`, in batches of up to 10,000.
    pub fn submit_evidence(&self, service: &dyn Signer, first: u64, count: u64) {
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

/// An HTTP answer of any status: what a test asserts on when a refusal is expected.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub body: String,
}

impl Reply {
    fn read(answer: Result<ureq::http::Response<ureq::Body>, ureq::Error>, what: &str) -> Reply {
        let mut answer = answer.unwrap_or_else(|e| panic!("{what}: {e}"));
        let header = |name: &str| {
            answer
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (content_type, retry_after) = (header("content-type"), header("retry-after"));
        Reply {
            status: answer.status().as_u16(),
            content_type,
            retry_after,
            body: answer.body_mut().read_to_string().unwrap_or_default(),
        }
    }
}

/// Waits until `node` holds `origin` up to `size` records, checkpointed.
pub fn wait_mirrored(node: &Agency, origin: &str, size: u64) {
    wait_for(
        &format!("{} to mirror {origin} up to {size}", node.name),
        || {
            let log = node.log(origin);
            log["size"].as_u64() == Some(size) && log["checkpoint_size"].as_u64() == Some(size)
        },
    );
}

/// The trust-policy text `node` serves for the network (`GET /v1/policy`).
pub fn network_policy_text(node: &Agency) -> String {
    node.get_text("/v1/policy")
}

/// The trust policy `node` serves for the network, parsed as a bank would.
pub fn network_policy(node: &Agency) -> TrustPolicy {
    ledger_client::policy::parse_policy(&network_policy_text(node)).unwrap()
}

/// The notice of a registration of `registration_type` for `code` with the fixture content,
/// published on `today` and ending when the fixture profile (`yuxi-2025`) says, as
/// `POST /v1/agency/records` takes it.
pub fn notice(code: &CertificateCode, registration_type: RegistrationType, today: Date) -> Value {
    let calendars = ledger_format::testing::plain_calendars(2026..=2040);
    let ends_on = ledger_format::testing::profile()
        .notice_end(today, &calendars)
        .unwrap();
    serde_json::to_value(Body::NoticePublished(Notice {
        code: code.clone(),
        registration_type,
        content: ledger_format::testing::content(code.kind(), None),
        ends_on,
    }))
    .unwrap()
}

/// One evidence submission as the API takes it.
pub fn evidence(service: &dyn Signer, origin: &str, hash: &Hash) -> Value {
    let signature = service.sign(&evidence_message(origin, hash)).unwrap();
    json!({
        "submitter": service.public_key().to_hex(),
        "hash": hash.to_hex(),
        "signature": hex::encode(signature.0),
    })
}

/// Runs `ledger-client verify <bundle> --policy <policy> --code <code> --json [extra]`, as a bank
/// does with the code printed on the certificate, and returns its JSON report.
pub fn client_verify(bundle: &Path, policy: &Path, code: &str, extra: &[&str]) -> Value {
    let out = Command::new(client_binary())
        .arg("verify")
        .arg(bundle)
        .arg("--policy")
        .arg(policy)
        .args(["--code", code])
        .arg("--json")
        .args(extra)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "ledger-client verify printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The tlog-proof receipt that `node` serves for `hash` as submitted by `submitter`, once
/// `policy` accepts it at `at` (a checkpoint covering it cosigned by a quorum of replicas).
pub fn witnessed_receipt(
    node: &Agency,
    submitter: &PublicKey,
    hash: &Hash,
    policy: &TrustPolicy,
    at: i64,
) -> EvidenceReceipt {
    let path = format!("/v1/evidence/{submitter}/{hash}/receipt?format=tlog-proof");
    let mut receipt = None;
    wait_for(
        "a receipt whose checkpoint a quorum of replicas cosigned",
        || {
            let bytes = node.get_bytes(&path);
            // Before a checkpoint covers the record, the node answers 202 with a JSON `pending`.
            let Ok(read) = ledger_client::receipt::read_receipt_for(&bytes, policy) else {
                return false;
            };
            let proven = verify_receipt(hash, &read, policy, at).is_ok();
            receipt = Some(read);
            proven
        },
    );
    receipt.unwrap()
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
        Network::build(names, listed, &[], &[])
    }

    /// As [`Network::create`] with every agency listed, the log of each agency named in `suites`
    /// of that suite (`init --suite`), the others of the default (`ed25519-sha256`).
    pub fn create_with_suites(names: &[&str], suites: &[(&str, Suite)]) -> Network {
        Network::build(names, None, &[], suites)
    }

    /// As [`Network::create`] with every agency listed, each issuing for its GB/T 2260 region of
    /// `regions` (`regions = [530400]` in its `[[agency]]` entry), or [`region_of`] when not given.
    pub fn create_regional(names: &[&str], regions: &[(&str, u32)]) -> Network {
        Network::build(names, None, regions, &[])
    }

    fn build(
        names: &[&str],
        listed: Option<&[&str]>,
        regions: &[(&str, u32)],
        suites: &[(&str, Suite)],
    ) -> Network {
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
            let admin = free_port();
            let p2p = free_port();
            let origin = format!("ledger.{name}.example/1");
            let suite = suites
                .iter()
                .find(|(n, _)| n == name)
                .map_or(Suite::Ed25519Sha256, |(_, suite)| *suite);
            let status = Command::new(node_binary())
                .arg("--data-dir")
                .arg(&node_dir)
                .args(["init", "--origin", &origin])
                .args(["--suite", suite.name()])
                .args(["--listen", &format!("127.0.0.1:{http}")])
                .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
                .args(["--p2p-listen", &format!("/ip4/127.0.0.1/tcp/{p2p}")])
                .arg("--membership")
                .arg(&membership)
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "init {name}");
            if listed.is_none_or(|l| l.contains(name)) {
                let region = regions
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or_else(|| region_of(name), |(_, region)| *region);
                entries.push('\n');
                entries.push_str(&member_entry_in(&node_dir, name, region));
            }
            let agency = Agency {
                name: (*name).to_owned(),
                origin,
                dir: node_dir,
                http,
                admin,
                child: None,
                offset_days: 0,
                env: Vec::new(),
            };
            // The nodes of a test start one after the other: the first would wait the default
            // 10 s for a peer to tell it about its own log.
            agency.configure("restore_wait_secs", "3");
            agencies.push(agency);
        }
        std::fs::write(&membership, entries).unwrap();
        Network { dir, agencies }
    }

    /// Starts every agency's node with the real clock.
    pub fn start_all(&mut self) {
        for agency in &mut self.agencies {
            agency.start(0);
        }
    }

    /// Stops every agency's node, then starts them all again with their clocks `offset_days`
    /// ahead (replicas refuse records dated ahead of their own clocks, so the whole network's
    /// time moves together).
    pub fn restart_all(&mut self, offset_days: i64) {
        for agency in &mut self.agencies {
            agency.kill();
        }
        for agency in &mut self.agencies {
            agency.start(offset_days);
        }
    }

    pub fn agency(&mut self, name: &str) -> &mut Agency {
        self.agencies.iter_mut().find(|a| a.name == name).unwrap()
    }

    /// The agency `name`, to talk to its node.
    pub fn node(&self, name: &str) -> &Agency {
        self.agencies.iter().find(|a| a.name == name).unwrap()
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
    member_entry_in(dir, name, region_of(name))
}

/// `ledger-node member` of the node in `dir`, issuing for `region`.
pub fn member_entry_in(dir: &Path, name: &str, region: u32) -> String {
    let out = Command::new(node_binary())
        .arg("--data-dir")
        .arg(dir)
        .args(["member", "--name", name])
        .args(["--region", &region.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "member {name}");
    String::from_utf8(out.stdout).unwrap()
}

/// Polls `done` every 100 ms for up to 60 s; panics naming `what` on timeout.
pub fn wait_for(what: &str, done: impl FnMut() -> bool) {
    assert!(poll(60, done), "timed out waiting for {what}");
}

/// Polls like [`wait_for`] with a longer deadline, for catch-ups of many records.
pub fn wait_long(what: &str, seconds: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Polls `done` every 100 ms for up to `seconds`; returns whether it became true (for checks that
/// are collected in [`Findings`] rather than asserted on the spot).
pub fn poll(seconds: u64, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The checks of one adversarial test that do not stop it: each failed one is kept, and
/// [`Findings::finish`] fails the test listing them all, so a run against a node that lets several
/// facets of an attack through reports every one of them.
#[derive(Debug)]
pub struct Findings {
    test: &'static str,
    failed: Vec<String>,
}

impl Findings {
    pub fn new(test: &'static str) -> Findings {
        Findings {
            test,
            failed: Vec::new(),
        }
    }

    /// Keeps `what` (a description of the failure) when `ok` is false; returns `ok`.
    pub fn check(&mut self, ok: bool, what: impl Into<String>) -> bool {
        if !ok {
            let what = what.into();
            eprintln!("[{}] FAILED: {what}", self.test);
            self.failed.push(what);
        }
        ok
    }

    /// Panics listing every failed check, if any.
    pub fn finish(self) {
        assert!(
            self.failed.is_empty(),
            "{}: {} check(s) failed:\n- {}",
            self.test,
            self.failed.len(),
            self.failed.join("\n- ")
        );
    }
}

/// Every named node reports no equivocation, in its API and its metrics.
pub fn assert_no_equivocation(net: &Network, names: &[&str]) {
    for name in names {
        let node = net.node(name);
        assert_eq!(
            node.get_json("/v1/equivocations"),
            json!([]),
            "{name} reports an equivocation"
        );
        assert_eq!(node.metric("ledger_equivocations"), 0.0, "{name}");
    }
}

/// Takes certificate `code` through a first registration on an in-process node whose clock is
/// `clock`: plain calendars for 2026 and 2027 and the test profile, then the application, its
/// acceptance and review and the public notice on 2026-11-23 (the clock's time when called), and
/// the issue on 2026-12-07 (the clock is set to 10:00 that day), valid until 2029-12-07; then a
/// checkpoint.
pub async fn issue_in_process(
    s: &ledger_node::sequencer::SequencerHandle,
    clock: &ledger_node::clock::ManualClock,
    code: &CertificateCode,
) {
    use ledger_format::calendar::WorkCalendar;
    use ledger_format::record::Issued;
    use ledger_format::testing::{self, at, parse_date as d};
    for year in [2026, 2027] {
        let calendar = WorkCalendar::new(year, vec![], vec![]).unwrap();
        s.append(Body::Calendar(calendar)).await.unwrap();
    }
    s.append(testing::profile_adopted("2026-11-23"))
        .await
        .unwrap();
    let application = s
        .append(testing::application(code, ApplicationKind::First))
        .await
        .unwrap();
    for body in testing::decided_application(code, &ApplicationKind::First, application.index) {
        s.append(body).await.unwrap();
    }
    s.append(Body::NoticePublished(Notice {
        code: code.clone(),
        registration_type: RegistrationType::First,
        content: testing::content(code.kind(), None),
        ends_on: d("2026-12-04"),
    }))
    .await
    .unwrap();
    clock.set(at("2026-12-07", 10));
    s.append(Body::Issued(Issued {
        code: code.clone(),
        valid_from: d("2026-12-07"),
        valid_until: d("2029-12-07"),
    }))
    .await
    .unwrap();
    s.checkpoint_now().await.unwrap();
}
