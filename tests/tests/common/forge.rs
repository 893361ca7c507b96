//! What an attacker holding an agency's log key (or a witness's key) builds: real RFC 6962
//! extensions of a log's tree by invented leaves, status maps with forged states, checkpoint notes
//! signed with the stolen key, cosignature lines, C2SP `add-checkpoint` bodies, offline bundles,
//! and a log written straight into a node's store. Nothing here talks to a node except
//! [`fetch_records`] and [`submit_checkpoint`].

use ledger_format::Canonical;
use ledger_format::bundle::{BUNDLE_VERSION, Bundle};
use ledger_format::checkpoint::{
    Checkpoint, CompactCheckpoint, NoteSigningKey, SignedCheckpoint, VerifierKey,
};
use ledger_format::code::CertificateCode;
use ledger_format::date::Date;
use ledger_format::encoding::to_base64;
use ledger_format::hash::Hash;
use ledger_format::keys::SecretKey;
use ledger_format::lifecycle::{CertificateState, Status, Validity};
use ledger_format::map::{self, MemoryMapStore};
use ledger_format::merkle::{ConsistencyProof, MemoryTree, consistency_proof, verify_consistency};
use ledger_format::record::{Body, Header, Record, content_commitment};
use ledger_format::testing;

use super::{Agency, Reply};

/// The canonical bytes of records `0..size` of `origin` as `node` serves them.
pub fn fetch_records(node: &Agency, origin: &str, size: u64) -> Vec<Vec<u8>> {
    let mut records = Vec::new();
    while (records.len() as u64) < size {
        let page = node.get_json(&format!(
            "/v1/records?start={}&limit=1000&log={origin}",
            records.len()
        ));
        let chunk = page["records"].as_array().cloned().unwrap_or_default();
        assert!(
            !chunk.is_empty(),
            "{} serves {origin} below {size}",
            node.name
        );
        for record in chunk {
            records.push(hex::decode(record["hex"].as_str().unwrap()).unwrap());
        }
    }
    records.truncate(size as usize);
    records
}

/// The RFC 6962 tree of `records` (canonical record bytes).
pub fn tree_of(records: &[Vec<u8>]) -> MemoryTree {
    MemoryTree::from_leaves(
        ledger_format::suite::Suite::Ed25519Sha256,
        records.iter().map(Vec::as_slice),
    )
    .unwrap()
}

/// A real RFC 6962 extension of the tree of `base` by `invented` leaves: the new tree and the
/// consistency proof from the old size to the new one, checked before it is returned.
pub fn extend(base: &[Vec<u8>], invented: &[Vec<u8>]) -> (MemoryTree, ConsistencyProof) {
    let old = tree_of(base);
    let mut tree = old.clone();
    for leaf in invented {
        tree.push(leaf).unwrap();
    }
    let proof = consistency_proof(old.size(), tree.size(), &tree).unwrap();
    verify_consistency(
        ledger_format::suite::Suite::Ed25519Sha256,
        old.size(),
        tree.size(),
        &proof.path,
        &old.root(),
        &tree.root(),
    )
    .expect("the forged extension is consistent with the real tree");
    (tree, proof)
}

/// The record after `previous` in its log, signed by `key` as the agency.
pub fn next_record(key: &SecretKey, previous: &Record, time: i64, body: Body) -> Record {
    let header = Header {
        origin: previous.header.origin.clone(),
        index: previous.header.index + 1,
        prev_hash: previous.hash(),
        time,
        author: key.public_key(),
        officer: None,
    };
    Record::sign_agency(header, body, key).unwrap()
}

/// A checkpoint note signed with `key` as the log `origin` (the key's name is the origin).
pub fn sign_checkpoint(
    origin: &str,
    key: &SecretKey,
    tree: &MemoryTree,
    map_root: Hash,
    timestamp: i64,
) -> SignedCheckpoint {
    let checkpoint = Checkpoint {
        origin: origin.to_owned(),
        size: tree.size(),
        root: tree.root(),
        map_root,
        timestamp,
    };
    SignedCheckpoint::sign(checkpoint, origin, key).unwrap()
}

/// `signed` with a cosignature line by `witness` at `timestamp` (added or replaced).
pub fn cosign(
    signed: &SignedCheckpoint,
    witness: &NoteSigningKey,
    timestamp: i64,
) -> SignedCheckpoint {
    let mut cosigned = signed.clone();
    cosigned
        .add_cosignature(
            witness.verifier_key().name(),
            witness.signer(),
            u64::try_from(timestamp).unwrap(),
        )
        .unwrap();
    cosigned
}

/// The C2SP tlog-witness `add-checkpoint` body: `old <size>`, the proof lines, an empty line, the
/// note.
pub fn add_checkpoint_body(old: u64, proof: &[Hash], signed: &SignedCheckpoint) -> String {
    let mut head = format!("old {old}");
    for hash in proof {
        head.push('\n');
        head.push_str(&to_base64(&hash.0));
    }
    format!("{head}\n\n{}", signed.to_note_text())
}

/// Submits the log's checkpoint `signed` to `witness`'s `add-checkpoint` as a log would: asks with
/// `old 0`, and on a 409 naming the witnessed size asks again from that size with the consistency
/// proof `log_node` serves. Returns the last answer.
pub fn submit_checkpoint(witness: &Agency, log_node: &Agency, signed: &SignedCheckpoint) -> Reply {
    let checkpoint = signed.checkpoint();
    let first = witness.post_text("/add-checkpoint", &add_checkpoint_body(0, &[], signed));
    let witnessed = (first.status == 409
        && first.content_type.as_deref() == Some("text/x.tlog.size"))
    .then(|| first.body.trim().parse::<u64>().ok())
    .flatten();
    let Some(old) = witnessed else {
        return first;
    };
    let proof = if old == 0 || old >= checkpoint.size {
        Vec::new()
    } else {
        let json = log_node.get_json(&format!(
            "/v1/proofs/consistency?from={old}&to={}&log={}",
            checkpoint.size, checkpoint.origin
        ));
        serde_json::from_value::<ConsistencyProof>(json)
            .unwrap()
            .path
    };
    witness.post_text("/add-checkpoint", &add_checkpoint_body(old, &proof, signed))
}

/// A status map holding exactly `states`.
pub fn map_of(states: &[CertificateState]) -> MemoryMapStore {
    let mut store = MemoryMapStore::new(ledger_format::suite::Suite::Ed25519Sha256);
    let update = map::update_states(&store, store.root(), states).unwrap();
    store.apply_update(&update);
    store
}

/// `state` as if its certificate had been issued on `from` by record `index`: active, valid three
/// years, version 1, no notice pending.
pub fn issued(state: &CertificateState, from: Date, index: u64) -> CertificateState {
    CertificateState {
        status: Status::Active,
        validity: Some(Validity {
            from,
            until: from.period_end_years(3).unwrap(),
        }),
        version: 1,
        latest_index: index,
        notice: None,
        ..state.clone()
    }
}

/// The state of an active certificate `code` of the fixture registrant, valid from `from`.
pub fn active_state(code: &CertificateCode, from: Date) -> CertificateState {
    let content = testing::content(code.kind(), None);
    CertificateState {
        code: code.clone(),
        status: Status::Active,
        registrant: Some(content.registrant.clone()),
        data_name: Some(content.data_name.clone()),
        content: content_commitment(ledger_format::suite::Suite::Ed25519Sha256, &content),
        operation_ends: None,
        validity: Some(Validity {
            from,
            until: from.period_end_years(3).unwrap(),
        }),
        version: 1,
        latest_index: 0,
        notice: None,
        application: None,
        late_acts: 0,
    }
}

/// The offline bundle of `state` against `signed`, whose status map is `map`; `keys` are the log
/// key and the witness keys whose lines the compact checkpoint keeps.
pub fn bundle(
    state: &CertificateState,
    map: &MemoryMapStore,
    signed: &SignedCheckpoint,
    keys: &[VerifierKey],
) -> Bundle {
    let key = map::map_key(
        ledger_format::suite::Suite::Ed25519Sha256,
        state.code.as_str().as_bytes(),
    );
    let map_proof = map::prove(map, map.root(), key).unwrap();
    map::verify(
        ledger_format::suite::Suite::Ed25519Sha256,
        map.root(),
        key,
        Some(state.map_value_hash(ledger_format::suite::Suite::Ed25519Sha256)),
        &map_proof,
    )
    .expect("the forged map proves the forged state");
    Bundle {
        version: BUNDLE_VERSION,
        code: state.code.clone(),
        state: Some(state.clone()),
        map_proof,
        checkpoint: CompactCheckpoint::from_signed(signed, keys).unwrap(),
        records: Vec::new(),
    }
}

/// A bundle no node ever served: `state` alone in a status map, under a one-leaf tree, signed
/// with the log key `log_key` of `origin` at `timestamp` and cosigned by `witnesses` then.
pub fn bundle_from_scratch(
    origin: &str,
    log_key: &SecretKey,
    state: &CertificateState,
    witnesses: &[NoteSigningKey],
    timestamp: i64,
) -> Bundle {
    let map = map_of(std::slice::from_ref(state));
    let tree = tree_of(&[b"a leaf no log holds".to_vec()]);
    let mut signed = sign_checkpoint(origin, log_key, &tree, map.root(), timestamp);
    for witness in witnesses {
        signed = cosign(&signed, witness, timestamp);
    }
    let log_vkey = VerifierKey::ed25519(origin, log_key.public_key()).unwrap();
    let keys: Vec<VerifierKey> = std::iter::once(log_vkey)
        .chain(witnesses.iter().map(|w| w.verifier_key().clone()))
        .collect();
    bundle(state, &map, &signed, &keys)
}

/// Replaces the cosignatures of `bundle`'s checkpoint: keeps those of `keep` (key names in
/// `keys`), adds one by each of `add` at `timestamp`. The log's signature stays.
pub fn recosign(
    bundle: &Bundle,
    keys: &[VerifierKey],
    keep: &[&VerifierKey],
    add: &[&NoteSigningKey],
    timestamp: i64,
) -> Bundle {
    let log_key = keys
        .iter()
        .find(|k| k.name() == bundle.checkpoint.origin)
        .expect("the log's key among the keys");
    let mut kept = bundle.checkpoint.clone();
    kept.signatures
        .retain(|s| s.key_id == log_key.key_id() || keep.iter().any(|k| k.key_id() == s.key_id));
    let mut signed = kept.to_signed(keys).unwrap();
    for witness in add {
        signed = cosign(&signed, witness, timestamp);
    }
    let all: Vec<VerifierKey> = keys
        .iter()
        .cloned()
        .chain(add.iter().map(|w| w.verifier_key().clone()))
        .collect();
    Bundle {
        checkpoint: CompactCheckpoint::from_signed(&signed, &all).unwrap(),
        ..bundle.clone()
    }
}

/// Writes `records` (chained and signed) into the store of `agency`'s node, which must not run,
/// with the status map of `states` and a checkpoint over both signed by the agency's key: a log
/// as a rogue agency would serve it. Nothing checks the records against the rules.
pub fn write_log(agency: &Agency, records: &[Record], states: &[CertificateState]) {
    use ledger_node::store::{RocksStore, Store, StoredCheckpoint, Tip, WriteBatch};
    let key = agency.log_key();
    let store = RocksStore::open(agency.dir.join("db"), &agency.origin).unwrap();
    let mut frontier =
        ledger_format::merkle::Frontier::new(ledger_format::suite::Suite::Ed25519Sha256);
    let mut batch = WriteBatch::default();
    let mut last = Tip::default();
    for record in records {
        let bytes = record.encode();
        let hash =
            ledger_format::record::leaf_hash_of(ledger_format::suite::Suite::Ed25519Sha256, &bytes);
        batch.tree_nodes.extend(frontier.append(hash).unwrap());
        batch.records.push((record.header.index, bytes));
        if let Some(code) = record.body.certificate_code() {
            batch.code_records.push((code.clone(), record.header.index));
        }
        match &record.body {
            Body::Calendar(calendar) => batch.calendars.push(calendar.clone()),
            Body::ProfileAdopted(adopted) => {
                batch.profiles.push((record.header.index, adopted.clone()));
            }
            _ => {}
        }
        last = Tip {
            size: record.header.index + 1,
            last_hash: hash,
            last_time: record.header.time,
        };
    }
    batch.tip = Some(last);
    let map = map::update_states(
        &MemoryMapStore::new(ledger_format::suite::Suite::Ed25519Sha256),
        map::EMPTY_HASH,
        states,
    )
    .unwrap();
    let map_root = map.new_root;
    if !states.is_empty() {
        batch.map = Some(map);
        let states: Vec<_> = states.iter().map(|s| (s.code.clone(), s.clone())).collect();
        batch.states = states.clone();
        batch.checkpointed_states = states;
    }
    let checkpoint = Checkpoint {
        origin: agency.origin.clone(),
        size: last.size,
        root: frontier.root(),
        map_root,
        timestamp: last.last_time,
    };
    let signed = SignedCheckpoint::sign(checkpoint, &agency.origin, &key).unwrap();
    batch.checkpoint = Some(StoredCheckpoint {
        size: last.size,
        note: signed.to_note_text(),
    });
    store.write(batch).unwrap();
}
