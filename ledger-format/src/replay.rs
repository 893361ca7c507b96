//! The one replay engine of the ledger (docs/format.md#replay).
//!
//! [`LogReplay`] is the only code that decides whether a record may follow a log: the sequencer
//! runs it on every record it writes, a mirror on every record it copies from another agency,
//! `audit` on a whole store, and test fixtures and benchmarks on theirs. Each record must decode
//! canonically, sit at the next index of the right log, chain to its predecessor, not go back in
//! time (nor past a time limit the caller sets, such as a replica's clock), be signed by the right
//! key (the agency's key in force, or a registered evidence service), be about a certificate code
//! of a region the log may issue for, and obey the lifecycle and registry rules. The replay
//! rebuilds the RFC 6962 tree, the registries and every certificate's state, so the caller can
//! compare them with a signed checkpoint's roots.
//!
//! Staging is by value: a writer clones the replay (cheap: registries are shared until one
//! changes), applies a group of records to the clone, makes the group durable, and only then
//! replaces its replay with the clone, so a failed write leaves memory as it was (persist first,
//! then memory). Pure: records come in as bytes, states live in memory.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::calendar::Calendars;
use crate::code::{CertificateCode, region_covers};
use crate::date::Date;
use crate::encoding::{Canonical, DecodeError};
use crate::hash::Hash;
use crate::keys::PublicKey;
use crate::lifecycle::{CertificateState, LateAct, TransitionError, transition};
use crate::map::{self, MapError, MemoryMapStore};
use crate::merkle::{Frontier, MerkleError, NodeId};
use crate::profile::{ProfileAdopted, ProfilePolicy, Profiles};
use crate::record::validate_registrable_key;
use crate::record::{Body, Record, leaf_hash_of};

/// Why a record does not belong where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The bytes are not a canonical record.
    #[error("record {index}: {error}")]
    Decode {
        /// Position in the log.
        index: u64,
        /// The decoding failure.
        error: DecodeError,
    },
    /// The record names another log.
    #[error("record {index}: origin {found}, expected {expected}")]
    Origin {
        /// Position in the log.
        index: u64,
        /// Origin in the record.
        found: String,
        /// The log's origin.
        expected: String,
    },
    /// The record names another position.
    #[error("record {expected}: header says index {found}")]
    Index {
        /// The position it was read from.
        expected: u64,
        /// The index in its header.
        found: u64,
    },
    /// `prev_hash` is not the previous record's hash.
    #[error("record {0}: prev_hash does not match the previous record (hash chain broken)")]
    Chain(u64),
    /// The record's time is before its predecessor's.
    #[error("record {index}: time {time} is before the previous record's {previous}")]
    Time {
        /// Position in the log.
        index: u64,
        /// Its time.
        time: i64,
        /// The previous record's time.
        previous: i64,
    },
    /// The author is not allowed to sign this record.
    #[error("record {index}: {reason}")]
    Author {
        /// Position in the log.
        index: u64,
        /// Why.
        reason: String,
    },
    /// The signature does not verify.
    #[error("record {0}: bad signature")]
    Signature(u64),
    /// A lifecycle rule forbids the record.
    #[error("record {index}: {error}")]
    Rule {
        /// Position in the log.
        index: u64,
        /// The rule.
        error: TransitionError,
    },
    /// The record is dated after the latest time the caller accepts (a replica's clock plus the
    /// allowed skew, or the checkpoint that covers it).
    #[error("record {index}: time {time} is after {limit}, the latest this replay accepts")]
    Future {
        /// Position in the log.
        index: u64,
        /// Its time.
        time: i64,
        /// The limit.
        limit: i64,
    },
    /// The record is about a certificate code of a region the log may not issue for.
    #[error("record {index}: code {code} is of region {region:06}, not one this log issues for")]
    Region {
        /// Position in the log.
        index: u64,
        /// The code.
        code: String,
        /// Its region.
        region: u32,
    },
    /// A registry record (submitters, calendars) is inconsistent.
    #[error("record {index}: {reason}")]
    Registry {
        /// Position in the log.
        index: u64,
        /// Why.
        reason: String,
    },
    /// The tree cannot grow (2^64 records).
    #[error("tree: {0}")]
    Tree(#[from] MerkleError),
    /// The status map could not be computed.
    #[error("status map: {0}")]
    Map(#[from] MapError),
}

/// A registered evidence service, as the registry keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Submitter {
    /// The service's name.
    pub name: String,
    /// Its unified social credit code.
    pub credit_code: String,
    /// Index of the record that registered it.
    pub added_at: u64,
}

/// One key of a log's key history (docs/format.md#key-rotation): the key, the first tree size
/// whose checkpoint it signs, and the time of the `KeyRotation` record that put it in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyEpoch {
    /// The agency's log key.
    pub key: PublicKey,
    /// The first tree size it signs: 0 for the genesis key, the rotation record's index plus one
    /// for a rotated key (the tree that holds the rotation record is signed by the new key).
    pub from_size: u64,
    /// The time of the rotation record (Unix seconds); `None` for the genesis key.
    pub since: Option<i64>,
}

/// A log key with the times it was in force: what a trust policy's `log <vkey> not-before <t>
/// not-after <t>` line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct KeyWindow {
    /// The key.
    pub key: PublicKey,
    /// When it took effect (`None`: since the log began).
    pub not_before: Option<i64>,
    /// When the next key replaced it (`None`: still in force).
    pub not_after: Option<i64>,
}

/// The validity window of every key of `history` (in order): each key is in force from its
/// rotation time until the next rotation's time.
pub fn key_windows(history: &[KeyEpoch]) -> Vec<KeyWindow> {
    history
        .iter()
        .enumerate()
        .map(|(i, epoch)| KeyWindow {
            key: epoch.key,
            not_before: epoch.since,
            not_after: history.get(i + 1).and_then(|next| next.since),
        })
        .collect()
}

/// The key of `history` that signs the checkpoint of tree size `size`: the last one whose
/// `from_size` is at most `size` (`None` for an empty history).
pub fn key_at(history: &[KeyEpoch], size: u64) -> Option<PublicKey> {
    history
        .iter()
        .rev()
        .find(|epoch| epoch.from_size <= size)
        .map(|epoch| epoch.key)
}

/// The state of a log rebuilt from its records. Cloning is cheap: the registries are shared
/// until a clone changes one.
#[derive(Debug, Clone)]
pub struct LogReplay {
    origin: String,
    agency_key: PublicKey,
    keys: Arc<Vec<KeyEpoch>>,
    last_hash: Hash,
    last_time: i64,
    frontier: Frontier,
    calendars: Arc<Calendars>,
    profiles: Arc<Profiles>,
    profile_policy: Arc<ProfilePolicy>,
    submitters: Arc<BTreeMap<PublicKey, Submitter>>,
    states: BTreeMap<CertificateCode, CertificateState>,
    regions: Arc<[u32]>,
    time_limit: Option<i64>,
}

/// What one replayed record added.
#[derive(Debug, Clone)]
pub struct Replayed {
    /// The decoded record.
    pub record: Record,
    /// Its record hash.
    pub hash: Hash,
    /// The complete subtrees it completed, as a store keeps them.
    pub tree_nodes: Vec<(NodeId, Hash)>,
    /// The new state of the certificate the record is about, if it is about one.
    pub state: Option<CertificateState>,
    /// What the record changed in the log's registries, if anything.
    pub registry: Option<RegistryChange>,
    /// Set when the record is an act of the agency after its deadline (recorded as late).
    pub late: Option<LateAct>,
}

/// A change a record makes to the log's registries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryChange {
    /// An evidence service was registered.
    SubmitterAdded(PublicKey, Submitter),
    /// An evidence service was removed.
    SubmitterRemoved(PublicKey),
    /// A working-day calendar was published (replacing the year's earlier one).
    Calendar(crate::calendar::WorkCalendar),
    /// The agency's log key changed: the new key, with the tree size from which it signs.
    AgencyKey(KeyEpoch),
    /// A rule profile was adopted, in force from its date.
    Profile(ProfileAdopted),
}

/// Where a resumed replay starts: the state after the records already replayed.
#[derive(Debug, Clone)]
pub struct ReplayResume {
    /// The tree of the records replayed so far.
    pub frontier: Frontier,
    /// The hash of the last of them ([`Hash::ZERO`] for none).
    pub last_hash: Hash,
    /// The time of the last of them.
    pub last_time: i64,
    /// The agency key in force for the next record.
    pub agency_key: PublicKey,
    /// The log's keys so far, oldest first, the last being `agency_key` (empty: `agency_key` is
    /// the genesis key and was never rotated).
    pub key_history: Vec<KeyEpoch>,
    /// The calendars published so far.
    pub calendars: Calendars,
    /// The rule profiles adopted so far, in log order.
    pub profiles: Profiles,
    /// The registered evidence services.
    pub submitters: BTreeMap<PublicKey, Submitter>,
}

/// A record that decoded canonically and whose signature verifies under its header's author
/// (whether that author may sign it is checked by [`LogReplay::apply_verified`]).
#[derive(Debug, Clone)]
pub struct VerifiedRecord {
    record: Record,
    hash: Hash,
}

impl VerifiedRecord {
    /// Decodes the consecutive records `bytes` (the first at position `first`) strictly and
    /// verifies their signatures as one batch ([`crate::keys::verify_each`]: the same ZIP-215 rule
    /// as [`Record::verify_signature`], at batch speed), so a replica can check a range on every
    /// core.
    ///
    /// # Errors
    /// For the first record that fails: [`ReplayError::Decode`], or [`ReplayError::Signature`]
    /// naming its position.
    pub fn check_all(bytes: &[Vec<u8>], first: u64) -> Result<Vec<Self>, ReplayError> {
        let mut records = Vec::with_capacity(bytes.len());
        for (i, encoded) in bytes.iter().enumerate() {
            let index = first + i as u64;
            let record = Record::decode_exact(encoded)
                .map_err(|error| ReplayError::Decode { index, error })?;
            records.push(record);
        }
        let messages: Vec<Vec<u8>> = records.iter().map(Record::signed_message).collect();
        let items: Vec<_> = records
            .iter()
            .zip(&messages)
            .map(|(r, m)| (&r.header.author, m.as_slice(), &r.signature))
            .collect();
        let verified = crate::keys::verify_each(&items);
        if let Some(bad) = verified.iter().position(|ok| !ok) {
            return Err(ReplayError::Signature(first + bad as u64));
        }
        Ok(records
            .into_iter()
            .zip(bytes)
            .map(|(record, encoded)| VerifiedRecord {
                hash: leaf_hash_of(encoded),
                record,
            })
            .collect())
    }

    /// A record whose signature the caller has just made or checked itself (the sequencer signs
    /// agency records, and checks evidence signatures in batches before building the records).
    /// `bytes` must be the record's canonical encoding: its leaf hash is taken from them.
    pub fn trusted(record: Record, bytes: &[u8]) -> Self {
        VerifiedRecord {
            hash: leaf_hash_of(bytes),
            record,
        }
    }

    /// The record.
    pub fn record(&self) -> &Record {
        &self.record
    }

    /// Its record hash (the RFC 6962 leaf hash).
    pub fn hash(&self) -> Hash {
        self.hash
    }
}

impl LogReplay {
    /// An empty log named `origin` whose first agency key is `genesis_key`.
    pub fn new(origin: &str, genesis_key: PublicKey) -> Self {
        LogReplay {
            origin: origin.to_owned(),
            agency_key: genesis_key,
            keys: Arc::new(vec![KeyEpoch {
                key: genesis_key,
                from_size: 0,
                since: None,
            }]),
            last_hash: Hash::ZERO,
            last_time: i64::MIN,
            frontier: Frontier::new(),
            calendars: Arc::new(Calendars::default()),
            profiles: Arc::new(Profiles::default()),
            profile_policy: Arc::new(ProfilePolicy::default()),
            submitters: Arc::new(BTreeMap::new()),
            states: BTreeMap::new(),
            regions: Arc::from([]),
            time_limit: None,
        }
    }

    /// Restricts the certificate codes the log may hold to those of `regions` (GB/T 2260
    /// divisions, with what lies inside them: [`region_covers`]); an empty list allows every
    /// region. Agencies learn each log's regions from the network's membership.
    #[must_use]
    pub fn with_regions(mut self, regions: &[u32]) -> Self {
        self.regions = Arc::from(regions);
        self
    }

    /// Restricts the rule profiles the log may adopt to those of `policy` (the membership
    /// file's `profiles` for the member; the default allows any built-in profile).
    #[must_use]
    pub fn with_profile_policy(mut self, policy: ProfilePolicy) -> Self {
        self.profile_policy = Arc::new(policy);
        self
    }

    /// Refuses records dated after `limit` (Unix seconds) from now on, or lifts the limit with
    /// `None`: a replica passes its own clock plus the allowed skew, and the time of the signed
    /// checkpoint that covers the records.
    pub fn set_time_limit(&mut self, limit: Option<i64>) {
        self.time_limit = limit;
    }

    /// The regions the log may issue for (empty: any).
    pub fn regions(&self) -> &[u32] {
        &self.regions
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Records replayed so far.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The RFC 6962 root of the records replayed so far.
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// The agency key in force for the next record.
    pub fn agency_key(&self) -> PublicKey {
        self.agency_key
    }

    /// The log's keys, oldest first: the genesis key, then one per `KeyRotation` replayed.
    pub fn key_history(&self) -> &[KeyEpoch] {
        &self.keys
    }

    /// The key that signs the checkpoint of tree size `size` (for sizes up to
    /// [`LogReplay::size`]; larger sizes get the key in force now).
    pub fn key_at(&self, size: u64) -> PublicKey {
        key_at(&self.keys, size).unwrap_or(self.agency_key)
    }

    /// Every certificate's current state.
    pub fn states(&self) -> &BTreeMap<CertificateCode, CertificateState> {
        &self.states
    }

    /// The registered evidence services.
    pub fn submitters(&self) -> &BTreeMap<PublicKey, Submitter> {
        &self.submitters
    }

    /// The working-day calendars published so far.
    pub fn calendars(&self) -> &Calendars {
        &self.calendars
    }

    /// The rule profiles adopted so far.
    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    /// Resumes the replay of a log whose first records were replayed before (and stored): the
    /// state after them is given, so a mirror need not replay its whole store at each start.
    /// Certificate states are looked up by the caller and handed in with
    /// [`LogReplay::seed_state`] before the records that need them.
    pub fn resume(origin: &str, from: ReplayResume) -> Self {
        let mut keys = from.key_history;
        if keys.last().map(|epoch| epoch.key) != Some(from.agency_key) {
            keys.push(KeyEpoch {
                key: from.agency_key,
                from_size: 0,
                since: None,
            });
        }
        LogReplay {
            origin: origin.to_owned(),
            agency_key: from.agency_key,
            keys: Arc::new(keys),
            last_hash: from.last_hash,
            last_time: if from.frontier.size() == 0 {
                i64::MIN
            } else {
                from.last_time
            },
            frontier: from.frontier,
            calendars: Arc::new(from.calendars),
            profiles: Arc::new(from.profiles),
            profile_policy: Arc::new(ProfilePolicy::default()),
            submitters: Arc::new(from.submitters),
            states: BTreeMap::new(),
            regions: Arc::from([]),
            time_limit: None,
        }
    }

    /// The hash of the last record replayed ([`Hash::ZERO`] before the first).
    pub fn last_hash(&self) -> Hash {
        self.last_hash
    }

    /// The time of the last record replayed.
    pub fn last_time(&self) -> i64 {
        self.last_time
    }

    /// The frontier of the tree replayed so far.
    pub fn frontier(&self) -> &Frontier {
        &self.frontier
    }

    /// True when the replay holds a state for `code` (replayed, or seeded).
    pub fn has_state(&self, code: &CertificateCode) -> bool {
        self.states.contains_key(code)
    }

    /// Hands in the stored state of `code` for a resumed replay; a state the replay already holds
    /// is kept (it is newer).
    pub fn seed_state(&mut self, code: CertificateCode, state: CertificateState) {
        self.states.entry(code).or_insert(state);
    }

    /// Forgets the certificate states held in memory (a resumed replay whose states are stored).
    pub fn clear_states(&mut self) {
        self.states.clear();
    }

    /// Checks `bytes` as the next record and applies it.
    ///
    /// # Errors
    /// The first [`ReplayError`]; the replay is then unchanged.
    pub fn apply(&mut self, bytes: &[u8]) -> Result<Replayed, ReplayError> {
        let index = self.size();
        let record =
            Record::decode_exact(bytes).map_err(|error| ReplayError::Decode { index, error })?;
        self.check_header(&record, index)?;
        self.check_author(&record, index)?;
        record
            .verify_signature()
            .map_err(|_| ReplayError::Signature(index))?;
        self.apply_checked(record, leaf_hash_of(bytes), index)
    }

    /// Applies a record whose encoding and signature were already checked (for example on another
    /// thread, so that a mirror verifies signatures on every core). Every other check of
    /// [`LogReplay::apply`] runs here.
    ///
    /// # Errors
    /// The first [`ReplayError`]; the replay is then unchanged.
    pub fn apply_verified(&mut self, verified: VerifiedRecord) -> Result<Replayed, ReplayError> {
        let index = self.size();
        self.check_header(&verified.record, index)?;
        self.check_author(&verified.record, index)?;
        self.apply_checked(verified.record, verified.hash, index)
    }

    fn apply_checked(
        &mut self,
        record: Record,
        hash: Hash,
        index: u64,
    ) -> Result<Replayed, ReplayError> {
        let outcome = match record.body.certificate_code() {
            Some(code) => {
                self.check_region(code, index)?;
                Some(
                    transition(
                        self.states.get(code),
                        &record,
                        &self.calendars,
                        &self.profiles,
                    )
                    .map_err(|error| ReplayError::Rule { index, error })?,
                )
            }
            None => None,
        };
        let late = outcome.as_ref().and_then(|o| o.late);
        let next_state = outcome.map(|o| o.state);
        let registry = self.apply_registry(&record, index)?;
        let tree_nodes = self.frontier.append(hash)?;
        if let Some(state) = &next_state {
            self.states.insert(state.code.clone(), state.clone());
        }
        self.last_hash = hash;
        self.last_time = record.header.time;
        Ok(Replayed {
            record,
            hash,
            tree_nodes,
            state: next_state,
            registry,
            late,
        })
    }

    fn check_region(&self, code: &CertificateCode, index: u64) -> Result<(), ReplayError> {
        let region = code.region();
        if self.regions.is_empty() || self.regions.iter().any(|l| region_covers(*l, region)) {
            return Ok(());
        }
        Err(ReplayError::Region {
            index,
            code: code.to_string(),
            region,
        })
    }

    fn check_header(&self, record: &Record, index: u64) -> Result<(), ReplayError> {
        let header = &record.header;
        if header.origin != self.origin {
            return Err(ReplayError::Origin {
                index,
                found: header.origin.clone(),
                expected: self.origin.clone(),
            });
        }
        if header.index != index {
            return Err(ReplayError::Index {
                expected: index,
                found: header.index,
            });
        }
        if header.prev_hash != self.last_hash {
            return Err(ReplayError::Chain(index));
        }
        if header.time < self.last_time {
            return Err(ReplayError::Time {
                index,
                time: header.time,
                previous: self.last_time,
            });
        }
        if let Some(limit) = self.time_limit
            && header.time > limit
        {
            return Err(ReplayError::Future {
                index,
                time: header.time,
                limit,
            });
        }
        Ok(())
    }

    fn check_author(&self, record: &Record, index: u64) -> Result<(), ReplayError> {
        let author = record.header.author;
        let allowed = if record.body.is_evidence() {
            self.submitters.contains_key(&author)
        } else {
            author == self.agency_key
        };
        if !allowed {
            let who = if record.body.is_evidence() {
                "a registered evidence service"
            } else {
                "the agency key in force"
            };
            return Err(ReplayError::Author {
                index,
                reason: format!("signed by {author}, not by {who}"),
            });
        }
        Ok(())
    }

    /// Checks a registry record against the registries and applies it. Only called once every
    /// other check passed, since it changes the replay.
    fn apply_registry(
        &mut self,
        record: &Record,
        index: u64,
    ) -> Result<Option<RegistryChange>, ReplayError> {
        let registry = |reason: String| ReplayError::Registry { index, reason };
        let change = match &record.body {
            Body::SubmitterAdded(added) => {
                if self.submitters.contains_key(&added.key) {
                    return Err(registry(format!("{} is already a submitter", added.key)));
                }
                validate_registrable_key(&added.key)
                    .map_err(|e| registry(format!("submitter key: {e}")))?;
                let submitter = Submitter {
                    name: added.name.clone(),
                    credit_code: added.credit_code.to_string(),
                    added_at: index,
                };
                Arc::make_mut(&mut self.submitters).insert(added.key, submitter.clone());
                RegistryChange::SubmitterAdded(added.key, submitter)
            }
            Body::SubmitterRemoved(removed) => {
                if !self.submitters.contains_key(&removed.key) {
                    return Err(registry(format!("{} is not a submitter", removed.key)));
                }
                Arc::make_mut(&mut self.submitters).remove(&removed.key);
                RegistryChange::SubmitterRemoved(removed.key)
            }
            Body::Calendar(calendar) => {
                let mut calendars = (*self.calendars).clone();
                calendars
                    .insert(calendar.clone())
                    .map_err(|e| registry(e.to_string()))?;
                self.calendars = Arc::new(calendars);
                RegistryChange::Calendar(calendar.clone())
            }
            Body::ProfileAdopted(adopted) => {
                self.profile_policy
                    .check(&adopted.profile)
                    .map_err(|e| registry(e.to_string()))?;
                let today =
                    Date::from_unix_cst(record.header.time).map_err(|e| registry(e.to_string()))?;
                let mut profiles = (*self.profiles).clone();
                profiles
                    .adopt(adopted.clone(), today)
                    .map_err(|e| registry(e.to_string()))?;
                self.profiles = Arc::new(profiles);
                RegistryChange::Profile(adopted.clone())
            }
            Body::KeyRotation(rotation) => {
                validate_registrable_key(&rotation.new_key)
                    .map_err(|e| registry(format!("new agency key: {e}")))?;
                if self.keys.iter().any(|epoch| epoch.key == rotation.new_key) {
                    return Err(registry(format!(
                        "{} was a key of this log already; a rotation names a fresh key",
                        rotation.new_key
                    )));
                }
                let epoch = KeyEpoch {
                    key: rotation.new_key,
                    from_size: index + 1,
                    since: Some(record.header.time),
                };
                Arc::make_mut(&mut self.keys).push(epoch);
                self.agency_key = rotation.new_key;
                RegistryChange::AgencyKey(epoch)
            }
            _ => return Ok(None),
        };
        Ok(Some(change))
    }

    /// The status-map root over the given codes' current states (all codes when `codes` is
    /// `None`): what a checkpoint of this size must carry.
    ///
    /// # Errors
    /// [`ReplayError::Map`] if the map cannot be built.
    pub fn map_root(&self, codes: Option<&BTreeSet<CertificateCode>>) -> Result<Hash, ReplayError> {
        let states = self
            .states
            .iter()
            .filter(|(code, _)| codes.is_none_or(|set| set.contains(*code)))
            .map(|(_, state)| state);
        let store = MemoryMapStore::new();
        Ok(map::update_states(&store, map::EMPTY_HASH, states)?.new_root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, Ledger, at};

    fn replay_all(records: &[Record]) -> Result<LogReplay, ReplayError> {
        let mut replay = LogReplay::new(testing::ORIGIN, testing::agency_key().public_key());
        for r in records {
            replay.apply(&r.encode())?;
        }
        Ok(replay)
    }

    fn ledger() -> Ledger {
        let mut l = Ledger::empty(testing::ORIGIN, testing::agency_key());
        for year in [2026, 2027] {
            let calendar = crate::calendar::WorkCalendar::new(year, vec![], vec![]).unwrap();
            l.apply("2026-11-20", Body::Calendar(calendar)).unwrap();
        }
        l.apply(
            "2026-11-20",
            Body::SubmitterAdded(crate::record::SubmitterAdded {
                key: testing::submitter_key().public_key(),
                name: "存证".into(),
                credit_code: crate::code::CreditCode::parse(testing::CREDIT_CODE).unwrap(),
            }),
        )
        .unwrap();
        l.evidence(at("2026-11-20", 11), crate::sha256(b"1"));
        l.apply("2026-11-20", testing::profile_adopted("2026-11-20"))
            .unwrap();
        let code = testing::code(2026, 1);
        l.apply_for("2026-11-23", &code, crate::record::ApplicationKind::First)
            .unwrap();
        l.apply(
            "2026-11-23",
            Body::NoticePublished(crate::record::Notice {
                code: code.clone(),
                registration_type: crate::record::RegistrationType::First,
                content: testing::content(code.kind(), None),
                ends_on: testing::parse_date("2026-12-04"),
            }),
        )
        .unwrap();
        l
    }

    #[test]
    fn replay_rebuilds_root_and_states() {
        let l = ledger();
        let replay = replay_all(&l.log.records).unwrap();
        assert_eq!(replay.root(), l.tree.root());
        assert_eq!(replay.size(), 9);
        assert_eq!(replay.map_root(None).unwrap(), l.map.root());
        assert_eq!(replay.states(), &l.states);
    }

    #[test]
    fn replay_names_the_first_bad_record() {
        let l = ledger();
        let mut records = l.log.records.clone();
        records[3].header.prev_hash = Hash::ZERO;
        assert_eq!(replay_all(&records).unwrap_err(), ReplayError::Chain(3));

        let mut records = l.log.records.clone();
        records[8].header.time += 1;
        assert_eq!(replay_all(&records).unwrap_err(), ReplayError::Signature(8));

        let mut records = l.log.records.clone();
        records.swap(3, 4);
        assert!(matches!(
            replay_all(&records).unwrap_err(),
            ReplayError::Index {
                expected: 3,
                found: 4
            }
        ));
    }

    #[test]
    fn a_range_checked_as_one_batch_names_its_first_bad_record() {
        let l = ledger();
        let bytes: Vec<Vec<u8>> = l.log.records.iter().map(Record::encode).collect();
        let all = VerifiedRecord::check_all(&bytes, 0).unwrap();
        assert_eq!(all.len(), bytes.len());
        for (verified, record) in all.iter().zip(&l.log.records) {
            assert_eq!(verified.record(), record);
            assert_eq!(verified.hash(), record.hash());
        }
        // Two bad signatures (agency record 4, evidence record 3): the first is named, as
        // checking one by one would name it.
        let mut forged = l.log.records.clone();
        forged[4].signature.0[0] ^= 1;
        forged[3].signature.0[9] ^= 1;
        let forged: Vec<Vec<u8>> = forged.iter().map(Record::encode).collect();
        assert_eq!(
            VerifiedRecord::check_all(&forged, 0).unwrap_err(),
            ReplayError::Signature(3)
        );
        assert!(
            Record::decode_exact(&forged[3])
                .unwrap()
                .verify_signature()
                .is_err()
        );
        assert_eq!(
            VerifiedRecord::check_all(&forged[3..4], 3).unwrap_err(),
            ReplayError::Signature(3)
        );
        // Positions count from `first`; undecodable bytes are named as such.
        let mut garbage = bytes[2..].to_vec();
        garbage[1] = vec![0xff; 8];
        assert!(matches!(
            VerifiedRecord::check_all(&garbage, 2).unwrap_err(),
            ReplayError::Decode { index: 3, .. }
        ));
    }

    #[test]
    fn evidence_needs_a_registered_service() {
        let mut log = testing::LogBuilder::default();
        log.evidence(
            at("2026-11-20", 11),
            crate::sha256(b"1"),
            &testing::submitter_key(),
        );
        assert!(matches!(
            replay_all(&log.records).unwrap_err(),
            ReplayError::Author { index: 0, .. }
        ));
    }

    #[test]
    fn forbidden_transition_is_caught() {
        let mut l = ledger();
        // Forge an issuance the rules forbid (before the notice ends), signed by the real key.
        let code = testing::code(2026, 1);
        let record = l.log.agency(
            at("2026-11-24", 10),
            Body::Issued(crate::record::Issued {
                code,
                valid_from: testing::parse_date("2026-11-24"),
                valid_until: testing::parse_date("2029-11-24"),
            }),
        );
        assert!(matches!(
            replay_all(&l.log.records).unwrap_err(),
            ReplayError::Rule { index, .. } if index == record.header.index
        ));
    }
    #[test]
    fn codes_outside_the_logs_regions_are_refused() {
        let l = ledger();
        let mut replay = LogReplay::new(testing::ORIGIN, testing::agency_key().public_key())
            .with_regions(&[640500]);
        let mut refused = None;
        for record in &l.log.records {
            if let Err(e) = replay.apply(&record.encode()) {
                refused = Some(e);
                break;
            }
        }
        assert_eq!(
            refused,
            Some(ReplayError::Region {
                index: 5,
                code: testing::code(2026, 1).to_string(),
                region: testing::REGION,
            })
        );
        // The province that contains the fixture's prefecture may issue it.
        let mut replay = LogReplay::new(testing::ORIGIN, testing::agency_key().public_key())
            .with_regions(&[530000]);
        for record in &l.log.records {
            replay.apply(&record.encode()).unwrap();
        }
    }

    #[test]
    fn records_after_the_time_limit_are_refused() {
        let l = ledger();
        let mut replay = LogReplay::new(testing::ORIGIN, testing::agency_key().public_key());
        let records = &l.log.records;
        for record in &records[..8] {
            replay.apply(&record.encode()).unwrap();
        }
        let limit = records[8].header.time - 1;
        replay.set_time_limit(Some(limit));
        assert_eq!(
            replay.apply(&records[8].encode()).unwrap_err(),
            ReplayError::Future {
                index: 8,
                time: records[8].header.time,
                limit,
            }
        );
        assert_eq!(replay.size(), 8, "a refused record changes nothing");
        replay.set_time_limit(Some(records[8].header.time));
        replay.apply(&records[8].encode()).unwrap();
    }

    #[test]
    fn weak_keys_cannot_be_registered() {
        // The identity point: a small-order key under which forged signatures verify for many
        // messages.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut l = Ledger::empty(testing::ORIGIN, testing::agency_key());
        for body in [
            Body::SubmitterAdded(crate::record::SubmitterAdded {
                key: PublicKey::Ed25519(identity),
                name: "weak".into(),
                credit_code: crate::code::CreditCode::parse(testing::CREDIT_CODE).unwrap(),
            }),
            Body::KeyRotation(crate::record::KeyRotation {
                new_key: PublicKey::Ed25519(identity),
            }),
        ] {
            let record = l.log.agency(at("2026-11-20", 9), body);
            let mut replay = LogReplay::new(testing::ORIGIN, testing::agency_key().public_key());
            assert!(matches!(
                replay.apply(&record.encode()).unwrap_err(),
                ReplayError::Registry { index: 0, .. }
            ));
            l.log.records.pop();
        }
    }

    #[test]
    fn a_staged_clone_leaves_the_original_unchanged() {
        let l = ledger();
        let mut replay = LogReplay::new(testing::ORIGIN, testing::agency_key().public_key());
        for record in &l.log.records[..2] {
            replay.apply(&record.encode()).unwrap();
        }
        let mut staged = replay.clone();
        for record in &l.log.records[2..] {
            staged.apply(&record.encode()).unwrap();
        }
        assert_eq!(replay.size(), 2);
        assert!(replay.submitters().is_empty());
        assert_eq!(staged.submitters().len(), 1);
        assert_eq!(replay.calendars().years().count(), 2);
    }

    #[test]
    fn a_rotation_puts_the_new_key_in_force_from_the_next_record() {
        let new_key = crate::keys::SigningKey::from_seed(&[42; 32]);
        let mut l = ledger();
        let rotation = l.rotate("2026-11-24", new_key.clone());
        l.evidence(at("2026-11-24", 11), crate::sha256(b"after"));
        l.apply(
            "2026-11-25",
            Body::SubmitterRemoved(crate::record::SubmitterRemoved {
                key: testing::submitter_key().public_key(),
            }),
        )
        .unwrap();
        let replay = replay_all(&l.log.records).unwrap();
        assert_eq!(replay.agency_key(), new_key.public_key());
        let genesis = testing::agency_key().public_key();
        let epoch = KeyEpoch {
            key: new_key.public_key(),
            from_size: rotation + 1,
            since: Some(at("2026-11-24", 10)),
        };
        assert_eq!(
            replay.key_history(),
            &[
                KeyEpoch {
                    key: genesis,
                    from_size: 0,
                    since: None
                },
                epoch
            ]
        );
        // The tree that holds the rotation record is signed by the new key.
        assert_eq!(replay.key_at(rotation), genesis);
        assert_eq!(replay.key_at(rotation + 1), new_key.public_key());
        assert_eq!(
            key_windows(replay.key_history()),
            vec![
                KeyWindow {
                    key: genesis,
                    not_before: None,
                    not_after: epoch.since
                },
                KeyWindow {
                    key: epoch.key,
                    not_before: epoch.since,
                    not_after: None
                },
            ]
        );
        // A resumed replay keeps the history.
        let resumed = LogReplay::resume(
            testing::ORIGIN,
            ReplayResume {
                frontier: replay.frontier().clone(),
                last_hash: replay.last_hash(),
                last_time: replay.last_time(),
                agency_key: replay.agency_key(),
                key_history: replay.key_history().to_vec(),
                calendars: replay.calendars().clone(),
                profiles: replay.profiles().clone(),
                submitters: replay.submitters().clone(),
            },
        );
        assert_eq!(resumed.key_history(), replay.key_history());
    }

    #[test]
    fn the_old_key_signs_nothing_after_its_rotation() {
        let new_key = crate::keys::SigningKey::from_seed(&[42; 32]);
        let mut l = ledger();
        l.rotate("2026-11-24", new_key);
        let mut records = l.log.records.clone();
        // A record after the rotation signed by the old key (a stolen key).
        let mut old = testing::LogBuilder::new(testing::ORIGIN, testing::agency_key());
        old.records = records.clone();
        let forged = old.agency(
            at("2026-11-25", 10),
            Body::SubmitterRemoved(crate::record::SubmitterRemoved {
                key: testing::submitter_key().public_key(),
            }),
        );
        records.push(forged);
        assert!(matches!(
            replay_all(&records).unwrap_err(),
            ReplayError::Author { index, .. } if index == records.len() as u64 - 1
        ));
    }

    #[test]
    fn a_rotation_not_signed_by_the_key_in_force_is_refused() {
        let stranger = crate::keys::SigningKey::from_seed(&[43; 32]);
        let l = ledger();
        let mut forged = testing::LogBuilder::new(testing::ORIGIN, stranger.clone());
        forged.records = l.log.records.clone();
        forged.agency(
            at("2026-11-24", 10),
            Body::KeyRotation(crate::record::KeyRotation {
                new_key: stranger.public_key(),
            }),
        );
        assert!(matches!(
            replay_all(&forged.records).unwrap_err(),
            ReplayError::Author { index: 9, .. }
        ));
    }

    #[test]
    fn a_rotation_names_a_fresh_key() {
        let new_key = crate::keys::SigningKey::from_seed(&[42; 32]);
        let mut l = ledger();
        l.rotate("2026-11-24", new_key.clone());
        for former in [testing::agency_key(), new_key] {
            let mut again = testing::LogBuilder::new(
                testing::ORIGIN,
                crate::keys::SigningKey::from_seed(&[42; 32]),
            );
            again.records = l.log.records.clone();
            again.agency(
                at("2026-11-25", 10),
                Body::KeyRotation(crate::record::KeyRotation {
                    new_key: former.public_key(),
                }),
            );
            assert!(matches!(
                replay_all(&again.records).unwrap_err(),
                ReplayError::Registry { index: 10, .. }
            ));
        }
    }
}
