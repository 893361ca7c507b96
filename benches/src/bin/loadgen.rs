//! The load generator: starts a real node (RocksDB on disk, HTTP on loopback), drives it, and
//! reports P1–P7 (docs/benchmarks.md), each beside the floor measured in the same run, as a
//! Markdown table on stdout and as JSON.
//!
//! `cargo run -p ledger-benches --release --bin loadgen` (add `-- --quick` for a smoke run,
//! `-- --only p6` or `-- --only p4` for one alone, `-- --suite sm2-sm3` for logs of that suite).
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;
use ledger_benches::report::{Figure, Machine, Report, human};
use ledger_benches::stats::{percentile, rate};
use ledger_benches::{Scale, catchup, disk, ingest, network, node, offline, proofs};
use ledger_format::suite::Suite;
use ledger_node::store::rocks::RocksOptions;
use ledger_node::store::{LogIdentity, RocksStore, Store};

#[derive(Debug, Parser)]
#[command(about = "Drive a real node and report P1-P7 beside their floors")]
struct Args {
    /// Smoke-run sizes (about a minute) instead of the published ones.
    #[arg(long)]
    quick: bool,
    /// Directory under which the run's data directories are created (and removed afterwards).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Where the JSON report is written.
    #[arg(long, default_value = "loadgen.json")]
    json: PathBuf,
    /// Keep the data directories (their path is printed).
    #[arg(long)]
    keep: bool,
    /// Run only this benchmark: `p1` (with P2, P3, P5 and P7: one node over HTTP and the offline
    /// bundle), `p4` (catch-up over libp2p between two node processes, its floors and the
    /// in-process figure) or `p6` (proof latency, a few minutes at the full scale).
    #[arg(long, value_enum)]
    only: Option<Only>,
    /// Records of the writer's log for P4 (default: 1,000,000; 100,000 with --quick).
    #[arg(long)]
    p4_records: Option<usize>,
    /// The `ledger-node` binary P4 starts (default: the one beside this executable, built by
    /// `cargo build --release -p ledger-node`).
    #[arg(long)]
    node_bin: Option<PathBuf>,
    /// P6: tree hashes the store holds in memory (`RocksOptions::tree_memory_hashes`; default the
    /// node's). 0 holds none: every proof reads all its nodes from RocksDB, as before the
    /// upper levels were kept in memory.
    #[arg(long)]
    tree_memory_hashes: Option<usize>,
    /// The cryptographic suite of the logs under test (P1–P5, P7): the nodes are initialised with
    /// it, the evidence services and witnesses sign with keys of it, and each floor is the same
    /// primitive of the suite. P6's tree is not of a suite's log and stays SHA-256.
    #[arg(long, default_value = "ed25519-sha256", value_parser = parse_suite)]
    suite: Suite,
}

/// Parses `--suite`.
fn parse_suite(name: &str) -> Result<Suite, String> {
    Suite::from_name(name).map_err(|e| e.to_string())
}

/// The benchmarks that run alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Only {
    /// P1 with the figures of the same node and fixture: P2, P3, P5 and P7 (no P4, no P6).
    P1,
    /// P4: catch-up over libp2p between two node processes, beside its floors.
    P4,
    /// P6: proof generation latency at growing tree sizes, and after a full compaction.
    P6,
}

const ORIGIN: &str = "ledger.bench.example/1";
/// Evidence services posting the load; one more posts the P2 probes.
const SERVICES: u8 = 4;

fn step(started: Instant, what: &str) {
    eprintln!("[{:6.1} s] {what}", started.elapsed().as_secs_f64());
}

fn main() -> Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let started_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut scale = if args.quick {
        Scale::quick()
    } else {
        Scale::full()
    };
    if let Some(records) = args.p4_records {
        scale.catchup_records = records;
    }
    let parent = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&parent)?;
    let root_dir = tempfile::Builder::new()
        .prefix("ledger-loadgen-")
        .tempdir_in(&parent)?;
    let machine = Machine::describe(root_dir.path());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut figures = Vec::new();
    let nonce = started_unix.wrapping_mul(1_000_003);
    if args.only.is_none_or(|only| only == Only::P1) {
        figures.extend(p1_to_p5_and_p7(
            &runtime,
            root_dir.path(),
            &scale,
            args.suite,
            started,
            nonce,
        )?);
    }
    if args.only.is_none_or(|only| only == Only::P6) {
        let mut options = RocksOptions::default();
        if let Some(hashes) = args.tree_memory_hashes {
            options.tree_memory_hashes = hashes;
        }
        figures.extend(p6(root_dir.path(), &scale, &options, started)?);
    }
    drop(runtime);
    if args.only.is_none_or(|only| only == Only::P4) {
        figures.extend(p4(root_dir.path(), &args, &scale, nonce ^ 0xC47C, started)?);
    }
    finish(
        &args,
        root_dir,
        scale,
        machine,
        started,
        started_unix,
        figures,
    )
}

/// How a node checks the signatures of `suite` (P1, P4 notes).
fn signature_check(suite: Suite) -> &'static str {
    match suite {
        Suite::Ed25519Sha256 => "ZIP-215, in batches of 256",
        Suite::Sm2Sm3 => "SM2, one by one in chunks of 256, as SM2 has no batch equation",
    }
}

/// The P4 floor of `suite`: the mirrors' own signature step on every core.
fn p4_floor_name(suite: Suite) -> &'static str {
    match suite {
        Suite::Ed25519Sha256 => {
            "ZIP-215 decode + batch verify (parallel::verify_records), all cores"
        }
        Suite::Sm2Sm3 => "decode + SM2 verify one by one (parallel::verify_records), all cores",
    }
}

/// P1, P2, P3, P5 and P7: a node of `suite` driven over HTTP, the offline verifier, the store's
/// size. `nonce` makes the run's hashes its own.
fn p1_to_p5_and_p7(
    runtime: &tokio::runtime::Runtime,
    root: &Path,
    scale: &Scale,
    suite: Suite,
    started: Instant,
    nonce: u64,
) -> Result<Vec<Figure>> {
    let mut figures = Vec::new();
    // P1 and P2 against one node.
    step(started, &format!("starting node 1 ({})", suite.name()));
    let node = runtime.block_on(node::BenchNode::create(&root.join("node1"), ORIGIN, suite))?;
    let keys = ingest::services(suite, SERVICES + 1)?;
    for (n, key) in keys.iter().enumerate() {
        node::register_submitter(&node.admin, &node.token, key, &format!("存证服务 {n}"))?;
    }
    let registry_records = keys.len() as u64;
    step(started, "signing the load (client side, untimed)");
    let load = &keys[..usize::from(SERVICES)];
    let bodies = ingest::signed_bodies(
        ORIGIN,
        load,
        nonce,
        0,
        scale.ingest_hashes,
        scale.ingest_batch,
    )?;
    let background_total = scale.latency_background_per_second * scale.latency_seconds as usize;
    let background = ingest::signed_bodies(
        ORIGIN,
        load,
        nonce,
        1 << 40,
        background_total,
        (scale.latency_background_per_second / 10).max(1),
    )?;
    step(started, "P1: ingesting through POST /v1/evidence");
    let ingested = ingest::ingest(&node.base, Arc::new(bodies), scale.ingest_connections)?;
    if ingested.hashes != scale.ingest_hashes {
        bail!(
            "P1: {} receipts for {} hashes",
            ingested.hashes,
            scale.ingest_hashes
        );
    }
    step(started, "P2: probes under background load");
    let probes = ingest::submit_to_checkpoint(
        &node.base,
        ORIGIN,
        &node.policy_text,
        background,
        &ingest::Probing {
            per_second: scale.latency_probes_per_second,
            seconds: scale.latency_seconds,
            prober: keys[usize::from(SERVICES)].clone(),
            nonce: nonce ^ 0x5EED,
        },
    );
    if let Err(e) = &probes {
        step(started, &format!("P2 not measured: {e:#}"));
    }
    let db_path = runtime.block_on(node.stop())?;

    // P1's floor: the same record bytes, raw.
    let store = RocksStore::open(&db_path, ORIGIN)?;
    let tip = store.tip()?;
    step(
        started,
        "P1 floor: raw synced RocksDB writes of the same records",
    );
    let mut records = Vec::with_capacity(scale.ingest_hashes);
    let p1_end = registry_records + scale.ingest_hashes as u64;
    while (records.len() as u64) < scale.ingest_hashes as u64 {
        let start = registry_records + records.len() as u64;
        records.extend(store.records(start, p1_end)?);
    }
    let record_bytes: usize = records.iter().map(Vec::len).sum();
    let floor_elapsed =
        ingest::raw_rocksdb_floor(&root.join("floor-rocksdb"), &records, scale.ingest_batch)?;
    drop(records);
    let p1 = rate(ingested.hashes, ingested.elapsed);
    let p1_floor = rate(scale.ingest_hashes, floor_elapsed);
    figures.push(
        Figure::new("P1", "durable evidence ingest, HTTP batch API", p1, "hashes/s")
            .with_floor("raw RocksDB synced write batches of the same records", p1_floor)
            .with_detail(format!(
                "{} hashes in {:.1} s; batches of {} on {} connections; request p50 {:.0} ms, p99 {:.0} ms",
                ingested.hashes,
                ingested.elapsed.as_secs_f64(),
                scale.ingest_batch,
                scale.ingest_connections,
                percentile(&ingested.request_seconds, 50.0) * 1e3,
                percentile(&ingested.request_seconds, 99.0) * 1e3,
            ))
            .with_target(
                "≥ 100,000/s and ≥ 0.3× floor",
                p1 >= 100_000.0 && p1 >= 0.3 * p1_floor,
            )
            .with_note(format!(
                "{} log; every hash signed by a registered service (client side, before \
                 timing); the node checks each signature ({}) and the evidence index, then \
                 answers after the synced group commit. Floor: the {record_bytes} bytes of \
                 canonical records the node stored for these hashes, keyed by index, {} per synced \
                 WriteBatch, default RocksDB options, one writer thread",
                suite.name(),
                signature_check(suite),
                scale.ingest_batch
            )),
    );

    figures.push(p2_figure(scale, probes));

    drop(store);

    // P7: the store of node 1, compacted.
    step(started, "P7: compacting node 1's store");
    let usage = disk::compacted_usage(&db_path)?;
    let p7 = usage.total_sst_bytes as f64 / tip.size as f64;
    let breakdown: Vec<String> = usage
        .column_families
        .iter()
        .filter(|(_, b)| *b > 0)
        .map(|(n, b)| format!("{n} {:.0}", *b as f64 / tip.size as f64))
        .collect();
    figures.push(
        Figure::new(
            "P7",
            "bytes on disk per evidence record, after compaction",
            p7,
            "B",
        )
        .with_detail(format!(
            "{} records ({} registry); {}",
            tip.size,
            registry_records,
            breakdown.join(", ")
        ))
        .with_target("≤ 200 B", p7 <= 200.0)
        .with_note(
            "SST bytes of every column family of node 1's store (P1 and P2 records, checkpoints \
                 and status map included) after a full compaction with the options the node \
                 persisted, divided by the records",
        ),
    );

    // P5 and P3: the offline bundle.
    step(started, "P5: building a status map and a cosigned bundle");
    let fixture = offline::bundle_fixture(suite, scale.map_keys, 1_000)?;
    let at_1e8 = offline::estimate_size(&fixture, 1e8);
    let at_1e6 = offline::estimate_size(&fixture, 1e6);
    let measured_1e6 = scale.map_keys == 1_000_000;
    figures.push(
        Figure::new(
            "P5",
            "bundle size at 10^8 records, 3 cosignatures",
            at_1e8.typical_bytes,
            "B",
        )
        .with_detail(format!(
            "deepest sampled key {:.0} B; at 10^6 {} {} B (map proof depth {}, {} siblings); \
             mean depth at 10^8 {:.1}",
            at_1e8.worst_bytes,
            if measured_1e6 { "measured" } else { "computed" },
            if measured_1e6 {
                fixture.bytes.len() as f64
            } else {
                at_1e6.typical_bytes
            },
            fixture.bundle.map_proof.depth,
            fixture.bundle.map_proof.siblings.len(),
            at_1e8.mean_depth,
        ))
        .with_target("≤ 1,500 B", at_1e8.typical_bytes <= 1500.0)
        .with_note(format!(
            "QR form (state, status-map proof, compact checkpoint with the log signature and 3 \
             witness cosignatures), built for real over a status map of {} certificates (every \
             record a certificate: the worst case for the map); 10^8 computed from the measured \
             proof depth: log2(10^8/{}) more 32-byte siblings",
            fixture.keys, fixture.keys
        )),
    );

    step(started, "P3: offline bundle verification, one core");
    let bundles = offline::bundles_per_second(&fixture, scale.offline_seconds);
    let raw = offline::raw_signature_bundles_per_second(&fixture, scale.offline_seconds)?;
    figures.push(
        Figure::new(
            "P3",
            "offline bundle verification, per core",
            bundles,
            "bundles/s",
        )
        .with_floor(&offline::raw_floor_name(suite), raw)
        .with_detail(format!(
            "{} B bundle, {}",
            fixture.bytes.len(),
            suite.name()
        ))
        .with_target("≥ 0.8× floor", bundles >= 0.8 * raw)
        .with_note(
            "ledger_format::bundle::verify_bundle_bytes on one thread (decode, log signature, 3 \
                 cosignatures, quorum 3, status-map proof, validity dates)",
        ),
    );

    Ok(figures)
}

/// P2 from its probes, or a figure that says why it was not measured.
fn p2_figure(scale: &Scale, probes: Result<Vec<ingest::Probe>>) -> Figure {
    let figure = Figure::new(
        "P2",
        "submit → covered by a signed checkpoint, p99",
        f64::NAN,
        "s",
    );
    let probes = match probes {
        Ok(probes) => probes,
        Err(e) => {
            return figure
                .with_detail(format!("not measured: {e:#}"))
                .with_target("p99 ≤ 1.5 s", false);
        }
    };
    let latencies: Vec<f64> = probes.iter().map(|p| p.seconds).collect();
    let p2_p99 = percentile(&latencies, 99.0);
    Figure {
        value: p2_p99,
        ..figure
    }
    .with_detail(format!(
        "p50 {:.3} s, max {:.3} s; {} probes at {}/s under {} hashes/s background",
        percentile(&latencies, 50.0),
        percentile(&latencies, 100.0),
        latencies.len(),
        scale.latency_probes_per_second,
        scale.latency_background_per_second
    ))
    .with_target("p99 ≤ 1.5 s", p2_p99 <= 1.5)
    .with_note(
        "one hash POSTed, then GET …/receipt?wait=true until the receipt is served; every \
         receipt verified offline against the node's policy.txt. Checkpoint interval: the \
         default 1 s",
    )
}

/// P6: proofs from a RocksDB tree of growing size, and after a full compaction.
fn p6(root: &Path, scale: &Scale, options: &RocksOptions, started: Instant) -> Result<Vec<Figure>> {
    let mut figures = Vec::new();
    // P6: proofs from a RocksDB tree of growing size.
    step(started, "P6: growing a tree in RocksDB and timing proofs");
    let latencies = proofs::proof_latencies(
        &root.join("proofs-db"),
        &scale.proof_sizes,
        scale.proofs_per_size,
        options,
    )?;
    let first = latencies.first().context("no proof sizes")?.clone();
    for l in &latencies {
        let growth = l.inclusion_p50_us / first.inclusion_p50_us;
        let p99 = l.inclusion_p99_us.max(l.consistency_p99_us);
        let flat = l.inclusion_p50_us <= first.inclusion_p50_us * 1.2
            && l.consistency_p50_us <= first.consistency_p50_us * 1.2;
        let (id, when, note) = if l.compacted {
            (
                format!("P6@{}c", exponent(l.size)),
                ", after a full compaction",
                "the same store closed, fully compacted with its persisted options, reopened \
                 (cold block cache); same proof counts"
                    .to_owned(),
            )
        } else {
            (
                format!("P6@{}", exponent(l.size)),
                "",
                format!(
                    "{} proofs of each kind at random positions (consistency from a random \
                     earlier size), through the node's TreeReader over its RocksStore (the API's \
                     path, without HTTP), right after growing the tree ({:.0} s of synced \
                     100,000-leaf writes); {} tree hashes held in memory at most",
                    scale.proofs_per_size, l.grow_seconds, options.tree_memory_hashes
                ),
            )
        };
        figures.push(
            Figure::new(
                &id,
                &format!(
                    "inclusion proof generation at {} leaves{when}, p50",
                    human(l.size as f64)
                ),
                l.inclusion_p50_us,
                "µs",
            )
            .with_detail(format!(
                "inclusion p99 {:.0} µs; consistency p50 {:.0} µs, p99 {:.0} µs; {:.2}× the \
                 p50 at {}",
                l.inclusion_p99_us,
                l.consistency_p50_us,
                l.consistency_p99_us,
                growth,
                human(first.size as f64)
            ))
            .with_target(
                "p50 within 20% of the smallest size; p99 ≤ 1 ms",
                flat && p99 <= 1000.0,
            )
            .with_note(note),
        );
    }

    Ok(figures)
}

/// Prints the report and writes its JSON.
fn finish(
    args: &Args,
    root: tempfile::TempDir,
    scale: Scale,
    machine: Machine,
    started: Instant,
    started_unix: u64,
    mut figures: Vec<Figure>,
) -> Result<()> {
    figures.sort_by(|a, b| a.id.cmp(&b.id));
    let report = Report {
        command: std::env::args().collect::<Vec<_>>().join(" "),
        scale,
        suite: args.suite,
        machine,
        started_unix,
        wall_seconds: started.elapsed().as_secs_f64(),
        figures,
    };
    println!("{}", report.table());
    println!("{}", report.notes());
    println!(
        "machine: {} ({} cores, {} GiB), kernel {}, data on {}, load at start {}; wall time {:.0} s",
        report.machine.cpu,
        report.machine.cores,
        report.machine.memory_gib,
        report.machine.kernel,
        report.machine.data_fs,
        report.machine.load_at_start,
        report.wall_seconds
    );
    std::fs::write(&args.json, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("writing {}", args.json.display()))?;
    eprintln!("wrote {}", args.json.display());
    if args.keep {
        eprintln!("data kept in {}", root.keep().display());
    }
    Ok(())
}

/// P4: the writer's log filled through its HTTP API, then caught up over libp2p by a second node
/// process; beside it the same run's floors (the mirrors' own signature step, and the ledger's
/// batch verification alone, on every core) and the in-process catch-up of the same records.
fn p4(
    root: &std::path::Path,
    args: &Args,
    scale: &Scale,
    nonce: u64,
    started: Instant,
) -> Result<Vec<Figure>> {
    let binary = match &args.node_bin {
        Some(bin) => bin.clone(),
        None => network::node_binary_beside_me()?,
    };
    let dir = root.join("p4");
    std::fs::create_dir_all(&dir)?;
    let (mut writer, mut mirror) = network::create_pair(&dir, &binary, args.suite)?;
    step(started, "P4: starting the writer node process");
    writer.start()?;
    step(
        started,
        &format!(
            "P4: filling the writer's log with {} records through its HTTP API",
            scale.catchup_records
        ),
    );
    let size = network::fill_log(&writer, args.suite, scale.catchup_records, nonce)?;
    step(
        started,
        &format!("P4: starting the mirror node process; catching up {size} records over libp2p"),
    );
    let caught = network::time_catch_up(
        &writer,
        &mut mirror,
        size,
        std::time::Duration::from_secs(900),
    )?;
    step(started, "P4: caught up; stopping both nodes");
    mirror.stop()?;
    writer.stop()?;
    if !caught.root_matches {
        bail!("P4: the mirror's checkpoint root differs from the writer's");
    }
    if caught.rejected > 0.0 {
        bail!("P4: the mirror refused {} ranges", caught.rejected);
    }
    let config =
        ledger_node::config::Config::load(&writer.dir.join(ledger_node::config::CONFIG_FILE))?;
    let store = RocksStore::open(config.path(&config.db_dir), network::WRITER_ORIGIN)?;
    step(
        started,
        "P4 floors: the same records' signatures, all cores",
    );
    let floors = catchup::signature_floors(&store)?;
    step(started, "P4 in-process: verify + store into a second store");
    let dest = RocksStore::create(
        dir.join("in-process-db"),
        LogIdentity {
            origin: network::WRITER_ORIGIN.into(),
            genesis_key: store.identity()?.genesis_key,
        },
    )?;
    let local = catchup::verify_and_store(&store, &dest)?;
    if !local.root_matches {
        bail!("P4: the second store's tree differs from the first's");
    }
    drop((dest, store));
    let p4 = rate(caught.records as usize, caught.elapsed);
    let floor = rate(floors.signatures as usize, floors.records);
    let batch_floor = rate(floors.signatures as usize, floors.batch);
    let seconds = caught.elapsed.as_secs_f64();
    let net = Figure::new(
        "P4",
        "catch-up with full verification over libp2p, two node processes",
        p4,
        "records/s",
    )
    .with_floor(p4_floor_name(args.suite), floor)
    .with_detail(format!(
        "{} records in {seconds:.1} s ({:.1} s from the mirror process's start); CPU during the \
         catch-up: mirror {:.1} s, writer {:.1} s ({:.2} of 2 cores), {:.1} µs per record \
         against {:.1} µs for the floor; keys::verify_batch alone on all cores: \
         {batch_floor:.0} /s",
        caught.records,
        caught.from_start.as_secs_f64(),
        caught.mirror_cpu.as_secs_f64(),
        caught.writer_cpu.as_secs_f64(),
        (caught.mirror_cpu + caught.writer_cpu).as_secs_f64() / seconds.max(1e-9),
        per_record(caught.mirror_cpu + caught.writer_cpu, caught.records),
        per_record(floors.records_cpu, floors.signatures),
    ))
    .with_target("≥ 50,000/s", p4 >= 50_000.0)
    .with_note(format!(
        "two release `ledger-node` processes on loopback (TCP, Noise, Yamux), membership of two, \
         both logs {}; the writer's log filled through POST /v1/evidence beforehand; the mirror's \
         GET /v1/logs sampled every 20 ms from its first mirrored record until it held the \
         writer's size under a checkpoint of that size; its checkpoint root equals the writer's, \
         no range refused. Every record verified (signatures: {}, on every core; the replay's \
         other checks, consistency proofs, status-map root) and stored in synced writes",
        args.suite.name(),
        signature_check(args.suite),
    ));
    let local_rate = rate(local.records as usize, local.elapsed);
    let in_process = Figure::new(
        "P4-local",
        "catch-up with full verification, in-process (no network)",
        local_rate,
        "records/s",
    )
    .with_floor(p4_floor_name(args.suite), floor)
    .with_detail(format!(
        "{} records in {:.1} s; busy: read {:.1} s, verify {:.1} s, replay {:.1} s, write {:.1} s",
        local.records,
        local.elapsed.as_secs_f64(),
        local.read.as_secs_f64(),
        local.verify.as_secs_f64(),
        local.replay.as_secs_f64(),
        local.write.as_secs_f64(),
    ))
    .with_note(
        "the writer's records read from its RocksDB, their signatures checked as the mirrors \
         check them (ledger_node::parallel::verify_records), replayed with \
         ledger_format::replay::LogReplay and written with tree nodes and indexes into a second \
         RocksStore in synced batches; read, verify + replay, and write run as a 3-thread \
         pipeline",
    );
    Ok(vec![net, in_process])
}

/// Microseconds of `cpu` per one of `count` records.
fn per_record(cpu: std::time::Duration, count: u64) -> f64 {
    cpu.as_secs_f64() * 1e6 / count.max(1) as f64
}

/// `1e5` for 100,000 (sizes that are powers of ten), else the number.
fn exponent(size: u64) -> String {
    let log = (size as f64).log10();
    if (log - log.round()).abs() < 1e-9 {
        format!("1e{}", log.round())
    } else {
        size.to_string()
    }
}
