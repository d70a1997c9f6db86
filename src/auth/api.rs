//! The server functions behind the auth forms. Each is a plain form POST that answers with a
//! redirect, so it works the same with and without WASM. CSRF and body limits are checked
//! for every server function by the router's middleware (`server::layers`, `server::limits`).

use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "sign_up")]
pub async fn sign_up(email: String, password: String, given_name: String, family_name: String) -> Result<(), AppError> {
    use super::server as flow;
    use crate::server::ctx::{Ctx, keep};
    let ctx = Ctx::get()?;
    let result = crate::server::ctx::in_equal_time(
        &ctx,
        flow::sign_up(&ctx, &email, Some(&password), &given_name, &family_name),
    )
    .await;
    ctx.finish(result, crate::routes::SIGN_UP, keep(&email, Some(&given_name), Some(&family_name)))
}

/// The sign-up form's "Sign up without a password": the same account, signed in by
/// codes sent by email (and passkeys, once added); a password may be set later in Settings.
#[server(endpoint = "sign_up_without_password")]
pub async fn sign_up_without_password(
    email: String,
    given_name: String,
    family_name: String,
    // The form's password field, sent along and ignored.
    #[server(default)] password: String,
) -> Result<(), AppError> {
    use super::server as flow;
    use crate::server::ctx::{Ctx, keep};
    let _ = password;
    let ctx = Ctx::get()?;
    let result =
        crate::server::ctx::in_equal_time(&ctx, flow::sign_up(&ctx, &email, None, &given_name, &family_name)).await;
    ctx.finish(result, crate::routes::SIGN_UP, keep(&email, Some(&given_name), Some(&family_name)))
}

#[server(endpoint = "confirm_sign_up")]
pub async fn confirm_sign_up(email: String, code: String) -> Result<(), AppError> {
    use super::server as flow;
    use crate::server::ctx::{Ctx, keep};
    let ctx = Ctx::get()?;
    let result = flow::confirm(&ctx, &email, &code).await;
    ctx.finish(result, crate::routes::CONFIRM, keep(&email, None, None))
}

#[server(endpoint = "resend_code")]
pub async fn resend_code(email: String) -> Result<(), AppError> {
    use super::server as flow;
    use crate::server::ctx::{Ctx, keep};
    let ctx = Ctx::get()?;
    let result = crate::server::ctx::in_equal_time(&ctx, flow::resend(&ctx, &email)).await;
    ctx.finish(result, crate::routes::CONFIRM, keep(&email, None, None))
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    use super::server as flow;
    use crate::server::ctx::{Ctx, keep};
    let ctx = Ctx::get()?;
    let result = flow::sign_in(&ctx, &email, &password).await;
    ctx.finish(result, crate::routes::SIGN_IN, keep(&email, None, None))
}

/// "Email me a code" on the sign-in page: Cognito mails a sign-in code (USER_AUTH, EMAIL_OTP).
#[server(endpoint = "email_sign_in_code")]
pub async fn email_sign_in_code(email: String) -> Result<(), AppError> {
    use super::server as flow;
    use crate::server::ctx::{Ctx, keep};
    let ctx = Ctx::get()?;
    let result = crate::server::ctx::in_equal_time(&ctx, flow::send_sign_in_code(&ctx, &email)).await;
    ctx.finish(result, crate::routes::SIGN_IN, keep(&email, None, None))
}

#[server(endpoint = "answer_sign_in_code")]
pub async fn answer_sign_in_code(code: String) -> Result<(), AppError> {
    use super::server as flow;
    use crate::server::ctx::Ctx;
    let ctx = Ctx::get()?;
    let result = flow::answer_email_code(&ctx, &code).await;
    ctx.finish(result, crate::routes::SIGN_IN_CODE, Default::default())
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::server as flow;
    use crate::server::ctx::Ctx;
    let ctx = Ctx::get()?;
    let result = flow::sign_out(&ctx).await;
    ctx.finish(result, crate::routes::HOME, Default::default())
}

#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere(#[server(default)] remove_passkeys: Option<String>) -> Result<(), AppError> {
    use super::server as flow;
    use crate::server::ctx::Ctx;
    let ctx = Ctx::get()?;
    let result = flow::sign_out_everywhere(&ctx, remove_passkeys.is_some_and(|v| !v.is_empty())).await;
    ctx.finish(result, crate::routes::HOME, Default::default())
}

/// Signs out one other browser of the signed-in person (settings, "Where you're signed in"),
/// named by the handle the list shows; its refresh token is revoked too.
#[server(endpoint = "end_session")]
pub async fn end_session(session: String) -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    let result = super::server::end_one(&ctx, &session).await;
    ctx.finish(result, crate::routes::SETTINGS_SESSIONS, Default::default())
}

/// Signs out every browser of the signed-in person but this one.
#[server(endpoint = "end_other_sessions")]
pub async fn end_other_sessions() -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    let result = super::server::end_others(&ctx).await;
    ctx.finish(result, crate::routes::SETTINGS_SESSIONS, Default::default())
}

/// Called by the session keeper island ahead of the access token's expiry. The session
/// middleware has already refreshed the tokens if they were close to expiry; this answers
/// when the (possibly new) access token expires, or `None` when the session has ended.
#[server(endpoint = "session_status")]
pub async fn session_status() -> Result<Option<u64>, AppError> {
    use crate::server::ctx::Ctx;
    match Ctx::get()?.user() {
        Ok(user) => Ok(Some(user.access_expires_at)),
        Err(AppError::NotSignedIn) => Ok(None),
        Err(e) => Err(e),
    }
}

#[server(endpoint = "answer_mfa")]
pub async fn answer_mfa(code: String) -> Result<(), AppError> {
    use super::server as flow;
    use crate::server::ctx::Ctx;
    let ctx = Ctx::get()?;
    let result = flow::answer_mfa(&ctx, &code).await;
    ctx.finish(result, crate::routes::VERIFY_MFA, Default::default())
}

/// "Use a recovery code" at the authenticator step: the password again and one recovery code.
#[server(endpoint = "answer_recovery_code")]
pub async fn answer_recovery_code(recovery_password: String, recovery_code: String) -> Result<(), AppError> {
    use super::server as flow;
    use crate::server::ctx::Ctx;
    let ctx = Ctx::get()?;
    let result = flow::answer_recovery_code(&ctx, &recovery_password, &recovery_code).await;
    ctx.finish(result, crate::routes::VERIFY_MFA, Default::default())
}

#[server(endpoint = "complete_new_password")]
pub async fn complete_new_password(
    password: String,
    #[server(default)] given_name: String,
    #[server(default)] family_name: String,
) -> Result<(), AppError> {
    use super::server as flow;
    use crate::server::ctx::{Ctx, keep};
    let ctx = Ctx::get()?;
    let result = flow::complete_new_password(&ctx, &password, &given_name, &family_name).await;
    ctx.finish(result, crate::routes::NEW_PASSWORD, keep("", Some(&given_name), Some(&family_name)))
}

#[server(endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use super::server as flow;
    use crate::server::ctx::{Ctx, keep};
    let ctx = Ctx::get()?;
    let result = crate::server::ctx::in_equal_time(&ctx, flow::forgot_password(&ctx, &email)).await;
    ctx.finish(result, crate::routes::FORGOT_PASSWORD, keep(&email, None, None))
}

#[server(endpoint = "reset_password")]
pub async fn reset_password(
    email: String,
    code: String,
    password: String,
    #[server(default)] remove_passkeys: Option<String>,
) -> Result<(), AppError> {
    use super::server as flow;
    use crate::server::ctx::{Ctx, keep};
    let ctx = Ctx::get()?;
    let remove = remove_passkeys.is_some_and(|v| !v.is_empty());
    let result = flow::reset_password(&ctx, &email, &code, &password, remove).await;
    ctx.finish(result, crate::routes::RESET_PASSWORD, keep(&email, None, None))
}
