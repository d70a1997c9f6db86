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

pub async fn sign_out(ctx: &Ctx) -> Result<&'static str, AppError> {
    let s = &ctx.state;
    let tokens = ctx.parts.extensions.get::<SessionTokens>().cloned().or_else(|| s.cookies.session(&ctx.parts.headers));
    let mut ended = true;
    if let Some(tokens) = tokens {
        // Revoking ends the refresh token everywhere; if that fails, every session of this
        // person ends instead. The cookies go regardless.
        if let Some(refresh) = tokens.refresh.clone() {
            ended = revoke_refresh(s, refresh, "sign-out").await || sign_out_all(s, &tokens.access).await;
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
pub async fn sign_out_everywhere(ctx: &Ctx) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let s = &ctx.state;
    s.cognito
        .global_sign_out()
        .access_token(&tokens.access)
        .send()
        .await
        .map_err(|e| ctx.token_error("GlobalSignOut", &e))?;
    ctx.end_session();
    ctx.flash(&Flash::success(t::SIGNED_OUT_EVERYWHERE.text()));
    Ok(crate::routes::SIGN_IN)
}
