//! The network's membership file: every agency's node, shared by all nodes (docs/operations.md#network).
//!
//! ```toml
//! quorum = 2                        # cosignatures of OTHER agencies a verifier should demand
//!
//! [[agency]]
//! name = "yuxi"
//! origin = "ledger.yuxi.example/2026"
//! regions = [530400]                # GB/T 2260 divisions whose certificate codes it issues
//! profiles = ["yuxi-2025"]          # rule profiles its log may adopt (default: any built-in)
//! log_key = "ledger.yuxi.example/2026+1a2b3c4d+AQ…"            # C2SP verifier key, Ed25519
//! witness_key = "ledger.yuxi.example/2026/witness+5e6f7a8b+BA…" # C2SP verifier key, cosignature/v1
//! peer_id = "12D3KooW…"
//! addresses = ["/ip4/10.1.2.3/tcp/8181"]
//! ```
//!
//! A member whose witness key changed lists every key with its validity window instead of
//! `witness_key` (times are RFC 3339 strings or Unix seconds; both ends inclusive, either optional):
//!
//! ```toml
//! witness_keys = [
//!   { key = "ledger.yuxi.example/2026/witness+5e6f7a8b+BA…", not_after = "2027-03-01T00:00:00+08:00" },
//!   { key = "ledger.yuxi.example/2026/witness+9a0b1c2d+BB…", not_before = "2027-03-01T00:00:01+08:00" },
//! ]
//! log_key_not_after = "2027-06-01T00:00:00+08:00"  # the log key was compromised (or retired) then
//! ```
//!
//! A cosignature counts only if its timestamp is inside its key's window; a log key counts only up
//! to `log_key_not_after`, judged at the witnessed time (docs/operations.md#a-key-was-compromised).
//!
//! An agency that left the network keeps its entry with `removed = <time>`: its log is no longer
//! followed or witnessed and its node is refused, but its mirrored log stays readable, and the
//! served policy keeps its keys with windows ending then, so that its history stays verifiable up
//! to the removal (docs/operations.md#adding-or-removing-an-agency). Removed entries take no part
//! in the quorum or the region checks.
//!
//! Only the peers listed here are accepted; each member's log is mirrored and witnessed by all the
//! others. A log's own node never counts towards its quorum, so the quorum is at most the number
//! of members less one; no two members' regions overlap, so every certificate code has one log.
//!
//! `fuzz/` compiles this file on its own (`#[path]` in `fuzz/src/lib.rs`, so that fuzzing links no
//! RocksDB): outside `tests`, use only crates `fuzz/Cargo.toml` also lists, never `crate::` or
//! `super::` paths.

use std::path::{Path, PathBuf};

use ledger_format::checkpoint::{SignatureType, VerifierKey};
use ledger_format::code::{is_region_code, region_covers};
use libp2p::{Multiaddr, PeerId};
use serde::{Deserialize, Serialize};

/// Why the membership file is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MembershipError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The file as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MembershipFile {
    #[serde(default)]
    quorum: Option<usize>,
    #[serde(default)]
    agency: Vec<MemberEntry>,
}

/// One `[[agency]]` entry, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberEntry {
    /// A short name for people.
    pub name: String,
    /// The origin of the agency's log.
    pub origin: String,
    /// The GB/T 2260 divisions whose certificate codes the agency issues (required, non-empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<u32>,
    /// The rule profiles the agency's log may adopt: built-in names, or `name@<digest hex>` for
    /// a profile of its own (docs/format.md#profiles); empty: any built-in profile.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    /// The log's verifier key (C2SP text, Ed25519).
    pub log_key: String,
    /// The last instant the log key may sign at, if it was compromised or retired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_key_not_after: Option<Instant>,
    /// The node's witness verifier key (C2SP text, `cosignature/v1`), in force at all times; or
    /// none, when `witness_keys` lists the keys with their windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness_key: Option<String>,
    /// The node's witness keys over time, each with its window (instead of `witness_key`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub witness_keys: Vec<WitnessKeyEntry>,
    /// The node's libp2p peer id.
    pub peer_id: String,
    /// Where the node listens (libp2p multiaddresses).
    pub addresses: Vec<String>,
    /// When the agency left the network, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<Instant>,
    /// How to object to the agency's notices (R22), as every node's public notice board shows
    /// it (docs/operations.md#board).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objections: Option<String>,
}

/// An instant in a membership file: Unix seconds, or an RFC 3339 string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Instant {
    /// Unix seconds.
    Unix(i64),
    /// RFC 3339 with whole seconds, e.g. `2027-03-01T00:00:00+08:00`.
    Text(String),
}

impl Instant {
    /// The instant in Unix seconds.
    ///
    /// # Errors
    /// A message when the text is not RFC 3339 with whole seconds.
    pub fn unix(&self) -> Result<i64, String> {
        match self {
            Instant::Unix(t) => Ok(*t),
            Instant::Text(text) => ledger_format::date::parse_instant(text).ok_or_else(|| {
                format!(
                    "{text:?} is neither RFC 3339 (e.g. 2027-03-01T00:00:00+08:00) nor Unix seconds"
                )
            }),
        }
    }
}

/// One witness key of a member, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessKeyEntry {
    /// The verifier key (C2SP text, `cosignature/v1`).
    pub key: String,
    /// The first instant its cosignatures may be dated at, if bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<Instant>,
    /// The last instant its cosignatures may be dated at (its replacement or compromise), if
    /// bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<Instant>,
}

/// A member's witness key, checked, with its window in Unix seconds (inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessKey {
    /// The `cosignature/v1` verifier key.
    pub key: VerifierKey,
    /// First second its cosignatures may be dated at, if bounded.
    pub not_before: Option<i64>,
    /// Last second its cosignatures may be dated at, if bounded.
    pub not_after: Option<i64>,
}

impl WitnessKey {
    /// Whether a cosignature dated `time` falls in the key's window.
    pub fn valid_at(&self, time: i64) -> bool {
        ledger_format::date::in_window(self.not_before, self.not_after, time)
    }
}

/// One agency of the network, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// A short name for people.
    pub name: String,
    /// The origin of its log.
    pub origin: String,
    /// The GB/T 2260 divisions whose certificate codes it issues: valid codes, none listed twice.
    pub regions: Vec<u32>,
    /// The rule profiles its log may adopt (empty: any built-in one).
    pub profiles: Vec<String>,
    /// Its log key.
    pub log_key: VerifierKey,
    /// The last second its log key may sign at (its compromise or retirement), if bounded.
    pub log_key_not_after: Option<i64>,
    /// Its witness keys, current and past, in file order; at least one, none listed twice.
    pub witness_keys: Vec<WitnessKey>,
    /// Its node's peer id.
    pub peer_id: PeerId,
    /// Its node's addresses.
    pub addresses: Vec<Multiaddr>,
    /// When it left the network (Unix seconds), if it did.
    pub removed: Option<i64>,
    /// How to object to its notices (R22), for the public notice board.
    pub objections: Option<String>,
}

/// The whole network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The members, in file order.
    pub members: Vec<Member>,
    /// The agencies that left the network (`removed = <time>`), in file order: their logs are
    /// served, not followed.
    pub removed: Vec<Member>,
    /// Cosignatures a verifier should demand for a log, from nodes other than the log's own.
    pub quorum: usize,
}

impl Membership {
    /// Reads and checks the file at `path`.
    ///
    /// # Errors
    /// [`MembershipError`] naming the file and the first problem.
    pub fn load(path: &Path) -> Result<Self, MembershipError> {
        let text = std::fs::read_to_string(path).map_err(|source| MembershipError::Read {
            path: path.to_owned(),
            source,
        })?;
        Membership::parse(&text).map_err(|message| MembershipError::Invalid {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses and checks the text of a membership file.
    ///
    /// # Errors
    /// A message naming the entry and the field.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: MembershipFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let all = file
            .agency
            .iter()
            .map(|entry| {
                Member::from_entry(entry).map_err(|e| format!("agency {:?}: {e}", entry.name))
            })
            .collect::<Result<Vec<_>, _>>()?;
        check_distinct(&all)?;
        let (removed, members): (Vec<Member>, Vec<Member>) =
            all.into_iter().partition(|m| m.removed.is_some());
        for (i, a) in members.iter().enumerate() {
            for b in &members[..i] {
                if let Some((x, y)) = overlap(&b.regions, &a.regions) {
                    return Err(format!(
                        "agencies {:?} and {:?} both issue codes of region {y}: {x} covers it",
                        b.name, a.name
                    ));
                }
            }
        }
        let others = members.len().saturating_sub(1);
        let quorum = file.quorum.unwrap_or(others.min(2));
        if quorum > others {
            return Err(format!(
                "quorum {quorum} can never be met: a log's own node does not count, and each log \
                 has {others} other members to cosign it"
            ));
        }
        Ok(Membership {
            members,
            removed,
            quorum,
        })
    }

    /// The member whose log is `origin`.
    pub fn by_origin(&self, origin: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.origin == origin)
    }

    /// The member whose node is `peer`.
    pub fn by_peer(&self, peer: &PeerId) -> Option<&Member> {
        self.members.iter().find(|m| &m.peer_id == peer)
    }

    /// Every witness key of every member, current and past, removed members' included: the
    /// signatures checkpoints keep.
    pub fn witness_keys(&self) -> Vec<VerifierKey> {
        self.members
            .iter()
            .chain(&self.removed)
            .flat_map(|m| m.witness_keys.iter().map(|w| w.key.clone()))
            .collect()
    }

    /// The regions of the member whose log is `origin`.
    pub fn regions_of(&self, origin: &str) -> Option<&[u32]> {
        self.by_origin(origin).map(|m| m.regions.as_slice())
    }

    /// The member whose regions cover the GB/T 2260 division `region`: the one log that may issue
    /// its certificate codes (members' regions do not overlap).
    pub fn log_for_region(&self, region: u32) -> Option<&Member> {
        self.members.iter().find(|m| m.covers(region))
    }
}

/// Refuses two entries, removed or not, with one origin, peer id or witness key.
fn check_distinct(all: &[Member]) -> Result<(), String> {
    for (i, a) in all.iter().enumerate() {
        for b in &all[..i] {
            let shared_witness_key = a.witness_keys.iter().any(|x| {
                b.witness_keys
                    .iter()
                    .any(|y| x.key.public_key() == y.key.public_key())
            });
            if a.origin == b.origin || a.peer_id == b.peer_id || shared_witness_key {
                return Err(format!(
                    "agencies {:?} and {:?} share an origin, peer id or witness key",
                    b.name, a.name
                ));
            }
        }
    }
    Ok(())
}

/// A region of `a` and one of `b` where one covers the other, if any.
fn overlap(a: &[u32], b: &[u32]) -> Option<(u32, u32)> {
    a.iter()
        .flat_map(|x| b.iter().map(move |y| (*x, *y)))
        .find_map(|(x, y)| {
            if region_covers(x, y) {
                Some((x, y))
            } else if region_covers(y, x) {
                Some((y, x))
            } else {
                None
            }
        })
}

impl Member {
    /// Whether the member may issue certificate codes of the GB/T 2260 division `region`.
    pub fn covers(&self, region: u32) -> bool {
        self.regions.iter().any(|r| region_covers(*r, region))
    }

    fn from_entry(entry: &MemberEntry) -> Result<Self, String> {
        ledger_format::record::validate_origin(&entry.origin)
            .map_err(|e| format!("origin: {e}"))?;
        check_regions(&entry.regions)?;
        let log_key = VerifierKey::parse(&entry.log_key).map_err(|e| format!("log_key: {e}"))?;
        if log_key.signature_type() != SignatureType::Ed25519 {
            return Err("log_key: not an Ed25519 note key".into());
        }
        log_key
            .public_key()
            .check_registrable()
            .map_err(|e| format!("log_key: {e}"))?;
        let log_key_not_after = entry
            .log_key_not_after
            .as_ref()
            .map(Instant::unix)
            .transpose()
            .map_err(|e| format!("log_key_not_after: {e}"))?;
        let witness_keys = witness_keys(entry, &log_key)?;
        let peer_id = entry
            .peer_id
            .parse::<PeerId>()
            .map_err(|e| format!("peer_id: {e}"))?;
        let addresses = entry
            .addresses
            .iter()
            .map(|a| {
                a.parse::<Multiaddr>()
                    .map_err(|e| format!("address {a}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let removed = entry
            .removed
            .as_ref()
            .map(Instant::unix)
            .transpose()
            .map_err(|e| format!("removed: {e}"))?;
        Ok(Member {
            name: entry.name.clone(),
            origin: entry.origin.clone(),
            regions: entry.regions.clone(),
            profiles: check_profiles(&entry.profiles)?,
            log_key,
            log_key_not_after,
            witness_keys,
            peer_id,
            addresses,
            removed,
            objections: entry.objections.clone(),
        })
    }

    /// The entry that [`Membership::parse`] reads back as this member (times as Unix seconds;
    /// a single unbounded witness key as `witness_key`).
    pub fn to_entry(&self) -> MemberEntry {
        let unbounded = |w: &WitnessKey| w.not_before.is_none() && w.not_after.is_none();
        let (witness_key, witness_keys) = match self.witness_keys.as_slice() {
            [only] if unbounded(only) => (Some(only.key.to_string()), Vec::new()),
            keys => (
                None,
                keys.iter()
                    .map(|w| WitnessKeyEntry {
                        key: w.key.to_string(),
                        not_before: w.not_before.map(Instant::Unix),
                        not_after: w.not_after.map(Instant::Unix),
                    })
                    .collect(),
            ),
        };
        MemberEntry {
            name: self.name.clone(),
            origin: self.origin.clone(),
            regions: self.regions.clone(),
            profiles: self.profiles.clone(),
            log_key: self.log_key.to_string(),
            log_key_not_after: self.log_key_not_after.map(Instant::Unix),
            witness_key,
            witness_keys,
            peer_id: self.peer_id.to_string(),
            addresses: self.addresses.iter().map(ToString::to_string).collect(),
            removed: self.removed.map(Instant::Unix),
            objections: self.objections.clone(),
        }
    }

    /// The end of the log key's window as a verifier should see it: its `log_key_not_after`,
    /// or the removal, whichever comes first.
    pub fn log_key_until(&self) -> Option<i64> {
        earliest(self.log_key_not_after, self.removed)
    }

    /// The end of a witness key's window as a verifier should see it: its own `not_after`, or the
    /// removal, whichever comes first.
    pub fn witness_key_until(&self, key: &WitnessKey) -> Option<i64> {
        earliest(key.not_after, self.removed)
    }

    /// The log key's window as a verifier judges it: unbounded before, up to `log_key_not_after`.
    pub fn log_key_valid_at(&self, time: i64) -> bool {
        ledger_format::date::in_window(None, self.log_key_not_after, time)
    }

    /// The witness key in force at `time`: the last listed whose window holds it.
    pub fn witness_key_at(&self, time: i64) -> Option<&VerifierKey> {
        self.witness_keys
            .iter()
            .rev()
            .find(|w| w.valid_at(time))
            .map(|w| &w.key)
    }
}

/// The earlier of two optional instants (`None` is unbounded).
fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A member's witness keys: `witness_key` (one unbounded key) or `witness_keys` (each with a
/// window), not both; each a `cosignature/v1` key other than the log's, none listed twice.
fn witness_keys(entry: &MemberEntry, log_key: &VerifierKey) -> Result<Vec<WitnessKey>, String> {
    let listed: Vec<WitnessKeyEntry> = match (&entry.witness_key, entry.witness_keys.as_slice()) {
        (Some(key), []) => vec![WitnessKeyEntry {
            key: key.clone(),
            not_before: None,
            not_after: None,
        }],
        (None, []) => return Err("witness_key: required (or witness_keys)".into()),
        (None, listed) => listed.to_vec(),
        (Some(_), _) => return Err("witness_key and witness_keys: give one or the other".into()),
    };
    let mut keys: Vec<WitnessKey> = Vec::new();
    for (i, listed) in listed.iter().enumerate() {
        let field = match entry.witness_key {
            Some(_) => "witness_key".to_owned(),
            None => format!("witness_keys[{i}]"),
        };
        let key = witness_key(listed, log_key).map_err(|e| format!("{field}: {e}"))?;
        if keys
            .iter()
            .any(|k| k.key.public_key() == key.key.public_key())
        {
            return Err(format!("{field}: listed twice"));
        }
        keys.push(key);
    }
    Ok(keys)
}

fn witness_key(entry: &WitnessKeyEntry, log_key: &VerifierKey) -> Result<WitnessKey, String> {
    let key = VerifierKey::parse(&entry.key).map_err(|e| e.to_string())?;
    if key.signature_type() != SignatureType::CosignatureV1 {
        return Err("not a cosignature/v1 key".into());
    }
    key.public_key()
        .check_registrable()
        .map_err(|e| e.to_string())?;
    if key.public_key() == log_key.public_key() {
        return Err("the log's own key: a log cannot witness itself".into());
    }
    let time = |t: &Option<Instant>, field: &str| {
        t.as_ref()
            .map(Instant::unix)
            .transpose()
            .map_err(|e| format!("{field}: {e}"))
    };
    let not_before = time(&entry.not_before, "not_before")?;
    let not_after = time(&entry.not_after, "not_after")?;
    if let (Some(from), Some(until)) = (not_before, not_after)
        && from > until
    {
        return Err("not_before is after not_after: the key is never in force".into());
    }
    Ok(WitnessKey {
        key,
        not_before,
        not_after,
    })
}

/// A member's profiles: each a built-in profile's name, or `name@` and 64 hex digits (the digest
/// of a profile of the agency's own), none listed twice.
fn check_profiles(profiles: &[String]) -> Result<Vec<String>, String> {
    for (i, entry) in profiles.iter().enumerate() {
        let pinned = entry.split_once('@').is_some_and(|(name, digest)| {
            !name.is_empty()
                && digest.len() == 64
                && digest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        if !pinned && ledger_format::profile::builtin(entry).is_none() {
            return Err(format!(
                "profiles: {entry} is neither a built-in profile ({}) nor name@<sha256 hex>",
                ledger_format::profile::BUILTIN.join(", ")
            ));
        }
        if profiles[..i].contains(entry) {
            return Err(format!("profiles: {entry} listed twice"));
        }
    }
    Ok(profiles.to_vec())
}

/// A member's regions: at least one, each a GB/T 2260 code, none listed twice.
fn check_regions(regions: &[u32]) -> Result<(), String> {
    if regions.is_empty() {
        return Err(
            "regions: required, the GB/T 2260 divisions whose codes the agency issues \
             (e.g. regions = [530400])"
                .into(),
        );
    }
    for (i, region) in regions.iter().enumerate() {
        if !is_region_code(*region) {
            return Err(format!(
                "regions: {region} is not a GB/T 2260 division code"
            ));
        }
        if regions[..i].contains(region) {
            return Err(format!("regions: {region} listed twice"));
        }
    }
    Ok(())
}

impl MemberEntry {
    /// The entry as a TOML `[[agency]]` table, to append to a membership file.
    pub fn to_toml(&self) -> String {
        #[derive(Serialize)]
        struct One<'a> {
            agency: [&'a MemberEntry; 1],
        }
        toml::to_string_pretty(&One { agency: [self] }).unwrap_or_default()
    }
}

/// A test member `n` of the log `origin` signed by `log_key`, issuing for `region`: named `a<n>`,
/// witness key `testing::witness_key(n + 10)`, peer id from the seed `[n; 32]`, listening on
/// 127.0.0.1:9000+n. The one fixture of the node's unit tests.
#[cfg(test)]
pub(crate) fn test_entry(
    n: u8,
    origin: &str,
    log_key: ledger_format::keys::PublicKey,
    region: u32,
) -> MemberEntry {
    use ledger_format::testing;
    MemberEntry {
        name: format!("a{n}"),
        origin: origin.to_owned(),
        regions: vec![region],
        profiles: Vec::new(),
        log_key: VerifierKey::ed25519(origin, log_key)
            .expect("a valid origin")
            .to_string(),
        log_key_not_after: None,
        witness_key: Some(
            VerifierKey::cosignature_v1(
                &format!("{origin}/witness"),
                testing::witness_key(n + 10).public_key(),
            )
            .expect("a valid origin")
            .to_string(),
        ),
        witness_keys: Vec::new(),
        peer_id: libp2p::identity::Keypair::ed25519_from_bytes([n; 32])
            .expect("32 bytes")
            .public()
            .to_peer_id()
            .to_string(),
        addresses: vec![format!("/ip4/127.0.0.1/tcp/{}", 9000 + u16::from(n))],
        removed: None,
        objections: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_format::testing;

    /// Agency `n`'s region: the fixture agency's (Yuxi) for 1, other prefectures of Yunnan after.
    fn region(n: u8) -> u32 {
        [testing::REGION, 530_100, 530_300, 530_500][usize::from(n - 1)]
    }

    fn entry(n: u8) -> MemberEntry {
        let origin = format!("ledger.a{n}.example/1");
        test_entry(n, &origin, testing::witness_key(n).public_key(), region(n))
    }

    fn toml(entries: &[MemberEntry]) -> String {
        entries.iter().map(|e| e.to_toml() + "\n").collect()
    }

    #[test]
    fn entries_round_trip_and_quorum_defaults() {
        let text = toml(&[entry(1), entry(2), entry(3)]);
        assert!(text.contains("regions = [530400]"), "{text}");
        let membership = Membership::parse(&text).unwrap();
        assert_eq!(membership.members.len(), 3);
        assert_eq!(membership.quorum, 2);
        assert_eq!(
            membership.by_origin("ledger.a2.example/1").unwrap().name,
            "a2"
        );
        let with_quorum = format!("quorum = 1\n{text}");
        assert_eq!(Membership::parse(&with_quorum).unwrap().quorum, 1);
        // Two members: by default each log needs the other's cosignature.
        let two = Membership::parse(&toml(&[entry(1), entry(2)])).unwrap();
        assert_eq!(two.quorum, 1);
    }

    #[test]
    fn regions_find_the_one_log_of_a_code() {
        let membership = Membership::parse(&toml(&[entry(1), entry(2), entry(3)])).unwrap();
        assert_eq!(
            membership.regions_of("ledger.a1.example/1"),
            Some(&[testing::REGION][..])
        );
        assert_eq!(membership.regions_of("ledger.unknown.example/1"), None);
        // A county of Yuxi is Yuxi's agency's; a county of Kunming is Kunming's.
        let code = testing::code(2026, 1);
        assert_eq!(membership.log_for_region(code.region()).unwrap().name, "a1");
        assert_eq!(membership.log_for_region(530_402).unwrap().name, "a1");
        assert_eq!(membership.log_for_region(530_102).unwrap().name, "a2");
        assert!(membership.log_for_region(110_101).is_none());
        assert!(membership.log_for_region(530_000).is_none());
    }

    #[test]
    fn a_quorum_that_counts_a_logs_own_node_is_refused() {
        // Three members: each log has two others to cosign it, never three.
        let three = toml(&[entry(1), entry(2), entry(3)]);
        let err = Membership::parse(&format!("quorum = 3\n{three}")).unwrap_err();
        assert!(err.contains("quorum 3 can never be met"), "{err}");
        assert!(Membership::parse(&format!("quorum = 2\n{three}")).is_ok());
        // Two agencies cannot ask for two: one stolen node would otherwise be half the quorum.
        let two = toml(&[entry(1), entry(2)]);
        assert!(Membership::parse(&format!("quorum = 2\n{two}")).is_err());
    }

    #[test]
    fn regions_are_required_valid_and_do_not_overlap() {
        let mut missing = entry(1);
        missing.regions.clear();
        let err = Membership::parse(&missing.to_toml()).unwrap_err();
        assert!(
            err.contains("\"a1\"") && err.contains("regions: required"),
            "{err}"
        );
        for (regions, says) in [
            (vec![530_001], "530001 is not a GB/T 2260"),
            (vec![990_000], "990000 is not a GB/T 2260"),
            (vec![530_400, 530_400], "530400 listed twice"),
        ] {
            let mut bad = entry(1);
            bad.regions = regions;
            let err = Membership::parse(&bad.to_toml()).unwrap_err();
            assert!(err.contains(says), "{err}");
        }
        // The province of Yunnan and Yuxi inside it: a Yuxi code would have two logs.
        let mut province = entry(2);
        province.regions = vec![530_000];
        let err = Membership::parse(&toml(&[entry(1), province.clone()])).unwrap_err();
        assert!(
            err.contains("\"a1\" and \"a2\"") && err.contains("region 530400"),
            "{err}"
        );
        assert!(Membership::parse(&toml(&[province, entry(1)])).is_err());
        let mut same = entry(2);
        same.regions = vec![530_100, testing::REGION];
        assert!(Membership::parse(&toml(&[entry(1), same])).is_err());
    }

    #[test]
    fn profiles_are_built_in_names_or_pinned_digests_listed_once() {
        let pinned = format!("yuxi-amended@{}", "ab".repeat(32));
        let mut good = entry(1);
        good.profiles = vec!["yuxi-2025".into(), "zhongwei-draft".into(), pinned.clone()];
        let membership = Membership::parse(&good.to_toml()).unwrap();
        assert_eq!(
            membership.members[0].profiles,
            ["yuxi-2025", "zhongwei-draft", pinned.as_str()]
        );
        // Written back as read.
        assert_eq!(membership.members[0].to_entry().profiles, good.profiles);
        for (profiles, says) in [
            (
                vec!["shenzhen-2030"],
                "shenzhen-2030 is neither a built-in profile",
            ),
            (vec!["yuxi@abc"], "yuxi@abc is neither"),
            (
                vec!["@abababababababababababababababababababababababababababababababab"],
                "is neither",
            ),
            (vec!["yuxi-2025", "yuxi-2025"], "yuxi-2025 listed twice"),
        ] {
            let mut bad = entry(1);
            bad.profiles = profiles.iter().map(|p| p.to_string()).collect();
            let err = Membership::parse(&bad.to_toml()).unwrap_err();
            assert!(err.contains("\"a1\"") && err.contains(says), "{err}");
        }
    }

    #[test]
    fn weak_member_keys_are_refused() {
        // The identity point (small order) as a log key, then as a witness key.
        let identity = {
            let mut bytes = [0u8; 32];
            bytes[0] = 1;
            ledger_format::keys::PublicKey::Ed25519(bytes)
        };
        let mut bad = entry(1);
        bad.log_key = VerifierKey::ed25519(&bad.origin, identity)
            .unwrap()
            .to_string();
        let err = Membership::parse(&bad.to_toml()).unwrap_err();
        assert!(
            err.contains("log_key") && err.contains("small order"),
            "{err}"
        );
        let mut bad = entry(1);
        bad.witness_key = Some(
            VerifierKey::cosignature_v1("a1.example/witness", identity)
                .unwrap()
                .to_string(),
        );
        let err = Membership::parse(&bad.to_toml()).unwrap_err();
        assert!(err.contains("small order"), "{err}");
    }

    #[test]
    fn errors_name_the_entry_and_field() {
        let mut bad = entry(1);
        bad.witness_key = Some(bad.log_key.clone());
        let err = Membership::parse(&bad.to_toml()).unwrap_err();
        assert!(
            err.contains("\"a1\"") && err.contains("witness_key"),
            "{err}"
        );
        let mut bad = entry(1);
        bad.peer_id = "nope".into();
        assert!(
            Membership::parse(&bad.to_toml())
                .unwrap_err()
                .contains("peer_id")
        );
        let mut bad = entry(1);
        let log_key = VerifierKey::parse(&bad.log_key).unwrap();
        bad.witness_key = Some(
            VerifierKey::cosignature_v1("a1-witness", *log_key.public_key())
                .unwrap()
                .to_string(),
        );
        let err = Membership::parse(&bad.to_toml()).unwrap_err();
        assert!(err.contains("cannot witness itself"), "{err}");
        let twice = entry(1).to_toml() + &entry(1).to_toml();
        assert!(Membership::parse(&twice).unwrap_err().contains("share"));
        assert!(
            Membership::parse("quorum = 3\n")
                .unwrap_err()
                .contains("quorum")
        );
    }

    fn witness(n: u8, seed: u8) -> VerifierKey {
        VerifierKey::cosignature_v1(
            &format!("ledger.a{n}.example/1/witness"),
            testing::witness_key(seed).public_key(),
        )
        .unwrap()
    }

    #[test]
    fn witness_keys_with_windows_and_a_compromised_log_key() {
        let mut rotated = entry(1);
        rotated.witness_key = None;
        rotated.witness_keys = vec![
            WitnessKeyEntry {
                key: witness(1, 11).to_string(),
                not_before: None,
                not_after: Some(Instant::Text("2027-03-01T00:00:00+08:00".into())),
            },
            WitnessKeyEntry {
                key: witness(1, 31).to_string(),
                not_before: Some(Instant::Unix(1_803_830_401)),
                not_after: None,
            },
        ];
        rotated.log_key_not_after = Some(Instant::Unix(1_810_000_000));
        let text = toml(&[rotated.clone(), entry(2)]);
        assert!(
            text.contains("not_after = \"2027-03-01T00:00:00+08:00\""),
            "{text}"
        );
        let membership = Membership::parse(&text).unwrap();
        let a1 = &membership.members[0];
        assert_eq!(a1.witness_keys.len(), 2);
        assert_eq!(a1.witness_keys[0].not_after, Some(1_803_830_400));
        assert_eq!(a1.witness_key_at(1_803_830_400), Some(&witness(1, 11)));
        assert_eq!(a1.witness_key_at(1_803_830_401), Some(&witness(1, 31)));
        assert_eq!(a1.log_key_not_after, Some(1_810_000_000));
        assert!(a1.log_key_valid_at(1_810_000_000) && !a1.log_key_valid_at(1_810_000_001));
        // Every key of every member verifies cosignatures; the old form is one unbounded key.
        assert_eq!(membership.witness_keys().len(), 3);
        let a2 = &membership.members[1];
        assert_eq!(
            (a2.witness_keys[0].not_before, a2.witness_keys[0].not_after),
            (None, None)
        );

        let bad = |change: &dyn Fn(&mut MemberEntry)| {
            let mut e = rotated.clone();
            change(&mut e);
            Membership::parse(&toml(&[e, entry(2)])).unwrap_err()
        };
        let err = bad(&|e| e.witness_key = Some(witness(1, 11).to_string()));
        assert!(err.contains("one or the other"), "{err}");
        let err = bad(&|e| e.witness_keys.clear());
        assert!(err.contains("witness_key: required"), "{err}");
        let err = bad(&|e| e.witness_keys[1].key = witness(1, 11).to_string());
        assert!(err.contains("witness_keys[1]: listed twice"), "{err}");
        let err = bad(&|e| e.witness_keys[1].not_after = Some(Instant::Unix(5)));
        assert!(
            err.contains("witness_keys[1]: not_before is after not_after"),
            "{err}"
        );
        let err = bad(&|e| e.witness_keys[0].not_after = Some(Instant::Text("soon".into())));
        assert!(
            err.contains("witness_keys[0]: not_after: \"soon\""),
            "{err}"
        );
        let err = bad(&|e| e.log_key_not_after = Some(Instant::Text("2027-13-01".into())));
        assert!(err.contains("log_key_not_after"), "{err}");
        // A past key of one member may not be another member's key.
        let mut other = entry(2);
        other.witness_key = Some(witness(1, 11).to_string());
        let err = Membership::parse(&toml(&[rotated, other])).unwrap_err();
        assert!(err.contains("share"), "{err}");
    }

    #[test]
    fn a_removed_agency_is_kept_apart_and_out_of_the_quorum_and_region_checks() {
        let mut gone = entry(2);
        gone.removed = Some(Instant::Text("2027-03-01T00:00:00+08:00".into()));
        // Its region goes to a newcomer; with two members left, the quorum is 1.
        let mut heir = entry(3);
        heir.regions = gone.regions.clone();
        let text = toml(&[entry(1), gone.clone(), heir]);
        let membership = Membership::parse(&text).unwrap();
        assert_eq!(membership.members.len(), 2);
        assert_eq!(membership.quorum, 1);
        assert_eq!(membership.removed.len(), 1);
        let removed = &membership.removed[0];
        assert_eq!(removed.removed, Some(1_803_830_400));
        assert!(membership.by_origin(&removed.origin).is_none());
        assert_eq!(removed.log_key_until(), Some(1_803_830_400));
        assert_eq!(
            removed.witness_key_until(&removed.witness_keys[0]),
            Some(1_803_830_400)
        );
        assert_eq!(membership.witness_keys().len(), 3);
        assert!(Membership::parse(&format!("quorum = 2\n{text}")).is_err());
        // Its identity stays its own: nobody may take its origin, peer id or witness key.
        let mut twin = entry(3);
        twin.peer_id = gone.peer_id.clone();
        let err = Membership::parse(&toml(&[entry(1), gone.clone(), twin])).unwrap_err();
        assert!(err.contains("share"), "{err}");
        gone.removed = Some(Instant::Text("yesterday".into()));
        let err = Membership::parse(&toml(&[entry(1), gone])).unwrap_err();
        assert!(err.contains("removed: \"yesterday\""), "{err}");
    }
}
