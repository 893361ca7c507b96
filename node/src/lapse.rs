//! Cancellation for lapse (R23): a certificate not renewed by its deadline is cancelled by the
//! agency and announced. The node does it on its own (docs/operations.md#lapse): every
//! `check_interval_secs` it scans its certificates, asks the lifecycle rules
//! ([`lifecycle::lapse_check`], the same check the engine applies to the record) which ones have
//! lapsed today, and appends a `Cancelled { reason: Lapsed }` for each, naming no officer (an act
//! of the node itself). The public notice board lists the cancellation like any other.

use std::sync::Arc;
use std::time::Duration;

use ledger_format::date::Date;
use ledger_format::lifecycle::{self, Status, TransitionError};
use ledger_format::record::{Body, CancellationReason, Cancelled};
use tokio::sync::oneshot;

use crate::clock::Clock;
use crate::sequencer::SequencerHandle;
use crate::store::{Store, StoreError, load_rules};

/// States read per page of the scan.
const PAGE: usize = 1024;

/// Settings of the lapse task (`[lifecycle]` in the configuration).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LapseSettings {
    /// Cancel lapsed certificates automatically (R23); on by default.
    pub auto_lapse: bool,
    /// Seconds between two scans.
    pub check_interval_secs: u64,
}

impl Default for LapseSettings {
    fn default() -> Self {
        LapseSettings {
            auto_lapse: true,
            check_interval_secs: 3600,
        }
    }
}

/// The outcome of one scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LapseScan {
    /// Certificates examined.
    pub examined: u64,
    /// Cancellations appended.
    pub cancelled: u64,
    /// Cancellations the sequencer refused (logged; retried at the next scan).
    pub refused: u64,
    /// Expired certificates whose lapse the rules cannot decide yet (a calendar or profile is
    /// missing; logged, retried at the next scan).
    pub undecided: u64,
}

/// Scans every certificate of `store` once and cancels those that lapsed on `today`.
///
/// # Errors
/// [`StoreError`] when the store cannot be read; refusals by the sequencer are counted, not
/// returned.
pub async fn scan_once(
    store: Arc<dyn Store>,
    sequencer: &SequencerHandle,
    today: Date,
) -> Result<LapseScan, StoreError> {
    let registry = store.clone();
    let (calendars, profiles) = tokio::task::spawn_blocking(move || load_rules(&*registry))
        .await
        .map_err(|e| StoreError::Io(format!("lapse scan task: {e}")))??;
    let mut scan = LapseScan::default();
    let mut after = None;
    loop {
        let page_store = store.clone();
        let from = after.clone();
        let page =
            tokio::task::spawn_blocking(move || page_store.states_after(from.as_ref(), PAGE))
                .await
                .map_err(|e| StoreError::Io(format!("lapse scan task: {e}")))??;
        let Some(last) = page.last() else {
            return Ok(scan);
        };
        after = Some(last.code.clone());
        for state in page {
            scan.examined += 1;
            if state.status != Status::Active {
                continue;
            }
            match lifecycle::lapse_check(&state, &calendars, &profiles, today) {
                Ok(()) => {}
                Err(TransitionError::NotLapsed(_) | TransitionError::RenewalPending(_)) => continue,
                Err(e) => {
                    // Past its last valid day but undecidable (a missing calendar of the expiry
                    // year, no profile in force): the agency must publish what is missing.
                    if state.validity.is_some_and(|v| v.until < today) {
                        scan.undecided += 1;
                        tracing::warn!(code = %state.code, error = %e, "cannot decide whether the certificate lapsed");
                    }
                    continue;
                }
            }
            let body = Body::Cancelled(Cancelled {
                code: state.code.clone(),
                reason: CancellationReason::Lapsed,
                application_index: None,
            });
            match sequencer.append_as(body, None).await {
                Ok(appended) => {
                    scan.cancelled += 1;
                    tracing::info!(code = %state.code, index = appended.index, "certificate cancelled for lapse (R23)");
                }
                Err(e) => {
                    scan.refused += 1;
                    tracing::warn!(code = %state.code, error = %e, "cancellation for lapse refused");
                }
            }
        }
    }
}

/// Runs [`scan_once`] every `settings.check_interval_secs` (first right away) until `stop`.
pub fn spawn(
    settings: &LapseSettings,
    store: Arc<dyn Store>,
    sequencer: SequencerHandle,
    clock: Arc<dyn Clock>,
) -> Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)> {
    if !settings.auto_lapse {
        return None;
    }
    let interval = Duration::from_secs(settings.check_interval_secs.max(1));
    let (stop, mut stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        loop {
            match Date::from_unix_cst(clock.now()) {
                Ok(today) => match scan_once(store.clone(), &sequencer, today).await {
                    Ok(scan) if scan.cancelled > 0 || scan.refused > 0 || scan.undecided > 0 => {
                        tracing::info!(?scan, "lapse scan");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "lapse scan failed"),
                },
                Err(e) => tracing::error!(error = %e, "lapse scan: the clock is out of range"),
            }
            tokio::select! {
                _ = &mut stopped => return,
                () = tokio::time::sleep(interval) => {}
            }
        }
    });
    Some((stop, task))
}
