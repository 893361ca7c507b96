//! Intake of checkpoints no honest writer produced. Across a key rotation: a checkpoint signed by
//! the stolen old key for a size after the rotation is refused and counted, including one
//! remembered while the node still lagged behind the rotation (judged again once the mirror passes
//! it), and never becomes an equivocation proof. Of the node's own log: one beyond its store,
//! cosigned by another member, fences the sequencer.

use std::sync::Arc;

use ledger_format::Canonical;
use ledger_format::checkpoint::{NoteSigningKey, SignatureType, VerifierKey};
use ledger_format::hash::Hash;
use ledger_format::keys::SigningKey;
use ledger_format::testing::{self, Ledger, at};

use super::*;
use crate::logs::Logs;
use crate::metrics::Metrics;
use crate::replication::membership::{MemberEntry, Membership};
use crate::replication::mirror::Mirror;
use crate::store::{LogIdentity, MemoryStore, Store};

const OWN: &str = "ledger.own.example/1";

fn entry(n: u8, origin: &str, log: &SigningKey, region: u32) -> MemberEntry {
    crate::replication::membership::test_entry(n, origin, log.public_key(), region)
}

/// A node that holds its own log and mirrors the fixture log, which has not been synced yet.
fn node() -> (Shared, Arc<Mirror>, Arc<Metrics>) {
    let own_key = SigningKey::from_seed(&[31; 32]);
    let text: String = [
        entry(1, OWN, &own_key, 530_100),
        entry(2, testing::ORIGIN, &testing::agency_key(), testing::REGION),
    ]
    .iter()
    .map(|e| e.to_toml() + "\n")
    .collect();
    let membership = Membership::parse(&text).unwrap();
    let own_store: Arc<dyn Store> = Arc::new(MemoryStore::new(LogIdentity {
        origin: OWN.into(),
        genesis_key: own_key.public_key(),
    }));
    let mirror_store: Arc<dyn Store> = Arc::new(MemoryStore::new(LogIdentity {
        origin: testing::ORIGIN.into(),
        genesis_key: testing::agency_key().public_key(),
    }));
    let genesis = VerifierKey::log(testing::ORIGIN, testing::agency_key().public_key()).unwrap();
    let mirror = Arc::new(
        Mirror::open(testing::ORIGIN, genesis.clone(), mirror_store.clone())
            .unwrap()
            .with_clock(Arc::new(crate::clock::ManualClock::new(at(
                "2030-01-01",
                0,
            )))),
    );
    let logs = Arc::new(Logs {
        own: LogEntry {
            origin: OWN.into(),
            store: own_store,
            keys: vec![VerifierKey::log(OWN, own_key.public_key()).unwrap()],
            mirror: None,
            regions: vec![530_100],
            profiles: Vec::new(),
            board: Default::default(),
        },
        mirrors: vec![LogEntry {
            origin: testing::ORIGIN.into(),
            store: mirror_store,
            keys: vec![genesis],
            mirror: Some(mirror.clone()),
            regions: vec![testing::REGION],
            profiles: Vec::new(),
            board: Default::default(),
        }],
        retired: Vec::new(),
    });
    let witness = NoteSigningKey::new(
        &format!("{OWN}/witness"),
        SignatureType::CosignatureV1,
        testing::witness_key(11),
    )
    .unwrap();
    let metrics = Arc::new(Metrics::new());
    let (commands, _) = tokio::sync::mpsc::channel(8);
    let (_, stopped) = tokio::sync::watch::channel(false);
    let shared = Shared::new(
        crate::replication::shared::View {
            membership,
            logs: logs.clone(),
            witness: crate::replication::shared::WitnessSigners {
                current: crate::replication::shared::WitnessSigner {
                    key: witness,
                    not_before: None,
                    not_after: None,
                },
                next: None,
            },
        },
        crate::replication::shared::SharedParts {
            api_logs: crate::swap::Swap::new(Logs::clone(&logs)),
            clock: Arc::new(crate::clock::ManualClock::new(at("2030-01-01", 0))),
            metrics: metrics.clone(),
            commands,
            local_peer: libp2p::identity::Keypair::ed25519_from_bytes([1; 32])
                .unwrap()
                .public()
                .to_peer_id(),
            stopped,
            fence: Arc::new(crate::sequencer::Fence::default()),
        },
    );
    (shared, mirror, metrics)
}

/// The fixture log (a rotation at index 3) and its checkpoint of size 6, by the new key.
fn rotated_log() -> (Ledger, SignedCheckpoint) {
    let (ledger, mut checkpoints) = testing::rotated_log(SigningKey::from_seed(&[93; 32]));
    let last = checkpoints.pop().unwrap();
    (ledger, last)
}

fn retired_count(metrics: &Metrics) -> usize {
    metrics
        .encode()
        .lines()
        .filter(|l| l.starts_with("ledger_retired_key_checkpoints_total") && l.ends_with(" 1"))
        .count()
}

#[test]
fn a_stolen_old_keys_checkpoint_after_the_rotation_is_refused_not_an_equivocation() {
    let (shared, mirror, metrics) = node();
    let (log, real) = rotated_log();
    // The old key, stolen, signs another tree of size 6.
    let forged = ledger_format::checkpoint::Checkpoint {
        root: Hash([9; 32]),
        ..real.checkpoint().clone()
    };
    let stolen = SignedCheckpoint::sign(forged, testing::ORIGIN, &testing::agency_key()).unwrap();

    // The node has not replayed the rotation: the old key is the one it knows in force, so the
    // checkpoint is remembered, to be compared once the mirror passes its size.
    assert_eq!(
        shared.on_checkpoint(&stolen.to_note_text(), None).verdict,
        Verdict::Valid
    );
    assert_eq!(retired_count(&metrics), 0);

    let records: Vec<Vec<u8>> = log.log.records.iter().map(Canonical::encode).collect();
    mirror.apply(0, &records, &real, &[], None).unwrap();
    let entry = shared.logs().get(Some(testing::ORIGIN)).unwrap().clone();
    assert_eq!(shared.check_seen_ahead(&entry, 6), None);
    assert_eq!(retired_count(&metrics), 1, "{}", metrics.encode());

    // Gossiped again now: refused at once, and gossip does not forward it.
    assert_eq!(
        shared.on_checkpoint(&stolen.to_note_text(), None),
        Intake {
            verdict: Verdict::Invalid,
            gossip: None
        }
    );
    assert!(!shared.is_equivocated(testing::ORIGIN));
    assert_eq!(entry.store.equivocation().unwrap(), None);
    // The real checkpoint of the new key is consistent with what the node holds.
    assert_eq!(
        shared.on_checkpoint(&real.to_note_text(), None),
        Intake {
            verdict: Verdict::Valid,
            gossip: None
        }
    );
    assert!(!shared.is_equivocated(testing::ORIGIN));
}

/// A checkpoint of the node's own log beyond its store, signed by its key and cosigned by
/// another member: a second process signs with the log's key (or the store was swapped). The
/// fence rises, so the sequencer signs nothing more; it shows in the metrics. Without another
/// member's cosignature (a forgery anyone holding the key could gossip) nothing changes.
#[test]
fn a_cosigned_checkpoint_of_the_own_log_beyond_the_store_fences_the_sequencer() {
    let (shared, _, metrics) = node();
    shared.restored();
    let own_key = SigningKey::from_seed(&[31; 32]);
    let checkpoint = ledger_format::checkpoint::Checkpoint {
        origin: OWN.into(),
        size: 5,
        root: Hash([7; 32]),
        map_root: Hash([8; 32]),
        timestamp: at("2030-01-01", 0) - 60,
    };
    let alone = SignedCheckpoint::sign(checkpoint, OWN, &own_key).unwrap();
    assert_eq!(
        shared.on_checkpoint(&alone.to_note_text(), None).verdict,
        Verdict::Valid
    );
    assert_eq!(shared.fence().size(), 0, "uncosigned: no fence");

    let mut cosigned = alone.clone();
    cosigned
        .add_cosignature(
            &format!("{}/witness", testing::ORIGIN),
            &testing::witness_key(12),
            u64::try_from(at("2030-01-01", 0) - 30).unwrap(),
        )
        .unwrap();
    assert_eq!(
        shared.on_checkpoint(&cosigned.to_note_text(), None).verdict,
        Verdict::Valid
    );
    assert_eq!(shared.fence().size(), 5);
    assert!(
        metrics.encode().contains("ledger_own_log_fence 5"),
        "{}",
        metrics.encode()
    );
}
