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
use crate::suite::Suite;
use crate::suite::sm2::{SM2_PUBLIC_KEY_LEN, Sm2PublicKey, Sm2Signature, Sm2SigningKey};

/// Length of an Ed25519 public key in bytes.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of a signature in bytes, in both suites (Ed25519 `R ‖ S`; SM2 `r ‖ s`).
pub const SIGNATURE_LEN: usize = 64;

/// A public key of either suite ([`Suite`]): an Ed25519 key (32 bytes, RFC 8032 encoding) or an
/// SM2 key (65 bytes, the uncompressed point, [`Sm2PublicKey`]).
///
/// In canonical (BCS) form a key is its raw bytes with no tag or length: 32 bytes for Ed25519,
/// exactly as before suites existed, and 65 for SM2. Which of the two a decoder reads is the suite
/// of the artefact that holds the key (a record says its suite before its header,
/// docs/format.md#records), never the bytes themselves. In JSON a key is lowercase hex, and its
/// length says its kind.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PublicKey {
    /// An Ed25519 key (suite `ed25519-sha256`).
    Ed25519([u8; PUBLIC_KEY_LEN]),
    /// An SM2 key (suite `sm2-sm3`).
    Sm2(Sm2PublicKey),
}

/// A signature (64 bytes in both suites); the key that checks it says how to read it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u8; SIGNATURE_LEN]);

fixed_bytes_serde!(Signature, SIGNATURE_LEN);

thread_local! {
    /// The suite whose keys [`PublicKey`]'s canonical decoding reads (see [`DecodeKeysAs`]).
    static DECODE_SUITE: std::cell::Cell<Suite> = const { std::cell::Cell::new(Suite::Ed25519Sha256) };
}

/// While alive, canonical (BCS) decoding of a [`PublicKey`] on this thread reads keys of `suite`;
/// dropping it restores the suite that was in force before. A record's decoder holds one from the
/// moment it has read its suite byte until it has read its signature, so the keys in its header and
/// body take the record's suite. Decoding outside any scope reads Ed25519 keys.
#[must_use = "the scope ends when this value is dropped"]
pub(crate) struct DecodeKeysAs {
    previous: Suite,
}

impl DecodeKeysAs {
    pub(crate) fn new(suite: Suite) -> DecodeKeysAs {
        DecodeKeysAs {
            previous: DECODE_SUITE.with(|cell| cell.replace(suite)),
        }
    }
}

impl Drop for DecodeKeysAs {
    fn drop(&mut self) {
        DECODE_SUITE.with(|cell| cell.set(self.previous));
    }
}

impl serde::Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&self.to_hex())
        } else {
            use serde::ser::SerializeTuple;
            let bytes = self.as_bytes();
            let mut t = s.serialize_tuple(bytes.len())?;
            for b in bytes {
                t.serialize_element(b)?;
            }
            t.end()
        }
    }
}

impl<'de> serde::Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        struct Bytes(usize);
        impl<'de> serde::de::Visitor<'de> for Bytes {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "a public key of {} bytes", self.0)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
                let mut out = Vec::with_capacity(self.0);
                for i in 0..self.0 {
                    out.push(
                        seq.next_element()?
                            .ok_or_else(|| serde::de::Error::invalid_length(i, &self))?,
                    );
                }
                Ok(out)
            }
        }
        if d.is_human_readable() {
            let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            let bytes = crate::encoding::from_hex(&text).map_err(D::Error::custom)?;
            PublicKey::from_slice(&bytes).map_err(D::Error::custom)
        } else {
            let suite = DECODE_SUITE.with(std::cell::Cell::get);
            let bytes = d.deserialize_tuple(suite.public_key_len(), Bytes(suite.public_key_len()))?;
            PublicKey::from_suite_bytes(suite, &bytes).map_err(D::Error::custom)
        }
    }
}

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
    /// The suite the key belongs to.
    pub fn suite(&self) -> Suite {
        match self {
            PublicKey::Ed25519(_) => Suite::Ed25519Sha256,
            PublicKey::Sm2(_) => Suite::Sm2Sm3,
        }
    }

    /// The key's canonical bytes: 32 (Ed25519) or 65 (SM2).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            PublicKey::Ed25519(bytes) => bytes,
            PublicKey::Sm2(key) => &key.0,
        }
    }

    /// The key of `suite` whose canonical bytes are `bytes`. Only the length is checked here; a
    /// key that is not a point is refused when it is used ([`PublicKey::verify`]).
    ///
    /// # Errors
    /// [`SignatureError::BadKey`] or [`SignatureError::BadSm2Key`] for the wrong length.
    pub fn from_suite_bytes(suite: Suite, bytes: &[u8]) -> Result<PublicKey, SignatureError> {
        match suite {
            Suite::Ed25519Sha256 => <[u8; PUBLIC_KEY_LEN]>::try_from(bytes)
                .map(PublicKey::Ed25519)
                .map_err(|_| SignatureError::BadKey),
            Suite::Sm2Sm3 => <[u8; SM2_PUBLIC_KEY_LEN]>::try_from(bytes)
                .map(|bytes| PublicKey::Sm2(Sm2PublicKey(bytes)))
                .map_err(|_| SignatureError::BadSm2Key("not 65 bytes: give the uncompressed form 04 || x || y")),
        }
    }

    /// The key whose canonical bytes are `bytes`, its suite told by the length: 32 bytes are an
    /// Ed25519 key, 65 an SM2 key (as in JSON and key texts).
    ///
    /// # Errors
    /// [`SignatureError::BadKey`] for any other length.
    pub fn from_slice(bytes: &[u8]) -> Result<PublicKey, SignatureError> {
        match bytes.len() {
            PUBLIC_KEY_LEN => PublicKey::from_suite_bytes(Suite::Ed25519Sha256, bytes),
            SM2_PUBLIC_KEY_LEN => PublicKey::from_suite_bytes(Suite::Sm2Sm3, bytes),
            _ => Err(SignatureError::BadKey),
        }
    }

    /// Parses lowercase or uppercase hex: 64 digits for Ed25519, 130 for SM2.
    ///
    /// # Errors
    /// [`DecodeError::Invalid`](crate::DecodeError::Invalid) when it is not hex of one of those lengths.
    pub fn from_hex(text: &str) -> Result<PublicKey, crate::DecodeError> {
        let bytes = crate::encoding::from_hex(text)?;
        PublicKey::from_slice(&bytes).map_err(|_| {
            crate::DecodeError::invalid(
                "public key",
                "not 64 hex digits (ed25519) or 130 (sm2, uncompressed)",
            )
        })
    }

    /// Verifies `signature` over `message` by the rule of the key's suite: ZIP-215 for Ed25519
    /// (module documentation, the same rule as [`verify_batch`]'s), GB/T 32918.2 for SM2 with the
    /// default distinguishing ID ([`crate::suite::sm2`]).
    ///
    /// # Errors
    /// [`SignatureError::BadKey`] / [`SignatureError::BadSm2Key`] when the key is not a curve
    /// point; [`SignatureError::BadSignature`] when the signature does not verify (including a
    /// non-canonical `S` or an `R` off the curve).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), SignatureError> {
        match self {
            PublicKey::Ed25519(bytes) => {
                let key = ed25519_zebra::VerificationKey::try_from(*bytes)
                    .map_err(|_| SignatureError::BadKey)?;
                let sig = ed25519_zebra::Signature::from_bytes(&signature.0);
                key.verify(&sig, message)
                    .map_err(|_| SignatureError::BadSignature)
            }
            PublicKey::Sm2(key) => key.verify(message, &Sm2Signature(signature.0)),
        }
    }

    /// Checks that the key may be registered (an evidence service, the agency's next log key, a
    /// witness). Ed25519: a point, encoded canonically, of prime order (no small-order component).
    /// SM2: the uncompressed encoding of a point of the curve other than the identity (the curve's
    /// cofactor is 1, so every such point has prime order).
    ///
    /// # Errors
    /// [`SignatureError::BadKey`] when it is not a point; [`SignatureError::WeakKey`] otherwise;
    /// [`SignatureError::BadSm2Key`] for SM2.
    pub fn check_registrable(&self) -> Result<(), SignatureError> {
        let bytes = match self {
            PublicKey::Ed25519(bytes) => *bytes,
            PublicKey::Sm2(key) => return key.check_registrable(),
        };
        let point = curve25519_dalek::edwards::CompressedEdwardsY(bytes)
            .decompress()
            .ok_or(SignatureError::BadKey)?;
        if point.compress().to_bytes() != bytes {
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

    /// The suite's hash of the key bytes (SHA-256 or SM3): a stable identifier for indexes and logs.
    pub fn fingerprint(&self) -> Hash {
        self.suite().hash(self.as_bytes())
    }

    /// Lowercase hex of the key.
    pub fn to_hex(&self) -> String {
        crate::encoding::to_hex(self.as_bytes())
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey::Ed25519({})", self.to_hex())
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

/// Verifies every `(key, message, signature)` of `items` at once: `Ok` exactly when
/// [`PublicKey::verify`] accepts each one (a batch that fails says only that one item is bad:
/// check them one by one to name it). Ed25519 signatures are checked together by the ZIP-215
/// rules, about twice as fast per signature as single checks when the batch has few distinct
/// keys; SM2 signatures, which have no batch equation, one by one.
///
/// The batch's random coefficients come from a ChaCha20 stream seeded with SHA-256 over every
/// Ed25519 item (key, signature, SHA-256 of the message), so the check is deterministic and needs
/// no random source, and the coefficients cannot be known before every signature is fixed: finding
/// a batch that passes with a bad signature is as hard as guessing a 128-bit value.
///
/// # Errors
/// [`SignatureError::BadKey`] / [`SignatureError::BadSm2Key`] when a key is not a curve point;
/// [`SignatureError::BadSignature`] when the batch does not verify.
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
        let bytes = match key {
            PublicKey::Ed25519(bytes) => *bytes,
            PublicKey::Sm2(_) => {
                key.verify(message, signature)?;
                continue;
            }
        };
        let zebra_bytes = ed25519_zebra::VerificationKeyBytes::from(bytes);
        if keys.insert(bytes) {
            ed25519_zebra::VerificationKey::try_from(zebra_bytes)
                .map_err(|_| SignatureError::BadKey)?;
        }
        transcript.update(bytes);
        transcript.update(signature.0);
        transcript.update(sha256(message).0);
        let sig = ed25519_zebra::Signature::from_bytes(&signature.0);
        verifier.queue((zebra_bytes, sig, message));
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
        PublicKey::Ed25519(self.0.verifying_key().to_bytes())
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

/// Why a [`Signer`] could not sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// SM2 signing failed ([`crate::suite::sm2::Sm2Error`]).
    #[error("sm2 signing failed: {0}")]
    Sm2(#[from] crate::suite::sm2::Sm2Error),
    /// The key lives in a device (a PKCS#11 token) that did not sign; the text says why.
    #[error("the signing device failed: {0}")]
    Device(String),
}

/// Something that holds a secret key and signs with it: a key in memory ([`SigningKey`],
/// [`Sm2SigningKey`]) or a key in a hardware security module, which never leaves it (the node's
/// PKCS#11 backend). Log keys, witness keys and evidence-service keys are used through this trait,
/// so that where a key lives is a matter of configuration.
pub trait Signer: Send + Sync + std::fmt::Debug {
    /// The public key of the secret key that signs.
    fn public_key(&self) -> PublicKey;

    /// Signs `message` by the rule of the key's suite (pure Ed25519, RFC 8032 §5.1.6; or SM2 with
    /// the default distinguishing ID, GB/T 32918.2).
    ///
    /// # Errors
    /// [`SignError`] when the key's device or the algorithm fails.
    fn sign(&self, message: &[u8]) -> Result<Signature, SignError>;
}

impl Signer for SigningKey {
    fn public_key(&self) -> PublicKey {
        SigningKey::public_key(self)
    }

    fn sign(&self, message: &[u8]) -> Result<Signature, SignError> {
        Ok(SigningKey::sign(self, message))
    }
}

impl Signer for Sm2SigningKey {
    fn public_key(&self) -> PublicKey {
        PublicKey::Sm2(Sm2SigningKey::public_key(self))
    }

    fn sign(&self, message: &[u8]) -> Result<Signature, SignError> {
        Ok(Signature(Sm2SigningKey::sign(self, message)?.0))
    }
}

/// A secret key held in memory, of either suite: what a key file holds.
#[derive(Clone, Debug)]
pub enum SecretKey {
    /// An Ed25519 key (RFC 8032 seed).
    Ed25519(SigningKey),
    /// An SM2 key (the secret scalar).
    Sm2(Sm2SigningKey),
}

impl SecretKey {
    /// The key of `suite` whose 32 secret bytes (an Ed25519 seed, an SM2 scalar, big-endian) are
    /// `bytes`. Callers draw fresh bytes from the OS's random source.
    ///
    /// # Errors
    /// [`SignError::Sm2`] for an SM2 scalar outside `[1, n-2]` (for random bytes, about one in
    /// 2^32 draws: draw again).
    pub fn from_secret_bytes(suite: Suite, bytes: &[u8; 32]) -> Result<SecretKey, SignError> {
        Ok(match suite {
            Suite::Ed25519Sha256 => SecretKey::Ed25519(SigningKey::from_seed(bytes)),
            Suite::Sm2Sm3 => SecretKey::Sm2(Sm2SigningKey::from_secret_bytes(bytes)?),
        })
    }

    /// The 32 secret bytes, for writing the key file.
    pub fn secret_bytes(&self) -> [u8; 32] {
        match self {
            SecretKey::Ed25519(key) => key.seed(),
            SecretKey::Sm2(key) => key.secret_bytes(),
        }
    }

    /// The key's suite.
    pub fn suite(&self) -> Suite {
        match self {
            SecretKey::Ed25519(_) => Suite::Ed25519Sha256,
            SecretKey::Sm2(_) => Suite::Sm2Sm3,
        }
    }
}

impl From<SigningKey> for SecretKey {
    fn from(key: SigningKey) -> SecretKey {
        SecretKey::Ed25519(key)
    }
}

impl From<Sm2SigningKey> for SecretKey {
    fn from(key: Sm2SigningKey) -> SecretKey {
        SecretKey::Sm2(key)
    }
}

impl Signer for SecretKey {
    fn public_key(&self) -> PublicKey {
        match self {
            SecretKey::Ed25519(key) => Signer::public_key(key),
            SecretKey::Sm2(key) => Signer::public_key(key),
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Signature, SignError> {
        match self {
            SecretKey::Ed25519(key) => Signer::sign(key, message),
            SecretKey::Sm2(key) => Signer::sign(key, message),
        }
    }
}

impl<T: Signer + ?Sized> Signer for std::sync::Arc<T> {
    fn public_key(&self) -> PublicKey {
        (**self).public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<Signature, SignError> {
        (**self).sign(message)
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
                PublicKey::Ed25519(bytes)
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
