//! SHA-256 and SM3, the [`Hash`](struct@Hash) type, and every hash domain the ledger uses.
//!
//! Both hash functions give 32 bytes, so one [`Hash`](struct@Hash) type serves both cryptographic
//! suites; which one a log uses is its [`Suite`](crate::suite::Suite)'s choice
//! (docs/format.md#suites).
//!
//! Each hashed or signed message starts with a domain string from [`domain`], so that bytes that
//! are valid in one context can never be replayed in another (docs/format.md#domains). The two
//! RFC 6962 Merkle prefixes (`0x00` leaf, `0x01` node) are the exception: they are fixed by the RFC.

use sha2::{Digest, Sha256};

use crate::encoding::fixed_bytes_serde;

/// Length of a SHA-256 digest in bytes.
pub const HASH_LEN: usize = 32;

/// A 32-byte digest: SHA-256 or SM3, as the log's suite says. Encoded as 32 raw bytes in canonical (BCS) form and as lowercase hex in JSON.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; HASH_LEN]);

impl Hash {
    /// The all-zero hash: the `prev_hash` of a log's first record and the empty status-map subtree.
    pub const ZERO: Hash = Hash([0; HASH_LEN]);

    /// The digest's bytes.
    pub fn as_bytes(&self) -> &[u8; HASH_LEN] {
        &self.0
    }

    /// Lowercase hexadecimal, 64 characters.
    pub fn to_hex(&self) -> String {
        crate::encoding::to_hex(&self.0)
    }

    /// Parses 64 hexadecimal characters (either case).
    ///
    /// # Errors
    /// [`crate::DecodeError::Invalid`] when the text is not 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, crate::DecodeError> {
        crate::encoding::from_hex_array(text).map(Hash)
    }

    /// Standard base64 with padding (the form used in checkpoints).
    pub fn to_base64(&self) -> String {
        crate::encoding::to_base64(&self.0)
    }
}

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl std::fmt::Display for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl From<[u8; HASH_LEN]> for Hash {
    fn from(bytes: [u8; HASH_LEN]) -> Self {
        Hash(bytes)
    }
}

fixed_bytes_serde!(Hash, HASH_LEN);

/// SHA-256 of one byte string.
pub fn sha256(data: &[u8]) -> Hash {
    Hash(Sha256::digest(data).into())
}

/// SHA-256 of the concatenation of `parts`, without allocating the concatenation.
pub fn sha256_parts(parts: &[&[u8]]) -> Hash {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    Hash(hasher.finalize().into())
}

/// SM3 (GB/T 32905-2016) of one byte string.
pub fn sm3(data: &[u8]) -> Hash {
    Hash(sm3::Sm3::digest(data).into())
}

/// SM3 of the concatenation of `parts`, without allocating the concatenation.
pub fn sm3_parts(parts: &[&[u8]]) -> Hash {
    let mut hasher = sm3::Sm3::new();
    for part in parts {
        hasher.update(part);
    }
    Hash(hasher.finalize().into())
}

/// Domain-separation strings. Every one ends in a NUL byte so that no domain is a prefix of another
/// message's meaningful content (docs/format.md#domains).
pub mod domain {
    /// Prefix of the message an agency signs for a record (everything but the signature).
    pub const RECORD: &[u8] = b"registration-ledger/record/v1\0";
    /// Prefix of the message an evidence service signs for one evidence hash.
    pub const EVIDENCE: &[u8] = b"registration-ledger/evidence/v1\0";
    /// Prefix of a salted per-field commitment.
    pub const FIELD_COMMITMENT: &[u8] = b"registration-ledger/field/v1\0";
    /// Prefix of the content commitment of a certificate (public fields and field commitments).
    pub const CONTENT_COMMITMENT: &[u8] = b"registration-ledger/content/v1\0";
    /// Prefix of the status-map key derived from a certificate code.
    pub const MAP_KEY: &[u8] = b"registration-ledger/map-key/v1\0";
    /// Prefix of the status-map value hash (the hash of an encoded certificate state).
    pub const MAP_VALUE: &[u8] = b"registration-ledger/map-value/v1\0";
    /// Prefix of a rule profile's digest (how a membership file pins a profile of its own).
    pub const PROFILE: &[u8] = b"registration-ledger/profile/v1\0";
    /// Prefix of the commitment to the officer who acted for the agency on a record.
    pub const OFFICER: &[u8] = b"registration-ledger/officer/v1\0";
    /// Prefix of the transcript that seeds a batch verification's random coefficients (not a
    /// signed or stored message: a value only the verifier computes).
    pub const BATCH_VERIFY: &[u8] = b"registration-ledger/batch-verify/v1\0";
    /// Prefix of the commitment to an individual registrant's identity document.
    pub const IDENTITY: &[u8] = b"registration-ledger/identity/v1\0";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_known_answer() {
        // FIPS 180-2 appendix B.1.
        assert_eq!(
            sha256(b"abc").to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sha256_parts(&[b"a", b"", b"bc"]), sha256(b"abc"));
    }

    #[test]
    fn sm3_known_answers() {
        // GB/T 32905-2016 appendix A (also GM/T 0004-2012 appendix A): example 1, the 3-byte
        // message "abc"; example 2, the 64-byte message "abcd" repeated 16 times.
        assert_eq!(
            sm3(b"abc").to_hex(),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            sm3(&b"abcd".repeat(16)).to_hex(),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
        assert_eq!(sm3_parts(&[b"ab", b"", b"c"]), sm3(b"abc"));
    }

    #[test]
    fn hex_round_trip_and_rejects() {
        let h = sha256(b"x");
        assert_eq!(Hash::from_hex(&h.to_hex()).unwrap(), h);
        assert_eq!(Hash::from_hex(&h.to_hex().to_uppercase()).unwrap(), h);
        assert!(Hash::from_hex("00").is_err());
        assert!(Hash::from_hex(&"g".repeat(64)).is_err());
    }

    #[test]
    fn domains_are_distinct_and_nul_terminated() {
        let all = [
            domain::RECORD,
            domain::EVIDENCE,
            domain::FIELD_COMMITMENT,
            domain::CONTENT_COMMITMENT,
            domain::MAP_KEY,
            domain::MAP_VALUE,
        ];
        for (i, a) in all.iter().enumerate() {
            assert_eq!(a.last(), Some(&0));
            for b in &all[i + 1..] {
                assert!(!a.starts_with(b) && !b.starts_with(a));
            }
        }
    }
}
