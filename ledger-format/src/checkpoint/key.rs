//! Note keys: key IDs, verifier keys (`name+hexid+base64`) and signer keys (`PRIVATE+KEY+...`).
//!
//! c2sp.org/signed-note "Signatures": `key ID = SHA-256(key name || 0x0A || type || public key)[:4]`.
//! The text forms are those of Go's `golang.org/x/mod/sumdb/note` (docs/format.md#checkpoint-keys).

use crate::encoding::{fixed_bytes_serde, from_base64, to_base64};
use crate::hash::sha256_parts;
use crate::keys::{PUBLIC_KEY_LEN, PublicKey, SigningKey};

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

/// The signature types this crate signs and verifies (c2sp.org/signed-note "Signature types").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureType {
    /// `0x01`: Ed25519 over the note text; used by a log for its checkpoints.
    Ed25519,
    /// `0x04`: timestamped Ed25519 witness cosignature, c2sp.org/tlog-cosignature `cosignature/v1`.
    CosignatureV1,
}

impl SignatureType {
    /// The identifier byte hashed into the key ID and written first in a verifier key.
    pub fn byte(self) -> u8 {
        match self {
            SignatureType::Ed25519 => 0x01,
            SignatureType::CosignatureV1 => 0x04,
        }
    }

    /// The type with identifier byte `byte`, if this crate supports it.
    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0x01 => Some(SignatureType::Ed25519),
            0x04 => Some(SignatureType::CosignatureV1),
            _ => None,
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

/// The key ID of `public_key` under `name` and `kind`: `SHA-256(name || 0x0A || type || key)[:4]`.
pub fn key_id(name: &str, kind: SignatureType, public_key: &PublicKey) -> KeyId {
    let digest = sha256_parts(&[name.as_bytes(), b"\n", &[kind.byte()], &public_key.0]);
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
    /// [`KeyError::InvalidName`] when `name` is not a valid key name.
    pub fn new(name: &str, kind: SignatureType, key: PublicKey) -> Result<Self, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName);
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
        let key = VerifierKey::new(name, kind, PublicKey(key_bytes))?;
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

    /// The Ed25519 public key.
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
        let mut typed = Vec::with_capacity(1 + PUBLIC_KEY_LEN);
        typed.push(self.kind.byte());
        typed.extend_from_slice(&self.key.0);
        write!(f, "{}+{}+{}", self.name, self.id, to_base64(&typed))
    }
}

impl std::fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

/// A named signing key: what a log or a witness keeps in its key file. `Debug` hides the secret.
#[derive(Clone)]
pub struct NoteSigningKey {
    verifier: VerifierKey,
    key: SigningKey,
}

impl NoteSigningKey {
    /// Names `key` for signatures of type `kind`.
    ///
    /// # Errors
    /// [`KeyError::InvalidName`] when `name` is not a valid key name.
    pub fn new(name: &str, kind: SignatureType, key: SigningKey) -> Result<Self, KeyError> {
        let verifier = VerifierKey::new(name, kind, key.public_key())?;
        Ok(NoteSigningKey { verifier, key })
    }

    /// Parses `PRIVATE+KEY+name+hexid+base64(type || 32-byte seed)`; the ID is that of the public key.
    /// Go's `note.NewSigner` reads type `0x01`; type `0x04` in this form is our extension.
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
        let (kind, seed) = parse_typed_key(id_hex, key_b64)?;
        let key = NoteSigningKey::new(name, kind, SigningKey::from_seed(&seed))?;
        check_key_id(id_hex, key.verifier.id)?;
        Ok(key)
    }

    /// The secret text form `PRIVATE+KEY+name+hexid+base64(type || seed)`, for the key file only.
    /// Deliberately not `Display`, so that the secret cannot reach a log line by accident.
    pub fn to_secret_text(&self) -> String {
        let mut typed = Vec::with_capacity(1 + 32);
        typed.push(self.verifier.kind.byte());
        typed.extend_from_slice(&self.key.seed());
        let v = &self.verifier;
        format!(
            "{SIGNER_KEY_PREFIX}{}+{}+{}",
            v.name,
            v.id,
            to_base64(&typed)
        )
    }

    /// The matching verifier key.
    pub fn verifier_key(&self) -> &VerifierKey {
        &self.verifier
    }

    /// The Ed25519 signing key.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }
}

impl std::fmt::Debug for NoteSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NoteSigningKey({}, ..)", self.verifier)
    }
}

/// Checks the 8-hex-digit ID syntax and decodes `base64(type || 32 bytes)`.
fn parse_typed_key(id_hex: &str, key_b64: &str) -> Result<(SignatureType, [u8; 32]), KeyError> {
    if id_hex.len() != 2 * KEY_ID_LEN || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(KeyError::Malformed("key id is not 8 hex digits"));
    }
    let bytes = from_base64(key_b64).map_err(|_| KeyError::Malformed("key is not base64"))?;
    let (&type_byte, key) = bytes
        .split_first()
        .ok_or(KeyError::Malformed("empty key"))?;
    let kind = SignatureType::from_byte(type_byte).ok_or(KeyError::UnsupportedType(type_byte))?;
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| KeyError::Malformed("key is not 32 bytes"))?;
    Ok((kind, key))
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
