//! Benchmarks and the load generator of the registration ledger (issue 6).
#![forbid(unsafe_code)]
