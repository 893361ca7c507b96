//! Offline verification of registration certificates and evidence receipts, for banks and
//! evidence services.
//!
//! This crate wraps the pure verifier of [`ledger_format::bundle`] with what a verifier needs
//! around it: a trust-policy text file ([`policy`]), evidence receipts ([`receipt`]), code checks
//! without a bundle ([`codes`]), selective disclosure of committed fields ([`disclosure`]), reports
//! a loan officer or a bank's system can read ([`report`]), and, behind cargo features, QR codes
//! (`qr`) and downloading a bundle from a node (`fetch`). The `ledger-client` binary is a thin CLI
//! over this library.
//!
//! What it is not: it never trusts a node. Every byte it verifies, from a file, a QR code or the
//! network, is checked against the caller's [`TrustPolicy`] and nothing else. It links no async
//! runtime, database or peer-to-peer stack.
//!
//! ```
//! use ledger_client::{policy, report, verify};
//! use ledger_format::{SigningKey, checkpoint::VerifierKey};
//!
//! // The agency's log key, as its node's `init` prints it (here a fixed test key).
//! let key = VerifierKey::log("ledger.yuxi.example/2026", SigningKey::from_seed(&[1; 32]).public_key())?;
//! let policy = policy::parse_policy(&format!("log {key}\nquorum none\nmax-age 24h\n"))?;
//! let verdict = verify(b"not a bundle", &policy, 1_800_000_000);
//! assert_eq!(verdict.kind.name(), "malformed");
//! assert_eq!(report::exit_code(&verdict.kind), 23);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod codes;
pub mod disclosure;
pub mod evidence;
pub mod policy;
pub mod receipt;
pub mod report;

#[cfg(feature = "fetch")]
pub mod fetch;
#[cfg(feature = "qr-decode")]
pub mod qr;

pub use ledger_format;
pub use ledger_format::bundle::{Bundle, TrustPolicy, TrustedLog, Verdict, VerdictKind};

use ledger_format::date::{CST_OFFSET_SECONDS, Date};

/// Seconds from midnight to noon: `--at DATE` means noon China Standard Time, the middle of the
/// CST day, so the verdict does not depend on the verifier's own time zone.
const NOON_SECONDS: i64 = 12 * 3600;

/// Decodes and verifies a bundle file's bytes against `policy` at Unix time `at`: exactly
/// [`ledger_format::bundle::verify_bundle_bytes`], re-exported so callers need one crate.
pub fn verify(bytes: &[u8], policy: &TrustPolicy, at: i64) -> Verdict {
    ledger_format::bundle::verify_bundle_bytes(bytes, policy, at)
}

/// Verifies `bytes` as the bundle for `expected`: as [`verify`], but a bundle about another
/// certificate is [`VerdictKind::Tampered`] (a node or a registrant handing over the bundle of a
/// different, valid certificate).
pub fn verify_for_code(
    bytes: &[u8],
    policy: &TrustPolicy,
    at: i64,
    expected: &ledger_format::code::CertificateCode,
) -> Verdict {
    let mut verdict = verify(bytes, policy, at);
    if let Some(code) = &verdict.code
        && code != expected
    {
        verdict.kind = VerdictKind::Tampered(format!(
            "the bundle is for certificate {code}, not {expected}"
        ));
    }
    verdict
}

/// Unix time of 12:00 China Standard Time on `date`.
pub fn noon_cst(date: Date) -> i64 {
    date.start_unix_cst() + NOON_SECONDS
}

/// `YYYY-MM-DD HH:MM:SS` in China Standard Time (UTC+8) for Unix time `unix`, or the number itself
/// when it is outside the years the `time` crate formats.
pub fn format_cst(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    unix.checked_add(CST_OFFSET_SECONDS)
        .and_then(|local| time::OffsetDateTime::from_unix_timestamp(local).ok())
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noon_and_cst_formatting() {
        let date: Date = "2027-02-01".parse().unwrap();
        let noon = noon_cst(date);
        assert_eq!(format_cst(noon), "2027-02-01 12:00:00");
        assert_eq!(Date::from_unix_cst(noon).unwrap(), date);
        assert_eq!(format_cst(0), "1970-01-01 08:00:00");
        assert_eq!(format_cst(i64::MAX), i64::MAX.to_string());
    }
}
