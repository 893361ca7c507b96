//! Tests of the verified mirror: a log mirrored range by range (and across a restart) ends up
//! exactly as its source, and every forged range or checkpoint is refused with nothing stored.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use ledger_format::Canonical;

use crate::store::TreeReader;
use ledger_format::calendar::WorkCalendar;
use ledger_format::checkpoint::Checkpoint;
use ledger_format::code::CreditCode;
use ledger_format::keys::{PublicKey, SigningKey};
use ledger_format::lifecycle::{CertificateState, Status, TransitionError};
use ledger_format::merkle::{self, MerkleError};
use ledger_format::record::{
    ApplicationKind, Body, Header, Issued, Notice, ObjectionAct, ObjectionAnswered, ObjectionFiled,
    ObjectionResolved, Record, RegistrationType, RevocationReason, Revoked, SubmitterAdded,
    SubmitterRemoved,
};
use ledger_format::sha256;
use ledger_format::testing::{self, Ledger, at, parse_date};
use tempfile::TempDir;

use super::*;
use crate::store::{LogIdentity, MapReader, MemoryStore, RocksStore, Submitter, Tip};
use ledger_format::map;

/// Records in the source log.
const SIZE: u64 = 30;
/// Sizes at which the source log signed a checkpoint.
const CHECKPOINTS: [u64; 4] = [6, 16, 21, SIZE];

/// A checkpoint of the source log and the certificate states it commits to.
struct Signed {
    checkpoint: SignedCheckpoint,
    states: BTreeMap<CertificateCode, CertificateState>,
}

/// The log being mirrored: every kind of registry record (a rule profile among them), a
/// certificate issued then revoked, one ended by an upheld objection, one in notice (each
/// registration received, accepted and reviewed before its notice), evidence from two services
/// (one later removed), and checkpoints cosigned by two witnesses.
struct Source {
    ledger: Ledger,
    checkpoints: Vec<Signed>,
}

impl Source {
    fn new() -> Self {
        let mut s = Source {
            ledger: Ledger::empty(testing::ORIGIN, testing::agency_key()),
            checkpoints: Vec::new(),
        };
        let first = testing::submitter_key();
        s.agency("2026-11-20", Body::Calendar(calendar(2026))); // 0
        s.agency("2026-11-20", Body::Calendar(calendar(2027))); // 1
        s.agency("2026-11-20", submitter_added(&first, "存证服务")); // 2
        s.agency("2026-11-20", submitter_added(&service(), "第二存证服务")); // 3
        s.agency("2026-11-20", profile_adopted()); // 4
        s.evidence(at("2026-11-20", 11), &first, "evidence 5"); // 5
        s.sign(at("2026-11-20", 12)); // 6: no certificate yet
        s.apply_for("2026-11-23", code(1)); // 6, 7, 8
        s.apply_for("2026-11-23", code(2)); // 9, 10, 11
        s.agency("2026-11-23", notice(code(1), "2026-12-04")); // 12
        s.agency("2026-11-23", notice(code(2), "2026-12-04")); // 13
        s.evidence(at("2026-11-23", 11), &first, "evidence 14"); // 14
        s.evidence(at("2026-11-23", 11), &service(), "evidence 15"); // 15
        s.sign(at("2026-11-23", 12)); // 16
        s.agency(
            "2026-11-30",
            Body::ObjectionFiled(ObjectionFiled {
                code: code(2),
                objector: sha256(b"objector"),
            }),
        ); // 16
        let objection = ObjectionAct {
            code: code(2),
            objection_index: 16,
        };
        s.agency("2026-12-01", Body::ObjectionForwarded(objection)); // 17
        s.agency(
            "2026-12-02",
            Body::ObjectionAnswered(ObjectionAnswered {
                code: code(2),
                objection_index: 16,
                answer: sha256(b"answer"),
            }),
        ); // 18
        s.agency("2026-12-07", issued(code(1), "2026-12-07", "2029-12-07")); // 19
        s.agency(
            "2026-12-08",
            Body::ObjectionResolved(ObjectionResolved {
                code: code(2),
                objection_index: 16,
                upheld: true,
            }),
        ); // 20
        s.sign(at("2026-12-08", 11)); // 21
        s.agency(
            "2026-12-08",
            Body::SubmitterRemoved(SubmitterRemoved {
                key: service().public_key(),
            }),
        ); // 21
        s.evidence(at("2026-12-08", 11), &first, "evidence 22"); // 22
        s.apply_for("2026-12-14", code(3)); // 23, 24, 25
        s.agency("2026-12-14", notice(code(3), "2026-12-25")); // 26
        s.agency("2026-12-14", Body::Calendar(calendar(2028))); // 27
        s.agency(
            "2027-01-05",
            Body::Revoked(Revoked {
                code: code(1),
                reason: RevocationReason::FalseMaterials,
            }),
        ); // 28
        s.evidence(at("2027-01-05", 11), &first, "evidence 29"); // 29
        s.sign(at("2027-01-05", 12)); // 30
        assert_eq!(s.ledger.tree.size(), SIZE);
        assert_eq!(
            s.checkpoints
                .iter()
                .map(|c| c.checkpoint.checkpoint().size)
                .collect::<Vec<_>>(),
            CHECKPOINTS
        );
        s
    }

    fn agency(&mut self, date: &str, body: Body) {
        self.ledger.apply(date, body).unwrap();
    }

    /// A first registration of `code` received, accepted and reviewed on `date`.
    fn apply_for(&mut self, date: &str, code: CertificateCode) {
        self.ledger
            .apply_for(date, &code, ApplicationKind::First)
            .unwrap();
    }

    fn evidence(&mut self, time: i64, service: &SigningKey, what: &str) {
        self.ledger
            .evidence_by(time, sha256(what.as_bytes()), service);
    }

    fn sign(&mut self, timestamp: i64) {
        self.checkpoints.push(Signed {
            checkpoint: self.ledger.checkpoint(timestamp, 2),
            states: self.ledger.states.clone(),
        });
    }

    fn records(&self) -> &[Record] {
        &self.ledger.log.records
    }

    fn record(&self, index: u64) -> &Record {
        &self.records()[index as usize]
    }

    fn bytes(&self, range: Range<u64>) -> Vec<Vec<u8>> {
        self.records()[range.start as usize..range.end as usize]
            .iter()
            .map(Canonical::encode)
            .collect()
    }

    fn signed(&self, size: u64) -> &Signed {
        self.checkpoints
            .iter()
            .find(|c| c.checkpoint.checkpoint().size == size)
            .unwrap()
    }

    fn checkpoint(&self, size: u64) -> &SignedCheckpoint {
        &self.signed(size).checkpoint
    }

    /// The consistency proof from the first `size` records to the first `target`.
    fn proof(&self, size: u64, target: u64) -> Vec<Hash> {
        merkle::consistency_proof(size, target, &self.ledger.tree)
            .unwrap()
            .path
    }

    fn root_at(&self, size: u64) -> Hash {
        merkle::root_at(size, &self.ledger.tree).unwrap()
    }
}

fn code(n: u64) -> CertificateCode {
    testing::code(2026, n)
}

/// The second evidence service (registered at index 3, removed at 21).
fn service() -> SigningKey {
    SigningKey::from_seed(&[7; 32])
}

/// The source's rule profile (index 4), in force from its first day.
fn profile_adopted() -> Body {
    testing::profile_adopted("2026-11-20")
}

fn calendar(year: u16) -> WorkCalendar {
    WorkCalendar::new(year, vec![], vec![]).unwrap()
}

fn submitter_added(key: &SigningKey, name: &str) -> Body {
    Body::SubmitterAdded(SubmitterAdded {
        key: key.public_key(),
        name: name.into(),
        credit_code: CreditCode::parse(testing::CREDIT_CODE).unwrap(),
    })
}

fn notice(code: CertificateCode, ends_on: &str) -> Body {
    Body::NoticePublished(Notice {
        registration_type: RegistrationType::First,
        content: testing::content(code.kind(), None),
        ends_on: parse_date(ends_on),
        code,
    })
}

fn issued(code: CertificateCode, from: &str, until: &str) -> Body {
    Body::Issued(Issued {
        code,
        valid_from: parse_date(from),
        valid_until: parse_date(until),
    })
}

fn log_key() -> VerifierKey {
    VerifierKey::log(testing::ORIGIN, testing::agency_key().public_key()).unwrap()
}

fn identity() -> LogIdentity {
    LogIdentity {
        origin: testing::ORIGIN.into(),
        genesis_key: testing::agency_key().public_key(),
    }
}

/// The mirror's clock in these tests: after every fixture date (a real clock would refuse the
/// fixture's records dated ahead of it).
fn clock() -> Arc<dyn crate::clock::Clock> {
    Arc::new(crate::clock::ManualClock::new(at("2030-01-01", 0)))
}

fn open(store: Arc<dyn Store>) -> Result<Mirror, MirrorError> {
    Ok(Mirror::open(testing::ORIGIN, log_key(), store)?.with_clock(clock()))
}

fn memory_mirror() -> Mirror {
    open(Arc::new(MemoryStore::new(identity()))).unwrap()
}

/// Applies the source's records `start..end` against its checkpoint of size `target`, with the
/// consistency proof a range ending before the checkpoint needs.
fn apply_range(
    mirror: &Mirror,
    source: &Source,
    start: u64,
    end: u64,
    target: u64,
) -> Result<Applied, MirrorError> {
    let proof = if end == target {
        Vec::new()
    } else {
        source.proof(end, target)
    };
    mirror.apply(
        start,
        &source.bytes(start..end),
        source.checkpoint(target),
        &proof,
        None,
    )
}

fn applied(size: u64, checkpointed: bool) -> Result<Applied, MirrorError> {
    Ok(Applied {
        size,
        checkpointed,
        cosignature: None,
    })
}

/// Asserts that `attempt` fails with exactly `expected` and changes neither the mirror's state nor
/// anything in its store (the memory store's debug form shows every stored value).
fn assert_refused(
    mirror: &Mirror,
    expected: MirrorError,
    attempt: impl FnOnce(&Mirror) -> Result<Applied, MirrorError>,
) {
    let before = format!("{mirror:?}");
    let size = mirror.size();
    assert_eq!(attempt(mirror), Err(expected));
    assert_eq!(mirror.size(), size);
    assert_eq!(
        format!("{mirror:?}"),
        before,
        "a refused range changed something"
    );
}

/// The header of the record after `prev`, correctly chained.
fn header_after(prev: &Record, time: i64, author: PublicKey) -> Header {
    Header {
        origin: testing::ORIGIN.into(),
        index: prev.header.index + 1,
        prev_hash: prev.hash(),
        time,
        author,
        officer: None,
    }
}

/// An agency record after `prev`, signed with the real agency key.
fn agency_after(prev: &Record, time: i64, body: Body) -> Record {
    let key = testing::agency_key();
    Record::sign_agency(header_after(prev, time, key.public_key()), body, &key).unwrap()
}

/// The evidence of `of` (its hash and its service's signature) under another header.
fn evidence_under(header: Header, of: &Record) -> Record {
    let Body::Evidence(evidence) = &of.body else {
        panic!("record {} is not evidence", of.header.index)
    };
    Record::evidence(header, evidence.hash, of.signature)
}

/// The note of `signed` with the log's signature only.
fn log_signed_only(signed: &SignedCheckpoint) -> String {
    SignedCheckpoint::sign(
        signed.checkpoint().clone(),
        testing::ORIGIN,
        &testing::agency_key(),
    )
    .unwrap()
    .to_note_text()
}

fn stored_map_root(store: &dyn Store) -> Hash {
    crate::store::map_root(store).unwrap()
}

/// Asserts that `store` holds the whole source log, at its last checkpoint, exactly as the source.
fn assert_mirrors_source(store: &dyn Store, source: &Source) {
    let records = source.records();
    let last = records.last().unwrap();
    assert_eq!(
        store.tip().unwrap(),
        Tip {
            size: SIZE,
            last_hash: last.hash(),
            last_time: last.header.time,
        }
    );
    assert_eq!(store.records(0, SIZE).unwrap(), source.bytes(0..SIZE));
    for size in 1..=SIZE {
        assert_eq!(
            merkle::root_at(size, &TreeReader(store)).unwrap(),
            source.root_at(size),
            "tree root at size {size}"
        );
    }
    assert_eq!(
        store.agency_key().unwrap(),
        testing::agency_key().public_key()
    );

    let map_root = stored_map_root(store);
    assert_eq!(map_root, source.ledger.map.root());
    assert_eq!(map_root, source.checkpoint(SIZE).checkpoint().map_root);
    assert_eq!(source.ledger.states.len(), 3);
    for n in 1..=4 {
        let code = code(n);
        let expected = source.ledger.states.get(&code);
        assert_eq!(store.state(&code).unwrap().as_ref(), expected, "{code}");
        assert_eq!(
            store.checkpointed_state(&code).unwrap().as_ref(),
            expected,
            "{code}"
        );
        let about: Vec<u64> = records
            .iter()
            .filter(|r| r.body.certificate_code() == Some(&code))
            .map(|r| r.header.index)
            .collect();
        assert_eq!(store.code_records(&code).unwrap(), about, "{code}");
        let key = map::map_key(
            ledger_format::suite::Suite::Ed25519Sha256,
            code.as_str().as_bytes(),
        );
        assert_eq!(
            map::prove(&MapReader(store), map_root, key).unwrap(),
            map::prove(&source.ledger.map, map_root, key).unwrap(),
            "{code}"
        );
    }

    assert_eq!(
        store.submitters().unwrap(),
        vec![(
            testing::submitter_key().public_key(),
            Submitter {
                name: "存证服务".into(),
                credit_code: testing::CREDIT_CODE.into(),
                added_at: 2,
            }
        )]
    );
    assert_eq!(
        store.calendars().unwrap(),
        vec![calendar(2026), calendar(2027), calendar(2028)]
    );
    let Body::ProfileAdopted(adopted) = profile_adopted() else {
        unreachable!("a profile adoption")
    };
    assert_eq!(store.profiles().unwrap(), vec![adopted]);
    for service in [
        testing::submitter_key().public_key(),
        service().public_key(),
    ] {
        let anchored: Vec<(Hash, u64)> = records
            .iter()
            .filter_map(|r| match &r.body {
                Body::Evidence(e) if r.header.author == service => Some((e.hash, r.header.index)),
                _ => None,
            })
            .collect();
        assert!(!anchored.is_empty());
        for (hash, index) in &anchored {
            assert_eq!(store.evidence_index(&service, hash).unwrap(), Some(*index));
        }
        assert_eq!(
            store.submissions(&service, 0, 100).unwrap(),
            anchored.iter().map(|(_, i)| *i).collect::<Vec<_>>()
        );
        assert_eq!(
            store
                .evidence_index(&service, &sha256(b"never anchored"))
                .unwrap(),
            None
        );
    }

    assert_eq!(
        store.latest_checkpoint().unwrap(),
        Some(StoredCheckpoint {
            size: SIZE,
            note: log_signed_only(source.checkpoint(SIZE)),
        })
    );
    let report = crate::audit::audit(store, &[], &[], &mut |_, _| {}).unwrap();
    assert_eq!(
        (report.records, report.certificates, report.root),
        (SIZE, 3, source.ledger.tree.root())
    );
}

#[test]
fn a_log_mirrored_range_by_range_equals_its_source() {
    let source = Source::new();
    let mirror = memory_mirror();
    let store = &**mirror.store();
    assert_eq!(mirror.origin(), testing::ORIGIN);
    assert_eq!(mirror.log_key(), &log_key());
    assert_eq!(mirror.size(), 0);

    // A middle range: proven inside the checkpoint of size 16, which it does not reach.
    assert_eq!(apply_range(&mirror, &source, 0, 3, 16), applied(3, false));
    assert_eq!(mirror.size(), 3);
    assert_eq!(store.tip().unwrap().size, 3);
    assert_eq!(store.latest_checkpoint().unwrap(), None);
    // Ranges reaching checkpoints: 6 (an empty status map), then 16.
    assert_eq!(apply_range(&mirror, &source, 3, 6, 6), applied(6, true));
    assert_eq!(stored_map_root(store), map::EMPTY_HASH);
    assert_eq!(apply_range(&mirror, &source, 6, 16, 16), applied(16, true));
    assert_eq!(
        stored_map_root(store),
        source.checkpoint(16).checkpoint().map_root
    );
    // Two middle ranges of the last checkpoint, skipping the one of size 21: the first issues
    // certificate 1 (index 19), the second ends certificate 2 (index 20).
    assert_eq!(
        apply_range(&mirror, &source, 16, 20, SIZE),
        applied(20, false)
    );
    assert_eq!(
        apply_range(&mirror, &source, 20, 27, SIZE),
        applied(27, false)
    );
    // Between checkpoints the current states move on; the map and the checkpointed states (what
    // bundles carry) stay those of the latest checkpoint.
    let at_16 = &source.signed(16).states;
    assert_eq!(
        store.state(&code(1)).unwrap().unwrap().status,
        Status::Active
    );
    assert_eq!(
        store.state(&code(2)).unwrap().unwrap().status,
        Status::Terminated
    );
    for n in 1..=3 {
        assert_eq!(
            store.checkpointed_state(&code(n)).unwrap().as_ref(),
            at_16.get(&code(n))
        );
    }
    assert_eq!(
        stored_map_root(store),
        source.checkpoint(16).checkpoint().map_root
    );
    assert_eq!(store.latest_checkpoint().unwrap().unwrap().size, 16);
    // The last range reaches the last checkpoint.
    assert_eq!(
        apply_range(&mirror, &source, 27, SIZE, SIZE),
        applied(SIZE, true)
    );
    assert_eq!(mirror.size(), SIZE);

    assert_mirrors_source(store, &source);
    let stored: Vec<StoredCheckpoint> = store.checkpoints(0, 10).unwrap();
    assert_eq!(
        stored,
        [6, 16, SIZE]
            .map(|size| StoredCheckpoint {
                size,
                note: log_signed_only(source.checkpoint(size)),
            })
            .to_vec()
    );
    // The served note carries the log's signature only: the witnesses' cosignatures are not kept.
    let served = store.latest_checkpoint().unwrap().unwrap();
    let cosigned = source.checkpoint(SIZE);
    assert_eq!(cosigned.note().signatures().len(), 3);
    let parsed = SignedCheckpoint::parse(&served.note).unwrap();
    assert_eq!(parsed.note().signatures().len(), 1);
    assert_eq!(parsed.checkpoint(), cosigned.checkpoint());
    assert_eq!(parsed.verify_log_signature(&log_key()), Ok(()));
    assert_eq!(
        log_signed_note(cosigned, &log_key()).unwrap(),
        log_signed_only(cosigned)
    );
    assert_eq!(store.cosignatures(SIZE).unwrap(), Vec::<String>::new());
}

#[test]
fn a_whole_log_in_one_range_equals_its_source() {
    let source = Source::new();
    let mirror = memory_mirror();
    assert_eq!(
        apply_range(&mirror, &source, 0, SIZE, SIZE),
        applied(SIZE, true)
    );
    assert_mirrors_source(&**mirror.store(), &source);
}

#[test]
fn a_checkpoint_at_the_tip_applies_with_no_records() {
    let source = Source::new();
    let mirror = memory_mirror();
    assert_eq!(apply_range(&mirror, &source, 0, 16, 16), applied(16, true));
    assert_eq!(
        apply_range(&mirror, &source, 16, 21, SIZE),
        applied(21, false)
    );
    let tip = mirror.store().tip().unwrap();
    // The log's checkpoint of size 21 arrives after its records.
    assert_eq!(
        mirror.apply(21, &[], source.checkpoint(21), &[], None),
        applied(21, true)
    );
    let store = &**mirror.store();
    assert_eq!(store.tip().unwrap(), tip);
    assert_eq!(
        store.latest_checkpoint().unwrap(),
        Some(StoredCheckpoint {
            size: 21,
            note: log_signed_only(source.checkpoint(21)),
        })
    );
    assert_eq!(
        stored_map_root(store),
        source.checkpoint(21).checkpoint().map_root
    );
    for n in 1..=3 {
        assert_eq!(
            store.checkpointed_state(&code(n)).unwrap().as_ref(),
            source.signed(21).states.get(&code(n))
        );
    }
    // An empty middle range changes nothing.
    let before = format!("{mirror:?}");
    assert_eq!(
        mirror.apply(
            21,
            &[],
            source.checkpoint(SIZE),
            &source.proof(21, SIZE),
            None
        ),
        applied(21, false)
    );
    assert_eq!(format!("{mirror:?}"), before);
    // Applying the same checkpoint again changes nothing either.
    assert_eq!(
        mirror.apply(21, &[], source.checkpoint(21), &[], None),
        applied(21, true)
    );
    assert_eq!(format!("{mirror:?}"), before);
    assert_eq!(
        apply_range(&mirror, &source, 21, SIZE, SIZE),
        applied(SIZE, true)
    );
    assert_mirrors_source(&**mirror.store(), &source);
}

#[test]
fn an_empty_range_on_an_empty_mirror_stores_nothing() {
    let source = Source::new();
    let mirror = memory_mirror();
    let before = format!("{mirror:?}");
    assert_eq!(
        mirror.apply(0, &[], source.checkpoint(6), &[], None),
        applied(0, false)
    );
    assert_eq!(format!("{mirror:?}"), before);
    assert_eq!(mirror.store().tip().unwrap(), Tip::default());
}

#[test]
fn a_reopened_mirror_resumes_from_its_store() {
    let source = Source::new();
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("mirror");
    {
        let mirror = open(Arc::new(RocksStore::create(&path, identity()).unwrap())).unwrap();
        assert_eq!(apply_range(&mirror, &source, 0, 16, 16), applied(16, true));
        // Certificates 1 and 2 change after the checkpoint of size 16; certificate 2 never again.
        assert_eq!(
            apply_range(&mirror, &source, 16, 21, SIZE),
            applied(21, false)
        );
    }
    let mirror = open(Arc::new(RocksStore::open(&path, testing::ORIGIN).unwrap())).unwrap();
    assert_eq!(mirror.size(), 21);
    assert_eq!(
        mirror.store().latest_checkpoint().unwrap().unwrap().size,
        16
    );

    // The resumed replay knows the tip's hash and time, the submitters and the stored states.
    let tip = source.record(20);
    let next = |time: i64, body: Body| vec![agency_after(tip, time, body).encode()];
    let target = source.checkpoint(SIZE);
    let proof = source.proof(22, SIZE);
    assert_refused(
        &mirror,
        MirrorError::Record(ReplayError::Time {
            index: 21,
            time: tip.header.time - 1,
            previous: tip.header.time,
        }),
        |m| {
            m.apply(
                21,
                &next(tip.header.time - 1, Body::Calendar(calendar(2029))),
                target,
                &proof,
                None,
            )
        },
    );
    let mut unchained = agency_after(tip, tip.header.time, Body::Calendar(calendar(2029)));
    unchained.header.prev_hash = source.record(19).hash();
    let unchained =
        Record::sign_agency(unchained.header, unchained.body, &testing::agency_key()).unwrap();
    assert_refused(&mirror, MirrorError::Record(ReplayError::Chain(21)), |m| {
        m.apply(21, &[unchained.encode()], target, &proof, None)
    });
    assert_refused(
        &mirror,
        MirrorError::Record(ReplayError::Registry {
            index: 21,
            reason: format!("{} is already a submitter", service().public_key()),
        }),
        |m| {
            m.apply(
                21,
                &next(tip.header.time, submitter_added(&service(), "again")),
                target,
                &proof,
                None,
            )
        },
    );
    assert_refused(
        &mirror,
        MirrorError::Record(ReplayError::Rule {
            index: 21,
            error: TransitionError::Final("terminated"),
        }),
        |m| {
            m.apply(
                21,
                &next(tip.header.time, issued(code(2), "2026-12-08", "2029-12-08")),
                target,
                &proof,
                None,
            )
        },
    );

    // The rest needs the stored submitters (a removal), calendars and profiles (an application
    // and a notice), states (a revocation) and the codes changed since the checkpoint
    // (certificate 2, for the map root).
    assert_eq!(
        apply_range(&mirror, &source, 21, SIZE, SIZE),
        applied(SIZE, true)
    );
    assert_mirrors_source(&**mirror.store(), &source);
    drop(mirror);
    let mirror = open(Arc::new(RocksStore::open(&path, testing::ORIGIN).unwrap())).unwrap();
    assert_eq!(mirror.size(), SIZE);
    assert_mirrors_source(&**mirror.store(), &source);
}

#[test]
fn a_mirror_opened_after_a_checkpoint_resumes_with_a_clean_map() {
    let source = Source::new();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new(identity()));
    let mirror = open(Arc::clone(&store)).unwrap();
    assert_eq!(apply_range(&mirror, &source, 0, 21, 21), applied(21, true));
    drop(mirror);
    let mirror = open(store).unwrap();
    assert_eq!(mirror.size(), 21);
    assert_eq!(
        apply_range(&mirror, &source, 21, SIZE, SIZE),
        applied(SIZE, true)
    );
    assert_mirrors_source(&**mirror.store(), &source);
}

#[test]
fn a_mirror_refuses_a_store_of_another_log() {
    let other = LogIdentity {
        origin: "ledger.other.example/2026".into(),
        genesis_key: testing::agency_key().public_key(),
    };
    assert_eq!(
        Mirror::open(
            testing::ORIGIN,
            log_key(),
            Arc::new(MemoryStore::new(other))
        )
        .unwrap_err(),
        MirrorError::Store(StoreError::WrongLog {
            found: "ledger.other.example/2026".into(),
            expected: testing::ORIGIN.into(),
        })
    );
}

/// A mirror holding the source's first six records, at its first checkpoint.
fn mirror_at_6(source: &Source) -> Mirror {
    let mirror = memory_mirror();
    assert_eq!(apply_range(&mirror, source, 0, 6, 6), applied(6, true));
    mirror
}

/// Applies the rest of the source and checks the result.
fn finish(mirror: &Mirror, source: &Source) {
    let start = mirror.size();
    assert_eq!(
        apply_range(mirror, source, start, SIZE, SIZE),
        applied(SIZE, true)
    );
    assert_mirrors_source(&**mirror.store(), source);
}

fn with_bad_signature(record: &Record) -> Vec<u8> {
    let mut forged = record.clone();
    forged.signature.0[0] ^= 1;
    let bytes = forged.encode();
    let original = record.encode();
    assert_eq!(bytes.len(), original.len());
    assert_eq!(
        bytes.iter().zip(&original).filter(|(a, b)| a != b).count(),
        1
    );
    bytes
}

#[test]
fn a_record_with_a_bad_signature_is_refused() {
    let source = Source::new();
    let mirror = mirror_at_6(&source);
    let target = source.checkpoint(16);
    // The source's records 6..16 with record `index` replaced by `bytes`.
    let with = |index: u64, bytes: Vec<u8>| {
        let mut range = source.bytes(6..16);
        range[(index - 6) as usize] = bytes;
        range
    };

    // One flipped byte of the signature in the canonical bytes (the second notice).
    let range = with(13, with_bad_signature(source.record(13)));
    assert_refused(&mirror, ReplayError::Signature(13).into(), |m| {
        m.apply(6, &range, target, &[], None)
    });
    // An evidence signature broken the same way.
    let range = with(15, with_bad_signature(source.record(15)));
    assert_refused(&mirror, ReplayError::Signature(15).into(), |m| {
        m.apply(6, &range, target, &[], None)
    });
    // Signed with another key, under the agency's name.
    let other = SigningKey::from_seed(&[9; 32]);
    let mut forged = source.record(13).clone();
    forged.signature = other.sign(&forged.signed_message());
    let range = with(13, forged.encode());
    assert_refused(&mirror, ReplayError::Signature(13).into(), |m| {
        m.apply(6, &range, target, &[], None)
    });
    // Signed with another key, under its own name: the signature holds, the author may not sign.
    let forged = agency_after(
        source.record(12),
        source.record(13).header.time,
        source.record(13).body.clone(),
    );
    let forged = Record::sign_agency(
        Header {
            author: other.public_key(),
            ..forged.header
        },
        forged.body,
        &other,
    )
    .unwrap();
    let range = with(13, forged.encode());
    assert_refused(
        &mirror,
        ReplayError::Author {
            index: 13,
            reason: format!(
                "signed by {}, not by the agency key in force",
                other.public_key()
            ),
        }
        .into(),
        |m| m.apply(6, &range, target, &[], None),
    );
    // Evidence from a service the log never registered.
    let stranger = Record::evidence(
        header_after(
            source.record(14),
            source.record(15).header.time,
            other.public_key(),
        ),
        sha256(b"evidence 15"),
        other.sign(&ledger_format::record::evidence_message(
            testing::ORIGIN,
            &sha256(b"evidence 15"),
        )),
    );
    let range = with(15, stranger.encode());
    assert_refused(
        &mirror,
        ReplayError::Author {
            index: 15,
            reason: format!(
                "signed by {}, not by a registered evidence service",
                other.public_key()
            ),
        }
        .into(),
        |m| m.apply(6, &range, target, &[], None),
    );
    // Bytes that are not a canonical record.
    let mut truncated = source.record(14).encode();
    truncated.pop();
    let error = Record::decode_exact(&truncated).unwrap_err();
    let range = with(14, truncated);
    assert_refused(
        &mirror,
        ReplayError::Decode { index: 14, error }.into(),
        |m| m.apply(6, &range, target, &[], None),
    );

    assert_eq!(apply_range(&mirror, &source, 6, 16, 16), applied(16, true));
    finish(&mirror, &source);
}

#[test]
fn ranges_verified_ahead_are_applied_in_order_only() {
    let source = Source::new();
    let mirror = mirror_at_6(&source);
    let target = source.checkpoint(16);
    // As a catch-up does: the next range is verified before the current one is applied.
    let first = VerifiedRange::check(6, source.bytes(6..11)).unwrap();
    assert_eq!(
        (first.start(), first.end(), first.len(), first.is_empty()),
        (6, 11, 5, false)
    );
    let range_error = MirrorError::Range {
        start: 11,
        size: 6,
        target: 16,
    };
    // The second cannot go first.
    assert_refused(&mirror, range_error, |m| {
        let second = VerifiedRange::check(11, source.bytes(11..16)).unwrap();
        m.apply_verified(second, target, &[], None)
    });
    // Records verified as if they sat one place earlier: their signatures hold, their index does
    // not, and nothing is stored.
    let size = mirror.size();
    let shifted = VerifiedRange::check(6, source.bytes(7..12)).unwrap();
    let refused = mirror.apply_verified(shifted, target, &source.proof(11, 16), None);
    assert!(
        matches!(refused, Err(MirrorError::Record(_))),
        "{refused:?}"
    );
    assert_eq!(mirror.size(), size);
    assert_eq!(mirror.store().tip().unwrap().size, size);
    // A bad signature fails the verification stage, named as `apply` names it.
    let mut bad = source.bytes(6..11);
    bad[2] = with_bad_signature(source.record(8));
    let failed = VerifiedRange::check(6, bad).unwrap_err();
    assert_eq!(failed, ReplayError::Signature(8).into());
    assert_eq!(failed.reason(), "signature");

    assert_eq!(
        mirror.apply_verified(first, target, &source.proof(11, 16), None),
        applied(11, false)
    );
    let second = VerifiedRange::check(11, source.bytes(11..16)).unwrap();
    assert_eq!(
        mirror.apply_verified(second, target, &[], None),
        applied(16, true)
    );
    finish(&mirror, &source);
}

#[test]
fn signatures_checked_on_every_core_name_the_first_bad_record() {
    // Long enough for the signatures to be checked on several threads.
    const LONG: u64 = 200;
    let mut ledger = Ledger::empty(testing::ORIGIN, testing::agency_key());
    ledger
        .apply(
            "2026-11-20",
            submitter_added(&testing::submitter_key(), "存证服务"),
        )
        .unwrap();
    for i in 1..LONG {
        ledger.evidence(at("2026-11-20", 11) + i as i64, sha256(&i.to_be_bytes()));
    }
    let target = ledger.checkpoint(at("2026-11-21", 0), 1);
    let bytes: Vec<Vec<u8>> = ledger.log.records.iter().map(Canonical::encode).collect();
    let mirror = memory_mirror();

    let forge = |bad: &[u64]| {
        let mut forged = bytes.clone();
        for &i in bad {
            forged[i as usize] = with_bad_signature(&ledger.log.records[i as usize]);
        }
        forged
    };
    for (bad, first) in [
        (vec![LONG - 1], LONG - 1),
        (vec![150, 170], 150),
        (vec![10, 190], 10),
        (vec![0], 0),
    ] {
        let forged = forge(&bad);
        assert_refused(&mirror, ReplayError::Signature(first).into(), |m| {
            m.apply(0, &forged, &target, &[], None)
        });
    }

    assert_eq!(
        mirror.apply(0, &bytes, &target, &[], None),
        applied(LONG, true)
    );
    let store = &**mirror.store();
    assert_eq!(store.records(0, LONG).unwrap(), bytes);
    assert_eq!(
        merkle::root_at(LONG, &TreeReader(store)).unwrap(),
        ledger.tree.root()
    );
    assert_eq!(
        store
            .submissions(&testing::submitter_key().public_key(), 0, 500)
            .unwrap(),
        (1..LONG).collect::<Vec<_>>()
    );
}

#[test]
fn a_broken_hash_chain_is_refused_even_when_signed_by_the_agency() {
    let source = Source::new();
    let mirror = mirror_at_6(&source);
    let target = source.checkpoint(16);
    let rechained = |index: u64, prev_hash: Hash| {
        let mut record = source.record(index).clone();
        record.header.prev_hash = prev_hash;
        let record =
            Record::sign_agency(record.header, record.body, &testing::agency_key()).unwrap();
        assert_eq!(record.verify_signature(), Ok(()));
        record.encode()
    };

    // Inside the range.
    let mut range = source.bytes(6..16);
    range[1] = rechained(7, sha256(b"another past"));
    assert_refused(&mirror, ReplayError::Chain(7).into(), |m| {
        m.apply(6, &range, target, &[], None)
    });
    // At its start, against the stored tip.
    let mut range = source.bytes(6..16);
    range[0] = rechained(6, source.record(3).hash());
    assert_refused(&mirror, ReplayError::Chain(6).into(), |m| {
        m.apply(6, &range, target, &[], None)
    });
    // A record left out: the next one names its own index.
    let mut range = source.bytes(6..16);
    range.remove(1);
    assert_refused(
        &mirror,
        ReplayError::Index {
            expected: 7,
            found: 8,
        }
        .into(),
        |m| m.apply(6, &range, target, &source.proof(15, 16), None),
    );

    assert_eq!(apply_range(&mirror, &source, 6, 16, 16), applied(16, true));
    finish(&mirror, &source);
}

#[test]
fn a_forbidden_transition_signed_by_the_agency_is_refused() {
    let source = Source::new();
    let mirror = mirror_at_6(&source);
    let notice_ends = TransitionError::NoticeNotEnded {
        ends_on: parse_date("2026-12-04"),
    };

    // Issuance the day after the notice (index 12), whose state comes from the same range.
    let early = agency_after(
        source.record(12),
        at("2026-11-24", 10),
        issued(code(1), "2026-11-24", "2029-11-24"),
    );
    let mut range = source.bytes(6..13);
    range.push(early.encode());
    // The checkpoint it claims to lead to, dated after it (else the time check refuses it first).
    let target = resigned_at(source.checkpoint(16), at("2026-11-24", 11));
    assert_refused(
        &mirror,
        ReplayError::Rule {
            index: 13,
            error: notice_ends.clone(),
        }
        .into(),
        |m| m.apply(6, &range, &target, &source.proof(14, 16), None),
    );

    // Issuance before the notice ends, whose state comes from the store.
    assert_eq!(apply_range(&mirror, &source, 6, 16, 16), applied(16, true));
    let early = agency_after(
        source.record(15),
        at("2026-11-30", 10),
        issued(code(1), "2026-11-30", "2029-11-30"),
    );
    assert_refused(
        &mirror,
        ReplayError::Rule {
            index: 16,
            error: notice_ends,
        }
        .into(),
        |m| {
            m.apply(
                16,
                &[early.encode()],
                source.checkpoint(SIZE),
                &source.proof(17, SIZE),
                None,
            )
        },
    );

    finish(&mirror, &source);
}

#[test]
fn reordered_evidence_with_valid_signatures_is_not_in_the_signed_tree() {
    let source = Source::new();
    let mirror = mirror_at_6(&source);
    let (r13, r14, r15) = (source.record(13), source.record(14), source.record(15));

    // Evidence 14 and 15 swapped, their headers rewritten into a valid chain: every signature
    // still holds (a service signs the hash, not the header).
    let first = evidence_under(header_after(r13, r14.header.time, r15.header.author), r15);
    let second = evidence_under(
        header_after(&first, r15.header.time, r14.header.author),
        r14,
    );
    let mut swapped = source.bytes(6..14);
    swapped.extend([first.encode(), second.encode()]);
    let mut replay = LogReplay::new(testing::ORIGIN, testing::agency_key().public_key());
    for bytes in source.bytes(0..6).iter().chain(&swapped) {
        replay.apply(bytes).unwrap();
    }
    assert_ne!(replay.root(), source.root_at(16));

    // Against the checkpoint the range reaches.
    assert_refused(
        &mirror,
        MirrorError::NotInSignedTree {
            size: 16,
            target: 16,
            reason: "root differs".into(),
        },
        |m| m.apply(6, &swapped, source.checkpoint(16), &[], None),
    );
    // As a middle range of a later checkpoint.
    let target = source.checkpoint(SIZE);
    let proof = source.proof(16, SIZE);
    let reason = verify_consistency(
        ledger_format::suite::Suite::Ed25519Sha256,
        16,
        SIZE,
        &proof,
        &replay.root(),
        &target.checkpoint().root,
    )
    .unwrap_err()
    .to_string();
    assert_refused(
        &mirror,
        MirrorError::NotInSignedTree {
            size: 16,
            target: SIZE,
            reason,
        },
        |m| m.apply(6, &swapped, target, &proof, None),
    );
    // One evidence header rewritten to a later time.
    let later = evidence_under(
        header_after(r14, r15.header.time + 60, r15.header.author),
        r15,
    );
    let mut range = source.bytes(6..16);
    range[9] = later.encode();
    assert_refused(
        &mirror,
        MirrorError::NotInSignedTree {
            size: 16,
            target: 16,
            reason: "root differs".into(),
        },
        |m| m.apply(6, &range, source.checkpoint(16), &[], None),
    );

    finish(&mirror, &source);
}

#[test]
fn a_checkpoint_not_signed_by_the_log_key_is_refused() {
    let source = Source::new();
    let mirror = memory_mirror();
    let real = source.checkpoint(16);
    let range = source.bytes(0..16);
    let refused = MirrorError::Checkpoint(format!(
        "not a checkpoint of {} signed by its key",
        testing::ORIGIN
    ));

    // The right checkpoint signed by another key under the log's name.
    let other = SigningKey::from_seed(&[9; 32]);
    let forged =
        SignedCheckpoint::sign(real.checkpoint().clone(), testing::ORIGIN, &other).unwrap();
    assert_refused(&mirror, refused.clone(), |m| {
        m.apply(0, &range, &forged, &[], None)
    });
    // Another log's checkpoint, signed by this log's key.
    let elsewhere = "ledger.other.example/2026";
    let foreign = SignedCheckpoint::sign(
        Checkpoint {
            origin: elsewhere.into(),
            ..real.checkpoint().clone()
        },
        testing::ORIGIN,
        &testing::agency_key(),
    )
    .unwrap();
    assert_eq!(foreign.verify_log_signature(&log_key()), Ok(()));
    assert_refused(&mirror, refused, |m| {
        m.apply(0, &range, &foreign, &[], None)
    });

    // The same checks on a note received as text.
    assert_eq!(
        mirror.verify_checkpoint(&real.to_note_text()),
        Ok(real.clone())
    );
    assert_eq!(
        mirror.verify_checkpoint(&forged.to_note_text()),
        Err(MirrorError::Checkpoint(
            forged
                .verify_log_signature(&log_key())
                .unwrap_err()
                .to_string()
        ))
    );
    assert_eq!(
        mirror.verify_checkpoint(&foreign.to_note_text()),
        Err(MirrorError::Checkpoint(format!(
            "names log {elsewhere}, not {}",
            testing::ORIGIN
        )))
    );
    assert_eq!(
        mirror.verify_checkpoint("not a note"),
        Err(MirrorError::Checkpoint(
            SignedCheckpoint::parse("not a note")
                .unwrap_err()
                .to_string()
        ))
    );

    assert_eq!(mirror.apply(0, &range, real, &[], None), applied(16, true));
    finish(&mirror, &source);
}

#[test]
fn a_range_must_start_at_the_tip_and_end_within_the_checkpoint() {
    let source = Source::new();
    let mirror = mirror_at_6(&source);
    let target = source.checkpoint(16);
    let range_error = |start: u64, target: u64| MirrorError::Range {
        start,
        size: 6,
        target,
    };

    // A gap after the tip.
    assert_refused(&mirror, range_error(7, 16), |m| {
        m.apply(7, &source.bytes(7..16), target, &[], None)
    });
    // Records the mirror already holds.
    assert_refused(&mirror, range_error(5, 16), |m| {
        m.apply(5, &source.bytes(5..16), target, &[], None)
    });
    assert_refused(&mirror, range_error(0, 16), |m| {
        m.apply(0, &source.bytes(0..16), target, &[], None)
    });
    // Past the checkpoint.
    assert_refused(&mirror, range_error(6, 16), |m| {
        m.apply(6, &source.bytes(6..17), target, &[], None)
    });
    // A checkpoint older than the records.
    assert_refused(&mirror, range_error(6, 6), |m| {
        m.apply(6, &source.bytes(6..7), source.checkpoint(6), &[], None)
    });

    assert_eq!(apply_range(&mirror, &source, 6, 16, 16), applied(16, true));
    finish(&mirror, &source);
}

#[test]
fn a_checkpoint_with_a_wrong_status_map_root_is_refused() {
    let source = Source::new();
    let mirror = mirror_at_6(&source);
    let real = source.checkpoint(16).checkpoint();
    let with_map_root = |map_root: Hash| {
        SignedCheckpoint::sign(
            Checkpoint {
                map_root,
                ..real.clone()
            },
            testing::ORIGIN,
            &testing::agency_key(),
        )
        .unwrap()
    };
    // Signed by the log, with the right tree root: the status map of an earlier checkpoint, or
    // anything else.
    let wrong = [
        with_map_root(source.checkpoint(6).checkpoint().map_root),
        with_map_root(sha256(b"not the status map")),
    ];
    for checkpoint in &wrong {
        assert_refused(&mirror, MirrorError::MapRoot { size: 16 }, |m| {
            m.apply(6, &source.bytes(6..16), checkpoint, &[], None)
        });
    }
    // Also when the records came in earlier ranges.
    assert_eq!(apply_range(&mirror, &source, 6, 15, 16), applied(15, false));
    for checkpoint in &wrong {
        assert_refused(&mirror, MirrorError::MapRoot { size: 16 }, |m| {
            m.apply(15, &source.bytes(15..16), checkpoint, &[], None)
        });
    }

    assert_eq!(apply_range(&mirror, &source, 15, 16, 16), applied(16, true));
    assert_eq!(stored_map_root(&**mirror.store()), real.map_root);
    finish(&mirror, &source);
}

#[test]
fn a_middle_range_needs_the_right_consistency_proof() {
    let source = Source::new();
    let mirror = memory_mirror();
    assert_eq!(apply_range(&mirror, &source, 0, 16, 16), applied(16, true));
    let target = source.checkpoint(SIZE);
    let range = source.bytes(16..22);
    let proof = source.proof(22, SIZE);
    let refused = |bad: &[Hash]| MirrorError::NotInSignedTree {
        size: 22,
        target: SIZE,
        reason: verify_consistency(
            ledger_format::suite::Suite::Ed25519Sha256,
            22,
            SIZE,
            bad,
            &source.root_at(22),
            &target.checkpoint().root,
        )
        .unwrap_err()
        .to_string(),
    };

    let mut tampered = proof.clone();
    tampered[0].0[0] ^= 1;
    let mut tampered_last = proof.clone();
    tampered_last.last_mut().unwrap().0[31] ^= 1;
    let wrong = [
        tampered,
        tampered_last,
        Vec::new(),
        source.proof(21, SIZE),
        source.proof(22, 28),
        proof[..proof.len() - 1].to_vec(),
        [proof.clone(), vec![Hash::ZERO]].concat(),
    ];
    for bad in &wrong {
        assert_ne!(bad, &proof);
        assert_refused(&mirror, refused(bad), |m| {
            m.apply(16, &range, target, bad, None)
        });
    }
    assert_eq!(
        refused(&[]),
        MirrorError::NotInSignedTree {
            size: 22,
            target: SIZE,
            reason: MerkleError::ProofLength {
                expected: proof.len(),
                got: 0
            }
            .to_string(),
        }
    );
    // A proof where none is due: the range reaches the checkpoint.
    assert_refused(
        &mirror,
        MirrorError::NotInSignedTree {
            size: SIZE,
            target: SIZE,
            reason: "root differs".into(),
        },
        |m| m.apply(16, &source.bytes(16..SIZE), target, &proof, None),
    );

    assert_eq!(
        mirror.apply(16, &range, target, &proof, None),
        applied(22, false)
    );
    finish(&mirror, &source);
}

/// `signed` signed again by the log's key with another timestamp.
fn resigned_at(signed: &SignedCheckpoint, timestamp: i64) -> SignedCheckpoint {
    SignedCheckpoint::sign(
        Checkpoint {
            timestamp,
            ..signed.checkpoint().clone()
        },
        testing::ORIGIN,
        &testing::agency_key(),
    )
    .unwrap()
}

/// A witness key for the cosigning tests.
fn witness() -> NoteSigningKey {
    NoteSigningKey::new(
        "witness.b.example",
        ledger_format::checkpoint::SignatureType::CosignatureV1,
        testing::witness_key(7),
    )
    .unwrap()
}

fn cosigner(key: &NoteSigningKey) -> Cosigner<'_> {
    Cosigner {
        key,
        timestamp: u64::try_from(at("2029-12-01", 0)).unwrap(),
    }
}

#[test]
fn records_dated_after_the_checkpoint_that_covers_them_are_refused() {
    let source = Source::new();
    let mirror = memory_mirror();
    assert_eq!(apply_range(&mirror, &source, 0, 6, 6), applied(6, true));
    // The real checkpoint of size 16, re-signed by the log's key at a time before its last record.
    let last = source.record(15).header.time;
    let backdated = resigned_at(source.checkpoint(16), last - 1);
    let refused = mirror.apply(6, &source.bytes(6..16), &backdated, &[], None);
    let first_late = (6..16)
        .find(|&i| source.record(i).header.time == last)
        .unwrap();
    assert_eq!(
        refused,
        Err(MirrorError::Record(ReplayError::Future {
            index: first_late,
            time: last,
            limit: last - 1,
        }))
    );
    assert_eq!(mirror.size(), 6);
}

#[test]
fn records_and_checkpoints_dated_ahead_of_the_mirrors_clock_are_refused() {
    let source = Source::new();
    let clock = crate::clock::ManualClock::new(at("2026-11-20", 11));
    let mirror = Mirror::open(
        testing::ORIGIN,
        log_key(),
        Arc::new(MemoryStore::new(identity())),
    )
    .unwrap()
    .with_clock(Arc::new(clock.clone()));
    // The checkpoint of size 6 is signed at 12:00, more than 300 s ahead of 11:00.
    let refused = apply_range(&mirror, &source, 0, 6, 6);
    assert!(
        matches!(refused, Err(MirrorError::Future { size: 6, .. })),
        "{refused:?}"
    );
    assert!(matches!(
        mirror.verify_checkpoint(&source.checkpoint(6).to_note_text()),
        Err(MirrorError::Future { .. })
    ));
    assert_eq!(mirror.size(), 0);
    // Within the skew, it applies.
    clock.set(at("2026-11-20", 12) - ledger_format::MAX_CLOCK_SKEW_SECONDS);
    assert_eq!(apply_range(&mirror, &source, 0, 6, 6), applied(6, true));
}

#[test]
fn codes_outside_the_logs_regions_are_refused_on_replay() {
    let source = Source::new();
    let mirror = memory_mirror().with_regions(&[640500]);
    assert_eq!(apply_range(&mirror, &source, 0, 6, 6), applied(6, true));
    // The first record about a code: the application of certificate 1.
    let refused = apply_range(&mirror, &source, 6, 16, 16);
    assert!(
        matches!(
            refused,
            Err(MirrorError::Record(ReplayError::Region {
                index: 6,
                region: 530400,
                ..
            }))
        ),
        "{refused:?}"
    );
    assert_eq!(mirror.size(), 6);
    // The agency's own province covers its prefecture's codes.
    let mirror = memory_mirror().with_regions(&[530000]);
    assert_eq!(apply_range(&mirror, &source, 0, 16, 16), applied(16, true));
}

#[test]
fn a_profile_the_membership_does_not_list_is_refused_on_replay() {
    let source = Source::new();
    // The source adopts yuxi-2025 at index 4; its membership entry allows national-2025 only.
    let mirror = memory_mirror().with_profiles(&["national-2025".to_owned()]);
    let refused = apply_range(&mirror, &source, 0, 6, 6);
    assert!(
        matches!(
            &refused,
            Err(MirrorError::Record(ReplayError::Registry { index: 4, reason }))
                if reason.contains("yuxi-2025") && reason.contains("may adopt")
        ),
        "{refused:?}"
    );
    assert_eq!(mirror.size(), 0, "a refused range stores nothing");
    // Listed, it replays; and an empty list allows any built-in profile of a measure.
    let mirror = memory_mirror().with_profiles(&["yuxi-2025".to_owned()]);
    assert_eq!(apply_range(&mirror, &source, 0, 16, 16), applied(16, true));
    let mirror = memory_mirror().with_profiles(&[]);
    assert_eq!(apply_range(&mirror, &source, 0, 16, 16), applied(16, true));
}

#[test]
fn a_mirror_cosigns_only_what_it_verified_and_never_goes_back() {
    let source = Source::new();
    let mirror = memory_mirror();
    let key = witness();
    let first = mirror
        .apply(
            0,
            &source.bytes(0..16),
            source.checkpoint(16),
            &[],
            Some(cosigner(&key)),
        )
        .unwrap();
    assert!(first.cosignature.is_some());
    assert_eq!(mirror.witnessed().unwrap().unwrap().checkpoint().size, 16);

    // Cosigning again the checkpoint it verified works; one it does not hold does not.
    mirror
        .cosign_held(source.checkpoint(16), cosigner(&key))
        .unwrap();
    assert!(matches!(
        mirror.cosign_held(source.checkpoint(21), cosigner(&key)),
        Err(MirrorError::NotCosigned(_))
    ));
    // A checkpoint of the right size whose status-map root was never verified.
    let forged = SignedCheckpoint::sign(
        Checkpoint {
            map_root: sha256(b"forged map"),
            ..source.checkpoint(16).checkpoint().clone()
        },
        testing::ORIGIN,
        &testing::agency_key(),
    )
    .unwrap();
    assert!(matches!(
        mirror.cosign_held(&forged, cosigner(&key)),
        Err(MirrorError::NotCosigned(_))
    ));
    // Forward to 21, then the older 16 is never cosigned again.
    let later = mirror
        .apply(
            16,
            &source.bytes(16..21),
            source.checkpoint(21),
            &[],
            Some(cosigner(&key)),
        )
        .unwrap();
    assert!(later.cosignature.is_some());
    assert!(matches!(
        mirror.cosign_held(source.checkpoint(16), cosigner(&key)),
        Err(MirrorError::NotCosigned(_))
    ));
    assert_eq!(mirror.witnessed().unwrap().unwrap().checkpoint().size, 21);
}
