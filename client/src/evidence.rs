//! Tools for evidence services: hashing a file, and signing submissions of hashes to a log.
//!
//! A submission for `hash` to the log `origin` is the Ed25519 signature over
//! [`ledger_format::record::evidence_message`]`(origin, hash)`: exactly the signature the evidence
//! record carries once the agency sequences it, so the record proves who submitted the hash.

use std::io::Read;

use ledger_format::checkpoint::NoteSigningKey;
use ledger_format::checkpoint::SignatureType;
use ledger_format::keys::{SecretKey, Signer};
use ledger_format::record::{evidence_message, validate_origin};
use ledger_format::suite::Suite;
use ledger_format::{Hash, SigningKey};
use serde::Serialize;

/// Read buffer for hashing files: large enough to keep the disk busy, small enough for any machine.
const HASH_BUFFER_BYTES: usize = 64 * 1024;

/// Why a key file or a submission could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// Reading the input failed.
    #[error("reading: {0}")]
    Io(#[from] std::io::Error),
    /// The key file is neither a signer key (`PRIVATE+KEY+...`) nor 64 hex digits of seed.
    #[error("the key file is neither a PRIVATE+KEY+ signer key nor a 64-hex-digit seed")]
    KeyFile,
    /// A hash is not 64 hex digits.
    #[error("hash {0:?} is not 64 hex digits")]
    Hash(String),
    /// The origin is not a valid log origin.
    #[error("invalid log origin {0:?}")]
    Origin(String),
    /// The key (in a device) did not sign.
    #[error("signing failed: {0}")]
    Sign(String),
}

/// SHA-256 of everything `reader` yields, read in chunks.
///
/// # Errors
/// [`EvidenceError::Io`].
pub fn hash_reader(reader: impl Read) -> Result<Hash, EvidenceError> {
    hash_reader_of(Suite::Ed25519Sha256, reader)
}

/// The hash of `suite` (SHA-256 or SM3) of everything `reader` yields, read in chunks: what an
/// evidence service of a log of that suite anchors.
///
/// # Errors
/// [`EvidenceError::Io`].
pub fn hash_reader_of(suite: Suite, mut reader: impl Read) -> Result<Hash, EvidenceError> {
    let mut hasher = suite.hasher();
    let mut buffer = vec![0u8; HASH_BUFFER_BYTES];
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            return Ok(hasher.finalize());
        }
        hasher.update(buffer.get(..n).unwrap_or_default());
    }
}

/// A new evidence-service key of `suite` named `name`, from `secret` (32 bytes the caller drew from
/// the OS's random source), in the `PRIVATE+KEY+` text form [`parse_signing_key`] reads, with the
/// key's public hex (what the agency registers).
///
/// # Errors
/// [`EvidenceError::KeyFile`] when `name` is not a valid key name or `secret` is not a valid SM2
/// scalar (about one draw in 2^32: draw again).
pub fn new_signing_key(
    suite: Suite,
    name: &str,
    secret: &[u8; 32],
) -> Result<(String, String), EvidenceError> {
    let key = SecretKey::from_secret_bytes(suite, secret).map_err(|_| EvidenceError::KeyFile)?;
    let public = key.public_key().to_hex();
    // A service key uses the log type of its suite: evidence is signed over its own message
    // (`evidence_message`), and the note type only names the key's algorithm in the text.
    let text = NoteSigningKey::new(name, SignatureType::log(suite), key)
        .map_err(|_| EvidenceError::KeyFile)?
        .to_secret_text()
        .ok_or(EvidenceError::KeyFile)?;
    Ok((text, public))
}

/// Reads an evidence service's signing key: a note signer key (`PRIVATE+KEY+name+id+base64`, the
/// form the node's key files use, of either suite: an SM2 service of an `sm2-sm3` log writes its
/// key with an SM2 type) or the 32-byte Ed25519 seed in hex.
///
/// # Errors
/// [`EvidenceError::KeyFile`].
pub fn parse_signing_key(text: &str) -> Result<SecretKey, EvidenceError> {
    let text = text.trim();
    if text.starts_with("PRIVATE+KEY+") {
        return NoteSigningKey::parse(text)
            .ok()
            .and_then(|k| k.secret_key().cloned())
            .ok_or(EvidenceError::KeyFile);
    }
    let seed: [u8; 32] = hex::decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(EvidenceError::KeyFile)?;
    Ok(SecretKey::Ed25519(SigningKey::from_seed(&seed)))
}

/// Parses a hash given as 64 hex digits.
///
/// # Errors
/// [`EvidenceError::Hash`].
pub fn parse_hash(text: &str) -> Result<Hash, EvidenceError> {
    Hash::from_hex(text.trim()).map_err(|_| EvidenceError::Hash(text.to_owned()))
}

/// A batch of signed hashes for one log: exactly the body of the node's `POST /v1/evidence`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submission {
    /// One entry per hash, in the order given.
    pub submissions: Vec<SubmissionEntry>,
}

/// One signed hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmissionEntry {
    /// The evidence service's public key, hex (Ed25519, 32 bytes; or SM2, 65 bytes).
    pub submitter: String,
    /// The evidence hash, hex.
    pub hash: String,
    /// The service's signature over `evidence_message(origin, hash)`, hex (64 bytes).
    pub signature: String,
}

/// Signs each of `hashes` for the log `origin` with `key` (in memory or in a device).
///
/// # Errors
/// [`EvidenceError::Origin`] when `origin` is not a valid log origin; [`EvidenceError::Sign`]
/// when the key's device does not sign.
pub fn sign_submission(
    key: &dyn Signer,
    origin: &str,
    hashes: &[Hash],
) -> Result<Submission, EvidenceError> {
    validate_origin(origin).map_err(|_| EvidenceError::Origin(origin.to_owned()))?;
    let submitter = key.public_key().to_hex();
    let submissions = hashes
        .iter()
        .map(|hash| {
            let signature = key
                .sign(&evidence_message(origin, hash))
                .map_err(|e| EvidenceError::Sign(e.to_string()))?;
            Ok(SubmissionEntry {
                submitter: submitter.clone(),
                hash: hash.to_hex(),
                signature: hex::encode(signature.0),
            })
        })
        .collect::<Result<_, EvidenceError>>()?;
    Ok(Submission { submissions })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_format::Signature;
    use ledger_format::checkpoint::SignatureType;
    use ledger_format::testing;

    #[test]
    fn hashes_in_chunks() {
        let data = vec![7u8; 3 * HASH_BUFFER_BYTES + 5];
        assert_eq!(
            hash_reader(&data[..]).unwrap(),
            ledger_format::sha256(&data)
        );
        assert_eq!(hash_reader(&b""[..]).unwrap(), ledger_format::sha256(b""));
    }

    #[test]
    fn key_files() {
        let key = testing::submitter_key();
        let hex_seed = hex::encode(key.seed());
        assert_eq!(
            parse_signing_key(&format!("{hex_seed}\n"))
                .unwrap()
                .public_key(),
            key.public_key()
        );
        let note =
            NoteSigningKey::new("evidence.example", SignatureType::Ed25519, key.clone()).unwrap();
        let parsed = parse_signing_key(&note.to_secret_text().unwrap()).unwrap();
        assert_eq!(parsed.public_key(), key.public_key());
        assert!(matches!(
            parse_signing_key("PRIVATE+KEY+x"),
            Err(EvidenceError::KeyFile)
        ));
        assert!(matches!(
            parse_signing_key("abcd"),
            Err(EvidenceError::KeyFile)
        ));
    }

    #[test]
    fn submissions_verify_as_evidence_records() {
        let key = testing::submitter_key();
        let hash = ledger_format::sha256(b"snapshot");
        let submission = sign_submission(&key, testing::ORIGIN, &[hash]).unwrap();
        let entry = &submission.submissions[0];
        assert_eq!(entry.submitter, key.public_key().to_hex());
        let signature = Signature(hex::decode(&entry.signature).unwrap().try_into().unwrap());
        // The record the agency builds from this submission carries a valid signature.
        let mut log = testing::LogBuilder::default();
        let header = log.next_header(0, key.public_key());
        let record = ledger_format::record::Record::evidence(header, hash, signature);
        assert_eq!(record.verify_signature(), Ok(()));
        log.records.push(record);
        assert!(matches!(
            sign_submission(&key, "bad origin", &[hash]),
            Err(EvidenceError::Origin(_))
        ));
    }
}
