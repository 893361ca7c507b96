//! Fuzz targets for every decoder and verifier of `ledger-format` (see `fuzz/README.md`).
//!
//! The checks live in [`checks`], which the corpus replay test
//! `ledger-format/tests/fuzz_corpus.rs` includes too, so that `cargo test` on stable runs exactly
//! what the fuzzer runs.

pub mod checks;
