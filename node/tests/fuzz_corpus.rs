//! Replays the fuzz corpus of the node's decoders (`fuzz/corpus/{p2p_request, p2p_response,
//! p2p_gossip, membership}`) through the fuzz targets' own checks (`fuzz/src/node_checks.rs`), run
//! here against the node's real modules, so that `cargo test` on stable catches a regression the
//! fuzzer once covered. Also holds the seed generator:
//! `cargo test -p ledger-node --test fuzz_corpus -- --ignored write_seeds`.

use ledger_format::Canonical;
use ledger_format::checkpoint::{SignedCheckpoint, VerifierKey};
use ledger_format::equivocation::Equivocation;
use ledger_format::merkle;
use ledger_format::testing::{self, Ledger, at};
use ledger_format::{Hash, sha256};
use ledger_node::replication::membership::{Instant, WitnessKeyEntry};
use ledger_node::replication::protocol::{
    Gossip, MAX_GOSSIP_BYTES, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, Request, Response,
};
use ledger_node::replication::{MemberEntry, membership, protocol};

#[path = "../../fuzz/src/corpus.rs"]
mod corpus;
#[path = "../../fuzz/src/node_checks.rs"]
mod node_checks;

use corpus::Seed;

#[test]
fn replays_the_fuzz_corpus() {
    corpus::replay(node_checks::TARGETS);
}

#[test]
fn every_seed_is_accepted_and_every_adversarial_seed_refused() {
    corpus::check_seeds(node_checks::TARGETS, &seeds());
}

/// Writes the seeds into `fuzz/corpus/<target>/` (run by hand, then fuzz and minimise).
#[test]
#[ignore = "writes files: run by hand to regenerate the seed corpus"]
fn write_seeds() {
    corpus::write_seeds(&seeds());
}

fn seed(target: &'static str, name: &str, data: Vec<u8>) -> Seed {
    Seed {
        target,
        name: name.into(),
        data,
        adversarial: false,
    }
}

fn adversarial(target: &'static str, name: &str, data: Vec<u8>) -> Seed {
    Seed {
        adversarial: true,
        ..seed(target, name, data)
    }
}

fn seeds() -> Vec<Seed> {
    let l = ledger();
    let mut out = request_seeds();
    out.extend(response_seeds(&l));
    out.extend(gossip_seeds(&l));
    out.extend(membership_seeds());
    out
}

/// A fixture log of 12 evidence records.
fn ledger() -> Ledger {
    let mut l = Ledger::default();
    for n in 0..12u8 {
        l.evidence(at("2027-01-04", 9) + i64::from(n), sha256(&[n]));
    }
    l
}

/// A frame as the codec writes it: the 4-byte big-endian length, then the bytes.
fn frame(bytes: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(bytes.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(bytes);
    out
}

/// Only a length prefix, followed by `tail`.
fn prefix(len: u32, tail: &[u8]) -> Vec<u8> {
    [&len.to_be_bytes()[..], tail].concat()
}

fn request_seeds() -> Vec<Seed> {
    const T: &str = "p2p_request";
    let range = |origin: &str, start, end, proof_to| Request::Range {
        origin: origin.into(),
        start,
        end,
        proof_to,
    };
    let checkpoints = frame(&Request::Checkpoints.encode());
    let max = u32::try_from(MAX_REQUEST_BYTES).unwrap();
    vec![
        seed(T, "checkpoints", checkpoints.clone()),
        seed(
            T,
            "range",
            frame(&range(testing::ORIGIN, 0, 12, 12).encode()),
        ),
        seed(
            T,
            "range-max",
            frame(&range("o", u64::MAX, u64::MAX, 0).encode()),
        ),
        // The codec reads one frame per stream and ignores what a peer writes after it.
        seed(T, "bytes-after-frame", [&checkpoints[..], b"junk"].concat()),
        adversarial(T, "empty", Vec::new()),
        adversarial(T, "truncated-length", vec![0, 0]),
        adversarial(T, "length-4gib", prefix(u32::MAX, &[0; 64])),
        adversarial(T, "length-over-limit", prefix(max + 1, &[0; 64])),
        adversarial(T, "length-at-limit-no-body", prefix(max, &[])),
        adversarial(T, "zero-length", prefix(0, &[])),
        adversarial(T, "bad-tag", frame(&[2])),
        adversarial(T, "trailing-byte-in-frame", frame(&[0, 0])),
        adversarial(T, "truncated-range", {
            let bytes = range("o", 1, 2, 3).encode();
            frame(&bytes[..bytes.len() - 1])
        }),
        adversarial(
            T,
            "non-utf8-origin",
            frame(&[&[1, 2, 0xff, 0xfe][..], &[0; 24]].concat()),
        ),
        adversarial(
            T,
            "origin-length-2gib",
            frame(&[1, 0xff, 0xff, 0xff, 0xff, 0x07, b'a']),
        ),
        adversarial(T, "non-canonical-uleb", frame(&[1, 0x81, 0x00, b'a'])),
    ]
}

fn response_seeds(l: &Ledger) -> Vec<Seed> {
    const T: &str = "p2p_response";
    let notes = (1..=3)
        .map(|w| l.checkpoint(at("2027-02-01", 9), w).to_note_text())
        .collect();
    let records: Vec<Vec<u8>> = l.log.records[4..9].iter().map(Canonical::encode).collect();
    let proof = merkle::consistency_proof(9, 12, &l.tree).unwrap().path;
    let range = Response::Range {
        records: records.clone(),
        proof: proof.clone(),
    };
    let max = u32::try_from(MAX_RESPONSE_BYTES).unwrap();
    let range_bytes = range.encode();
    vec![
        seed(
            T,
            "checkpoints",
            frame(&Response::Checkpoints(notes).encode()),
        ),
        seed(
            T,
            "no-checkpoints",
            frame(&Response::Checkpoints(vec![]).encode()),
        ),
        seed(T, "range", frame(&range_bytes)),
        seed(
            T,
            "refused",
            frame(&Response::Refused("unknown log".into()).encode()),
        ),
        adversarial(T, "length-4gib", prefix(u32::MAX, &range_bytes)),
        adversarial(T, "length-over-limit", prefix(max + 1, &range_bytes)),
        adversarial(T, "truncated-body", prefix(max, &range_bytes)),
        adversarial(T, "bad-tag", frame(&[3])),
        adversarial(
            T,
            "trailing-byte-in-frame",
            frame(&[&range_bytes[..], &[0]].concat()),
        ),
        adversarial(
            T,
            "truncated-hash",
            frame(&range_bytes[..range_bytes.len() - 1]),
        ),
        adversarial(
            T,
            "records-count-2gib",
            frame(&[1, 0xff, 0xff, 0xff, 0xff, 0x07, 0]),
        ),
        adversarial(
            T,
            "record-length-2gib",
            frame(&[1, 1, 0xff, 0xff, 0xff, 0xff, 0x07]),
        ),
        adversarial(T, "non-utf8-refusal", frame(&[2, 2, 0xc3, 0x28])),
    ]
}

fn gossip_seeds(l: &Ledger) -> Vec<Seed> {
    const T: &str = "p2p_gossip";
    let signed = l.checkpoint(at("2027-02-01", 9), 2);
    let mut other = signed.checkpoint().clone();
    other.root = Hash([0xAB; 32]);
    let other = SignedCheckpoint::sign(other, testing::ORIGIN, &testing::agency_key()).unwrap();
    let log_key = VerifierKey::ed25519(testing::ORIGIN, testing::agency_key().public_key());
    let proof = Equivocation::new(&signed, &other, &log_key.unwrap()).unwrap();
    let note = Gossip::Checkpoint(signed.to_note_text()).encode();
    let too_big = Gossip::Checkpoint("x".repeat(MAX_GOSSIP_BYTES)).encode();
    vec![
        seed(T, "checkpoint", note.clone()),
        seed(
            T,
            "equivocation",
            Gossip::Equivocation(proof.encode()).encode(),
        ),
        seed(T, "not-a-note", Gossip::Checkpoint("hello".into()).encode()),
        seed(
            T,
            "not-a-proof",
            Gossip::Equivocation(vec![1, 2, 3]).encode(),
        ),
        adversarial(T, "empty", Vec::new()),
        adversarial(T, "bad-tag", vec![2, 0]),
        adversarial(T, "trailing-byte", [&note[..], &[0]].concat()),
        adversarial(T, "truncated", note[..note.len() - 1].to_vec()),
        adversarial(T, "over-limit", too_big),
        adversarial(T, "non-utf8-note", vec![0, 2, 0xff, 0xfe]),
        adversarial(T, "length-2gib", vec![1, 0xff, 0xff, 0xff, 0xff, 0x07, 0]),
        adversarial(T, "non-canonical-uleb", vec![0, 0x80, 0x00]),
    ]
}

/// Agency `n` of a test network, as `init` would print it.
fn entry(n: u8) -> MemberEntry {
    let origin = format!("ledger.a{n}.example/2026");
    let log = VerifierKey::ed25519(&origin, testing::witness_key(n).public_key()).unwrap();
    let witness_name = format!("{origin}/witness");
    let witness = testing::witness_key(n + 100).public_key();
    let witness = VerifierKey::cosignature_v1(&witness_name, witness).unwrap();
    let peer = libp2p::identity::Keypair::ed25519_from_bytes([n; 32]).unwrap();
    MemberEntry {
        name: format!("a{n}"),
        origin,
        // Prefectures of Yunnan, one per agency: 530100, 530200, ...
        regions: vec![530_100 + u32::from(n) * 100],
        profiles: Vec::new(),
        log_key: log.to_string(),
        log_key_not_after: None,
        witness_key: Some(witness.to_string()),
        witness_keys: Vec::new(),
        peer_id: peer.public().to_peer_id().to_string(),
        addresses: vec![
            format!("/ip4/10.0.0.{n}/tcp/8181"),
            format!("/dns4/a{n}.example/tcp/8181"),
        ],
        removed: None,
        objections: None,
    }
}

/// Witness key `seed` of agency `n`, named as `init` names it.
fn witness(n: u8, seed: u8) -> String {
    let name = format!("ledger.a{n}.example/2026/witness");
    VerifierKey::cosignature_v1(&name, testing::witness_key(seed).public_key())
        .unwrap()
        .to_string()
}

/// Agency 1 after a witness-key rotation (RFC 3339 and Unix times) and a log-key compromise.
fn rotated() -> MemberEntry {
    let mut e = entry(1);
    e.witness_key = None;
    e.witness_keys = vec![
        WitnessKeyEntry {
            key: witness(1, 101),
            not_before: None,
            not_after: Some(Instant::Text("2027-03-01T00:00:00+08:00".into())),
        },
        WitnessKeyEntry {
            key: witness(1, 121),
            not_before: Some(Instant::Unix(1_803_830_401)),
            not_after: None,
        },
    ];
    e.log_key_not_after = Some(Instant::Text("2027-06-01T00:00:00+08:00".into()));
    e
}

fn membership_seeds() -> Vec<Seed> {
    const T: &str = "membership";
    let file = |entries: &[MemberEntry]| -> String {
        entries.iter().map(|e| e.to_toml() + "\n").collect()
    };
    let three = file(&[entry(1), entry(2), entry(3)]);
    let text = |s: String| s.into_bytes();
    let with = |f: &dyn Fn(&mut MemberEntry)| {
        let mut e = entry(1);
        f(&mut e);
        text(file(&[e, entry(2)]))
    };
    let comments = "# a comment\n".repeat(1_000);
    let mut non_utf8 = three.clone().into_bytes();
    non_utf8.extend_from_slice(b"# \xff\xfe\n");
    vec![
        seed(T, "three", text(three.clone())),
        seed(T, "quorum-1", text(format!("quorum = 1\n{three}"))),
        seed(T, "one", text(file(&[entry(9)]))),
        seed(T, "none", Vec::new()),
        seed(T, "many-comments", text(format!("{comments}{three}"))),
        adversarial(T, "non-utf8", non_utf8),
        adversarial(T, "not-toml", b"[[agency]\nname = ".to_vec()),
        adversarial(
            T,
            "unknown-field",
            text(format!("{three}colour = \"red\"\n")),
        ),
        adversarial(T, "duplicate", text(file(&[entry(1), entry(1)]))),
        adversarial(
            T,
            "quorum-above-members",
            text(format!("quorum = 4\n{three}")),
        ),
        adversarial(T, "quorum-negative", text(format!("quorum = -1\n{three}"))),
        adversarial(
            T,
            "quorum-huge",
            text(format!("quorum = 1{}\n{three}", "0".repeat(30))),
        ),
        adversarial(
            T,
            "deep-nesting",
            text(format!("quorum = {}", "[".repeat(5_000))),
        ),
        // Not base58. (libp2p takes any short identity multihash, e.g. `12D3KooWnope`, as a peer id.)
        adversarial(
            T,
            "bad-peer-id",
            with(&|e| e.peer_id = "12D3KooW-0OIl".into()),
        ),
        adversarial(
            T,
            "bad-address",
            with(&|e| e.addresses = vec!["/ip4/300.0.0.1".into()]),
        ),
        adversarial(T, "bad-origin", with(&|e| e.origin = "has space".into())),
        adversarial(
            T,
            "swapped-keys",
            with(&|e| e.witness_key = Some(std::mem::replace(&mut e.log_key, witness(1, 0)))),
        ),
        adversarial(
            T,
            "witness-key-twice",
            with(&|e| e.witness_key = entry(2).witness_key),
        ),
        seed(T, "rotated-witness-key", text(file(&[rotated(), entry(2)]))),
        seed(
            T,
            "removed-agency",
            text(file(&[entry(1), entry(2), {
                let mut gone = entry(3);
                gone.removed = Some(Instant::Text("2027-03-01T00:00:00+08:00".into()));
                gone
            }])),
        ),
        adversarial(
            T,
            "witness-key-and-keys",
            with(&|e| e.witness_keys = rotated().witness_keys),
        ),
        adversarial(
            T,
            "witness-window-empty",
            text(file(&[
                {
                    let mut e = rotated();
                    e.witness_keys[1].not_after = Some(Instant::Unix(0));
                    e
                },
                entry(2),
            ])),
        ),
        adversarial(
            T,
            "bad-instant",
            with(&|e| e.log_key_not_after = Some(Instant::Text("2027-02-30T00:00:00Z".into()))),
        ),
    ]
}

#[test]
fn seeds_cover_every_node_target() {
    let seeds = seeds();
    for (target, _) in node_checks::TARGETS {
        let count = |adv: bool| {
            seeds
                .iter()
                .filter(|s| s.target == *target && s.adversarial == adv)
                .count()
        };
        assert!(count(false) >= 3 && count(true) >= 3, "{target}");
    }
}
