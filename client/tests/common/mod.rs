//! Real bundles for the CLI tests: real keys, proofs and checkpoints from `ledger_format::testing`,
//! built as `ledger-format/src/bundle/tests.rs` builds them.
#![allow(dead_code, reason = "each test binary uses part of the fixture")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ledger_client::policy::policy_text;
use ledger_format::Canonical;
use ledger_format::bundle::TrustPolicy;
use ledger_format::code::CertificateCode;
use ledger_format::record::{
    Body, CancellationReason, Cancelled, Issued, Notice, ObjectionFiled, ObjectionResolved,
    RegistrationType, RevocationReason, Revoked,
};
use ledger_format::testing::{self, Ledger, at, parse_date as d};

/// Witnesses that cosign the fixture checkpoint.
pub const WITNESSES: u8 = 3;

/// Certificate `n` of the fixture: 1 valid (2026-12-07 to 2029-12-07), 2 in notice, 3 suspended,
/// 4 cancelled, 5 revoked, 6 terminated; 99 does not exist.
pub fn code(n: u64) -> CertificateCode {
    testing::code(2026, n)
}

fn notice(code: &CertificateCode) -> Body {
    Body::NoticePublished(Notice {
        code: code.clone(),
        registration_type: RegistrationType::First,
        content: testing::content(code.kind(), None),
        ends_on: d("2026-12-04"),
    })
}

fn issue(code: &CertificateCode) -> Body {
    Body::Issued(Issued {
        code: code.clone(),
        valid_from: d("2026-12-07"),
        valid_until: d("2029-12-07"),
    })
}

/// The fixture log: six registrations in every state, with evidence in between.
pub fn ledger() -> Ledger {
    let mut l = Ledger::default();
    for n in 1..=6 {
        l.apply("2026-11-23", notice(&code(n))).unwrap();
        l.evidence(at("2026-11-23", 11), ledger_format::sha256(&[n as u8]));
    }
    let objection = |n| {
        Body::ObjectionFiled(ObjectionFiled {
            code: code(n),
            objector: ledger_format::sha256(b"o"),
        })
    };
    let upheld = l.apply("2026-11-30", objection(6)).unwrap();
    l.apply("2026-12-01", objection(3)).unwrap();
    l.apply(
        "2026-12-07",
        Body::ObjectionResolved(ObjectionResolved {
            code: code(6),
            objection_index: upheld,
            upheld: true,
        }),
    )
    .unwrap();
    for n in [1, 4, 5] {
        l.apply("2026-12-07", issue(&code(n))).unwrap();
    }
    let cancel = Body::Cancelled(Cancelled {
        code: code(4),
        reason: CancellationReason::DataLost,
    });
    l.apply("2027-01-04", cancel).unwrap();
    let revoke = Body::Revoked(Revoked {
        code: code(5),
        reason: RevocationReason::TamperedOrForged,
    });
    l.apply("2027-01-04", revoke).unwrap();
    l
}

/// The checkpoint is signed at 2027-02-01 09:00 CST and cosigned a second later.
pub fn checkpoint_time() -> i64 {
    at("2027-02-01", 9)
}

/// The policy trusting the fixture log and its three witnesses with `quorum`, max age one day.
pub fn policy(l: &Ledger, quorum: usize) -> TrustPolicy {
    l.policy(WITNESSES, quorum)
}

/// The bundle bytes of certificate `n`, cosigned by `witnesses`.
pub fn bundle(l: &Ledger, n: u64, witnesses: u8, with_records: bool) -> Vec<u8> {
    let signed = l.checkpoint(checkpoint_time(), witnesses);
    l.bundle(&code(n), &signed, &policy(l, 0), with_records)
        .encode()
}

/// A temporary directory holding the files of one test.
pub struct Files {
    pub dir: tempfile::TempDir,
}

impl Files {
    pub fn new() -> Self {
        Files {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn policy(&self, name: &str, policy: &TrustPolicy) -> PathBuf {
        self.write(name, policy_text(policy))
    }
}

/// Runs the `ledger-client` binary.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ledger-client"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `ledger-client verify` on a bundle file and returns (exit code, stdout).
pub fn verify(bundle: &Path, policy: &Path, on: &str, extra: &[&str]) -> (i32, String) {
    let mut args = vec![
        "verify",
        bundle.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--at",
        on,
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    let stdout = String::from_utf8(out.stdout).unwrap();
    (out.status.code().unwrap_or(-1), stdout)
}

/// The exit code of a finished command.
pub fn code_of(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}
