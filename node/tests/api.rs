//! The HTTP API over real sockets: an in-process node (memory store, sequencer, router) served on
//! 127.0.0.1:0 and called with a blocking HTTP client on tokio's blocking pool.

use std::sync::Arc;
use std::time::Duration;

use ledger_format::Canonical;
use ledger_format::bundle::{TrustPolicy, TrustedLog, VerdictKind, verify_bundle_bytes};
use ledger_format::calendar::WorkCalendar;
use ledger_format::checkpoint::{SignedCheckpoint, VerifierKey};
use ledger_format::code::{CertificateCode, CreditCode, ObjectKind};
use ledger_format::hash::{Hash, sha256};
use ledger_format::keys::SigningKey;
use ledger_format::lifecycle::{CertificateState, Status, Validity};
use ledger_format::merkle::{ConsistencyProof, InclusionProof};
use ledger_format::receipt::{EvidenceReceipt, verify_receipt};
use ledger_format::record::{
    Amended, ApplicationKind, Body, CancellationReason, Cancelled, Issued, Notice, Registrant,
    RegistrantId, RegistrantRole, RegistrationType, Renewed, RevocationReason, Revoked,
    SubmitterAdded, evidence_message, identity_commitment, leaf_hash_of,
};
use ledger_format::testing::{self, ORIGIN, agency_key, at, parse_date as d, submitter_key};
use ledger_node::api::{self, ApiLimits, ApiState};
use ledger_node::clock::ManualClock;
use ledger_node::metrics::Metrics;
use ledger_node::sequencer::{Sequencer, SequencerConfig};
use ledger_node::store::{LogIdentity, MemoryStore, Store};
use serde_json::{Value, json};

const TOKEN: &str = "agency-secret-token";
/// The objection instructions the test agency states for the public board.
const OBJECTIONS: &str = "异议请以实名书面形式寄至玉溪市公共数据登记中心，并附证据。";

/// An in-process node listening on 127.0.0.1.
struct Node {
    base: String,
    /// The admin listener: agency and admin routes and `/metrics`.
    admin: String,
    clock: ManualClock,
    sequencer: Sequencer,
    stop: tokio_util::sync::CancellationToken,
    servers: Vec<tokio::task::JoinHandle<()>>,
    /// The officer registry (TOKEN is the administrator's) and the access log.
    _files: tempfile::TempDir,
}

/// One HTTP answer.
#[derive(Debug)]
struct Reply {
    status: u16,
    content_type: String,
    www_authenticate: Option<String>,
    cache_control: Option<String>,
    csp: Option<String>,
    etag: Option<String>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    /// Asserts the API's error shape and status; returns the body.
    fn error(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert!(
            self.content_type.starts_with("application/json"),
            "{self:?}"
        );
        let body = self.json();
        assert!(body["error"].is_string(), "{body}");
        assert!(
            body.get("field").is_some() && body.get("rule").is_some(),
            "{body}"
        );
        body
    }
}

async fn start(limits: ApiLimits, checkpoint_interval: Duration) -> Node {
    let store = Arc::new(MemoryStore::new(LogIdentity {
        origin: ORIGIN.into(),
        genesis_key: agency_key().public_key(),
    }));
    let clock = ManualClock::new(at("2026-11-23", 10));
    let metrics = Arc::new(Metrics::new());
    let sequencer = Sequencer::start(
        store.clone(),
        agency_key(),
        Arc::new(clock.clone()),
        metrics.clone(),
        SequencerConfig {
            checkpoint_interval,
            ..SequencerConfig::default()
        },
    )
    .unwrap();
    let store: Arc<dyn Store> = store;
    let files = tempfile::tempdir().unwrap();
    let registry = files.path().join("officers.toml");
    ledger_node::officers::ensure_registry(&registry, TOKEN).unwrap();
    let state = ApiState {
        sequencer: sequencer.handle.clone(),
        logs: ledger_node::swap::Swap::new(ledger_node::logs::Logs::alone(
            ledger_node::logs::LogEntry {
                origin: ORIGIN.into(),
                store,
                keys: vec![VerifierKey::ed25519(ORIGIN, agency_key().public_key()).unwrap()],
                mirror: None,
                regions: Vec::new(),
                profiles: Vec::new(),
                board: ledger_node::logs::BoardInfo {
                    agency: Some("玉溪市公共数据登记中心".into()),
                    objections: Some(OBJECTIONS.into()),
                },
            },
        )),
        network: None,
        key_file: None,
        reloader: None,
        officers: Arc::new(
            ledger_node::officers::OfficerBook::open(&registry, ORIGIN, Default::default())
                .unwrap(),
        ),
        access_log: Arc::new(
            ledger_node::access_log::AccessLog::open(&files.path().join("access.log")).unwrap(),
        ),
        metrics,
        policy_text: Arc::new("origin ledger.yuxi.example/2026\n".into()),
        limits,
        clock: Arc::new(clock.clone()),
    };
    let metrics = state.metrics.clone();
    let admission = || {
        Arc::new(api::limits::Admission::new(
            64,
            Duration::from_secs(30),
            metrics.clone(),
        ))
    };
    let protection = api::Protection {
        admission: admission(),
        write_rate: Arc::new(api::limits::WriteRate::new(1_000, 1_000, metrics.clone())),
    };
    let limits = api::serve::ServeLimits {
        max_connections: 256,
        header_timeout: Duration::from_secs(10),
    };
    let stop = tokio_util::sync::CancellationToken::new();
    let public = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let admin = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (addr, admin_addr) = (public.local_addr().unwrap(), admin.local_addr().unwrap());
    let admin_admission = admission();
    let servers = vec![
        tokio::spawn(serve_until(api::serve::serve(
            public,
            api::public_router(state.clone(), &protection),
            limits,
            protection.admission.clone(),
            stop.clone(),
        ))),
        tokio::spawn(serve_until(api::serve::serve(
            admin,
            api::admin_router(state, admin_admission.clone()),
            limits,
            admin_admission,
            stop.clone(),
        ))),
    ];
    Node {
        base: format!("http://{addr}"),
        admin: format!("http://{admin_addr}"),
        clock,
        sequencer,
        stop,
        servers,
        _files: files,
    }
}

async fn serve_until(server: impl std::future::Future<Output = std::io::Result<()>>) {
    server.await.unwrap();
}

async fn node() -> Node {
    start(ApiLimits::default(), Duration::from_millis(50)).await
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> Reply {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type").unwrap_or_default();
    let www_authenticate = header("www-authenticate");
    let cache_control = header("cache-control");
    let csp = header("content-security-policy");
    let etag = header("etag");
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap();
    Reply {
        status,
        content_type,
        www_authenticate,
        cache_control,
        csp,
        etag,
        body,
    }
}

impl Node {
    /// The URL of `path` on the listener that serves it.
    fn url(&self, path: &str) -> String {
        let admin = api::admin_path(path.split('?').next().unwrap_or(path));
        format!("{}{path}", if admin { &self.admin } else { &self.base })
    }

    async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let url = self.url(path);
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        tokio::task::spawn_blocking(move || {
            let mut request = agent().get(&url);
            for (k, v) in &headers {
                request = request.header(k, v);
            }
            read(request.call().unwrap())
        })
        .await
        .unwrap()
    }

    async fn get(&self, path: &str) -> Reply {
        self.get_with(path, &[]).await
    }

    async fn post_raw(&self, path: &str, body: Vec<u8>, token: Option<&str>) -> Reply {
        let url = self.url(path);
        let auth = token.map(|t| format!("Bearer {t}"));
        tokio::task::spawn_blocking(move || {
            let mut request = agent()
                .post(&url)
                .header("content-type", "application/json");
            if let Some(auth) = &auth {
                request = request.header("authorization", auth);
            }
            read(request.send(&body[..]).unwrap())
        })
        .await
        .unwrap()
    }

    async fn agency(&self, body: &Body) -> Reply {
        self.post_raw(
            "/v1/agency/records",
            serde_json::to_vec(body).unwrap(),
            Some(TOKEN),
        )
        .await
    }

    /// Appends an agency record that must be accepted; returns its index.
    async fn agency_ok(&self, body: &Body) -> u64 {
        let reply = self.agency(body).await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        let json = reply.json();
        assert_eq!(json["kind"], body.kind_name());
        json["index"].as_u64().unwrap()
    }

    async fn size(&self) -> u64 {
        self.get("/v1/log").await.json()["size"].as_u64().unwrap()
    }

    async fn state(&self, code: &CertificateCode) -> CertificateState {
        let reply = self.get(&format!("/v1/certificates/{code}")).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        serde_json::from_slice(&reply.body).unwrap()
    }

    /// Waits until a checkpoint covers the whole log (the timer signs every 50 ms).
    async fn checkpointed(&self) -> SignedCheckpoint {
        for _ in 0..200 {
            let log = self.get("/v1/log").await.json();
            if log["checkpoint_size"] == log["size"] {
                let note = self.get("/v1/checkpoint").await;
                assert_eq!(note.status, 200);
                assert_eq!(note.content_type, "text/plain; charset=utf-8");
                let signed = SignedCheckpoint::parse(&note.text()).unwrap();
                if Some(signed.checkpoint().size) == log["size"].as_u64() {
                    return signed;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no checkpoint covered the log");
    }

    async fn setup(&self, years: std::ops::RangeInclusive<u16>) {
        for year in years {
            let calendar = WorkCalendar::new(year, vec![], vec![]).unwrap();
            self.agency_ok(&Body::Calendar(calendar)).await;
        }
        self.agency_ok(&Body::SubmitterAdded(SubmitterAdded {
            key: submitter_key().public_key(),
            name: "云南数据存证服务有限公司".into(),
            credit_code: CreditCode::parse(testing::CREDIT_CODE).unwrap(),
        }))
        .await;
    }

    /// Adopts the fixture profile (`yuxi-2025`) through `POST /v1/agency/profile`, in force from
    /// the node's today.
    async fn adopt_profile(&self) {
        let reply = self
            .post_raw(
                "/v1/agency/profile",
                br#"{"name":"yuxi-2025"}"#.to_vec(),
                Some(TOKEN),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
    }

    /// Takes an application of `kind` for `code` through receipt, acceptance and (for a
    /// registration that goes to notice) review, on the node's today; returns its index.
    async fn apply_for(&self, code: &CertificateCode, kind: ApplicationKind) -> u64 {
        let index = self
            .agency_ok(&testing::application(code, kind.clone()))
            .await;
        for body in testing::decided_application(code, &kind, index) {
            self.agency_ok(&body).await;
        }
        index
    }

    async fn stop(self) {
        self.stop.cancel();
        for server in self.servers {
            server.await.unwrap();
        }
        self.sequencer.shutdown().await;
    }
}

fn policy() -> TrustPolicy {
    TrustPolicy {
        logs: vec![TrustedLog {
            origin: ORIGIN.into(),
            key: VerifierKey::ed25519(ORIGIN, agency_key().public_key()).unwrap(),
            not_before: None,
            not_after: None,
        }],
        regions: Default::default(),
        witnesses: vec![],
        quorum: 0,
        consistency_quorum: 0,
        max_age_seconds: 86_400,
        equivocated: Vec::new(),
    }
}

fn evidence_hash(n: u32) -> Hash {
    sha256(&n.to_be_bytes())
}

fn submission(key: &SigningKey, hash: Hash) -> Value {
    json!({
        "submitter": key.public_key().to_hex(),
        "hash": hash.to_hex(),
        "signature": hex::encode(key.sign(&evidence_message(ORIGIN, &hash)).0),
    })
}

fn batch(items: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({ "submissions": items })).unwrap()
}

fn notice(code: &CertificateCode, kind: RegistrationType, ends_on: &str) -> Body {
    Body::NoticePublished(Notice {
        code: code.clone(),
        registration_type: kind,
        content: testing::content(ObjectKind::DataResource, None),
        ends_on: d(ends_on),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_endpoints_describe_the_log() {
    let node = node().await;
    node.setup(2026..=2026).await;

    let health = node.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json(), json!({"status": "ok", "size": 2}));

    let signed = node.checkpointed().await;
    let log = node.get("/v1/log").await.json();
    assert_eq!(log["origin"], ORIGIN);
    assert_eq!(log["agency_key"], agency_key().public_key().to_hex());
    assert_eq!(log["checkpoint_size"], 2);

    let at_size = node.get("/v1/checkpoints/2").await;
    assert_eq!(at_size.status, 200);
    assert_eq!(at_size.text(), signed.to_note_text());
    node.get("/v1/checkpoints/999").await.error(404);
    let body = node.get("/v1/checkpoints/abc").await.error(400);
    assert_eq!(body["field"], "size");

    // Records: one, a page, and the hash chain they carry.
    let one = node.get("/v1/records/1").await.json();
    assert_eq!(one["index"], 1);
    let bytes = hex::decode(one["hex"].as_str().unwrap()).unwrap();
    assert_eq!(
        one["record_hash"],
        leaf_hash_of(ledger_format::suite::Suite::Ed25519Sha256, &bytes).to_hex()
    );
    assert_eq!(one["record"]["header"]["index"], 1);
    assert!(one["record"]["body"]["SubmitterAdded"].is_object(), "{one}");
    assert_eq!(log["last_record_hash"], one["record_hash"]);
    node.get("/v1/records/2").await.error(404);
    let page = node.get("/v1/records?start=0&limit=10").await.json();
    assert_eq!(page["records"].as_array().unwrap().len(), 2);
    let body = node.get("/v1/records?limit=1001").await.error(400);
    assert_eq!(body["field"], "limit");
    let body = node.get("/v1/records?start=x").await.error(400);
    assert_eq!(body["field"], "start");

    // Proofs verify against the checkpoint's root.
    let proof = node.get("/v1/proofs/inclusion?index=1").await;
    assert_eq!(proof.status, 200, "{}", proof.text());
    let proof: InclusionProof = serde_json::from_slice(&proof.body).unwrap();
    assert_eq!(proof.tree_size, 2);
    proof
        .verify(
            ledger_format::suite::Suite::Ed25519Sha256,
            &leaf_hash_of(ledger_format::suite::Suite::Ed25519Sha256, &bytes),
            &signed.checkpoint().root,
        )
        .unwrap();
    let body = node
        .get("/v1/proofs/inclusion?index=5&size=2")
        .await
        .error(400);
    assert_eq!(body["field"], "index");
    let body = node
        .get("/v1/proofs/inclusion?index=0&size=9")
        .await
        .error(400);
    assert_eq!(body["field"], "size");
    let proof = node.get("/v1/proofs/consistency?from=1&to=2").await;
    assert_eq!(proof.status, 200, "{}", proof.text());
    let proof: ConsistencyProof = serde_json::from_slice(&proof.body).unwrap();
    assert_eq!((proof.size1, proof.size2), (1, 2));
    node.get("/v1/proofs/consistency?from=2&to=1")
        .await
        .error(400);
    node.get("/v1/proofs/consistency?from=1&to=3")
        .await
        .error(400);

    let submitters = node.get("/v1/submitters").await.json();
    assert_eq!(
        submitters["submitters"][0]["key"],
        submitter_key().public_key().to_hex()
    );
    assert_eq!(submitters["submitters"][0]["added_at"], 1);

    let policy = node.get("/v1/policy").await;
    assert_eq!(policy.content_type, "text/plain; charset=utf-8");
    assert!(policy.text().starts_with("origin "));

    node.get("/v1/nothing-here").await.error(404);
    let not_allowed = node.post_raw("/v1/log", b"{}".to_vec(), None).await;
    not_allowed.error(405);

    let metrics = node.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .content_type
            .starts_with("application/openmetrics-text")
    );
    let text = metrics.text();
    assert!(text.contains("ledger_tree_size"), "{text}");
    assert!(
        text.contains("ledger_http_responses_total{status=\"404\"}"),
        "{text}"
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_input_is_refused_with_the_error_shape_and_writes_nothing() {
    let node = node().await;
    node.setup(2026..=2026).await;
    let code = testing::code(2026, 1);

    // A lifecycle record before the agency adopted a rule profile: 409, nothing written.
    let size = node.size().await;
    let body = node
        .agency(&testing::application(&code, ApplicationKind::First))
        .await
        .error(409);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("no rule profile is in force on 2026-11-23"),
        "{body}"
    );
    assert_eq!(node.size().await, size, "a refused record was written");
    node.adopt_profile().await;

    let size = node.size().await;
    let good_notice =
        serde_json::to_vec(&notice(&code, RegistrationType::First, "2026-12-04")).unwrap();

    // Malformed JSON.
    let body = node
        .post_raw("/v1/evidence", b"{\"submissions\": [".to_vec(), None)
        .await
        .error(400);
    assert!(
        body["error"].as_str().unwrap().contains("malformed JSON"),
        "{body}"
    );

    // A wrong type names the field.
    let body = node
        .post_raw(
            "/v1/evidence",
            br#"{"submissions":[{"submitter":1,"hash":"00","signature":"00"}]}"#.to_vec(),
            None,
        )
        .await
        .error(400);
    assert_eq!(body["field"], "submissions[0].submitter", "{body}");
    let body = node
        .post_raw(
            "/v1/agency/records",
            br#"{"Issued":{"code":"5304002026R00000001T","valid_from":20261207,"valid_until":"2029-12-07"}}"#.to_vec(),
            Some(TOKEN),
        )
        .await
        .error(400);
    assert_eq!(body["field"], "Issued.valid_from", "{body}");
    let body = node
        .post_raw("/v1/evidence", br#"{"submissions":[]}"#.to_vec(), None)
        .await
        .error(400);
    assert_eq!(body["field"], "submissions");

    // Missing or wrong token.
    let reply = node
        .post_raw("/v1/agency/records", good_notice.clone(), None)
        .await;
    reply.error(401);
    assert_eq!(reply.www_authenticate.as_deref(), Some("Bearer"));
    node.post_raw("/v1/agency/records", good_notice.clone(), Some("wrong"))
        .await
        .error(401);
    // The token is checked before the body is read.
    node.post_raw("/v1/agency/records", b"not json".to_vec(), Some("wrong"))
        .await
        .error(401);

    // A bad signature (on the second item of a batch whose first is good): 401, nothing appended.
    let key = submitter_key();
    let forged = json!({
        "submitter": key.public_key().to_hex(),
        "hash": evidence_hash(2).to_hex(),
        "signature": hex::encode(key.sign(&evidence_message(ORIGIN, &evidence_hash(3))).0),
    });
    let body = node
        .post_raw(
            "/v1/evidence",
            batch(vec![submission(&key, evidence_hash(1)), forged]),
            None,
        )
        .await
        .error(401);
    assert_eq!(body["field"], "submissions[1].signature", "{body}");

    // An unknown submitter: 403.
    let stranger = testing::witness_key(0);
    let body = node
        .post_raw(
            "/v1/evidence",
            batch(vec![submission(&stranger, evidence_hash(1))]),
            None,
        )
        .await
        .error(403);
    assert_eq!(body["field"], "submissions[0].submitter", "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("unknown submitter")
    );

    // An invalid registry request: 422.
    let again = Body::SubmitterAdded(SubmitterAdded {
        key: key.public_key(),
        name: "again".into(),
        credit_code: CreditCode::parse(testing::CREDIT_CODE).unwrap(),
    });
    node.agency(&again).await.error(422);

    // A forbidden transition: 409 with the rule.
    let issue = Body::Issued(Issued {
        code: code.clone(),
        valid_from: d("2026-11-23"),
        valid_until: d("2029-11-23"),
    });
    let body = node.agency(&issue).await.error(409);
    assert!(
        body["error"].as_str().unwrap().contains("no registration"),
        "{body}"
    );

    // Unknown and malformed codes.
    node.get(&format!("/v1/certificates/{}", testing::code(2026, 99)))
        .await
        .error(404);
    node.get(&format!(
        "/v1/certificates/{}/history",
        testing::code(2026, 99)
    ))
    .await
    .error(404);
    let body = node
        .get("/v1/certificates/5304002026R00000001U")
        .await
        .error(400);
    assert_eq!(body["field"], "code");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("malformed certificate code: ")
    );
    node.get("/v1/certificates/5304002026R00000001U/bundle")
        .await
        .error(400);

    // Unknown evidence and malformed receipt paths.
    let path = format!(
        "/v1/evidence/{}/{}/receipt",
        key.public_key().to_hex(),
        evidence_hash(77).to_hex()
    );
    node.get(&path).await.error(404);
    let body = node
        .get(&format!(
            "/v1/evidence/zz/{}/receipt",
            evidence_hash(1).to_hex()
        ))
        .await
        .error(400);
    assert_eq!(body["field"], "submitter");

    assert_eq!(node.size().await, size, "a refused request wrote something");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oversized_body_is_413_and_writes_nothing() {
    let limits = ApiLimits {
        max_body_bytes: 64 * 1024,
        ..ApiLimits::default()
    };
    let node = start(limits, Duration::from_millis(50)).await;
    node.setup(2026..=2026).await;
    let size = node.size().await;
    let key = submitter_key();
    let items = (0..400)
        .map(|n| submission(&key, evidence_hash(n)))
        .collect();
    let body = batch(items);
    assert!(body.len() > 64 * 1024);
    node.post_raw("/v1/evidence", body, None).await.error(413);
    assert_eq!(node.size().await, size);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn evidence_batches_are_idempotent_and_large() {
    let node = node().await;
    node.setup(2026..=2026).await;
    let key = submitter_key();
    let base = node.size().await;

    let items: Vec<Value> = (0..10_000)
        .map(|n| submission(&key, evidence_hash(n)))
        .collect();
    let reply = node
        .post_raw("/v1/evidence", batch(items.clone()), None)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let receipts = reply.json()["receipts"].as_array().unwrap().clone();
    assert_eq!(receipts.len(), 10_000);
    for (n, receipt) in receipts.iter().enumerate() {
        assert_eq!(receipt["index"].as_u64().unwrap(), base + n as u64);
        assert_eq!(receipt["existing"], false);
    }
    assert_eq!(node.size().await, base + 10_000);

    // Resubmitting returns the same indexes, marked existing, and appends nothing.
    let again = node
        .post_raw("/v1/evidence", batch(items[..100].to_vec()), None)
        .await;
    assert_eq!(again.status, 200, "{}", again.text());
    for (n, receipt) in again.json()["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        assert_eq!(receipt["index"].as_u64().unwrap(), base + n as u64);
        assert_eq!(receipt["existing"], true);
        assert_eq!(receipt["record_hash"], receipts[n]["record_hash"]);
    }
    // A batch mixing old and new hashes: 201, the new one appended once.
    let mixed = node
        .post_raw(
            "/v1/evidence",
            batch(vec![
                items[0].clone(),
                submission(&key, evidence_hash(20_000)),
            ]),
            None,
        )
        .await;
    assert_eq!(mixed.status, 201);
    let mixed = mixed.json();
    assert_eq!(mixed["receipts"][0]["existing"], true);
    assert_eq!(mixed["receipts"][1]["existing"], false);
    assert_eq!(node.size().await, base + 10_001);

    // A receipt over HTTP verifies offline, as JSON (hex) and as raw bytes.
    let hash = evidence_hash(7);
    let path = format!(
        "/v1/evidence/{}/{}/receipt?wait=true",
        key.public_key().to_hex(),
        hash.to_hex()
    );
    let reply = node.get(&path).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let json = reply.json();
    assert_eq!(json["index"].as_u64().unwrap(), base + 7);
    let bytes = hex::decode(json["receipt"].as_str().unwrap()).unwrap();
    let receipt = EvidenceReceipt::decode_exact(&bytes).unwrap();
    let info = verify_receipt(&hash, &receipt, &policy(), node.clock_now()).unwrap();
    assert_eq!(info.index, base + 7);
    assert_eq!(info.submitter, key.public_key());
    let raw = node
        .get_with(&path, &[("accept", "application/octet-stream")])
        .await;
    assert_eq!(raw.status, 200);
    assert_eq!(raw.content_type, "application/octet-stream");
    let receipt = EvidenceReceipt::decode_exact(&raw.body).unwrap();
    verify_receipt(&hash, &receipt, &policy(), node.clock_now()).unwrap();
    node.stop().await;
}

impl Node {
    fn clock_now(&self) -> i64 {
        use ledger_node::clock::Clock;
        self.clock.now()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn receipt_is_pending_until_a_checkpoint_covers_it() {
    // A timer that never fires again after the first (empty) checkpoint.
    let limits = ApiLimits {
        receipt_wait: Duration::from_millis(200),
        ..ApiLimits::default()
    };
    let node = start(limits, Duration::from_secs(3600)).await;
    node.setup(2026..=2026).await;
    let key = submitter_key();
    let hash = evidence_hash(1);
    let reply = node
        .post_raw("/v1/evidence", batch(vec![submission(&key, hash)]), None)
        .await;
    assert_eq!(reply.status, 201);
    let path = format!(
        "/v1/evidence/{}/{}/receipt",
        key.public_key().to_hex(),
        hash.to_hex()
    );
    let pending = node.get(&path).await;
    assert_eq!(pending.status, 202, "{}", pending.text());
    assert_eq!(pending.json()["status"], "pending");
    let waited = node.get(&format!("{path}?wait=true")).await;
    assert_eq!(waited.status, 202);

    // A waiting request is answered as soon as the checkpoint lands.
    let waiter = {
        let url = format!("{}{path}?wait=true", node.base);
        tokio::task::spawn_blocking(move || read(agent().get(&url).call().unwrap()))
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    node.sequencer.handle.checkpoint_now().await.unwrap();
    let reply = waiter.await.unwrap();
    // The waiter may have timed out just before the checkpoint on a slow machine; then ask again.
    let reply = if reply.status == 200 {
        reply
    } else {
        node.get(&path).await
    };
    assert_eq!(reply.status, 200, "{}", reply.text());
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_certificate_lives_through_the_api() {
    let node = node().await;
    node.setup(2026..=2032).await;
    node.adopt_profile().await;
    let code = testing::code(2026, 1);
    assert_eq!(code.as_str(), "5304002026R00000001T");

    // A notice without a reviewed application is refused (R16, R22): the procedure comes first.
    let body = node
        .agency(&notice(&code, RegistrationType::First, "2026-12-04"))
        .await
        .error(409);
    assert!(
        body["error"].as_str().unwrap().contains("no registration"),
        "{body}"
    );

    // Monday 2026-11-23: application, acceptance and review, then the notice, ending Friday
    // 2026-12-04 (ten working days, the day of publication counted, yuxi-2025).
    let application = node.apply_for(&code, ApplicationKind::First).await;
    let state = node.state(&code).await;
    assert_eq!(state.status, Status::Applied);
    assert_eq!(
        state.application.as_ref().map(|a| a.index),
        Some(application)
    );
    assert_eq!(state.registrant, None, "not public before the notice (R22)");
    let notice_index = node
        .agency_ok(&notice(&code, RegistrationType::First, "2026-12-04"))
        .await;
    let state = node.state(&code).await;
    assert_eq!(state.status, Status::InNotice);
    assert_eq!(state.latest_index, notice_index);

    // No issue while the notice runs: 409, R22.
    node.clock.set(at("2026-12-04", 10));
    let issue = Body::Issued(Issued {
        code: code.clone(),
        valid_from: d("2026-12-04"),
        valid_until: d("2029-12-04"),
    });
    let size = node.size().await;
    let body = node.agency(&issue).await.error(409);
    assert_eq!(body["rule"], "R22", "{body}");
    assert_eq!(node.size().await, size);

    // Monday 2026-12-07: issued for three years (the body as an operator would type it).
    node.clock.set(at("2026-12-07", 10));
    let reply = node
        .post_raw(
            "/v1/agency/records",
            br#"{"Issued":{"code":"5304002026R00000001T","valid_from":"2026-12-07","valid_until":"2029-12-07"}}"#.to_vec(),
            Some(TOKEN),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json()["kind"], "issued");
    let state = node.state(&code).await;
    assert_eq!(state.status, Status::Active);
    assert_eq!(state.version, 1);
    let validity = Validity {
        from: d("2026-12-07"),
        until: d("2029-12-07"),
    };
    assert_eq!(state.validity, Some(validity));

    // The bundle over HTTP verifies offline: Valid.
    node.checkpointed().await;
    let bundle = node
        .get(&format!("/v1/certificates/{code}/bundle?records=true"))
        .await;
    assert_eq!(bundle.status, 200, "{}", bundle.text());
    assert_eq!(bundle.content_type, "application/octet-stream");
    let verdict = verify_bundle_bytes(&bundle.body, &policy(), node.clock_now());
    assert_eq!(
        verdict.kind,
        VerdictKind::Valid {
            valid_from: d("2026-12-07"),
            valid_until: d("2029-12-07")
        }
    );
    // An unknown code gets a bundle proving its absence.
    let absent = node
        .get(&format!(
            "/v1/certificates/{}/bundle",
            testing::code(2026, 99)
        ))
        .await;
    assert_eq!(absent.status, 200);
    let verdict = verify_bundle_bytes(&absent.body, &policy(), node.clock_now());
    assert_eq!(verdict.kind, VerdictKind::UnknownCertificate);

    // Monday 2027-03-01: a change notice; Monday 2027-03-15: the change.
    node.clock.set(at("2027-03-01", 10));
    node.apply_for(&code, ApplicationKind::Change).await;
    let mut change = notice(&code, RegistrationType::Change, "2027-03-12");
    if let Body::NoticePublished(n) = &mut change {
        n.content.data_name = "玉溪市公共交通客流数据（2027版）".into();
    }
    let change_index = node.agency_ok(&change).await;
    let state = node.state(&code).await;
    assert_eq!(
        state.notice.as_ref().map(|n| n.notice_index),
        Some(change_index)
    );
    node.clock.set(at("2027-03-15", 10));
    node.agency_ok(&Body::Changed(Amended {
        code: code.clone(),
        notice_index: change_index,
        valid_until: d("2029-12-07"),
    }))
    .await;
    let state = node.state(&code).await;
    assert_eq!(state.version, 2);
    assert_eq!(
        state.data_name.as_deref(),
        Some("玉溪市公共交通客流数据（2027版）")
    );
    assert!(state.notice.is_none());

    // Renewal: an application on 2029-10-07 is too early (R23), from 2029-10-08 it is in the
    // window; the renewal names the accepted application.
    let renew = |application_index: u64| {
        Body::Renewed(Renewed {
            code: code.clone(),
            application_index,
            valid_until: d("2032-12-07"),
            operation_ends: None,
        })
    };
    node.clock.set(at("2029-10-07", 10));
    let body = node
        .agency(&testing::application(&code, ApplicationKind::Renewal))
        .await
        .error(409);
    assert_eq!(body["rule"], "R23", "{body}");
    node.clock.set(at("2029-10-08", 10));
    let renewal = node.apply_for(&code, ApplicationKind::Renewal).await;
    node.agency_ok(&renew(renewal)).await;
    // One application renews once: the same renewal again is refused.
    node.agency(&renew(renewal)).await.error(409);
    let state = node.state(&code).await;
    assert_eq!(
        state.validity,
        Some(Validity {
            from: d("2026-12-07"),
            until: d("2032-12-07")
        })
    );

    // Cancellation on an accepted application is final: anything after it is refused.
    let reason = CancellationReason::RightsEnded;
    let cancellation = node
        .apply_for(&code, ApplicationKind::Cancellation(reason.clone()))
        .await;
    node.agency_ok(&Body::Cancelled(Cancelled {
        code: code.clone(),
        reason,
        application_index: Some(cancellation),
    }))
    .await;
    let state = node.state(&code).await;
    assert_eq!(
        state.status,
        Status::Cancelled(CancellationReason::RightsEnded)
    );
    let size = node.size().await;
    let after = [
        Body::Revoked(Revoked {
            code: code.clone(),
            reason: RevocationReason::IllegalUse,
        }),
        renew(renewal),
        testing::application(&code, ApplicationKind::Change),
    ];
    for body in &after {
        let error = node.agency(body).await.error(409);
        assert!(
            error["error"].as_str().unwrap().contains("final"),
            "{error}"
        );
    }
    assert_eq!(node.size().await, size);

    // The history lists every record about the code, oldest first.
    let history = node
        .get(&format!("/v1/certificates/{code}/history"))
        .await
        .json();
    let kinds: Vec<&str> = history["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["record"]["body"]
                .as_object()
                .unwrap()
                .keys()
                .next()
                .unwrap()
                .as_str()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "ApplicationReceived",
            "ApplicationAccepted",
            "ReviewCompleted",
            "NoticePublished",
            "Issued",
            "ApplicationReceived",
            "ApplicationAccepted",
            "ReviewCompleted",
            "NoticePublished",
            "Changed",
            "ApplicationReceived",
            "ApplicationAccepted",
            "Renewed",
            "ApplicationReceived",
            "ApplicationAccepted",
            "Cancelled"
        ]
    );

    // The cancelled certificate's bundle says so.
    node.checkpointed().await;
    let bundle = node.get(&format!("/v1/certificates/{code}/bundle")).await;
    let verdict = verify_bundle_bytes(&bundle.body, &policy(), node.clock_now());
    assert_eq!(
        verdict.kind,
        VerdictKind::Cancelled(CancellationReason::RightsEnded)
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_log_is_served_as_tlog_tiles() {
    let node = node().await;
    // The empty log's checkpoint covers no tile.
    node.get("/tile/0/000.p/1").await.error(404);
    node.setup(2026..=2026).await;
    let key = submitter_key();
    let items: Vec<Value> = (0..300)
        .map(|n| submission(&key, evidence_hash(n)))
        .collect();
    let reply = node.post_raw("/v1/evidence", batch(items), None).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let signed = node.checkpointed().await;
    let size = signed.checkpoint().size;
    assert!(size > 256 && size < 512, "{size}");

    // The checkpoint, at the root and under the log's own prefix, as /v1/checkpoint serves it.
    let note = node.get("/v1/checkpoint").await.body;
    for path in [
        "/checkpoint".to_owned(),
        format!("/logs/{ORIGIN}/checkpoint"),
    ] {
        let reply = node.get(&path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.content_type, "text/plain; charset=utf-8");
        assert_eq!(reply.cache_control.as_deref(), Some("public, max-age=5"));
        assert_eq!(reply.body, note, "{path}");
    }

    // Entry bundles hash to the level-0 tiles, whose leaves give the checkpoint's root.
    let mut leaves = Vec::new();
    for (n, width) in [(0, 256), (1, size - 256)] {
        let suffix = if width == 256 {
            String::new()
        } else {
            format!(".p/{width}")
        };
        let tile = node.get(&format!("/tile/0/00{n}{suffix}")).await;
        let bundle = node
            .get(&format!("/logs/{ORIGIN}/tile/entries/00{n}{suffix}"))
            .await;
        for reply in [&tile, &bundle] {
            assert_eq!(reply.status, 200);
            assert_eq!(reply.content_type, "application/octet-stream");
            let expected = if width == 256 {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=5"
            };
            assert_eq!(reply.cache_control.as_deref(), Some(expected));
        }
        assert_eq!(tile.body.len() as u64, width * 32);
        let mut rest = &bundle.body[..];
        let mut hashed = Vec::new();
        while let [a, b, tail @ ..] = rest {
            let (entry, tail) = tail.split_at(usize::from(u16::from_be_bytes([*a, *b])));
            hashed.extend_from_slice(
                &leaf_hash_of(ledger_format::suite::Suite::Ed25519Sha256, entry).0,
            );
            rest = tail;
        }
        assert_eq!(hashed, tile.body);
        leaves.extend(tile.body.chunks(32).map(|c| Hash(c.try_into().unwrap())));
    }
    let mut tree =
        ledger_format::merkle::MemoryTree::new(ledger_format::suite::Suite::Ed25519Sha256);
    for leaf in &leaves {
        tree.push_hash(*leaf).unwrap();
    }
    assert_eq!(tree.root(), signed.checkpoint().root);

    // Malformed paths are 400 with the error shape, absent resources 404; nothing panics.
    for path in [
        "/tile/0/abc",
        "/tile/0/1",
        "/tile/00/000",
        "/tile/0/000.p/0",
        "/tile/0/000.p/256",
    ] {
        node.get(path).await.error(400);
    }
    for path in [
        "/tile/0/001".to_owned(),
        format!("/tile/0/001.p/{}", size - 255),
        "/tile/1/000".to_owned(),
        "/tile/1/000.p/2".to_owned(),
        "/tile/entries/002.p/1".to_owned(),
        "/logs/other.example/1/checkpoint".to_owned(),
        "/logs/checkpoint".to_owned(),
        format!("/logs/{ORIGIN}/tiles/0/000"),
    ] {
        node.get(&path).await.error(404);
    }
    node.stop().await;
}

/// An individual registrant: a name, and a commitment to the identity document (never public).
fn individual() -> (Registrant, Hash) {
    let commitment = identity_commitment(
        ledger_format::suite::Suite::Ed25519Sha256,
        &[7; 32],
        "resident-id:530402199001011234",
    );
    let registrant = Registrant {
        name: "李四".into(),
        id: RegistrantId::Individual(commitment),
        role: RegistrantRole::DataHolder,
    };
    (registrant, commitment)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_shows_notices_and_announcements_and_nothing_private() {
    let node = node().await;
    node.setup(2026..=2027).await;
    node.adopt_profile().await;
    let (in_notice, applied, cancelled, revoked) = (
        testing::code(2026, 1),
        testing::code(2026, 2),
        testing::code(2026, 3),
        testing::code(2026, 4),
    );
    // Monday 2026-11-23: four applications; three go to notice, one by an individual with an
    // organisation as co-applicant.
    for code in [&in_notice, &applied, &cancelled, &revoked] {
        node.apply_for(code, ApplicationKind::First).await;
    }
    let (person, identity) = individual();
    let mut first = notice(&in_notice, RegistrationType::First, "2026-12-04");
    if let Body::NoticePublished(n) = &mut first {
        n.content.registrant = person;
        n.content.co_applicants = vec![testing::registrant()];
    }
    let first_index = node.agency_ok(&first).await;
    for code in [&cancelled, &revoked] {
        node.agency_ok(&notice(code, RegistrationType::First, "2026-12-04"))
            .await;
    }
    // Monday 2026-12-07: two issued; one cancelled on application, the other revoked.
    node.clock.set(at("2026-12-07", 10));
    let mut announced = Vec::new();
    for code in [&cancelled, &revoked] {
        announced.push(
            node.agency_ok(&Body::Issued(Issued {
                code: code.clone(),
                valid_from: d("2026-12-07"),
                valid_until: d("2029-12-07"),
            }))
            .await,
        );
    }
    let kind = ApplicationKind::Cancellation(CancellationReason::DataLost);
    let application = node.apply_for(&cancelled, kind).await;
    announced.push(
        node.agency_ok(&Body::Cancelled(Cancelled {
            code: cancelled.clone(),
            reason: CancellationReason::DataLost,
            application_index: Some(application),
        }))
        .await,
    );
    announced.push(
        node.agency_ok(&Body::Revoked(Revoked {
            code: revoked.clone(),
            reason: RevocationReason::FalseMaterials,
        }))
        .await,
    );
    node.checkpointed().await;

    let logs = node.get("/v1/board").await.json();
    assert_eq!(logs["logs"][0]["log"], ORIGIN, "{logs}");
    assert_eq!(logs["logs"][0]["own"], true);
    assert_eq!(logs["logs"][0]["objections"], OBJECTIONS);

    // In notice: only the registration whose notice is not decided.
    let notices = node.get("/v1/board/notices").await.json();
    assert_eq!(notices["objections"], OBJECTIONS, "{notices}");
    let list = notices["notices"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{notices}");
    let entry = &list[0];
    assert_eq!(entry["code"], in_notice.as_str());
    assert_eq!(entry["index"], first_index);
    assert_eq!(entry["registrant"], "李四");
    assert_eq!(entry["co_applicants"], json!(["玉溪市数据资源有限公司"]));
    assert_eq!(entry["data_name"], "玉溪市公共交通客流数据");
    assert_eq!(entry["registration_type"], "First");
    assert_eq!(entry["ends_on"], "2026-12-04");
    assert_eq!(entry["suspended"], false);
    assert_eq!(
        entry["links"]["record"],
        format!("/v1/records/{first_index}?log=ledger.yuxi.example/2026")
    );
    assert_eq!(notices["next"], Value::Null);
    // The link leads to the notice record itself.
    let record = node.get(entry["links"]["record"].as_str().unwrap()).await;
    assert_eq!(record.status, 200);
    assert_eq!(record.json()["index"], first_index);

    // Announcements: newest first, paged by `before`.
    let page = node.get("/v1/board/announcements?limit=3").await.json();
    let indexes: Vec<u64> = page["announcements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["index"].as_u64().unwrap())
        .collect();
    let mut newest_first = announced.clone();
    newest_first.reverse();
    assert_eq!(indexes, newest_first[..3], "{page}");
    assert_eq!(page["announcements"][0]["kind"], "revoked");
    assert_eq!(page["announcements"][0]["reason"], "FalseMaterials");
    assert_eq!(page["announcements"][1]["kind"], "cancelled");
    assert_eq!(page["announcements"][1]["reason"], "DataLost");
    assert_eq!(page["announcements"][2]["valid_until"], "2029-12-07");
    assert_eq!(page["next"], indexes[2]);
    let rest = node
        .get(&format!("/v1/board/announcements?before={}", indexes[2]))
        .await
        .json();
    assert_eq!(rest["announcements"].as_array().unwrap().len(), 1, "{rest}");
    assert_eq!(rest["announcements"][0]["index"], announced[0]);
    assert_eq!(rest["next"], Value::Null);

    // Lookup by code: public registrations only; an application never in notice is not public.
    let found = node
        .get(&format!("/v1/board/certificates/{cancelled}"))
        .await
        .json();
    assert_eq!(found["status"], "cancelled", "{found}");
    assert_eq!(found["reason"], "DataLost");
    let found = node
        .get(&format!("/v1/board/certificates/{in_notice}"))
        .await
        .json();
    assert_eq!(found["status"], "in-notice", "{found}");
    assert_eq!(found["notice"]["summary"], entry["summary"]);
    let hidden = node
        .get(&format!("/v1/board/certificates/{applied}"))
        .await
        .error(404);
    let unknown = node
        .get(&format!(
            "/v1/board/certificates/{}",
            testing::code(2026, 9)
        ))
        .await
        .error(404);
    assert_eq!(
        hidden["error"]
            .as_str()
            .unwrap()
            .replace(applied.as_str(), ""),
        unknown["error"]
            .as_str()
            .unwrap()
            .replace(testing::code(2026, 9).as_str(), ""),
        "an application answers like an unknown code"
    );

    // Nothing beyond R22 in any board response: no identity commitment, no credit code, no field
    // commitment, no application that was never in notice.
    let content = testing::content(ObjectKind::DataResource, None);
    let mut secrets = vec![
        identity.to_hex(),
        testing::CREDIT_CODE.to_owned(),
        applied.as_str().to_owned(),
    ];
    secrets.extend(content.fields.iter().map(|f| f.commitment.to_hex()));
    for path in [
        "/v1/board".to_owned(),
        "/v1/board/notices".to_owned(),
        "/v1/board/announcements".to_owned(),
        format!("/v1/board/certificates/{in_notice}"),
        format!("/v1/board/certificates/{cancelled}"),
        format!("/v1/board/certificates/{revoked}"),
    ] {
        let text = node.get(&path).await.text();
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{path} shows {secret}: {text}"
            );
        }
    }
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_board_queries_get_clear_errors() {
    let node = node().await;
    for (path, field) in [
        ("/v1/board/notices?limit=0", "limit"),
        ("/v1/board/notices?limit=101", "limit"),
        ("/v1/board/announcements?limit=1000000000", "limit"),
        ("/v1/board/notices?after=not-a-code", "after"),
        ("/v1/board/notices?after=5304002026R00000001X", "after"),
        ("/v1/board/certificates/5304002026R00000001X", "code"),
        ("/v1/board/certificates/%3Cscript%3E", "code"),
    ] {
        let body = node.get(path).await.error(400);
        assert_eq!(body["field"], field, "{path}: {body}");
    }
    for path in [
        "/v1/board/announcements?limit=99999999999999999999999",
        "/v1/board/announcements?limit=-1",
        "/v1/board/announcements?before=abc",
    ] {
        node.get(path).await.error(400);
    }
    let long = format!("/v1/board/certificates/{}", "A".repeat(4000));
    let body = node.get(&long).await.error(400);
    assert!(body["error"].as_str().unwrap().len() < 200, "{body}");
    let body = node
        .get("/v1/board/notices?log=ledger.other.example/1")
        .await;
    body.error(404);
    let body = node.get("/v1/board/announcements?log=nope").await;
    body.error(404);
    // The empty board is not an error.
    let page = node.get("/v1/board/announcements?before=0").await.json();
    assert_eq!(page["announcements"], json!([]));
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_page_is_served_with_a_strict_policy() {
    let node = node().await;
    let page = node.get("/").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert!(page.text().contains("公示"), "Chinese by default");
    let csp = page.csp.clone().unwrap();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.cache_control.as_deref(), Some("no-cache"));
    let etag = page.etag.clone().unwrap();
    let again = node.get_with("/", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let script = node.get("/board/board.js").await;
    assert_eq!(script.status, 200);
    assert_eq!(script.content_type, "text/javascript; charset=utf-8");
    assert!(script.text().contains("/v1/board/notices"));
    let style = node.get("/board/board.css").await;
    assert_eq!(style.content_type, "text/css; charset=utf-8");
    node.get("/board/missing.js").await.error(404);
    node.stop().await;
}
