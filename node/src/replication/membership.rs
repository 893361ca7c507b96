//! The network's membership file: every agency's node, shared by all nodes (docs/operations.md#network).
//!
//! ```toml
//! quorum = 2                        # cosignatures a verifier should demand
//!
//! [[agency]]
//! name = "yuxi"
//! origin = "ledger.yuxi.example/2026"
//! log_key = "ledger.yuxi.example/2026+1a2b3c4d+AQ…"            # C2SP verifier key, Ed25519
//! witness_key = "ledger.yuxi.example/2026/witness+5e6f7a8b+BA…" # C2SP verifier key, cosignature/v1
//! peer_id = "12D3KooW…"
//! addresses = ["/ip4/10.1.2.3/tcp/8181"]
//! ```
//!
//! Only the peers listed here are accepted; each member's log is mirrored and witnessed by all the
//! others.
//!
//! `fuzz/` compiles this file on its own (`#[path]` in `fuzz/src/lib.rs`, so that fuzzing links no
//! RocksDB): outside `tests`, use only crates `fuzz/Cargo.toml` also lists, never `crate::` or
//! `super::` paths.

use std::path::{Path, PathBuf};

use ledger_format::checkpoint::{SignatureType, VerifierKey};
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
    /// The log's verifier key (C2SP text, Ed25519).
    pub log_key: String,
    /// The node's witness verifier key (C2SP text, `cosignature/v1`).
    pub witness_key: String,
    /// The node's libp2p peer id.
    pub peer_id: String,
    /// Where the node listens (libp2p multiaddresses).
    pub addresses: Vec<String>,
}

/// One agency of the network, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// A short name for people.
    pub name: String,
    /// The origin of its log.
    pub origin: String,
    /// Its log key.
    pub log_key: VerifierKey,
    /// Its witness key.
    pub witness_key: VerifierKey,
    /// Its node's peer id.
    pub peer_id: PeerId,
    /// Its node's addresses.
    pub addresses: Vec<Multiaddr>,
}

/// The whole network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The members, in file order.
    pub members: Vec<Member>,
    /// Cosignatures a verifier should demand.
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
        let members = file
            .agency
            .iter()
            .map(|entry| {
                Member::from_entry(entry).map_err(|e| format!("agency {:?}: {e}", entry.name))
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (i, a) in members.iter().enumerate() {
            for b in &members[..i] {
                if a.origin == b.origin || a.peer_id == b.peer_id || a.witness_key == b.witness_key
                {
                    return Err(format!(
                        "agencies {:?} and {:?} share an origin, peer id or witness key",
                        b.name, a.name
                    ));
                }
            }
        }
        let others = members.len().saturating_sub(1);
        let quorum = file.quorum.unwrap_or(others.min(2));
        if quorum > members.len() {
            return Err(format!(
                "quorum {quorum} is more than the {} members",
                members.len()
            ));
        }
        Ok(Membership { members, quorum })
    }

    /// The member whose log is `origin`.
    pub fn by_origin(&self, origin: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.origin == origin)
    }

    /// The member whose node is `peer`.
    pub fn by_peer(&self, peer: &PeerId) -> Option<&Member> {
        self.members.iter().find(|m| &m.peer_id == peer)
    }

    /// Every member's witness key.
    pub fn witness_keys(&self) -> Vec<VerifierKey> {
        self.members.iter().map(|m| m.witness_key.clone()).collect()
    }
}

impl Member {
    fn from_entry(entry: &MemberEntry) -> Result<Self, String> {
        ledger_format::record::validate_origin(&entry.origin)
            .map_err(|e| format!("origin: {e}"))?;
        let log_key = VerifierKey::parse(&entry.log_key).map_err(|e| format!("log_key: {e}"))?;
        if log_key.signature_type() != SignatureType::Ed25519 {
            return Err("log_key: not an Ed25519 note key".into());
        }
        let witness_key =
            VerifierKey::parse(&entry.witness_key).map_err(|e| format!("witness_key: {e}"))?;
        if witness_key.signature_type() != SignatureType::CosignatureV1 {
            return Err("witness_key: not a cosignature/v1 key".into());
        }
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
        Ok(Member {
            name: entry.name.clone(),
            origin: entry.origin.clone(),
            log_key,
            witness_key,
            peer_id,
            addresses,
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_format::testing;

    fn entry(n: u8) -> MemberEntry {
        let origin = format!("ledger.a{n}.example/1");
        let log = VerifierKey::ed25519(&origin, testing::witness_key(n).public_key()).unwrap();
        let witness = VerifierKey::cosignature_v1(
            &format!("{origin}/witness"),
            testing::witness_key(n + 10).public_key(),
        )
        .unwrap();
        MemberEntry {
            name: format!("a{n}"),
            origin,
            log_key: log.to_string(),
            witness_key: witness.to_string(),
            peer_id: libp2p::identity::Keypair::ed25519_from_bytes([n; 32])
                .unwrap()
                .public()
                .to_peer_id()
                .to_string(),
            addresses: vec![format!("/ip4/127.0.0.1/tcp/{}", 9000 + u16::from(n))],
        }
    }

    #[test]
    fn entries_round_trip_and_quorum_defaults() {
        let text: String = (1..=3).map(|n| entry(n).to_toml() + "\n").collect();
        let membership = Membership::parse(&text).unwrap();
        assert_eq!(membership.members.len(), 3);
        assert_eq!(membership.quorum, 2);
        assert_eq!(
            membership.by_origin("ledger.a2.example/1").unwrap().name,
            "a2"
        );
        let with_quorum = format!("quorum = 1\n{text}");
        assert_eq!(Membership::parse(&with_quorum).unwrap().quorum, 1);
    }

    #[test]
    fn errors_name_the_entry_and_field() {
        let mut bad = entry(1);
        bad.witness_key = bad.log_key.clone();
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
        let twice = entry(1).to_toml() + &entry(1).to_toml();
        assert!(Membership::parse(&twice).unwrap_err().contains("share"));
        assert!(
            Membership::parse("quorum = 3\n")
                .unwrap_err()
                .contains("quorum")
        );
    }
}
