//! End-to-end tests of the registration ledger: several nodes on loopback (issues 3 and 5).
#![forbid(unsafe_code)]
