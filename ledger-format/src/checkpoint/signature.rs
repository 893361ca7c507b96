//! Making and checking note signatures: Ed25519 (type `0x01`) over the note text, and timestamped
//! `cosignature/v1` (type `0x04`, c2sp.org/tlog-cosignature) over a header, a time line and the text.

use super::key::{KeyId, NoteSigningKey, VerifierKey};
use super::note::{Note, NoteError, NoteSignature};
use crate::keys::{SIGNATURE_LEN, Signature, SignatureError};

/// First line of the message a `cosignature/v1` cosigner signs (domain separation, fixed by the spec).
pub const COSIGNATURE_HEADER: &str = "cosignature/v1\n";

/// Length of a `cosignature/v1` signature after the key ID: timestamp (8) and Ed25519 signature (64).
pub const COSIGNATURE_LEN: usize = 8 + SIGNATURE_LEN;

/// Why a signature by a given key did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The note carries no line with the key's name and key ID.
    #[error("no signature by key {name}+{key_id}")]
    MissingSignature {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: KeyId,
    },
    /// A line by a trusted key does not verify (wrong length, wrong bytes): the note was altered
    /// or the signer misbehaved.
    #[error("bad signature by key {name}+{key_id}")]
    BadSignature {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: KeyId,
    },
    /// The trusted key is not a valid Ed25519 point (a bad trust policy, not a bad note).
    #[error("key {name}+{key_id} is not a valid ed25519 point")]
    BadKey {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: KeyId,
    },
    /// A cosignature verifies but its timestamp exceeds 2^63 - 1, which the spec forbids.
    #[error("cosignature by key {name}+{key_id} has a timestamp out of range")]
    TimestampOutOfRange {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: KeyId,
    },
    /// The key has the wrong signature type for this check (a log key where a witness key is due).
    #[error("key {name}+{key_id} has the wrong signature type")]
    WrongKeyType {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: KeyId,
    },
    /// Several different trusted keys share this name and key ID, so the line is ambiguous.
    #[error("several trusted keys are named {name}+{key_id}")]
    AmbiguousKey {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: KeyId,
    },
}

/// A cosignature that verified under a trusted witness key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCosignature {
    /// The witness's key name.
    pub name: String,
    /// The witness's key ID.
    pub key_id: KeyId,
    /// When the witness cosigned, in Unix seconds (at most 2^63 - 1).
    pub timestamp: u64,
}

/// The outcome of checking every signature line of a note against a list of trusted witness keys.
///
/// A verifier counts `valid` towards its quorum (each trusted key at most once, since a note has at
/// most one line per key), treats a non-empty `invalid` as tampering, and may ignore `unknown`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CosignatureCheck {
    /// Cosignatures by trusted witness keys that verified, in note order.
    pub valid: Vec<VerifiedCosignature>,
    /// Lines whose name and key ID match a trusted witness key but that do not verify.
    pub invalid: Vec<VerifyError>,
    /// Lines by keys that are not trusted witness keys (the log's own signature among them).
    pub unknown: Vec<(String, KeyId)>,
}

impl CosignatureCheck {
    /// Whether some trusted key's line failed to verify: the note was altered or a witness lied.
    pub fn is_tampered(&self) -> bool {
        !self.invalid.is_empty()
    }

    /// Whether at least `quorum` trusted witnesses cosigned and nothing was tampered with.
    pub fn meets_quorum(&self, quorum: usize) -> bool {
        !self.is_tampered() && self.valid.len() >= quorum
    }
}

/// The message a `cosignature/v1` cosigner signs: the header, `time <t>`, then the note text.
pub fn cosignature_message(text: &str, timestamp: u64) -> String {
    format!("{COSIGNATURE_HEADER}time {timestamp}\n{text}")
}

impl NoteSignature {
    /// The timestamp a `cosignature/v1` line carries (its first 8 bytes), read **without**
    /// verifying the line: for ordering lines that were verified before they were kept. `None`
    /// when the line is not of the `cosignature/v1` length.
    pub fn cosignature_timestamp(&self) -> Option<u64> {
        let bytes: &[u8; COSIGNATURE_LEN] = self.bytes().try_into().ok()?;
        let (ts, _) = bytes.split_first_chunk::<8>()?;
        Some(u64::from_be_bytes(*ts))
    }
}

impl Note {
    /// Signs the text with a log key (type `0x01` Ed25519 or the SM2 note type), replacing that
    /// key's earlier line if any.
    ///
    /// # Errors
    /// [`NoteError::WrongKeyType`] for a cosigner key, [`NoteError::TooManySignatures`],
    /// [`NoteError::Sign`] when the key's device fails.
    pub fn sign(&mut self, key: &NoteSigningKey) -> Result<(), NoteError> {
        let v = key.verifier_key();
        if v.signature_type().is_cosignature() {
            return Err(NoteError::WrongKeyType);
        }
        let sig = key.signer().sign(self.text().as_bytes())?;
        self.put_signature(NoteSignature::new(v.name(), v.key_id(), sig.0.to_vec())?)
    }

    /// Cosigns the text at `timestamp` (Unix seconds) with a witness key (`cosignature/v1`, type
    /// `0x04`, or its SM2 twin), replacing that key's earlier line if any.
    ///
    /// # Errors
    /// [`NoteError::WrongKeyType`] for a log key, [`NoteError::TimestampOutOfRange`] above 2^63 - 1,
    /// [`NoteError::TooManySignatures`], [`NoteError::Sign`].
    pub fn cosign(&mut self, key: &NoteSigningKey, timestamp: u64) -> Result<(), NoteError> {
        let v = key.verifier_key();
        if !v.signature_type().is_cosignature() {
            return Err(NoteError::WrongKeyType);
        }
        if i64::try_from(timestamp).is_err() {
            return Err(NoteError::TimestampOutOfRange);
        }
        let message = cosignature_message(self.text(), timestamp);
        let sig = key.signer().sign(message.as_bytes())?;
        let mut bytes = Vec::with_capacity(COSIGNATURE_LEN);
        bytes.extend_from_slice(&timestamp.to_be_bytes());
        bytes.extend_from_slice(&sig.0);
        self.put_signature(NoteSignature::new(v.name(), v.key_id(), bytes)?)
    }

    /// Verifies the line by `key`, which must be a log key (type `0x01` or the SM2 note type).
    ///
    /// # Errors
    /// [`VerifyError::MissingSignature`] when no line has the key's name and ID;
    /// [`VerifyError::BadSignature`] when it does not verify; [`VerifyError::WrongKeyType`].
    pub fn verify(&self, key: &VerifierKey) -> Result<(), VerifyError> {
        if key.signature_type().is_cosignature() {
            return Err(error(key, ErrorKind::WrongKeyType));
        }
        let line = self
            .find(key.name(), key.key_id())
            .ok_or_else(|| error(key, ErrorKind::Missing))?;
        verify_line(self.text(), key, line).map(|_| ())
    }

    /// Verifies the cosignature by `key`, which must be a witness key (`cosignature/v1`, type
    /// `0x04`, or its SM2 twin), and returns its timestamp.
    ///
    /// # Errors
    /// As [`Note::verify`], and [`VerifyError::TimestampOutOfRange`].
    pub fn verify_cosignature(&self, key: &VerifierKey) -> Result<u64, VerifyError> {
        if !key.signature_type().is_cosignature() {
            return Err(error(key, ErrorKind::WrongKeyType));
        }
        let line = self
            .find(key.name(), key.key_id())
            .ok_or_else(|| error(key, ErrorKind::Missing))?;
        verify_line(self.text(), key, line)?.ok_or_else(|| error(key, ErrorKind::WrongKeyType))
    }

    /// Checks every line against the witness keys among `witnesses` (`cosignature/v1` and its SM2
    /// twin; other keys are ignored), sorting lines into valid, invalid (tampering) and unknown.
    pub fn check_cosignatures(&self, witnesses: &[VerifierKey]) -> CosignatureCheck {
        let mut check = CosignatureCheck::default();
        for line in self.signatures() {
            let mut matching = witnesses.iter().filter(|k| {
                k.signature_type().is_cosignature()
                    && k.key_id() == line.key_id()
                    && k.name() == line.name()
            });
            let Some(key) = matching.next() else {
                check.unknown.push((line.name().to_owned(), line.key_id()));
                continue;
            };
            if matching.any(|other| other != key) {
                check.invalid.push(error(key, ErrorKind::Ambiguous));
                continue;
            }
            match self.verify_cosignature(key) {
                Ok(timestamp) => check.valid.push(VerifiedCosignature {
                    name: key.name().to_owned(),
                    key_id: key.key_id(),
                    timestamp,
                }),
                Err(e) => check.invalid.push(e),
            }
        }
        check
    }
}

/// Verifies one line under `key` (whose name and ID it carries); for a cosignature, returns the
/// timestamp.
fn verify_line(
    text: &str,
    key: &VerifierKey,
    line: &NoteSignature,
) -> Result<Option<u64>, VerifyError> {
    let (message, sig_bytes, timestamp) = match key.signature_type().is_cosignature() {
        false => (text.as_bytes().to_vec(), line.bytes(), None),
        true => {
            let (ts, sig) = line
                .bytes()
                .split_first_chunk::<8>()
                .ok_or_else(|| error(key, ErrorKind::Bad))?;
            let ts = u64::from_be_bytes(*ts);
            (cosignature_message(text, ts).into_bytes(), sig, Some(ts))
        }
    };
    let sig: [u8; SIGNATURE_LEN] = sig_bytes
        .try_into()
        .map_err(|_| error(key, ErrorKind::Bad))?;
    match key.public_key().verify(&message, &Signature(sig)) {
        Ok(()) => {}
        Err(SignatureError::BadKey) => return Err(error(key, ErrorKind::BadKey)),
        Err(_) => return Err(error(key, ErrorKind::Bad)),
    }
    if timestamp.is_some_and(|t| i64::try_from(t).is_err()) {
        return Err(error(key, ErrorKind::TimestampOutOfRange));
    }
    Ok(timestamp)
}

enum ErrorKind {
    Missing,
    Bad,
    BadKey,
    TimestampOutOfRange,
    WrongKeyType,
    Ambiguous,
}

fn error(key: &VerifierKey, kind: ErrorKind) -> VerifyError {
    let (name, key_id) = (key.name().to_owned(), key.key_id());
    match kind {
        ErrorKind::Missing => VerifyError::MissingSignature { name, key_id },
        ErrorKind::Bad => VerifyError::BadSignature { name, key_id },
        ErrorKind::BadKey => VerifyError::BadKey { name, key_id },
        ErrorKind::TimestampOutOfRange => VerifyError::TimestampOutOfRange { name, key_id },
        ErrorKind::WrongKeyType => VerifyError::WrongKeyType { name, key_id },
        ErrorKind::Ambiguous => VerifyError::AmbiguousKey { name, key_id },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;

    #[derive(serde::Deserialize)]
    struct Vector {
        source: String,
        verifier_key: String,
        note: String,
        signed_text: String,
        expect: String,
    }

    fn c2sp_vector() -> Vector {
        serde_json::from_str(include_str!("../../tests/vectors/signed-note.json")).unwrap()
    }

    #[test]
    fn c2sp_signed_note_vector() {
        let v = c2sp_vector();
        assert!(v.source.contains("C2SP"));
        assert_eq!(v.expect, "valid");
        let key = VerifierKey::parse(&v.verifier_key).unwrap();
        assert_eq!(key.to_string(), v.verifier_key);
        assert_eq!(key.key_id().to_string(), "530d903a");
        let note = Note::parse(&v.note).unwrap();
        assert_eq!(note.text(), v.signed_text);
        assert_eq!(note.to_text(), v.note);
        assert_eq!(note.verify(&key), Ok(()));
    }

    #[test]
    fn c2sp_vector_fails_after_any_one_byte_change_to_the_text() {
        let v = c2sp_vector();
        let key = VerifierKey::parse(&v.verifier_key).unwrap();
        for i in 0..v.signed_text.len() - 1 {
            let mut bytes = v.note.clone().into_bytes();
            bytes[i] ^= 0x01;
            let note = Note::from_bytes(&bytes).unwrap();
            assert_eq!(
                note.verify(&key),
                Err(VerifyError::BadSignature {
                    name: key.name().into(),
                    key_id: key.key_id()
                }),
                "byte {i}"
            );
        }
    }

    #[test]
    fn go_note_example_signs_byte_for_byte() {
        // golang.org/x/mod/sumdb/note package documentation, "Example".
        let key = NoteSigningKey::parse(
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        )
        .unwrap();
        let mut note = Note::new(
            "If you think cryptography is the answer to your problem,\n\
             then you don't know what your problem is.\n",
        )
        .unwrap();
        note.sign(&key).unwrap();
        assert!(note.to_text().ends_with(
            "\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        ));
    }

    #[test]
    fn c2sp_cosignature_example_timestamp() {
        // c2sp.org/tlog-cosignature example line; its key is not published, so only the layout is checked.
        let note = Note::parse(
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\
             — witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n",
        )
        .unwrap();
        let line = &note.signatures()[0];
        assert_eq!(line.bytes().len(), COSIGNATURE_LEN);
        let ts = u64::from_be_bytes(line.bytes()[..8].try_into().unwrap());
        assert_eq!(ts, 1679315147);
        assert_eq!(
            cosignature_message("o\n", ts),
            "cosignature/v1\ntime 1679315147\no\n"
        );
    }

    #[test]
    fn key_types_are_not_interchangeable() {
        let sk = SigningKey::from_seed(&[5; 32]);
        let log = NoteSigningKey::new("k", SignatureType::Ed25519, sk.clone()).unwrap();
        let witness = NoteSigningKey::new("k", SignatureType::CosignatureV1, sk).unwrap();
        let mut note = Note::new("t\n").unwrap();
        assert_eq!(note.sign(&witness), Err(NoteError::WrongKeyType));
        assert_eq!(note.cosign(&log, 1), Err(NoteError::WrongKeyType));
        assert_eq!(
            note.cosign(&witness, 1 << 63),
            Err(NoteError::TimestampOutOfRange)
        );
        note.sign(&log).unwrap();
        note.cosign(&witness, 7).unwrap();
        assert_eq!(note.verify(log.verifier_key()), Ok(()));
        assert_eq!(note.verify_cosignature(witness.verifier_key()), Ok(7));
        assert!(matches!(
            note.verify(witness.verifier_key()),
            Err(VerifyError::WrongKeyType { .. })
        ));
    }
}
