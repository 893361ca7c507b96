//! One check per fuzz target, shared by the targets in `fuzz/fuzz_targets/` and by the corpus
//! replay test `ledger-format/tests/fuzz_corpus.rs` (which includes this file with `#[path]`).
//!
//! Every check feeds one input to a decoder or verifier of `ledger-format` and asserts two things:
//! it never panics, and a value that decodes re-encodes to exactly the input (canonical round
//! trip). Verifier targets read structured input with [`Fields`], a fixed layout documented on
//! each `*_input` function, so that seeds can be written by hand and the corpus stays readable by a
//! plain `cargo test` (no `arbitrary` crate, whose byte layout changes between versions).
//!
//! This file may use only `std` and `ledger_format` (with the `testing` feature).

use std::sync::OnceLock;

use ledger_format::Canonical;
use ledger_format::bundle::{self, Bundle, TrustPolicy, VerdictKind};
use ledger_format::calendar::WorkCalendar;
use ledger_format::checkpoint::{
    AddCheckpointRequest, CompactCheckpoint, Note, NoteSigningKey, SignedCheckpoint, VerifierKey,
};
use ledger_format::code::{CertificateCode, CreditCode};
use ledger_format::date::Date;
use ledger_format::equivocation::Equivocation;
use ledger_format::hash::{HASH_LEN, Hash};
use ledger_format::lifecycle::CertificateState;
use ledger_format::map::{self, MapProof, Node, NodeKey, ProofTerminal};
use ledger_format::merkle::{self, ConsistencyProof, InclusionProof};
use ledger_format::receipt::{self, EvidenceReceipt};
use ledger_format::record::{self, Body, Record};
use ledger_format::testing::Ledger;
use ledger_format::tlog_proof::TlogProof;

/// A target's check: panics on a bug, otherwise returns whether the input was accepted (decoded,
/// or verified), which the seed test uses to prove that seeds reach past the first error.
pub type Check = fn(&[u8]) -> bool;

/// Every target: its name (the directory under `fuzz/corpus/`) and its check.
pub const TARGETS: &[(&str, Check)] = &[
    ("record", record),
    ("bundle_decode", bundle_decode),
    ("bundle_verify", bundle_verify),
    ("signed_checkpoint", signed_checkpoint),
    ("note", note),
    ("verifier_key", verifier_key),
    ("signing_key", signing_key),
    ("compact_checkpoint", compact_checkpoint),
    ("map_proof", map_proof),
    ("map_verify", map_verify),
    ("map_node", map_node),
    ("node_key", node_key),
    ("inclusion_proof", inclusion_proof),
    ("consistency_proof", consistency_proof),
    ("merkle_inclusion", merkle_inclusion),
    ("merkle_consistency", merkle_consistency),
    ("certificate_code", certificate_code),
    ("credit_code", credit_code),
    ("date", date),
    ("work_calendar", work_calendar),
    ("profile_adopted", profile_adopted),
    ("certificate_state", certificate_state),
    ("add_checkpoint", add_checkpoint),
    ("equivocation", equivocation),
    ("tlog_proof", tlog_proof),
];

/// The trust the verifier targets check against: the fixture ledger's policy (3 witnesses,
/// quorum 2) and its keys, built once.
pub struct Fixtures {
    /// `testing::Ledger::default().policy(3, 2)`.
    pub policy: TrustPolicy,
    /// The policy's log key, then its witness keys.
    pub keys: Vec<VerifierKey>,
}

impl std::fmt::Debug for Fixtures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixtures").finish_non_exhaustive()
    }
}

/// The shared [`Fixtures`].
pub fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let policy = Ledger::default().policy(3, 2);
        let keys = policy
            .logs
            .iter()
            .map(|log| log.key.clone())
            .chain(policy.witness_keys())
            .collect();
        Fixtures { policy, keys }
    })
}

/// Decodes `T` and, when that succeeds, asserts that it re-encodes to `bytes`.
fn decode_round_trip<T: Canonical + std::fmt::Debug>(bytes: &[u8]) -> Option<T> {
    let value = T::decode_exact(bytes).ok()?;
    assert_eq!(value.encode(), bytes, "re-encoding differs: {value:?}");
    Some(value)
}

/// Asserts that `value` encodes to bytes that decode back to an equal value.
fn encode_round_trip<T: Canonical + PartialEq + std::fmt::Debug>(value: &T) {
    let bytes = value.encode();
    assert_eq!(T::decode_exact(&bytes).as_ref(), Ok(value), "{value:?}");
}

/// `Record::decode_exact`, then its signature check and hash.
pub fn record(data: &[u8]) -> bool {
    let Some(record) = decode_round_trip::<Record>(data) else {
        return false;
    };
    assert_eq!(record.hash(), record::leaf_hash_of(record.suite(), data));
    let _ = (record.body.certificate_code(), record.body.kind_name());
    record.verify_signature().is_ok()
}

/// `Equivocation::decode_exact`, then `verify` under the fixture log key (the policy's first key)
/// and `TrustPolicy::accept_equivocation`, which must agree with it; accepted when it decodes.
pub fn equivocation(data: &[u8]) -> bool {
    let Some(proof) = decode_round_trip::<Equivocation>(data) else {
        return false;
    };
    let facts = proof.facts(ledger_format::suite::Suite::Ed25519Sha256);
    assert!(facts.is_ok(), "a decoded proof has facts: {proof:?}");
    let fixtures = fixtures();
    let verified = fixtures.keys.first().map(|key| proof.verify(key));
    let mut policy = fixtures.policy.clone();
    let accepted = policy.accept_equivocation(&proof);
    if let Some(Ok(facts)) = &verified {
        assert_eq!(accepted.as_ref(), Ok(facts));
        assert_eq!(policy.equivocated, vec![facts.clone()]);
    }
    if let Ok(facts) = &accepted {
        let _ = facts.describe();
    }
    true
}

/// `Bundle::decode_exact`.
pub fn bundle_decode(data: &[u8]) -> bool {
    decode_round_trip::<Bundle>(data).is_some()
}

/// `verify_bundle_bytes` under the fixture policy; accepted when the checkpoint is trusted. Input: `at` (i64, big-endian, 8 bytes), then
/// the bundle bytes.
pub fn bundle_verify(data: &[u8]) -> bool {
    let mut fields = Fields::new(data);
    let at = i64::from_be_bytes(fields.take());
    let bytes = fields.rest();
    let policy = &fixtures().policy;
    let verdict = bundle::verify_bundle_bytes(bytes, policy, at);
    match Bundle::decode_exact(bytes) {
        Ok(decoded) => assert_eq!(bundle::verify_bundle(&decoded, policy, at), verdict),
        Err(_) => assert!(matches!(verdict.kind, VerdictKind::Malformed(_))),
    }
    let _ = verdict.kind.name();
    verdict.as_of.is_some()
}

/// The input of [`bundle_verify`].
pub fn bundle_verify_input(at: i64, bundle: &Bundle) -> Vec<u8> {
    let mut out = at.to_be_bytes().to_vec();
    out.extend_from_slice(&bundle.encode());
    out
}

/// `SignedCheckpoint::parse`, its signature checks, and its compact form.
pub fn signed_checkpoint(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(signed) = SignedCheckpoint::parse(text) else {
        return false;
    };
    assert_eq!(signed.to_note_text(), text);
    assert_eq!(signed.checkpoint().body(), signed.note().text());
    let keys = &fixtures().keys;
    let _ = signed.verify_log_signature(&keys[0]);
    let check = signed.verify_cosignatures(&keys[1..]);
    let _ = (check.is_tampered(), check.meets_quorum(2));
    if let Ok(compact) = CompactCheckpoint::from_signed(&signed, keys) {
        encode_round_trip(&compact);
        let rebuilt = compact
            .to_signed(keys)
            .expect("a compact checkpoint rebuilds its note");
        assert_eq!(rebuilt.checkpoint(), signed.checkpoint());
    }
    true
}

/// `Note::from_bytes`.
pub fn note(data: &[u8]) -> bool {
    let Ok(note) = Note::from_bytes(data) else {
        return false;
    };
    assert_eq!(note.to_text().as_bytes(), data);
    true
}

/// `VerifierKey::parse`: the text form round-trips, up to the case of the hex key ID.
pub fn verifier_key(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(key) = VerifierKey::parse(text) else {
        return false;
    };
    assert_eq!(key.to_string(), lowercase_key_id(text));
    assert_eq!(VerifierKey::parse(&key.to_string()).as_ref(), Ok(&key));
    true
}

/// `NoteSigningKey::parse`: the secret text form round-trips, up to the case of the hex key ID.
pub fn signing_key(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(key) = NoteSigningKey::parse(text) else {
        return false;
    };
    let prefix = "PRIVATE+KEY+";
    let lowered = lowercase_key_id(&text[prefix.len()..]);
    assert_eq!(key.to_secret_text().unwrap(), format!("{prefix}{lowered}"));
    let again = NoteSigningKey::parse(&key.to_secret_text().unwrap()).expect("re-parse");
    assert_eq!(again.verifier_key(), key.verifier_key());
    true
}

/// `name+ID+key` with the ID lowercased (`VerifierKey` accepts either case, prints lowercase).
fn lowercase_key_id(text: &str) -> String {
    let mut parts = text.splitn(3, '+');
    let (name, id, key) = (parts.next(), parts.next(), parts.next());
    let (Some(name), Some(id), Some(key)) = (name, id, key) else {
        return text.to_owned();
    };
    format!("{name}+{}+{key}", id.to_ascii_lowercase())
}

/// `CompactCheckpoint::decode_exact`, then rebuilding the signed note with the fixture keys.
pub fn compact_checkpoint(data: &[u8]) -> bool {
    let Some(compact) = decode_round_trip::<CompactCheckpoint>(data) else {
        return false;
    };
    let keys = &fixtures().keys;
    let Ok(signed) = compact.to_signed(keys) else {
        return false;
    };
    let reparsed = SignedCheckpoint::parse(&signed.to_note_text());
    assert_eq!(reparsed.as_ref(), Ok(&signed));
    assert_eq!(CompactCheckpoint::from_signed(&signed, keys), Ok(compact));
    signed.verify_log_signature(&keys[0]).is_ok()
}

/// `MapProof::decode_exact`.
pub fn map_proof(data: &[u8]) -> bool {
    decode_round_trip::<MapProof>(data).is_some()
}

/// `map::verify` on a proof built field by field, without validation. Input: root (32), key
/// (32), an option byte (odd = a value follows) and the value hash (32), depth (u16 big-endian),
/// bitmap length (1 byte) and the bitmap, terminal tag (1 byte: 0 empty, 1 leaf, 2 other leaf
/// followed by its key and value hash), then the siblings, 32 bytes each.
pub fn map_verify(data: &[u8]) -> bool {
    let mut fields = Fields::new(data);
    let root = fields.hash();
    let key = fields.hash();
    let present = fields.byte() % 2 == 1;
    let value = fields.hash();
    let depth = u16::from_be_bytes(fields.take());
    let bitmap_len = usize::from(fields.byte());
    let bitmap = fields.bytes(bitmap_len);
    let terminal = match fields.byte() % 3 {
        0 => ProofTerminal::Empty,
        1 => ProofTerminal::Leaf,
        _ => ProofTerminal::OtherLeaf {
            key: fields.hash(),
            value_hash: fields.hash(),
        },
    };
    let proof = MapProof {
        depth,
        bitmap,
        siblings: fields.hashes(),
        terminal,
    };
    // The verifier is the same code for both suites; only the hash differs.
    let verified: Vec<bool> = ledger_format::suite::Suite::ALL
        .iter()
        .map(|suite| map::verify(*suite, root, key, present.then_some(value), &proof).is_ok())
        .collect();
    if !verified.iter().any(|ok| *ok) {
        return false;
    }
    assert_eq!(
        proof.validate(),
        Ok(()),
        "verify accepted a malformed proof"
    );
    encode_round_trip(&proof);
    true
}

/// The input of [`map_verify`].
pub fn map_verify_input(root: Hash, key: Hash, value: Option<Hash>, proof: &MapProof) -> Vec<u8> {
    let mut out = [root.0, key.0].concat();
    out.push(u8::from(value.is_some()));
    out.extend_from_slice(&value.unwrap_or(Hash::ZERO).0);
    out.extend_from_slice(&proof.depth.to_be_bytes());
    out.push(u8::try_from(proof.bitmap.len()).expect("at most 32 bitmap bytes"));
    out.extend_from_slice(&proof.bitmap);
    match proof.terminal {
        ProofTerminal::Empty => out.push(0),
        ProofTerminal::Leaf => out.push(1),
        ProofTerminal::OtherLeaf { key, value_hash } => {
            out.push(2);
            out.extend_from_slice(&[key.0, value_hash.0].concat());
        }
    }
    out.extend(proof.siblings.iter().flat_map(|s| s.0));
    out
}

/// `map::Node::decode_exact` (the store's node encoding).
pub fn map_node(data: &[u8]) -> bool {
    decode_round_trip::<Node>(data)
        .map(|node| ledger_format::suite::Suite::ALL.map(|suite| node.hash(suite)))
        .is_some()
}

/// `map::NodeKey::from_bytes` (the store's node position).
pub fn node_key(data: &[u8]) -> bool {
    let Ok(key) = NodeKey::from_bytes(data) else {
        return false;
    };
    assert_eq!(key.to_bytes().as_slice(), data);
    assert_eq!(NodeKey::on_path(key.prefix(), key.depth()), Some(key));
    assert!(key.contains(key.prefix()));
    true
}

/// `InclusionProof::decode_exact`.
pub fn inclusion_proof(data: &[u8]) -> bool {
    let proof = decode_round_trip::<InclusionProof>(data);
    proof
        .map(|p| {
            ledger_format::suite::Suite::ALL.map(|suite| p.verify(suite, &Hash::ZERO, &Hash::ZERO))
        })
        .is_some()
}

/// `ConsistencyProof::decode_exact`.
pub fn consistency_proof(data: &[u8]) -> bool {
    let proof = decode_round_trip::<ConsistencyProof>(data);
    proof
        .map(|p| {
            ledger_format::suite::Suite::ALL.map(|suite| p.verify(suite, &Hash::ZERO, &Hash::ZERO))
        })
        .is_some()
}

/// `merkle::verify_inclusion`. Input: leaf hash (32), index (u64 big-endian), size (u64
/// big-endian), root (32), then the path, 32 bytes per hash.
pub fn merkle_inclusion(data: &[u8]) -> bool {
    let mut fields = Fields::new(data);
    let (leaf, index, size, root) = (fields.hash(), fields.u64(), fields.u64(), fields.hash());
    let path = fields.hashes();
    if merkle::verify_inclusion(
        ledger_format::suite::Suite::Ed25519Sha256,
        &leaf,
        index,
        size,
        &path,
        &root,
    )
    .is_err()
    {
        return false;
    }
    assert_eq!(merkle::inclusion_proof_len(index, size), Ok(path.len()));
    encode_round_trip(&InclusionProof {
        leaf_index: index,
        tree_size: size,
        path,
    });
    true
}

/// The input of [`merkle_inclusion`].
pub fn merkle_inclusion_input(leaf: Hash, proof: &InclusionProof, root: Hash) -> Vec<u8> {
    let mut out = leaf.0.to_vec();
    out.extend_from_slice(&proof.leaf_index.to_be_bytes());
    out.extend_from_slice(&proof.tree_size.to_be_bytes());
    out.extend_from_slice(&root.0);
    out.extend(proof.path.iter().flat_map(|h| h.0));
    out
}

/// `merkle::verify_consistency`. Input: size1, size2 (u64 big-endian each), root1, root2 (32
/// each), then the proof, 32 bytes per hash.
pub fn merkle_consistency(data: &[u8]) -> bool {
    let mut fields = Fields::new(data);
    let (size1, size2) = (fields.u64(), fields.u64());
    let (root1, root2) = (fields.hash(), fields.hash());
    let path = fields.hashes();
    if merkle::verify_consistency(
        ledger_format::suite::Suite::Ed25519Sha256,
        size1,
        size2,
        &path,
        &root1,
        &root2,
    )
    .is_err()
    {
        return false;
    }
    assert_eq!(merkle::consistency_proof_len(size1, size2), Ok(path.len()));
    encode_round_trip(&ConsistencyProof { size1, size2, path });
    true
}

/// The input of [`merkle_consistency`].
pub fn merkle_consistency_input(proof: &ConsistencyProof, root1: Hash, root2: Hash) -> Vec<u8> {
    let mut out = proof.size1.to_be_bytes().to_vec();
    out.extend_from_slice(&proof.size2.to_be_bytes());
    out.extend_from_slice(&[root1.0, root2.0].concat());
    out.extend(proof.path.iter().flat_map(|h| h.0));
    out
}

/// `CertificateCode::parse`: the text round-trips and equals the code rebuilt from its fields.
pub fn certificate_code(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(code) = CertificateCode::parse(text) else {
        return false;
    };
    assert_eq!(code.as_str(), text);
    let rebuilt = CertificateCode::new(code.region(), code.year(), code.kind(), code.serial());
    assert_eq!(rebuilt.as_ref(), Ok(&code));
    let _ = code.check();
    true
}

/// `CreditCode::parse`.
pub fn credit_code(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(code) = CreditCode::parse(text) else {
        return false;
    };
    assert_eq!(code.as_str(), text);
    let _ = (code.registration_authority(), code.organisation_type());
    let _ = (code.region(), code.has_valid_organisation_code());
    true
}

/// `Date` from `YYYY-MM-DD`: the text round-trips, and so does the day count.
pub fn date(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(date) = text.parse::<Date>() else {
        return false;
    };
    assert_eq!(date.to_string(), text);
    assert_eq!(
        Date::from_days_since_epoch(date.days_since_epoch()),
        Ok(date)
    );
    let _ = (date.weekday(), date.start_unix_cst());
    true
}

/// `WorkCalendar::decode_exact`; the decoded calendar passes `WorkCalendar::new`.
pub fn work_calendar(data: &[u8]) -> bool {
    let Some(calendar) = decode_round_trip::<WorkCalendar>(data) else {
        return false;
    };
    let rebuilt = WorkCalendar::new(
        calendar.year,
        calendar.holidays.clone(),
        calendar.makeup_workdays.clone(),
    );
    assert_eq!(rebuilt.as_ref(), Ok(&calendar));
    for date in calendar.holidays.iter().chain(&calendar.makeup_workdays) {
        let _ = calendar.is_working_day(*date);
    }
    true
}

/// `ProfileAdopted::decode_exact`; the policy check and every computation the lifecycle makes
/// with a profile (notice end, deadlines, validity, renewal window) answer without a panic, on
/// plain-weekend calendars of the years around the adoption.
pub fn profile_adopted(data: &[u8]) -> bool {
    use ledger_format::profile::{ProfileAdopted, ProfilePolicy, Profiles};
    let Some(adopted) = decode_round_trip::<ProfileAdopted>(data) else {
        return false;
    };
    let profile = &adopted.profile;
    let _ = ProfilePolicy::default().check(profile);
    let _ = ProfilePolicy::new(vec![format!(
        "{}@{}",
        profile.name,
        profile.digest().to_hex()
    )])
    .check(profile);
    let _ = Profiles::default().adopt(adopted.clone(), adopted.from);
    let year = adopted.from.year();
    let calendars = ledger_format::calendar::Calendars::new(
        (year.saturating_sub(1)..=year.saturating_add(3).min(9999))
            .filter_map(|y| WorkCalendar::new(y, vec![], vec![]).ok())
            .collect(),
    );
    if let Ok(calendars) = calendars {
        let day = adopted.from;
        let _ = profile.notice_end(day, &calendars);
        let _ = profile.deadline(day, profile.review_working_days, &calendars);
        let _ = profile.valid_until(day, None);
        let _ = profile.renewal_window(day, &calendars);
        let _ = profile.check_applies(day);
    }
    true
}

/// `CertificateState::decode_exact`.
pub fn certificate_state(data: &[u8]) -> bool {
    let Some(state) = decode_round_trip::<CertificateState>(data) else {
        return false;
    };
    assert_eq!(
        state.map_value_hash(ledger_format::suite::Suite::Ed25519Sha256),
        map::map_value_hash(ledger_format::suite::Suite::Ed25519Sha256, data)
    );
    let _ = (state.is_suspended(), state.object_kind());
    true
}

/// `AddCheckpointRequest::parse` (the body of c2sp.org/tlog-witness `add-checkpoint`): the body
/// round-trips, and its checkpoint note goes on to `SignedCheckpoint::parse` as in the node.
pub fn add_checkpoint(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(request) = AddCheckpointRequest::parse(text) else {
        return false;
    };
    let body = request.to_body();
    assert_eq!(body, text);
    assert_eq!(AddCheckpointRequest::parse(&body).as_ref(), Ok(&request));
    if let Ok(signed) = SignedCheckpoint::parse(request.checkpoint) {
        let _ = signed.verify_log_signature(&fixtures().keys[0]);
    }
    true
}

/// `TlogProof::from_bytes` (c2sp.org/tlog-proof, docs/format.md#tlog-proof): the text round-trips;
/// the evidence receipt it carries is read under the fixture policy and verified for its own hash,
/// and written back as a tlog-proof it reads to the same receipt.
pub fn tlog_proof(data: &[u8]) -> bool {
    let Ok(proof) = TlogProof::from_bytes(data) else {
        return false;
    };
    assert_eq!(proof.to_text().as_bytes(), data);
    let fixtures = fixtures();
    if let Ok(receipt) = EvidenceReceipt::from_tlog_proof(&proof, &fixtures.policy) {
        if let Body::Evidence(evidence) = &receipt.record.body {
            let at = receipt.checkpoint.timestamp;
            let _ = receipt::verify_receipt(&evidence.hash, &receipt, &fixtures.policy, at);
        }
        let again = receipt
            .to_tlog_proof(&fixtures.keys)
            .expect("a receipt read from a tlog-proof writes one");
        let reread = EvidenceReceipt::from_tlog_proof(&again, &fixtures.policy);
        assert_eq!(reread.as_ref(), Ok(&receipt));
    }
    true
}

/// Reads fixed-size fields off the front of an input, padding with zeros once it runs out, so
/// that every input maps to exactly one structured value.
struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    fn new(data: &'a [u8]) -> Self {
        Fields { rest: data }
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        let (head, tail) = self.rest.split_at(len.min(self.rest.len()));
        self.rest = tail;
        let mut out = head.to_vec();
        out.resize(len, 0);
        out
    }

    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        out.copy_from_slice(&self.bytes(N));
        out
    }

    fn byte(&mut self) -> u8 {
        self.take::<1>()[0]
    }

    fn u64(&mut self) -> u64 {
        u64::from_be_bytes(self.take())
    }

    fn hash(&mut self) -> Hash {
        Hash(self.take())
    }

    /// The rest of the input, as whole 32-byte hashes (a shorter tail is dropped).
    fn hashes(self) -> Vec<Hash> {
        let mut fields = Fields::new(self.rest);
        (0..self.rest.len() / HASH_LEN)
            .map(|_| fields.hash())
            .collect()
    }

    fn rest(self) -> &'a [u8] {
        self.rest
    }
}
