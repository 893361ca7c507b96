//! Signed notes (c2sp.org/signed-note): text, a blank line, and `— <name> <base64>` signature lines.
//!
//! Parsing is strict (docs/format.md#signed-notes): valid UTF-8, no ASCII control character but
//! newline, a final newline, at most [`MAX_SIGNATURES`] lines, canonical base64, and no two lines by
//! the same key (name and key ID). Lines by keys the reader does not know are kept, so that a note
//! re-formats to exactly the bytes it was parsed from.

use super::key::{KEY_ID_LEN, KeyError, KeyId, is_valid_key_name};
use crate::encoding::{from_base64, to_base64};

/// Most signature lines a note may carry. The spec asks verifiers to accept at least 16; Go's
/// `note.Open` stops at 100, and so do we.
pub const MAX_SIGNATURES: usize = 100;

/// Longest note accepted, in bytes: a checkpoint body with 100 short signature lines fits.
pub const MAX_NOTE_LEN: usize = 16 * 1024;

/// Prefix of every signature line: em dash (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Why a note (or a checkpoint body inside one) did not parse, or could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The input is longer than the limit.
    #[error("note of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Length of the input.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes are not UTF-8.
    #[error("note is not valid utf-8")]
    NotUtf8,
    /// An ASCII control character other than newline.
    #[error("control character at byte {offset}")]
    ControlCharacter {
        /// Byte offset of the character.
        offset: usize,
    },
    /// The note, or its text, does not end in a newline.
    #[error("missing final newline")]
    MissingFinalNewline,
    /// No blank line followed by at least one signature line.
    #[error("missing blank line and signature lines")]
    MissingSignatures,
    /// The text has no character other than newlines.
    #[error("empty note text")]
    EmptyText,
    /// A signature line is not `— <name> <base64>`.
    #[error("line {line}: malformed signature line")]
    BadSignatureLine {
        /// 1-based line number in the note.
        line: usize,
    },
    /// A signature line names an invalid key name.
    #[error("line {line}: invalid key name")]
    InvalidKeyName {
        /// 1-based line number in the note.
        line: usize,
    },
    /// A signature is not canonical standard base64.
    #[error("line {line}: signature is not base64")]
    BadSignatureBase64 {
        /// 1-based line number in the note.
        line: usize,
    },
    /// A signature holds fewer than 5 bytes (key ID and at least one byte).
    #[error("line {line}: signature too short")]
    SignatureTooShort {
        /// 1-based line number in the note.
        line: usize,
    },
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("more than {max} signatures")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// Two signature lines by the same key name and key ID.
    #[error("duplicate signature by key {name}+{key_id}")]
    DuplicateSignature {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: KeyId,
    },
    /// The checkpoint body has the wrong number of lines.
    #[error("checkpoint has {found} lines, expected {expected}")]
    WrongLineCount {
        /// Lines required.
        expected: usize,
        /// Lines found.
        found: usize,
    },
    /// A line of the checkpoint body is invalid.
    #[error("checkpoint line {line}: {reason}")]
    BadBody {
        /// 1-based line number in the body.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A key name or key cannot be used.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The key's signature type cannot make this kind of signature.
    #[error("wrong key type for this signature")]
    WrongKeyType,
    /// A cosignature timestamp above 2^63 - 1.
    #[error("timestamp out of range")]
    TimestampOutOfRange,
    /// The key (in a device, say) did not sign.
    #[error("signing failed: {0}")]
    Sign(#[from] crate::keys::SignError),
    /// The compact form names a key ID that no given key has.
    #[error("no key with id {0}")]
    UnknownKeyId(KeyId),
    /// Two keys with different names share a key ID, so a compact signature cannot be named.
    #[error("several keys share id {0}")]
    AmbiguousKeyId(KeyId),
}

/// One signature line: key name, key ID and the signature bytes that follow the ID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoteSignature {
    name: String,
    key_id: KeyId,
    bytes: Vec<u8>,
}

impl NoteSignature {
    /// A signature line by `name` with `key_id`; `bytes` is what follows the key ID.
    ///
    /// # Errors
    /// [`KeyError::InvalidName`] for an invalid name, [`NoteError::SignatureTooShort`] (line 0) for
    /// empty `bytes`.
    pub fn new(name: &str, key_id: KeyId, bytes: Vec<u8>) -> Result<Self, NoteError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName.into());
        }
        if bytes.is_empty() {
            return Err(NoteError::SignatureTooShort { line: 0 });
        }
        Ok(NoteSignature {
            name: name.to_owned(),
            key_id,
            bytes,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The signature bytes after the key ID (an Ed25519 signature, or timestamp and signature).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The line `— <name> base64(key ID || bytes)` followed by a newline.
    pub fn to_line(&self) -> String {
        let mut raw = Vec::with_capacity(KEY_ID_LEN + self.bytes.len());
        raw.extend_from_slice(&self.key_id.0);
        raw.extend_from_slice(&self.bytes);
        format!("{SIGNATURE_PREFIX}{} {}\n", self.name, to_base64(&raw))
    }

    /// Parses one signature line (`— <name> base64`, with or without its newline), as stored or
    /// sent apart from its note. The line is not verified here.
    ///
    /// # Errors
    /// [`NoteError`] for a malformed line (reported as line 1).
    pub fn from_line(line: &str) -> Result<Self, NoteError> {
        Self::parse_line(line.strip_suffix('\n').unwrap_or(line), 1)
    }

    fn parse_line(line: &str, line_no: usize) -> Result<Self, NoteError> {
        let rest = line
            .strip_prefix(SIGNATURE_PREFIX)
            .ok_or(NoteError::BadSignatureLine { line: line_no })?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or(NoteError::BadSignatureLine { line: line_no })?;
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName { line: line_no });
        }
        let raw = from_base64(b64).map_err(|_| NoteError::BadSignatureBase64 { line: line_no })?;
        if raw.len() <= KEY_ID_LEN {
            return Err(NoteError::SignatureTooShort { line: line_no });
        }
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&raw[..KEY_ID_LEN]);
        Ok(NoteSignature {
            name: name.to_owned(),
            key_id: KeyId(id),
            bytes: raw[KEY_ID_LEN..].to_vec(),
        })
    }
}

/// A note: its text (ending in a newline) and its signature lines, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl Note {
    /// An unsigned note with `text`.
    ///
    /// # Errors
    /// [`NoteError::MissingFinalNewline`], [`NoteError::EmptyText`], [`NoteError::ControlCharacter`]
    /// or [`NoteError::TooLarge`].
    pub fn new(text: &str) -> Result<Self, NoteError> {
        check_text(text)?;
        Ok(Note {
            text: text.to_owned(),
            signatures: Vec::new(),
        })
    }

    /// Parses a signed note from bytes that must be UTF-8.
    ///
    /// # Errors
    /// [`NoteError::NotUtf8`] or any error of [`Note::parse`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, NoteError> {
        if bytes.len() > MAX_NOTE_LEN {
            return Err(NoteError::TooLarge {
                len: bytes.len(),
                max: MAX_NOTE_LEN,
            });
        }
        Note::parse(std::str::from_utf8(bytes).map_err(|_| NoteError::NotUtf8)?)
    }

    /// Parses a signed note strictly. The text ends at the last blank line; every following line
    /// must be a well-formed signature line. Signatures are not verified here.
    ///
    /// # Errors
    /// Any [`NoteError`] of the note syntax.
    pub fn parse(msg: &str) -> Result<Self, NoteError> {
        check_size_and_controls(msg)?;
        if !msg.ends_with('\n') {
            return Err(NoteError::MissingFinalNewline);
        }
        let split = msg.rfind("\n\n").ok_or(NoteError::MissingSignatures)?;
        let (text, block) = (&msg[..=split], &msg[split + 2..]);
        if block.is_empty() {
            return Err(NoteError::MissingSignatures);
        }
        let mut note = Note::new(text)?;
        // Line number of the first signature line: the text's lines, then the blank line.
        let first = text.matches('\n').count() + 2;
        for (i, line) in block.split_terminator('\n').enumerate() {
            if i >= MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures {
                    max: MAX_SIGNATURES,
                });
            }
            let sig = NoteSignature::parse_line(line, first + i)?;
            if note.find(&sig.name, sig.key_id).is_some() {
                return Err(NoteError::DuplicateSignature {
                    name: sig.name,
                    key_id: sig.key_id,
                });
            }
            note.signatures.push(sig);
        }
        Ok(note)
    }

    /// The note text, including its final newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// The signature line by key `name` with `key_id`, if any.
    pub fn find(&self, name: &str, key_id: KeyId) -> Option<&NoteSignature> {
        self.signatures
            .iter()
            .find(|s| s.key_id == key_id && s.name == name)
    }

    /// Adds a signature line, replacing the line by the same key if there is one (in its place),
    /// as Go's `note.Sign` replaces a key's earlier signature.
    ///
    /// # Errors
    /// [`NoteError::TooManySignatures`] when the note already has [`MAX_SIGNATURES`] lines.
    pub fn put_signature(&mut self, sig: NoteSignature) -> Result<(), NoteError> {
        if let Some(slot) = self
            .signatures
            .iter_mut()
            .find(|s| s.key_id == sig.key_id && s.name == sig.name)
        {
            *slot = sig;
            return Ok(());
        }
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures {
                max: MAX_SIGNATURES,
            });
        }
        self.signatures.push(sig);
        Ok(())
    }

    /// The signed note: text, a blank line, the signature lines. A note without signatures formats
    /// as its text and a blank line, which [`Note::parse`] rejects.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 1 + 128 * self.signatures.len());
        out.push_str(&self.text);
        out.push('\n');
        for sig in &self.signatures {
            out.push_str(&sig.to_line());
        }
        out
    }
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

fn check_size_and_controls(text: &str) -> Result<(), NoteError> {
    if text.len() > MAX_NOTE_LEN {
        return Err(NoteError::TooLarge {
            len: text.len(),
            max: MAX_NOTE_LEN,
        });
    }
    match text.bytes().position(|b| b < 0x20 && b != b'\n') {
        Some(offset) => Err(NoteError::ControlCharacter { offset }),
        None => Ok(()),
    }
}

/// The rules on a note text: size, no control character but newline, final newline, not empty.
pub(super) fn check_text(text: &str) -> Result<(), NoteError> {
    check_size_and_controls(text)?;
    if !text.ends_with('\n') {
        return Err(NoteError::MissingFinalNewline);
    }
    if text.bytes().all(|b| b == b'\n') {
        return Err(NoteError::EmptyText);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sig(name: &str, id: u8) -> NoteSignature {
        NoteSignature::new(name, KeyId([id; 4]), vec![id; 64]).unwrap()
    }

    fn signed(text: &str, sigs: &[NoteSignature]) -> String {
        let mut note = Note::new(text).unwrap();
        for s in sigs {
            note.put_signature(s.clone()).unwrap();
        }
        note.to_text()
    }

    #[test]
    fn format_parse_format_is_identical() {
        let text = signed("a\n\nb\n", &[sig("x.example/1", 1), sig("y", 2)]);
        let note = Note::parse(&text).unwrap();
        assert_eq!(note.text(), "a\n\nb\n");
        assert_eq!(note.signatures().len(), 2);
        assert_eq!(note.to_text(), text);
        assert_eq!(Note::from_bytes(text.as_bytes()).unwrap(), note);
    }

    #[test]
    fn structural_rejections() {
        let good = signed("t\n", &[sig("k", 1)]);
        assert_eq!(
            Note::parse(good.trim_end()),
            Err(NoteError::MissingFinalNewline)
        );
        assert_eq!(Note::parse("t\n"), Err(NoteError::MissingSignatures));
        assert_eq!(
            Note::parse(&format!("{good}\n")),
            Err(NoteError::MissingSignatures)
        );
        assert_eq!(
            Note::parse(&good.replace('t', "\n")),
            Err(NoteError::EmptyText)
        );
        assert_eq!(
            Note::parse(&good.replace('t', "\r")),
            Err(NoteError::ControlCharacter { offset: 0 })
        );
        assert_eq!(Note::from_bytes(b"\xff\n\n"), Err(NoteError::NotUtf8));
        let big = "x".repeat(MAX_NOTE_LEN + 1);
        assert!(matches!(Note::parse(&big), Err(NoteError::TooLarge { .. })));
    }

    #[test]
    fn signature_line_rejections() {
        let good = signed("t\n", &[sig("k", 1)]);
        let b64 = good.rsplit(' ').next().unwrap().trim_end();
        let line = |s: &str| Note::parse(&format!("t\n\n{s}\n"));
        assert_eq!(
            line(&format!("- k {b64}")),
            Err(NoteError::BadSignatureLine { line: 3 })
        );
        assert_eq!(
            line(&format!("— k{b64}")),
            Err(NoteError::BadSignatureLine { line: 3 })
        );
        assert_eq!(
            line(&format!("— a+b {b64}")),
            Err(NoteError::InvalidKeyName { line: 3 })
        );
        assert_eq!(
            line(&format!("— k {b64}x")),
            Err(NoteError::BadSignatureBase64 { line: 3 })
        );
        assert_eq!(
            line(&format!("— k  {b64}")),
            Err(NoteError::BadSignatureBase64 { line: 3 })
        );
        assert_eq!(
            line("— k AAAAAA=="),
            Err(NoteError::SignatureTooShort { line: 3 })
        );
        // A second line by the same key, even with another signature, is rejected.
        let other = to_base64(&[[1u8; 4].as_slice(), &[7; 64]].concat());
        assert_eq!(
            Note::parse(&format!("{good}— k {other}\n")),
            Err(NoteError::DuplicateSignature {
                name: "k".into(),
                key_id: KeyId([1; 4])
            })
        );
    }

    #[test]
    fn at_most_100_signatures() {
        let sigs: Vec<_> = (0..=100u8).map(|i| sig(&format!("k{i}"), i)).collect();
        let hundred = signed("t\n", &sigs[..100]);
        assert_eq!(Note::parse(&hundred).unwrap().signatures().len(), 100);
        let extra = format!("{hundred}{}", sigs[100].to_line());
        assert_eq!(
            Note::parse(&extra),
            Err(NoteError::TooManySignatures { max: 100 })
        );
        let mut note = Note::parse(&hundred).unwrap();
        assert_eq!(
            note.put_signature(sigs[100].clone()),
            Err(NoteError::TooManySignatures { max: 100 })
        );
    }

    #[test]
    fn put_signature_replaces_in_place() {
        let mut note = Note::new("t\n").unwrap();
        note.put_signature(sig("a", 1)).unwrap();
        note.put_signature(sig("b", 2)).unwrap();
        let newer = NoteSignature::new("a", KeyId([1; 4]), vec![9; 64]).unwrap();
        note.put_signature(newer.clone()).unwrap();
        assert_eq!(note.signatures(), &[newer, sig("b", 2)]);
    }

    proptest! {
        #[test]
        fn parse_of_format_is_identity(
            lines in prop::collection::vec("[^\\x00-\\x1f]{0,20}", 1..6),
            names in prop::collection::btree_set("[a-z0-9./_-]{1,12}", 1..5),
            bytes in prop::collection::vec(any::<u8>(), 1..80),
        ) {
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            prop_assume!(check_text(&text).is_ok());
            let sigs: Vec<_> = names
                .iter()
                .map(|n| NoteSignature::new(n, KeyId([3; 4]), bytes.clone()).unwrap())
                .collect();
            let formatted = signed(&text, &sigs);
            let parsed = Note::parse(&formatted).unwrap();
            prop_assert_eq!(parsed.text(), text.as_str());
            prop_assert_eq!(parsed.signatures(), sigs.as_slice());
            prop_assert_eq!(parsed.to_text(), formatted);
        }
    }
}
