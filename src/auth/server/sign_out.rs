//! Signing out: this browser (the refresh token revoked), or every session of the person.

use crate::error::AppError;
use crate::i18n::t::auth_server as t;
use crate::server::aws::log_sdk_error;
use crate::server::ctx::Ctx;
use crate::server::session::{Flash, FlashKind, SessionTokens};
use crate::server::state::AppState;

/// Revokes a refresh token (and the tokens issued from it); false (and logged) when Cognito
/// did not do it.
pub async fn revoke_refresh(state: &AppState, refresh: String, why: &str) -> bool {
    let revoked = state
        .cognito
        .revoke_token()
        .client_id(&state.config.client_id)
        .set_client_secret(state.config.client_secret.clone())
        .token(refresh)
        .send()
        .await;
    match revoked {
        Ok(_) => true,
        Err(e) => {
            log_sdk_error(&format!("RevokeToken ({why})"), &e);
            false
        }
    }
}

/// Ends every session of the user behind `access` (GlobalSignOut), or, when Cognito refuses or
/// cannot be reached, with the server's credentials (AdminUserGlobalSignOut). False when both
/// failed: the caller must tell the person.
pub async fn sign_out_all(state: &AppState, access: &str) -> bool {
    match state.cognito.global_sign_out().access_token(access).send().await {
        Ok(_) => return true,
        Err(e) => {
            log_sdk_error("GlobalSignOut", &e);
        }
    }
    let username = crate::server::guard::username_of(access);
    match state
        .cognito
        .admin_user_global_sign_out()
        .user_pool_id(&state.config.user_pool_id)
        .username(username)
        .send()
        .await
    {
        Ok(_) => true,
        Err(e) => {
            log_sdk_error("AdminUserGlobalSignOut", &e);
            false
        }
    }
}

/// Ends the session records of `sub` (every browser is refused at its next request), all of
/// them or all but `keep` (this browser's). With `revoke`, each ended session's refresh token
/// is revoked with Cognito too (not needed after GlobalSignOut, which revokes them all). False
/// when the store did not answer.
pub async fn end_records(state: &AppState, sub: &str, keep: Option<&str>, revoke: bool) -> bool {
    let Ok(records) = state.sessions.list(sub).await else { return false };
    let mut ended = true;
    for record in records.iter().filter(|r| Some(r.id.as_str()) != keep) {
        ended &= state.sessions.delete(sub, &record.id).await.is_ok();
        if revoke && let Some(refresh) = crate::server::guard::record_refresh(state, record) {
            revoke_refresh(state, refresh, "a session ended from settings").await;
        }
    }
    ended
}

/// Ends one session of the signed-in person from settings ("Sign out" beside it), named by its
/// handle; its refresh token is revoked with Cognito too.
pub async fn end_one(ctx: &Ctx, handle: &str) -> Result<&'static str, AppError> {
    let user = ctx.user()?;
    let s = &ctx.state;
    let records = s.sessions.list(&user.sub).await.map_err(|_| AppError::Unavailable)?;
    let this = ctx.tokens()?.sid;
    let Some(record) = records.into_iter().find(|r| r.handle == handle.trim() && Some(&r.id) != this.as_ref()) else {
        return Err(AppError::InvalidInput(t::SESSION_ALREADY_ENDED.text().into()));
    };
    s.sessions.delete(&user.sub, &record.id).await.map_err(|_| AppError::Unavailable)?;
    if let Some(refresh) = crate::server::guard::record_refresh(s, &record) {
        revoke_refresh(s, refresh, "a session ended from settings").await;
    }
    ctx.flash(&Flash::success(t::SESSION_ENDED.text()));
    Ok(crate::routes::SETTINGS_SESSIONS)
}

/// Ends every other session of the signed-in person ("Sign out all other browsers").
pub async fn end_others(ctx: &Ctx) -> Result<&'static str, AppError> {
    let user = ctx.user()?;
    let this = ctx.tokens()?.sid;
    if !end_records(&ctx.state, &user.sub, this.as_deref(), true).await {
        return Err(AppError::Unavailable);
    }
    ctx.notify(crate::server::email::SecurityEvent::SessionsEnded).await;
    ctx.flash(&Flash::success(t::OTHER_SESSIONS_ENDED.text()));
    Ok(crate::routes::SETTINGS_SESSIONS)
}

pub async fn sign_out(ctx: &Ctx) -> Result<&'static str, AppError> {
    let s = &ctx.state;
    let tokens = ctx.parts.extensions.get::<SessionTokens>().cloned().or_else(|| s.cookies.session(&ctx.parts.headers));
    let mut ended = true;
    // This browser's record, found by its id (whoever it belongs to, and even when the
    // session cannot be checked right now).
    if let Some(sid) = tokens.as_ref().and_then(|t| t.sid.clone()) {
        ended &= match s.sessions.get(&sid).await {
            Ok(Some(record)) => s.sessions.delete(&record.sub, &sid).await.is_ok(),
            Ok(None) => true,
            Err(_) => false,
        };
    }
    if let Some(tokens) = tokens {
        // Revoking ends the refresh token everywhere; if that fails, every session of this
        // person ends instead. The cookies go regardless.
        if let Some(refresh) = tokens.refresh.clone() {
            ended &= revoke_refresh(s, refresh, "sign-out").await || sign_out_all(s, &tokens.access).await;
        }
    }
    ctx.end_session();
    let (kind, message) = if ended {
        (FlashKind::Success, t::SIGNED_OUT.text().to_string())
    } else {
        // The person must know when a copy of their cookies may still work.
        (FlashKind::Error, t::SIGNED_OUT_HERE_ONLY.text().to_string())
    };
    ctx.flash(&Flash { kind, message, ..Flash::default() });
    Ok(crate::routes::SIGN_IN)
}

/// GlobalSignOut: every session of this person ends (their refresh tokens are refused), this
/// one at once, others at their next check with Cognito.
/// With `remove_passkeys`, every passkey of the account goes first (a passkey someone else added
/// would otherwise still sign in).
pub async fn sign_out_everywhere(ctx: &Ctx, remove_passkeys: bool) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let user = ctx.user()?;
    let s = &ctx.state;
    // Removing the passkeys failing must not keep anyone signed in: reported beside.
    let removed =
        if remove_passkeys { crate::passkeys::server::delete_all(s, &tokens.access).await.ok() } else { Some(0) };
    if removed.is_some_and(|n| n > 0) {
        ctx.notify(crate::server::email::SecurityEvent::PasskeysRemoved).await;
    }
    s.cognito
        .global_sign_out()
        .access_token(&tokens.access)
        .send()
        .await
        .map_err(|e| ctx.token_error("GlobalSignOut", &e))?;
    // Every browser is refused at its next request, not only at its next check with Cognito.
    let records_ended = end_records(s, &user.sub, None, false).await;
    ctx.end_session();
    let (kind, mut message) = if records_ended {
        (FlashKind::Success, t::SIGNED_OUT_EVERYWHERE.text().to_string())
    } else {
        tracing::error!("signed out everywhere with Cognito, but the session records could not all be ended");
        (FlashKind::Error, t::SIGNED_OUT_EVERYWHERE_NOT_AT_ONCE.text().to_string())
    };
    match removed {
        Some(0) => {}
        Some(n) => message = format!("{message} {}", t::PASSKEYS_REMOVED.fill(&[("count", &n)])),
        None => message = format!("{message} {}", t::PASSKEYS_NOT_REMOVED.text()),
    }
    ctx.flash(&Flash { kind, message, ..Flash::default() });
    Ok(crate::routes::SIGN_IN)
}
