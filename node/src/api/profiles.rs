//! Rule profiles (docs/format.md#profiles): the agency adopts one by name or in full, and anyone
//! reads which profiles the log adopted and which is in force.

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use ledger_format::date::Date;
use ledger_format::profile::{ProfileAdopted, Profiles, RuleProfile, builtin};
use ledger_format::record::Body;
use serde::{Deserialize, Serialize};

use super::agency::AppendedJson;
use super::extract::ApiJson;
use super::{Acting, ApiError, ApiState};

/// The body of `POST /v1/agency/profile`: a built-in profile by `name`, or a whole `profile` of
/// the agency's own (which the network's membership must pin by digest), in force from `from`
/// (default: the node's today, China Standard Time).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdoptRequest {
    name: Option<String>,
    profile: Option<RuleProfile>,
    from: Option<Date>,
}

#[derive(Debug, Serialize)]
pub struct AdoptedJson {
    #[serde(flatten)]
    appended: AppendedJson,
    name: String,
    from: Date,
    digest: String,
}

/// The node's today, China Standard Time.
fn today(state: &ApiState) -> Result<Date, ApiError> {
    Date::from_unix_cst(state.clock.now())
        .map_err(|e| ApiError::Internal(format!("the node's clock: {e}")))
}

/// `POST /v1/agency/profile`: appends a `ProfileAdopted` record (administrators only).
pub async fn adopt(
    State(state): State<ApiState>,
    acting: Acting,
    request: Request,
) -> Result<(StatusCode, Json<AdoptedJson>), ApiError> {
    acting.may("profile-adopted")?;
    let ApiJson(body) = ApiJson::<AdoptRequest>::from_request(request, &()).await?;
    let profile = match (body.name, body.profile) {
        (Some(name), None) => builtin(&name).ok_or_else(|| {
            ApiError::bad_request(
                "name",
                format!(
                    "{name} is not a built-in profile ({})",
                    ledger_format::profile::BUILTIN.join(", ")
                ),
            )
        })?,
        (None, Some(profile)) => profile,
        _ => {
            return Err(ApiError::bad_request(
                "name",
                "give either the name of a built-in profile or a whole profile",
            ));
        }
    };
    let from = match body.from {
        Some(from) => from,
        None => today(&state)?,
    };
    let name = profile.name.clone();
    let digest = profile.digest().to_hex();
    let appended = state
        .sequencer
        .append_as(
            Body::ProfileAdopted(ProfileAdopted { from, profile }),
            Some(acting.commitment()),
        )
        .await?;
    acting.appended(appended.index);
    Ok((
        StatusCode::CREATED,
        Json(AdoptedJson {
            appended: AppendedJson::new(&appended, "profile-adopted"),
            name,
            from,
            digest,
        }),
    ))
}

#[derive(Debug, Serialize)]
pub struct ProfilesJson {
    /// The profile in force today (China Standard Time, by the node's clock), if any.
    in_force: Option<String>,
    adopted: Vec<AdoptionJson>,
}

#[derive(Debug, Serialize)]
pub struct AdoptionJson {
    from: Date,
    digest: String,
    profile: RuleProfile,
}

/// `GET /v1/profiles`: the rule profiles the node's log adopted, in log order, and the one in
/// force today.
pub async fn list(State(state): State<ApiState>) -> Result<Json<ProfilesJson>, ApiError> {
    let profiles = Profiles::new(state.read(|store, _| store.profiles()).await??);
    let in_force = profiles
        .in_force(today(&state)?)
        .ok()
        .map(|p| p.name.clone());
    Ok(Json(ProfilesJson {
        in_force,
        adopted: profiles
            .adopted()
            .iter()
            .map(|a| AdoptionJson {
                from: a.from,
                digest: a.profile.digest().to_hex(),
                profile: a.profile.clone(),
            })
            .collect(),
    }))
}
