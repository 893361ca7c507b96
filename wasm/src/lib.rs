//! The bank's offline verifier, compiled to WebAssembly for the page at `/verify` (web/verify/).
//!
//! This crate is a thin layer over [`ledger_client`]: the same bundle decoder, signature checks,
//! proofs, trust policy and reports as the `ledger-client verify` command, so that the page and the
//! command can never disagree about a certificate. It adds only what a page needs: answers as JSON
//! with both languages' texts ([`verify`], [`read_policy`]), a QR reader over the grey levels of a
//! camera frame or a photo ([`read_qr`]), and the exported functions a 60-line JavaScript binding
//! calls ([`abi`]).
//!
//! What it is not: it does no I/O and reads no clock; the page passes the time of the check. It
//! keeps no state between calls but its input and output buffers.
//!
//! ```
//! use ledger_client::ledger_format::{SigningKey, checkpoint::VerifierKey};
//!
//! let key = VerifierKey::log("ledger.yuxi.example/2026", SigningKey::from_seed(&[1; 32]).public_key())?;
//! let policy = ledger_wasm::read_policy(&format!("log {key}\nquorum none\nmax-age 24h\n")).unwrap();
//! assert_eq!(policy.logs[0].key_id, key.key_id().to_string());
//! let checked = ledger_wasm::verify(b"not a bundle", &policy.canonical, 1_800_000_000, None).unwrap();
//! assert_eq!(checked.report.verdict, "malformed");
//! assert_eq!(checked.headline.en, ledger_client::report::headline(&ledger_client::VerdictKind::Malformed(String::new()), ledger_client::report::Lang::En));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod abi;

use ledger_client::ledger_format::bundle::{TrustPolicy, WitnessRole};
use ledger_client::report::{self, CodeCheck, JsonReport, Lang};
use ledger_client::{codes, policy};
use serde::Serialize;

/// One text in both of the page's languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Texts {
    /// Simplified Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Texts {
    fn of(text: impl Fn(Lang) -> String) -> Self {
        Texts {
            zh: text(Lang::Zh),
            en: text(Lang::En),
        }
    }
}

/// What the page shows of one check: the CLI's JSON report, its headline and reason in both
/// languages, and the CLI's whole text report in both languages (the printable record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageVerdict {
    /// Exactly `ledger-client verify --json`'s report (with `code_compared`).
    pub report: JsonReport,
    /// The verdict's headline, e.g. `有效` / `VALID`.
    pub headline: Texts,
    /// Why the verdict is not `valid` (absent for `valid`).
    pub reason: Option<Texts>,
    /// Exactly `ledger-client verify`'s text report (with the line on the printed code), in each
    /// language: the printable record.
    pub text: Texts,
    /// The report's `(label, value)` lines in Chinese and in English, for the page's table.
    pub lines: Lines,
    /// The code the clerk read on the certificate, when one was given: a bundle for another code
    /// is `tampered`. Absent: the bundle's code was not compared with anything.
    pub expected_code: Option<String>,
}

/// Verifies the bundle `bundle` against the trust policy `policy_text` at Unix time `at`, as
/// `ledger-client verify --code <expected_code>` does (or `--any-code` when `expected_code` is
/// `None`).
///
/// # Errors
/// The policy does not parse, or `expected_code` is not a well-formed certificate code: the
/// message in both languages. Bytes that are not a bundle are a `malformed` verdict, not an error.
pub fn verify(
    bundle: &[u8],
    policy_text: &str,
    at: i64,
    expected_code: Option<&str>,
) -> Result<PageVerdict, Texts> {
    let policy = parse_policy(policy_text)?;
    let verdict = match expected_code {
        Some(text) => {
            let code = codes::check_certificate_code(text).map_err(|e| {
                Texts::of(|lang| match lang {
                    Lang::En => format!("certificate code {text}: {}", codes::explain(&e, lang)),
                    _ => format!("证书编号 {text}：{}", codes::explain(&e, lang)),
                })
            })?;
            ledger_client::verify_for_code(bundle, &policy, at, &code)
        }
        None => ledger_client::verify(bundle, &policy, at),
    };
    let check = if expected_code.is_some() {
        CodeCheck::Compared
    } else {
        CodeCheck::NotCompared
    };
    Ok(PageVerdict {
        report: report::json_report_for_code(&verdict, check),
        headline: Texts::of(|lang| report::headline(&verdict.kind, lang).to_owned()),
        reason: report::reason(&verdict.kind, Lang::En)
            .map(|_| Texts::of(|lang| report::reason(&verdict.kind, lang).unwrap_or_default())),
        text: Texts::of(|lang| report::text_report_for_code(&verdict, lang, check)),
        lines: Lines {
            zh: report::report_lines(&verdict, Lang::Zh, Some(check)),
            en: report::report_lines(&verdict, Lang::En, Some(check)),
        },
        expected_code: expected_code.map(|c| c.trim().to_owned()),
    })
}

/// The report's lines in both languages ([`report::report_lines`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lines {
    /// Simplified Chinese.
    pub zh: Vec<(&'static str, String)>,
    /// English.
    pub en: Vec<(&'static str, String)>,
}

/// A trust policy as the page shows it to the bank, so that its keys can be compared with the ones
/// the data authority published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicySummary {
    /// The trusted log keys.
    pub logs: Vec<KeySummary>,
    /// The trusted witness keys.
    pub witnesses: Vec<KeySummary>,
    /// Replica cosignatures a checkpoint needs besides the log's own node.
    pub quorum: usize,
    /// Consistency-only cosignatures it needs as well.
    pub consistency_quorum: usize,
    /// The oldest checkpoint accepted, in seconds.
    pub max_age_seconds: i64,
    /// The policy in its canonical text form (what the page stores).
    pub canonical: String,
}

/// One trusted key of a [`PolicySummary`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeySummary {
    /// The key's name (a log's origin, a witness's name).
    pub name: String,
    /// The key ID, eight hex digits (c2sp.org/signed-note).
    pub key_id: String,
    /// The whole verifier key, `name+id+key`.
    pub key: String,
    /// `log`, `replica` (of which log it is the node, if any) or `consistency-only`.
    pub role: String,
    /// First Unix second the key counts at, if bounded.
    pub not_before: Option<i64>,
    /// Last Unix second the key counts at, if bounded.
    pub not_after: Option<i64>,
}

/// Parses a trust policy file's text and summarises it.
///
/// # Errors
/// The parser's message (line and reason) in both languages.
pub fn read_policy(policy_text: &str) -> Result<PolicySummary, Texts> {
    let policy = parse_policy(policy_text)?;
    let logs = policy.logs.iter().map(|log| KeySummary {
        name: log.key.name().to_owned(),
        key_id: log.key.key_id().to_string(),
        key: log.key.to_string(),
        role: "log".into(),
        not_before: log.not_before,
        not_after: log.not_after,
    });
    let witnesses = policy.witnesses.iter().map(|w| KeySummary {
        name: w.key.name().to_owned(),
        key_id: w.key.key_id().to_string(),
        key: w.key.to_string(),
        role: match &w.role {
            WitnessRole::Replica {
                node_of: Some(origin),
            } => format!("replica (node of {origin})"),
            WitnessRole::Replica { node_of: None } => "replica".into(),
            WitnessRole::ConsistencyOnly => "consistency-only".into(),
        },
        not_before: w.not_before,
        not_after: w.not_after,
    });
    Ok(PolicySummary {
        logs: logs.collect(),
        witnesses: witnesses.collect(),
        quorum: policy.quorum,
        consistency_quorum: policy.consistency_quorum,
        max_age_seconds: policy.max_age_seconds,
        canonical: policy::policy_text(&policy),
    })
}

fn parse_policy(text: &str) -> Result<TrustPolicy, Texts> {
    policy::parse_policy(text).map_err(|e| Texts {
        zh: format!("信任策略无效：{e}"),
        en: format!("the trust policy is not valid: {e}"),
    })
}

/// Reads the QR code in a `width` × `height` picture of grey levels (one byte per pixel, rows top
/// to bottom): a camera frame or a photo or scan of the certificate.
///
/// # Errors
/// No QR code in the picture, or one that cannot be read: the reason in both languages.
pub fn read_qr(width: usize, height: usize, grey: &[u8]) -> Result<Vec<u8>, Texts> {
    use ledger_client::qr::QrError;
    ledger_client::qr::decode_grey(width, height, grey).map_err(|e| match e {
        QrError::NotFound => Texts {
            zh: "图像中未找到二维码".into(),
            en: "no QR code found in the picture".into(),
        },
        other => Texts {
            zh: format!("二维码无法读取：{other}"),
            en: format!("the QR code cannot be read: {other}"),
        },
    })
}

#[cfg(test)]
mod tests;
