//! One check per fuzz target of `ledger-client`'s own decoders (the trust-policy file). Shared by
//! the targets in `fuzz/fuzz_targets/` and by the corpus replay test
//! `client/tests/fuzz_corpus.rs` (which includes this file with `#[path]`).
//!
//! This file may use only `std`, `ledger_format`, `ledger_client` (without default features) and
//! `crate::corpus` (`src/corpus.rs`).

use ledger_client::policy::{parse_policy, policy_text};

use crate::corpus::Check;

/// Every target: its name (the directory under `fuzz/corpus/`) and its check.
pub const TARGETS: &[(&str, Check)] = &[("policy", policy)];

/// `parse_policy`: a policy that parses is written by `policy_text` as text that parses to the
/// same policy, and writing that again gives the same text.
pub fn policy(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(policy) = parse_policy(text) else {
        return false;
    };
    let written = policy_text(&policy);
    let again = parse_policy(&written);
    assert_eq!(again.as_ref(), Ok(&policy), "{written}");
    if let Ok(again) = again {
        assert_eq!(policy_text(&again), written);
    }
    true
}
