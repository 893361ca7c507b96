//! Cryptographic suites: which signature scheme and which hash function a log uses
//! (docs/format.md#suites).
//!
//! A suite is chosen once per log and names both halves together, so that no artefact can mix, say,
//! SM2 signatures with SHA-256 hashes:
//!
//! | suite            | name             | code | signatures                  | hash                   |
//! |------------------|------------------|------|-----------------------------|------------------------|
//! | [`Suite::Ed25519Sha256`] | `ed25519-sha256` | `0x00` | Ed25519 (RFC 8032, ZIP-215) | SHA-256 (FIPS 180-4) |
//! | [`Suite::Sm2Sm3`]        | `sm2-sm3`        | `0x01` | SM2 (GB/T 32918.2, [`sm2`]) | SM3 (GB/T 32905)     |
//!
//! Both hashes are 32 bytes, so [`Hash`](struct@Hash) stays one type; [`Suite::hash`] and [`Suite::hash_parts`]
//! are the one entry point through which code that hashes for a log (record hashes, the RFC 6962
//! tree with its `0x00`/`0x01` prefixes, the status map, commitments, key IDs) takes the log's suite.
//!
//! A log's suite is its genesis key's ([`crate::keys::PublicKey::suite`]): records say it by their
//! version (2 for `ed25519-sha256`, 3 with a suite byte otherwise), checkpoints by the type of the
//! log's signature line, and a verifier takes it from the log key its policy trusts, never from the
//! bundle in front of it.
//!
//! ```
//! use ledger_format::suite::Suite;
//!
//! let suite: Suite = "sm2-sm3".parse()?;
//! assert_eq!(suite.code(), 0x01);
//! assert_eq!(
//!     suite.hash(b"abc").to_hex(), // GB/T 32905-2016 appendix A, example 1
//!     "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
//! );
//! # Ok::<(), ledger_format::DecodeError>(())
//! ```

pub mod sm2;

use crate::DecodeError;
use crate::hash::{Hash, sha256, sha256_parts, sm3, sm3_parts};

/// A log's cryptographic suite: its signature scheme and its hash function, chosen together.
///
/// Encoded as one byte, its [code](Suite::code), in canonical (BCS) form, and as its
/// [name](Suite::name) in JSON and text. A code or name not listed here is refused, never mapped to
/// a default. Not `#[non_exhaustive]` on purpose: a new suite is a format change, and every `match`
/// on the suite should have to say what it does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Suite {
    /// Ed25519 signatures (RFC 8032 keys, ZIP-215 verification) and SHA-256: every log before
    /// suites existed, hence the default and code `0x00`.
    #[default]
    Ed25519Sha256,
    /// SM2 signatures (GB/T 32918.2, with the GB/T 35276 distinguishing ID unless configured) and
    /// SM3 (GB/T 32905), the national algorithms of the commercial cryptography rules (GB/T 39786).
    Sm2Sm3,
}

impl Suite {
    /// Every suite, in code order.
    pub const ALL: [Suite; 2] = [Suite::Ed25519Sha256, Suite::Sm2Sm3];

    /// The stable name: `ed25519-sha256` or `sm2-sm3` (configuration, JSON, command lines).
    pub fn name(self) -> &'static str {
        match self {
            Suite::Ed25519Sha256 => "ed25519-sha256",
            Suite::Sm2Sm3 => "sm2-sm3",
        }
    }

    /// The one-byte code in canonical encodings: `0x00` for `ed25519-sha256`, `0x01` for `sm2-sm3`.
    /// Codes are never reused.
    pub fn code(self) -> u8 {
        match self {
            Suite::Ed25519Sha256 => 0x00,
            Suite::Sm2Sm3 => 0x01,
        }
    }

    /// The suite whose [code](Suite::code) is `code`.
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] for a code no suite has.
    pub fn from_code(code: u8) -> Result<Suite, DecodeError> {
        Suite::ALL
            .into_iter()
            .find(|suite| suite.code() == code)
            .ok_or_else(|| DecodeError::invalid("suite", format!("unknown suite code {code:#04x}")))
    }

    /// The suite whose [name](Suite::name) is `name` (exact, lowercase).
    ///
    /// # Errors
    /// [`DecodeError::Invalid`] for a name no suite has; the message lists the known names.
    pub fn from_name(name: &str) -> Result<Suite, DecodeError> {
        Suite::ALL
            .into_iter()
            .find(|suite| suite.name() == name)
            .ok_or_else(|| {
                DecodeError::invalid(
                    "suite",
                    format!("unknown suite {name:?} (known: ed25519-sha256, sm2-sm3)"),
                )
            })
    }

    /// The name of the suite's hash function: `sha256` or `sm3`.
    pub fn hash_name(self) -> &'static str {
        match self {
            Suite::Ed25519Sha256 => "sha256",
            Suite::Sm2Sm3 => "sm3",
        }
    }

    /// The suite's hash of one byte string: SHA-256 or SM3.
    pub fn hash(self, data: &[u8]) -> Hash {
        match self {
            Suite::Ed25519Sha256 => sha256(data),
            Suite::Sm2Sm3 => sm3(data),
        }
    }

    /// The suite's hash of the concatenation of `parts`, without allocating the concatenation.
    pub fn hash_parts(self, parts: &[&[u8]]) -> Hash {
        match self {
            Suite::Ed25519Sha256 => sha256_parts(parts),
            Suite::Sm2Sm3 => sm3_parts(parts),
        }
    }

    /// An incremental hasher of the suite's hash function, for input that arrives in pieces.
    pub fn hasher(self) -> Hasher {
        use sha2::Digest;
        match self {
            Suite::Ed25519Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Suite::Sm2Sm3 => Hasher::Sm3(sm3::Sm3::new()),
        }
    }

    /// Length in bytes of a public key in the suite's canonical encoding: 32 (Ed25519) or 65 (SM2,
    /// uncompressed point, [`sm2::Sm2PublicKey`]).
    pub fn public_key_len(self) -> usize {
        match self {
            Suite::Ed25519Sha256 => crate::keys::PUBLIC_KEY_LEN,
            Suite::Sm2Sm3 => sm2::SM2_PUBLIC_KEY_LEN,
        }
    }

    /// Length in bytes of a signature in the suite's canonical encoding: 64 for both (Ed25519
    /// `R ‖ S`; SM2 `r ‖ s`).
    pub fn signature_len(self) -> usize {
        match self {
            Suite::Ed25519Sha256 => crate::keys::SIGNATURE_LEN,
            Suite::Sm2Sm3 => sm2::SM2_SIGNATURE_LEN,
        }
    }
}

impl std::fmt::Display for Suite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Suite {
    type Err = DecodeError;

    fn from_str(name: &str) -> Result<Suite, DecodeError> {
        Suite::from_name(name)
    }
}

impl serde::Serialize for Suite {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(self.name())
        } else {
            s.serialize_u8(self.code())
        }
    }
}

impl<'de> serde::Deserialize<'de> for Suite {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if d.is_human_readable() {
            let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            Suite::from_name(&name).map_err(D::Error::custom)
        } else {
            Suite::from_code(u8::deserialize(d)?).map_err(D::Error::custom)
        }
    }
}

/// An incremental hasher of one suite's hash function ([`Suite::hasher`]).
#[derive(Clone)]
pub enum Hasher {
    /// SHA-256, for `ed25519-sha256`.
    Sha256(sha2::Sha256),
    /// SM3, for `sm2-sm3`.
    Sm3(sm3::Sm3),
}

impl Hasher {
    /// Feeds `data` to the hash.
    pub fn update(&mut self, data: &[u8]) {
        use sha2::Digest;
        match self {
            Hasher::Sha256(hasher) => hasher.update(data),
            Hasher::Sm3(hasher) => hasher.update(data),
        }
    }

    /// The digest of everything fed so far.
    pub fn finalize(self) -> Hash {
        use sha2::Digest;
        match self {
            Hasher::Sha256(hasher) => Hash(hasher.finalize().into()),
            Hasher::Sm3(hasher) => Hash(hasher.finalize().into()),
        }
    }
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Hasher::Sha256(_) => "Hasher(sha256)",
            Hasher::Sm3(_) => "Hasher(sm3)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Canonical;

    impl Canonical for Suite {
        const MAX_ENCODED_LEN: usize = 1;
    }

    #[test]
    fn names_and_codes_round_trip_and_unknown_ones_are_refused() {
        for suite in Suite::ALL {
            assert_eq!(Suite::from_name(suite.name()), Ok(suite));
            assert_eq!(suite.to_string().parse::<Suite>(), Ok(suite));
            assert_eq!(Suite::from_code(suite.code()), Ok(suite));
            // One byte in BCS, the name in JSON.
            assert_eq!(suite.encode(), [suite.code()]);
            assert_eq!(Suite::decode_exact(&[suite.code()]), Ok(suite));
            let json = serde_json::to_string(&suite).unwrap();
            assert_eq!(json, format!("\"{}\"", suite.name()));
            assert_eq!(serde_json::from_str::<Suite>(&json).unwrap(), suite);
        }
        assert_eq!(Suite::Ed25519Sha256.encode(), [0x00]);
        assert_eq!(Suite::Sm2Sm3.encode(), [0x01]);
        assert_eq!(Suite::default(), Suite::Ed25519Sha256);
        assert!(matches!(
            Suite::decode_exact(&[0x02]),
            Err(DecodeError::Bcs(message)) if message.contains("unknown suite code 0x02")
        ));
        assert!(Suite::decode_exact(&[0x01, 0x00]).is_err());
        assert!(serde_json::from_str::<Suite>("\"SM2-SM3\"").is_err());
        assert!(serde_json::from_str::<Suite>("1").is_err());
        let err = "sm2".parse::<Suite>().unwrap_err();
        assert!(err.to_string().contains("known: ed25519-sha256, sm2-sm3"));
    }

    #[test]
    fn each_suite_hashes_with_its_own_function() {
        // FIPS 180-2 B.1 and GB/T 32905-2016 appendix A example 1.
        assert_eq!(
            Suite::Ed25519Sha256.hash(b"abc").to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            Suite::Sm2Sm3.hash(b"abc").to_hex(),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        let message = b"abcd".repeat(16);
        for suite in Suite::ALL {
            let (head, tail) = message.split_at(5);
            assert_eq!(suite.hash_parts(&[head, b"", tail]), suite.hash(&message));
            let mut hasher = suite.hasher();
            hasher.update(head);
            hasher.update(tail);
            assert_eq!(hasher.finalize(), suite.hash(&message));
        }
        assert_eq!(Suite::Ed25519Sha256.public_key_len(), 32);
        assert_eq!(Suite::Sm2Sm3.public_key_len(), 65);
        assert_eq!(Suite::Sm2Sm3.signature_len(), 64);
    }
}
