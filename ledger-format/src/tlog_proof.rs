//! The C2SP transparency-log proof text form (c2sp.org/tlog-proof@v1), byte-level spec:
//! docs/format.md#tlog-proof.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 of opaque bytes>          (omitted when there are none)
//! index <zero-based leaf index, decimal>
//! <base64 sibling hash, leaf level first> (zero or more lines)
//!
//! <the checkpoint note, verbatim, with its signature lines>
//! ```
//!
//! This module reads and writes the form and nothing else: what the leaf is and how `extra`
//! relates to it is the application's business (for evidence receipts,
//! `crate::receipt::EvidenceReceipt::from_tlog_proof`). Parsing is strict: the exact header, one
//! optional `extra` line with non-empty canonical base64, a canonical decimal index inside the
//! checkpoint's tree, at most [`MAX_INCLUSION_PROOF_LEN`] hashes, one blank line, and a checkpoint
//! note as strict as [`SignedCheckpoint::parse`]. Anything else, trailing bytes included, is an
//! error; nothing panics.
//!
//! ```
//! use ledger_format::checkpoint::{Checkpoint, SignedCheckpoint};
//! use ledger_format::tlog_proof::TlogProof;
//! use ledger_format::{Hash, SigningKey};
//!
//! let checkpoint = Checkpoint {
//!     origin: "ledger.example/log".into(),
//!     size: 2,
//!     root: Hash([7; 32]),
//!     map_root: Hash([8; 32]),
//!     timestamp: 1_767_225_600,
//! };
//! let key = SigningKey::from_seed(&[1; 32]);
//! let signed = SignedCheckpoint::sign(checkpoint, "ledger.example/log", &key)?;
//! let proof = TlogProof::new(b"leaf data".to_vec(), 1, vec![Hash([3; 32])], signed)?;
//! let text = proof.to_text();
//! assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra bGVhZiBkYXRh\nindex 1\n"));
//! assert_eq!(TlogProof::parse(&text)?, proof);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::checkpoint::{MAX_NOTE_LEN, NoteError, SignedCheckpoint, parse_decimal, parse_hash};
use crate::encoding::{from_base64, to_base64};
use crate::hash::Hash;
use crate::merkle::{InclusionProof, MAX_INCLUSION_PROOF_LEN};
use crate::record::MAX_RECORD_LEN;

/// The first line of every proof (without its newline).
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Longest `extra` accepted, in bytes: one record, the most our receipts carry there.
pub const MAX_EXTRA_LEN: usize = MAX_RECORD_LEN;

/// Prefix of the optional `extra` line.
const EXTRA_PREFIX: &str = "extra ";
/// Prefix of the `index` line.
const INDEX_PREFIX: &str = "index ";
/// Length of one proof line: base64 of 32 bytes and a newline.
const HASH_LINE_LEN: usize = 45;
/// Longest `index` line: the prefix, 20 digits of a `u64` and a newline.
const INDEX_LINE_LEN: usize = INDEX_PREFIX.len() + 20 + 1;

/// Longest proof text accepted, in bytes: every part at its own limit.
pub const MAX_TLOG_PROOF_LEN: usize = TLOG_PROOF_HEADER.len()
    + 1
    + EXTRA_PREFIX.len()
    + MAX_EXTRA_LEN.div_ceil(3) * 4
    + 1
    + INDEX_LINE_LEN
    + MAX_INCLUSION_PROOF_LEN * HASH_LINE_LEN
    + 1
    + MAX_NOTE_LEN;

/// Why a text is not a tlog-proof, or a proof cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlogProofError {
    /// The input is longer than [`MAX_TLOG_PROOF_LEN`].
    #[error("tlog-proof of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Length of the input.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes are not UTF-8.
    #[error("tlog-proof is not valid utf-8")]
    NotUtf8,
    /// The first line is not [`TLOG_PROOF_HEADER`].
    #[error("the first line is not {TLOG_PROOF_HEADER}")]
    WrongHeader,
    /// The `extra` line is empty, not canonical base64, or longer than [`MAX_EXTRA_LEN`].
    #[error("extra line: {0}")]
    BadExtra(&'static str),
    /// The `index` line is missing or not a canonical decimal.
    #[error("index line: {0}")]
    BadIndex(&'static str),
    /// The index is not a leaf of the checkpoint's tree.
    #[error("index {index} is outside the checkpoint's tree of {size} leaves")]
    IndexOutOfRange {
        /// The proof's index.
        index: u64,
        /// The checkpoint's tree size.
        size: u64,
    },
    /// A proof line is not base64 of 32 bytes.
    #[error("line {line}: not a base64 SHA-256 hash")]
    BadProofLine {
        /// 1-based line number in the proof text.
        line: usize,
    },
    /// More proof hashes than any tree needs.
    #[error("more than {max} proof hashes")]
    TooManyHashes {
        /// The limit, [`MAX_INCLUSION_PROOF_LEN`].
        max: usize,
    },
    /// No blank line between the proof and the checkpoint.
    #[error("missing blank line before the checkpoint")]
    MissingCheckpoint,
    /// The checkpoint note does not parse.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] NoteError),
}

/// A parsed c2sp.org/tlog-proof@v1: extra bytes, leaf index, inclusion proof and checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    extra: Vec<u8>,
    index: u64,
    path: Vec<Hash>,
    checkpoint: SignedCheckpoint,
}

impl TlogProof {
    /// A proof of leaf `index` by the audit path `path` (leaf level first) under `checkpoint`;
    /// empty `extra` means no `extra` line.
    ///
    /// # Errors
    /// [`TlogProofError::BadExtra`], [`TlogProofError::TooManyHashes`] or
    /// [`TlogProofError::IndexOutOfRange`]: exactly what [`TlogProof::parse`] would refuse.
    pub fn new(
        extra: Vec<u8>,
        index: u64,
        path: Vec<Hash>,
        checkpoint: SignedCheckpoint,
    ) -> Result<Self, TlogProofError> {
        if extra.len() > MAX_EXTRA_LEN {
            return Err(TlogProofError::BadExtra("too long"));
        }
        if path.len() > MAX_INCLUSION_PROOF_LEN {
            return Err(TlogProofError::TooManyHashes {
                max: MAX_INCLUSION_PROOF_LEN,
            });
        }
        let size = checkpoint.checkpoint().size;
        if index >= size {
            return Err(TlogProofError::IndexOutOfRange { index, size });
        }
        Ok(TlogProof {
            extra,
            index,
            path,
            checkpoint,
        })
    }

    /// The opaque extra bytes (empty when the proof has no `extra` line). Not authenticated by
    /// the proof itself: the application binds them to the leaf.
    pub fn extra(&self) -> &[u8] {
        &self.extra
    }

    /// The zero-based leaf index.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The audit path, leaf level first (RFC 6962 §2.1.1).
    pub fn path(&self) -> &[Hash] {
        &self.path
    }

    /// The checkpoint with every signature line the text carried.
    pub fn checkpoint(&self) -> &SignedCheckpoint {
        &self.checkpoint
    }

    /// The inclusion proof of leaf `index` in the checkpoint's tree.
    pub fn inclusion_proof(&self) -> InclusionProof {
        InclusionProof {
            leaf_index: self.index,
            tree_size: self.checkpoint.checkpoint().size,
            path: self.path.clone(),
        }
    }

    /// The text form, which [`TlogProof::parse`] reads back to an equal value.
    pub fn to_text(&self) -> String {
        let mut text = format!("{TLOG_PROOF_HEADER}\n");
        if !self.extra.is_empty() {
            text.push_str(&format!("{EXTRA_PREFIX}{}\n", to_base64(&self.extra)));
        }
        text.push_str(&format!("{INDEX_PREFIX}{}\n", self.index));
        for hash in &self.path {
            text.push_str(&format!("{}\n", hash.to_base64()));
        }
        text.push('\n');
        text.push_str(&self.checkpoint.to_note_text());
        text
    }

    /// Parses a proof file's bytes: at most [`MAX_TLOG_PROOF_LEN`], UTF-8, then
    /// [`TlogProof::parse`].
    ///
    /// # Errors
    /// [`TlogProofError::TooLarge`], [`TlogProofError::NotUtf8`], or any error of `parse`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TlogProofError> {
        check_len(bytes.len())?;
        let text = std::str::from_utf8(bytes).map_err(|_| TlogProofError::NotUtf8)?;
        TlogProof::parse(text)
    }

    /// Parses the text form strictly (see the module documentation).
    ///
    /// # Errors
    /// The first [`TlogProofError`] met, reading from the top.
    pub fn parse(text: &str) -> Result<Self, TlogProofError> {
        check_len(text.len())?;
        let (head, note) = text
            .split_once("\n\n")
            .ok_or(TlogProofError::MissingCheckpoint)?;
        let mut lines = head.split('\n').enumerate().peekable();
        if lines.next().map(|(_, l)| l) != Some(TLOG_PROOF_HEADER) {
            return Err(TlogProofError::WrongHeader);
        }
        let extra = match lines.next_if(|(_, l)| l.starts_with(EXTRA_PREFIX)) {
            Some((_, line)) => parse_extra(&line[EXTRA_PREFIX.len()..])?,
            None => Vec::new(),
        };
        let index = match lines.next() {
            Some((_, line)) => parse_index(line)?,
            None => return Err(TlogProofError::BadIndex("missing")),
        };
        let mut path = Vec::new();
        for (i, line) in lines {
            if path.len() == MAX_INCLUSION_PROOF_LEN {
                return Err(TlogProofError::TooManyHashes {
                    max: MAX_INCLUSION_PROOF_LEN,
                });
            }
            path.push(parse_hash(line).ok_or(TlogProofError::BadProofLine { line: i + 1 })?);
        }
        let checkpoint = SignedCheckpoint::parse(note)?;
        TlogProof::new(extra, index, path, checkpoint)
    }
}

fn check_len(len: usize) -> Result<(), TlogProofError> {
    if len > MAX_TLOG_PROOF_LEN {
        return Err(TlogProofError::TooLarge {
            len,
            max: MAX_TLOG_PROOF_LEN,
        });
    }
    Ok(())
}

/// Non-empty canonical base64 of at most [`MAX_EXTRA_LEN`] bytes.
fn parse_extra(text: &str) -> Result<Vec<u8>, TlogProofError> {
    if text.len() > MAX_EXTRA_LEN.div_ceil(3) * 4 {
        return Err(TlogProofError::BadExtra("too long"));
    }
    let bytes = from_base64(text).map_err(|_| TlogProofError::BadExtra("not base64"))?;
    if bytes.is_empty() {
        return Err(TlogProofError::BadExtra("empty (omit the line instead)"));
    }
    if bytes.len() > MAX_EXTRA_LEN {
        return Err(TlogProofError::BadExtra("too long"));
    }
    Ok(bytes)
}

fn parse_index(line: &str) -> Result<u64, TlogProofError> {
    let digits = line
        .strip_prefix(INDEX_PREFIX)
        .ok_or(TlogProofError::BadIndex("expected `index <n>`"))?;
    parse_decimal(digits).map_err(TlogProofError::BadIndex)
}

#[cfg(test)]
mod tests;
