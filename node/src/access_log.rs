//! The access log (docs/operations.md#access-log): one JSON line per authenticated request to an
//! agency or admin route, accepted or refused (ZQ25: identity checks, access control and an audit
//! trail). Append-only; each line is written and synced (`fdatasync`) before the response leaves,
//! so an answered request is on disk. It names the officer, never the token.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

/// One line of the access log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessEntry {
    /// When the request was answered, RFC 3339 in China Standard Time.
    pub time: String,
    /// The officer the credential belongs to; `null` for a missing, malformed or unknown token.
    pub officer: Option<String>,
    /// The officer's role, when known.
    pub role: Option<&'static str>,
    /// The HTTP method.
    pub method: String,
    /// The route, e.g. `/v1/agency/records`.
    pub route: String,
    /// The HTTP status answered.
    pub status: u16,
    /// The record kind (or act) asked for, when the request named one.
    pub kind: Option<String>,
    /// The index of the record appended, if any.
    pub index: Option<u64>,
    /// Why the request was refused: `missing`, `malformed`, `unknown`, `revoked`, `registry` (the
    /// credential) or `role` (the act); `null` when the credential and role were accepted.
    pub reason: Option<&'static str>,
}

/// The append-only access-log file.
#[derive(Debug)]
pub struct AccessLog {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl AccessLog {
    /// Opens (or creates, mode 0600) the log at `path` for appending.
    ///
    /// # Errors
    /// The I/O error.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)?;
        Ok(AccessLog {
            path: path.to_owned(),
            file: Mutex::new(file),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `entry` as one line and syncs it. Blocking: call it from a blocking task.
    ///
    /// # Errors
    /// The I/O error.
    pub fn append(&self, entry: &AccessEntry) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // One write of the whole line: with O_APPEND, lines never interleave.
        file.write_all(&line)?;
        file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_appended_as_json() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.access.log");
        let entry = AccessEntry {
            time: "2026-11-23T10:00:00+08:00".into(),
            officer: Some("yx-registrar-07".into()),
            role: Some("registrar"),
            method: "POST".into(),
            route: "/v1/agency/records".into(),
            status: 403,
            kind: Some("issued".into()),
            index: None,
            reason: Some("role"),
        };
        AccessLog::open(&path).unwrap().append(&entry).unwrap();
        AccessLog::open(&path).unwrap().append(&entry).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["officer"], "yx-registrar-07");
        assert_eq!(lines[1]["reason"], "role");
        assert_eq!(lines[1]["index"], serde_json::Value::Null);
    }
}
