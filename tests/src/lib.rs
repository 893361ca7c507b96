//! End-to-end tests of the registration ledger live in `tests/`: a node and the offline client
//! together, as an agency and a bank would use them. This crate has no code of its own.
#![forbid(unsafe_code)]
