//! The corpus on disk (`fuzz/corpus/<target>/`), for the replay tests of the crates that own the
//! decoders: `ledger-format/tests/fuzz_corpus.rs`, `node/tests/fuzz_corpus.rs` and
//! `client/tests/fuzz_corpus.rs` include this file with `#[path]`, next to their checks.
//!
//! This file may use only `std`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// A target's check: panics on a bug, otherwise returns whether the input was accepted.
pub type Check = fn(&[u8]) -> bool;

/// Each target's corpus must hold at least this many inputs: a missing or emptied directory fails.
pub const MIN_INPUTS_PER_TARGET: usize = 3;

/// Seeds are named `seed-<name>` when valid and `adversarial-<name>` when every decoder must
/// refuse them.
pub const ADVERSARIAL_PREFIX: &str = "adversarial-";

/// One seed: its target, its name (without prefix), its bytes, and whether it is adversarial.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The target (the directory under `fuzz/corpus/`).
    pub target: &'static str,
    /// The file name after `seed-` or `adversarial-`.
    pub name: String,
    /// The input.
    pub data: Vec<u8>,
    /// Whether the check must refuse it (`false`) rather than accept it.
    pub adversarial: bool,
}

/// `fuzz/corpus/<target>`. Every crate that includes this file sits next to `fuzz/`.
pub fn dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

/// The corpus files of `target` (libFuzzer's temporary `.tmp*` files excluded), sorted.
///
/// # Panics
/// When the directory cannot be read.
pub fn files(target: &str) -> Vec<PathBuf> {
    let dir = dir(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            path.is_file() && !hidden
        })
        .collect();
    files.sort();
    files
}

/// Runs every corpus file of every target through its check.
///
/// # Panics
/// Naming every file a check panicked on, or a target with fewer than
/// [`MIN_INPUTS_PER_TARGET`] inputs.
pub fn replay(targets: &[(&str, Check)]) {
    let mut failures = Vec::new();
    for (target, check) in targets {
        let files = files(target);
        assert!(
            files.len() >= MIN_INPUTS_PER_TARGET,
            "fuzz/corpus/{target} holds {} inputs, expected at least {MIN_INPUTS_PER_TARGET}",
            files.len()
        );
        for file in files {
            let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
                failures.push(format!("{target}: {}", file.display()));
            }
        }
    }
    assert!(failures.is_empty(), "panicked on:\n{}", failures.join("\n"));
}

/// Checks that every valid seed is accepted by its target's check (so the fuzzer starts past the
/// first error) and every adversarial seed is refused.
///
/// # Panics
/// Naming the first seed that is not, or a seed of an unknown target.
pub fn check_seeds(targets: &[(&str, Check)], seeds: &[Seed]) {
    for seed in seeds {
        let check = targets
            .iter()
            .find(|(t, _)| *t == seed.target)
            .map(|(_, check)| check)
            .unwrap_or_else(|| panic!("no target {}", seed.target));
        let accepted = check(&seed.data);
        let (target, name) = (seed.target, &seed.name);
        match seed.adversarial {
            false => assert!(accepted, "seed {target}/{name} is not accepted"),
            true => assert!(!accepted, "adversarial seed {target}/{name} is accepted"),
        }
    }
}

/// Writes the seeds into `fuzz/corpus/<target>/seed-<name>` or `adversarial-<name>`.
///
/// # Panics
/// When a file cannot be written.
pub fn write_seeds(seeds: &[Seed]) {
    for seed in seeds {
        let dir = dir(seed.target);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let prefix = if seed.adversarial {
            ADVERSARIAL_PREFIX
        } else {
            "seed-"
        };
        let path = dir.join(format!("{prefix}{}", seed.name));
        std::fs::write(&path, &seed.data).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}
