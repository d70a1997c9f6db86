//! Works out who is behind a request: verifies the session's tokens, refreshes them with
//! GetTokensFromRefreshToken when the access token expires within 60 s (or was last checked with
//! Cognito longer ago than `session.revalidate_seconds`), and ends the session when Cognito
//! refuses the refresh. A refresh that fails for a network or 5xx reason keeps the session.

use super::aws::{error_code, log_sdk_error, map_sdk_error};
use super::rate_limit::StoreUnavailable;
use super::session::{CookieName, SessionTokens};
use super::session_store::{self, SessionRecord, TOUCH_EVERY_SECONDS};
use super::state::AppState;
use super::verifier::VerifyError;
use crate::auth::{Auth, CurrentUser};
use crate::error::AppError;
use http::HeaderValue;

/// Refresh when the access token has less than this left.
pub const REFRESH_AHEAD_SECONDS: u64 = 60;

/// The result for one request.
pub struct Resolved {
    pub auth: Auth,
    /// The tokens to act with (fresh ones after a refresh).
    pub tokens: Option<SessionTokens>,
    /// Cookies to set on the response (new tokens, or the session's end).
    pub set_cookies: Vec<HeaderValue>,
}

impl Resolved {
    fn signed_out(set_cookies: Vec<HeaderValue>) -> Self {
        Resolved { auth: Auth::SignedOut, tokens: None, set_cookies }
    }
}

pub fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

pub async fn resolve(state: &AppState, tokens: Option<SessionTokens>) -> Resolved {
    let Some(tokens) = tokens else { return Resolved::signed_out(vec![]) };
    // The server-side record first: a session that was ended anywhere is refused here, on
    // every path, whatever copy of its cookies is presented.
    let Some(sid) = tokens.sid.clone() else {
        tracing::info!("session cookies without a session record; signing out");
        return Resolved::signed_out(state.cookies.end_session());
    };
    let record = match state.sessions.get(&sid).await {
        Ok(Some(record)) => record,
        Ok(None) => {
            tracing::info!("the session's record is gone (signed out, ended or expired); signing out");
            return Resolved::signed_out(state.cookies.end_session());
        }
        Err(StoreUnavailable) => {
            tracing::error!("cannot check the session: the session store did not answer");
            return Resolved { auth: Auth::Unavailable, tokens: Some(tokens), set_cookies: vec![] };
        }
    };
    let old_refresh = tokens.refresh.clone();
    let resolved = check_tokens(state, tokens).await;
    match &resolved.auth {
        Auth::SignedIn(user) if user.sub != record.sub => {
            tracing::warn!("session cookies of one account with another account's record; signing out");
            Resolved::signed_out(state.cookies.end_session())
        }
        Auth::SignedIn(_) => {
            let now = now_unix();
            let rotated =
                resolved.tokens.as_ref().and_then(|t| t.refresh.clone()).filter(|r| Some(r) != old_refresh.as_ref());
            if rotated.is_some() || now >= record.last_seen + TOUCH_EVERY_SECONDS {
                let sealed = rotated.map(|r| state.cookies.seal_text(CookieName::Refresh, &r));
                // Not being able to note the time must not end the session; it is logged.
                let _ = state.sessions.touch(&sid, now, sealed.as_deref()).await;
            }
            resolved
        }
        Auth::SignedOut => {
            // Cognito refused the refresh, or the tokens no longer verify: the record goes too.
            let _ = state.sessions.delete(&record.sub, &sid).await;
            resolved
        }
        Auth::Unavailable => resolved,
    }
}

/// Starts the server-side record of a new session of `sub` for the browser of `headers`
/// (client `ip`); returns its id, which the session cookies carry.
pub async fn record_session(
    state: &AppState,
    tokens: &SessionTokens,
    sub: &str,
    headers: &http::HeaderMap,
    ip: std::net::IpAddr,
) -> Result<String, AppError> {
    let now = now_unix();
    let user_agent = headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let (browser, os) = session_store::browser_and_os(user_agent);
    let record = SessionRecord {
        id: session_store::new_id(),
        handle: session_store::new_id(),
        sub: sub.to_string(),
        created: now,
        last_seen: now,
        expires: now + state.config.refresh_token_seconds.max(0) as u64,
        browser,
        os,
        network: session_store::coarse_network(ip),
        refresh: tokens.refresh.as_ref().map(|r| state.cookies.seal_text(CookieName::Refresh, r)),
    };
    state.sessions.put(&record).await.map_err(|StoreUnavailable| AppError::Unavailable)?;
    // An account keeps at most `MAX_SESSIONS` (the store stays bounded): the oldest go.
    if let Ok(records) = state.sessions.list(sub).await {
        for old in records.iter().take(records.len().saturating_sub(session_store::MAX_SESSIONS)) {
            let _ = state.sessions.delete(sub, &old.id).await;
        }
    }
    Ok(record.id)
}

/// The session's refresh token from its record, for revoking it when the session is ended
/// from another browser.
pub fn record_refresh(state: &AppState, record: &SessionRecord) -> Option<String> {
    record.refresh.as_deref().and_then(|sealed| state.cookies.open_text(CookieName::Refresh, sealed))
}

/// The checks of `resolve` on the tokens themselves: verified, refreshed when due, ended
/// when Cognito refuses the refresh.
async fn check_tokens(state: &AppState, tokens: SessionTokens) -> Resolved {
    let end = || state.cookies.end_session();
    let now = now_unix();
    let needs_refresh = match state.verifier.verify_access(&tokens.access).await {
        Ok(claims) => {
            claims.exp <= now + REFRESH_AHEAD_SECONDS
                || claims.iat.is_some_and(|iat| now >= iat + state.config.revalidate_seconds)
        }
        Err(VerifyError::Expired) => true,
        Err(VerifyError::JwksUnavailable(e)) => {
            tracing::error!(error = %e, "cannot check the session: JWKS unreachable");
            return Resolved { auth: Auth::Unavailable, tokens: Some(tokens), set_cookies: vec![] };
        }
        Err(e) => {
            tracing::info!(reason = %e, "session access token no longer verifies; signing out");
            return Resolved::signed_out(end());
        }
    };
    if !needs_refresh {
        return verified(state, tokens, vec![]).await;
    }
    let Some(refresh) = tokens.refresh.clone() else {
        return Resolved::signed_out(end());
    };
    match refresh_tokens(state, &refresh).await {
        Ok(fresh) => {
            let fresh = SessionTokens { sid: tokens.sid.clone(), ..fresh };
            let cookies = state.cookies.start_session(&fresh, i64::from(state.config.refresh_token_seconds));
            verified(state, fresh, cookies).await
        }
        Err(AppError::WrongCredentials) => {
            tracing::info!("refresh refused (revoked or expired); session ended");
            Resolved::signed_out(end())
        }
        Err(_) => {
            // Network or Cognito trouble: keep the session and try again on the next request.
            match verified(state, tokens.clone(), vec![]).await {
                r @ Resolved { auth: Auth::SignedIn(_), .. } => r,
                _ => Resolved { auth: Auth::Unavailable, tokens: Some(tokens), set_cookies: vec![] },
            }
        }
    }
}

/// Verifies both tokens and builds the signed-in state.
async fn verified(state: &AppState, tokens: SessionTokens, set_cookies: Vec<HeaderValue>) -> Resolved {
    match current_user(state, &tokens.id, &tokens.access).await {
        Ok(user) => Resolved { auth: Auth::SignedIn(user), tokens: Some(tokens), set_cookies },
        Err(VerifyError::JwksUnavailable(_)) => Resolved { auth: Auth::Unavailable, tokens: Some(tokens), set_cookies },
        Err(e) => {
            tracing::info!(reason = %e, "session tokens no longer verify; signing out");
            Resolved::signed_out(state.cookies.end_session())
        }
    }
}

/// The user name Cognito knows the session's user by (the access token's `username`, which is
/// the `sub` in an email-as-username pool). Read without verifying, and used only for the
/// SECRET_HASH of a refresh: Cognito itself checks that it belongs to the refresh token.
pub fn username_of(access: &str) -> String {
    jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(access)
        .ok()
        .and_then(|d| {
            d.claims.get("username").or_else(|| d.claims.get("sub")).and_then(|v| v.as_str()).map(str::to_string)
        })
        .unwrap_or_default()
}

/// GetTokensFromRefreshToken: new tokens, and with the app client's refresh-token rotation on
/// (`provision` turns it on) a new refresh token too, the old one refused after the client's
/// grace period (which lets two tabs refresh at once). `Err(WrongCredentials)` means Cognito
/// refused the refresh token.
pub async fn refresh_tokens(state: &AppState, refresh: &str) -> Result<SessionTokens, AppError> {
    let out = state
        .cognito
        .get_tokens_from_refresh_token()
        .client_id(&state.config.client_id)
        .set_client_secret(state.config.client_secret.clone())
        .refresh_token(refresh)
        .send()
        .await
        .map_err(|e| match error_code(&e) {
            Some("NotAuthorizedException") | Some("RefreshTokenReuseException") => {
                log_sdk_error("GetTokensFromRefreshToken", &e);
                AppError::WrongCredentials
            }
            _ => match map_sdk_error("GetTokensFromRefreshToken", &e) {
                // Anything but a refusal must not end the session.
                AppError::WrongCredentials => AppError::Unavailable,
                other => other,
            },
        })?;
    let result = out.authentication_result.ok_or(AppError::Internal)?;
    Ok(SessionTokens {
        access: result.access_token.ok_or(AppError::Internal)?,
        id: result.id_token.ok_or(AppError::Internal)?,
        // Cognito returns a new refresh token only when rotation is on.
        refresh: result.refresh_token.or(Some(refresh.to_string())),
        sid: None,
    })
}

/// Verifies both tokens of a session and returns who it belongs to.
pub async fn current_user(state: &AppState, id_token: &str, access_token: &str) -> Result<CurrentUser, VerifyError> {
    let id = state.verifier.verify_id(id_token).await?;
    let access = state.verifier.verify_access(access_token).await?;
    if access.sub != id.sub {
        return Err(VerifyError::Invalid("id and access tokens belong to different users".into()));
    }
    let email_verified = id.email_verified();
    Ok(CurrentUser {
        email_verified,
        picture: id.picture.filter(|p| !p.is_empty()),
        locale: id.locale.filter(|l| !l.is_empty()),
        sub: id.sub,
        email: id.email.unwrap_or_default(),
        given_name: id.given_name.unwrap_or_default(),
        family_name: id.family_name.unwrap_or_default(),
        groups: id.groups,
        access_expires_at: access.exp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::Config;
    use crate::server::verifier::Verifier;
    use crate::server::verifier::test_support::*;
    use aws_sdk_cognitoidentityprovider::Client;
    use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
    use aws_sdk_cognitoidentityprovider::operation::get_tokens_from_refresh_token::GetTokensFromRefreshTokenOutput;
    use aws_sdk_cognitoidentityprovider::types::AuthenticationResultType;
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use serde_json::json;

    /// A session whose access token expires in `expires_in` seconds (negative: already expired).
    fn session(expires_in: i64) -> SessionTokens {
        let exp = (now() as i64 + expires_in) as u64;
        SessionTokens {
            access: sign(
                KEY_A,
                "a",
                json!({"sub": "u1", "iss": ISS, "client_id": CLIENT, "token_use": "access", "exp": exp, "iat": now()}),
            ),
            id: sign(
                KEY_A,
                "a",
                json!({"sub": "u1", "iss": ISS, "aud": CLIENT, "token_use": "id", "exp": exp, "email": "a@example.com"}),
            ),
            refresh: Some("refresh-token".into()),
            sid: None,
        }
    }

    /// `tokens` with a live server-side record, as after a sign-in.
    async fn recorded(st: &AppState, tokens: SessionTokens) -> SessionTokens {
        let ip = std::net::IpAddr::from([203, 0, 113, 9]);
        let sid = record_session(st, &tokens, "u1", &http::HeaderMap::new(), ip).await.unwrap();
        SessionTokens { sid: Some(sid), ..tokens }
    }

    async fn state(rule: Rule) -> AppState {
        let (jwks, _) = jwks_server().await;
        let cognito = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, [&rule], |c| {
            c.retry_config(RetryConfig::disabled())
        });
        AppState::for_test(Config::for_test(), cognito, Verifier::new(ISS, CLIENT, &jwks))
    }

    fn answers(status: u16, body: &'static str) -> Rule {
        mock!(Client::get_tokens_from_refresh_token)
            .then_http_response(move || HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body)))
    }

    fn clears_session(cookies: &[http::HeaderValue]) -> bool {
        !cookies.is_empty() && cookies.iter().all(|c| c.to_str().unwrap().contains("Max-Age=0"))
    }

    #[tokio::test]
    async fn a_fresh_session_is_not_refreshed() {
        let rule = answers(500, "");
        let r = {
            let st = state(rule.clone()).await;
            let t = recorded(&st, session(3000)).await;
            resolve(&st, Some(t)).await
        };
        assert!(matches!(r.auth, Auth::SignedIn(_)));
        assert!(r.set_cookies.is_empty());
        assert_eq!(rule.num_calls(), 0);
    }

    #[tokio::test]
    async fn a_token_about_to_expire_is_refreshed_into_new_cookies() {
        let fresh = session(3600);
        let (access, id) = (fresh.access.clone(), fresh.id.clone());
        let rule = mock!(Client::get_tokens_from_refresh_token).then_output(move || {
            GetTokensFromRefreshTokenOutput::builder()
                .authentication_result(
                    AuthenticationResultType::builder()
                        .access_token(access.clone())
                        .id_token(id.clone())
                        .expires_in(3600)
                        .build(),
                )
                .build()
        });
        let r = {
            let st = state(rule.clone()).await;
            let t = recorded(&st, session(30)).await;
            resolve(&st, Some(t)).await
        };
        assert!(matches!(r.auth, Auth::SignedIn(_)));
        assert_eq!(rule.num_calls(), 1);
        assert_eq!(r.tokens.as_ref().unwrap().access, fresh.access);
        assert_eq!(r.tokens.unwrap().refresh.as_deref(), Some("refresh-token"), "the refresh token is kept");
        assert_eq!(r.set_cookies.len(), 4, "access, id, refresh and the record's id");
    }

    #[tokio::test]
    async fn a_refused_refresh_ends_the_session() {
        let rule = answers(400, r#"{"__type":"NotAuthorizedException","message":"Refresh Token has been revoked"}"#);
        let r = {
            let st = state(rule).await;
            let t = recorded(&st, session(30)).await;
            resolve(&st, Some(t)).await
        };
        assert_eq!(r.auth, Auth::SignedOut);
        assert!(clears_session(&r.set_cookies));
    }

    #[tokio::test]
    async fn a_5xx_during_refresh_keeps_the_session() {
        let rule = answers(500, r#"{"__type":"InternalErrorException","message":"boom"}"#);
        let r = {
            let st = state(rule.clone()).await;
            let t = recorded(&st, session(30)).await;
            resolve(&st, Some(t)).await
        };
        assert!(matches!(r.auth, Auth::SignedIn(_)), "still signed in while the token lasts");
        assert!(r.set_cookies.is_empty(), "cookies untouched, so the next request retries");
        assert_eq!(rule.num_calls(), 1);
        // Already expired and Cognito still failing: not signed out, just unavailable for now.
        let rule = answers(503, "");
        let r = {
            let st = state(rule).await;
            let t = recorded(&st, session(-120)).await;
            resolve(&st, Some(t)).await
        };
        assert_eq!(r.auth, Auth::Unavailable);
        assert!(r.set_cookies.is_empty());
    }

    #[tokio::test]
    async fn an_unreachable_cognito_keeps_the_session() {
        let (jwks, _) = jwks_server().await;
        let cognito = crate::server::aws::clients(&Config::for_test()).await.cognito;
        let st = AppState::for_test(Config::for_test(), cognito, Verifier::new(ISS, CLIENT, &jwks));
        let t = recorded(&st, session(30)).await;
        let r = resolve(&st, Some(t)).await;
        assert!(matches!(r.auth, Auth::SignedIn(_)));
        assert!(r.set_cookies.is_empty());
    }

    #[tokio::test]
    async fn a_forged_session_is_signed_out() {
        let rule = answers(500, "");
        let mut forged = session(3000);
        forged.access = sign(
            KEY_B,
            "a",
            json!({"sub": "u1", "iss": ISS, "client_id": CLIENT, "token_use": "access", "exp": now() + 3000}),
        );
        let r = {
            let st = state(rule).await;
            let t = recorded(&st, forged).await;
            resolve(&st, Some(t)).await
        };
        assert_eq!(r.auth, Auth::SignedOut);
        assert!(clears_session(&r.set_cookies));
    }

    #[tokio::test]
    async fn a_session_without_a_live_record_of_its_own_account_is_signed_out() {
        let rule = answers(500, "");
        let st = state(rule.clone()).await;
        // No record at all (cookies from before the records, or forged around them).
        let r = resolve(&st, Some(session(3000))).await;
        assert_eq!(r.auth, Auth::SignedOut);
        assert!(clears_session(&r.set_cookies));
        // A record that was ended (signed out elsewhere).
        let t = recorded(&st, session(3000)).await;
        st.sessions.delete("u1", t.sid.as_deref().unwrap()).await.unwrap();
        let r = resolve(&st, Some(t)).await;
        assert_eq!(r.auth, Auth::SignedOut);
        // Another account's record under these tokens.
        let ip = std::net::IpAddr::from([203, 0, 113, 9]);
        let other = record_session(&st, &session(3000), "someone-else", &http::HeaderMap::new(), ip).await.unwrap();
        let r = resolve(&st, Some(SessionTokens { sid: Some(other), ..session(3000) })).await;
        assert_eq!(r.auth, Auth::SignedOut);
        assert_eq!(rule.num_calls(), 0, "nothing asked of Cognito");
    }

    #[tokio::test]
    async fn last_seen_is_written_at_most_once_a_minute() {
        let st = state(answers(500, "")).await;
        let t = recorded(&st, session(3000)).await;
        let sid = t.sid.clone().unwrap();
        st.sessions.touch(&sid, 1, None).await.unwrap();
        let r = resolve(&st, Some(t.clone())).await;
        assert!(matches!(r.auth, Auth::SignedIn(_)));
        let seen = st.sessions.get(&sid).await.unwrap().unwrap().last_seen;
        assert!(seen > now() - 5, "a minute had passed: written ({seen})");
        st.sessions.touch(&sid, now() - 10, None).await.unwrap();
        resolve(&st, Some(t)).await;
        assert_eq!(
            st.sessions.get(&sid).await.unwrap().unwrap().last_seen,
            now() - 10,
            "within the minute: not written"
        );
    }

    #[tokio::test]
    async fn a_refused_refresh_ends_the_record_too() {
        let rule = answers(400, r#"{"__type":"NotAuthorizedException","message":"Refresh Token has been revoked"}"#);
        let st = state(rule).await;
        let t = recorded(&st, session(30)).await;
        let sid = t.sid.clone().unwrap();
        resolve(&st, Some(t)).await;
        assert_eq!(st.sessions.get(&sid).await.unwrap(), None);
    }
}
