//! The token-protected JSON API (the API-Gateway-authorizer equivalent): a request carries
//! `Authorization: Bearer <access token>` or the session cookie; the token is verified
//! locally against the pool's JWKS. Errors are JSON with the right status and, for 401,
//! `WWW-Authenticate: Bearer`.

use crate::auth::Auth;
use crate::server::state::AppState;
use crate::server::verifier::{AccessClaims, VerifyError};
use axum::{
    Json, Router,
    extract::State,
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;

/// `/api/random` and `/api/admin/stats`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/random", get(random)).route("/api/admin/stats", get(admin_stats))
}

/// Why an API request was refused.
#[derive(Debug, PartialEq)]
pub enum ApiError {
    /// No usable token: 401.
    Unauthorized(&'static str),
    /// A valid token without the needed group: 403.
    Forbidden,
    /// The JWKS could not be fetched: 503.
    Unavailable,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Unauthorized(why) => {
                let mut res = (StatusCode::UNAUTHORIZED, Json(json!({"error": "unauthorized", "message": why}))).into_response();
                res.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
                res
            }
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                Json(json!({"error": "forbidden", "message": "This needs membership of the admins group."})),
            )
                .into_response(),
            ApiError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"error": "unavailable", "message": "Token keys cannot be fetched right now. Try again shortly."})),
            )
                .into_response(),
        }
    }
}

/// The caller: a verified access token from the Authorization header, or else the session.
async fn caller(state: &AppState, req: &Parts) -> Result<AccessClaims, ApiError> {
    let bearer = req
        .headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().ok().and_then(|s| s.strip_prefix("Bearer ")).map(str::trim).filter(|t| !t.is_empty()));
    let (token, is_bearer) = match bearer {
        Some(Some(t)) => (t.to_string(), true),
        Some(None) => return Err(ApiError::Unauthorized("The Authorization header must be `Bearer <access token>`.")),
        None => match req.extensions.get::<Auth>() {
            Some(Auth::SignedIn(_)) => req
                .extensions
                .get::<crate::server::session::SessionTokens>()
                .map(|t| (t.access.clone(), false))
                .ok_or(ApiError::Unauthorized("Sign in or send an access token."))?,
            Some(Auth::Unavailable) => return Err(ApiError::Unavailable),
            _ => return Err(ApiError::Unauthorized("Sign in or send an access token.")),
        },
    };
    let verified =
        if is_bearer { state.verifier.verify_bearer(&token).await } else { state.verifier.verify_access(&token).await };
    let claims = verified.map_err(|e| match e {
        VerifyError::JwksUnavailable(_) => ApiError::Unavailable,
        other => {
            tracing::info!(reason = %other, "API token refused");
            ApiError::Unauthorized("The access token is missing, invalid or expired.")
        }
    })?;
    if state.config.api_check_revocation {
        not_revoked(state, &token).await?;
    }
    Ok(claims)
}

/// The opt-in revocation check (`api.check_revocation`): a verified token is still refused
/// when Cognito says it was revoked (sign-out, sign out everywhere) or its user is gone.
async fn not_revoked(state: &AppState, token: &str) -> Result<(), ApiError> {
    match state.cognito.get_user().access_token(token).send().await {
        Ok(_) => Ok(()),
        Err(e) if crate::server::aws::ends_session(&e) => {
            tracing::info!("API token refused: Cognito says it is revoked");
            Err(ApiError::Unauthorized("The access token has been revoked."))
        }
        Err(e) => {
            crate::server::aws::map_sdk_error("GetUser (API revocation check)", &e);
            Err(ApiError::Unavailable)
        }
    }
}

async fn random(State(state): State<AppState>, req: Parts) -> Result<Json<serde_json::Value>, ApiError> {
    caller(&state, &req).await?;
    let n: u8 = rand::random_range(0..=100);
    Ok(Json(json!({ "randomNumber": n })))
}

async fn admin_stats(State(state): State<AppState>, req: Parts) -> Result<Json<serde_json::Value>, ApiError> {
    let claims = caller(&state, &req).await?;
    if !claims.groups.iter().any(|g| g == "admins") {
        return Err(ApiError::Forbidden);
    }
    let pool = state.cognito.describe_user_pool().user_pool_id(&state.config.user_pool_id).send().await;
    let users = pool.ok().and_then(|p| p.user_pool).map(|p| p.estimated_number_of_users);
    Ok(Json(json!({ "estimatedUsers": users, "you": claims.sub })))
}
