//! Freshness of an idle network (docs/operations.md#freshness): starts three networked nodes in
//! this process (RocksDB on disk, libp2p and HTTP on loopback), appends one record to each log,
//! then leaves the network without a single write and samples, four times a second, the witnessed
//! time (`as_of`) of the checkpoint every node serves of every log, counted under the policy the
//! network serves. Reports the worst lag `now - as_of` beside the re-cosign interval.
//!
//! Before the idle phase it measures how soon a record is vouched for: `--submits N` times, node
//! 0's agency appends an application for a new certificate code (`POST /v1/agency/records` on the
//! admin listener), and the time until node 0 serves that code's bundle with a quorum of the
//! replicas' cosignatures (verified under the network's policy: verdict `applied`, not
//! `untrusted`) is recorded; p50 and p99 are reported.
//!
//! `cargo run -p ledger-benches --release --bin freshness [-- --recosign-secs 300 --idle-secs 900 --submits 100]`
#![forbid(unsafe_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::Parser;
use ledger_benches::stats::percentile;
use ledger_format::checkpoint::SignedCheckpoint;
use ledger_node::RunningNode;
use ledger_node::clock::SystemClock;
use ledger_node::config::{CONFIG_FILE, Config};

#[derive(Debug, Parser)]
#[command(about = "Worst as_of lag of what an idle three-node network serves")]
struct Args {
    /// The nodes' re-cosign interval, in seconds (the default of a node is 300).
    #[arg(long, default_value_t = 20)]
    recosign_secs: u64,
    /// How long the network stays idle while it is sampled, in seconds.
    #[arg(long, default_value_t = 90)]
    idle_secs: u64,
    /// Records whose submit → bundle-with-quorum latency is measured before the idle phase.
    #[arg(long, default_value_t = 100)]
    submits: u32,
    /// Where the JSON result is written.
    #[arg(long, default_value = "freshness.json")]
    json: std::path::PathBuf,
}

/// GB/T 2260 provinces, one per agency (regions must not overlap).
const REGIONS: [u32; 3] = [110_000, 120_000, 130_000];

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Creates three node directories that list each other in one membership file.
fn create_network(root: &Path, recosign_secs: u64) -> Result<Vec<Config>> {
    let membership = root.join("network.toml");
    let mut text = String::from("quorum = 2\n");
    let mut configs = Vec::new();
    for (i, region) in REGIONS.iter().enumerate() {
        let dir = root.join(format!("node{i}"));
        let origin = format!("ledger.fresh{i}.example/1");
        let listen = "127.0.0.1:0".parse().context("loopback")?;
        let mut config = ledger_node::init::init(&dir, &origin, Some(listen))?.config;
        config.network.listen = vec![format!("/ip4/127.0.0.1/tcp/{}", free_port()?)];
        config.network.membership = Some(membership.clone());
        config.network.recosign_interval_secs = recosign_secs;
        config.network.restore_wait_secs = 1;
        config.regions = vec![*region];
        std::fs::write(dir.join(CONFIG_FILE), config.to_toml())?;
        let entry = ledger_node::init::member_entry(&config, Some(&format!("n{i}")), &[*region])?;
        text.push('\n');
        text.push_str(&entry.to_toml());
        configs.push(Config::load(&dir.join(CONFIG_FILE))?);
    }
    std::fs::write(&membership, text)?;
    Ok(configs)
}

fn get(url: &str) -> Result<String> {
    Ok(ureq::get(url).call()?.body_mut().read_to_string()?)
}

/// The witnessed time of the checkpoint of `origin` that `node` serves, under `policy`.
fn as_of(
    node: &RunningNode,
    origin: &str,
    policy: &ledger_format::bundle::TrustPolicy,
) -> Option<i64> {
    let note = get(&format!("http://{}/v1/checkpoint?log={origin}", node.addr)).ok()?;
    let signed = SignedCheckpoint::parse(&note).ok()?;
    policy.witnessed_time(&signed).ok()
}

/// Appends `count` applications for new certificate codes to `node`'s log, one at a time, and
/// returns, for each, the milliseconds until the node serves the code's bundle with a quorum of
/// cosignatures under `policy`.
fn submit_to_bundle(
    node: &RunningNode,
    config: &Config,
    policy: &ledger_format::bundle::TrustPolicy,
    count: u32,
) -> Result<Vec<f64>> {
    use ledger_format::bundle::{VerdictKind, verify_bundle_bytes};
    use ledger_format::code::{CertificateCode, ObjectKind};
    use ledger_format::record::ApplicationKind;
    let token = ledger_node::init::read_token(&config.path(&config.token_file))?;
    let admin = |path: &str, body: serde_json::Value| -> Result<serde_json::Value> {
        Ok(ureq::post(&format!("http://{}{path}", node.admin_addr))
            .header("authorization", &format!("Bearer {token}"))
            .send_json(body)?
            .body_mut()
            .read_json()?)
    };
    admin(
        "/v1/agency/records",
        serde_json::json!({"Calendar": {"year": 2027, "holidays": [], "makeup_workdays": []}}),
    )?;
    admin(
        "/v1/agency/profile",
        serde_json::json!({"name": "yuxi-2025"}),
    )?;
    let region = config
        .regions
        .first()
        .copied()
        .context("node 0 has a region")?;
    let mut latencies = Vec::new();
    for serial in 1..=u64::from(count) {
        let code = CertificateCode::new(region, 2026, ObjectKind::DataResource, serial)?;
        let body = ledger_format::testing::application(&code, ApplicationKind::First);
        let started = Instant::now();
        admin("/v1/agency/records", serde_json::to_value(&body)?)?;
        let url = format!("http://{}/v1/certificates/{code}/bundle", node.addr);
        loop {
            if started.elapsed() > Duration::from_secs(60) {
                bail!("{code}: no bundle with a quorum within 60 s");
            }
            let bundle = ureq::get(&url)
                .header("accept", "application/octet-stream")
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().with_config().limit(1 << 20).read_to_vec().ok());
            if let Some(bytes) = bundle
                && matches!(
                    verify_bundle_bytes(&bytes, policy, unix_now()).kind,
                    VerdictKind::Applied
                )
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(latencies)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let root = tempfile::Builder::new()
        .prefix("ledger-freshness-")
        .tempdir()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let configs = create_network(root.path(), args.recosign_secs)?;
    let mut nodes = Vec::new();
    for config in &configs {
        nodes.push(runtime.block_on(ledger_node::start(config, Arc::new(SystemClock)))?);
    }
    for (node, config) in nodes.iter().zip(&configs) {
        let token = ledger_node::init::read_token(&config.path(&config.token_file))?;
        ureq::post(&format!("http://{}/v1/agency/records", node.admin_addr))
            .header("authorization", &format!("Bearer {token}"))
            .send_json(serde_json::json!({"Calendar": {"year": 2026, "holidays": [], "makeup_workdays": []}}))?;
    }
    let policy_text = get(&format!("http://{}/v1/policy", nodes[0].addr))?;
    let policy = ledger_client::policy::parse_policy(&policy_text)?;
    let origins: Vec<String> = configs.iter().map(|c| c.origin.clone()).collect();
    let ready = Instant::now();
    eprintln!("waiting for every log to be cosigned by a quorum on every node");
    while !nodes
        .iter()
        .all(|n| origins.iter().all(|o| as_of(n, o, &policy).is_some()))
    {
        if ready.elapsed() > Duration::from_secs(120) {
            bail!("the network did not reach a quorum on every log within 120 s");
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let vouched = submit_to_bundle(&nodes[0], &configs[0], &policy, args.submits)?;
    let (vouched_p50, vouched_p99) = (percentile(&vouched, 50.0), percentile(&vouched, 99.0));
    eprintln!(
        "submit → bundle with a quorum: p50 {vouched_p50:.0} ms, p99 {vouched_p99:.0} ms ({} records)",
        vouched.len()
    );
    eprintln!("idle for {} s, sampling", args.idle_secs);
    let idle = Instant::now();
    let mut lags = Vec::new();
    while idle.elapsed() < Duration::from_secs(args.idle_secs) {
        for node in &nodes {
            for origin in &origins {
                let witnessed = as_of(node, origin, &policy).context("a quorum was lost")?;
                lags.push((unix_now() - witnessed) as f64);
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    for node in nodes {
        runtime.block_on(node.stop())?;
    }
    let worst = lags.iter().copied().fold(0.0, f64::max);
    let median = percentile(&lags, 50.0);
    println!("| re-cosign interval | idle | samples | median as_of lag | worst as_of lag |");
    println!("|---|---|---|---|---|");
    println!(
        "| {} s | {} s | {} | {median:.0} s | {worst:.0} s ({:.2} × interval) |",
        args.recosign_secs,
        args.idle_secs,
        lags.len(),
        worst / args.recosign_secs as f64
    );
    println!(
        "\nsubmit → bundle with a replica quorum's cosignatures: p50 {vouched_p50:.0} ms, p99 \
         {vouched_p99:.0} ms over {} records",
        vouched.len()
    );
    let json = serde_json::json!({
        "submit_to_quorum_bundle_ms": {"p50": vouched_p50, "p99": vouched_p99, "records": vouched.len()},
        "recosign_interval_s": args.recosign_secs,
        "idle_s": args.idle_secs,
        "samples": lags.len(),
        "median_lag_s": median,
        "worst_lag_s": worst,
    });
    std::fs::write(&args.json, serde_json::to_string_pretty(&json)?)?;
    Ok(())
}
