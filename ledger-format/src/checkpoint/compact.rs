//! The compact binary checkpoint of the offline bundle (docs/format.md#compact-checkpoint).
//!
//! The checkpoint's fields and its signatures as (key ID, signature bytes), in BCS, without key
//! names: the verifier's trust policy names each key ID, and the note text is rebuilt exactly.

use serde::{Deserialize, Serialize};

use super::key::{KeyId, VerifierKey};
use super::note::{MAX_NOTE_LEN, MAX_SIGNATURES, Note, NoteError, NoteSignature};
use super::{Checkpoint, SignedCheckpoint};
use crate::encoding::{Canonical, DecodeError};
use crate::hash::Hash;

/// One signature line without its key name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactSignature {
    /// The key ID (4 raw bytes in BCS).
    pub key_id: KeyId,
    /// The bytes after the key ID: 64 for a log signature, 72 (timestamp, signature) for a cosignature.
    pub signature: Vec<u8>,
}

/// A signed checkpoint in BCS, field by field in this order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactCheckpoint {
    /// The log's origin.
    pub origin: String,
    /// Tree size.
    pub size: u64,
    /// RFC 6962 root.
    pub root: Hash,
    /// Status-map root.
    pub map_root: Hash,
    /// Signing time, Unix seconds, never negative.
    pub timestamp: i64,
    /// Signatures in note order, at most one per key ID.
    pub signatures: Vec<CompactSignature>,
}

impl Canonical for CompactCheckpoint {
    /// The note form is capped at this size too, and the compact form is never larger.
    const MAX_ENCODED_LEN: usize = MAX_NOTE_LEN;

    fn validate(&self) -> Result<(), DecodeError> {
        self.checkpoint()
            .validate()
            .map_err(|e| DecodeError::invalid("checkpoint", e.to_string()))?;
        if self.signatures.is_empty() || self.signatures.len() > MAX_SIGNATURES {
            return Err(DecodeError::invalid("signatures", "count not in 1..=100"));
        }
        for (i, sig) in self.signatures.iter().enumerate() {
            if sig.signature.is_empty() {
                return Err(DecodeError::invalid("signatures", "empty signature"));
            }
            if self.signatures[..i].iter().any(|s| s.key_id == sig.key_id) {
                return Err(DecodeError::invalid("signatures", "duplicate key id"));
            }
        }
        Ok(())
    }
}

impl CompactCheckpoint {
    /// The checkpoint with the signature lines of `signed` made by one of `keys` (the log key and
    /// the witness keys the bundle vouches with); other lines are dropped.
    ///
    /// # Errors
    /// [`NoteError::AmbiguousKeyId`] when two kept lines share a key ID (their names would be lost),
    /// [`NoteError::MissingSignatures`] when no line is by one of `keys`.
    pub fn from_signed(signed: &SignedCheckpoint, keys: &[VerifierKey]) -> Result<Self, NoteError> {
        let mut signatures: Vec<CompactSignature> = Vec::new();
        let kept = signed.note().signatures().iter().filter(|line| {
            keys.iter()
                .any(|k| k.key_id() == line.key_id() && k.name() == line.name())
        });
        for line in kept {
            if signatures.iter().any(|s| s.key_id == line.key_id()) {
                return Err(NoteError::AmbiguousKeyId(line.key_id()));
            }
            signatures.push(CompactSignature {
                key_id: line.key_id(),
                signature: line.bytes().to_vec(),
            });
        }
        if signatures.is_empty() {
            return Err(NoteError::MissingSignatures);
        }
        let c = signed.checkpoint();
        Ok(CompactCheckpoint {
            origin: c.origin.clone(),
            size: c.size,
            root: c.root,
            map_root: c.map_root,
            timestamp: c.timestamp,
            signatures,
        })
    }

    /// The checkpoint fields.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            origin: self.origin.clone(),
            size: self.size,
            root: self.root,
            map_root: self.map_root,
            timestamp: self.timestamp,
        }
    }

    /// Rebuilds the signed checkpoint, naming each key ID after the one key of `keys` with that ID.
    /// Signatures are not verified here.
    ///
    /// # Errors
    /// [`NoteError::UnknownKeyId`], [`NoteError::AmbiguousKeyId`] (two keys with different names
    /// share the ID), or any error of the checkpoint or note rules.
    pub fn to_signed(&self, keys: &[VerifierKey]) -> Result<SignedCheckpoint, NoteError> {
        let checkpoint = self.checkpoint();
        checkpoint.validate()?;
        let mut note = Note::new(&checkpoint.body())?;
        for sig in &self.signatures {
            let mut named = keys.iter().filter(|k| k.key_id() == sig.key_id);
            let key = named.next().ok_or(NoteError::UnknownKeyId(sig.key_id))?;
            if named.any(|k| k.name() != key.name()) {
                return Err(NoteError::AmbiguousKeyId(sig.key_id));
            }
            let line = NoteSignature::new(key.name(), sig.key_id, sig.signature.clone())?;
            if note.find(key.name(), sig.key_id).is_some() {
                return Err(NoteError::DuplicateSignature {
                    name: key.name().to_owned(),
                    key_id: sig.key_id,
                });
            }
            note.put_signature(line)?;
        }
        if note.signatures().is_empty() {
            return Err(NoteError::MissingSignatures);
        }
        // The note form must stay readable by `SignedCheckpoint::parse` (found by fuzzing: base64
        // makes a compact checkpoint near the limit a third larger as a note).
        let len = note.to_text().len();
        if len > MAX_NOTE_LEN {
            return Err(NoteError::TooLarge {
                len,
                max: MAX_NOTE_LEN,
            });
        }
        SignedCheckpoint::from_note(note)
    }
}
