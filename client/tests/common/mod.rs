//! Real bundles for the CLI tests: real keys, proofs and checkpoints from `ledger_format::testing`,
//! the same fixture `ledger-format/src/bundle/tests.rs` uses.
#![allow(dead_code, reason = "each test binary uses part of the fixture")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ledger_client::policy::policy_text;
use ledger_format::Canonical;
use ledger_format::bundle::TrustPolicy;
use ledger_format::code::CertificateCode;
use ledger_format::testing::{self, Ledger, at};

/// Witnesses that cosign the fixture checkpoint.
pub const WITNESSES: u8 = 3;

/// Certificate `n` of the fixture: 1 valid (2026-12-07 to 2029-12-07), 2 in notice, 3 suspended,
/// 4 cancelled, 5 revoked, 6 terminated; 99 does not exist.
pub fn code(n: u64) -> CertificateCode {
    testing::code(2026, n)
}

/// The fixture log: six registrations in every state, with evidence in between
/// ([`testing::six_certificates`], which the format crate's bundle tests use too).
pub fn ledger() -> Ledger {
    testing::six_certificates()
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

/// Runs `ledger-client verify` on a bundle file and returns (exit code, stdout). The tests of a
/// bundle's own verdict pass `--any-code` (the code is not what they check) unless `extra` gives
/// `--code` or `--any-code` itself.
pub fn verify(bundle: &Path, policy: &Path, on: &str, extra: &[&str]) -> (i32, String) {
    let mut args = vec![
        "verify",
        bundle.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--at",
        on,
    ];
    if !extra.iter().any(|a| matches!(*a, "--code" | "--any-code")) {
        args.push("--any-code");
    }
    args.extend_from_slice(extra);
    let out = run(&args);
    let stdout = String::from_utf8(out.stdout).unwrap();
    (out.status.code().unwrap_or(-1), stdout)
}

/// The exit code of a finished command.
pub fn code_of(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}
