//! Replays the fuzz corpus (`fuzz/corpus/<target>/`) through the fuzz targets' own checks, so that
//! `cargo test` on stable catches a regression the fuzzer once covered. Also holds the seed
//! generator: `cargo test -p ledger-format --test fuzz_corpus -- --ignored write_seeds`.

use ledger_format::Canonical;
use ledger_format::calendar::WorkCalendar;
use ledger_format::checkpoint::{
    AddCheckpointRequest, CompactCheckpoint, NoteSigningKey, SignatureType, SignedCheckpoint,
};
use ledger_format::code::{CertificateCode, ObjectKind};
use ledger_format::encoding::to_base64;
use ledger_format::equivocation::Equivocation;
use ledger_format::merkle;
use ledger_format::receipt::{EvidenceReceipt, RECEIPT_VERSION};
use ledger_format::testing::{self, Ledger, at, parse_date as d};
use ledger_format::tlog_proof::TlogProof;
use ledger_format::{Hash, map, sha256};

#[path = "../../fuzz/src/checks.rs"]
mod checks;
#[path = "../../fuzz/src/corpus.rs"]
mod corpus;

use corpus::Seed;

#[test]
fn replays_the_fuzz_corpus() {
    corpus::replay(checks::TARGETS);
}

#[test]
fn every_seed_is_accepted_and_every_adversarial_seed_refused() {
    corpus::check_seeds(checks::TARGETS, &seeds());
}

/// Writes the seeds into `fuzz/corpus/<target>/` (run by hand, then fuzz and minimise).
#[test]
#[ignore = "writes files: run by hand to regenerate the seed corpus"]
fn write_seeds() {
    corpus::write_seeds(&seeds());
}

/// Valid inputs for every target, from the fixtures, and adversarial ones for the newer targets.
fn seeds() -> Vec<Seed> {
    let mut out = Vec::new();
    let mut add = |target: &'static str, name: String, data: Vec<u8>| {
        let adversarial = name.starts_with(corpus::ADVERSARIAL_PREFIX);
        let name = name
            .strip_prefix(corpus::ADVERSARIAL_PREFIX)
            .map_or(name.clone(), str::to_owned);
        out.push(Seed {
            target,
            name,
            data,
            adversarial,
        });
    };
    for record in testing::one_record_of_each_kind() {
        add("record", record.body.kind_name().into(), record.encode());
    }
    let l = ledger();
    ledger_seeds(&l, &mut add);
    merkle_seeds(&l, &mut add);
    equivocation_seeds(&l, &mut add);
    text_seeds(&mut add);
    add_checkpoint_seeds(&l, &mut add);
    equivocation_adversarial_seeds(&l, &mut add);
    tlog_proof_seeds(&l, &mut add);
    out
}

/// Certificates 1 issued, 2 in notice, 3 suspended, 4 cancelled, 5 revoked, 6 terminated, with
/// evidence in between: the fixture the bundle tests use too.
fn ledger() -> Ledger {
    testing::six_certificates()
}

type Add<'a> = dyn FnMut(&'static str, String, Vec<u8>) + 'a;

/// Checkpoints, bundles, map proofs, map nodes and states of the fixture ledger.
fn ledger_seeds(l: &Ledger, add: &mut Add<'_>) {
    let signed_at = at("2027-02-01", 9);
    let policy = l.policy(3, 2);
    for witnesses in [1, 3] {
        let text = l.checkpoint(signed_at, witnesses).to_note_text();
        add(
            "signed_checkpoint",
            format!("{witnesses}-witnesses"),
            text.clone().into_bytes(),
        );
        add(
            "note",
            format!("checkpoint-{witnesses}-witnesses"),
            text.into_bytes(),
        );
        let signed = l.checkpoint(signed_at, witnesses);
        let compact = CompactCheckpoint::from_signed(&signed, &checks::fixtures().keys).unwrap();
        add(
            "compact_checkpoint",
            format!("{witnesses}-witnesses"),
            compact.encode(),
        );
    }
    let signed = l.checkpoint(signed_at, 3);
    for n in 1..=7 {
        let code = testing::code(2026, n);
        let bundle = l.bundle(&code, &signed, &policy, n % 2 == 1);
        add("bundle_decode", format!("code-{n}"), bundle.encode());
        let input = checks::bundle_verify_input(at("2027-02-01", 12), &bundle);
        add("bundle_verify", format!("code-{n}"), input);
        add("map_proof", format!("code-{n}"), bundle.map_proof.encode());
        let key = map::map_key(
            ledger_format::suite::Suite::Ed25519Sha256,
            code.as_str().as_bytes(),
        );
        let value = bundle
            .state
            .as_ref()
            .map(|s| s.map_value_hash(ledger_format::suite::Suite::Ed25519Sha256));
        let input = checks::map_verify_input(l.map.root(), key, value, &bundle.map_proof);
        add("map_verify", format!("code-{n}"), input);
    }
    for (code, state) in &l.states {
        add("certificate_state", code.to_string(), state.encode());
    }
    for (i, (key, node)) in l.map.nodes().enumerate().take(8) {
        add("map_node", format!("node-{i}"), node.encode());
        add("node_key", format!("node-{i}"), key.to_bytes().to_vec());
    }
    for (i, key) in checks::fixtures().keys.iter().enumerate() {
        add(
            "verifier_key",
            format!("key-{i}"),
            key.to_string().into_bytes(),
        );
    }
    let kinds = [SignatureType::Ed25519, SignatureType::CosignatureV1];
    for (i, kind) in kinds.into_iter().enumerate() {
        let key = NoteSigningKey::new(testing::ORIGIN, kind, testing::witness_key(0)).unwrap();
        add(
            "signing_key",
            format!("type-{i}"),
            key.to_secret_text().unwrap().into_bytes(),
        );
    }
    sm2_seeds(add);
}

/// The same targets fed the artefacts of an `sm2-sm3` log: version-3 records, SM2 key texts, an
/// SM2-signed checkpoint note.
fn sm2_seeds(add: &mut Add<'_>) {
    use ledger_format::suite::Suite;
    for record in testing::one_record_of_each_kind_of(Suite::Sm2Sm3) {
        add(
            "record",
            format!("sm2-{}", record.body.kind_name()),
            record.encode(),
        );
    }
    let kinds = [SignatureType::Sm2, SignatureType::Sm2CosignatureV1];
    for (i, kind) in kinds.into_iter().enumerate() {
        let key = NoteSigningKey::new(
            testing::ORIGIN,
            kind,
            testing::witness_key_of(Suite::Sm2Sm3, 0),
        )
        .unwrap();
        add(
            "signing_key",
            format!("sm2-type-{i}"),
            key.to_secret_text().unwrap().into_bytes(),
        );
        add(
            "verifier_key",
            format!("sm2-type-{i}"),
            key.verifier_key().to_string().into_bytes(),
        );
    }
    let sm2 = testing::six_certificates_of(Suite::Sm2Sm3);
    let note = sm2.checkpoint(at("2027-02-01", 9), 3).to_note_text();
    add("signed_checkpoint", "sm2".into(), note.clone().into_bytes());
    add("note", "sm2".into(), note.into_bytes());
}

/// Inclusion and consistency proofs of the fixture ledger's tree.
fn merkle_seeds(l: &Ledger, add: &mut Add<'_>) {
    let size = l.tree.size();
    let root = |n| merkle::root_at(n, &l.tree).unwrap();
    for (index, n) in [(0, 1), (0, size), (5, 13), (7, 8), (size - 1, size)] {
        let proof = merkle::inclusion_proof(index, n, &l.tree).unwrap();
        let leaf = l.log.records[index as usize].hash();
        let input = checks::merkle_inclusion_input(leaf, &proof, root(n));
        add("merkle_inclusion", format!("{index}-of-{n}"), input);
        add("inclusion_proof", format!("{index}-of-{n}"), proof.encode());
    }
    for (size1, size2) in [(1, size), (7, 13), (8, 16), (13, size), (size, size)] {
        let proof = merkle::consistency_proof(size1, size2, &l.tree).unwrap();
        let input = checks::merkle_consistency_input(&proof, root(size1), root(size2));
        add("merkle_consistency", format!("{size1}-to-{size2}"), input);
        add(
            "consistency_proof",
            format!("{size1}-to-{size2}"),
            proof.encode(),
        );
    }
}

/// Equivocation proofs by the fixture log key: two roots for one size, and a smaller checkpoint
/// that the larger tree does not extend (by its consistency proof), for two pairs of sizes.
fn equivocation_seeds(l: &Ledger, add: &mut Add<'_>) {
    let signed_at = at("2027-02-01", 9);
    let key = &checks::fixtures().keys[0];
    let sign = |size: u64, root: ledger_format::Hash| {
        let mut checkpoint = l.checkpoint(signed_at, 0).checkpoint().clone();
        checkpoint.size = size;
        checkpoint.root = root;
        SignedCheckpoint::sign(checkpoint, testing::ORIGIN, &testing::agency_key()).unwrap()
    };
    let size = l.tree.size();
    let honest = l.checkpoint(signed_at, 1);
    let forked = sign(size, sha256(b"another history"));
    let proof = Equivocation::new(&honest, &forked, key).unwrap();
    add("equivocation", "same-size".into(), proof.encode());
    for m in [7, 8] {
        let smaller = sign(m, sha256(b"another prefix"));
        let consistency = merkle::consistency_proof(m, size, &l.tree).unwrap();
        let prefix_root = merkle::root_at(m, &l.tree).unwrap();
        let proof =
            Equivocation::across_sizes(&smaller, &honest, consistency.path, prefix_root, key)
                .unwrap();
        add(
            "equivocation",
            format!("across-{m}-to-{size}"),
            proof.encode(),
        );
    }
}

/// Codes, dates and calendars.
fn text_seeds(add: &mut Add<'_>) {
    let product = CertificateCode::new(
        testing::REGION,
        2030,
        ObjectKind::ProductOrService,
        99_999_999,
    );
    for code in [
        testing::code(2026, 1),
        testing::code(1970, 0),
        product.unwrap(),
    ] {
        add(
            "certificate_code",
            code.to_string(),
            code.to_string().into_bytes(),
        );
    }
    for code in [testing::CREDIT_CODE, "91440300708461136T"] {
        add("credit_code", code.into(), code.as_bytes().to_vec());
    }
    for date in ["1970-01-01", "2026-11-23", "2028-02-29", "9999-12-31"] {
        add("date", date.into(), date.as_bytes().to_vec());
    }
    let calendars = [
        WorkCalendar::new(2026, vec![], vec![]),
        WorkCalendar::new(2027, vec![d("2027-01-01")], vec![d("2027-02-20")]),
        WorkCalendar::new(
            2028,
            vec![d("2028-01-01"), d("2028-02-29"), d("2028-10-02")],
            vec![d("2028-01-29"), d("2028-09-30")],
        ),
    ];
    for calendar in calendars {
        let calendar = calendar.unwrap();
        add(
            "work_calendar",
            calendar.year.to_string(),
            calendar.encode(),
        );
    }
    for name in ledger_format::profile::BUILTIN {
        let adopted = ledger_format::profile::ProfileAdopted {
            from: d("2026-12-01"),
            profile: ledger_format::profile::builtin(name).unwrap(),
        };
        add("profile_adopted", name.to_string(), adopted.encode());
    }
}

/// `add-checkpoint` bodies: a first request, one with a real consistency proof, and every way the
/// body can be malformed (names starting `adversarial-` must be refused).
fn add_checkpoint_seeds(l: &Ledger, add: &mut Add<'_>) {
    let note = l.checkpoint(at("2027-02-01", 9), 3).to_note_text();
    let size = l.tree.size();
    let request = |old: u64| {
        let proof = match old {
            0 => Vec::new(),
            _ => merkle::consistency_proof(old, size, &l.tree).unwrap().path,
        };
        AddCheckpointRequest {
            old,
            proof,
            checkpoint: &note,
        }
        .to_body()
    };
    add("add_checkpoint", "first".into(), request(0).into_bytes());
    add("add_checkpoint", "from-7".into(), request(7).into_bytes());
    add("add_checkpoint", "from-1".into(), request(1).into_bytes());
    let hash = to_base64(&[7; 32]);
    let many: String = (0..300).map(|_| format!("{hash}\n")).collect();
    let long = format!("old {}\n{many}\n{note}", u64::MAX);
    add(
        "add_checkpoint",
        "300-proof-lines".into(),
        long.into_bytes(),
    );
    let adversarial = [
        ("no-empty-line", format!("old 0\n{note}")),
        ("empty", String::new()),
        ("sign", format!("old +7\n\n{note}")),
        ("leading-zero", format!("old 07\n\n{note}")),
        ("above-u64", format!("old 18446744073709551616\n\n{note}")),
        (
            "huge-number",
            format!("old {}\n\n{note}", "9".repeat(10_000)),
        ),
        (
            "short-hash",
            format!("old 1\n{}\n\n{note}", to_base64(&[7; 31])),
        ),
        ("crlf", format!("old 1\r\n{hash}\r\n\r\n{note}")),
        (
            "unpadded",
            format!("old 1\n{}\n\n{note}", hash.trim_end_matches('=')),
        ),
        ("many-lines-then-bad", format!("old 1\n{many}x\n\n{note}")),
    ];
    for (name, body) in adversarial {
        add(
            "add_checkpoint",
            format!("adversarial-{name}"),
            body.into_bytes(),
        );
    }
    let mut non_utf8 = b"old 0\n\n".to_vec();
    non_utf8.extend_from_slice(&[0xff, 0xfe, b'\n']);
    add("add_checkpoint", "adversarial-non-utf8".into(), non_utf8);
}

/// Equivocation proofs of the fixture log: its checkpoint against one with another tree root,
/// another map root, or both; and broken ones.
fn equivocation_adversarial_seeds(l: &Ledger, add: &mut Add<'_>) {
    let signed = l.checkpoint(at("2027-02-01", 9), 2);
    let log_key = &checks::fixtures().keys[0];
    let forge = |root: Option<Hash>, map_root: Option<Hash>| {
        let mut other = signed.checkpoint().clone();
        other.root = root.unwrap_or(other.root);
        other.map_root = map_root.unwrap_or(other.map_root);
        SignedCheckpoint::sign(other, testing::ORIGIN, &testing::agency_key()).unwrap()
    };
    let cases = [
        ("root", forge(Some(Hash([1; 32])), None)),
        ("map-root", forge(None, Some(Hash([2; 32])))),
        ("both", forge(Some(Hash([3; 32])), Some(Hash([4; 32])))),
    ];
    for (name, other) in &cases {
        let proof = Equivocation::new(&signed, other, log_key).unwrap();
        add("equivocation", (*name).into(), proof.encode());
    }
    let proof = Equivocation::new(&signed, &cases[0].1, log_key).unwrap();
    let mut trailing = proof.encode();
    trailing.push(0);
    add("equivocation", "adversarial-trailing-byte".into(), trailing);
    let bytes = proof.encode();
    add(
        "equivocation",
        "adversarial-truncated".into(),
        bytes[..bytes.len() - 1].to_vec(),
    );
    let swapped = Equivocation {
        first: proof.second.clone(),
        second: proof.first.clone(),
        ..proof.clone()
    };
    add(
        "equivocation",
        "adversarial-unsorted".into(),
        swapped.encode(),
    );
    let agree = Equivocation {
        second: proof.first.clone(),
        ..proof.clone()
    };
    add("equivocation", "adversarial-agree".into(), agree.encode());
    let mut version = proof.encode();
    version[0] = ledger_format::equivocation::EQUIVOCATION_VERSION + 1;
    add("equivocation", "adversarial-next-version".into(), version);
    // A string length (ULEB128) claiming 2^31 - 1 bytes after the version byte.
    let huge = vec![1, 0xff, 0xff, 0xff, 0xff, 0x07, b'a'];
    add("equivocation", "adversarial-huge-length".into(), huge);
}

/// The evidence receipt of record 1 (an evidence record) as a tlog-proof, one without `extra`, and
/// adversarial edits of it.
fn tlog_proof_seeds(l: &Ledger, add: &mut Add<'_>) {
    let keys = &checks::fixtures().keys;
    let signed = l.checkpoint(at("2027-02-01", 9), 3);
    let receipt = EvidenceReceipt {
        version: RECEIPT_VERSION,
        record: l.log.records[1].clone(),
        proof: merkle::inclusion_proof(1, l.tree.size(), &l.tree).unwrap(),
        checkpoint: CompactCheckpoint::from_signed(&signed, keys).unwrap(),
    };
    let proof = receipt.to_tlog_proof(keys).unwrap();
    let text = proof.to_text();
    add(
        "tlog_proof",
        "evidence-receipt".into(),
        text.clone().into_bytes(),
    );
    let bare = TlogProof::new(
        Vec::new(),
        0,
        Vec::new(),
        l.checkpoint(at("2027-02-01", 9), 1),
    );
    add(
        "tlog_proof",
        "no-extra".into(),
        bare.unwrap().to_text().into_bytes(),
    );
    let hash = to_base64(&[7; 32]);
    let many: String = (0..65).map(|_| format!("{hash}\n")).collect();
    let note = signed.to_note_text();
    let adversarial = [
        ("header-v2", text.replacen("@v1", "@v2", 1)),
        ("trailing", format!("{text}x\n")),
        ("truncated", text[..text.len() / 2].to_owned()),
        ("extra-not-base64", text.replacen("extra ", "extra *", 1)),
        (
            "empty-extra",
            format!("c2sp.org/tlog-proof@v1\nextra \nindex 0\n\n{note}"),
        ),
        (
            "leading-zero",
            format!("c2sp.org/tlog-proof@v1\nindex 01\n\n{note}"),
        ),
        (
            "65-hashes",
            format!("c2sp.org/tlog-proof@v1\nindex 0\n{many}\n{note}"),
        ),
        ("crlf", text.replace('\n', "\r\n")),
        (
            "index-past-size",
            format!("c2sp.org/tlog-proof@v1\nindex {}\n\n{note}", l.tree.size()),
        ),
    ];
    for (name, body) in adversarial {
        add(
            "tlog_proof",
            format!("adversarial-{name}"),
            body.into_bytes(),
        );
    }
}
