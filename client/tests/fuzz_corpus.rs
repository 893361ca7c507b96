//! Replays the fuzz corpus of the trust-policy parser (`fuzz/corpus/policy`) through the fuzz
//! target's own check (`fuzz/src/client_checks.rs`), so that `cargo test` on stable catches a
//! regression the fuzzer once covered. Also holds the seed generator:
//! `cargo test -p ledger-client --test fuzz_corpus -- --ignored write_seeds`.

use ledger_client::policy::policy_text;
use ledger_format::SigningKey;
use ledger_format::checkpoint::VerifierKey;
use ledger_format::testing::Ledger;

#[path = "../../fuzz/src/client_checks.rs"]
mod client_checks;
#[path = "../../fuzz/src/corpus.rs"]
mod corpus;

use corpus::Seed;

#[test]
fn replays_the_fuzz_corpus() {
    corpus::replay(client_checks::TARGETS);
}

#[test]
fn every_seed_is_accepted_and_every_adversarial_seed_refused() {
    corpus::check_seeds(client_checks::TARGETS, &seeds());
}

/// Writes the seeds into `fuzz/corpus/policy/` (run by hand, then fuzz and minimise).
#[test]
#[ignore = "writes files: run by hand to regenerate the seed corpus"]
fn write_seeds() {
    corpus::write_seeds(&seeds());
}

fn key(seed: u8) -> ledger_format::PublicKey {
    SigningKey::from_seed(&[seed; 32]).public_key()
}

fn seeds() -> Vec<Seed> {
    const T: &str = "policy";
    let text = |s: &str| s.as_bytes().to_vec();
    let seed = |name: &str, data: Vec<u8>| Seed {
        target: T,
        name: name.into(),
        data,
        adversarial: false,
    };
    let adversarial = |name: &str, data: Vec<u8>| Seed {
        adversarial: true,
        ..seed(name, data)
    };
    let log = VerifierKey::ed25519("ledger.a.example/1", key(1)).unwrap();
    let w = |n: u8| VerifierKey::cosignature_v1(&format!("w{n}.example"), key(n)).unwrap();
    let witnesses: String = (10..13)
        .map(|n| format!("witness w{n} {}\n", w(n)))
        .collect();
    let minimal = format!("log {log}\nquorum none\nmax-age 1s\n");
    let full = format!(
        "# comment\n\nlog {log} origin ledger.b.example/2 not-before -5 not-after \
         2027-01-01T00:00:00+08:00\n{witnesses}group g any w10 w11 w12\nquorum g\nmax-age 36h\n"
    );
    let many_logs: String = (0..200u8)
        .map(|n| format!("log {} origin ledger.o{n}.example/1\n", log))
        .collect();
    let tail = "quorum none\nmax-age 1d\n";
    vec![
        seed("example", text(include_str!("../examples/policy.txt"))),
        seed(
            "fixture",
            text(&policy_text(&Ledger::default().policy(3, 2))),
        ),
        seed("minimal", text(&minimal)),
        seed("full", text(&full)),
        seed("200-logs", text(&format!("{many_logs}{tail}"))),
        seed("crlf", text(&minimal.replace('\n', "\r\n"))),
        seed(
            "witness-windows",
            text(&format!(
                "log {log}\nwitness old {} node-of ledger.a.example/1 not-after \
                 2027-03-01T00:00:00+08:00\nwitness new {} not-before 1803830401 \
                 node-of ledger.a.example/1\nwitness w12 {} not-after 1803830400 not-before 0\n\
                 quorum 1\nmax-age 1d\n",
                w(10),
                VerifierKey::cosignature_v1("w10.example", key(20)).unwrap(),
                w(12)
            )),
        ),
        adversarial("empty", Vec::new()),
        adversarial(
            "non-utf8",
            [text(&minimal), vec![0xff, 0xfe, b'\n']].concat(),
        ),
        adversarial(
            "unknown-keyword",
            text(&format!("{minimal}trust everything\n")),
        ),
        adversarial("no-max-age", text(&format!("log {log}\nquorum none\n"))),
        adversarial(
            "max-age-overflow",
            text(&format!(
                "log {log}\nquorum none\nmax-age 9999999999999999999d\n"
            )),
        ),
        adversarial(
            "max-age-huge",
            text(&format!(
                "log {log}\nquorum none\nmax-age 1{}s\n",
                "0".repeat(5_000)
            )),
        ),
        adversarial(
            "quorum-huge",
            text(&format!(
                "log {log}\nquorum 99999999999999999999999\nmax-age 1d\n"
            )),
        ),
        adversarial(
            "time-huge",
            text(&format!(
                "log {log} not-before 99999999999999999999\n{tail}"
            )),
        ),
        adversarial(
            "empty-window",
            text(&format!("log {log} not-before 10 not-after 9\n{tail}")),
        ),
        adversarial(
            "nested-group",
            text(&format!(
                "log {log}\n{witnesses}group g any w10\ngroup h 1 g\n{tail}"
            )),
        ),
        adversarial(
            "many-lines-then-bad",
            text(&format!("{}{minimal}max-age 2d\n", "#\n".repeat(10_000))),
        ),
        adversarial(
            "duplicate-log-key",
            text(&format!("log {log}\nlog {log}\n{tail}")),
        ),
        adversarial("witness-as-log", text(&format!("log {}\n{tail}", w(10)))),
        adversarial(
            "witness-empty-window",
            text(&format!(
                "log {log}\nwitness a {} not-before 10 not-after 9\n{tail}",
                w(10)
            )),
        ),
        adversarial(
            "witness-window-twice",
            text(&format!(
                "log {log}\nwitness a {} not-after 9 not-after 10\n{tail}",
                w(10)
            )),
        ),
        adversarial(
            "witness-compromised-keyword",
            text(&format!(
                "log {log}\nwitness a {} compromised 9\n{tail}",
                w(10)
            )),
        ),
    ]
}
