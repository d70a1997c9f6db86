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

pub async fn reset_password(ctx: &Ctx, email: &str, code: &str, password: &str) -> Result<&'static str, AppError> {
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
        .password(password)
        .send()
        .await
        .map_err(|e| match error_code(&e) {
            Some("UserNotFoundException") | Some("NotAuthorizedException") => {
                log_sdk_error("ConfirmForgotPassword", &e);
                AppError::CodeMismatch
            }
            _ => map_sdk_error("ConfirmForgotPassword", &e),
        })?;
    // The old password may be known to someone else: end every session.
    let signed_out =
        s.cognito.admin_user_global_sign_out().user_pool_id(&s.config.user_pool_id).username(&email).send().await;
    ctx.end_session();
    let (kind, message) = match signed_out {
        Ok(_) => (FlashKind::Success, t::RESET_DONE.text().to_string()),
        Err(e) => {
            log_sdk_error("AdminUserGlobalSignOut", &e);
            (FlashKind::Error, t::RESET_NOT_SIGNED_OUT.text().to_string())
        }
    };
    ctx.flash(&Flash { kind, message, email: Some(email), ..Flash::default() });
    Ok(crate::routes::SIGN_IN)
}
