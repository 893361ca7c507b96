//! The behaviour every [`Store`] must show: one suite, [`exercise`], run here against
//! [`MemoryStore`] and in `rocks_tests.rs` against [`RocksStore`](crate::store::RocksStore).

use ledger_format::calendar::WorkCalendar;
use ledger_format::code::CertificateCode;
use ledger_format::encoding::Canonical;
use ledger_format::hash::{Hash, sha256};
use ledger_format::keys::{PublicKey, Signature, SigningKey};
use ledger_format::lifecycle::{CertificateState, Status};
use ledger_format::map::{self, MapUpdate, NodeKey};
use ledger_format::merkle::{self, Frontier, NodeId};
use ledger_format::record::{Body, Evidence, FORMAT_VERSION, Header, Record};
use ledger_format::testing;

use crate::store::rocks::MAX_RECORDS_PER_READ;
use crate::store::{
    LogIdentity, MapReader, MemoryStore, Store, StoreError, StoredCheckpoint, Submitter, Tip,
    TreeReader, WriteBatch,
};

/// Records written by [`exercise`] before its last step (which appends [`CAP_RECORDS`] more).
pub(crate) const LOG_SIZE: u64 = 9;
/// Records [`exercise`] appends last, to check the per-read cap.
const CAP_RECORDS: u64 = MAX_RECORDS_PER_READ as u64 + 50;

/// The fixture log's identity.
pub(crate) fn identity() -> LogIdentity {
    LogIdentity {
        origin: testing::ORIGIN.into(),
        genesis_key: testing::agency_key().public_key(),
    }
}

/// Two known evidence services and one unknown.
pub(crate) fn submitters() -> [PublicKey; 3] {
    [
        testing::submitter_key().public_key(),
        SigningKey::from_seed(&[7; 32]).public_key(),
        SigningKey::from_seed(&[8; 32]).public_key(),
    ]
}

/// Two codes with records, one without.
pub(crate) fn codes() -> [CertificateCode; 3] {
    [
        testing::code(2026, 1),
        testing::code(2026, 2),
        testing::code(2026, 3),
    ]
}

/// The hash anchored by record `index`.
pub(crate) fn evidence_hash(index: u64) -> Hash {
    sha256(&index.to_be_bytes())
}

/// The canonical bytes of fixture record `index` of `origin`: an evidence record, about 200 bytes
/// like a real one (its signature is random-looking bytes, not checked by a store).
pub(crate) fn record_of(origin: &str, index: u64) -> Vec<u8> {
    let (a, b) = (
        sha256(&[&index.to_be_bytes()[..], b"a"].concat()),
        sha256(&[&index.to_be_bytes()[..], b"b"].concat()),
    );
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(&a.0);
    signature[32..].copy_from_slice(&b.0);
    Record {
        version: FORMAT_VERSION,
        header: Header {
            origin: origin.into(),
            index,
            // Random-looking like a real record hash (and unlike any other fixture bytes, so that
            // size measurements do not profit from LZ4 finding it in the previous record).
            prev_hash: if index == 0 {
                Hash::ZERO
            } else {
                sha256(&[&index.to_be_bytes()[..], b"prev"].concat())
            },
            time: 1_795_000_000 + index as i64,
            author: submitters()[0],
            officer: None,
        },
        body: Body::Evidence(Evidence {
            hash: evidence_hash(index),
        }),
        signature: Signature(signature),
    }
    .encode()
}

/// Fixture record `index` of the fixture log.
pub(crate) fn record(index: u64) -> Vec<u8> {
    record_of(testing::ORIGIN, index)
}

/// A batch appending records `range` to a log whose tree is `frontier`: records, tree nodes, tip.
pub(crate) fn append(frontier: &mut Frontier, range: std::ops::Range<u64>) -> WriteBatch {
    let mut batch = WriteBatch::default();
    for index in range {
        let bytes = record(index);
        let leaf = merkle::leaf_hash(ledger_format::suite::Suite::Ed25519Sha256, &bytes);
        batch
            .tree_nodes
            .extend(frontier.append(leaf).expect("append"));
        batch.tip = Some(Tip {
            size: index + 1,
            last_hash: leaf,
            last_time: 1_795_000_000 + index as i64,
        });
        batch.records.push((index, bytes));
    }
    batch
}

fn state(code: &CertificateCode, status: Status, latest_index: u64) -> CertificateState {
    CertificateState {
        code: code.clone(),
        status,
        registrant: Some(testing::registrant()),
        data_name: Some("玉溪市公共交通客流数据".into()),
        content: sha256(code.as_str().as_bytes()),
        operation_ends: None,
        validity: None,
        version: 0,
        latest_index,
        notice: None,
        application: None,
        late_acts: 0,
    }
}

fn submitter(name: &str, added_at: u64) -> Submitter {
    Submitter {
        name: name.into(),
        credit_code: testing::CREDIT_CODE.into(),
        added_at,
    }
}

/// Runs the whole suite against `store`, which must be a new empty store of [`identity`], and
/// returns it holding the fixture log.
pub(crate) fn exercise<S: Store>(store: S) -> S {
    empty(&store);
    let frontier = log_and_indexes(&store);
    states_and_map(&store);
    submitters_calendars_and_key(&store);
    checkpoint_history(&store);
    assert_eq!(
        merkle::root_at(LOG_SIZE, &TreeReader(&store)).expect("root"),
        frontier.root()
    );
    read_cap(&store, frontier);
    store
}

fn empty<S: Store>(store: &S) {
    assert_eq!(store.identity().unwrap(), identity());
    assert_eq!(store.tip().unwrap(), Tip::default());
    assert_eq!(store.agency_key().unwrap(), identity().genesis_key);
    assert_eq!(store.record(0).unwrap(), None);
    assert!(store.records(0, 10).unwrap().is_empty());
    assert_eq!(store.tree_nodes(&[NodeId::leaf(0)]).unwrap(), vec![None]);
    assert_eq!(store.map_node(&NodeKey::root()).unwrap(), None);
    assert_eq!(store.latest_checkpoint().unwrap(), None);
    assert!(store.submitters().unwrap().is_empty());
    assert!(store.calendars().unwrap().is_empty());
    store.write(WriteBatch::default()).unwrap();
    assert_eq!(store.tip().unwrap(), Tip::default());
}

fn log_and_indexes<S: Store>(store: &S) -> Frontier {
    let [k1, k2, k3] = submitters();
    let [a, b, c] = codes();
    let mut frontier = Frontier::new(ledger_format::suite::Suite::Ed25519Sha256);
    let mut first = append(&mut frontier, 0..4);
    first.evidence = vec![
        (k1, evidence_hash(0), 0),
        (k2, evidence_hash(1), 1),
        (k1, evidence_hash(3), 3),
    ];
    first.code_records = vec![(a.clone(), 2), (b.clone(), 1)];
    store.write(first).unwrap();
    let mut second = append(&mut frontier, 4..LOG_SIZE);
    second.evidence = vec![
        (k1, evidence_hash(8), 8),
        (k1, evidence_hash(4), 4),
        (k2, evidence_hash(6), 6),
    ];
    second.code_records = vec![(a.clone(), 7), (a.clone(), 5), (b.clone(), 8)];
    store.write(second).unwrap();

    let tip = store.tip().unwrap();
    assert_eq!(
        (tip.size, tip.last_hash),
        (
            LOG_SIZE,
            merkle::leaf_hash(ledger_format::suite::Suite::Ed25519Sha256, &record(8))
        )
    );
    assert_eq!(store.record(3).unwrap(), Some(record(3)));
    assert_eq!(store.record(LOG_SIZE).unwrap(), None);
    let range = |s, e| store.records(s, e).unwrap();
    assert_eq!(range(2, 5), (2..5).map(record).collect::<Vec<_>>());
    assert_eq!(
        range(7, 100),
        vec![record(7), record(8)],
        "clamped to the tip"
    );
    assert_eq!(range(0, u64::MAX).len(), LOG_SIZE as usize);
    assert!(range(LOG_SIZE, 20).is_empty());
    assert!(range(5, 2).is_empty());
    assert!(range(u64::MAX, u64::MAX).is_empty());

    let ids = [
        NodeId::leaf(0),
        NodeId { level: 1, index: 0 },
        NodeId { level: 3, index: 0 },
        NodeId::leaf(9),
    ];
    let found = store.tree_nodes(&ids).unwrap();
    assert_eq!(
        found[0],
        Some(merkle::leaf_hash(
            ledger_format::suite::Suite::Ed25519Sha256,
            &record(0)
        ))
    );
    assert!(found[1].is_some() && found[2].is_some());
    assert_eq!(found[3], None);
    assert!(store.tree_nodes(&[]).unwrap().is_empty());

    assert_eq!(store.code_records(&a).unwrap(), vec![2, 5, 7]);
    assert_eq!(store.code_records(&b).unwrap(), vec![1, 8]);
    assert!(store.code_records(&c).unwrap().is_empty());

    assert_eq!(store.submissions(&k1, 0, 10).unwrap(), vec![0, 3, 4, 8]);
    assert_eq!(store.submissions(&k1, 3, 2).unwrap(), vec![3, 4]);
    assert_eq!(store.submissions(&k1, 5, 10).unwrap(), vec![8]);
    assert!(store.submissions(&k1, 9, 10).unwrap().is_empty());
    assert!(store.submissions(&k1, 0, 0).unwrap().is_empty());
    assert_eq!(store.submissions(&k2, 0, 10).unwrap(), vec![1, 6]);
    assert!(store.submissions(&k3, 0, 10).unwrap().is_empty());

    assert_eq!(
        store.evidence_index(&k1, &evidence_hash(3)).unwrap(),
        Some(3)
    );
    assert_eq!(
        store.evidence_index(&k2, &evidence_hash(6)).unwrap(),
        Some(6)
    );
    assert_eq!(
        store.evidence_index(&k2, &evidence_hash(3)).unwrap(),
        None,
        "another submitter's"
    );
    assert_eq!(store.evidence_index(&k1, &evidence_hash(5)).unwrap(), None);
    assert_eq!(store.evidence_index(&k3, &evidence_hash(0)).unwrap(), None);
    frontier
}

fn map_key(code: &CertificateCode) -> Hash {
    map::map_key(
        ledger_format::suite::Suite::Ed25519Sha256,
        code.as_str().as_bytes(),
    )
}

fn states_and_map<S: Store>(store: &S) {
    let [a, b, c] = codes();
    let (a0, b0) = (state(&a, Status::InNotice, 2), state(&b, Status::Active, 8));
    let update = map::apply(
        &MapReader(store),
        map::EMPTY_HASH,
        &[
            (
                map_key(&a),
                Some(a0.map_value_hash(ledger_format::suite::Suite::Ed25519Sha256)),
            ),
            (
                map_key(&b),
                Some(b0.map_value_hash(ledger_format::suite::Suite::Ed25519Sha256)),
            ),
        ],
    )
    .unwrap();
    store
        .write(WriteBatch {
            states: vec![(a.clone(), a0.clone()), (b.clone(), b0.clone())],
            checkpointed_states: vec![(a.clone(), a0.clone()), (b.clone(), b0.clone())],
            map: Some(update.clone()),
            ..WriteBatch::default()
        })
        .unwrap();
    let proof = map::prove(&MapReader(store), update.new_root, map_key(&a)).unwrap();
    map::verify(
        ledger_format::suite::Suite::Ed25519Sha256,
        update.new_root,
        map_key(&a),
        Some(a0.map_value_hash(ledger_format::suite::Suite::Ed25519Sha256)),
        &proof,
    )
    .unwrap();

    // A later commit changes a's current state; the checkpointed one stays until the next map.
    let a1 = state(&a, Status::Active, 7);
    store
        .write(WriteBatch {
            states: vec![(a.clone(), a1.clone())],
            ..WriteBatch::default()
        })
        .unwrap();
    assert_eq!(store.state(&a).unwrap(), Some(a1.clone()));
    assert_eq!(store.checkpointed_state(&a).unwrap(), Some(a0));
    assert_eq!(store.state(&b).unwrap(), Some(b0.clone()));
    assert_eq!(store.state(&c).unwrap(), None);
    assert_eq!(store.checkpointed_state(&c).unwrap(), None);

    // Removing b deletes map nodes.
    let removal: MapUpdate = map::apply(
        &MapReader(store),
        update.new_root,
        &[
            (
                map_key(&a),
                Some(a1.map_value_hash(ledger_format::suite::Suite::Ed25519Sha256)),
            ),
            (map_key(&b), None),
        ],
    )
    .unwrap();
    assert!(
        !removal.deletes.is_empty(),
        "the fixture must exercise map deletes"
    );
    store
        .write(WriteBatch {
            checkpointed_states: vec![(a.clone(), a1.clone())],
            map: Some(removal.clone()),
            ..WriteBatch::default()
        })
        .unwrap();
    for key in &removal.deletes {
        assert_eq!(store.map_node(key).unwrap(), None);
    }
    for (key, node) in &removal.writes {
        assert_eq!(store.map_node(key).unwrap(), Some(*node));
    }
    let reader = MapReader(store);
    let proof = map::prove(&reader, removal.new_root, map_key(&a)).unwrap();
    map::verify(
        ledger_format::suite::Suite::Ed25519Sha256,
        removal.new_root,
        map_key(&a),
        Some(a1.map_value_hash(ledger_format::suite::Suite::Ed25519Sha256)),
        &proof,
    )
    .unwrap();
    let proof = map::prove(&reader, removal.new_root, map_key(&b)).unwrap();
    map::verify(
        ledger_format::suite::Suite::Ed25519Sha256,
        removal.new_root,
        map_key(&b),
        None,
        &proof,
    )
    .unwrap();
    assert_eq!(store.checkpointed_state(&a).unwrap(), Some(a1));
}

fn submitters_calendars_and_key<S: Store>(store: &S) {
    let [k1, k2, k3] = submitters();
    store
        .write(WriteBatch {
            submitters: vec![
                (k1, Some(submitter("one", 0))),
                (k2, Some(submitter("two", 1))),
            ],
            calendars: vec![
                WorkCalendar::new(2027, vec![], vec![]).unwrap(),
                WorkCalendar::new(2026, vec![], vec![]).unwrap(),
            ],
            ..WriteBatch::default()
        })
        .unwrap();
    assert_eq!(store.submitters().unwrap().len(), 2);
    let holiday = WorkCalendar::new(2026, vec![testing::parse_date("2026-10-01")], vec![]).unwrap();
    let rotated = SigningKey::from_seed(&[3; 32]).public_key();
    store
        .write(WriteBatch {
            submitters: vec![(k1, None), (k3, None)],
            calendars: vec![holiday.clone()],
            key_rotations: vec![ledger_format::replay::KeyEpoch {
                key: rotated,
                from_size: 7,
                since: Some(1_800_000_000),
            }],
            ..WriteBatch::default()
        })
        .unwrap();
    assert_eq!(store.submitters().unwrap(), vec![(k2, submitter("two", 1))]);
    assert_eq!(
        store.calendars().unwrap(),
        vec![holiday, WorkCalendar::new(2027, vec![], vec![]).unwrap()]
    );
    assert_eq!(store.agency_key().unwrap(), rotated);
    assert_eq!(
        store.key_history().unwrap(),
        vec![
            crate::store::genesis_epoch(identity().genesis_key),
            ledger_format::replay::KeyEpoch {
                key: rotated,
                from_size: 7,
                since: Some(1_800_000_000),
            }
        ]
    );
    assert_eq!(
        store.identity().unwrap(),
        identity(),
        "rotation keeps the genesis key"
    );
}

pub(crate) fn note(size: u64) -> String {
    format!(
        "{}\n{size}\nroot\n\n— {} sig\n",
        testing::ORIGIN,
        testing::ORIGIN
    )
}

fn checkpoint_history<S: Store>(store: &S) {
    for size in [4, LOG_SIZE] {
        store
            .write(WriteBatch {
                checkpoint: Some(StoredCheckpoint {
                    size,
                    note: note(size),
                }),
                ..WriteBatch::default()
            })
            .unwrap();
        assert_eq!(
            store.latest_checkpoint().unwrap(),
            Some(StoredCheckpoint {
                size,
                note: note(size)
            })
        );
    }
    assert_eq!(
        store.checkpoint_at(4).unwrap().map(|c| c.note),
        Some(note(4))
    );
    assert_eq!(
        store.checkpoint_at(LOG_SIZE).unwrap().map(|c| c.note),
        Some(note(LOG_SIZE))
    );
    assert_eq!(store.checkpoint_at(5).unwrap(), None);
    assert_eq!(store.checkpoint_at(0).unwrap(), None);
    // Newest first, below the size given, at most `limit`.
    let sizes = |before, limit| -> Vec<u64> {
        store
            .checkpoints_before(before, limit)
            .unwrap()
            .into_iter()
            .map(|c| c.size)
            .collect()
    };
    assert_eq!(sizes(u64::MAX, 10), vec![LOG_SIZE, 4]);
    assert_eq!(sizes(LOG_SIZE, 10), vec![4]);
    assert_eq!(sizes(u64::MAX, 1), vec![LOG_SIZE]);
    assert_eq!(sizes(4, 10), Vec::<u64>::new());
    assert_eq!(sizes(0, 10), Vec::<u64>::new());
    assert_eq!(
        store.checkpoints_before(LOG_SIZE + 1, 1).unwrap()[0].note,
        note(LOG_SIZE)
    );
}

fn read_cap<S: Store>(store: &S, mut frontier: Frontier) {
    store
        .write(append(&mut frontier, LOG_SIZE..LOG_SIZE + CAP_RECORDS))
        .unwrap();
    let size = store.tip().unwrap().size;
    assert_eq!(size, LOG_SIZE + CAP_RECORDS);
    let all = store.records(0, u64::MAX).unwrap();
    assert_eq!(all.len(), MAX_RECORDS_PER_READ);
    assert_eq!(all.last(), Some(&record(MAX_RECORDS_PER_READ as u64 - 1)));
    let rest = store
        .records(MAX_RECORDS_PER_READ as u64, u64::MAX)
        .unwrap();
    assert_eq!(rest.len() as u64, size - MAX_RECORDS_PER_READ as u64);
    assert_eq!(rest[0], record(MAX_RECORDS_PER_READ as u64));
    assert_eq!(store.records(5, 20).unwrap().len(), 15);
    assert_eq!(
        merkle::root_at(size, &TreeReader(store)).unwrap(),
        frontier.root()
    );
}

/// Everything [`exercise`] wrote, as readable text, for comparing two stores.
pub(crate) fn snapshot<S: Store>(store: &S) -> String {
    let tip = store.tip().unwrap();
    let mut out = format!(
        "{:?}\n{tip:?}\n{:?}\n",
        store.identity().unwrap(),
        store.agency_key().unwrap()
    );
    let mut start = 0;
    while start < tip.size {
        let chunk = store.records(start, tip.size).unwrap();
        start += chunk.len() as u64;
        out += &format!("{}\n", sha256(&chunk.concat()));
    }
    let ids: Vec<_> = (0..16u8)
        .flat_map(|level| (0..tip.size >> level).map(move |index| NodeId { level, index }))
        .collect();
    out += &format!(
        "{}\n",
        sha256(format!("{:?}", store.tree_nodes(&ids).unwrap()).as_bytes())
    );
    let [k1, k2, k3] = submitters();
    for code in codes() {
        out += &format!(
            "{:?} {:?} {:?}\n",
            store.state(&code).unwrap(),
            store.checkpointed_state(&code).unwrap(),
            store.code_records(&code).unwrap()
        );
        let mut key = Some(NodeKey::root());
        while let Some(k) = key {
            out += &format!("{:?}\n", store.map_node(&k).unwrap());
            key = k
                .child(map::key_bit(&map_key(&code), usize::from(k.depth())))
                .filter(|k| k.depth() < 8);
        }
    }
    for k in [k1, k2, k3] {
        out += &format!("{:?}\n", store.submissions(&k, 0, 100).unwrap());
        for i in 0..LOG_SIZE {
            out += &format!(
                "{:?} ",
                store.evidence_index(&k, &evidence_hash(i)).unwrap()
            );
        }
    }
    out += &format!(
        "\n{:?}\n{:?}\n{:?}\n",
        store.submitters().unwrap(),
        store.calendars().unwrap(),
        store.latest_checkpoint().unwrap()
    );
    for size in 0..=LOG_SIZE {
        out += &format!("{:?}\n", store.checkpoint_at(size).unwrap());
    }
    out
}

#[test]
fn memory_store_passes_the_suite() {
    exercise(MemoryStore::new(identity()));
}

#[test]
fn memory_store_reports_records_missing_below_the_tip() {
    let store = MemoryStore::new(identity());
    store
        .write(WriteBatch {
            records: vec![(0, record(0))],
            tip: Some(Tip {
                size: 2,
                ..Tip::default()
            }),
            ..WriteBatch::default()
        })
        .unwrap();
    assert!(matches!(
        store.records(0, 2),
        Err(StoreError::Corrupted { key, .. }) if key == "record/1"
    ));
}

#[test]
fn memory_store_rejects_a_record_under_the_wrong_index() {
    let store = MemoryStore::new(identity());
    store
        .write(WriteBatch {
            records: vec![(0, record(1))],
            tip: Some(Tip {
                size: 1,
                ..Tip::default()
            }),
            ..WriteBatch::default()
        })
        .unwrap();
    assert!(matches!(store.record(0), Err(StoreError::Corrupted { key, .. }) if key == "record/0"));
}

#[test]
fn memory_backup_opens_as_a_rocks_store_with_the_same_log() {
    let dir = tempfile::TempDir::new().unwrap();
    let memory = exercise(MemoryStore::new(identity()));
    let path = dir.path().join("backup");
    memory.backup(&path).unwrap();
    let rocks = crate::store::RocksStore::open(&path, testing::ORIGIN).unwrap();
    assert_eq!(snapshot(&rocks), snapshot(&memory));
    assert!(
        memory.backup(&path).is_err(),
        "a second backup over the first"
    );
}

/// The public board's indexes (docs/format.md#store-board), on a new empty store of [`identity`]:
/// a code is in `notices` while its state has a notice, and every issuance, cancellation and
/// revocation is in `announcements`, newest first. Returns the announcements' indexes, newest
/// first, and the state in notice.
pub(crate) fn board<S: Store>(store: &S) -> (Vec<u64>, CertificateState) {
    let records = testing::one_record_of_each_kind();
    let mut batch = WriteBatch::default();
    let mut announced = Vec::new();
    for record in &records {
        let index = record.header.index;
        if let Some(code) = record.body.certificate_code() {
            batch.code_records.push((code.clone(), index));
        }
        if crate::store::is_announcement(&record.body) {
            batch.announcements.push(index);
            announced.push(index);
        }
        batch.records.push((index, record.encode()));
    }
    assert_eq!(
        announced.len(),
        3,
        "an issuance, a cancellation, a revocation"
    );
    let [a, b, c] = codes();
    let mut in_notice = state(&a, Status::InNotice, 2);
    in_notice.notice = Some(ledger_format::lifecycle::PendingNotice {
        notice_index: 2,
        registration_type: ledger_format::record::RegistrationType::First,
        starts_on: testing::parse_date("2026-11-23"),
        ends_on: testing::parse_date("2026-12-04"),
        content: testing::content(ledger_format::code::ObjectKind::DataResource, None),
        open_objections: Vec::new(),
    });
    let mut also = in_notice.clone();
    also.code = c.clone();
    batch.states = vec![
        (a.clone(), in_notice.clone()),
        (b.clone(), state(&b, Status::Active, 8)),
        (c.clone(), also.clone()),
    ];
    store.write(batch).unwrap();

    let codes_of = |states: Vec<CertificateState>| -> Vec<CertificateCode> {
        states.into_iter().map(|s| s.code).collect()
    };
    assert_eq!(
        codes_of(store.notices_after(None, 10).unwrap()),
        vec![a.clone(), c.clone()]
    );
    assert_eq!(
        codes_of(store.notices_after(Some(&a), 10).unwrap()),
        vec![c.clone()]
    );
    assert_eq!(codes_of(store.notices_after(None, 1).unwrap()), vec![a]);
    // The notice of c is decided: c leaves the index.
    store
        .write(WriteBatch {
            states: vec![(c.clone(), state(&c, Status::Active, 9))],
            ..WriteBatch::default()
        })
        .unwrap();
    assert_eq!(
        store.notices_after(None, 10).unwrap(),
        vec![in_notice.clone()]
    );

    announced.reverse();
    assert_eq!(store.announcements_before(u64::MAX, 10).unwrap(), announced);
    assert_eq!(
        store.announcements_before(announced[0], 10).unwrap(),
        announced[1..]
    );
    assert_eq!(
        store.announcements_before(u64::MAX, 2).unwrap(),
        announced[..2]
    );
    assert!(store.announcements_before(0, 10).unwrap().is_empty());
    assert!(
        store
            .announcements_before(announced[2], 10)
            .unwrap()
            .is_empty()
    );
    (announced, in_notice)
}

#[test]
fn memory_store_keeps_the_board_indexes() {
    board(&MemoryStore::new(identity()));
}
