use std::sync::Arc;

use ledger_format::calendar::WorkCalendar;
use ledger_format::code::CreditCode;
use ledger_format::lifecycle::{Deadline, LateAct, Status};
use ledger_format::profile::{ProfileAdopted, ProfileError};
use ledger_format::record::{
    ApplicationAct, ApplicationKind, Issued, Notice, RegistrationType, SubmitterAdded,
};
use ledger_format::testing::{self, at, parse_date as d};

use super::*;
use crate::clock::ManualClock;
use crate::store::{LogIdentity, MapReader, MemoryStore};
use ledger_format::keys::SigningKey;
use ledger_format::map;

struct Node {
    store: Arc<MemoryStore>,
    clock: ManualClock,
    metrics: Arc<Metrics>,
    sequencer: Sequencer,
}

fn start_on(store: Arc<MemoryStore>, clock: ManualClock) -> Node {
    start_with(store, clock, SequencerConfig::default())
}

/// A sequencer over `store` run by `config`, except for the checkpoint timer.
fn start_with(store: Arc<MemoryStore>, clock: ManualClock, config: SequencerConfig) -> Node {
    let metrics = Arc::new(Metrics::new());
    let sequencer = Sequencer::start(
        store.clone(),
        testing::agency_key(),
        Arc::new(clock.clone()),
        metrics.clone(),
        SequencerConfig {
            // Tests sign checkpoints on demand; the timer stays out of the way.
            checkpoint_interval: Duration::from_secs(3600),
            ..config
        },
    )
    .unwrap();
    Node {
        store,
        clock,
        metrics,
        sequencer,
    }
}

fn empty_store() -> Arc<MemoryStore> {
    Arc::new(MemoryStore::new(LogIdentity {
        origin: testing::ORIGIN.into(),
        genesis_key: testing::agency_key().public_key(),
    }))
}

fn node() -> Node {
    node_with(SequencerConfig::default())
}

/// A node on an empty log whose clock reads 2026-11-23 (a Monday) 10:00 CST.
fn node_with(config: SequencerConfig) -> Node {
    start_with(
        empty_store(),
        ManualClock::new(at("2026-11-23", 10)),
        config,
    )
}

impl Node {
    fn handle(&self) -> &SequencerHandle {
        &self.sequencer.handle
    }

    /// The calendars, the fixture evidence service and the fixture profile (Yuxi's, in force
    /// from the clock's day).
    async fn setup(&self) {
        self.setup_registries().await;
        self.handle()
            .append(testing::profile_adopted("2026-11-23"))
            .await
            .unwrap();
    }

    /// The calendars and the fixture evidence service, no profile.
    async fn setup_registries(&self) {
        let h = self.handle();
        for year in 2026..=2030 {
            h.append(Body::Calendar(
                WorkCalendar::new(year, vec![], vec![]).unwrap(),
            ))
            .await
            .unwrap();
        }
        h.append(Body::SubmitterAdded(SubmitterAdded {
            key: testing::submitter_key().public_key(),
            name: "存证服务".into(),
            credit_code: CreditCode::parse(testing::CREDIT_CODE).unwrap(),
        }))
        .await
        .unwrap();
    }

    /// Takes a first registration of `code` through receipt, acceptance and review on the
    /// clock's day, ready for its notice; returns the application's index.
    async fn apply_for(&self, code: &CertificateCode) -> u64 {
        let kind = ApplicationKind::First;
        let received = self
            .handle()
            .append(testing::application(code, kind.clone()))
            .await
            .unwrap();
        for body in testing::decided_application(code, &kind, received.index) {
            self.handle().append(body).await.unwrap();
        }
        received.index
    }

    /// The `ledger_late_acts` counter of `deadline` (0 when never counted).
    fn late_acts(&self, deadline: Deadline) -> u64 {
        let prefix = format!("ledger_late_acts_total{{kind=\"{}\"}} ", deadline.name());
        self.metrics
            .encode()
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .map_or(0, |count| count.parse().unwrap())
    }
}

fn submission(n: u32) -> EvidenceSubmission {
    let hash = ledger_format::sha256(&n.to_be_bytes());
    let key = testing::submitter_key();
    EvidenceSubmission {
        submitter: key.public_key(),
        hash,
        signature: key.sign(&evidence_message(testing::ORIGIN, &hash)),
    }
}

#[tokio::test]
async fn evidence_batch_is_appended_in_order_and_idempotent() {
    let node = node();
    node.setup().await;
    let base = node.store.tip().unwrap().size;
    let batch: Vec<_> = (0..500).map(submission).collect();
    let results = node.handle().submit_evidence(batch.clone()).await.unwrap();
    for (i, result) in results.iter().enumerate() {
        let appended = result.as_ref().unwrap();
        assert_eq!(appended.index, base + i as u64);
        assert!(!appended.existing);
    }
    let again = node
        .handle()
        .submit_evidence(batch[..10].to_vec())
        .await
        .unwrap();
    for (first, second) in results.iter().zip(&again) {
        let (first, second) = (first.as_ref().unwrap(), second.as_ref().unwrap());
        assert_eq!(
            (second.index, second.record_hash, second.existing),
            (first.index, first.record_hash, true)
        );
    }
    assert_eq!(node.store.tip().unwrap().size, base + 500);
}

#[tokio::test]
async fn duplicate_within_one_batch_is_appended_once() {
    let node = node();
    node.setup().await;
    let results = node
        .handle()
        .submit_evidence(vec![submission(1), submission(1)])
        .await
        .unwrap();
    let (a, b) = (results[0].as_ref().unwrap(), results[1].as_ref().unwrap());
    assert_eq!(a.index, b.index);
    assert!(!a.existing && b.existing);
}

#[tokio::test]
async fn bad_evidence_is_refused_and_never_written() {
    let node = node();
    node.setup().await;
    let size = node.store.tip().unwrap().size;
    let mut forged = submission(1);
    forged.hash = ledger_format::sha256(b"another");
    let stranger = ledger_format::keys::SigningKey::from_seed(&[9; 32]);
    let mut unknown = submission(2);
    unknown.submitter = stranger.public_key();
    unknown.signature = stranger.sign(&evidence_message(testing::ORIGIN, &unknown.hash));
    let results = node
        .handle()
        .submit_evidence(vec![forged.clone(), unknown.clone(), submission(3)])
        .await
        .unwrap();
    // A batch with an unknown submitter is refused before any signature is checked: the forged
    // item is not named, only the stranger.
    assert_eq!(results[0], Err(AppendError::BatchRefused));
    assert_eq!(
        results[1],
        Err(AppendError::UnknownSubmitter(stranger.public_key()))
    );
    assert_eq!(results[2], Err(AppendError::BatchRefused));
    assert_eq!(node.store.tip().unwrap().size, size);
    // Without the stranger, the forgery is named.
    let results = node
        .handle()
        .submit_evidence(vec![forged, submission(3)])
        .await
        .unwrap();
    assert_eq!(
        results[0],
        Err(AppendError::BadSignature(
            testing::submitter_key().public_key()
        ))
    );
    assert_eq!(results[1], Err(AppendError::BatchRefused));
    assert_eq!(node.store.tip().unwrap().size, size);
}

/// A submitter removed after a batch was checked (the check read the registry published before
/// the removal) is refused by the sequencer, whose registry is authoritative.
#[tokio::test]
async fn the_sequencer_reads_the_registry_again_after_the_check() {
    let node = node();
    node.setup().await;
    let size = node.store.tip().unwrap().size;
    let stranger = ledger_format::keys::SigningKey::from_seed(&[9; 32]);
    let hash = ledger_format::sha256(b"late");
    let item = EvidenceSubmission {
        submitter: stranger.public_key(),
        hash,
        signature: stranger.sign(&evidence_message(testing::ORIGIN, &hash)),
    };
    // A registry that (wrongly, or no longer) lists the stranger lets the check pass...
    let stale: Submitters = [stranger.public_key()].into_iter().collect();
    let checked = check_evidence(testing::ORIGIN, &stale, vec![item]).unwrap();
    let (reply, answer) = oneshot::channel();
    node.handle()
        .tx
        .send(Command::Evidence(checked, reply))
        .await
        .unwrap();
    // ... and the sequencer refuses it.
    assert_eq!(
        answer.await.unwrap(),
        vec![Err(AppendError::UnknownSubmitter(stranger.public_key()))]
    );
    assert_eq!(node.store.tip().unwrap().size, size);
}

/// The registry the checks read follows the log: a submitter added is accepted at once, one
/// removed is refused at once.
#[tokio::test]
async fn the_published_registry_follows_additions_and_removals() {
    let node = node();
    node.setup().await;
    let key = testing::submitter_key().public_key();
    assert!(node.handle().submitters.load().contains(&key));
    node.handle()
        .append(Body::SubmitterRemoved(
            ledger_format::record::SubmitterRemoved { key },
        ))
        .await
        .unwrap();
    assert!(!node.handle().submitters.load().contains(&key));
    let results = node
        .handle()
        .submit_evidence(vec![submission(7)])
        .await
        .unwrap();
    assert_eq!(results, vec![Err(AppendError::UnknownSubmitter(key))]);
}

#[tokio::test]
async fn lifecycle_rules_are_enforced_with_the_clock() {
    let node = node();
    node.setup().await;
    let code = testing::code(2026, 1);
    node.apply_for(&code).await;
    node.handle()
        .append(Body::NoticePublished(Notice {
            code: code.clone(),
            registration_type: RegistrationType::First,
            content: testing::content(code.kind(), None),
            ends_on: d("2026-12-04"),
        }))
        .await
        .unwrap();
    let issue = |on: &str, until: &str| {
        Body::Issued(Issued {
            code: code.clone(),
            valid_from: d(on),
            valid_until: d(until),
        })
    };
    node.clock.set(at("2026-12-04", 10));
    let early = node
        .handle()
        .append(issue("2026-12-04", "2029-12-04"))
        .await;
    assert_eq!(
        early,
        Err(AppendError::Rule(TransitionError::NoticeNotEnded {
            ends_on: d("2026-12-04")
        }))
    );
    node.clock.set(at("2026-12-07", 10));
    let issued = node
        .handle()
        .append(issue("2026-12-07", "2029-12-07"))
        .await
        .unwrap();
    let state = node.store.state(&code).unwrap().unwrap();
    assert_eq!(state.latest_index, issued.index);
    // Application, acceptance, review, notice, issue.
    assert_eq!(node.store.code_records(&code).unwrap().len(), 5);
    assert_eq!(state.late_acts, 0);
}

#[tokio::test]
async fn checkpoint_covers_tree_and_map_and_is_signed_once_per_size() {
    let node = node();
    node.setup().await;
    node.handle()
        .submit_evidence((0..10).map(submission).collect())
        .await
        .unwrap();
    let stored = node.handle().checkpoint_now().await.unwrap().unwrap();
    let signed = SignedCheckpoint::parse(&stored.note).unwrap();
    let key = ledger_format::checkpoint::VerifierKey::log(
        testing::ORIGIN,
        testing::agency_key().public_key(),
    )
    .unwrap();
    signed.verify_log_signature(&key).unwrap();
    let tip = node.store.tip().unwrap();
    assert_eq!(signed.checkpoint().size, tip.size);
    assert_eq!(
        signed.checkpoint().root,
        ledger_format::merkle::root_at(tip.size, &TreeReader(&*node.store)).unwrap()
    );
    // Nothing grew: the same checkpoint, not a new signature.
    node.clock.advance(60);
    let again = node.handle().checkpoint_now().await.unwrap().unwrap();
    assert_eq!(again, stored);
    assert_eq!(
        node.handle()
            .checkpoints()
            .borrow()
            .as_ref()
            .unwrap()
            .signed
            .checkpoint()
            .size,
        tip.size
    );
}

#[tokio::test]
async fn restart_resumes_the_log_and_the_pending_map_work() {
    let node = node();
    node.setup().await;
    let code = testing::code(2026, 1);
    node.handle().checkpoint_now().await.unwrap();
    node.apply_for(&code).await;
    node.handle()
        .append(Body::NoticePublished(Notice {
            code: code.clone(),
            registration_type: RegistrationType::First,
            content: testing::content(code.kind(), None),
            ends_on: d("2026-12-04"),
        }))
        .await
        .unwrap();
    let store = node.store.clone();
    let clock = node.clock.clone();
    // Stop without the final checkpoint reaching the map: drop the handle abruptly.
    node.sequencer.shutdown().await;
    let restarted = start_on(store.clone(), clock);
    let stored = restarted.handle().checkpoint_now().await.unwrap().unwrap();
    let signed = SignedCheckpoint::parse(&stored.note).unwrap();
    assert_eq!(signed.checkpoint().size, store.tip().unwrap().size);
    let key = map::map_key(
        ledger_format::suite::Suite::Ed25519Sha256,
        code.as_str().as_bytes(),
    );
    let proof = map::prove(&MapReader(&*store), signed.checkpoint().map_root, key).unwrap();
    let state = store.checkpointed_state(&code).unwrap().unwrap();
    map::verify(
        ledger_format::suite::Suite::Ed25519Sha256,
        signed.checkpoint().map_root,
        key,
        Some(state.map_value_hash(ledger_format::suite::Suite::Ed25519Sha256)),
        &proof,
    )
    .unwrap();
}

#[tokio::test]
async fn concurrent_requests_share_group_commits() {
    let node = node();
    node.setup().await;
    let base = node.store.tip().unwrap().size;
    let mut tasks = Vec::new();
    for t in 0..20u32 {
        let handle = node.handle().clone();
        tasks.push(tokio::spawn(async move {
            let batch: Vec<_> = (0..50).map(|i| submission(t * 1000 + i)).collect();
            handle.submit_evidence(batch).await.unwrap()
        }));
    }
    let mut indexes = Vec::new();
    for task in tasks {
        for result in task.await.unwrap() {
            indexes.push(result.unwrap().index);
        }
    }
    indexes.sort_unstable();
    let expected: Vec<u64> = (base..base + 1000).collect();
    assert_eq!(indexes, expected);
}

#[tokio::test]
async fn key_rotation_and_agency_evidence_are_refused_through_append() {
    let node = node();
    let rotation = node
        .handle()
        .append(Body::KeyRotation(ledger_format::record::KeyRotation {
            new_key: testing::witness_key(1).public_key(),
        }))
        .await;
    assert!(matches!(rotation, Err(AppendError::Invalid(_))));
    let evidence = node
        .handle()
        .append(Body::Evidence(ledger_format::record::Evidence {
            hash: Hash::ZERO,
        }))
        .await;
    assert!(matches!(evidence, Err(AppendError::Invalid(_))));
    assert_eq!(node.store.tip().unwrap().size, 0);
}

#[tokio::test]
async fn codes_of_another_agencys_region_are_refused() {
    let node = node_with(SequencerConfig {
        // Zhongwei (Ningxia): the fixture's Yuxi codes are another agency's.
        regions: vec![640500],
        ..SequencerConfig::default()
    });
    node.setup().await;
    let size = node.store.tip().unwrap().size;
    let code = testing::code(2026, 1);
    let refused = node
        .handle()
        .append(Body::NoticePublished(Notice {
            code: code.clone(),
            registration_type: RegistrationType::First,
            content: testing::content(code.kind(), None),
            ends_on: d("2026-12-04"),
        }))
        .await;
    assert_eq!(
        refused,
        Err(AppendError::Invalid(format!(
            "code {code} is of region 530400, which this log does not issue for"
        )))
    );
    assert_eq!(node.store.tip().unwrap().size, size, "nothing written");
    assert_eq!(node.store.state(&code).unwrap(), None);
}

#[tokio::test]
async fn a_weak_submitter_key_is_refused_by_the_engine() {
    let node = node();
    node.setup().await;
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let refused = node
        .handle()
        .append(Body::SubmitterAdded(SubmitterAdded {
            key: ledger_format::PublicKey::Ed25519(identity),
            name: "weak".into(),
            credit_code: CreditCode::parse(testing::CREDIT_CODE).unwrap(),
        }))
        .await;
    assert_eq!(
        refused,
        Err(AppendError::Invalid(
            "submitter key: public key may not be registered: of small order".into()
        ))
    );
}

#[tokio::test]
async fn a_fence_above_the_tree_stops_appends_and_signing() {
    let fence = Arc::new(Fence::default());
    let node = node_with(SequencerConfig {
        fence: fence.clone(),
        ..SequencerConfig::default()
    });
    let store = node.store.clone();
    node.setup().await;
    node.handle().checkpoint_now().await.unwrap();
    let size = store.tip().unwrap().size;
    let signed = store.latest_checkpoint().unwrap().unwrap();
    // A peer holds this log beyond the store: a second process signs with the key, or the store
    // was rolled back.
    assert!(fence.raise(size + 10));
    let refused = node
        .handle()
        .submit_evidence(vec![submission(1)])
        .await
        .unwrap();
    assert!(
        matches!(&refused[0], Err(AppendError::Fenced(reason)) if reason.contains(&format!("up to size {}", size + 10))),
        "{refused:?}"
    );
    let agency = node
        .handle()
        .append(Body::Calendar(
            WorkCalendar::new(2031, vec![], vec![]).unwrap(),
        ))
        .await;
    assert!(matches!(agency, Err(AppendError::Fenced(_))), "{agency:?}");
    assert!(matches!(
        node.handle().checkpoint_now().await,
        Err(AppendError::Fenced(_))
    ));
    assert_eq!(store.tip().unwrap().size, size, "nothing was appended");
    assert_eq!(
        store.latest_checkpoint().unwrap().unwrap(),
        signed,
        "nothing was signed"
    );
}

fn vkey(key: &SigningKey) -> ledger_format::checkpoint::VerifierKey {
    ledger_format::checkpoint::VerifierKey::log(testing::ORIGIN, key.public_key()).unwrap()
}

fn parsed(stored: &StoredCheckpoint) -> SignedCheckpoint {
    SignedCheckpoint::parse(&stored.note).unwrap()
}

#[tokio::test]
async fn a_rotation_switches_the_signing_key_after_its_record_is_durable() {
    let node = node();
    node.setup().await;
    let old = testing::agency_key();
    let new = SigningKey::from_seed(&[61; 32]);
    // Records not checkpointed yet are signed by the old key before the rotation.
    node.handle()
        .submit_evidence((0..3).map(submission).collect())
        .await
        .unwrap();
    let before = node.store.tip().unwrap().size;
    let rotation = node.handle().rotate_key(new.clone()).await.unwrap();
    assert_eq!(rotation.index, before);
    let at_rotation = node.store.checkpoint_at(before).unwrap().unwrap();
    parsed(&at_rotation)
        .verify_log_signature(&vkey(&old))
        .unwrap();
    // The tree that holds the rotation record is signed by the new key at once.
    let after = node.store.checkpoint_at(before + 1).unwrap().unwrap();
    parsed(&after).verify_log_signature(&vkey(&new)).unwrap();
    assert!(parsed(&after).verify_log_signature(&vkey(&old)).is_err());
    assert_eq!(node.store.agency_key().unwrap(), new.public_key());

    // Later agency records and checkpoints are the new key's.
    node.clock.advance(60);
    let appended = node
        .handle()
        .append(Body::SubmitterRemoved(
            ledger_format::record::SubmitterRemoved {
                key: testing::submitter_key().public_key(),
            },
        ))
        .await
        .unwrap();
    let record =
        Record::decode_exact(&node.store.record(appended.index).unwrap().unwrap()).unwrap();
    assert_eq!(record.header.author, new.public_key());
    let latest = node.handle().checkpoint_now().await.unwrap().unwrap();
    parsed(&latest).verify_log_signature(&vkey(&new)).unwrap();

    // The whole log replays and audits under the one engine, keys and all.
    let history = node.store.key_history().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].from_size, before + 1);
    assert_eq!(
        ledger_format::replay::key_at(&history, before),
        Some(old.public_key())
    );
    let report = crate::audit::audit(&*node.store, &[], &[], &mut |_, _| {}).unwrap();
    assert_eq!(report.records, node.store.tip().unwrap().size);
}

#[tokio::test]
async fn a_former_key_is_refused_and_the_old_key_stays() {
    let node = node();
    node.setup().await;
    // (A weak key cannot come from a seed; the engine's refusal of one is tested in `replay`.)
    let former = node.handle().rotate_key(testing::agency_key()).await;
    assert!(matches!(former, Err(AppendError::Invalid(reason)) if reason.contains("already")));
    assert_eq!(
        node.store.agency_key().unwrap(),
        testing::agency_key().public_key()
    );
    let size = node.store.tip().unwrap().size;
    node.handle()
        .append(Body::SubmitterRemoved(
            ledger_format::record::SubmitterRemoved {
                key: testing::submitter_key().public_key(),
            },
        ))
        .await
        .unwrap();
    assert_eq!(node.store.tip().unwrap().size, size + 1);
}

#[tokio::test]
async fn a_restarted_sequencer_needs_the_key_in_force() {
    let node = node();
    node.setup().await;
    let new = SigningKey::from_seed(&[62; 32]);
    node.handle().rotate_key(new.clone()).await.unwrap();
    let store = node.store.clone();
    node.sequencer.shutdown().await;
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(at("2026-11-24", 10)));
    let metrics = Arc::new(crate::metrics::Metrics::new());
    let old = Sequencer::start(
        store.clone(),
        testing::agency_key(),
        clock.clone(),
        metrics.clone(),
        SequencerConfig::default(),
    );
    assert!(matches!(old, Err(AppendError::Invalid(_))));
    let restarted = Sequencer::start(
        store.clone(),
        new,
        clock,
        metrics,
        SequencerConfig::default(),
    )
    .unwrap();
    restarted.shutdown().await;
}

#[tokio::test]
async fn a_profile_the_network_does_not_list_is_refused_by_the_writer_too() {
    // The network lets this log adopt the national measure only: its replicas refuse any other
    // adoption, so the writer must not sign one.
    let profiles = vec!["national-2025".to_string()];
    let node = node_with(SequencerConfig {
        profiles: profiles.clone(),
        ..SequencerConfig::default()
    });
    node.setup_registries().await;
    let size = node.store.tip().unwrap().size;
    let refused = node
        .handle()
        .append(testing::profile_adopted("2026-11-23"))
        .await;
    assert_eq!(
        refused,
        Err(AppendError::Invalid(
            ProfileError::NotAllowed("yuxi-2025".into()).to_string()
        ))
    );
    assert_eq!(node.store.tip().unwrap().size, size, "nothing written");
    assert_eq!(node.store.profiles().unwrap(), Vec::new());
    // With no profile in force, no procedure starts.
    let code = testing::code(2026, 1);
    let application = testing::application(&code, ApplicationKind::First);
    assert_eq!(
        node.handle().append(application.clone()).await,
        Err(AppendError::Rule(TransitionError::Profile(
            ProfileError::NoneInForce(d("2026-11-23"))
        )))
    );

    // The listed profile is adopted, and the procedure runs under it.
    let national = ProfileAdopted {
        from: d("2026-11-23"),
        profile: ledger_format::profile::builtin("national-2025").unwrap(),
    };
    let adopted = node
        .handle()
        .append(Body::ProfileAdopted(national.clone()))
        .await
        .unwrap();
    assert_eq!(adopted.index, size);
    assert_eq!(node.store.profiles().unwrap(), vec![national]);
    node.handle().append(application).await.unwrap();
    // A replica holding the same list audits what the writer wrote without a finding.
    let report = crate::audit::audit(&*node.store, &[], &profiles, &mut |_, _| {}).unwrap();
    assert_eq!(report.records, size + 2);
}

#[tokio::test]
async fn a_late_acceptance_is_accepted_recorded_and_counted() {
    let node = node();
    node.setup().await;
    let accept = |code: &CertificateCode, application_index: u64| {
        Body::ApplicationAccepted(ApplicationAct {
            code: code.clone(),
            application_index,
        })
    };
    // Received on Monday 2026-11-23: Yuxi's profile gives 3 working days, counted from the next
    // day (Civil Code Art. 201), so the acceptance is due by Thursday 2026-11-26.
    let (on_time, late) = (testing::code(2026, 1), testing::code(2026, 2));
    let mut received = Vec::new();
    for code in [&on_time, &late] {
        let kind = ApplicationKind::First;
        let appended = node
            .handle()
            .append(testing::application(code, kind))
            .await
            .unwrap();
        received.push(appended.index);
    }
    node.clock.set(at("2026-11-26", 16));
    node.handle()
        .append(accept(&on_time, received[0]))
        .await
        .unwrap();
    assert_eq!(node.late_acts(Deadline::Acceptance), 0, "on the last day");

    node.clock.set(at("2026-11-30", 10));
    let accepted = node
        .handle()
        .append(accept(&late, received[1]))
        .await
        .unwrap();
    assert_eq!(node.late_acts(Deadline::Acceptance), 1);
    let state = node.store.state(&late).unwrap().unwrap();
    assert_eq!((state.latest_index, state.late_acts), (accepted.index, 1));
    assert_eq!(node.store.state(&on_time).unwrap().unwrap().late_acts, 0);
    // The audit of the log names the same late act.
    let report = crate::audit::audit(&*node.store, &[], &[], &mut |_, _| {}).unwrap();
    assert_eq!(
        report.late_acts,
        vec![(
            accepted.index,
            LateAct {
                deadline: Deadline::Acceptance,
                due: d("2026-11-26"),
                on: d("2026-11-30"),
            }
        )]
    );
}

/// The node's lapse scan (R23, `crate::lapse`): nothing before the renewal deadline; after it, one
/// cancellation for lapse per expired certificate, naming no officer, except one whose renewal
/// was applied for in time (held until decided), and none twice.
#[tokio::test]
async fn the_lapse_scan_cancels_what_lapsed_and_nothing_else() {
    let node = node();
    node.setup().await;
    let h = node.handle();
    let (lapsing, renewing) = (testing::code(2026, 1), testing::code(2026, 2));
    for code in [&lapsing, &renewing] {
        node.apply_for(code).await;
        h.append(Body::NoticePublished(Notice {
            code: code.clone(),
            registration_type: RegistrationType::First,
            content: testing::content(code.kind(), None),
            ends_on: d("2026-12-04"),
        }))
        .await
        .unwrap();
    }
    node.clock.set(at("2026-12-07", 10));
    for code in [&lapsing, &renewing] {
        h.append(Body::Issued(Issued {
            code: code.clone(),
            valid_from: d("2026-12-07"),
            valid_until: d("2029-12-07"),
        }))
        .await
        .unwrap();
    }
    // The renewal of the second is applied for inside the window, and not yet decided.
    node.clock.set(at("2029-11-01", 10));
    h.append(testing::application(&renewing, ApplicationKind::Renewal))
        .await
        .unwrap();
    let store: Arc<dyn Store> = node.store.clone();
    // On the last valid day (a Friday, so also the renewal deadline): nothing lapsed.
    let scan = crate::lapse::scan_once(store.clone(), h, d("2029-12-07"))
        .await
        .unwrap();
    assert_eq!((scan.examined, scan.cancelled, scan.undecided), (2, 0, 0));
    // The day after: the first lapses; the second waits for its renewal decision.
    node.clock.set(at("2029-12-08", 10));
    let scan = crate::lapse::scan_once(store.clone(), h, d("2029-12-08"))
        .await
        .unwrap();
    assert_eq!((scan.cancelled, scan.refused), (1, 0));
    let state = node.store.state(&lapsing).unwrap().unwrap();
    assert_eq!(
        state.status,
        Status::Cancelled(ledger_format::record::CancellationReason::Lapsed)
    );
    let index = state.latest_index;
    let record =
        ledger_format::record::Record::decode_exact(&node.store.record(index).unwrap().unwrap())
            .unwrap();
    assert_eq!(record.header.officer, None, "an act of the node itself");
    assert_eq!(
        node.store.state(&renewing).unwrap().unwrap().status,
        Status::Active
    );
    // Scanned again: nothing more.
    let scan = crate::lapse::scan_once(store, h, d("2029-12-09"))
        .await
        .unwrap();
    assert_eq!(scan.cancelled, 0);
}
