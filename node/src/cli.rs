//! The command line of `ledger-node`: parse, then call the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use ledger_format::Canonical;
use ledger_format::code::{CertificateCode, CreditCode};
use ledger_format::keys::PublicKey;
use ledger_format::record::{Body, SubmitterAdded, SubmitterRemoved};
use ledger_node::clock::{Clock, SystemClock};
use ledger_node::config::{CONFIG_FILE, Config};
use ledger_node::metrics::Metrics;
use ledger_node::sequencer::Sequencer;
use ledger_node::store::{RocksStore, Store, StoreError};
use ledger_node::{audit, export, init};

/// Longest wait for the running node's answer to an admin call (a rotation waits for one group
/// commit and two checkpoints: well under a second on a healthy node).
const ADMIN_CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The origin a node gets when `run` finds no configuration (a local development log).
const DEV_ORIGIN: &str = "ledger.dev.local/1";

/// The registration agency's node: a durable, signed, append-only log.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Args {
    /// The node's directory (configuration, keys, RocksDB).
    #[arg(long, global = true, default_value = "ledger-data")]
    pub data_dir: PathBuf,
    /// Logs as JSON lines instead of text.
    #[arg(long, global = true)]
    pub log_json: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Creates a node: agency key and token (mode 0600), config.toml, an empty store, policy.txt.
    Init {
        /// The log's origin, e.g. `ledger.yuxi.example/2026`.
        #[arg(long)]
        origin: String,
        /// HTTP address of the public API (default 127.0.0.1:8180).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// HTTP address of the agency and admin routes and `/metrics` (default 127.0.0.1:8182;
        /// keep it off the public network).
        #[arg(long)]
        admin_listen: Option<std::net::SocketAddr>,
        /// libp2p address to listen on (default /ip4/127.0.0.1/tcp/8181).
        #[arg(long)]
        p2p_listen: Option<String>,
        /// The network's membership file (relative to the node's directory, or absolute).
        #[arg(long)]
        membership: Option<PathBuf>,
        /// A GB/T 2260 division whose certificate codes the log issues, e.g. 530400; repeat for
        /// several. Without any, a node running alone accepts codes of every region (in a
        /// network, the membership file's entry says).
        #[arg(long = "region", value_name = "GB2260")]
        regions: Vec<u32>,
        /// The log's cryptographic suite, for its whole life: `ed25519-sha256` (Ed25519 and
        /// SHA-256) or `sm2-sm3` (the national algorithms SM2 and SM3, GB/T 32918 and 32905).
        #[arg(long, default_value = "ed25519-sha256", value_parser = parse_suite)]
        suite: ledger_format::suite::Suite,
        /// Keep the log key in a hardware security module: a TOML file naming the PKCS#11 module,
        /// token, key label and PIN source (docs/operations.md). The module's existing key becomes
        /// the log's key; no agency.key is written.
        #[arg(long, value_name = "FILE")]
        log_key_hsm: Option<PathBuf>,
    },
    /// Prints this node's `[[agency]]` entry for the network's membership file.
    Member {
        /// A short name for people (default: the origin's first label).
        #[arg(long)]
        name: Option<String>,
        /// A GB/T 2260 division whose certificate codes the agency issues, e.g. 530400; repeat
        /// for several (default: the regions given to `init`).
        #[arg(long = "region", value_name = "GB2260")]
        regions: Vec<u32>,
    },
    /// Runs the node (creating a development node first if the directory has none).
    Run {
        /// Moves the node's clock forward by this many days: every record and checkpoint is
        /// dated accordingly. For demonstrations of the working-day rules; only in development
        /// builds (`cargo run` without `--release`), never in a node that serves a network:
        /// replicas refuse records dated ahead of their own clocks.
        #[cfg(debug_assertions)]
        #[arg(long, default_value_t = 0)]
        clock_offset_days: i64,
    },
    /// Re-verifies the whole store: every record, the tree, every checkpoint, the status map.
    Audit,
    /// Writes the offline bundle of a certificate.
    ExportBundle {
        /// The certificate code.
        code: String,
        /// Includes the certificate's records with their inclusion proofs.
        #[arg(long)]
        records: bool,
        /// Output file (default: CODE.bundle).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Copies a consistent image of the store to a new directory (a RocksDB checkpoint).
    Backup {
        /// The target directory (must not exist).
        target: PathBuf,
    },
    /// Manages the evidence services allowed to submit (each change is a record of the log).
    #[command(subcommand)]
    Submitters(SubmittersCommand),
    /// Manages the officers: named API credentials with a role (docs/operations.md#officers).
    /// Changes are written to the officer registry and count from the running node's next
    /// request.
    #[command(subcommand)]
    Officer(OfficerCommand),
    /// Has the running node read its membership file again (as SIGHUP does): the new file is
    /// checked in full and put in force at once, or refused with the reason.
    Reload,
    /// Rotates one of the node's keys: the log key (docs/operations.md#rotating-a-log-key)
    /// unless `--witness` is given. The log key: writes the next key beside the current one
    /// (mode 0600), then has the node append a KeyRotation record signed by the old key and
    /// naming the new one; a running node is asked over HTTP with the agency token (it loads the
    /// new key from its own key directory), a stopped node's store is written directly.
    RotateKey {
        /// Rotates the witness key instead: writes the next key beside the current one (mode
        /// 0600) and prints this node's membership entry listing both, to distribute to every
        /// node. The node cosigns with the new key once the membership lists it and its window
        /// has begun.
        #[arg(long)]
        witness: bool,
        /// When the new witness key takes over (RFC 3339 or Unix seconds). Default: 24 hours
        /// from now, time to distribute the membership to every node and every verifier.
        #[arg(long, value_name = "TIME", requires = "witness")]
        at: Option<String>,
    },
}

/// How long after `rotate-key --witness` the new key takes over by default: a day to distribute
/// the membership file to every node and the policy to verifiers.
const WITNESS_ROTATION_DELAY_SECONDS: i64 = 86_400;

/// Submitter registry commands (the node must be stopped: they write through their own sequencer).
#[derive(Debug, Subcommand)]
pub enum SubmittersCommand {
    /// Lists the registered evidence services.
    List,
    /// Registers an evidence service's Ed25519 key.
    Add {
        /// The key, 64 hex digits.
        #[arg(long)]
        key: String,
        /// The service's name.
        #[arg(long)]
        name: String,
        /// The service's unified social credit code.
        #[arg(long)]
        credit_code: String,
    },
    /// Withdraws an evidence service's key.
    Remove {
        /// The key, 64 hex digits.
        #[arg(long)]
        key: String,
    },
}

/// Officer registry commands (the node may be running: it reads the registry on each request).
#[derive(Debug, Subcommand)]
pub enum OfficerCommand {
    /// Lists the officers: id, role, state, name and the commitment their records carry.
    List,
    /// Adds an officer and prints its new bearer token, once: the registry keeps only its hash.
    Add {
        /// The identifier committed in the officer's records, e.g. `yx-registrar-07`.
        #[arg(long)]
        id: String,
        /// The officer's name, for people.
        #[arg(long)]
        name: String,
        /// registrar, reviewer or administrator.
        #[arg(long)]
        role: ledger_node::officers::Role,
    },
    /// Revokes an officer's credential from now on (its records keep naming it).
    Revoke {
        /// The officer's identifier.
        #[arg(long)]
        id: String,
    },
}

/// Sets up `tracing` (RUST_LOG filters; default `info`).
pub fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Runs one command.
pub async fn dispatch(args: Args) -> anyhow::Result<ExitCode> {
    let dir = args.data_dir;
    match args.command {
        Command::Init {
            origin,
            listen,
            admin_listen,
            p2p_listen,
            membership,
            regions,
            suite,
            log_key_hsm,
        } => {
            let hsm = log_key_hsm
                .map(|path| -> anyhow::Result<ledger_hsm::HsmKeyConfig> {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
                })
                .transpose()?;
            let mut made = init::init_with(&dir, &origin, listen, suite, hsm)
                .with_context(|| format!("initialising a node in {}", dir.display()))?;
            if let Some(address) = admin_listen {
                made.config.http.admin_listen = address;
                let path = dir.join(CONFIG_FILE);
                std::fs::write(&path, made.config.to_toml())
                    .with_context(|| format!("writing {}", path.display()))?;
                load_config(&dir)?;
            }
            if !regions.is_empty() {
                for region in &regions {
                    anyhow::ensure!(
                        ledger_format::code::is_region_code(*region),
                        "--region {region}: not a GB/T 2260 division code"
                    );
                }
                made.config.regions = regions;
                init::write_own_policy(&made.config, &made.verifier_key)?;
            }
            if p2p_listen.is_some() || membership.is_some() || !made.config.regions.is_empty() {
                if let Some(address) = p2p_listen {
                    made.config.network.listen = vec![address];
                }
                made.config.network.membership = membership;
                let path = dir.join(CONFIG_FILE);
                std::fs::write(&path, made.config.to_toml())
                    .with_context(|| format!("writing {}", path.display()))?;
                load_config(&dir)?;
            }
            print_init(&made);
        }
        Command::Member { name, regions } => {
            let config = load_config(&dir)?;
            let regions = if regions.is_empty() {
                config.regions.clone()
            } else {
                regions
            };
            anyhow::ensure!(
                !regions.is_empty(),
                "give the regions the agency issues for: --region <GB/T 2260 code> (or init --region)"
            );
            let entry = init::member_entry(&config, name.as_deref(), &regions)
                .context("reading the node's keys")?;
            print!("{}", entry.to_toml());
        }
        #[cfg(debug_assertions)]
        Command::Run { clock_offset_days } => run(&dir, clock_offset_days).await?,
        #[cfg(not(debug_assertions))]
        Command::Run {} => run(&dir, 0).await?,
        Command::Audit => return audit_store(&dir),
        Command::ExportBundle {
            code,
            records,
            output,
        } => export_bundle(&dir, &code, records, output)?,
        Command::Backup { target } => {
            let (_, store) = open(&dir)?;
            store
                .backup(&target)
                .with_context(|| format!("backing up to {}", target.display()))?;
            println!("backup written to {}", target.display());
        }
        Command::Submitters(command) => submitters(&dir, command).await?,
        Command::Officer(command) => officer(&dir, command)?,
        Command::Reload => reload(&dir).await?,
        Command::RotateKey { witness: false, .. } => rotate_key(&dir).await?,
        Command::RotateKey { witness: true, at } => rotate_witness_key(&dir, at.as_deref())?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_init(made: &init::Initialized) {
    let config = &made.config;
    println!("created a node for log {}", config.origin);
    println!(
        "  configuration  {}",
        config.base_dir.join(CONFIG_FILE).display()
    );
    println!(
        "  agency key     {} (mode 0600, keep it secret)",
        config.path(&config.key_file).display()
    );
    println!(
        "  agency token   {} (mode 0600)",
        config.path(&config.token_file).display()
    );
    println!("  verifier key   {}", made.verifier_key);
    println!(
        "  trust policy   {} (give it to verifiers)",
        made.policy_path.display()
    );
}

fn load_config(dir: &Path) -> anyhow::Result<Config> {
    let path = dir.join(CONFIG_FILE);
    Config::load(&path).with_context(|| format!("loading {}", path.display()))
}

fn open(dir: &Path) -> anyhow::Result<(Config, RocksStore)> {
    let config = load_config(dir)?;
    let db = config.path(&config.db_dir);
    let store = RocksStore::open(&db, &config.origin).with_context(|| {
        format!(
            "opening the store at {} (is the node running? stop it first)",
            db.display()
        )
    })?;
    Ok((config, store))
}

/// A clock shifted by a number of days (demonstrations only).
#[derive(Debug)]
struct OffsetClock(i64);

impl Clock for OffsetClock {
    fn now(&self) -> i64 {
        SystemClock.now() + self.0
    }
}

async fn run(dir: &Path, clock_offset_days: i64) -> anyhow::Result<()> {
    if !dir.join(CONFIG_FILE).exists() {
        tracing::info!(dir = %dir.display(), origin = DEV_ORIGIN, "no node here: creating a development node");
        let made = init::init(dir, DEV_ORIGIN, None)
            .with_context(|| format!("initialising a node in {}", dir.display()))?;
        print_init(&made);
    }
    let config = load_config(dir)?;
    let clock: Arc<dyn Clock> = if clock_offset_days == 0 {
        Arc::new(SystemClock)
    } else {
        tracing::warn!(
            clock_offset_days,
            "the node's clock is shifted: for demonstrations only"
        );
        Arc::new(OffsetClock(clock_offset_days * 86_400))
    };
    let node = ledger_node::start(&config, clock).await?;
    println!(
        "ledger-node listening on http://{} (log {}); agency and admin routes on http://{}",
        node.addr, config.origin, node.admin_addr
    );
    let reloads = node.reloader().map(|r| tokio::spawn(reload_on_hangup(r)));
    shutdown_signal().await;
    if let Some(task) = reloads {
        task.abort();
        let _ = task.await;
    }
    tracing::info!("stopping");
    node.stop().await?;
    Ok(())
}

async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// Reloads the membership on every SIGHUP (the outcome is logged and counted by the reloader).
async fn reload_on_hangup(reloader: ledger_node::reload::Reloader) {
    let kind = tokio::signal::unix::SignalKind::hangup();
    let Ok(mut hangups) = tokio::signal::unix::signal(kind) else {
        tracing::warn!("cannot listen for SIGHUP: reload with `ledger-node reload`");
        return;
    };
    while hangups.recv().await.is_some() {
        tracing::info!("SIGHUP: reloading the membership");
        let reloader = reloader.clone();
        let _ = tokio::task::spawn_blocking(move || reloader.reload()).await;
    }
}

/// `ledger-node officer …`: reads the registry (created from the agency token when absent),
/// changes it, and writes it back atomically.
fn officer(dir: &Path, command: OfficerCommand) -> anyhow::Result<()> {
    use ledger_node::officers::Registry;
    let config = load_config(dir)?;
    let path = config.path(&config.officers_file);
    ledger_node::open_officers(&config)?;
    let mut registry =
        Registry::load(&path).with_context(|| format!("reading {}", path.display()))?;
    match command {
        OfficerCommand::List => {
            let officers = registry
                .officers(&config.origin, config.suite)
                .map_err(anyhow::Error::msg)?;
            for (entry, officer) in registry.officers.iter().zip(officers) {
                let state = entry
                    .revoked
                    .as_deref()
                    .map_or_else(|| "valid".to_owned(), |at| format!("revoked {at}"));
                println!(
                    "{}  {}  {state}  {}  commitment {}",
                    entry.id,
                    entry.role.name(),
                    entry.name,
                    officer.commitment
                );
            }
            return Ok(());
        }
        OfficerCommand::Add { id, name, role } => {
            let token = registry.add(&id, &name, role)?;
            registry.save(&path)?;
            println!(
                "officer {id} added as {}; its bearer token (shown once, keep it secret):",
                role.name()
            );
            println!("{token}");
        }
        OfficerCommand::Revoke { id } => {
            registry.revoke(&id, SystemClock.now())?;
            registry.save(&path)?;
            println!(
                "officer {id} revoked: the running node refuses its token from its next request"
            );
        }
    }
    Ok(())
}

/// `ledger-node reload`: `POST /v1/admin/reload` to the running node with the agency token.
async fn reload(dir: &Path) -> anyhow::Result<()> {
    let config = load_config(dir)?;
    let token = init::read_token(&config.path(&config.token_file))?;
    let mut addr = config.http.admin_listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let (status, body) =
        tokio::task::spawn_blocking(move || post_empty(addr, "/v1/admin/reload", &token))
            .await
            .context("reload task failed")?
            .with_context(|| format!("calling the node at http://{addr} (is it running?)"))?;
    if status != 200 {
        bail!("refused ({status}): {body}");
    }
    println!("membership reloaded: {body}");
    Ok(())
}

/// A bodiless `POST` with the bearer token over plain HTTP/1.1; the status and the body.
fn post_empty(
    addr: std::net::SocketAddr,
    path: &str,
    token: &str,
) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect_timeout(&addr, HTTP_TIMEOUT)?;
    stream.set_read_timeout(Some(HTTP_TIMEOUT))?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Ok((status, body.trim().to_owned()))
}

/// How long `ledger-node reload` waits for the node (a reload opens new members' stores).
const HTTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// `ledger-node rotate-key --witness`: writes the next witness key and prints the membership
/// entry that lists it (docs/operations.md#rotating-a-witness-key).
fn rotate_witness_key(dir: &Path, at: Option<&str>) -> anyhow::Result<()> {
    let config = load_config(dir)?;
    if config.network.witness_key_hsm.is_some() {
        bail!(
            "the witness key is in a hardware security module (network.witness_key_hsm): make the \
             next key with the module's tools; rotate-key --witness does not rotate a key in a module"
        );
    }
    let at = match at {
        Some(text) => ledger_format::date::parse_instant(text)
            .with_context(|| format!("--at {text:?}: neither RFC 3339 nor Unix seconds"))?,
        None => SystemClock.now() + WITNESS_ROTATION_DELAY_SECONDS,
    };
    let membership = ledger_node::load_membership(&config)?;
    let entry = match membership
        .as_ref()
        .and_then(|m| m.by_origin(&config.origin))
    {
        Some(me) => me.to_entry(),
        None => init::member_entry(&config, None, &config.regions)?,
    };
    let current = init::read_witness_key(&config.path(&config.network.witness_key_file))?;
    let next = ledger_node::witness_key::create_next(&config).with_context(
        || "writing the next witness key (a rotation already under way? its file exists)",
    )?;
    let rotated = ledger_node::witness_key::rotated_entry(
        &entry,
        current.verifier_key(),
        next.verifier_key(),
        at,
    );
    println!(
        "# New witness key {} written to {} (mode 0600).\n         # Replace this node's entry in the membership file with the one below, give it to every\n\
         # node and reload them (SIGHUP or `ledger-node reload`) before {}; verifiers fetch the\n\
         # new policy from GET /v1/policy. This node cosigns with the new key from then on.",
        next.verifier_key(),
        ledger_node::witness_key::next_key_path(&config).display(),
        ledger_format::date::instant_text(at)
    );
    print!("{}", rotated.to_toml());
    Ok(())
}

fn audit_store(dir: &Path) -> anyhow::Result<ExitCode> {
    let (config, store) = open(dir)?;
    let membership = ledger_node::load_membership(&config)?;
    let regions = ledger_node::log_regions(&config, membership.as_ref());
    let profiles = ledger_node::log_profiles(&config, membership.as_ref());
    let bar = indicatif::ProgressBar::new(store.tip()?.size);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} records ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let result = audit::audit(&store, &regions, &profiles, &mut |done, _| {
        bar.set_position(done);
    });
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            println!(
                "audit passed: {} records, {} checkpoints, {} certificates, root {}",
                report.records, report.checkpoints, report.certificates, report.root
            );
            for (index, late) in &report.late_acts {
                println!(
                    "late act: record {index}: {} ({}) due {}, done {}",
                    late.deadline.name(),
                    late.deadline.article(),
                    late.due,
                    late.on
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(finding) => {
            println!("audit FAILED: {finding}");
            Ok(ExitCode::from(3))
        }
    }
}

fn export_bundle(
    dir: &Path,
    code: &str,
    records: bool,
    output: Option<PathBuf>,
) -> anyhow::Result<()> {
    let code = CertificateCode::parse(code)
        .map_err(|e| anyhow::anyhow!("certificate code {code:?}: {e}"))?;
    let (config, store) = open(dir)?;
    // Every key the log was signed with, then every member's witness key: the bundle keeps the
    // freshest cosignatures the node holds, as the bundles it serves do.
    let mut keys: Vec<_> = store
        .key_history()?
        .into_iter()
        .filter_map(|epoch| ledger_node::logs::verifier_key(&config.origin, epoch.key))
        .collect();
    if let Some(membership) = ledger_node::load_membership(&config)? {
        keys.extend(membership.witness_keys());
    }
    let bundle = export::bundle(&store, &keys, &code, records)?;
    let path = output.unwrap_or_else(|| PathBuf::from(format!("{code}.bundle")));
    let bytes = bundle.encode();
    std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}

async fn rotate_key(dir: &Path) -> anyhow::Result<()> {
    let config = load_config(dir)?;
    if config.log_key_hsm.is_some() {
        bail!(
            "the log key is in a hardware security module (log_key_hsm): make the next key with \
             the module's tools; rotating a key in a module is not supported by rotate-key yet"
        );
    }
    let key_file = config.path(&config.key_file);
    let next = init::prepare_next_key(&config.origin, &key_file)
        .with_context(|| format!("preparing the next key beside {}", key_file.display()))?;
    let new_key = ledger_format::keys::Signer::public_key(&next);
    println!(
        "next key {} written to {} (mode 0600)",
        new_key,
        init::next_key_path(&key_file).display()
    );
    let verifier_key = init::log_verifier_key(&config.origin, &next)?;
    let db = config.path(&config.db_dir);
    let appended = match RocksStore::open(&db, &config.origin) {
        Ok(store) => rotate_offline(&config, store, next).await?,
        Err(StoreError::Io(reason)) => {
            tracing::info!(%reason, "the store is in use: asking the running node");
            rotate_online(&config, new_key).await?
        }
        Err(e) => return Err(e).with_context(|| format!("opening the store at {}", db.display())),
    };
    println!("log key rotated by record {appended}; later checkpoints are signed by the new key");
    println!("  new verifier key  {verifier_key} (add it to verifiers' policies)");
    Ok(())
}

/// A sequencer over the stopped node's store, for the commands that append offline. Refused for
/// a node in a network: its store may be behind what the network holds of its log (a restored
/// backup), and only a running node checks that before it signs anything
/// (docs/operations.md#rollback-protection).
fn offline_sequencer(config: &Config, store: RocksStore) -> anyhow::Result<Sequencer> {
    if config.network.membership.is_some() {
        bail!(
            "this node is in a network: append through the running node (`ledger-node run`, then \
             POST /v1/agency/records or `ledger-node rotate-key` against it), which checks its log \
             against the network before it signs"
        );
    }
    let key = init::open_log_key(config, store.agency_key()?)?;
    Ok(Sequencer::start(
        Arc::new(store),
        key,
        Arc::new(SystemClock),
        Arc::new(Metrics::new()),
        config.sequencer_config(),
    )?)
}

async fn rotate_offline(
    config: &Config,
    store: RocksStore,
    next: ledger_format::keys::SecretKey,
) -> anyhow::Result<u64> {
    let key_file = config.path(&config.key_file);
    let sequencer = offline_sequencer(config, store)?;
    let result = sequencer.handle.rotate_key(next).await;
    sequencer.shutdown().await;
    let appended = result.map_err(|e| anyhow::anyhow!("refused: {e}"))?;
    init::switch_to_next_key(&key_file)?;
    Ok(appended.index)
}

async fn rotate_online(config: &Config, new_key: PublicKey) -> anyhow::Result<u64> {
    let token = init::read_token(&config.path(&config.token_file))?;
    let body = serde_json::json!({ "new_key": new_key.to_hex() }).to_string();
    let mut addr = config.http.admin_listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let (status, answer) = tokio::task::spawn_blocking(move || {
        admin_post(addr, "/v1/agency/key-rotation", &token, &body)
    })
    .await?
    .with_context(|| format!("asking the node at {addr}"))?;
    anyhow::ensure!(status == 201, "the node refused ({status}): {answer}");
    let json: serde_json::Value =
        serde_json::from_str(&answer).context("reading the node's answer")?;
    json["index"]
        .as_u64()
        .context("the node's answer has no record index")
}

/// One HTTP/1.1 POST to the node's own API on `addr` (loopback; plain HTTP as the node serves
/// it), with the agency token: the status and the body. Blocking (a one-off CLI call).
fn admin_post(
    addr: std::net::SocketAddr,
    path: &str,
    token: &str,
    body: &str,
) -> anyhow::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(ADMIN_CALL_TIMEOUT))?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("the node's answer is not HTTP")?;
    Ok((status, body.to_owned()))
}

/// An evidence service's key of either suite (64 hex digits for Ed25519, 130 for SM2): an
/// `sm2-sm3` log registers SM2 services.
fn parse_key(hex: &str) -> anyhow::Result<PublicKey> {
    PublicKey::from_hex(hex).context("the key is 64 hex digits (ed25519) or 130 (sm2)")
}

async fn submitters(dir: &Path, command: SubmittersCommand) -> anyhow::Result<()> {
    let (config, store) = open(dir)?;
    let body = match command {
        SubmittersCommand::List => {
            for (key, s) in store.submitters()? {
                println!(
                    "{key}  {}  {}  (added by record {})",
                    s.credit_code, s.name, s.added_at
                );
            }
            return Ok(());
        }
        SubmittersCommand::Add {
            key,
            name,
            credit_code,
        } => Body::SubmitterAdded(SubmitterAdded {
            key: parse_key(&key)?,
            name,
            credit_code: CreditCode::parse(&credit_code)
                .map_err(|e| anyhow::anyhow!("credit code {credit_code:?}: {e}"))?,
        }),
        SubmittersCommand::Remove { key } => Body::SubmitterRemoved(SubmitterRemoved {
            key: parse_key(&key)?,
        }),
    };
    let sequencer = offline_sequencer(&config, store)?;
    let result = sequencer.handle.append(body).await;
    sequencer.shutdown().await;
    match result {
        Ok(appended) => println!("recorded as record {}", appended.index),
        Err(e) => bail!("refused: {e}"),
    }
    Ok(())
}

/// Parses `--suite`.
fn parse_suite(name: &str) -> Result<ledger_format::suite::Suite, String> {
    name.parse()
        .map_err(|e: ledger_format::DecodeError| e.to_string())
}
