//! A flood of agency A's public HTTP listener and of its p2p port, from many connections at once:
//! reads as fast as they go, evidence from a service nobody registered, oversized and malformed
//! bodies, connections that send half a request and hold it, and raw garbage on the p2p port.
//! Meanwhile A's officers append records through the admin listener. Every one of their records
//! must be appended, checkpointed and mirrored by B, and the flood must show in A's metrics and
//! log. The agency write latency with and without the flood is printed (not asserted: timings are
//! measured in benchmarks, not tests).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{Agency, Network, evidence, service, wait_for, wait_mirrored};
use ledger_format::keys::SigningKey;
use serde_json::{Value, json};

/// Agency records appended in each phase.
const WRITES: u64 = 40;
/// How long the flood runs at least (it also lasts as long as the writes take).
const FLOOD: Duration = Duration::from_secs(6);

#[test]
fn a_flooded_node_goes_on_appending_and_checkpointing_for_its_agency() {
    let mut net = Network::create(&["a", "b"], None);
    {
        let a = net.node("a");
        // Small bounds, so that the flood reaches every one of them on a 2-core machine.
        a.configure("max_connections", "128");
        a.configure("max_in_flight", "8");
        a.configure("header_timeout_secs", "2");
        a.configure("write_rate_per_second", "5");
        a.configure("write_burst", "5");
    }
    net.start_all();
    let a = net.node("a");
    let b = net.node("b");
    a.set_up(&service());

    let (quiet, last) = agency_writes(a, 0);
    wait_mirrored(b, &a.origin, last + 1);

    let stop = Arc::new(AtomicBool::new(false));
    let counts = Arc::new(Counts::default());
    let mut flood = Vec::new();
    for n in 0..12 {
        let (url, stop, counts) = (a.url(""), stop.clone(), counts.clone());
        flood.push(std::thread::spawn(move || {
            read_flood(&url, n, &stop, &counts)
        }));
    }
    for n in 0..3 {
        let (url, origin, stop, counts) =
            (a.url(""), a.origin.clone(), stop.clone(), counts.clone());
        flood.push(std::thread::spawn(move || {
            write_flood(&url, &origin, n, &stop, &counts);
        }));
    }
    {
        let (port, stop) = (a.http, stop.clone());
        flood.push(std::thread::spawn(move || slow_clients(port, &stop)));
    }
    for _ in 0..2 {
        let (port, stop, counts) = (p2p_port(a), stop.clone(), counts.clone());
        flood.push(std::thread::spawn(move || {
            p2p_garbage(port, &stop, &counts)
        }));
    }
    let started = Instant::now();
    std::thread::sleep(Duration::from_millis(500));
    let (flooded, last) = agency_writes(a, WRITES);
    // Read through the flood (a shed read is retried), as a verifier would.
    let checkpointed_during_flood = common::poll(30, || checkpoint_size(a) > last);
    std::thread::sleep(FLOOD.saturating_sub(started.elapsed()));
    stop.store(true, Ordering::Relaxed);
    for thread in flood {
        thread.join().unwrap();
    }

    eprintln!(
        "agency writes: quiet p50 {:.1} ms p99 {:.1} ms; flooded p50 {:.1} ms p99 {:.1} ms",
        percentile(&quiet, 0.5),
        percentile(&quiet, 0.99),
        percentile(&flooded, 0.5),
        percentile(&flooded, 0.99),
    );
    eprintln!("flood: {counts:?}");

    assert!(
        checkpointed_during_flood,
        "A signed no checkpoint of its agency's records during the flood"
    );
    wait_mirrored(b, &a.origin, last + 1);
    // The flood reached the node and was refused, counted and logged.
    assert!(
        counts.reads.load(Ordering::Relaxed) > 0,
        "the flood never got an answer: {counts:?}"
    );
    let shed = a.metric_samples("ledger_http_shed_total");
    let shed_total: f64 = shed.iter().map(|(_, v)| v).sum();
    assert!(shed_total > 0.0, "nothing was shed: {shed:?}");
    for reason in ["rate", "overload"] {
        assert!(
            shed.iter()
                .any(|(sample, v)| sample.contains(reason) && *v > 0.0),
            "no request refused for {reason}: {shed:?}"
        );
    }
    assert!(
        counts.refused_evidence.load(Ordering::Relaxed) > 0,
        "evidence from an unknown service was never refused: {counts:?}"
    );
    wait_for("the shedding warning in A's log", || {
        a.node_log()
            .contains("refused a request to protect the node")
    });
    assert!(
        a.metric("ledger_p2p_refused_connections") + a.metric("ledger_p2p_peers") >= 1.0,
        "A's p2p side is gone"
    );
}

/// What the flood got back.
#[derive(Debug, Default)]
struct Counts {
    /// Answers of any status to reads.
    reads: AtomicU64,
    /// `503` and `429` answers.
    shed: AtomicU64,
    /// `403`s to the unknown service's evidence.
    refused_evidence: AtomicU64,
    /// `413`s and `400`s to oversized or malformed bodies.
    refused_bodies: AtomicU64,
    /// Connections opened to the p2p port.
    p2p_connections: AtomicU64,
}

/// Appends [`WRITES`] agency records (evidence services added, keys numbered from `first`)
/// through the admin listener; each must be accepted. Returns their latencies in milliseconds and
/// the index of the last.
fn agency_writes(a: &Agency, first: u64) -> (Vec<f64>, u64) {
    let mut last = 0;
    let latencies = (first..first + WRITES)
        .map(|n| {
            let key = SigningKey::from_seed(&seed(n));
            let started = Instant::now();
            let reply = a.try_append(&json!({"SubmitterAdded": {
                "key": key.public_key().to_hex(),
                "name": format!("存证服务 {n}"),
                "credit_code": "91440300708461136T",
            }}));
            let took = started.elapsed().as_secs_f64() * 1000.0;
            assert_eq!(reply.status, 201, "an agency write was refused: {reply:?}");
            let answer: Value = serde_json::from_str(&reply.body).unwrap();
            last = answer["index"].as_u64().unwrap();
            took
        })
        .collect();
    (latencies, last)
}

fn seed(n: u64) -> [u8; 32] {
    let mut seed = [7u8; 32];
    seed[..8].copy_from_slice(&n.to_be_bytes());
    seed
}

fn percentile(samples: &[f64], p: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[at - 1]
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// Reads as fast as one connection goes.
fn read_flood(base: &str, n: u64, stop: &AtomicBool, counts: &Counts) {
    let agent = agent();
    let paths = [
        "/v1/checkpoint",
        "/v1/logs",
        "/v1/records?from=0&to=20",
        "/v1/policy",
    ];
    let mut i = n as usize;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let Ok(response) = agent
            .get(&format!("{base}{}", paths[i % paths.len()]))
            .call()
        else {
            continue;
        };
        counts.reads.fetch_add(1, Ordering::Relaxed);
        if matches!(response.status().as_u16(), 429 | 503) {
            counts.shed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Evidence signed by a service nobody registered (1,000 items a request), bodies over the limit,
/// and bodies that are not JSON.
fn write_flood(base: &str, origin: &str, n: u64, stop: &AtomicBool, counts: &Counts) {
    let agent = agent();
    let stranger = SigningKey::from_seed(&[0x5a; 32]);
    let submissions: Vec<Value> = (0..1_000u64)
        .map(|i| {
            evidence(
                &stranger,
                origin,
                &ledger_format::sha256(&(n * 10_000 + i).to_be_bytes()),
            )
        })
        .collect();
    let unknown = serde_json::to_vec(&json!({ "submissions": submissions })).unwrap();
    let oversized = vec![b'['; 17 * 1024 * 1024];
    let malformed = b"{\"submissions\": [{\"submitter\": 12".to_vec();
    let mut i = 0u64;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let body: &[u8] = match i % 10 {
            0 => &oversized,
            1 | 2 => &malformed,
            _ => &unknown,
        };
        let Ok(response) = agent
            .post(&format!("{base}/v1/evidence"))
            .header("content-type", "application/json")
            .send(body)
        else {
            continue;
        };
        match response.status().as_u16() {
            403 => counts.refused_evidence.fetch_add(1, Ordering::Relaxed),
            400 | 413 => counts.refused_bodies.fetch_add(1, Ordering::Relaxed),
            429 | 503 => counts.shed.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
    }
}

/// Connections that send half a request's headers and hold them open (slowloris), more of them
/// than the node allows at once.
fn slow_clients(port: u16, stop: &AtomicBool) {
    let mut held = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        for _ in 0..50 {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = stream.write_all(b"GET /v1/checkpoint HTTP/1.1\r\nHost: a\r\nX-Slow: ");
                held.push(stream);
            }
        }
        // Keep at most a few hundred; the node closes them after its header timeout anyway.
        if held.len() > 300 {
            held.drain(..150);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Raw garbage on the p2p port: connections that are neither libp2p nor a member.
fn p2p_garbage(port: u16, stop: &AtomicBool, counts: &Counts) {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
            continue;
        };
        counts.p2p_connections.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
        let _ = stream.write_all(&garbage);
        let mut answer = [0u8; 256];
        let _ = stream.read(&mut answer);
    }
}

/// The p2p port of `agency`, from its configuration.
fn p2p_port(agency: &Agency) -> u16 {
    let config =
        ledger_node::config::Config::load(&agency.dir.join(ledger_node::config::CONFIG_FILE))
            .unwrap();
    let address = &config.network.listen[0];
    address
        .rsplit('/')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {address}"))
}

/// The size of A's latest checkpoint, as it serves it; 0 when the read was shed.
fn checkpoint_size(a: &Agency) -> u64 {
    let Ok(mut response) = agent().get(&a.url("/v1/checkpoint")).call() else {
        return 0;
    };
    if response.status() != 200 {
        return 0;
    }
    response
        .body_mut()
        .read_to_string()
        .unwrap_or_default()
        .lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .unwrap_or(0)
}
