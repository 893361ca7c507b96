//! RocksDB-specific tests: the shared suite, reopening, identity and schema checks, backups,
//! tampering, and durability (clean drop and kill -9).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use ledger_format::encoding::Canonical;
use ledger_format::hash::Hash;
use ledger_format::hash::sha256;
use ledger_format::keys::{PublicKey, SigningKey};
use ledger_format::merkle::{self, Frontier, HashReader, MemoryTree, NodeId};
use ledger_format::record::Record;
use ledger_format::testing::{ORIGIN, one_record_of_each_kind};
use rocksdb::{DB, Options};
use tempfile::TempDir;

use super::{RocksStore, SCHEMA_VERSION, cf, meta};
use crate::store::memory::tests::{
    append, board, evidence_hash, exercise, identity, record, snapshot,
};
use crate::store::{MemoryStore, Store, StoreError, Tip, WriteBatch};

fn raw(path: &std::path::Path) -> DB {
    DB::open_cf(&Options::default(), path, cf::ALL).unwrap()
}

fn corrupted_key<T: std::fmt::Debug>(result: Result<T, StoreError>) -> (String, String) {
    match result {
        Err(StoreError::Corrupted { key, reason }) => (key, reason),
        other => panic!("expected Corrupted, got {other:?}"),
    }
}

fn expect_corrupted<T: std::fmt::Debug>(result: Result<T, StoreError>, key: &str, reason: &str) {
    assert_eq!(corrupted_key(result), (key.to_string(), reason.to_string()));
}

#[test]
fn rocks_store_passes_the_suite() {
    let dir = TempDir::new().unwrap();
    exercise(RocksStore::create(dir.path().join("db"), identity()).unwrap());
}

#[test]
fn reopen_after_drop_keeps_everything() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("db");
    let before = snapshot(&exercise(RocksStore::create(&path, identity()).unwrap()));
    let reopened = RocksStore::open(&path, ORIGIN).unwrap();
    assert_eq!(snapshot(&reopened), before);
    assert_eq!(
        before,
        snapshot(&exercise(MemoryStore::new(identity()))),
        "same as memory"
    );
}

#[test]
fn open_checks_the_origin() {
    let dir = TempDir::new().unwrap();
    drop(RocksStore::create(dir.path(), identity()).unwrap());
    assert_eq!(
        RocksStore::open(dir.path(), "other.example/log").unwrap_err(),
        StoreError::WrongLog {
            found: ORIGIN.into(),
            expected: "other.example/log".into()
        }
    );
}

#[test]
fn open_checks_the_schema_version() {
    let dir = TempDir::new().unwrap();
    drop(RocksStore::create(dir.path(), identity()).unwrap());
    let db = raw(dir.path());
    let handle = db.cf_handle(cf::META).unwrap();
    db.put_cf(
        handle,
        meta::SCHEMA_VERSION,
        (SCHEMA_VERSION + 1).to_be_bytes(),
    )
    .unwrap();
    drop(db);
    assert_eq!(
        RocksStore::open(dir.path(), ORIGIN).unwrap_err(),
        StoreError::Schema {
            found: SCHEMA_VERSION + 1,
            expected: SCHEMA_VERSION
        }
    );
}

#[test]
fn rocks_store_keeps_the_board_indexes() {
    let dir = TempDir::new().unwrap();
    board(&RocksStore::create(dir.path(), identity()).unwrap());
}

/// A store of schema version 3 (version 4 without the board's two families) is migrated at open:
/// the indexes rebuilt from the states and records, then version 4 written.
#[test]
fn a_version_3_store_gets_the_board_indexes_at_open() {
    let dir = TempDir::new().unwrap();
    let store = RocksStore::create(dir.path(), identity()).unwrap();
    let (announced, in_notice) = board(&store);
    drop(store);
    let mut db = raw(dir.path());
    for name in cf::BOARD {
        db.drop_cf(name).unwrap();
    }
    let handle = db.cf_handle(cf::META).unwrap();
    db.put_cf(handle, meta::SCHEMA_VERSION, 3u32.to_be_bytes())
        .unwrap();
    drop(db);
    let names = DB::list_cf(&Options::default(), dir.path()).unwrap();
    assert!(cf::BOARD.iter().all(|b| !names.iter().any(|n| n == b)));

    let store = RocksStore::open(dir.path(), ORIGIN).unwrap();
    assert_eq!(store.notices_after(None, 10).unwrap(), vec![in_notice]);
    assert_eq!(store.announcements_before(u64::MAX, 10).unwrap(), announced);
    drop(store);
    let db = raw(dir.path());
    let handle = db.cf_handle(cf::META).unwrap();
    let version = db.get_cf(handle, meta::SCHEMA_VERSION).unwrap().unwrap();
    assert_eq!(version, SCHEMA_VERSION.to_be_bytes());
    assert_eq!(SCHEMA_VERSION, 4);
    drop(db);
    // And it opens again as version 4, indexes kept.
    let store = RocksStore::open(dir.path(), ORIGIN).unwrap();
    assert_eq!(store.announcements_before(u64::MAX, 10).unwrap(), announced);
}

#[test]
fn create_refuses_an_existing_store() {
    let dir = TempDir::new().unwrap();
    let store = RocksStore::create(dir.path(), identity()).unwrap();
    // Open (locked) and closed.
    assert!(matches!(
        RocksStore::create(dir.path(), identity()),
        Err(StoreError::Io(_))
    ));
    drop(store);
    let err = RocksStore::create(dir.path(), identity()).unwrap_err();
    assert!(
        matches!(&err, StoreError::Io(m) if m.contains("already exists")),
        "{err}"
    );
}

#[test]
fn open_without_a_store_names_the_path() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("nothing-here");
    let err = RocksStore::open(&path, ORIGIN).unwrap_err();
    assert!(
        matches!(&err, StoreError::Io(m) if m.contains("nothing-here")),
        "{err}"
    );
    assert!(!path.exists(), "open must not create a store");
}

#[test]
fn backup_opens_with_the_same_log() {
    let dir = TempDir::new().unwrap();
    let store = exercise(RocksStore::create(dir.path().join("db"), identity()).unwrap());
    let backup = dir.path().join("backup");
    store.backup(&backup).unwrap();
    let before = snapshot(&store);
    // Later writes do not reach the backup.
    let mut frontier =
        Frontier::load(store.tip().unwrap().size, &crate::store::TreeReader(&store)).unwrap();
    let size = store.tip().unwrap().size;
    store.write(append(&mut frontier, size..size + 1)).unwrap();
    let copy = RocksStore::open(&backup, ORIGIN).unwrap();
    assert_eq!(snapshot(&copy), before);
    assert_eq!(copy.tip().unwrap().size, size);

    assert!(store.backup(&backup).is_err(), "a non-empty directory");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    store.backup(&empty).unwrap();
    assert_eq!(
        RocksStore::open(&empty, ORIGIN)
            .unwrap()
            .tip()
            .unwrap()
            .size,
        size + 1
    );
}

#[test]
fn tampered_values_are_reported() {
    let dir = TempDir::new().unwrap();
    let store = RocksStore::create(dir.path(), identity()).unwrap();
    store.write(append(&mut Frontier::new(), 0..4)).unwrap();
    drop(store);

    let db = raw(dir.path());
    let (records, tree) = (
        db.cf_handle(cf::RECORDS).unwrap(),
        db.cf_handle(cf::TREE).unwrap(),
    );
    let flip = |cf: &rocksdb::ColumnFamily, key: &[u8], at: usize| {
        let mut value = db.get_cf(cf, key).unwrap().unwrap();
        value[at] ^= 1;
        db.put_cf(cf, key, value).unwrap();
    };
    // The fixture records are not chained, so they are stored verbatim, after a form byte.
    flip(records, &1u64.to_be_bytes(), 1); // the version byte: no longer decodes
    flip(records, &2u64.to_be_bytes(), 3 + ORIGIN.len()); // the index: now 3
    flip(records, &3u64.to_be_bytes(), record(3).len()); // the signature: still decodes
    flip(tree, &NodeId::leaf(0).to_key(), 5);
    db.put_cf(tree, NodeId::leaf(1).to_key(), [0u8; 31])
        .unwrap();
    let map = db.cf_handle(cf::MAP).unwrap();
    db.put_cf(
        map,
        ledger_format::map::NodeKey::root().to_bytes(),
        [7u8; 65],
    )
    .unwrap();
    let evidence = db.cf_handle(cf::EVIDENCE).unwrap();
    let zero = PublicKey::Ed25519([0; 32]);
    db.put_cf(evidence, super::evidence_key(&zero, &Hash::ZERO), [1u8; 7])
        .unwrap();
    drop(db);

    let store = RocksStore::open(dir.path(), ORIGIN).unwrap();
    assert_eq!(store.record(0).unwrap(), Some(record(0)));
    assert_eq!(corrupted_key(store.record(1)).0, "record/1");
    let (key, reason) = corrupted_key(store.record(2));
    assert_eq!(
        (key.as_str(), reason.as_str()),
        ("record/2", "holds record 3")
    );
    assert_eq!(corrupted_key(store.records(0, 4)).0, "record/1");
    // A store does not verify signatures or leaf hashes: audit recomputes them.
    assert_ne!(store.record(3).unwrap(), Some(record(3)));

    let tampered = store.tree_nodes(&[NodeId::leaf(0)]).unwrap()[0];
    assert!(tampered.is_some_and(|h| h != merkle::leaf_hash(&record(0))));
    assert_eq!(
        corrupted_key(store.tree_nodes(&[NodeId::leaf(0), NodeId::leaf(1)])).0,
        "tree/0/1"
    );
    let (key, _) = corrupted_key(store.map_node(&ledger_format::map::NodeKey::root()));
    assert!(key.starts_with("map/0/"), "{key}");
    let (key, _) = corrupted_key(store.evidence_index(&zero, &Hash::ZERO));
    assert!(key.starts_with("evidence/"), "{key}");
}

#[test]
fn acknowledged_writes_survive_a_drop_without_flush() {
    const BATCHES: u64 = 100;
    let dir = TempDir::new().unwrap();
    let store = RocksStore::create(dir.path(), identity()).unwrap();
    let mut frontier = Frontier::new();
    for i in 0..BATCHES {
        let mut batch = append(&mut frontier, i * 3..i * 3 + 3);
        batch.evidence = vec![(identity().genesis_key, merkle::leaf_hash(&record(i)), i)];
        store.write(batch).unwrap();
    }
    drop(store);
    let store = RocksStore::open(dir.path(), ORIGIN).unwrap();
    assert_eq!(store.tip().unwrap().size, BATCHES * 3);
    let expected: Vec<_> = (0..BATCHES * 3).map(record).collect();
    assert_eq!(store.records(0, BATCHES * 3).unwrap(), expected);
    assert_eq!(
        store
            .submissions(&identity().genesis_key, 0, 1000)
            .unwrap()
            .len() as u64,
        BATCHES
    );
    assert_eq!(
        merkle::root_at(BATCHES * 3, &crate::store::TreeReader(&store)).unwrap(),
        frontier.root()
    );
}

/// Set for the child process of [`acknowledged_writes_survive_kill_9`]: where it writes.
const CRASH_DIR_ENV: &str = "LEDGER_STORE_CRASH_CHILD_DIR";
/// Acknowledged records after which the parent kills the child.
const CRASH_AFTER: u64 = 300;

/// Not a test on its own: the writer that [`acknowledged_writes_survive_kill_9`] runs in a child
/// process. It appends 10 records per write and prints `ack <size>` after each acknowledged write.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CRASH_DIR_ENV) else {
        return;
    };
    let store = RocksStore::create(&dir, identity()).unwrap();
    let mut frontier = Frontier::new();
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        store
            .write(append(&mut frontier, i * 10..i * 10 + 10))
            .unwrap();
        writeln!(out, "ack {}", i * 10 + 10).unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "store::rocks::tests::crash_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CRASH_DIR_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut acknowledged = 0;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        if let Some(n) = line.unwrap().strip_prefix("ack ") {
            acknowledged = n.parse().unwrap();
            if acknowledged >= CRASH_AFTER {
                break;
            }
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no RocksDB close, no memtable flush
    child.wait().unwrap();
    assert!(
        acknowledged >= CRASH_AFTER,
        "the child stopped at {acknowledged}"
    );

    let store = RocksStore::open(&path, ORIGIN).unwrap();
    let size = store.tip().unwrap().size;
    assert!(
        size >= acknowledged,
        "lost acknowledged writes: {size} < {acknowledged}"
    );
    assert_eq!(size % 10, 0, "a write batch was torn");
    let expected: Vec<_> = (0..size).map(record).collect();
    assert_eq!(store.records(0, size).unwrap(), expected);
}

/// A store holding one record of every kind ([`fixture_len`] records), then chained evidence
/// records up to `size` (which must be past the fixture), written in batches of 37 (so that batches
/// start anywhere in a block of leaves); the records and the tree.
fn chained_store(dir: &std::path::Path, size: u64) -> (RocksStore, Vec<Vec<u8>>, MemoryTree) {
    let store = RocksStore::create(dir, identity()).unwrap();
    let fixture = one_record_of_each_kind();
    assert!(
        size > fixture.len() as u64,
        "{size} records hold no chained evidence"
    );
    let mut expected: Vec<_> = fixture.iter().map(Canonical::encode).collect();
    let (mut frontier, mut tree) = (Frontier::new(), MemoryTree::new());
    let mut batch = WriteBatch::default();
    for (index, bytes) in expected.iter().enumerate() {
        let leaf = merkle::leaf_hash(bytes);
        batch.tree_nodes.extend(frontier.append(leaf).unwrap());
        tree.push_hash(leaf).unwrap();
        batch.records.push((index as u64, bytes.clone()));
    }
    batch.tip = fixture.last().map(|last| Tip {
        size: fixture.len() as u64,
        last_hash: last.hash(),
        last_time: last.header.time,
    });
    store.write(batch).unwrap();
    let mut prev = frontier_leaf(&expected);
    let services = [
        identity().genesis_key,
        SigningKey::from_seed(&[9; 32]).public_key(),
    ];
    let mut start = expected.len() as u64;
    while start < size {
        let end = (start + 37).min(size);
        let batch = chained(&mut frontier, &mut prev, &services, start..end);
        for (_, bytes) in &batch.records {
            tree.push(bytes).unwrap();
            expected.push(bytes.clone());
        }
        store.write(batch).unwrap();
        start = end;
    }
    (store, expected, tree)
}

/// The number of records [`one_record_of_each_kind`] puts first in a [`chained_store`]: indexes
/// from here on are chained evidence of [`evidence_hash`] of their index.
fn fixture_len() -> u64 {
    one_record_of_each_kind().len() as u64
}

fn frontier_leaf(records: &[Vec<u8>]) -> Hash {
    merkle::leaf_hash(records.last().unwrap())
}

#[test]
fn records_round_trip_with_their_header_elided() {
    let dir = TempDir::new().unwrap();
    let (store, expected, _) = chained_store(dir.path(), 300);
    assert!(expected.len() == 300 && Record::decode_exact(&expected[5]).is_ok());
    for (index, bytes) in expected.iter().enumerate() {
        assert_eq!(store.record(index as u64).unwrap().as_ref(), Some(bytes));
    }
    for (start, end) in [
        (0, 1),
        (0, 14),
        (13, 15),
        (36, 38),
        (127, 130),
        (255, 258),
        (0, 300),
        (290, 400),
    ] {
        let got = store.records(start, end).unwrap();
        assert_eq!(
            got,
            expected[start as usize..end.min(300) as usize],
            "{start}..{end}"
        );
    }
    // Every record is chained, so every one is stored without its first fields.
    let records = store.db.cf_handle(cf::RECORDS).unwrap();
    for (index, bytes) in expected.iter().enumerate() {
        let stored = store
            .db
            .get_cf(records, (index as u64).to_be_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(stored[0], super::records::ELIDED, "record {index}");
        let elided = 1 + 1 + ORIGIN.len() + 8 + 32;
        assert_eq!(stored.len(), bytes.len() + 1 - elided);
    }
}

#[test]
fn low_tree_levels_are_computed_from_the_leaves() {
    let dir = TempDir::new().unwrap();
    let size = 1_000;
    let (store, _, tree) = chained_store(dir.path(), size);
    let reader = crate::store::TreeReader(&store);
    for level in 0..=10u8 {
        let complete = size >> level;
        let ids: Vec<_> = (0..complete).map(|index| NodeId { level, index }).collect();
        let found = store.tree_nodes(&ids).unwrap();
        let expected: Vec<_> = tree
            .read_hashes(&ids)
            .unwrap()
            .into_iter()
            .map(Some)
            .collect();
        assert_eq!(found, expected, "level {level}");
        let past = [
            NodeId {
                level,
                index: complete,
            },
            NodeId {
                level,
                index: u64::MAX >> 8,
            },
        ];
        assert_eq!(
            store.tree_nodes(&past).unwrap(),
            vec![None, None],
            "level {level}"
        );
    }
    // Mixed levels in one call, in the order asked.
    let ids = [
        NodeId { level: 3, index: 5 },
        NodeId::leaf(7),
        NodeId { level: 8, index: 1 },
        NodeId { level: 1, index: 2 },
    ];
    let expected: Vec<_> = tree
        .read_hashes(&ids)
        .unwrap()
        .into_iter()
        .map(Some)
        .collect();
    assert_eq!(store.tree_nodes(&ids).unwrap(), expected);
    for (index, at) in [
        (0, 1),
        (0, 1_000),
        (129, 1_000),
        (999, 1_000),
        (500, 777),
        (255, 256),
    ] {
        assert_eq!(
            merkle::inclusion_proof(index, at, &reader).unwrap(),
            merkle::inclusion_proof(index, at, &tree).unwrap()
        );
        assert_eq!(
            merkle::consistency_proof(at - index, at, &reader).unwrap(),
            merkle::consistency_proof(at - index, at, &tree).unwrap()
        );
    }
    // Levels 1 to 7 are not on disk.
    let handle = store.db.cf_handle(cf::TREE).unwrap();
    let levels: std::collections::BTreeSet<u8> = store
        .db
        .iterator_cf(handle, rocksdb::IteratorMode::Start)
        .map(|item| item.unwrap().0[0])
        .collect();
    assert_eq!(levels.into_iter().collect::<Vec<_>>(), vec![0, 8, 9]);
}

#[test]
fn values_that_cannot_be_rebuilt_are_corrupted() {
    let dir = TempDir::new().unwrap();
    drop(chained_store(dir.path(), 40));
    let db = raw(dir.path());
    let (records, tree) = (
        db.cf_handle(cf::RECORDS).unwrap(),
        db.cf_handle(cf::TREE).unwrap(),
    );
    db.delete_cf(tree, NodeId::leaf(14).to_key()).unwrap();
    db.put_cf(tree, NodeId::leaf(16).to_key(), [0u8; 31])
        .unwrap();
    db.put_cf(records, 18u64.to_be_bytes(), []).unwrap();
    db.put_cf(records, 19u64.to_be_bytes(), [7u8, 1, 2])
        .unwrap();
    drop(db);

    let store = RocksStore::open(dir.path(), ORIGIN).unwrap();
    expect_corrupted(
        store.record(15),
        "record/15",
        "leaf hash tree/0/14 missing: no prev_hash",
    );
    expect_corrupted(
        store.records(10, 20),
        "record/15",
        "leaf hash tree/0/14 missing: no prev_hash",
    );
    expect_corrupted(store.record(17), "tree/0/16", "31 bytes");
    expect_corrupted(store.records(16, 18), "tree/0/16", "31 bytes");
    expect_corrupted(store.record(18), "record/18", "empty value");
    expect_corrupted(store.record(19), "record/19", "unknown stored form 0x07");
    // Records that do not need the bad leaves still read.
    assert!(store.record(14).unwrap().is_some() && store.record(16).unwrap().is_some());
    assert_eq!(store.records(0, 15).unwrap().len(), 15);
    // A computed node over a missing leaf is not there; over a malformed one, corrupted.
    let ids = [NodeId { level: 1, index: 7 }, NodeId { level: 2, index: 4 }];
    assert_eq!(store.tree_nodes(&ids[..1]).unwrap(), vec![None]);
    expect_corrupted(store.tree_nodes(&ids), "tree/0/16", "31 bytes");
}

#[test]
fn evidence_hits_are_confirmed() {
    let dir = TempDir::new().unwrap();
    let (store, expected, _) = chained_store(dir.path(), 40);
    // A chained evidence record, past the fixture's records.
    let index = fixture_len() + 5;
    let record = Record::decode_exact(&expected[index as usize]).unwrap();
    let submitter = record.header.author;
    assert_eq!(
        store
            .evidence_index(&submitter, &evidence_hash(index))
            .unwrap(),
        Some(index)
    );
    let evidence = store.db.cf_handle(cf::EVIDENCE).unwrap();
    let key = |hash: &Hash| super::evidence_key(&submitter, hash);
    // Confirmed by the record: the index alone.
    let stored = store
        .db
        .get_cf(evidence, key(&evidence_hash(index)))
        .unwrap()
        .unwrap();
    assert_eq!(stored, index.to_be_bytes());
    // Another pair that had the same key (a collision) is not found; nor a pair of another record.
    let other = sha256(b"other");
    store
        .db
        .put_cf(evidence, key(&other), index.to_be_bytes())
        .unwrap();
    assert_eq!(store.evidence_index(&submitter, &other).unwrap(), None);
    let verbatim = [
        &index.to_be_bytes()[..],
        &submitter.0,
        &evidence_hash(index).0,
    ]
    .concat();
    store.db.put_cf(evidence, key(&other), verbatim).unwrap();
    assert_eq!(store.evidence_index(&submitter, &other).unwrap(), None);
    // An index past the log is corrupted.
    store
        .db
        .put_cf(evidence, key(&other), 99u64.to_be_bytes())
        .unwrap();
    let (name, reason) = corrupted_key(store.evidence_index(&submitter, &other));
    assert!(
        name.starts_with("evidence/") && reason.contains("record 99"),
        "{name}: {reason}"
    );
}

/// A batch appending chained evidence records `range` (each `prev_hash` the hash of the record
/// before, as the sequencer writes them) authored by `services` in turn: records, tree nodes,
/// evidence entries, tip. `prev` is the hash of the last record, updated.
pub(super) fn chained(
    frontier: &mut Frontier,
    prev: &mut Hash,
    services: &[PublicKey],
    range: std::ops::Range<u64>,
) -> WriteBatch {
    let mut batch = WriteBatch::default();
    for index in range {
        let mut fixture = Record::decode_exact(&record(index)).unwrap();
        fixture.header.prev_hash = *prev;
        fixture.header.author = services[(index % services.len() as u64) as usize];
        let bytes = fixture.encode();
        let leaf = merkle::leaf_hash(&bytes);
        batch.tree_nodes.extend(frontier.append(leaf).unwrap());
        batch
            .evidence
            .push((fixture.header.author, evidence_hash(index), index));
        batch.tip = Some(Tip {
            size: index + 1,
            last_hash: leaf,
            last_time: fixture.header.time,
        });
        batch.records.push((index, bytes));
        *prev = leaf;
    }
    batch
}

/// Measures the on-disk bytes per evidence record after a full compaction, and the time of
/// inclusion proofs and record reads after it (docs/format.md#store-budget).
/// `cargo test -p ledger-node --lib bytes_per_evidence_record -- --ignored --nocapture`
#[test]
#[ignore = "a measurement (about 40 s), not a check"]
fn bytes_per_evidence_record() {
    const RECORDS: u64 = 200_000;
    const PER_WRITE: u64 = 1_000;
    let dir = TempDir::new().unwrap();
    let store = RocksStore::create(dir.path(), identity()).unwrap();
    let services: Vec<_> = (0..16u8)
        .map(|n| SigningKey::from_seed(&[0x40 + n; 32]).public_key())
        .collect();
    let (mut frontier, mut prev) = (Frontier::new(), Hash::ZERO);
    let mut writing = std::time::Duration::ZERO;
    for start in (0..RECORDS).step_by(PER_WRITE as usize) {
        let batch = chained(
            &mut frontier,
            &mut prev,
            &services,
            start..start + PER_WRITE,
        );
        let started = std::time::Instant::now();
        store.write(batch).unwrap();
        writing += started.elapsed();
    }
    println!(
        "{RECORDS} records in writes of {PER_WRITE}: {:.0} records/s in Store::write",
        RECORDS as f64 / writing.as_secs_f64()
    );
    let mut total = 0;
    for name in cf::ALL {
        let handle = store.db.cf_handle(name).unwrap();
        store
            .db
            .compact_range_cf(handle, None::<&[u8]>, None::<&[u8]>);
        let bytes = store
            .db
            .property_int_value_cf(handle, "rocksdb.total-sst-files-size")
            .unwrap()
            .unwrap_or(0);
        total += bytes;
        println!(
            "{name:>20}: {:8.1} bytes/record",
            bytes as f64 / RECORDS as f64
        );
    }
    println!(
        "{:>20}: {:8.1} bytes/record",
        "total",
        total as f64 / RECORDS as f64
    );
    time_reads(&store, RECORDS, frontier.root());
}

/// Prints percentiles of inclusion proofs, single records and 1,000-record reads at random places.
fn time_reads(store: &RocksStore, size: u64, root: Hash) {
    const SAMPLES: u64 = 2_000;
    let reader = crate::store::TreeReader(store);
    let mut proofs = Vec::new();
    let mut singles = Vec::new();
    let mut ranges = Vec::new();
    for n in 0..SAMPLES {
        // A fixed pseudo-random walk over the log (Knuth's multiplicative hash).
        let index = n.wrapping_mul(2_654_435_761) % size;
        let started = std::time::Instant::now();
        let proof = merkle::inclusion_proof(index, size, &reader).unwrap();
        proofs.push(started.elapsed());
        let started = std::time::Instant::now();
        let bytes = store.record(index).unwrap().unwrap();
        singles.push(started.elapsed());
        proof.verify(&merkle::leaf_hash(&bytes), &root).unwrap();
        let start = index.min(size - 1_000);
        let started = std::time::Instant::now();
        assert_eq!(store.records(start, start + 1_000).unwrap().len(), 1_000);
        ranges.push(started.elapsed());
    }
    for (what, mut times) in [
        ("inclusion proof", proofs),
        ("record(i)", singles),
        ("records(i, i + 1000)", ranges),
    ] {
        times.sort();
        let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        println!(
            "{what:>20}: p50 {:?}, p99 {:?}, max {:?} ({SAMPLES} at random indexes)",
            at(0.5),
            at(0.99),
            at(1.0)
        );
    }
}

/// Every complete subtree of levels 8 to 12 and the root of a tree of `size` leaves, read through
/// the store (memory, then RocksDB), against the same tree built in memory; the first node past
/// each level's end is not complete.
fn check_tree(store: &RocksStore, expected: &MemoryTree, size: u64) {
    let reader = crate::store::TreeReader(store);
    assert_eq!(
        merkle::root_at(size, &reader).unwrap(),
        merkle::root_at(size, expected).unwrap(),
        "root at {size}"
    );
    let complete: Vec<NodeId> = (8..=12u8)
        .flat_map(|level| (0..size >> level).map(move |index| NodeId { level, index }))
        .collect();
    assert_eq!(
        reader.read_hashes(&complete).unwrap(),
        expected.read_hashes(&complete).unwrap()
    );
    let past: Vec<NodeId> = (8..=12u8)
        .map(|level| NodeId {
            level,
            index: size >> level,
        })
        .collect();
    assert!(store.tree_nodes(&past).unwrap().iter().all(Option::is_none));
}

#[test]
fn upper_levels_in_memory_agree_with_the_store_across_writes_and_reopens() {
    // No level in memory, level 8 dropped once the tree outgrows 13 hashes, everything.
    for budget in [0, 13, super::RocksOptions::default().tree_memory_hashes] {
        let dir = TempDir::new().unwrap();
        let options = super::RocksOptions {
            tree_memory_hashes: budget,
            ..super::RocksOptions::default()
        };
        let store = RocksStore::create_with(dir.path(), identity(), &options).unwrap();
        let mut frontier = Frontier::new();
        let mut expected = MemoryTree::new();
        let mut size = 0;
        for step in [1, 255, 1, 300, 2_000, 1, 1_538] {
            store
                .write(append(&mut frontier, size..size + step))
                .unwrap();
            for index in size..size + step {
                expected.push(&record(index)).unwrap();
            }
            size += step;
            check_tree(&store, &expected, size);
        }
        drop(store);
        let store = RocksStore::open_with(dir.path(), ORIGIN, &options).unwrap();
        check_tree(&store, &expected, size);
        // And on from the reopened store.
        store
            .write(append(&mut frontier, size..size + 1_000))
            .unwrap();
        for index in size..size + 1_000 {
            expected.push(&record(index)).unwrap();
        }
        check_tree(&store, &expected, size + 1_000);
    }
}
