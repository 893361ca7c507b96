//! Ed25519 keys and signatures as the ledger encodes them (docs/format.md#keys).
//!
//! [`PublicKey`] and [`Signature`] are plain byte arrays on the wire; a key that is not a valid curve
//! point is caught when it is used to verify, with a clear error, never at decode time (so that a
//! record naming a bad key still decodes and can be reported as tampered).

use crate::encoding::fixed_bytes_serde;
use crate::hash::{Hash, sha256};

/// Length of an Ed25519 public key in bytes.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of an Ed25519 signature in bytes.
pub const SIGNATURE_LEN: usize = 64;

/// An Ed25519 public key (32 bytes, RFC 8032 encoding).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicKey(pub [u8; PUBLIC_KEY_LEN]);

/// An Ed25519 signature (64 bytes, RFC 8032 encoding).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u8; SIGNATURE_LEN]);

fixed_bytes_serde!(PublicKey, PUBLIC_KEY_LEN);
fixed_bytes_serde!(Signature, SIGNATURE_LEN);

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The public key bytes are not a valid Ed25519 point.
    #[error("public key is not a valid ed25519 point")]
    BadKey,
    /// The signature does not verify under the key.
    #[error("signature does not verify")]
    BadSignature,
}

impl PublicKey {
    /// Verifies `signature` over `message` with RFC 8032 strict rules (`verify_strict`: no small-order
    /// keys, canonical `S`), so that one message has no malleable second signature.
    ///
    /// # Errors
    /// [`SignatureError`] when the key is invalid or the signature does not verify.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), SignatureError> {
        let key = self.to_dalek()?;
        let sig = ed25519_dalek::Signature::from_bytes(&signature.0);
        key.verify_strict(message, &sig)
            .map_err(|_| SignatureError::BadSignature)
    }

    /// The dalek verifying key.
    ///
    /// # Errors
    /// [`SignatureError::BadKey`] when the bytes are not a valid point.
    pub fn to_dalek(&self) -> Result<ed25519_dalek::VerifyingKey, SignatureError> {
        ed25519_dalek::VerifyingKey::from_bytes(&self.0).map_err(|_| SignatureError::BadKey)
    }

    /// SHA-256 of the key bytes: a stable identifier for indexes and logs.
    pub fn fingerprint(&self) -> Hash {
        sha256(&self.0)
    }

    /// Lowercase hex of the key.
    pub fn to_hex(&self) -> String {
        crate::encoding::to_hex(&self.0)
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

impl std::fmt::Display for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({})", crate::encoding::to_hex(&self.0))
    }
}

/// An Ed25519 signing key. Its `Debug` never shows the secret, and it is zeroized on drop.
#[derive(Clone)]
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// The key whose RFC 8032 secret seed is `seed`. Callers draw the seed from the OS's random source.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        SigningKey(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// The 32-byte secret seed, for writing the key file.
    pub fn seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Signs `message` (pure Ed25519, RFC 8032 §5.1.6).
    pub fn sign(&self, message: &[u8]) -> Signature {
        use ed25519_dalek::Signer;
        Signature(self.0.sign(message).to_bytes())
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey(public={}, ..)", self.public_key().to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8032_test_1() {
        // RFC 8032 §7.1, TEST 1 (empty message).
        let seed: [u8; 32] = crate::encoding::from_hex_array(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        )
        .unwrap();
        let key = SigningKey::from_seed(&seed);
        assert_eq!(
            key.public_key().to_hex(),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let sig = key.sign(b"");
        assert_eq!(
            crate::encoding::to_hex(&sig.0),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        assert_eq!(key.public_key().verify(b"", &sig), Ok(()));
        assert_eq!(
            key.public_key().verify(b"x", &sig),
            Err(SignatureError::BadSignature)
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        let key = SigningKey::from_seed(&[7; 32]);
        let shown = format!("{key:?}");
        assert!(!shown.contains(&crate::encoding::to_hex(&key.seed())));
    }
}
