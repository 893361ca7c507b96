//! Offline verification for banks and evidence services. It will wrap `ledger_format::bundle` with
//! trust-policy files and a CLI (issue 4); it depends on `ledger-format` only.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use ledger_format;
