//! Forgot password: a code by email, then a new password (every session signed out).

use crate::auth::validate;
use crate::error::AppError;
use crate::i18n::t::auth_server as t;
use crate::server::aws::{error_code, log_sdk_error, map_sdk_error};
use crate::server::ctx::Ctx;
use crate::server::session::{Flash, FlashKind};

/// The person must know when other devices may still be signed in with the old password. The
/// English text (tests compare it); the flash carries `t::RESET_NOT_SIGNED_OUT` in the request's
/// language.
pub const RESET_NOT_SIGNED_OUT: &str = t::RESET_NOT_SIGNED_OUT.0[0];

pub async fn forgot_password(ctx: &Ctx, email: &str) -> Result<&'static str, AppError> {
    let email = validate::email(email)?;
    let s = &ctx.state;
    match s
        .cognito
        .forgot_password()
        .client_id(&s.config.client_id)
        .set_secret_hash(s.config.secret_hash(&email))
        .username(&email)
        .send()
        .await
    {
        Ok(_) => {}
        // Unknown or unconfirmed accounts are answered exactly like known ones, and so is
        // Cognito's per-account limit (only an existing account can reach it).
        Err(e)
            if matches!(
                error_code(&e),
                Some("UserNotFoundException")
                    | Some("InvalidParameterException")
                    | Some("NotAuthorizedException")
                    | Some("LimitExceededException")
            ) =>
        {
            log_sdk_error("ForgotPassword", &e);
        }
        Err(e) => return Err(map_sdk_error("ForgotPassword", &e)),
    }
    ctx.flash(&Flash::success_for(t::RESET_CODE_SENT.fill(&[("email", &email)]), email));
    Ok(crate::routes::RESET_PASSWORD)
}

/// The new password, then every session ended and the owner told; with `remove_passkeys`,
/// every passkey of the account removed too (`remove_every_passkey`).
pub async fn reset_password(
    ctx: &Ctx,
    email: &str,
    code: &str,
    password: &str,
    remove_passkeys: bool,
) -> Result<&'static str, AppError> {
    let email = validate::email(email)?;
    let code = validate::code(code)?;
    let password = ctx.state.password_policy().new_password(password)?;
    let s = &ctx.state;
    s.cognito
        .confirm_forgot_password()
        .client_id(&s.config.client_id)
        .set_secret_hash(s.config.secret_hash(&email))
        .username(&email)
        .confirmation_code(code)
        .password(&password)
        .send()
        .await
        .map_err(|e| match error_code(&e) {
            Some("UserNotFoundException") | Some("NotAuthorizedException") => {
                log_sdk_error("ConfirmForgotPassword", &e);
                AppError::CodeMismatch
            }
            _ => map_sdk_error("ConfirmForgotPassword", &e),
        })?;
    // The old password may be known to someone else: end every session, in Cognito and here.
    let signed_out =
        s.cognito.admin_user_global_sign_out().user_pool_id(&s.config.user_pool_id).username(&email).send().await;
    let account = s.cognito.admin_get_user().user_pool_id(&s.config.user_pool_id).username(&email).send().await;
    let removed = match (&account, remove_passkeys) {
        (Ok(user), true) => remove_every_passkey(ctx, user, &email, &password).await,
        _ => None,
    };
    let records_ended = match &account {
        Ok(user) => {
            let attr = |name: &str| {
                user.user_attributes().iter().find(|a| a.name() == name).and_then(|a| a.value()).map(str::to_string)
            };
            let sub = attr("sub").unwrap_or_else(|| user.username().to_string());
            let ended = crate::auth::server::end_records(s, &sub, None, false).await;
            let lang =
                attr("locale").as_deref().and_then(crate::i18n::Lang::parse).unwrap_or_else(crate::i18n::current);
            let event = crate::server::email::SecurityEvent::PasswordReset;
            crate::server::email::notify(s, &email, lang, event, &ctx.place()).await;
            ended
        }
        Err(e) => {
            log_sdk_error("AdminGetUser (after a reset)", e);
            false
        }
    };
    ctx.end_session();
    let (kind, mut message) = match signed_out {
        Ok(_) if records_ended => (FlashKind::Success, t::RESET_DONE.text().to_string()),
        Ok(_) => (FlashKind::Error, t::RESET_NOT_SIGNED_OUT.text().to_string()),
        Err(e) => {
            log_sdk_error("AdminUserGlobalSignOut", &e);
            (FlashKind::Error, t::RESET_NOT_SIGNED_OUT.text().to_string())
        }
    };
    match removed {
        Some(0) | None if !remove_passkeys => {}
        Some(n) => message = format!("{message} {}", t::PASSKEYS_REMOVED.fill(&[("count", &n)])),
        None => message = format!("{message} {}", t::PASSKEYS_NOT_REMOVED.text()),
    }
    ctx.flash(&Flash { kind, message, email: Some(email), ..Flash::default() });
    Ok(crate::routes::SIGN_IN)
}

/// Removes every passkey of a just-reset account. Cognito deletes passkeys only with the
/// account's own access token, so the server signs in with the new password; an account with an
/// authenticator app has it turned off for that one sign-in and on again right after (its secret
/// stays). The session is revoked unused. How many went, or `None` when it could not be done.
async fn remove_every_passkey(
    ctx: &Ctx,
    user: &aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserOutput,
    email: &str,
    password: &str,
) -> Option<usize> {
    use aws_sdk_cognitoidentityprovider::types::SoftwareTokenMfaSettingsType;
    let s = &ctx.state;
    let totp = user.user_mfa_setting_list().iter().any(|m| m == "SOFTWARE_TOKEN_MFA");
    let set_totp = |on: bool| {
        s.cognito
            .admin_set_user_mfa_preference()
            .user_pool_id(&s.config.user_pool_id)
            .username(user.username())
            .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(on).preferred_mfa(on).build())
            .send()
    };
    if totp && let Err(e) = set_totp(false).await {
        log_sdk_error("AdminSetUserMFAPreference (before removing passkeys)", &e);
        return None;
    }
    let signed_in = crate::auth::server::password_sign_in(s, email, password).await;
    let removed = match signed_in.map(|out| out.authentication_result) {
        Ok(Some(result)) => {
            let access = result.access_token().unwrap_or_default().to_string();
            let removed = crate::passkeys::server::delete_all(s, &access).await.ok();
            if let Some(refresh) = result.refresh_token {
                crate::auth::server::revoke_refresh(s, refresh, "removing passkeys after a reset").await;
            }
            removed
        }
        Ok(None) => {
            tracing::error!("a sign-in to remove passkeys after a reset asked for another step");
            None
        }
        Err(e) => {
            log_sdk_error("InitiateAuth (removing passkeys after a reset)", &e);
            None
        }
    };
    if totp && let Err(e) = set_totp(true).await {
        // The person is told to check two-factor (the flash); the app cannot do more here.
        log_sdk_error("AdminSetUserMFAPreference (after removing passkeys)", &e);
        return None;
    }
    if removed.is_some_and(|n| n > 0) {
        let event = crate::server::email::SecurityEvent::PasskeysRemoved;
        crate::server::email::notify(s, email, crate::i18n::current(), event, &ctx.place()).await;
    }
    removed
}
