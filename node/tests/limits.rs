//! The HTTP protections of a real node (docs/operations.md#http), each attacked on its own with raw
//! sockets or plain HTTP against `ledger_node::start` on 127.0.0.1: the two listeners serve only
//! their own routes, slow headers and idle connections are closed, connections beyond the bound
//! are closed at once, requests beyond the in-flight bound get 503 with `Retry-After`, a slow
//! body gets 408, a client over its write rate gets 429 with `Retry-After`, oversized bodies get
//! 413 per route. Each refusal must show in `ledger_http_shed_total{reason}`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ledger_format::testing::ORIGIN;
use ledger_node::clock::SystemClock;
use ledger_node::config::{CONFIG_FILE, Config};
use ledger_node::{RunningNode, init};

struct Node {
    _dir: tempfile::TempDir,
    running: RunningNode,
    token: String,
}

/// A node alone with the HTTP settings `tune` makes.
async fn start(tune: impl FnOnce(&mut Config)) -> Node {
    let dir = tempfile::tempdir().unwrap();
    init::init(dir.path(), ORIGIN, Some("127.0.0.1:0".parse().unwrap())).unwrap();
    let mut config = Config::load(&dir.path().join(CONFIG_FILE)).unwrap();
    tune(&mut config);
    let token = init::read_token(&config.path(&config.token_file)).unwrap();
    let running = ledger_node::start(&config, Arc::new(SystemClock))
        .await
        .unwrap();
    Node {
        _dir: dir,
        running,
        token,
    }
}

/// Sends `request` on a new connection and reads the answer until the node closes it or
/// `within` passes: (status, whole answer).
fn exchange(addr: SocketAddr, request: &[u8], within: Duration) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(within)).unwrap();
    // The node may answer (413) and close before it read a large body: the write then fails, and
    // the answer is still there to read.
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n");
    exchange(addr, request.as_bytes(), Duration::from_secs(10))
}

fn post(addr: SocketAddr, path: &str, token: Option<&str>, body: &[u8]) -> (u16, String) {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: n\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    exchange(addr, &request, Duration::from_secs(10))
}

/// The `ledger_http_shed_total` sample for `reason`.
fn shed(node: &Node, reason: &str) -> f64 {
    let (_, metrics) = get(node.running.admin_addr, "/metrics");
    metrics
        .lines()
        .find(|l| l.starts_with(&format!("ledger_http_shed_total{{reason=\"{reason}\"}}")))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0.0)
}

/// Whether the node closed `stream` (a read answers end of file or a reset) within `within`.
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut byte = [0u8; 512];
    loop {
        match stream.read(&mut byte) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) => {
                return !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_listener_serves_only_its_own_routes() {
    let node = start(|_| {}).await;
    let (public, admin) = (node.running.addr, node.running.admin_addr);
    let token = node.token.clone();
    tokio::task::spawn_blocking(move || {
        let calendar = br#"{"Calendar":{"year":2026,"holidays":[],"makeup_workdays":[]}}"#;
        assert_eq!(
            post(public, "/v1/agency/records", Some(&token), calendar).0,
            404
        );
        assert_eq!(get(public, "/metrics").0, 404);
        assert_eq!(post(public, "/v1/admin/reload", Some(&token), b"").0, 404);
        assert_eq!(
            post(admin, "/v1/agency/records", Some(&token), calendar).0,
            201
        );
        assert_eq!(get(admin, "/metrics").0, 200);
        assert_eq!(get(admin, "/v1/log").0, 404);
        assert_eq!(get(public, "/v1/log").0, 200);
        assert_eq!(get(admin, "/healthz").0, 200);
    })
    .await
    .unwrap();
    node.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_and_idle_connections_are_closed() {
    let node = start(|c| c.http.header_timeout_secs = 1).await;
    let addr = node.running.addr;
    let (slow, idle) = tokio::task::spawn_blocking(move || {
        // Half a request's headers, never finished.
        let mut slow = TcpStream::connect(addr).unwrap();
        slow.write_all(b"GET /v1/log HTTP/1.1\r\nHost: n\r\nX-Slow: ")
            .unwrap();
        let started = Instant::now();
        let slow_closed = closed_within(&mut slow, Duration::from_secs(5));
        let slow_after = started.elapsed();
        // A whole request, then nothing: the keep-alive connection is closed when idle.
        let mut idle = TcpStream::connect(addr).unwrap();
        idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: n\r\n\r\n")
            .unwrap();
        let idle_closed = closed_within(&mut idle, Duration::from_secs(5));
        ((slow_closed, slow_after), idle_closed)
    })
    .await
    .unwrap();
    assert!(slow.0, "a connection with unfinished headers stayed open");
    assert!(
        slow.1 < Duration::from_secs(4),
        "closed only after {:?}",
        slow.1
    );
    assert!(idle, "an idle keep-alive connection stayed open");
    assert!(shed(&node, "timeout") >= 1.0);
    node.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_bound_are_closed_at_once() {
    let node = start(|c| c.http.max_connections = 2).await;
    let addr = node.running.addr;
    tokio::task::spawn_blocking(move || {
        let mut held: Vec<TcpStream> = (0..2)
            .map(|_| {
                let mut s = TcpStream::connect(addr).unwrap();
                s.write_all(b"GET /v1/log HTTP/1.1\r\nHost: n\r\n").unwrap();
                s
            })
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        let mut third = TcpStream::connect(addr).unwrap();
        assert!(
            closed_within(&mut third, Duration::from_secs(2)),
            "a third connection was kept beyond the bound of 2"
        );
        held.clear();
    })
    .await
    .unwrap();
    assert!(shed(&node, "connections") >= 1.0);
    node.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_the_in_flight_bound_get_503_and_a_slow_body_408() {
    let node = start(|c| {
        c.http.max_in_flight = 1;
        c.http.request_timeout_secs = 2;
    })
    .await;
    let addr = node.running.addr;
    let (busy, slow) = tokio::task::spawn_blocking(move || {
        // A request admitted whose body never finishes: it holds the one slot.
        let mut slow = TcpStream::connect(addr).unwrap();
        slow.write_all(
            b"POST /v1/evidence HTTP/1.1\r\nHost: n\r\nContent-Type: application/json\r\n\
              Content-Length: 1000\r\n\r\n{\"submissions\": [",
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let busy = get(addr, "/v1/log");
        slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut answer = vec![0u8; 4096];
        let n = slow.read(&mut answer).unwrap_or(0);
        (busy, String::from_utf8_lossy(&answer[..n]).into_owned())
    })
    .await
    .unwrap();
    assert_eq!(busy.0, 503, "{}", busy.1);
    assert!(
        busy.1.to_ascii_lowercase().contains("retry-after: 1"),
        "{}",
        busy.1
    );
    assert!(slow.starts_with("HTTP/1.1 408"), "{slow}");
    assert!(shed(&node, "overload") >= 1.0);
    assert!(shed(&node, "timeout") >= 1.0);
    // Once the slot is free the node answers again.
    let addr = node.running.addr;
    let status = tokio::task::spawn_blocking(move || get(addr, "/v1/log").0)
        .await
        .unwrap();
    assert_eq!(status, 200);
    node.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_over_its_write_rate_gets_429_and_reads_go_on() {
    let node = start(|c| {
        c.http.write_rate_per_second = 1;
        c.http.write_burst = 2;
    })
    .await;
    let addr = node.running.addr;
    let statuses = tokio::task::spawn_blocking(move || {
        let body = br#"{"submissions": []}"#;
        let writes: Vec<(u16, String)> = (0..4)
            .map(|_| post(addr, "/v1/evidence", None, body))
            .collect();
        let read = get(addr, "/v1/log").0;
        (writes, read)
    })
    .await
    .unwrap();
    let (writes, read) = statuses;
    // The first two (the burst) reach the handler, which refuses an empty batch.
    assert_eq!(writes[0].0, 400);
    assert_eq!(writes[1].0, 400);
    for (status, answer) in &writes[2..] {
        assert_eq!(*status, 429, "{answer}");
        assert!(
            answer.to_ascii_lowercase().contains("retry-after: 1"),
            "{answer}"
        );
    }
    assert_eq!(read, 200, "reads are not rate-limited");
    assert!(shed(&node, "rate") >= 2.0);
    node.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused_per_route() {
    let node = start(|_| {}).await;
    let (public, admin) = (node.running.addr, node.running.admin_addr);
    let token = node.token.clone();
    tokio::task::spawn_blocking(move || {
        let big = vec![b' '; 2 * 1024 * 1024];
        assert_eq!(post(admin, "/v1/agency/records", Some(&token), &big).0, 413);
        let note = vec![b'a'; 100 * 1024];
        assert_eq!(post(public, "/add-checkpoint", None, &note).0, 413);
        // Evidence takes up to 16 MiB: 2 MiB of spaces is read, then refused as JSON.
        assert_eq!(post(public, "/v1/evidence", None, &big).0, 400);
    })
    .await
    .unwrap();
    node.running.stop().await.unwrap();
}
