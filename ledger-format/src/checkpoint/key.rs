//! Note keys: key IDs, verifier keys (`name+hexid+base64`) and signer keys (`PRIVATE+KEY+...`).
//!
//! c2sp.org/signed-note "Signatures": `key ID = SHA-256(key name || 0x0A || type || public key)[:4]`.
//! The text forms are those of Go's `golang.org/x/mod/sumdb/note` (docs/format.md#checkpoint-keys).

use std::sync::Arc;

use crate::encoding::{fixed_bytes_serde, from_base64, to_base64};
use crate::keys::{PublicKey, SecretKey, Signer};
use crate::suite::Suite;

/// Length of a key ID in bytes.
pub const KEY_ID_LEN: usize = 4;

/// Prefix of the signer-key text form, so that a secret key is never mistaken for a public one.
const SIGNER_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// The 4-byte key ID that starts every note signature (a big-endian `uint32` in the spec).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; KEY_ID_LEN]);

fixed_bytes_serde!(KeyId, KEY_ID_LEN);

impl KeyId {
    /// The ID as the spec's big-endian `uint32`.
    pub fn to_u32(self) -> u32 {
        u32::from_be_bytes(self.0)
    }
}

impl std::fmt::Display for KeyId {
    /// Eight lowercase hex digits, as in verifier keys.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::encoding::to_hex(&self.0))
    }
}

impl std::fmt::Debug for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// The signature types this crate signs and verifies (c2sp.org/signed-note "Signature types";
/// docs/format.md#key-ids-and-signature-types).
///
/// The spec assigns bytes to Ed25519 types only; SM2 types use the byte it reserves for types
/// without one, `0xff`, followed by a longer identifier: an ASCII name ending in a NUL byte, so that
/// no identifier is a prefix of another and a reader knows where the key starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureType {
    /// `0x01`: Ed25519 over the note text; used by a log for its checkpoints.
    Ed25519,
    /// `0x04`: timestamped Ed25519 witness cosignature, c2sp.org/tlog-cosignature `cosignature/v1`.
    CosignatureV1,
    /// `0xff "registration-ledger/sm2-note/v1" 0x00`: SM2 over the note text; used by an
    /// `sm2-sm3` log for its checkpoints.
    Sm2,
    /// `0xff "registration-ledger/sm2-cosignature/v1" 0x00`: a timestamped SM2 witness
    /// cosignature, the message and line layout of `cosignature/v1` with an SM2 signature.
    Sm2CosignatureV1,
}

/// The type bytes of [`SignatureType::Sm2`].
const SM2_NOTE_TYPE: &[u8] = b"\xffregistration-ledger/sm2-note/v1\0";
/// The type bytes of [`SignatureType::Sm2CosignatureV1`].
const SM2_COSIGNATURE_TYPE: &[u8] = b"\xffregistration-ledger/sm2-cosignature/v1\0";

impl SignatureType {
    /// Every type, log types first.
    pub const ALL: [SignatureType; 4] = [
        SignatureType::Ed25519,
        SignatureType::Sm2,
        SignatureType::CosignatureV1,
        SignatureType::Sm2CosignatureV1,
    ];

    /// The first type byte (`0x01`, `0x04`, or `0xff` for the SM2 types).
    pub fn byte(self) -> u8 {
        self.type_bytes()[0]
    }

    /// The whole signature type as hashed into the key ID and written before the key in a key
    /// text: one byte for the Ed25519 types, `0xff`, an identifier and a NUL for the SM2 ones.
    pub fn type_bytes(self) -> &'static [u8] {
        match self {
            SignatureType::Ed25519 => &[0x01],
            SignatureType::CosignatureV1 => &[0x04],
            SignatureType::Sm2 => SM2_NOTE_TYPE,
            SignatureType::Sm2CosignatureV1 => SM2_COSIGNATURE_TYPE,
        }
    }

    /// The type with identifier byte `byte`, if this crate supports it and it needs no longer
    /// identifier (the Ed25519 types).
    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0x01 => Some(SignatureType::Ed25519),
            0x04 => Some(SignatureType::CosignatureV1),
            _ => None,
        }
    }

    /// Splits `typed` (`type ‖ key`) into the type it starts with and the rest.
    fn split(typed: &[u8]) -> Result<(SignatureType, &[u8]), KeyError> {
        let first = *typed.first().ok_or(KeyError::Malformed("empty key"))?;
        SignatureType::ALL
            .into_iter()
            .find_map(|kind| typed.strip_prefix(kind.type_bytes()).map(|rest| (kind, rest)))
            .ok_or(KeyError::UnsupportedType(first))
    }

    /// The suite whose keys make signatures of this type.
    pub fn suite(self) -> Suite {
        match self {
            SignatureType::Ed25519 | SignatureType::CosignatureV1 => Suite::Ed25519Sha256,
            SignatureType::Sm2 | SignatureType::Sm2CosignatureV1 => Suite::Sm2Sm3,
        }
    }

    /// True for the witness types (a timestamp before the signature), false for the log types.
    pub fn is_cosignature(self) -> bool {
        matches!(
            self,
            SignatureType::CosignatureV1 | SignatureType::Sm2CosignatureV1
        )
    }

    /// The type a log of `suite` signs its checkpoints with.
    pub fn log(suite: Suite) -> SignatureType {
        match suite {
            Suite::Ed25519Sha256 => SignatureType::Ed25519,
            Suite::Sm2Sm3 => SignatureType::Sm2,
        }
    }

    /// The type a witness key of `suite` cosigns with.
    pub fn cosignature(suite: Suite) -> SignatureType {
        match suite {
            Suite::Ed25519Sha256 => SignatureType::CosignatureV1,
            Suite::Sm2Sm3 => SignatureType::Sm2CosignatureV1,
        }
    }
}

/// Why a key name or a key text did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The name is empty or holds a Unicode space, a `+` or a control character.
    #[error("invalid key name")]
    InvalidName,
    /// The text is not `name+hexid+base64` (or `PRIVATE+KEY+name+hexid+base64`).
    #[error("malformed key text: {0}")]
    Malformed(&'static str),
    /// The key's type byte is not one this crate supports.
    #[error("unsupported signature type 0x{0:02x}")]
    UnsupportedType(u8),
    /// The key ID written in the text is not the one derived from the name and key.
    #[error("key id does not match the name and key")]
    KeyIdMismatch,
    /// The key is not of the suite the signature type needs (an SM2 key for an Ed25519 type, or
    /// the reverse).
    #[error("a {key} key cannot make {kind:?} signatures")]
    WrongKeySuite {
        /// The signature type.
        kind: SignatureType,
        /// The key's suite.
        key: Suite,
    },
}

/// Whether `name` is a valid note key name: non-empty, no Unicode white space (the `White_Space`
/// property, as Go's `unicode.IsSpace`), no `+`, and (our addition) no control character, since a
/// note may not contain one.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// The key ID of `public_key` under `name` and `kind`: `H(name || 0x0A || type || key)[:4]`, where
/// `H` is the hash of the key's suite (SHA-256, as the spec recommends, for Ed25519 keys; SM3 for
/// SM2 keys, whose types the spec leaves to us) and `type` is [`SignatureType::type_bytes`].
pub fn key_id(name: &str, kind: SignatureType, public_key: &PublicKey) -> KeyId {
    let digest = public_key.suite().hash_parts(&[
        name.as_bytes(),
        b"\n",
        kind.type_bytes(),
        public_key.as_bytes(),
    ]);
    let mut id = [0u8; KEY_ID_LEN];
    id.copy_from_slice(&digest.0[..KEY_ID_LEN]);
    KeyId(id)
}

/// A trusted public key: name, signature type and Ed25519 key, with its derived key ID.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VerifierKey {
    name: String,
    kind: SignatureType,
    key: PublicKey,
    id: KeyId,
}

impl VerifierKey {
    /// A log key: Ed25519 note signatures (type `0x01`).
    ///
    /// # Errors
    /// [`KeyError::InvalidName`] when `name` is not a valid key name.
    pub fn ed25519(name: &str, key: PublicKey) -> Result<Self, KeyError> {
        Self::new(name, SignatureType::Ed25519, key)
    }

    /// A witness key: `cosignature/v1` timestamped cosignatures (type `0x04`).
    ///
    /// # Errors
    /// [`KeyError::InvalidName`] when `name` is not a valid key name.
    pub fn cosignature_v1(name: &str, key: PublicKey) -> Result<Self, KeyError> {
        Self::new(name, SignatureType::CosignatureV1, key)
    }

    /// A key of any supported type.
    ///
    /// # Errors
    /// [`KeyError::InvalidName`] when `name` is not a valid key name;
    /// [`KeyError::WrongKeySuite`] when the key is not of the type's suite.
    pub fn new(name: &str, kind: SignatureType, key: PublicKey) -> Result<Self, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName);
        }
        if key.suite() != kind.suite() {
            return Err(KeyError::WrongKeySuite {
                kind,
                key: key.suite(),
            });
        }
        let id = key_id(name, kind, &key);
        Ok(VerifierKey {
            name: name.to_owned(),
            kind,
            key,
            id,
        })
    }

    /// Parses `name+hexid+base64(type || key)`. The hex ID may be in either case (as Go accepts);
    /// it must equal the ID derived from the name and key.
    ///
    /// # Errors
    /// Any [`KeyError`].
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let (name, rest) = text
            .split_once('+')
            .ok_or(KeyError::Malformed("missing '+'"))?;
        let (id_hex, key_b64) = rest
            .split_once('+')
            .ok_or(KeyError::Malformed("missing '+'"))?;
        let (kind, key_bytes) = parse_typed_key(id_hex, key_b64)?;
        let key = PublicKey::from_suite_bytes(kind.suite(), &key_bytes).map_err(|_| {
            KeyError::Malformed(match kind.suite() {
                Suite::Ed25519Sha256 => "key is not 32 bytes",
                Suite::Sm2Sm3 => "key is not 65 bytes",
            })
        })?;
        let key = VerifierKey::new(name, kind, key)?;
        check_key_id(id_hex, key.id)?;
        Ok(key)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signature type.
    pub fn signature_type(&self) -> SignatureType {
        self.kind
    }

    /// The public key (Ed25519 or SM2, as the type says).
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The key ID derived from name, type and key.
    pub fn key_id(&self) -> KeyId {
        self.id
    }
}

impl std::fmt::Display for VerifierKey {
    /// `name+hexid+base64(type || key)`, the hex ID in lowercase.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let typed = [self.kind.type_bytes(), self.key.as_bytes()].concat();
        write!(f, "{}+{}+{}", self.name, self.id, to_base64(&typed))
    }
}

impl std::fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

/// A named signing key: what a log or a witness signs with. `Debug` hides the secret.
///
/// The secret is either in memory (a key file, [`NoteSigningKey::new`]) or in a device that signs
/// without giving it out ([`NoteSigningKey::with_signer`], e.g. a PKCS#11 token).
#[derive(Clone)]
pub struct NoteSigningKey {
    verifier: VerifierKey,
    signer: Arc<dyn Signer>,
    secret: Option<SecretKey>,
}

impl NoteSigningKey {
    /// Names the in-memory `key` for signatures of type `kind`.
    ///
    /// # Errors
    /// [`KeyError::InvalidName`] when `name` is not a valid key name;
    /// [`KeyError::WrongKeySuite`] when the key is not of the type's suite.
    pub fn new(name: &str, kind: SignatureType, key: impl Into<SecretKey>) -> Result<Self, KeyError> {
        let key = key.into();
        let verifier = VerifierKey::new(name, kind, key.public_key())?;
        Ok(NoteSigningKey {
            verifier,
            signer: Arc::new(key.clone()),
            secret: Some(key),
        })
    }

    /// Names a key that `signer` holds (in a device, say) for signatures of type `kind`.
    ///
    /// # Errors
    /// As [`NoteSigningKey::new`].
    pub fn with_signer(
        name: &str,
        kind: SignatureType,
        signer: Arc<dyn Signer>,
    ) -> Result<Self, KeyError> {
        let verifier = VerifierKey::new(name, kind, signer.public_key())?;
        Ok(NoteSigningKey {
            verifier,
            signer,
            secret: None,
        })
    }

    /// Parses `PRIVATE+KEY+name+hexid+base64(type || 32 secret bytes)`; the ID is that of the
    /// public key. The secret bytes are an RFC 8032 seed for the Ed25519 types and the big-endian
    /// scalar for the SM2 types. Go's `note.NewSigner` reads type `0x01`; the other types in this
    /// form are our extension.
    ///
    /// # Errors
    /// Any [`KeyError`]; the messages never include key material.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let rest = text
            .strip_prefix(SIGNER_KEY_PREFIX)
            .ok_or(KeyError::Malformed("missing PRIVATE+KEY+ prefix"))?;
        let (name, rest) = rest
            .split_once('+')
            .ok_or(KeyError::Malformed("missing '+'"))?;
        let (id_hex, key_b64) = rest
            .split_once('+')
            .ok_or(KeyError::Malformed("missing '+'"))?;
        let (kind, secret) = parse_typed_key(id_hex, key_b64)?;
        let secret: [u8; 32] = secret
            .try_into()
            .map_err(|_| KeyError::Malformed("secret key is not 32 bytes"))?;
        let secret = SecretKey::from_secret_bytes(kind.suite(), &secret)
            .map_err(|_| KeyError::Malformed("secret key out of range"))?;
        let key = NoteSigningKey::new(name, kind, secret)?;
        check_key_id(id_hex, key.verifier.id)?;
        Ok(key)
    }

    /// The secret text form `PRIVATE+KEY+name+hexid+base64(type || secret)`, for the key file only;
    /// `None` for a key held by a device. Deliberately not `Display`, so that the secret cannot
    /// reach a log line by accident.
    pub fn to_secret_text(&self) -> Option<String> {
        let secret = self.secret.as_ref()?;
        let typed = [self.verifier.kind.type_bytes(), &secret.secret_bytes()].concat();
        let v = &self.verifier;
        Some(format!(
            "{SIGNER_KEY_PREFIX}{}+{}+{}",
            v.name,
            v.id,
            to_base64(&typed)
        ))
    }

    /// The matching verifier key.
    pub fn verifier_key(&self) -> &VerifierKey {
        &self.verifier
    }

    /// What signs: the key in memory, or the device that holds it.
    pub fn signer(&self) -> &Arc<dyn Signer> {
        &self.signer
    }

    /// The key in memory, if it is not held by a device.
    pub fn secret_key(&self) -> Option<&SecretKey> {
        self.secret.as_ref()
    }
}

impl std::fmt::Debug for NoteSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NoteSigningKey({}, ..)", self.verifier)
    }
}

/// Checks the 8-hex-digit ID syntax and decodes `base64(type || key bytes)`.
fn parse_typed_key(id_hex: &str, key_b64: &str) -> Result<(SignatureType, Vec<u8>), KeyError> {
    if id_hex.len() != 2 * KEY_ID_LEN || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(KeyError::Malformed("key id is not 8 hex digits"));
    }
    let bytes = from_base64(key_b64).map_err(|_| KeyError::Malformed("key is not base64"))?;
    let (kind, key) = SignatureType::split(&bytes)?;
    Ok((kind, key.to_vec()))
}

fn check_key_id(id_hex: &str, derived: KeyId) -> Result<(), KeyError> {
    if id_hex.eq_ignore_ascii_case(&derived.to_string()) {
        Ok(())
    } else {
        Err(KeyError::KeyIdMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example keys of Go's golang.org/x/mod/sumdb/note package documentation.
    const GO_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    #[test]
    fn go_signer_and_verifier_keys_match() {
        let signer = NoteSigningKey::parse(GO_SKEY).unwrap();
        assert_eq!(signer.verifier_key().to_string(), GO_VKEY);
        assert_eq!(signer.to_secret_text(), GO_SKEY);
        let v = VerifierKey::parse(GO_VKEY).unwrap();
        assert_eq!(&v, signer.verifier_key());
        assert_eq!(v.key_id().to_u32(), 0xc74f20a3);
        assert_eq!(v.signature_type(), SignatureType::Ed25519);
    }

    #[test]
    fn uppercase_id_is_accepted_and_printed_lowercase() {
        let upper = GO_VKEY.replace("c74f20a3", "C74F20A3");
        assert_eq!(VerifierKey::parse(&upper).unwrap().to_string(), GO_VKEY);
    }

    #[test]
    fn key_text_rejections() {
        let wrong_id = GO_VKEY.replace("c74f20a3", "c74f20a4");
        assert_eq!(VerifierKey::parse(&wrong_id), Err(KeyError::KeyIdMismatch));
        assert_eq!(
            VerifierKey::parse("a+b+c74f20a3+ARpc"),
            Err(KeyError::Malformed("key id is not 8 hex digits"))
        );
        assert_eq!(
            VerifierKey::parse("PeterNeumann"),
            Err(KeyError::Malformed("missing '+'"))
        );
        let bad_type = format!("x+00000000+{}", to_base64(&[2; 33]));
        assert_eq!(
            VerifierKey::parse(&bad_type),
            Err(KeyError::UnsupportedType(2))
        );
        let short = format!("x+00000000+{}", to_base64(&[1; 32]));
        assert_eq!(
            VerifierKey::parse(&short),
            Err(KeyError::Malformed("key is not 32 bytes"))
        );
        assert!(NoteSigningKey::parse(GO_VKEY).is_err());
    }

    #[test]
    fn names_with_plus_space_or_control_are_invalid() {
        let pk = SigningKey::from_seed(&[1; 32]).public_key();
        for name in ["", "a+b", "a b", "a\u{a0}b", "a\tb", "a\u{7f}b"] {
            assert_eq!(
                VerifierKey::ed25519(name, pk),
                Err(KeyError::InvalidName),
                "{name:?}"
            );
        }
        assert!(VerifierKey::ed25519("example.com/log", pk).is_ok());
    }

    #[test]
    fn cosignature_key_id_uses_type_4() {
        let pk = SigningKey::from_seed(&[2; 32]).public_key();
        let log = VerifierKey::ed25519("w.example/1", pk).unwrap();
        let cosigner = VerifierKey::cosignature_v1("w.example/1", pk).unwrap();
        assert_ne!(log.key_id(), cosigner.key_id());
        let expected = sha256_parts(&[b"w.example/1\n\x04", &pk.0]);
        assert_eq!(cosigner.key_id().0, expected.0[..4]);
        assert_eq!(VerifierKey::parse(&cosigner.to_string()).unwrap(), cosigner);
    }

    proptest::proptest! {
        #[test]
        fn key_texts_round_trip(name in "[a-z0-9./_-]{1,30}", seed: [u8; 32], cosigner: bool) {
            let kind = if cosigner { SignatureType::CosignatureV1 } else { SignatureType::Ed25519 };
            let signer = NoteSigningKey::new(&name, kind, SigningKey::from_seed(&seed)).unwrap();
            let v = signer.verifier_key();
            proptest::prop_assert_eq!(&VerifierKey::parse(&v.to_string()).unwrap(), v);
            let again = NoteSigningKey::parse(&signer.to_secret_text()).unwrap();
            proptest::prop_assert_eq!(again.to_secret_text(), signer.to_secret_text());
        }
    }

    #[test]
    fn debug_hides_the_seed() {
        let key = NoteSigningKey::new("n", SignatureType::Ed25519, SigningKey::from_seed(&[9; 32]))
            .unwrap();
        let text = key.to_secret_text();
        let secret = text.rsplit('+').next().unwrap();
        assert!(!format!("{key:?}").contains(secret));
    }
}
