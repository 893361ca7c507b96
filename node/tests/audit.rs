//! `audit` finds tampering: one flipped byte in a stored record, or in a stored tree node, is named.

use std::path::Path;
use std::sync::Arc;

use ledger_format::calendar::WorkCalendar;
use ledger_format::code::CreditCode;
use ledger_format::record::{
    ApplicationKind, Body, Notice, RegistrationType, SubmitterAdded, evidence_message,
};
use ledger_format::testing::{self, at, parse_date as d};
use ledger_node::audit::{Finding, audit};
use ledger_node::clock::ManualClock;
use ledger_node::config::{CONFIG_FILE, Config};
use ledger_node::sequencer::EvidenceSubmission;
use ledger_node::store::RocksStore;

const ORIGIN: &str = "ledger.audit.example/1";

/// A node directory whose log holds calendars, a submitter and a rule profile (indexes 0–3), 40
/// evidence records (4–43) and a first registration from its application to its notice (44–47),
/// with a checkpoint. Returns the configuration.
async fn populated(dir: &Path) -> Config {
    let mut made =
        ledger_node::init::init(dir, ORIGIN, Some("127.0.0.1:0".parse().unwrap())).unwrap();
    made.config = Config::load(&dir.join(CONFIG_FILE)).unwrap();
    let clock = ManualClock::new(at("2026-11-23", 10));
    let node = ledger_node::start(&made.config, Arc::new(clock))
        .await
        .unwrap();
    let s = &node.sequencer;
    for year in [2026, 2027] {
        s.append(Body::Calendar(
            WorkCalendar::new(year, vec![], vec![]).unwrap(),
        ))
        .await
        .unwrap();
    }
    s.append(Body::SubmitterAdded(SubmitterAdded {
        key: testing::submitter_key().public_key(),
        name: "存证服务".into(),
        credit_code: CreditCode::parse(testing::CREDIT_CODE).unwrap(),
    }))
    .await
    .unwrap();
    s.append(testing::profile_adopted("2026-11-23"))
        .await
        .unwrap();
    let service = testing::submitter_key();
    let items = (0..40u32)
        .map(|i| {
            let hash = ledger_format::sha256(&i.to_be_bytes());
            EvidenceSubmission {
                submitter: service.public_key(),
                hash,
                signature: service.sign(&evidence_message(ORIGIN, &hash)),
            }
        })
        .collect();
    s.submit_evidence(items).await.unwrap();
    let code = ledger_format::code::CertificateCode::new(
        530_400,
        2026,
        ledger_format::code::ObjectKind::DataResource,
        7,
    )
    .unwrap();
    let kind = ApplicationKind::First;
    let received = s
        .append(testing::application(&code, kind.clone()))
        .await
        .unwrap();
    for body in testing::decided_application(&code, &kind, received.index) {
        s.append(body).await.unwrap();
    }
    s.append(Body::NoticePublished(Notice {
        code: code.clone(),
        registration_type: RegistrationType::First,
        content: testing::content(code.kind(), None),
        ends_on: d("2026-12-04"),
    }))
    .await
    .unwrap();
    s.checkpoint_now().await.unwrap();
    node.stop().await.unwrap();
    made.config
}

/// Flips one bit of the value stored under `key` in column family `cf`, in the byte `at(length)`.
fn flip(db_dir: &Path, cf: &str, key: &[u8], at: impl FnOnce(usize) -> usize) {
    let mut options = rocksdb::Options::default();
    options.create_if_missing(false);
    let families = rocksdb::DB::list_cf(&options, db_dir).unwrap();
    let db = rocksdb::DB::open_cf(&options, db_dir, families).unwrap();
    let handle = db.cf_handle(cf).unwrap();
    let mut value = db.get_cf(handle, key).unwrap().unwrap();
    let byte = at(value.len());
    value[byte] ^= 0x01;
    db.put_cf(handle, key, value).unwrap();
}

fn audit_dir(config: &Config) -> Result<ledger_node::audit::AuditReport, Finding> {
    let store = RocksStore::open(config.path(&config.db_dir), ORIGIN).unwrap();
    audit(&store, &[], &[], &mut |_, _| {})
}

#[tokio::test]
async fn clean_store_passes() {
    let dir = tempfile::tempdir().unwrap();
    let config = populated(dir.path()).await;
    let report = audit_dir(&config).unwrap();
    assert_eq!(report.records, 48);
    assert!(
        report.checkpoints >= 1,
        "the explicit one, and any the timer signed"
    );
    assert_eq!(report.certificates, 1);
}

#[tokio::test]
async fn flipped_record_byte_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = populated(dir.path()).await;
    // Record 10 is evidence: flip a byte of its evidence hash (70 bytes from the end, in the
    // stored form as in the record).
    flip(
        &config.path(&config.db_dir),
        "records",
        &10u64.to_be_bytes(),
        |len| len - 70,
    );
    let finding = audit_dir(&config).unwrap_err();
    assert!(finding.to_string().starts_with("record 10: "), "{finding}");
}

#[tokio::test]
async fn flipped_tree_node_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = populated(dir.path()).await;
    // The leaf hash of record 6 (levels 1 to 7 are not stored: docs/format.md#store-tree).
    let id = ledger_format::merkle::NodeId { level: 0, index: 6 };
    flip(&config.path(&config.db_dir), "tree", &id.to_key(), |_| 5);
    match audit_dir(&config).unwrap_err() {
        Finding::TreeNode { id: found, .. } => assert_eq!(found, id),
        other => panic!("expected a tree-node finding, got {other}"),
    }
}

/// The fixture node's profile changes midway: `yuxi-2025` (the notice counts its day of
/// publication) until 2026-12-06, `national-2025` (Civil Code Art. 201: from the next day) from
/// 2026-12-07. Audit replays every record under the profile of its own day: both notices pass,
/// each with the end its day's profile gives, and a notice dated after the change but computed
/// by the old profile is refused by the node.
#[tokio::test]
async fn a_log_whose_profile_changed_midway_re_audits_under_the_rules_of_each_day() {
    let dir = tempfile::tempdir().unwrap();
    let mut made =
        ledger_node::init::init(dir.path(), ORIGIN, Some("127.0.0.1:0".parse().unwrap())).unwrap();
    made.config = Config::load(&dir.path().join(CONFIG_FILE)).unwrap();
    let clock = ManualClock::new(at("2026-11-23", 10));
    let node = ledger_node::start(&made.config, Arc::new(clock.clone()))
        .await
        .unwrap();
    let s = &node.sequencer;
    for year in [2026, 2027] {
        let calendar = WorkCalendar::new(year, vec![], vec![]).unwrap();
        s.append(Body::Calendar(calendar)).await.unwrap();
    }
    s.append(testing::profile_adopted("2026-11-23"))
        .await
        .unwrap();
    let national = ledger_format::profile::builtin("national-2025").unwrap();
    s.append(Body::ProfileAdopted(
        ledger_format::profile::ProfileAdopted {
            from: d("2026-12-07"),
            profile: national,
        },
    ))
    .await
    .unwrap();
    let notice = |serial: u64, ends_on: &str| {
        let code = testing::code(2026, serial);
        Body::NoticePublished(Notice {
            code: code.clone(),
            registration_type: RegistrationType::First,
            content: testing::content(code.kind(), None),
            ends_on: d(ends_on),
        })
    };
    let apply = |serial: u64| async move {
        let code = testing::code(2026, serial);
        let received = s
            .append(testing::application(&code, ApplicationKind::First))
            .await
            .unwrap();
        for body in testing::decided_application(&code, &ApplicationKind::First, received.index) {
            s.append(body).await.unwrap();
        }
    };
    // Monday 2026-11-23 under yuxi-2025: 23 Nov is day 1, day 10 is Friday 4 December.
    apply(1).await;
    s.append(notice(1, "2026-12-04")).await.unwrap();
    // Monday 2026-12-07 under national-2025: day 1 is 8 December, day 10 is Monday 21 December;
    // the old profile's count (Friday 18 December) is refused, naming the profile's count.
    clock.set(at("2026-12-07", 10));
    apply(2).await;
    let refused = s.append(notice(2, "2026-12-18")).await.unwrap_err();
    assert!(
        refused.to_string().contains("must end on 2026-12-21")
            && refused.to_string().contains("from-next-day"),
        "{refused}"
    );
    s.append(notice(2, "2026-12-21")).await.unwrap();
    s.checkpoint_now().await.unwrap();
    node.stop().await.unwrap();

    let report = audit_dir(&made.config).unwrap();
    assert_eq!(report.records, 12);
    assert_eq!(report.certificates, 2);
    assert!(report.late_acts.is_empty());
    let store = RocksStore::open(made.config.path(&made.config.db_dir), ORIGIN).unwrap();
    let profiles = ledger_node::store::Store::profiles(&store).unwrap();
    let names: Vec<_> = profiles
        .iter()
        .map(|a| (a.profile.name.as_str(), a.from))
        .collect();
    assert_eq!(
        names,
        [
            ("yuxi-2025", d("2026-11-23")),
            ("national-2025", d("2026-12-07"))
        ]
    );
}
