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
    let mut next = crate::routes::SIGN_IN;
    if remove_passkeys && account.is_ok() {
        match remove_every_passkey(ctx, &email, &password).await {
            Removal::Done(0) => {}
            Removal::Done(n) => message = format!("{message} {}", t::PASSKEYS_REMOVED.fill(&[("count", &n)])),
            Removal::NeedsCode(page) => {
                message = t::RESET_DONE_ENTER_CODE.text().to_string();
                next = page;
            }
            Removal::Failed => message = format!("{message} {}", t::PASSKEYS_NOT_REMOVED.text()),
        }
    }
    ctx.flash(&Flash { kind, message, email: Some(email), ..Flash::default() });
    Ok(next)
}

/// What became of "also remove every passkey".
enum Removal {
    Done(usize),
    /// The account has an authenticator app: the sign-in goes on at its page (this one), and the
    /// passkeys go once its code is answered.
    NeedsCode(&'static str),
    Failed,
}

/// Removes every passkey of a just-reset account. Cognito deletes passkeys only with the
/// account's own access token, so the server signs in with the new password: without an
/// authenticator app that sign-in is done at once (its session revoked unused); with one, the
/// person is asked for its code, and the passkeys go as that sign-in completes
/// (`sign_in::respond`). Two-factor is never lowered for it.
async fn remove_every_passkey(ctx: &Ctx, email: &str, password: &str) -> Removal {
    use aws_sdk_cognitoidentityprovider::types::ChallengeNameType;
    let s = &ctx.state;
    let out = match crate::auth::server::password_sign_in(s, email, password).await {
        Ok(out) => out,
        Err(e) => {
            log_sdk_error("InitiateAuth (removing passkeys after a reset)", &e);
            return Removal::Failed;
        }
    };
    match out.authentication_result {
        Some(result) => {
            let access = result.access_token().unwrap_or_default().to_string();
            let removed = crate::passkeys::server::delete_all(s, &access).await;
            if let Some(refresh) = result.refresh_token {
                crate::auth::server::revoke_refresh(s, refresh, "removing passkeys after a reset").await;
            }
            match removed {
                Ok(n) => {
                    if n > 0 {
                        ctx.notify_account(email, crate::server::email::SecurityEvent::PasskeysRemoved).await;
                    }
                    Removal::Done(n)
                }
                Err(_) => Removal::Failed,
            }
        }
        None if out.challenge_name == Some(ChallengeNameType::SoftwareTokenMfa) => {
            // Once the code is answered, the passkeys go (`sign_in::respond`).
            match crate::auth::server::new_challenge(email, out.challenge_name, out.session, out.challenge_parameters) {
                Ok((challenge, page)) => {
                    let challenge = crate::auth::server::Challenge { remove_passkeys: true, ..challenge };
                    crate::auth::server::keep_challenge(ctx, &challenge);
                    Removal::NeedsCode(page)
                }
                Err(_) => Removal::Failed,
            }
        }
        None => {
            tracing::error!(challenge = ?out.challenge_name, "a sign-in to remove passkeys after a reset asked for another step");
            Removal::Failed
        }
    }
}
