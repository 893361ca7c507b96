//! The node's witness keys across a rotation (docs/operations.md#rotating-a-witness-key): the key
//! file, the next key that `ledger-node rotate-key --witness` writes beside it, and which of them
//! the membership puts in force.
//!
//! The next key is used only once the membership lists it for this node, and only for
//! cosignatures dated inside its window; until then the node cosigns with the key file's key.
//! Once the current key's window has closed and the next key is in force, the node moves the next
//! key file over the current one (one `rename`, so a crash leaves one or the other).

use std::path::PathBuf;

use ledger_format::checkpoint::{NoteSigningKey, SignatureType, VerifierKey};

use crate::config::Config;
use crate::init::{self, InitError};
use crate::replication::{Member, WitnessSigner, WitnessSigners};

/// The file of the next witness key: the witness key file's name with `.next` appended.
pub fn next_key_path(config: &Config) -> PathBuf {
    let mut path = config
        .path(&config.network.witness_key_file)
        .into_os_string();
    path.push(".next");
    PathBuf::from(path)
}

/// Generates the next witness key (mode 0600, named like the current one) and returns it.
///
/// # Errors
/// [`InitError::Io`] when the next key file exists already (a rotation is under way) or cannot
/// be written; [`InitError::Random`] when there is no randomness.
pub fn create_next(config: &Config) -> Result<NoteSigningKey, InitError> {
    let path = next_key_path(config);
    // The next witness key is of the suite of the key it replaces.
    let suite = init::read_witness_key(&config.path(&config.network.witness_key_file))
        .map(|key| key.verifier_key().public_key().suite())
        .unwrap_or(config.suite);
    let key = NoteSigningKey::new(
        &init::witness_key_name(&config.origin),
        SignatureType::cosignature(suite),
        init::new_secret_key(suite)?,
    )
    .map_err(|e| InitError::Config(e.to_string()))?;
    let text = key
        .to_secret_text()
        .ok_or_else(|| InitError::Config("the witness key is not in memory".into()))?;
    init::write_secret(&path, &(text + "\n"))?;
    Ok(key)
}

/// The witness keys this node holds, with the windows its membership entry `me` gives them, and
/// whether the next key file should now replace the current one.
#[derive(Debug)]
pub struct Held {
    /// The keys to cosign with.
    pub signers: WitnessSigners,
    /// True when the next key is in force and the current one's window has closed (or the
    /// membership no longer lists it): [`promote`] moves the file.
    pub promote: bool,
}

/// Reads the key file and the next key file (if any) and matches them with `me`'s witness keys.
///
/// # Errors
/// A message when a file is unreadable, or when the membership lists neither key for this node
/// in force at `now` (the node would cosign with a key nobody trusts).
pub fn held(config: &Config, me: &Member, now: i64) -> Result<Held, String> {
    let current = init::witness_key(config).map_err(|e| e.to_string())?;
    let next_path = next_key_path(config);
    // A key in a module is rotated with the module's tools: no next key file.
    let next = if config.network.witness_key_hsm.is_none() && next_path.exists() {
        Some(init::read_witness_key(&next_path).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let current = signer(me, current);
    let next = next
        .map(|key| signer(me, key))
        .and_then(|(s, listed)| listed.then_some(s));
    let (current, current_listed) = current;
    let next_in_force = next.as_ref().is_some_and(|n| n.valid_at(now));
    let current_in_force = current_listed && current.valid_at(now);
    if !current_in_force && !next_in_force {
        return Err(format!(
            "the membership lists no witness key of this node ({}) in force now",
            current.key.verifier_key()
        ));
    }
    let promote = next_in_force && !current_in_force;
    let signers = match (next, promote) {
        (Some(next), true) => WitnessSigners {
            current: next,
            next: None,
        },
        (next, _) => WitnessSigners { current, next },
    };
    Ok(Held { signers, promote })
}

/// Moves the next key file over the current one (after [`held`] said so).
///
/// # Errors
/// [`InitError::Io`] when the rename fails.
pub fn promote(config: &Config) -> Result<(), InitError> {
    let from = next_key_path(config);
    let to = config.path(&config.network.witness_key_file);
    std::fs::rename(&from, &to).map_err(|source| InitError::Io { path: from, source })
}

/// `key` with the window `me` lists for it, and whether `me` lists it at all.
fn signer(me: &Member, key: NoteSigningKey) -> (WitnessSigner, bool) {
    let public = *key.verifier_key().public_key();
    let listed = me
        .witness_keys
        .iter()
        .find(|w| *w.key.public_key() == public);
    (
        WitnessSigner {
            not_before: listed.and_then(|w| w.not_before),
            not_after: listed.and_then(|w| w.not_after),
            key,
        },
        listed.is_some(),
    )
}

/// The `witness_keys` of this node's membership entry after a rotation to `next` at `at`: every
/// key listed so far (the current one's window closed at `at - 1`), then `next` from `at`.
pub fn rotated_entry(
    me: &crate::replication::MemberEntry,
    current: &VerifierKey,
    next: &VerifierKey,
    at: i64,
) -> crate::replication::MemberEntry {
    use crate::replication::membership::{Instant, WitnessKeyEntry};
    let mut entry = me.clone();
    let mut keys: Vec<WitnessKeyEntry> = match entry.witness_key.take() {
        Some(key) => vec![WitnessKeyEntry {
            key,
            not_before: None,
            not_after: None,
        }],
        None => std::mem::take(&mut entry.witness_keys),
    };
    let current_text = current.to_string();
    for key in keys.iter_mut().filter(|k| k.key == current_text) {
        key.not_after = Some(Instant::Text(ledger_format::date::instant_text(at - 1)));
    }
    keys.push(WitnessKeyEntry {
        key: next.to_string(),
        not_before: Some(Instant::Text(ledger_format::date::instant_text(at))),
        not_after: None,
    });
    entry.witness_keys = keys;
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::WitnessKey;

    const T: i64 = 1_803_830_400;

    fn node() -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::new("ledger.a.example/1", dir.path());
        init::ensure_network_keys(&config).unwrap();
        (dir, config)
    }

    fn current(config: &Config) -> NoteSigningKey {
        init::read_witness_key(&config.path(&config.network.witness_key_file)).unwrap()
    }

    /// The node's membership entry listing `keys` with their windows.
    fn member(keys: &[(&NoteSigningKey, Option<i64>, Option<i64>)]) -> Member {
        let log = VerifierKey::log(
            "ledger.a.example/1",
            ledger_format::testing::agency_key().public_key(),
        )
        .unwrap();
        Member {
            name: "a".into(),
            origin: "ledger.a.example/1".into(),
            regions: vec![530_400],
            profiles: Vec::new(),
            log_key: log,
            log_key_not_after: None,
            witness_keys: keys
                .iter()
                .map(|(k, not_before, not_after)| WitnessKey {
                    key: k.verifier_key().clone(),
                    not_before: *not_before,
                    not_after: *not_after,
                })
                .collect(),
            peer_id: libp2p::PeerId::random(),
            addresses: Vec::new(),
            removed: None,
            objections: None,
        }
    }

    #[test]
    fn the_next_key_takes_over_in_its_window_once_listed() {
        let (_dir, config) = node();
        let old = current(&config);
        let next = create_next(&config).unwrap();
        assert_eq!(next.verifier_key().name(), old.verifier_key().name());
        assert!(create_next(&config).is_err(), "one rotation at a time");
        // Not listed yet: the node keeps cosigning with the current key.
        let held_now = held(&config, &member(&[(&old, None, None)]), T).unwrap();
        assert!(held_now.signers.next.is_none() && !held_now.promote);
        // Listed: the old key until T - 1, the new one from T.
        let both = member(&[(&old, None, Some(T - 1)), (&next, Some(T), None)]);
        let before = held(&config, &both, T - 10).unwrap();
        assert!(!before.promote);
        assert_eq!(before.signers.at(T - 1).verifier_key(), old.verifier_key());
        assert_eq!(before.signers.at(T).verifier_key(), next.verifier_key());
        // After T the next key file replaces the current one.
        let after = held(&config, &both, T + 10).unwrap();
        assert!(after.promote);
        assert_eq!(after.signers.at(T + 10).verifier_key(), next.verifier_key());
        promote(&config).unwrap();
        assert_eq!(current(&config).verifier_key(), next.verifier_key());
        assert!(!next_key_path(&config).exists());
    }

    #[test]
    fn a_membership_listing_no_key_of_the_node_in_force_is_refused() {
        let (_dir, config) = node();
        let old = current(&config);
        let stranger = NoteSigningKey::new(
            "ledger.a.example/1/witness",
            SignatureType::CosignatureV1,
            ledger_format::testing::witness_key(9),
        )
        .unwrap();
        let err = held(&config, &member(&[(&stranger, None, None)]), T).unwrap_err();
        assert!(err.contains("lists no witness key of this node"), "{err}");
        let closed = member(&[(&old, None, Some(T - 1))]);
        assert!(held(&config, &closed, T).is_err());
    }

    #[test]
    fn the_rotated_entry_closes_the_current_window_and_opens_the_next() {
        let (_dir, config) = node();
        let old = current(&config);
        let next = create_next(&config).unwrap();
        let entry = member(&[(&old, None, None)]).to_entry();
        let rotated = rotated_entry(&entry, old.verifier_key(), next.verifier_key(), T);
        let parsed = crate::replication::Membership::parse(&rotated.to_toml()).unwrap();
        let keys = &parsed.members[0].witness_keys;
        assert_eq!(keys.len(), 2);
        assert_eq!((keys[0].not_before, keys[0].not_after), (None, Some(T - 1)));
        assert_eq!((keys[1].not_before, keys[1].not_after), (Some(T), None));
        assert_eq!(&keys[1].key, next.verifier_key());
    }
}
