//! Officers (docs/operations.md#officers) against a real node: `ledger_node::start` on a node
//! directory made by `init`, called over HTTP on 127.0.0.1, officers managed with the
//! `ledger-node officer …` command while the node runs. Every refusal is checked three ways: the
//! answer, the access-log line, and `ledger_auth_refused_total{reason}`.

use std::process::Command;
use std::sync::Arc;

use ledger_format::calendar::WorkCalendar;
use ledger_format::code::CertificateCode;
use ledger_format::record::{ApplicationAct, ApplicationKind, Body, Issued, officer_commitment};
use ledger_format::testing::{self, ORIGIN, at, parse_date as d};
use ledger_node::clock::{Clock, ManualClock, SystemClock};
use ledger_node::config::{CONFIG_FILE, Config};
use ledger_node::officers::Registry;
use ledger_node::{RunningNode, init};
use serde_json::{Value, json};

const NODE: &str = env!("CARGO_BIN_EXE_ledger-node");

/// A node started in-process from its directory.
struct Node {
    dir: tempfile::TempDir,
    base: String,
    admin: String,
    clock: ManualClock,
    running: RunningNode,
}

/// Makes a node directory (as `ledger-node init` does) and starts it; `before_officers` removes
/// the officer registry first, as on a node made before officers existed.
async fn start(clock: ManualClock, before_officers: bool) -> Node {
    let dir = tempfile::tempdir().unwrap();
    init::init(dir.path(), ORIGIN, Some("127.0.0.1:0".parse().unwrap())).unwrap();
    if before_officers {
        std::fs::remove_file(dir.path().join("officers.toml")).unwrap();
    }
    let config = Config::load(&dir.path().join(CONFIG_FILE)).unwrap();
    let running = ledger_node::start(&config, Arc::new(clock.clone()))
        .await
        .unwrap();
    Node {
        base: format!("http://{}", running.addr),
        admin: format!("http://{}", running.admin_addr),
        dir,
        clock,
        running,
    }
}

/// One HTTP answer: status and body.
#[derive(Debug)]
struct Reply {
    status: u16,
    body: Value,
}

impl Node {
    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// `POST path` with `body` and, if given, this exact `Authorization` header value.
    /// The URL of `path` on the listener that serves it.
    fn url(&self, path: &str) -> String {
        let admin = ledger_node::api::admin_path(path.split('?').next().unwrap_or(path));
        format!("{}{path}", if admin { &self.admin } else { &self.base })
    }

    async fn post(&self, path: &str, body: &Value, authorization: Option<String>) -> Reply {
        let url = self.url(path);
        let body = serde_json::to_vec(body).unwrap();
        tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            let mut request = agent.post(&url).header("content-type", "application/json");
            if let Some(value) = &authorization {
                request = request.header("authorization", value);
            }
            let mut response = request.send(&body[..]).unwrap();
            let status = response.status().as_u16();
            let text = response.body_mut().read_to_string().unwrap();
            Reply {
                status,
                body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
            }
        })
        .await
        .unwrap()
    }

    async fn append(&self, body: &Body, token: &str) -> Reply {
        self.post(
            "/v1/agency/records",
            &serde_json::to_value(body).unwrap(),
            Some(format!("Bearer {token}")),
        )
        .await
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let url = self.url(path);
        tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            let mut response = agent.get(&url).call().unwrap();
            (
                response.status().as_u16(),
                response.body_mut().read_to_string().unwrap(),
            )
        })
        .await
        .unwrap()
    }

    /// The value of one sample of `/metrics`, e.g. `ledger_auth_refused_total{reason="role"}`.
    async fn metric(&self, sample: &str) -> f64 {
        let (status, text) = self.get("/metrics").await;
        assert_eq!(status, 200);
        text.lines()
            .find_map(|line| line.strip_prefix(sample)?.trim().parse().ok())
            .unwrap_or(0.0)
    }

    /// `ledger-node officer …` on the node's directory, while the node runs; its stdout.
    async fn officer(&self, args: &[&str]) -> String {
        let dir = self.dir.path().to_owned();
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let out = tokio::task::spawn_blocking(move || {
            Command::new(NODE)
                .arg("--data-dir")
                .arg(dir)
                .arg("officer")
                .args(args)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Adds an officer with the CLI; its token (the last line printed).
    async fn add_officer(&self, id: &str, role: &str) -> String {
        let out = self
            .officer(&["add", "--id", id, "--name", "测试 officer", "--role", role])
            .await;
        let token = out.lines().last().unwrap().trim().to_owned();
        assert_eq!(token.len(), 64, "{out}");
        token
    }

    /// The salt the registry keeps for officer `id`.
    fn salt(&self, id: &str) -> [u8; 32] {
        let registry = Registry::load(&self.path("officers.toml")).unwrap();
        let entry = registry.officers.iter().find(|o| o.id == id).unwrap();
        ledger_format::encoding::from_hex_array(&entry.salt).unwrap()
    }

    /// The legacy agency token.
    fn legacy_token(&self) -> String {
        init::read_token(&self.path("agency.token")).unwrap()
    }

    /// The access log's lines.
    fn access_log(&self) -> Vec<Value> {
        std::fs::read_to_string(self.path("db.access.log"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Asserts that no token appears in the access log or the registry, in any form we can think
    /// of: the text, its upper case, its first half.
    fn assert_no_token_on_disk(&self, tokens: &[&str]) {
        for file in ["db.access.log", "officers.toml"] {
            let text = std::fs::read_to_string(self.path(file)).unwrap();
            for token in tokens {
                let half = &token[..token.len() / 2];
                for form in [token.to_string(), token.to_uppercase(), half.to_owned()] {
                    assert!(!text.contains(&form), "{file} holds a token: {text}");
                }
            }
        }
    }

    async fn record(&self, index: u64) -> Value {
        let (status, text) = self.get(&format!("/v1/records/{index}")).await;
        assert_eq!(status, 200, "{text}");
        serde_json::from_str(&text).unwrap()
    }

    async fn size(&self) -> u64 {
        let (_, text) = self.get("/v1/log").await;
        serde_json::from_str::<Value>(&text).unwrap()["size"]
            .as_u64()
            .unwrap()
    }

    async fn calendar(&self, year: u16, token: &str) -> Reply {
        let calendar = WorkCalendar::new(year, vec![], vec![]).unwrap();
        self.append(&Body::Calendar(calendar), token).await
    }

    /// The calendar of 2026 and the Yuxi rule profile, by the administrator: what applications need.
    async fn setup(&self, admin: &str) -> u64 {
        let calendar = self.calendar(2026, admin).await;
        assert_eq!(calendar.status, 201, "{:?}", calendar.body);
        let profile = self
            .post(
                "/v1/agency/profile",
                &json!({"name": "yuxi-2025"}),
                Some(format!("Bearer {admin}")),
            )
            .await;
        assert_eq!(profile.status, 201, "{:?}", profile.body);
        calendar.body["index"].as_u64().unwrap()
    }

    async fn stop(self) {
        self.running.stop().await.unwrap();
    }
}

/// A first-registration application for `code` (a registrar's act).
fn application(code: &CertificateCode) -> Body {
    testing::application(code, ApplicationKind::First)
}

fn commitment_json(id: &str, salt: &[u8; 32]) -> Value {
    serde_json::to_value(officer_commitment(
        ledger_format::suite::Suite::Ed25519Sha256,
        ORIGIN,
        id,
        salt,
    ))
    .unwrap()
}

/// The access-log line of the request numbered `n` (from 0), with its time checked and removed.
fn line(lines: &[Value], n: usize) -> Value {
    let mut line = lines[n].clone();
    let time = line["time"].as_str().unwrap();
    assert!(ledger_format::date::parse_instant(time).is_some(), "{time}");
    line.as_object_mut().unwrap().remove("time");
    line
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_registrar_may_not_issue_and_the_attempt_is_logged_and_counted() {
    let node = start(ManualClock::new(at("2026-11-23", 10)), false).await;
    let admin = node.legacy_token();
    let registrar = node.add_officer("yx-registrar-07", "registrar").await;
    node.setup(&admin).await;
    let code = testing::code(2026, 1);
    let received = node.append(&application(&code), &registrar).await;
    assert_eq!(received.status, 201, "{:?}", received.body);
    let size = node.size().await;

    let issue = Body::Issued(Issued {
        code: code.clone(),
        valid_from: d("2026-12-07"),
        valid_until: d("2029-12-07"),
    });
    let refused = node.append(&issue, &registrar).await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    let message = refused.body["error"].as_str().unwrap();
    assert!(
        message.contains("registrar") && message.contains("issued"),
        "{message}"
    );
    assert_eq!(refused.body["field"], "kind");
    // Nor end a review: a decision.
    let review = Body::ReviewCompleted(ApplicationAct {
        code: code.clone(),
        application_index: received.body["index"].as_u64().unwrap(),
    });
    assert_eq!(node.append(&review, &registrar).await.status, 403);
    assert_eq!(node.size().await, size, "a refused act appends nothing");
    // Nor may a registrar adopt a profile, rotate the key or reload.
    let profile = node
        .post(
            "/v1/agency/profile",
            &json!({"name": "yuxi-2025"}),
            Some(format!("Bearer {registrar}")),
        )
        .await;
    assert_eq!(profile.status, 403, "{:?}", profile.body);
    let reload = node
        .post(
            "/v1/admin/reload",
            &json!({}),
            Some(format!("Bearer {registrar}")),
        )
        .await;
    assert_eq!(reload.status, 403, "{:?}", reload.body);
    assert_eq!(node.size().await, size);

    let lines = node.access_log();
    assert_eq!(lines.len(), 7, "{lines:#?}");
    assert_eq!(
        line(&lines, 3),
        json!({"officer": "yx-registrar-07", "role": "registrar", "method": "POST",
               "route": "/v1/agency/records", "status": 403, "kind": "issued", "index": null,
               "reason": "role"})
    );
    assert_eq!(line(&lines, 4)["kind"], "review-completed");
    assert_eq!(line(&lines, 5)["kind"], "profile-adopted");
    assert_eq!(line(&lines, 6)["kind"], "admin-reload");
    assert_eq!(line(&lines, 6)["route"], "/v1/admin/reload");
    assert_eq!(
        node.metric("ledger_auth_refused_total{reason=\"role\"}")
            .await,
        4.0
    );
    node.assert_no_token_on_disk(&[&admin, &registrar]);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn records_carry_the_commitment_of_the_officer_who_made_them() {
    let node = start(ManualClock::new(at("2026-11-23", 10)), false).await;
    let admin = node.legacy_token();
    let registrar = node.add_officer("yx-registrar-07", "registrar").await;
    let reviewer = node.add_officer("yx-reviewer-02", "reviewer").await;

    let calendar = node.setup(&admin).await;
    let by_registrar = node
        .append(&application(&testing::code(2026, 1)), &registrar)
        .await;
    assert_eq!(by_registrar.status, 201, "{:?}", by_registrar.body);
    let by_reviewer = node
        .append(&application(&testing::code(2026, 2)), &reviewer)
        .await;
    assert_eq!(by_reviewer.status, 201, "{:?}", by_reviewer.body);

    let officer_of = |record: &Value| record["record"]["header"]["officer"].clone();
    let calendar = node.record(calendar).await;
    let registrar_record = node
        .record(by_registrar.body["index"].as_u64().unwrap())
        .await;
    let reviewer_record = node
        .record(by_reviewer.body["index"].as_u64().unwrap())
        .await;
    assert_eq!(
        officer_of(&calendar),
        commitment_json("administrator", &node.salt("administrator"))
    );
    assert_eq!(
        officer_of(&registrar_record),
        commitment_json("yx-registrar-07", &node.salt("yx-registrar-07"))
    );
    assert_eq!(
        officer_of(&reviewer_record),
        commitment_json("yx-reviewer-02", &node.salt("yx-reviewer-02"))
    );
    assert_ne!(officer_of(&registrar_record), officer_of(&reviewer_record));
    // The commitment is under the record's signature: the canonical bytes served decode to it.
    let bytes = hex::decode(registrar_record["hex"].as_str().unwrap()).unwrap();
    let decoded =
        <ledger_format::record::Record as ledger_format::Canonical>::decode_exact(&bytes).unwrap();
    assert_eq!(
        decoded.header.officer,
        Some(officer_commitment(
            ledger_format::suite::Suite::Ed25519Sha256,
            ORIGIN,
            "yx-registrar-07",
            &node.salt("yx-registrar-07")
        ))
    );
    // `officer list` shows the same commitments, for the auditor.
    let list = node.officer(&["list"]).await;
    let expected = officer_commitment(
        ledger_format::suite::Suite::Ed25519Sha256,
        ORIGIN,
        "yx-reviewer-02",
        &node.salt("yx-reviewer-02"),
    );
    assert!(list.contains("yx-reviewer-02  reviewer  valid"), "{list}");
    assert!(list.contains(&expected.to_string()), "{list}");

    let lines = node.access_log();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert_eq!(
        line(&lines, 2),
        json!({"officer": "yx-registrar-07", "role": "registrar", "method": "POST",
               "route": "/v1/agency/records", "status": 201, "kind": "application-received",
               "index": by_registrar.body["index"], "reason": null})
    );
    assert_eq!(line(&lines, 0)["officer"], "administrator");
    assert_eq!(line(&lines, 0)["kind"], "calendar");
    node.assert_no_token_on_disk(&[&admin, &registrar, &reviewer]);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_revoked_credential_is_refused_from_the_next_request_without_a_restart() {
    // `officer revoke` dates the revocation by the system clock: the node's clock follows it.
    let node = start(ManualClock::new(SystemClock.now()), false).await;
    let year = ledger_format::date::Date::from_unix_cst(SystemClock.now())
        .unwrap()
        .year();
    let deputy = node.add_officer("yx-admin-02", "administrator").await;
    let reviewer = node.add_officer("yx-reviewer-02", "reviewer").await;
    assert_eq!(node.calendar(year, &deputy).await.status, 201);

    let out = node.officer(&["revoke", "--id", "yx-admin-02"]).await;
    assert!(out.contains("revoked"), "{out}");
    node.clock.set(SystemClock.now());
    let size = node.size().await;
    let refused = node.calendar(year + 1, &deputy).await;
    assert_eq!(refused.status, 401, "{:?}", refused.body);
    assert!(
        refused.body["error"].as_str().unwrap().contains("revoked"),
        "{:?}",
        refused.body
    );
    assert_eq!(node.size().await, size);
    // Revoked for every route; the others keep working.
    let reload = node
        .post(
            "/v1/admin/reload",
            &json!({}),
            Some(format!("Bearer {deputy}")),
        )
        .await;
    assert_eq!(reload.status, 401);
    assert_eq!(
        node.calendar(year + 1, &node.legacy_token()).await.status,
        201
    );
    let reviewer_refused = node.calendar(year + 2, &reviewer).await;
    assert_eq!(reviewer_refused.status, 403, "the reviewer is still known");

    let lines = node.access_log();
    assert_eq!(
        line(&lines, 1),
        json!({"officer": "yx-admin-02", "role": "administrator", "method": "POST",
               "route": "/v1/agency/records", "status": 401, "kind": null, "index": null,
               "reason": "revoked"})
    );
    assert_eq!(
        node.metric("ledger_auth_refused_total{reason=\"revoked\"}")
            .await,
        2.0
    );
    // A revoked officer cannot be revoked twice, nor an unknown one at all.
    let dir = node.dir.path().to_owned();
    let again = Command::new(NODE)
        .arg("--data-dir")
        .arg(&dir)
        .args(["officer", "revoke", "--id", "yx-admin-02"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    node.assert_no_token_on_disk(&[&deputy, &reviewer, &node.legacy_token()]);
    node.stop().await;
}

/// Sends raw header bytes (which an HTTP client would refuse to send); the status line's code.
fn raw_post(addr: std::net::SocketAddr, authorization: &[u8]) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let mut request = b"POST /v1/agency/records HTTP/1.1\r\nHost: x\r\nAuthorization: ".to_vec();
    request.extend_from_slice(authorization);
    request.extend_from_slice(
        b"\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    );
    stream.write_all(&request).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1).unwrap().parse().unwrap();
    (status, answer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unknown_missing_and_garbage_credentials_get_a_clear_401() {
    let node = start(ManualClock::new(at("2026-11-23", 10)), false).await;
    let admin = node.legacy_token();
    let body = serde_json::to_value(Body::Calendar(
        WorkCalendar::new(2026, vec![], vec![]).unwrap(),
    ))
    .unwrap();
    let unknown = "0".repeat(64);
    let long = "A".repeat(8 * 1024);
    let last = if admin.ends_with('0') { '1' } else { '0' };
    let near_miss = format!("{}{last}", &admin[..admin.len() - 1]);
    let cases: [(Option<String>, &str, &str); 8] = [
        (None, "missing", "missing bearer token"),
        (
            Some(format!("Bearer {unknown}")),
            "unknown",
            "unknown bearer token",
        ),
        (Some(format!("Bearer {near_miss}")), "unknown", "unknown"),
        (Some(format!("Bearer {long}")), "unknown", "unknown"),
        (
            Some(format!("Basic {admin}")),
            "malformed",
            "Bearer <token>",
        ),
        (Some("Bearer".into()), "malformed", "Bearer <token>"),
        (Some(admin.clone()), "malformed", "Bearer <token>"),
        (Some("Bearer  ".into()), "malformed", "Bearer <token>"),
    ];
    for (header, _, says) in &cases {
        let reply = node.post("/v1/agency/records", &body, header.clone()).await;
        assert_eq!(reply.status, 401, "{header:?}: {:?}", reply.body);
        let error = reply.body["error"].as_str().unwrap();
        assert!(error.contains(says), "{header:?}: {error}");
        assert!(!error.contains(&admin), "{error}");
    }
    // Bytes no client would send: not UTF-8, not ASCII. A clear 401, never a panic.
    for raw in [
        &b"Bearer \xff\xfe\xfd"[..],
        b"Bearer caf\xc3\xa9",
        b"\x80\x80",
    ] {
        let (status, answer) = raw_post(node.running.admin_addr, raw);
        assert_eq!(status, 401, "{answer}");
        assert!(
            answer.contains("malformed Authorization header"),
            "{answer}"
        );
    }
    assert_eq!(node.size().await, 0, "nothing was appended");
    let (status, _) = node.get("/healthz").await;
    assert_eq!(status, 200, "the node still serves");

    let lines = node.access_log();
    assert_eq!(lines.len(), cases.len() + 3);
    for (n, (header, reason, _)) in cases.iter().enumerate() {
        let line = line(&lines, n);
        assert_eq!(line["reason"], *reason, "{header:?}");
        assert_eq!(line["officer"], Value::Null);
        assert_eq!(line["status"], 401);
    }
    for (reason, count) in [("missing", 1.0), ("unknown", 3.0), ("malformed", 7.0)] {
        let sample = format!("ledger_auth_refused_total{{reason=\"{reason}\"}}");
        assert_eq!(node.metric(&sample).await, count, "{reason}");
    }
    node.assert_no_token_on_disk(&[&admin, &near_miss]);
    let log = std::fs::read_to_string(node.path("db.access.log")).unwrap();
    assert!(!log.contains(&long) && !log.contains(&unknown), "{log}");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_agency_token_of_a_node_made_before_officers_is_the_administrators() {
    let node = start(ManualClock::new(at("2026-11-23", 10)), true).await;
    let registry = node.path("officers.toml");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&registry).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the registry holds salts: mode 0600");
    let admin = node.legacy_token();
    // Administrators' acts: a calendar, a profile, a reload (409: the node runs alone, so the
    // role check passed).
    assert_eq!(node.calendar(2026, &admin).await.status, 201);
    let profile = node
        .post(
            "/v1/agency/profile",
            &json!({"name": "yuxi-2025", "from": "2026-11-23"}),
            Some(format!("Bearer {admin}")),
        )
        .await;
    assert_eq!(profile.status, 201, "{:?}", profile.body);
    let adopted = node.record(profile.body["index"].as_u64().unwrap()).await;
    assert_eq!(
        adopted["record"]["header"]["officer"],
        commitment_json("administrator", &node.salt("administrator"))
    );
    let reload = node
        .post(
            "/v1/admin/reload",
            &json!({}),
            Some(format!("Bearer {admin}")),
        )
        .await;
    assert_eq!(reload.status, 409, "{:?}", reload.body);
    let lines = node.access_log();
    assert_eq!(line(&lines, 1)["kind"], "profile-adopted");
    assert_eq!(line(&lines, 1)["role"], "administrator");
    assert_eq!(line(&lines, 2)["status"], 409);
    assert_eq!(line(&lines, 2)["reason"], Value::Null);
    node.assert_no_token_on_disk(&[&admin]);
    node.stop().await;
}

#[test]
fn init_makes_a_registry_whose_administrator_is_the_agency_token() {
    let dir = tempfile::tempdir().unwrap();
    init::init(dir.path(), ORIGIN, None).unwrap();
    let registry = Registry::load(&dir.path().join("officers.toml")).unwrap();
    let token = init::read_token(&dir.path().join("agency.token")).unwrap();
    assert_eq!(registry.officers.len(), 1);
    let entry = &registry.officers[0];
    assert_eq!(entry.id, "administrator");
    assert_eq!(
        entry.token_sha256,
        ledger_format::hash::sha256(token.as_bytes()).to_hex()
    );
}
