//! Answering peers: the latest checkpoint of every log the node holds, and ranges of records with
//! the consistency proof from their end to the checkpoint the asker wants to reach.

use ledger_format::merkle::consistency_proof;

use super::protocol::{MAX_LOGS, MAX_RANGE_RECORDS, MAX_RESPONSE_BYTES, Request, Response};
use super::shared::Shared;
use crate::export;
use crate::store::{Store, TreeReader};

impl Shared {
    /// Answers a peer's request.
    pub fn serve(&self, request: Request) -> Response {
        match self.try_serve(request) {
            Ok(response) => response,
            Err(reason) => Response::Refused(reason),
        }
    }

    fn try_serve(&self, request: Request) -> Result<Response, String> {
        match request {
            Request::Checkpoints => {
                let mut notes = Vec::new();
                let logs = self.logs();
                for log in logs.all().take(MAX_LOGS) {
                    if let Some(stored) =
                        log.store.latest_checkpoint().map_err(|e| e.to_string())?
                    {
                        notes.push(
                            export::served_note(&*log.store, &stored).map_err(|e| e.to_string())?,
                        );
                    }
                }
                Ok(Response::Checkpoints(notes))
            }
            Request::Range {
                origin,
                start,
                end,
                proof_to,
            } => {
                let logs = self.logs();
                let log = logs
                    .get(Some(&origin))
                    .ok_or_else(|| format!("unknown log {origin}"))?;
                serve_range(&*log.store, start, end, proof_to)
            }
        }
    }
}

/// Records `start..end` (cut to what one response carries) and the consistency proof from their
/// end to `proof_to`.
fn serve_range(store: &dyn Store, start: u64, end: u64, proof_to: u64) -> Result<Response, String> {
    let tip = store.tip().map_err(|e| e.to_string())?.size;
    if start >= tip || end <= start || proof_to > tip || end > proof_to {
        return Err(format!(
            "range {start}..{end} to {proof_to} is not within the {tip} records held"
        ));
    }
    let end = end.min(start.saturating_add(MAX_RANGE_RECORDS));
    let mut records = store.records(start, end).map_err(|e| e.to_string())?;
    let mut bytes = 0usize;
    let budget = MAX_RESPONSE_BYTES / 2;
    if let Some(cut) = records.iter().position(|r| {
        bytes += r.len() + 8;
        bytes > budget
    }) {
        records.truncate(cut.max(1));
    }
    let last = start + records.len() as u64;
    let proof = if last == proof_to {
        Vec::new()
    } else {
        consistency_proof(last, proof_to, &TreeReader(store))
            .map_err(|e| e.to_string())?
            .path
    };
    Ok(Response::Range { records, proof })
}
