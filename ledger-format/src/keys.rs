//! Ed25519 keys and signatures as the ledger encodes them (docs/format.md#keys).
//!
//! [`PublicKey`] and [`Signature`] are plain byte arrays on the wire; a key that is not a valid curve
//! point is caught when it is used to verify, with a clear error, never at decode time (so that a
//! record naming a bad key still decodes and can be reported as tampered).
//!
//! **One validity rule, ZIP-215** (docs/format.md#keys): `S` canonical (`S < L`); `A` and `R` any
//! encoding that decodes to a curve point, canonical or not; the cofactored equation
//! `[8][S]B = [8]R + [8][k]A` with `k = SHA-512(R ‖ A ‖ M)` over the bytes as given. Single
//! ([`PublicKey::verify`]) and batch ([`verify_batch`]) checks are `ed25519-zebra`'s, which accept
//! exactly the same signatures by construction, so a replica that batch-verifies accepts exactly
//! what a writer that checked one by one accepted. Keys are held to more when they are registered
//! ([`PublicKey::check_registrable`]): a canonical encoding of a point of prime order.

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
    /// The key decodes, but may not be registered: not canonically encoded, or of small or mixed
    /// order (signatures under such a key can verify for many messages or in several ways).
    #[error("public key may not be registered: {0}")]
    WeakKey(&'static str),
    /// The bytes are not an SM2 public key in the form the ledger accepts (the uncompressed point
    /// of the SM2 curve, [`crate::suite::sm2`]); the text says what is wrong.
    #[error("public key is not a valid sm2 key: {0}")]
    BadSm2Key(&'static str),
    /// The signature does not verify under the key.
    #[error("signature does not verify")]
    BadSignature,
}

impl PublicKey {
    /// Verifies `signature` over `message` by the ZIP-215 rules (module documentation): the one
    /// rule for every signature the ledger accepts, the same as [`verify_batch`]'s.
    ///
    /// # Errors
    /// [`SignatureError::BadKey`] when the key is not a curve point; [`SignatureError::BadSignature`]
    /// when the signature does not verify (including a non-canonical `S` or an `R` off the curve).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), SignatureError> {
        let key =
            ed25519_zebra::VerificationKey::try_from(self.0).map_err(|_| SignatureError::BadKey)?;
        let sig = ed25519_zebra::Signature::from_bytes(&signature.0);
        key.verify(&sig, message)
            .map_err(|_| SignatureError::BadSignature)
    }

    /// Checks that the key may be registered (an evidence service, the agency's next log key, a
    /// witness): a point, encoded canonically, of prime order (no small-order component).
    ///
    /// # Errors
    /// [`SignatureError::BadKey`] when it is not a point; [`SignatureError::WeakKey`] otherwise.
    pub fn check_registrable(&self) -> Result<(), SignatureError> {
        let point = curve25519_dalek::edwards::CompressedEdwardsY(self.0)
            .decompress()
            .ok_or(SignatureError::BadKey)?;
        if point.compress().to_bytes() != self.0 {
            return Err(SignatureError::WeakKey("not canonically encoded"));
        }
        if point.is_small_order() {
            return Err(SignatureError::WeakKey("of small order"));
        }
        if !point.is_torsion_free() {
            return Err(SignatureError::WeakKey("with a small-order component"));
        }
        Ok(())
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

/// Verifies every `(key, message, signature)` of `items` at once by the ZIP-215 rules: `Ok` exactly
/// when [`PublicKey::verify`] accepts each one (a batch that fails says only that one item is bad:
/// check them one by one to name it). About twice as fast per signature as single checks when the
/// batch has few distinct keys.
///
/// The batch's random coefficients come from a ChaCha20 stream seeded with SHA-256 over every
/// item (key, signature, SHA-256 of the message), so the check is deterministic and needs no
/// random source, and the coefficients cannot be known before every signature is fixed: finding
/// a batch that passes with a bad signature is as hard as guessing a 128-bit value.
///
/// # Errors
/// [`SignatureError::BadKey`] when a key is not a curve point; [`SignatureError::BadSignature`]
/// when the batch does not verify.
pub fn verify_batch<'a>(
    items: impl IntoIterator<Item = (&'a PublicKey, &'a [u8], &'a Signature)>,
) -> Result<(), SignatureError> {
    use rand_core::SeedableRng;
    use sha2::Digest;
    let mut verifier = ed25519_zebra::batch::Verifier::new();
    let mut transcript = sha2::Sha256::new();
    transcript.update(crate::hash::domain::BATCH_VERIFY);
    // Each distinct key is decoded once here (to name a key that is not a point) and once by the
    // verifier, which groups the signatures by key: a batch has few distinct keys.
    let mut keys = std::collections::BTreeSet::new();
    for (key, message, signature) in items {
        let bytes = ed25519_zebra::VerificationKeyBytes::from(key.0);
        if keys.insert(key.0) {
            ed25519_zebra::VerificationKey::try_from(bytes).map_err(|_| SignatureError::BadKey)?;
        }
        transcript.update(key.0);
        transcript.update(signature.0);
        transcript.update(sha256(message).0);
        let sig = ed25519_zebra::Signature::from_bytes(&signature.0);
        verifier.queue((bytes, sig, message));
    }
    let seed: [u8; 32] = transcript.finalize().into();
    verifier
        .verify(rand_chacha::ChaCha20Rng::from_seed(seed))
        .map_err(|_| SignatureError::BadSignature)
}

/// Checks every `(key, message, signature)` of `items` and says which verify: [`verify_batch`] over
/// all of them, and only when the batch fails, [`PublicKey::verify`] one by one to name the bad
/// ones. The answer is the same as checking each alone (the one ZIP-215 rule), at batch speed when
/// all are good.
pub fn verify_each<'a>(items: &[(&'a PublicKey, &'a [u8], &'a Signature)]) -> Vec<bool> {
    if verify_batch(items.iter().copied()).is_ok() {
        return vec![true; items.len()];
    }
    items
        .iter()
        .map(|(key, message, signature)| key.verify(message, signature).is_ok())
        .collect()
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
    fn batches_name_their_bad_signatures_as_single_checks_would() {
        let keys: Vec<SigningKey> = (1..=5).map(|n| SigningKey::from_seed(&[n; 32])).collect();
        let publics: Vec<PublicKey> = keys.iter().map(SigningKey::public_key).collect();
        let messages: Vec<Vec<u8>> = (0..300).map(|i| format!("m{i}").into_bytes()).collect();
        let mut signatures: Vec<Signature> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| keys[i % 5].sign(m))
            .collect();
        fn items<'a>(
            publics: &'a [PublicKey],
            messages: &'a [Vec<u8>],
            signatures: &'a [Signature],
        ) -> Vec<(&'a PublicKey, &'a [u8], &'a Signature)> {
            (0..messages.len())
                .map(|i| (&publics[i % 5], messages[i].as_slice(), &signatures[i]))
                .collect()
        }
        let good = signatures.clone();
        let all = items(&publics, &messages, &good);
        assert_eq!(verify_batch(all.iter().copied()), Ok(()));
        assert_eq!(verify_each(&all), vec![true; 300]);
        // Two bad ones: another key's signature, and a flipped bit.
        signatures[17] = keys[0].sign(&messages[18]);
        signatures[250].0[5] ^= 1;
        let bad = items(&publics, &messages, &signatures);
        assert_eq!(
            verify_batch(bad.iter().copied()),
            Err(SignatureError::BadSignature)
        );
        let named = verify_each(&bad);
        let single: Vec<bool> = bad.iter().map(|(k, m, s)| k.verify(m, s).is_ok()).collect();
        assert_eq!(named, single);
        assert_eq!(
            named
                .iter()
                .enumerate()
                .filter(|(_, ok)| !**ok)
                .map(|(i, _)| i)
                .collect::<Vec<_>>(),
            [17, 250]
        );
        // A key that is not a point fails the whole batch, and is named alone.
        let not_a_point = (2u8..)
            .map(|y| {
                let mut bytes = [0; 32];
                bytes[0] = y;
                PublicKey(bytes)
            })
            .find(|key| key.check_registrable() == Err(SignatureError::BadKey))
            .unwrap();
        let mut with_bad_key = all.clone();
        with_bad_key[3].0 = &not_a_point;
        assert_eq!(
            verify_batch(with_bad_key.iter().copied()),
            Err(SignatureError::BadKey)
        );
        assert_eq!(
            verify_each(&with_bad_key).iter().filter(|ok| !**ok).count(),
            1
        );
        // The empty batch verifies.
        assert_eq!(verify_batch(std::iter::empty()), Ok(()));
    }

    #[test]
    fn debug_hides_the_secret() {
        let key = SigningKey::from_seed(&[7; 32]);
        let shown = format!("{key:?}");
        assert!(!shown.contains(&crate::encoding::to_hex(&key.seed())));
    }
}
