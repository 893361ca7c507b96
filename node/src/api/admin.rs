//! The agency's administration calls (administrators only).

use axum::Json;
use axum::extract::State;

use super::{Acting, ApiError, ApiState};
use crate::reload::{ReloadError, Reloaded};

/// `POST /v1/admin/reload`: reads the membership file again and puts it in force, as SIGHUP does
/// (docs/operations.md#adding-or-removing-an-agency). An invalid file changes nothing: 422 with
/// the reason.
pub async fn reload(
    State(state): State<ApiState>,
    acting: Acting,
) -> Result<Json<Reloaded>, ApiError> {
    acting.may(crate::officers::ADMIN_RELOAD)?;
    let reloader = state.reloader.clone().ok_or(ReloadError::Alone)?;
    let reloaded = tokio::task::spawn_blocking(move || reloader.reload())
        .await
        .map_err(|e| ApiError::Internal(format!("reload task failed: {e}")))??;
    Ok(Json(reloaded))
}
