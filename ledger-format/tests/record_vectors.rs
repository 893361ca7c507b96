//! Golden vectors: the canonical bytes and hash of one record of every kind
//! (`tests/vectors/records-v2.json`, documented in docs/format.md#vectors).
//!
//! Ed25519 signatures are deterministic, so the fixture records are byte-for-byte reproducible.
//! After a deliberate format change, regenerate with `LEDGER_BLESS=1 cargo test -p ledger-format
//! --features testing --test record_vectors` and explain the change in docs/format.md.

use ledger_format::record::Record;
use ledger_format::{Canonical, testing};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/records-v2.json");

fn current() -> serde_json::Value {
    let records: Vec<serde_json::Value> = testing::one_record_of_each_kind()
        .iter()
        .map(|r| {
            serde_json::json!({
                "kind": r.body.kind_name(),
                "index": r.header.index,
                "hex": hex::encode(r.encode()),
                "record_hash": r.hash().to_hex(),
            })
        })
        .collect();
    serde_json::json!({
        "source": "ledger-format testing::one_record_of_each_kind (agency seed 0x01*32, submitter seed 0x02*32)",
        "records": records,
    })
}

#[test]
fn every_record_kind_matches_its_golden_vector() {
    let now = current();
    if std::env::var_os("LEDGER_BLESS").is_some() {
        std::fs::write(PATH, serde_json::to_string_pretty(&now).unwrap() + "\n").unwrap();
    }
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    assert_eq!(
        golden, now,
        "canonical bytes changed: a format change needs a new version"
    );
}

#[test]
fn golden_vectors_decode_verify_and_chain() {
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    let entries = golden["records"].as_array().unwrap();
    assert_eq!(entries.len(), 25, "one vector per record kind");
    let mut previous = None;
    for entry in entries {
        let bytes = hex::decode(entry["hex"].as_str().unwrap()).unwrap();
        let record = Record::decode_exact(&bytes).unwrap();
        assert_eq!(record.encode(), bytes);
        assert_eq!(
            record.hash().to_hex(),
            entry["record_hash"].as_str().unwrap()
        );
        assert_eq!(record.body.kind_name(), entry["kind"].as_str().unwrap());
        record.verify_signature().unwrap();
        assert_eq!(
            record.header.prev_hash,
            previous.unwrap_or(ledger_format::Hash::ZERO)
        );
        previous = Some(record.hash());
    }
}
