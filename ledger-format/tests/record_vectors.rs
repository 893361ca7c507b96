//! Golden vectors: the canonical bytes and hash of one record of every kind, for each suite
//! (`tests/vectors/records-v2.json` for `ed25519-sha256`, `tests/vectors/sm2-sm3/records-v3.json`
//! for `sm2-sm3`; documented in docs/format.md#vectors).
//!
//! Ed25519 signatures are deterministic, and so are our SM2 ones (RFC 6979 nonces), so the fixture
//! records are byte-for-byte reproducible. After a deliberate format change, regenerate with
//! `LEDGER_BLESS=1 cargo test -p ledger-format --features testing --test record_vectors` and
//! explain the change in docs/format.md.

use ledger_format::record::{FORMAT_VERSION, FORMAT_VERSION_SUITED, Record};
use ledger_format::suite::Suite;
use ledger_format::{Canonical, testing};

/// The vector file of `suite` and the source line it names.
fn vector_of(suite: Suite) -> (String, &'static str) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");
    match suite {
        Suite::Ed25519Sha256 => (
            format!("{dir}/records-v2.json"),
            "ledger-format testing::one_record_of_each_kind (agency seed 0x01*32, submitter seed 0x02*32)",
        ),
        Suite::Sm2Sm3 => (
            format!("{dir}/sm2-sm3/records-v3.json"),
            "ledger-format testing::one_record_of_each_kind_of(Suite::Sm2Sm3) (agency SM2 secret 0x01*32, submitter 0x02*32)",
        ),
    }
}

fn current(suite: Suite) -> serde_json::Value {
    let records: Vec<serde_json::Value> = testing::one_record_of_each_kind_of(suite)
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
        "source": vector_of(suite).1,
        "records": records,
    })
}

#[test]
fn every_record_kind_matches_its_golden_vector() {
    for suite in Suite::ALL {
        let (path, _) = vector_of(suite);
        let now = current(suite);
        if std::env::var_os("LEDGER_BLESS").is_some() {
            std::fs::write(&path, serde_json::to_string_pretty(&now).unwrap() + "\n").unwrap();
        }
        let golden: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            golden, now,
            "{suite}: canonical bytes changed: a format change needs a new version"
        );
    }
}

#[test]
fn golden_vectors_decode_verify_and_chain() {
    for suite in Suite::ALL {
        let (path, _) = vector_of(suite);
        let golden: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let entries = golden["records"].as_array().unwrap();
        assert_eq!(entries.len(), 25, "{suite}: one vector per record kind");
        let version = match suite {
            Suite::Ed25519Sha256 => FORMAT_VERSION,
            Suite::Sm2Sm3 => FORMAT_VERSION_SUITED,
        };
        let mut previous = ledger_format::Hash::ZERO;
        for entry in entries {
            let bytes = hex::decode(entry["hex"].as_str().unwrap()).unwrap();
            let record = Record::decode_exact(&bytes).unwrap();
            assert_eq!(record.encode(), bytes);
            assert_eq!((record.version, record.suite()), (version, suite));
            assert_eq!(
                record.hash().to_hex(),
                entry["record_hash"].as_str().unwrap()
            );
            assert_eq!(record.body.kind_name(), entry["kind"].as_str().unwrap());
            record.verify_signature().unwrap();
            assert_eq!(record.header.prev_hash, previous);
            previous = record.hash();
        }
    }
}
