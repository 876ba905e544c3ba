//! `GET /api/v1/usage`: requests per key, UTC day and endpoint. A key sees its own; the admin
//! key sees every key's, or one key's with `?key=NAME`.

use axum::extract::State;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::keys::Caller;
use crate::query::StrictQuery;
use crate::state::AppState;
use crate::store::keys::Day;

/// Longest range asked at once, in days (both ends included): a year and a day, so that "the
/// same day last year" to today fits.
pub const MAX_DAYS: i64 = 367;
/// Days shown when `from` is not given: the last 30, today included.
const DEFAULT_DAYS: i64 = 30;

/// `/api/v1/usage`.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/usage", get(usage))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsageQuery {
    from: Option<String>,
    to: Option<String>,
    key: Option<String>,
}

fn day(name: &str, value: Option<&str>) -> ApiResult<Option<Day>> {
    value
        .map(|v| {
            v.parse::<Day>()
                .map_err(|e| ApiError::refused_parameter(format!("{name}: {e}")))
        })
        .transpose()
}

async fn usage(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    StrictQuery(query): StrictQuery<UsageQuery>,
) -> ApiResult<Json<Value>> {
    let who =
        match caller.map(|Extension(c)| c) {
            Some(Caller::Admin) => None,
            Some(Caller::Key(key)) => Some(key.name.clone()),
            Some(Caller::Anonymous) | None => return Err(ApiError::new(
                ErrorCode::ApiKeyRequired,
                "usage is counted per API key: send yours (or the admin key) as Authorization: \
                 Bearer <key> or X-API-Key",
            )),
        };
    let to = day("to", query.to.as_deref())?.unwrap_or_else(Day::today);
    let from = day("from", query.from.as_deref())?.unwrap_or(Day(to.0 - (DEFAULT_DAYS - 1)));
    if from > to {
        return Err(ApiError::refused_parameter(format!(
            "from ({from}) is after to ({to})"
        )));
    }
    if to.0 - from.0 + 1 > MAX_DAYS {
        return Err(ApiError::refused_parameter(format!(
            "at most {MAX_DAYS} days at once; {from} to {to} is {} days",
            to.0 - from.0 + 1
        )));
    }
    let key = match (who, query.key) {
        (None, asked) => {
            if let Some(k) = &asked {
                crate::store::keys::validate_name(k)
                    .map_err(|e| ApiError::refused_parameter(format!("key: {e}")))?;
            }
            asked
        }
        (Some(own), Some(asked)) if asked != own => {
            return Err(ApiError::new(
                ErrorCode::AdminKeyRequired,
                "a key sees its own usage only; other keys' need the admin key",
            ))
        }
        (Some(own), _) => Some(own),
    };
    // This process's counts first, so that the answer includes the requests just made.
    state.keys.flush_usage().await?;
    let counts = state
        .keys
        .with_store(move |s| s.usage(key.as_deref(), from, to))
        .await?;
    let total: u64 = counts.iter().map(|c| c.count).sum();
    let usage: Vec<Value> = counts
        .into_iter()
        .map(|c| json!({"key": c.key, "day": c.day.to_string(), "endpoint": c.endpoint, "count": c.count}))
        .collect();
    Ok(Json(json!({
        "from": from.to_string(),
        "to": to.to_string(),
        "total": total,
        "usage": usage,
    })))
}
