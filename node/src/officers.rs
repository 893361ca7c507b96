//! The officers of the agency (docs/operations.md#officers): named API credentials with a role,
//! kept in the officer registry file (`officers.toml`, mode 0600) beside the node's other files.
//!
//! The registry holds, for each officer, the SHA-256 of its bearer token (never the token), its
//! role, and the salt of its commitment: every record an officer appends names it by
//! [`officer_commitment`]`(origin, id, salt)` (A31, ZW27: 行为留痕、责任可究), which the agency
//! opens to an auditor by handing over the id and the salt. [`role_may`] is the one table of what
//! each role may do. [`OfficerBook`] is the running node's view of the file: it checks the file's
//! identity on every request and reads it again when it changed, so an officer added or revoked
//! with `ledger-node officer …` counts from the next request, without a restart or a reload.

use ledger_format::suite::Suite;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ledger_format::hash::{Hash, sha256};
use ledger_format::record::officer_commitment;
use serde::{Deserialize, Serialize};

/// The officer id the legacy agency token (`agency.token`) is registered under.
pub const ADMINISTRATOR: &str = "administrator";
/// Longest officer id: ids appear in every access-log line.
pub const MAX_ID_CHARS: usize = 64;

/// What an officer may do ([`role_may`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Receives applications, asks for materials, publishes notices, handles objection mail.
    Registrar,
    /// Everything a registrar may, plus the decisions: refusals, issuance, changes, revocations.
    Reviewer,
    /// Everything, plus the log's own settings: calendars, submitters, profiles, keys, reloads.
    Administrator,
}

impl Role {
    /// The role's name as in the registry file and the access log.
    pub fn name(self) -> &'static str {
        match self {
            Role::Registrar => "registrar",
            Role::Reviewer => "reviewer",
            Role::Administrator => "administrator",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "registrar" => Ok(Role::Registrar),
            "reviewer" => Ok(Role::Reviewer),
            "administrator" => Ok(Role::Administrator),
            _ => Err(format!(
                "{text:?} is not a role (registrar, reviewer, administrator)"
            )),
        }
    }
}

/// The act of `POST /v1/admin/reload`, for [`role_may`] (every other act is a record kind).
pub const ADMIN_RELOAD: &str = "admin-reload";

/// Record kinds a registrar may append (`Body::kind_name`): the steps of the procedure that are
/// not decisions (R14–R16, R18, R22).
const REGISTRAR_KINDS: &[&str] = &[
    "application-received",
    "application-accepted",
    "materials-requested",
    "materials-supplied",
    "application-withdrawn",
    "notice-published",
    "objection-filed",
    "objection-forwarded",
    "objection-answered",
];

/// Record kinds a reviewer may append besides a registrar's: the decisions (R16, R17, R19–R23,
/// R27).
const REVIEWER_KINDS: &[&str] = &[
    "review-completed",
    "application-refused",
    "notice-terminated",
    "objection-resolved",
    "issued",
    "changed",
    "corrected",
    "renewed",
    "cancelled",
    "revoked",
];

/// Whether `role` may perform `act`: a record kind (`Body::kind_name`) or [`ADMIN_RELOAD`]. The
/// one table of the roles (docs/operations.md#roles): an act not listed here (the calendar,
/// submitters, profiles, key rotation, reloads, and any kind added later) is the
/// administrator's alone.
pub fn role_may(role: Role, act: &str) -> bool {
    match role {
        Role::Administrator => true,
        Role::Reviewer => REGISTRAR_KINDS.contains(&act) || REVIEWER_KINDS.contains(&act),
        Role::Registrar => REGISTRAR_KINDS.contains(&act),
    }
}

/// Why the officer registry could not be used or changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OfficerError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not a valid registry.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The change asked for does not apply (an id taken, an officer unknown or already revoked).
    #[error("{0}")]
    Refused(String),
    /// The operating system's random source failed.
    #[error("no randomness: {0}")]
    Random(String),
}

/// One officer as the registry file holds it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficerEntry {
    /// The identifier committed in the officer's records, e.g. `yx-registrar-07`.
    pub id: String,
    /// The officer's name, for people.
    pub name: String,
    /// What the officer may do.
    pub role: Role,
    /// SHA-256 of the officer's bearer token, 64 hex digits.
    pub token_sha256: String,
    /// The salt of the officer's commitment, 64 hex digits (32 random bytes).
    pub salt: String,
    /// When the credential was revoked (RFC 3339 or Unix seconds); absent while it is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<String>,
}

impl std::fmt::Debug for OfficerEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let OfficerEntry {
            id,
            name,
            role,
            token_sha256: _,
            salt: _,
            revoked,
        } = self;
        f.debug_struct("OfficerEntry")
            .field("id", id)
            .field("name", name)
            .field("role", role)
            .field("token_sha256", &"..")
            .field("salt", &"..")
            .field("revoked", revoked)
            .finish()
    }
}

/// The registry file: every officer, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    /// The officers.
    #[serde(default, rename = "officer")]
    pub officers: Vec<OfficerEntry>,
}

/// An officer checked and decoded: what a request acts as.
#[derive(Clone, PartialEq, Eq)]
pub struct Officer {
    /// The officer's identifier.
    pub id: String,
    /// What the officer may do.
    pub role: Role,
    /// `officer_commitment(ledger_format::suite::Suite::Ed25519Sha256, origin, id, salt)`: what the officer's records carry.
    pub commitment: Hash,
    token_sha256: [u8; 32],
    revoked: Option<i64>,
}

impl std::fmt::Debug for Officer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Officer")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("commitment", &self.commitment)
            .finish_non_exhaustive()
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_CHARS
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

impl Registry {
    /// Parses and checks a registry file's text.
    ///
    /// # Errors
    /// The reason, naming the officer.
    pub fn parse(text: &str) -> Result<Self, String> {
        let registry: Registry = toml::from_str(text).map_err(|e| e.to_string())?;
        // The commitments depend on the origin; the checks do not.
        registry.officers("", Suite::default())?;
        Ok(registry)
    }

    /// The officers decoded for `origin`, checked: ids valid and unique, hex fields of 32 bytes,
    /// revocation times readable, no two officers with one token.
    ///
    /// # Errors
    /// The reason, naming the officer.
    pub fn officers(&self, origin: &str, suite: Suite) -> Result<Vec<Officer>, String> {
        let mut out: Vec<Officer> = Vec::with_capacity(self.officers.len());
        for entry in &self.officers {
            let id = &entry.id;
            if !valid_id(id) {
                return Err(format!(
                    "officer {id:?}: an id is 1 to {MAX_ID_CHARS} of a-z, 0-9, '.', '_', '-'"
                ));
            }
            let hex32 = |field: &str, text: &str| {
                ledger_format::encoding::from_hex_array::<32>(text)
                    .map_err(|e| format!("officer {id:?}: {field}: {e}"))
            };
            let token_sha256 = hex32("token_sha256", &entry.token_sha256)?;
            let salt = hex32("salt", &entry.salt)?;
            let revoked = match &entry.revoked {
                None => None,
                Some(text) => Some(ledger_format::date::parse_instant(text).ok_or_else(|| {
                    format!(
                        "officer {id:?}: revoked: {text:?} is neither RFC 3339 nor Unix seconds"
                    )
                })?),
            };
            if out.iter().any(|o| o.id == *id) {
                return Err(format!("officer {id:?} is listed twice"));
            }
            if out.iter().any(|o| o.token_sha256 == token_sha256) {
                return Err(format!(
                    "officer {id:?} shares its token with another officer"
                ));
            }
            out.push(Officer {
                id: id.clone(),
                role: entry.role,
                commitment: officer_commitment(suite, origin, id, &salt),
                token_sha256,
                revoked,
            });
        }
        Ok(out)
    }

    /// The file's text, with a header comment.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).unwrap_or_default();
        format!(
            "# ledger-node officer registry (docs/operations.md#officers). Mode 0600.\n\
             # Holds token hashes, never tokens; the salts open the officers' commitments.\n\
             # Change it with `ledger-node officer add|revoke`; the node reads it again on the\n\
             # next request.\n\n{body}"
        )
    }

    /// Reads the registry file.
    ///
    /// # Errors
    /// [`OfficerError::Io`] or [`OfficerError::Invalid`].
    pub fn load(path: &Path) -> Result<Self, OfficerError> {
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        Registry::parse(&text).map_err(|reason| OfficerError::Invalid {
            path: path.to_owned(),
            reason,
        })
    }

    /// Writes the registry to `path` atomically (mode 0600: a temporary file, synced, renamed
    /// over the old one, the directory synced), so the node never reads half a file.
    ///
    /// # Errors
    /// [`OfficerError::Io`].
    pub fn save(&self, path: &Path) -> Result<(), OfficerError> {
        crate::init::replace_secret(path, &self.to_toml())
            .map_err(|(path, source)| OfficerError::Io { path, source })
    }

    /// Adds an officer with a new random token and salt; returns the token (shown once: the
    /// registry keeps only its hash).
    ///
    /// # Errors
    /// [`OfficerError::Refused`] for an invalid or taken id; [`OfficerError::Random`].
    pub fn add(&mut self, id: &str, name: &str, role: Role) -> Result<String, OfficerError> {
        let token = ledger_format::encoding::to_hex(&random_bytes()?);
        self.add_with_token(id, name, role, &token)?;
        Ok(token)
    }

    /// Adds an officer whose bearer token is `token` (the legacy agency token, or a test's).
    ///
    /// # Errors
    /// As [`Registry::add`].
    pub fn add_with_token(
        &mut self,
        id: &str,
        name: &str,
        role: Role,
        token: &str,
    ) -> Result<(), OfficerError> {
        let mut next = self.clone();
        next.officers.push(OfficerEntry {
            id: id.to_owned(),
            name: name.to_owned(),
            role,
            token_sha256: sha256(token.as_bytes()).to_hex(),
            salt: ledger_format::encoding::to_hex(&random_bytes()?),
            revoked: None,
        });
        next.officers("", Suite::default())
            .map_err(OfficerError::Refused)?;
        *self = next;
        Ok(())
    }

    /// Revokes officer `id` from `at` (Unix seconds).
    ///
    /// # Errors
    /// [`OfficerError::Refused`] for an unknown or already revoked officer.
    pub fn revoke(&mut self, id: &str, at: i64) -> Result<(), OfficerError> {
        let entry = self
            .officers
            .iter_mut()
            .find(|o| o.id == id)
            .ok_or_else(|| OfficerError::Refused(format!("no officer {id:?}")))?;
        if let Some(when) = &entry.revoked {
            return Err(OfficerError::Refused(format!(
                "officer {id:?} was revoked at {when}"
            )));
        }
        entry.revoked = Some(ledger_format::date::instant_text(at));
        Ok(())
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OfficerError + '_ {
    move |source| OfficerError::Io {
        path: path.to_owned(),
        source,
    }
}

fn random_bytes() -> Result<[u8; 32], OfficerError> {
    crate::init::random_bytes().map_err(|e| OfficerError::Random(e.to_string()))
}

/// Creates the registry at `path` when there is none, registering the legacy agency token
/// `token` as officer [`ADMINISTRATOR`] (so nodes made before officers existed keep working);
/// an existing registry is left as it is. Returns whether it created one.
///
/// # Errors
/// [`OfficerError`] when the file cannot be written.
pub fn ensure_registry(path: &Path, token: &str) -> Result<bool, OfficerError> {
    if path.exists() {
        return Ok(false);
    }
    let mut registry = Registry::default();
    registry.add_with_token(
        ADMINISTRATOR,
        "the agency token (agency.token)",
        Role::Administrator,
        token,
    )?;
    registry.save(path)?;
    Ok(true)
}

/// Why a request's credential was refused. [`Refusal::reason`] is the word the access log and
/// the metric `ledger_auth_refused_total{reason}` use; the presented token appears nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// No `Authorization` header.
    Missing,
    /// An `Authorization` header that is not `Bearer <token>` in visible ASCII.
    Malformed,
    /// A token of no officer.
    Unknown,
    /// The token of an officer whose credential is revoked.
    Revoked {
        /// The officer.
        id: String,
        /// Its role.
        role: Role,
    },
    /// The registry cannot be read or is invalid: every credential is refused until it is fixed.
    Registry(String),
}

impl Refusal {
    /// The short word for the access log and the metric.
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::Missing => "missing",
            Refusal::Malformed => "malformed",
            Refusal::Unknown => "unknown",
            Refusal::Revoked { .. } => "revoked",
            Refusal::Registry(_) => "registry",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Missing => f.write_str("missing bearer token"),
            Refusal::Malformed => {
                f.write_str("malformed Authorization header: expected `Bearer <token>`")
            }
            Refusal::Unknown => f.write_str("unknown bearer token"),
            Refusal::Revoked { id, .. } => write!(f, "the credential of officer {id} is revoked"),
            Refusal::Registry(reason) => write!(f, "the officer registry is unusable: {reason}"),
        }
    }
}

/// The token of an `Authorization` header value: `Bearer <token>` (the scheme in any case, RFC
/// 9110 §11.1), visible ASCII only; `None` for anything else.
pub fn bearer_token(value: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(value).ok()?;
    if !text.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        return None;
    }
    let (scheme, token) = text.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Compares two digests in constant time (no early exit on the first difference).
fn digests_equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The identity of a version of the registry file: a change of any part means it was rewritten
/// (`officer add|revoke` renames a new file over it; an editor changes its size or times).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(path: &Path) -> std::io::Result<Stamp> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path)?;
        Ok(Stamp {
            dev: m.dev(),
            ino: m.ino(),
            len: m.len(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        })
    }
}

type Officers = Result<Arc<[Officer]>, String>;

/// The running node's view of the registry file. Every check stats the file (one system call)
/// and reads it again when it changed; an unreadable or invalid file refuses every credential
/// (fail closed) until it is fixed.
#[derive(Debug)]
pub struct OfficerBook {
    path: PathBuf,
    origin: String,
    suite: Suite,
    cache: Mutex<Option<(Stamp, Officers)>>,
}

impl OfficerBook {
    /// The registry at `path`, for the log `origin` of `suite` (whose hash makes the officers'
    /// commitments), checked once now.
    ///
    /// # Errors
    /// [`OfficerError`] when it cannot be read or is invalid.
    pub fn open(path: &Path, origin: &str, suite: Suite) -> Result<Self, OfficerError> {
        let book = OfficerBook {
            path: path.to_owned(),
            origin: origin.to_owned(),
            suite,
            cache: Mutex::new(None),
        };
        book.officers().map_err(|reason| OfficerError::Invalid {
            path: path.to_owned(),
            reason,
        })?;
        Ok(book)
    }

    /// The registry's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The officers as the file says now.
    ///
    /// # Errors
    /// Why the file cannot be used.
    pub fn officers(&self) -> Officers {
        let stamp = Stamp::of(&self.path).map_err(|e| format!("{}: {e}", self.path.display()))?;
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((seen, officers)) = &*cache
            && *seen == stamp
        {
            return officers.clone();
        }
        let officers: Officers = Registry::load(&self.path)
            .map_err(|e| e.to_string())
            .and_then(|r| r.officers(&self.origin, self.suite))
            .map(Arc::from);
        match &officers {
            Ok(list) => {
                tracing::info!(file = %self.path.display(), officers = list.len(), "officer registry read")
            }
            Err(e) => {
                tracing::error!(error = %e, "officer registry unusable: every credential is refused")
            }
        }
        *cache = Some((stamp, officers.clone()));
        officers
    }

    /// The officer whose token the `Authorization` header value carries, valid at `now` (Unix
    /// seconds). The presented token is hashed and compared with every officer's token hash in
    /// constant time, so neither its content nor its length leaks through timing.
    ///
    /// # Errors
    /// The [`Refusal`].
    pub fn authenticate(&self, authorization: Option<&[u8]>, now: i64) -> Result<Officer, Refusal> {
        let value = authorization.ok_or(Refusal::Missing)?;
        let token = bearer_token(value).ok_or(Refusal::Malformed)?;
        let officers = self.officers().map_err(Refusal::Registry)?;
        let presented = sha256(token.as_bytes()).0;
        let mut found = None;
        for officer in officers.iter() {
            if digests_equal(&presented, &officer.token_sha256) && found.is_none() {
                found = Some(officer);
            }
        }
        let officer = found.ok_or(Refusal::Unknown)?;
        if officer.revoked.is_some_and(|at| at <= now) {
            return Err(Refusal::Revoked {
                id: officer.id.clone(),
                role: officer.role,
            });
        }
        Ok(officer.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "ledger.yuxi.example/2026";

    fn book_with(registry: &Registry) -> (tempfile::TempDir, OfficerBook) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("officers.toml");
        registry.save(&path).unwrap();
        let book = OfficerBook::open(&path, ORIGIN, Suite::default()).unwrap();
        (dir, book)
    }

    fn bearer(token: &str) -> Vec<u8> {
        format!("Bearer {token}").into_bytes()
    }

    #[test]
    fn the_roles_table() {
        use Role::*;
        for kind in REGISTRAR_KINDS {
            assert!(
                role_may(Registrar, kind) && role_may(Reviewer, kind),
                "{kind}"
            );
        }
        for kind in REVIEWER_KINDS {
            assert!(
                !role_may(Registrar, kind) && role_may(Reviewer, kind),
                "{kind}"
            );
        }
        for act in [
            "calendar",
            "submitter-added",
            "submitter-removed",
            "profile-adopted",
            "key-rotation",
            ADMIN_RELOAD,
            "evidence",
            "a-kind-added-later",
        ] {
            assert!(
                !role_may(Registrar, act) && !role_may(Reviewer, act),
                "{act}"
            );
            assert!(role_may(Administrator, act), "{act}");
        }
    }

    #[test]
    fn tokens_are_stored_hashed_and_found_by_hash() {
        let mut registry = Registry::default();
        let token = registry
            .add("yx-registrar-07", "Li", Role::Registrar)
            .unwrap();
        registry
            .add_with_token(
                ADMINISTRATOR,
                "legacy",
                Role::Administrator,
                "legacy-token-0123456",
            )
            .unwrap();
        let text = registry.to_toml();
        assert!(
            !text.contains(&token) && !text.contains("legacy-token-0123456"),
            "{text}"
        );
        let (_dir, book) = book_with(&registry);
        let officer = book.authenticate(Some(&bearer(&token)), 0).unwrap();
        assert_eq!(officer.id, "yx-registrar-07");
        assert_eq!(officer.role, Role::Registrar);
        let salt: [u8; 32] =
            ledger_format::encoding::from_hex_array(&registry.officers[0].salt).unwrap();
        assert_eq!(
            officer.commitment,
            officer_commitment(
                ledger_format::suite::Suite::Ed25519Sha256,
                ORIGIN,
                "yx-registrar-07",
                &salt
            )
        );
        // The scheme in any case; the token exactly.
        let upper = format!("BEARER {token}");
        assert!(book.authenticate(Some(upper.as_bytes()), 0).is_ok());
        let wrong = format!("{}x", &token[..token.len() - 1]);
        assert_eq!(
            book.authenticate(Some(&bearer(&wrong)), 0),
            Err(Refusal::Unknown)
        );
    }

    #[test]
    fn bad_headers_are_refused_by_name() {
        let mut registry = Registry::default();
        registry.add("a", "A", Role::Reviewer).unwrap();
        let (_dir, book) = book_with(&registry);
        assert_eq!(book.authenticate(None, 0), Err(Refusal::Missing));
        for bad in [
            &b"Basic abc"[..],
            b"Bearer",
            b"Bearer ",
            b"Bearer \xff\xfe",
            b"Bearer a\tb",
            b"",
        ] {
            assert_eq!(
                book.authenticate(Some(bad), 0),
                Err(Refusal::Malformed),
                "{bad:?}"
            );
        }
        let huge = bearer(&"x".repeat(1 << 20));
        assert_eq!(book.authenticate(Some(&huge), 0), Err(Refusal::Unknown));
    }

    #[test]
    fn revocation_counts_from_its_time_and_is_read_again() {
        let mut registry = Registry::default();
        let token = registry.add("a", "A", Role::Reviewer).unwrap();
        let (dir, book) = book_with(&registry);
        assert!(book.authenticate(Some(&bearer(&token)), 100).is_ok());
        registry.revoke("a", 200).unwrap();
        registry.save(&dir.path().join("officers.toml")).unwrap();
        assert!(book.authenticate(Some(&bearer(&token)), 199).is_ok());
        assert_eq!(
            book.authenticate(Some(&bearer(&token)), 200),
            Err(Refusal::Revoked {
                id: "a".into(),
                role: Role::Reviewer
            })
        );
        assert!(matches!(
            registry.revoke("a", 300),
            Err(OfficerError::Refused(_))
        ));
    }

    #[test]
    fn an_unusable_registry_refuses_everyone() {
        let mut registry = Registry::default();
        let token = registry.add("a", "A", Role::Administrator).unwrap();
        let (dir, book) = book_with(&registry);
        let path = dir.path().join("officers.toml");
        std::fs::write(&path, "[[officer]]\nid = \"a\"\n").unwrap();
        assert!(matches!(
            book.authenticate(Some(&bearer(&token)), 0),
            Err(Refusal::Registry(_))
        ));
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(
            book.authenticate(Some(&bearer(&token)), 0),
            Err(Refusal::Registry(_))
        ));
    }

    #[test]
    fn the_registry_refuses_duplicates_and_bad_ids() {
        let mut registry = Registry::default();
        registry.add("a", "A", Role::Registrar).unwrap();
        assert!(registry.add("a", "A again", Role::Registrar).is_err());
        assert!(registry.add("Has Space", "B", Role::Registrar).is_err());
        assert!(registry.add(&"x".repeat(65), "C", Role::Registrar).is_err());
        registry
            .add_with_token("b", "B", Role::Registrar, "same-token-0123456")
            .unwrap();
        assert!(
            registry
                .add_with_token("c", "C", Role::Registrar, "same-token-0123456")
                .is_err()
        );
        assert_eq!(registry.officers.len(), 2);
        assert_eq!(Registry::parse(&registry.to_toml()).unwrap(), registry);
    }

    #[test]
    fn a_missing_registry_is_created_for_the_legacy_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("officers.toml");
        assert!(ensure_registry(&path, "legacy-token-0123456").unwrap());
        assert!(!ensure_registry(&path, "another-token-0123456").unwrap());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let book = OfficerBook::open(&path, ORIGIN, Suite::default()).unwrap();
        let officer = book
            .authenticate(Some(&bearer("legacy-token-0123456")), 0)
            .unwrap();
        assert_eq!(
            (officer.id.as_str(), officer.role),
            (ADMINISTRATOR, Role::Administrator)
        );
    }
}
