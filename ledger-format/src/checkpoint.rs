//! Checkpoints: C2SP signed notes (c2sp.org/signed-note), checkpoints (c2sp.org/tlog-checkpoint)
//! with our status-map and timestamp extension lines, and witness cosignatures
//! (c2sp.org/tlog-cosignature `cosignature/v1`). Byte-level spec: docs/format.md#checkpoint.
//!
//! A checkpoint note reads
//!
//! ```text
//! <origin>
//! <tree size, decimal>
//! <base64 RFC 6962 root>
//! status-map <base64 status-map root>
//! timestamp <Unix seconds, decimal>
//!
//! — <log key name> <base64(key ID || Ed25519 signature)>
//! — <witness key name> <base64(key ID || timestamp || Ed25519 signature)>
//! ```
//!
//! The first three lines are the standard checkpoint, so third-party tools read our checkpoints.
//! [`CompactCheckpoint`] is the same content in BCS without key names, for the offline bundle.
//!
//! ```
//! use ledger_format::checkpoint::{Checkpoint, SignedCheckpoint, VerifierKey};
//! use ledger_format::{Hash, SigningKey};
//!
//! let log_key = SigningKey::from_seed(&[1; 32]);
//! let witness_key = SigningKey::from_seed(&[2; 32]);
//! let checkpoint = Checkpoint {
//!     origin: "ledger.example/log".into(),
//!     size: 3,
//!     root: Hash([7; 32]),
//!     map_root: Hash([8; 32]),
//!     timestamp: 1_767_225_600,
//! };
//! let mut signed = SignedCheckpoint::sign(checkpoint, "ledger.example/log", &log_key)?;
//! signed.add_cosignature("witness.example/w1", &witness_key, 1_767_225_601)?;
//!
//! let parsed = SignedCheckpoint::parse(&signed.to_note_text())?;
//! parsed.verify_log_signature(&VerifierKey::ed25519("ledger.example/log", log_key.public_key())?)?;
//! let witness = VerifierKey::cosignature_v1("witness.example/w1", witness_key.public_key())?;
//! assert!(parsed.verify_cosignatures(&[witness]).meets_quorum(1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod add_checkpoint;
mod compact;
mod key;
mod note;
mod signature;

pub use add_checkpoint::{AddCheckpointRequest, AddCheckpointRequestError};
pub use compact::{CompactCheckpoint, CompactSignature};
pub use key::{
    KEY_ID_LEN, KeyError, KeyId, NoteSigningKey, SignatureType, VerifierKey, is_valid_key_name,
    key_id,
};
pub use note::{MAX_NOTE_LEN, MAX_SIGNATURES, Note, NoteError, NoteSignature};
pub use signature::{
    COSIGNATURE_HEADER, COSIGNATURE_LEN, CosignatureCheck, VerifiedCosignature, VerifyError,
    cosignature_message,
};

use crate::encoding::from_base64;
use crate::hash::{HASH_LEN, Hash};
use std::sync::Arc;

use crate::keys::Signer;

/// Longest origin accepted, in bytes; origins are short URLs, and the bundle must fit a QR code.
pub const MAX_ORIGIN_LEN: usize = 255;

/// Prefix of the fourth body line, which carries the status-map root.
const STATUS_MAP_PREFIX: &str = "status-map ";
/// Prefix of the fifth body line, which carries the signing time.
const TIMESTAMP_PREFIX: &str = "timestamp ";
/// Lines in a checkpoint body: origin, size, root and our two extension lines.
const BODY_LINES: usize = 5;

/// A log's signed statement of its tree head and status-map root at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// The log's identity: a key name (no spaces, no `+`), at most [`MAX_ORIGIN_LEN`] bytes.
    pub origin: String,
    /// Number of records in the log.
    pub size: u64,
    /// RFC 6962 root of the log's first `size` records.
    pub root: Hash,
    /// Root of the status map (certificate code to current state) after those records.
    pub map_root: Hash,
    /// When the agency signed, in Unix seconds; never negative.
    pub timestamp: i64,
}

impl Checkpoint {
    /// The note text: five lines, each ending in a newline (docs/format.md#checkpoint).
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n{STATUS_MAP_PREFIX}{}\n{TIMESTAMP_PREFIX}{}\n",
            self.origin,
            self.size,
            self.root.to_base64(),
            self.map_root.to_base64(),
            self.timestamp
        )
    }

    /// Checks what the type cannot: a valid, short origin and a non-negative timestamp.
    ///
    /// # Errors
    /// [`NoteError::BadBody`] naming the line that would be invalid.
    pub fn validate(&self) -> Result<(), NoteError> {
        if !key::is_valid_key_name(&self.origin) || self.origin.len() > MAX_ORIGIN_LEN {
            return Err(bad(1, "invalid origin"));
        }
        if self.timestamp < 0 {
            return Err(bad(5, "negative timestamp"));
        }
        Ok(())
    }

    /// Parses a checkpoint body strictly: exactly five non-empty lines, decimals without sign or
    /// leading zero, canonical base64 of 32 bytes, and the two extension lines in order.
    ///
    /// # Errors
    /// [`NoteError::MissingFinalNewline`], [`NoteError::WrongLineCount`], [`NoteError::BadBody`],
    /// or [`NoteError::ControlCharacter`].
    pub fn parse_body(body: &str) -> Result<Self, NoteError> {
        note::check_text(body)?;
        let lines: Vec<&str> = body[..body.len() - 1].split('\n').collect();
        if let Some(i) = lines.iter().position(|l| l.is_empty()) {
            return Err(bad(i + 1, "empty line"));
        }
        let [origin, size, root, map, time] = lines[..] else {
            return Err(NoteError::WrongLineCount {
                expected: BODY_LINES,
                found: lines.len(),
            });
        };
        let map = map
            .strip_prefix(STATUS_MAP_PREFIX)
            .ok_or(bad(4, "expected status-map line"))?;
        let time = time
            .strip_prefix(TIMESTAMP_PREFIX)
            .ok_or(bad(5, "expected timestamp line"))?;
        let timestamp = parse_decimal(time).map_err(|reason| bad(5, reason))?;
        let checkpoint = Checkpoint {
            origin: origin.to_owned(),
            size: parse_decimal(size).map_err(|reason| bad(2, reason))?,
            root: parse_hash(root).ok_or(bad(3, "root is not base64 of 32 bytes"))?,
            map_root: parse_hash(map).ok_or(bad(4, "root is not base64 of 32 bytes"))?,
            timestamp: i64::try_from(timestamp).map_err(|_| bad(5, "number too large"))?,
        };
        checkpoint.validate()?;
        Ok(checkpoint)
    }
}

/// A checkpoint and the signature lines of its note: the log's, and witnesses' cosignatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    checkpoint: Checkpoint,
    note: Note,
}

impl SignedCheckpoint {
    /// Signs `checkpoint` as the log, with `key` (Ed25519 or SM2: the log type of its suite, in
    /// memory or in a device) named `log_key_name` (which should be the origin, per
    /// c2sp.org/tlog-checkpoint).
    ///
    /// # Errors
    /// [`NoteError::BadBody`] for an invalid checkpoint, [`NoteError::Key`] for an invalid name.
    pub fn sign(
        checkpoint: Checkpoint,
        log_key_name: &str,
        key: &(impl Signer + Clone + 'static),
    ) -> Result<Self, NoteError> {
        checkpoint.validate()?;
        let kind = SignatureType::log(key.public_key().suite());
        let key = NoteSigningKey::with_signer(log_key_name, kind, Arc::new(key.clone()))?;
        let mut note = Note::new(&checkpoint.body())?;
        note.sign(&key)?;
        Ok(SignedCheckpoint { checkpoint, note })
    }

    /// A checkpoint with the signature lines of a note whose text is the checkpoint's body.
    ///
    /// # Errors
    /// Any [`NoteError`] of [`Checkpoint::parse_body`].
    pub fn from_note(note: Note) -> Result<Self, NoteError> {
        let checkpoint = Checkpoint::parse_body(note.text())?;
        Ok(SignedCheckpoint { checkpoint, note })
    }

    /// Parses a checkpoint note strictly (at most [`MAX_NOTE_LEN`] bytes). Signatures are not
    /// verified: call [`SignedCheckpoint::verify_log_signature`] and
    /// [`SignedCheckpoint::verify_cosignatures`].
    ///
    /// # Errors
    /// Any [`NoteError`].
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        SignedCheckpoint::from_note(Note::parse(text)?)
    }

    /// The signed note text, which [`SignedCheckpoint::parse`] reads back to an equal value.
    pub fn to_note_text(&self) -> String {
        self.note.to_text()
    }

    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The underlying note.
    pub fn note(&self) -> &Note {
        &self.note
    }

    /// Verifies the log's Ed25519 signature. The caller's trust policy picks `log_key` for
    /// this checkpoint's origin; the key name need not equal the origin.
    ///
    /// # Errors
    /// [`VerifyError::MissingSignature`] when the key did not sign; [`VerifyError::BadSignature`]
    /// when its line does not verify (tampering).
    pub fn verify_log_signature(&self, log_key: &VerifierKey) -> Result<(), VerifyError> {
        self.note.verify(log_key)
    }

    /// Adds (or replaces) the cosignature of witness `witness_name` at `timestamp`: `cosignature/v1`
    /// for an Ed25519 key, its SM2 twin for an SM2 key.
    ///
    /// # Errors
    /// [`NoteError::Key`] for an invalid name, [`NoteError::TimestampOutOfRange`] above 2^63 - 1,
    /// [`NoteError::TooManySignatures`].
    pub fn add_cosignature(
        &mut self,
        witness_name: &str,
        key: &(impl Signer + Clone + 'static),
        timestamp: u64,
    ) -> Result<(), NoteError> {
        let kind = SignatureType::cosignature(key.public_key().suite());
        let key = NoteSigningKey::with_signer(witness_name, kind, Arc::new(key.clone()))?;
        self.note.cosign(&key, timestamp)
    }

    /// The note text of this checkpoint with only the signature lines of `key` (a log's own
    /// signature, without the witnesses' cosignatures).
    ///
    /// # Errors
    /// [`NoteError`] when the note cannot be rebuilt.
    pub fn note_signed_by(&self, key: &VerifierKey) -> Result<String, NoteError> {
        let mut note = Note::new(self.note.text())?;
        for line in self.note.signatures() {
            if line.name() == key.name() && line.key_id() == key.key_id() {
                note.put_signature(line.clone())?;
            }
        }
        Ok(note.to_text())
    }

    /// Adds (or replaces) one signature line in note form (`— name base64`), as witnesses send
    /// them. The line is not verified here.
    ///
    /// # Errors
    /// [`NoteError`] when the line is malformed or the note has too many signatures.
    pub fn add_signature_line(&mut self, line: &str) -> Result<(), NoteError> {
        let text = format!("{}\n{}\n", self.note.text(), line.trim_end());
        let parsed = Note::parse(&text)?;
        for signature in parsed.signatures() {
            self.note.put_signature(signature.clone())?;
        }
        Ok(())
    }

    /// Checks every signature line against the trusted witness keys (type `0x04`; others are
    /// ignored). See [`CosignatureCheck`] for counting a quorum and detecting tampering.
    pub fn verify_cosignatures(&self, witnesses: &[VerifierKey]) -> CosignatureCheck {
        self.note.check_cosignatures(witnesses)
    }
}

fn bad(line: usize, reason: &'static str) -> NoteError {
    NoteError::BadBody { line, reason }
}

/// ASCII decimal, no sign, no leading zero (except `0` itself).
pub(crate) fn parse_decimal(text: &str) -> Result<u64, &'static str> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a decimal number");
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err("leading zero");
    }
    text.parse().map_err(|_| "number too large")
}

/// Strict standard base64 of exactly 32 bytes.
pub(crate) fn parse_hash(text: &str) -> Option<Hash> {
    let bytes: [u8; HASH_LEN] = from_base64(text).ok()?.try_into().ok()?;
    Some(Hash(bytes))
}

#[cfg(test)]
mod tests;
