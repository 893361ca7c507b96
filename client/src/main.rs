//! `ledger-client`: verify registration certificates and evidence receipts offline.
//! Exit codes: client/README.md#exit-codes. The logic lives in the `ledger_client` library.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use ledger_client::report::{self, EXIT_USAGE, Lang};
use ledger_client::{Verdict, VerdictKind, codes, disclosure, evidence, policy, receipt};
use ledger_format::Canonical;
use ledger_format::bundle::Bundle;
use ledger_format::code::{CertificateCode, ObjectKind};
use ledger_format::date::Date;

#[derive(Debug, Parser)]
#[command(
    name = "ledger-client",
    version,
    about = "Verify registration certificates and evidence receipts offline"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify a certificate bundle (a file, or a QR code image with --qr).
    Verify(VerifyArgs),
    /// Check the form of a certificate code (exit 0 valid, 1 invalid).
    CheckCode(CodeArgs),
    /// Check the form of a unified social credit code (exit 0 valid, 1 invalid).
    CheckCreditCode(CodeArgs),
    /// Print the certificate code of a region, year, kind and serial, with its check character.
    NewCode(NewCodeArgs),
    /// Check a disclosed field value and salt against the certificate's commitment.
    CheckField(FieldArgs),
    /// Download a certificate's bundle from a node and verify it (the node is not trusted).
    #[cfg(feature = "fetch")]
    Fetch(FetchArgs),
    /// Evidence services: hash files, sign submissions, verify receipts.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// Render a bundle as a QR code PNG.
    #[cfg(feature = "qr")]
    Qr(QrArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LangArg {
    Zh,
    En,
}

impl From<LangArg> for Lang {
    fn from(lang: LangArg) -> Lang {
        match lang {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        }
    }
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// Verify as of noon China Standard Time on this date (YYYY-MM-DD), or as of this instant
    /// (RFC 3339, e.g. `2027-01-04T15:30:00+08:00`, or Unix seconds); default: now.
    #[arg(long, value_name = "WHEN")]
    at: Option<String>,
    /// Print JSON for a bank's system instead of the text report.
    #[arg(long)]
    json: bool,
    /// Language of the text report.
    #[arg(long, value_enum, default_value = "zh")]
    lang: LangArg,
}

/// The code printed on the certificate, or the explicit choice not to compare it: a valid bundle
/// of another certificate is otherwise a valid verdict for the wrong certificate.
#[derive(Debug, Args)]
struct CodeCheckArgs {
    /// The certificate code printed on the certificate: a bundle for another code is tampered.
    #[arg(long, value_name = "CODE")]
    code: Option<String>,
    /// Do not compare the bundle's code with the certificate's (the report says so, and shows
    /// the bundle's own code for a person to compare).
    #[arg(long, conflicts_with = "code")]
    any_code: bool,
}

#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("printed_code").args(["code", "any_code"]).required(true)
))]
struct VerifyArgs {
    /// The bundle file.
    #[arg(required_unless_present = "qr", conflicts_with = "qr")]
    bundle: Option<PathBuf>,
    /// Read the bundle from a QR code in this PNG image instead.
    #[arg(long, value_name = "PNG")]
    qr: Option<PathBuf>,
    /// The trust policy file (client/POLICY.md).
    #[arg(long)]
    policy: PathBuf,
    #[command(flatten)]
    printed: CodeCheckArgs,
    /// A proof that a log equivocated (docs/format.md#equivocation; binary, or the hex that a
    /// node's `/v1/equivocations` shows): that log is no longer trusted. Repeatable.
    #[arg(long, value_name = "FILE")]
    equivocation: Vec<PathBuf>,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Debug, Args)]
struct CodeArgs {
    /// The code.
    code: String,
    /// Language of the explanation.
    #[arg(long, value_enum, default_value = "zh")]
    lang: LangArg,
}

#[derive(Debug, Args)]
struct NewCodeArgs {
    /// The GB/T 2260 code of the agency's region, e.g. 530400.
    #[arg(long)]
    region: u32,
    /// The year the first application was received (China Standard Time).
    #[arg(long)]
    year: u16,
    /// R for a data resource, P for a data product or service.
    #[arg(long, value_parser = parse_kind)]
    kind: ObjectKind,
    /// The certificate's serial number in that year.
    #[arg(long)]
    serial: u64,
}

fn parse_kind(text: &str) -> Result<ObjectKind, String> {
    let mut chars = text.chars();
    match (chars.next().and_then(ObjectKind::from_letter), chars.next()) {
        (Some(kind), None) => Ok(kind),
        _ => Err("R (data resource) or P (data product or service)".into()),
    }
}

#[derive(Debug, Args)]
struct FieldArgs {
    /// A bundle with records: the commitment is taken from its approved content.
    #[arg(required_unless_present = "commitment", conflicts_with = "commitment")]
    bundle: Option<PathBuf>,
    /// The field commitment (64 hex digits) instead of a bundle.
    #[arg(long)]
    commitment: Option<String>,
    /// The trust policy file, to verify the bundle.
    #[arg(long, required_unless_present = "commitment")]
    policy: Option<PathBuf>,
    /// With a bundle: the certificate code printed on the certificate (a bundle for another code
    /// is tampered).
    #[arg(long, value_name = "CODE", conflicts_with = "commitment",
          required_unless_present_any = ["any_code", "commitment"])]
    code: Option<String>,
    /// With a bundle: do not compare the bundle's code with the certificate's.
    #[arg(long, conflicts_with_all = ["code", "commitment"])]
    any_code: bool,
    /// The field, e.g. industry, geographic-coverage, structure-and-scale.
    #[arg(long)]
    field: String,
    /// The value the registrant discloses.
    #[arg(long)]
    value: String,
    /// The 32-byte salt the registrant discloses, in hex.
    #[arg(long)]
    salt: String,
    /// Verify the bundle as of noon CST on this date, or as of this instant (RFC 3339 or Unix
    /// seconds); default: now.
    #[arg(long, value_name = "WHEN")]
    at: Option<String>,
}

#[cfg(feature = "fetch")]
#[derive(Debug, Args)]
struct FetchArgs {
    /// The certificate code.
    code: String,
    /// The node's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    node: String,
    /// The trust policy file.
    #[arg(long)]
    policy: PathBuf,
    /// A proof that a log equivocated (docs/format.md#equivocation; binary, or the hex that a
    /// node's `/v1/equivocations` shows): that log is no longer trusted. Repeatable.
    #[arg(long, value_name = "FILE")]
    equivocation: Vec<PathBuf>,
    /// Also save the downloaded bundle here (whatever the verdict).
    #[arg(short, long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Debug, Subcommand)]
enum EvidenceCommand {
    /// Print the hash of a file, in hex: SHA-256, or SM3 for a log of suite sm2-sm3.
    Hash {
        /// The file.
        file: PathBuf,
        /// The suite of the log the hash is for: ed25519-sha256 (SHA-256) or sm2-sm3 (SM3).
        #[arg(long, default_value = "ed25519-sha256", value_parser = parse_suite)]
        suite: ledger_format::suite::Suite,
    },
    /// Write a new evidence-service key (PRIVATE+KEY+ text, mode 0600) and print its public key,
    /// which the agency registers: an Ed25519 key, or an SM2 key for a log of suite sm2-sm3.
    NewKey {
        /// Where to write the key; never overwritten.
        #[arg(long)]
        out: PathBuf,
        /// The service's key name, e.g. evidence.example.
        #[arg(long)]
        name: String,
        /// The suite of the log the service submits to.
        #[arg(long, default_value = "ed25519-sha256", value_parser = parse_suite)]
        suite: ledger_format::suite::Suite,
    },
    /// Print the submission JSON: each hash signed for the log ORIGIN.
    Sign {
        /// The evidence service's key file (PRIVATE+KEY+... or a hex seed).
        #[arg(long, required_unless_present = "hsm", conflicts_with = "hsm")]
        key: Option<PathBuf>,
        /// The service's key in a hardware security module instead: a TOML file naming the
        /// PKCS#11 module, token, key label and PIN source (docs/operations.md).
        #[arg(long, value_name = "FILE")]
        hsm: Option<PathBuf>,
        /// The log's origin, e.g. ledger.yuxi.example/2026.
        #[arg(long)]
        origin: String,
        /// SHA-256 hashes in hex.
        #[arg(required = true)]
        hashes: Vec<String>,
    },
    /// Sign hashes and submit them to a node; prints the node's receipt lines.
    #[cfg(feature = "fetch")]
    Submit {
        /// The evidence service's key file (PRIVATE+KEY+... or a hex seed).
        #[arg(long, required_unless_present = "hsm", conflicts_with = "hsm")]
        key: Option<PathBuf>,
        /// The service's key in a hardware security module instead: a TOML file naming the
        /// PKCS#11 module, token, key label and PIN source (docs/operations.md).
        #[arg(long, value_name = "FILE")]
        hsm: Option<PathBuf>,
        /// The log's origin, e.g. ledger.yuxi.example/2026.
        #[arg(long)]
        origin: String,
        /// The node, e.g. http://127.0.0.1:8180.
        #[arg(long)]
        node: String,
        /// SHA-256 hashes in hex.
        #[arg(required = true)]
        hashes: Vec<String>,
    },
    /// Print a receipt (BCS, JSON or tlog-proof) as c2sp.org/tlog-proof text, which third-party
    /// tlog-proof tools check.
    TlogProof {
        /// The receipt file.
        #[arg(long)]
        receipt: PathBuf,
        /// The trust policy file: it names the checkpoint's signature lines.
        #[arg(long)]
        policy: PathBuf,
    },
    /// Verify an evidence receipt (BCS, JSON or C2SP tlog-proof) for a hash. A receipt does not
    /// expire: the report says as of when the hash was proven in the log.
    Verify {
        /// The hash the receipt must prove.
        #[arg(long)]
        hash: String,
        /// The receipt file.
        #[arg(long)]
        receipt: PathBuf,
        /// The trust policy file.
        #[arg(long)]
        policy: PathBuf,
        /// A newer cosigned checkpoint of the log to check the receipt against (the note text of
        /// GET /v1/checkpoint); needs --consistency.
        #[arg(long, requires = "consistency")]
        checkpoint: Option<PathBuf>,
        /// The consistency proof from the receipt's tree size to the newer checkpoint's (the JSON
        /// of GET /v1/proofs/consistency?from=A&to=B).
        #[arg(long, requires = "checkpoint")]
        consistency: Option<PathBuf>,
        #[command(flatten)]
        report: ReportArgs,
    },
}

#[cfg(feature = "qr")]
#[derive(Debug, Args)]
struct QrArgs {
    /// The bundle file (without records, to fit).
    bundle: PathBuf,
    /// The PNG to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Error correction level.
    #[arg(long, value_enum, default_value = "m")]
    level: LevelArg,
}

#[cfg(feature = "qr")]
#[derive(Debug, Clone, Copy, ValueEnum)]
enum LevelArg {
    L,
    M,
    Q,
    H,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn run(command: Command) -> Result<u8> {
    match command {
        Command::Verify(args) => verify(args),
        Command::CheckCode(args) => Ok(check_code(&args, false)),
        Command::CheckCreditCode(args) => Ok(check_code(&args, true)),
        Command::NewCode(args) => {
            let code = CertificateCode::new(args.region, args.year, args.kind, args.serial)
                .map_err(|e| anyhow::anyhow!(codes::explain(&e, Lang::En)))?;
            println!("{code}");
            Ok(0)
        }
        Command::CheckField(args) => check_field(args),
        #[cfg(feature = "fetch")]
        Command::Fetch(args) => fetch(args),
        Command::Evidence(command) => run_evidence(command),
        #[cfg(feature = "qr")]
        Command::Qr(args) => qr(args),
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn load_policy(path: &Path) -> Result<ledger_client::TrustPolicy> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading policy {}", path.display()))?;
    policy::parse_policy(&text).with_context(|| format!("policy {}", path.display()))
}

/// Reads an equivocation proof (binary, or hex text) and makes the policy distrust its log.
fn accept_equivocation(policy: &mut ledger_client::TrustPolicy, path: &Path) -> Result<()> {
    use ledger_format::Canonical;
    let bytes = read(path)?;
    let bytes = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|text| hex::decode(text.trim()).ok())
        .unwrap_or(bytes);
    let proof = ledger_format::equivocation::Equivocation::decode_exact(&bytes)
        .with_context(|| format!("equivocation proof {}", path.display()))?;
    let facts = policy
        .accept_equivocation(&proof)
        .with_context(|| format!("equivocation proof {}", path.display()))?;
    eprintln!(
        "{}: log {} equivocated: {}; it is no longer trusted",
        path.display(),
        facts.origin,
        facts.describe()
    );
    Ok(())
}

/// Noon CST of `--at` when it is a date, the instant when it is an RFC 3339 time or Unix
/// seconds, or now.
fn verification_time(at: Option<&str>) -> Result<i64> {
    match at {
        Some(text) => {
            if let Some(instant) = ledger_client::policy::parse_instant(text) {
                return Ok(instant);
            }
            let date: Date = text.parse().with_context(|| {
                format!("--at {text}: neither a date (YYYY-MM-DD) nor an RFC 3339 time")
            })?;
            Ok(ledger_client::noon_cst(date))
        }
        None => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .context("system clock before 1970")?;
            i64::try_from(now.as_secs()).context("system clock out of range")
        }
    }
}

fn print_verdict(verdict: &Verdict, check: report::CodeCheck, args: &ReportArgs) -> Result<u8> {
    if args.json {
        let json = serde_json::to_string_pretty(&report::json_report_for_code(verdict, check))?;
        println!("{json}");
    } else {
        print!(
            "{}",
            report::text_report_for_code(verdict, args.lang.into(), check)
        );
    }
    Ok(report::exit_code(&verdict.kind))
}

/// The certificate code a person typed, checked for form and check character.
fn parse_code(text: &str, lang: Lang) -> Result<CertificateCode> {
    codes::check_certificate_code(text)
        .map_err(|e| anyhow::anyhow!(codes::explain(&e, lang)))
        .with_context(|| format!("certificate code {text}"))
}

/// The code printed on the certificate (`--code`), or `None` for `--any-code`; neither is a
/// usage error.
fn printed_code(code: Option<&str>, any_code: bool, lang: Lang) -> Result<Option<CertificateCode>> {
    match (code, any_code) {
        (Some(text), _) => Ok(Some(parse_code(text, lang)?)),
        (None, true) => Ok(None),
        (None, false) => bail!("give --code CODE (printed on the certificate) or --any-code"),
    }
}

/// Verifies `bytes` for the printed `code` ([`ledger_client::verify_for_code`]), or for any code
/// when the caller chose `--any-code` (`None`).
fn verify_bundle(
    bytes: &[u8],
    policy: &ledger_client::TrustPolicy,
    at: i64,
    code: Option<&CertificateCode>,
) -> (Verdict, report::CodeCheck) {
    match code {
        Some(code) => (
            ledger_client::verify_for_code(bytes, policy, at, code),
            report::CodeCheck::Compared,
        ),
        None => (
            ledger_client::verify(bytes, policy, at),
            report::CodeCheck::NotCompared,
        ),
    }
}

fn verify_and_print(
    bytes: &[u8],
    policy_path: &Path,
    equivocations: &[PathBuf],
    code: Option<&CertificateCode>,
    args: &ReportArgs,
) -> Result<u8> {
    let mut policy = load_policy(policy_path)?;
    for path in equivocations {
        accept_equivocation(&mut policy, path)?;
    }
    let at = verification_time(args.at.as_deref())?;
    let (verdict, check) = verify_bundle(bytes, &policy, at, code);
    print_verdict(&verdict, check, args)
}

fn verify(args: VerifyArgs) -> Result<u8> {
    // clap makes one of the two required; the code is checked before any file is read.
    let code = printed_code(
        args.printed.code.as_deref(),
        args.printed.any_code,
        args.report.lang.into(),
    )?;
    let bytes = match (&args.bundle, &args.qr) {
        (Some(path), _) => read(path)?,
        (None, Some(png)) => read_qr(png)?,
        (None, None) => bail!("give a bundle file or --qr PNG"),
    };
    verify_and_print(
        &bytes,
        &args.policy,
        &args.equivocation,
        code.as_ref(),
        &args.report,
    )
}

#[cfg(feature = "qr")]
fn read_qr(png: &Path) -> Result<Vec<u8>> {
    ledger_client::qr::decode_png(&read(png)?)
        .with_context(|| format!("QR code in {}", png.display()))
}

#[cfg(not(feature = "qr"))]
fn read_qr(_png: &Path) -> Result<Vec<u8>> {
    bail!("this ledger-client was built without the `qr` feature")
}

fn check_code(args: &CodeArgs, credit: bool) -> u8 {
    let lang = args.lang.into();
    let outcome = if credit {
        codes::check_credit_code(&args.code).map(|c| codes::describe_credit_code(&c, lang))
    } else {
        codes::check_certificate_code(&args.code)
            .map(|c| codes::describe_certificate_code(&c, lang))
    };
    match outcome {
        Ok(description) => {
            println!("{}: {description}", args.code.trim());
            0
        }
        Err(e) => {
            println!("{}: {}", args.code.trim(), codes::explain(&e, lang));
            1
        }
    }
}

fn check_field(args: FieldArgs) -> Result<u8> {
    let field = disclosure::parse_field(&args.field)
        .with_context(|| format!("fields: {}", field_names()))?;
    let salt = disclosure::parse_salt(&args.salt)?;
    let outcome = match (&args.commitment, &args.bundle, &args.policy) {
        (Some(hex), _, _) => {
            let commitment = evidence::parse_hash(hex).context("--commitment")?;
            disclosure::check_field(
                disclosure::Committed::Commitment(&commitment),
                field,
                &args.value,
                &salt,
            )
        }
        (None, Some(path), Some(policy_path)) => {
            let code = printed_code(args.code.as_deref(), args.any_code, Lang::En)?;
            let bytes = read(path)?;
            let policy = load_policy(policy_path)?;
            let at = verification_time(args.at.as_deref())?;
            let (verdict, check) = verify_bundle(&bytes, &policy, at, code.as_ref());
            if verdict.as_of.is_none() || matches!(verdict.kind, VerdictKind::Tampered(_)) {
                print!(
                    "{}",
                    report::text_report_for_code(&verdict, Lang::En, check)
                );
                return Ok(report::exit_code(&verdict.kind));
            }
            let bundle = Bundle::decode_exact(&bytes)?;
            let content = disclosure::approved_content(&bundle)?;
            disclosure::check_field(
                disclosure::Committed::Content(content),
                field,
                &args.value,
                &salt,
            )
        }
        _ => bail!("give a bundle and --policy, or --commitment"),
    };
    match outcome {
        Ok(()) => {
            println!(
                "match: the value and salt open the commitment to {}",
                args.field
            );
            Ok(0)
        }
        Err(e @ disclosure::DisclosureError::Mismatch(_)) => {
            println!("mismatch: {e}");
            Ok(1)
        }
        Err(e) => Err(e.into()),
    }
}

fn field_names() -> String {
    disclosure::FIELD_NAMES.map(|(name, _)| name).join(", ")
}

#[cfg(feature = "fetch")]
fn fetch(args: FetchArgs) -> Result<u8> {
    let code = parse_code(&args.code, args.report.lang.into())?;
    let bytes = ledger_client::fetch::fetch_bundle(&args.node, &code)?;
    if let Some(path) = &args.output {
        std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    verify_and_print(
        &bytes,
        &args.policy,
        &args.equivocation,
        Some(&code),
        &args.report,
    )
}

/// Signs `hashes` (hex) for the log `origin` with the service's key: from its key file, or in
/// the hardware security module that `hsm` (a TOML file) names.
fn signed_submission(
    key: Option<&Path>,
    hsm: Option<&Path>,
    origin: &str,
    hashes: &[String],
) -> Result<evidence::Submission> {
    let signer: Box<dyn ledger_format::keys::Signer> = match (key, hsm) {
        (Some(key), None) => {
            let text = std::fs::read_to_string(key)
                .with_context(|| format!("reading key {}", key.display()))?;
            Box::new(evidence::parse_signing_key(&text)?)
        }
        (None, Some(hsm)) => {
            let text = std::fs::read_to_string(hsm)
                .with_context(|| format!("reading {}", hsm.display()))?;
            let config: ledger_hsm::HsmKeyConfig =
                toml::from_str(&text).with_context(|| format!("parsing {}", hsm.display()))?;
            Box::new(ledger_hsm::Pkcs11Signer::open(&config)?)
        }
        _ => bail!("give the service's key: --key FILE or --hsm FILE"),
    };
    let hashes = hashes
        .iter()
        .map(|h| evidence::parse_hash(h))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(evidence::sign_submission(&*signer, origin, &hashes)?)
}

fn run_evidence(command: EvidenceCommand) -> Result<u8> {
    match command {
        EvidenceCommand::Hash { file, suite } => {
            let reader = std::fs::File::open(&file)
                .with_context(|| format!("opening {}", file.display()))?;
            println!("{}", evidence::hash_reader_of(suite, reader)?);
            Ok(0)
        }
        EvidenceCommand::NewKey { out, name, suite } => {
            let (text, public) = loop {
                let mut secret = [0u8; 32];
                getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
                if let Ok(made) = evidence::new_signing_key(suite, &name, &secret) {
                    break made;
                }
            };
            write_secret_file(&out, &(text + "\n"))?;
            println!("{public}");
            Ok(0)
        }
        EvidenceCommand::Sign {
            key,
            hsm,
            origin,
            hashes,
        } => {
            let submission = signed_submission(key.as_deref(), hsm.as_deref(), &origin, &hashes)?;
            println!("{}", serde_json::to_string_pretty(&submission)?);
            Ok(0)
        }
        #[cfg(feature = "fetch")]
        EvidenceCommand::Submit {
            key,
            hsm,
            origin,
            node,
            hashes,
        } => {
            let submission = signed_submission(key.as_deref(), hsm.as_deref(), &origin, &hashes)?;
            let answer = ledger_client::fetch::submit_evidence(&node, &submission)?;
            println!("{}", serde_json::to_string_pretty(&answer)?);
            Ok(0)
        }
        EvidenceCommand::TlogProof { receipt, policy } => {
            let policy = load_policy(&policy)?;
            let parsed = receipt::read_receipt_for(&read(&receipt)?, &policy)?;
            print!("{}", receipt::tlog_proof_text(&parsed, &policy)?);
            Ok(0)
        }
        EvidenceCommand::Verify {
            hash,
            receipt,
            policy,
            checkpoint,
            consistency,
            report,
        } => {
            let hash = evidence::parse_hash(&hash)?;
            let policy = load_policy(&policy)?;
            let at = verification_time(report.at.as_deref())?;
            let newer = match (checkpoint, consistency) {
                (Some(note), Some(proof)) => Some((read(&note)?, read(&proof)?)),
                _ => None,
            };
            let outcome = verify_receipt_file(&hash, &read(&receipt)?, newer, &policy, at);
            if report.json {
                let json = report::receipt_json(&hash, &outcome);
                println!("{}", serde_json::to_string_pretty(&json)?);
            } else {
                print!(
                    "{}",
                    report::receipt_text(&hash, &outcome, report.lang.into())
                );
            }
            Ok(report::receipt_exit_code(&outcome))
        }
    }
}

/// Reads a receipt in any form and verifies it, against the newer checkpoint (note text and
/// consistency-proof JSON) when given.
fn verify_receipt_file(
    hash: &ledger_client::ledger_format::Hash,
    bytes: &[u8],
    newer: Option<(Vec<u8>, Vec<u8>)>,
    policy: &ledger_client::TrustPolicy,
    at: i64,
) -> Result<receipt::ReceiptInfo, receipt::ReceiptError> {
    let parsed = receipt::read_receipt_for(bytes, policy)?;
    match newer {
        None => receipt::verify_receipt(hash, &parsed, policy, at),
        Some((note, proof)) => {
            let newer = receipt::read_newer_checkpoint(&note, &proof)?;
            receipt::verify_receipt_extended(hash, &parsed, &newer, policy, at)
        }
    }
}

#[cfg(feature = "qr")]
fn qr(args: QrArgs) -> Result<u8> {
    use ledger_client::qr::{Level, encode_png};
    let bytes = read(&args.bundle)?;
    Bundle::decode_exact(&bytes)
        .with_context(|| format!("{} is not a bundle", args.bundle.display()))?;
    let level = match args.level {
        LevelArg::L => Level::L,
        LevelArg::M => Level::M,
        LevelArg::Q => Level::Q,
        LevelArg::H => Level::H,
    };
    let (png, info) = encode_png(&bytes, level)?;
    std::fs::write(&args.output, png)
        .with_context(|| format!("writing {}", args.output.display()))?;
    println!(
        "{} bytes -> QR version {} ({m}x{m} modules, level {:?}), {p}x{p} px PNG: {}",
        bytes.len(),
        info.version,
        info.level,
        args.output.display(),
        m = info.modules,
        p = info.pixels,
    );
    Ok(0)
}

/// Parses `--suite`.
fn parse_suite(name: &str) -> Result<ledger_format::suite::Suite, String> {
    name.parse()
        .map_err(|e: ledger_format::DecodeError| e.to_string())
}

/// Writes a secret to a new file readable by its owner only (mode 0600); never overwrites.
fn write_secret_file(path: &Path, contents: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {} (it must not exist)", path.display()))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}
