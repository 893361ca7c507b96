//! The request body of a witness's `add-checkpoint` endpoint (c2sp.org/tlog-witness,
//! docs/format.md#replication).
//!
//! ```text
//! old <size the witness last cosigned, decimal>
//! <base64 consistency proof hash>      (zero or more lines)
//!
//! <checkpoint note>
//! ```
//!
//! [`AddCheckpointRequest::parse`] is strict, so that a body that parses has exactly one form:
//! `old` is ASCII decimal with no sign and no leading zero, each proof line is the canonical
//! base64 of 32 bytes, and the first empty line ends the head. The checkpoint note is returned
//! as text, for [`SignedCheckpoint::parse`](super::SignedCheckpoint::parse).

use super::{parse_decimal, parse_hash};
use crate::hash::Hash;

/// Prefix of the first line.
const OLD_PREFIX: &str = "old ";

/// A parsed `add-checkpoint` request body, borrowing the checkpoint note from the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpointRequest<'a> {
    /// The tree size the client believes the witness last cosigned (0: none).
    pub old: u64,
    /// The consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The checkpoint note, everything after the first empty line.
    pub checkpoint: &'a str,
}

/// Why an `add-checkpoint` body does not parse (HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddCheckpointRequestError {
    /// No empty line separates the head from the checkpoint.
    #[error("no empty line before the checkpoint")]
    NoEmptyLine,
    /// The first line is not `old <size>`.
    #[error("first line must be `old <size>`: {0}")]
    Old(&'static str),
    /// A proof line is not the canonical base64 of a 32-byte hash; lines count from 1.
    #[error("line {0}: proof lines must be base64 hashes")]
    ProofLine(usize),
}

impl<'a> AddCheckpointRequest<'a> {
    /// Parses a request body.
    ///
    /// Memory: the proof takes 32 bytes per proof line of at least 44 bytes, so it is bounded by
    /// the body, which the HTTP layer bounds.
    ///
    /// # Errors
    /// The first [`AddCheckpointRequestError`] in the body.
    pub fn parse(body: &'a str) -> Result<Self, AddCheckpointRequestError> {
        let (head, checkpoint) = body
            .split_once("\n\n")
            .ok_or(AddCheckpointRequestError::NoEmptyLine)?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|line| line.strip_prefix(OLD_PREFIX))
            .ok_or(AddCheckpointRequestError::Old("missing"))
            .and_then(|n| parse_decimal(n).map_err(AddCheckpointRequestError::Old))?;
        let proof = lines
            .enumerate()
            .map(|(i, line)| parse_hash(line).ok_or(AddCheckpointRequestError::ProofLine(i + 2)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AddCheckpointRequest {
            old,
            proof,
            checkpoint,
        })
    }

    /// The body text: `parse(&r.to_body()) == Ok(r)`, and `parse(body)?.to_body() == body` for
    /// every body that parses.
    pub fn to_body(&self) -> String {
        let mut out = format!("{OLD_PREFIX}{}\n", self.old);
        for hash in &self.proof {
            out.push_str(&hash.to_base64());
            out.push('\n');
        }
        out.push('\n');
        out.push_str(self.checkpoint);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(n: u8) -> Hash {
        Hash([n; 32])
    }

    #[test]
    fn parses_and_writes_back() {
        let body = format!(
            "old 7\n{}\n{}\n\nnote text\n\n— sig\n",
            hash(1).to_base64(),
            hash(2).to_base64()
        );
        let request = AddCheckpointRequest::parse(&body).unwrap();
        assert_eq!(request.old, 7);
        assert_eq!(request.proof, vec![hash(1), hash(2)]);
        assert_eq!(request.checkpoint, "note text\n\n— sig\n");
        assert_eq!(request.to_body(), body);
        let first = AddCheckpointRequest::parse("old 0\n\nx").unwrap();
        assert_eq!(
            (first.old, first.proof.len(), first.checkpoint),
            (0, 0, "x")
        );
    }

    #[test]
    fn refuses_every_other_form() {
        let err = |body: &str| AddCheckpointRequest::parse(body).unwrap_err();
        use AddCheckpointRequestError::*;
        assert_eq!(err("old 7\nnote"), NoEmptyLine);
        assert_eq!(err(""), NoEmptyLine);
        assert_eq!(err("\n\nnote"), Old("missing"));
        assert_eq!(err("new 7\n\nnote"), Old("missing"));
        assert_eq!(err("old\n\nnote"), Old("missing"));
        assert_eq!(err("old \n\nnote"), Old("not a decimal number"));
        // One form per number: no sign, no leading zero, no space, nothing above u64.
        assert_eq!(err("old +7\n\nnote"), Old("not a decimal number"));
        assert_eq!(err("old -7\n\nnote"), Old("not a decimal number"));
        assert_eq!(err("old 07\n\nnote"), Old("leading zero"));
        assert_eq!(err("old 7 \n\nnote"), Old("not a decimal number"));
        assert_eq!(err("old  7\n\nnote"), Old("not a decimal number"));
        assert_eq!(
            err("old 18446744073709551616\n\nnote"),
            Old("number too large")
        );
        assert_eq!(
            AddCheckpointRequest::parse("old 18446744073709551615\n\nx").map(|r| r.old),
            Ok(u64::MAX)
        );
        // Proof lines: 32 bytes of strict base64, one per line, no carriage return.
        let short = crate::encoding::to_base64(&[1; 31]);
        assert_eq!(err(&format!("old 1\n{short}\n\nnote")), ProofLine(2));
        let crlf = format!("old 1\r\n{}\n\nnote", hash(1).to_base64());
        assert_eq!(err(&crlf), Old("not a decimal number"));
        let crlf = format!("old 1\n{}\r\n\nnote", hash(1).to_base64());
        assert_eq!(err(&crlf), ProofLine(2));
        let unpadded = hash(1).to_base64().trim_end_matches('=').to_owned();
        assert_eq!(err(&format!("old 1\n{unpadded}\n\nnote")), ProofLine(2));
        let third = format!("old 1\n{}\nnope\n\nnote", hash(1).to_base64());
        assert_eq!(err(&third), ProofLine(3));
    }
}
