//! The server functions of `settings` (each checks the session itself).

use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "update_profile")]
pub async fn update_profile(
    given_name: String,
    family_name: String,
    #[server(default)] bio: Option<String>,
) -> Result<(), AppError> {
    use crate::server::ctx::{Ctx, keep};
    let ctx = Ctx::get()?;
    let result = super::server::update_profile(&ctx, &given_name, &family_name, bio.as_deref()).await;
    // What was typed comes back with the message; a bio too long for the flash cookie is
    // not kept (the names and the message matter more).
    let bio = bio.filter(|b| b.len() <= KEPT_BIO_BYTES);
    ctx.finish(
        result,
        crate::routes::SETTINGS,
        crate::flash::Flash { bio, ..keep("", Some(&given_name), Some(&family_name)) },
    )
}

#[server(endpoint = "change_email")]
pub async fn change_email(
    email: String,
    email_password: String,
    #[server(default)] email_totp: Option<String>,
) -> Result<(), AppError> {
    use crate::server::ctx::{Ctx, keep};
    let ctx = Ctx::get()?;
    let result = super::server::change_email(&ctx, &email, &email_password, email_totp.as_deref()).await;
    ctx.finish(result, crate::routes::SETTINGS, keep(&email, None, None))
}

#[server(endpoint = "verify_email")]
pub async fn verify_email(code: String) -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    let result = super::server::verify_email(&ctx, &code).await;
    ctx.finish(result, crate::routes::SETTINGS, Default::default())
}

#[server(endpoint = "resend_email_code")]
pub async fn resend_email_code() -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    let result = super::server::resend_email_code(&ctx).await;
    ctx.finish(result, crate::routes::SETTINGS, Default::default())
}

#[server(endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    let result = super::server::change_password(&ctx, &current_password, &new_password).await;
    ctx.finish(result, crate::routes::SETTINGS, Default::default())
}

#[server(endpoint = "delete_account")]
pub async fn delete_account(
    confirm_email: String,
    delete_password: String,
    #[server(default)] delete_totp: Option<String>,
) -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    let result = super::server::delete_account(&ctx, &confirm_email, &delete_password, delete_totp.as_deref()).await;
    ctx.finish(result, crate::routes::SETTINGS, Default::default())
}

/// Emails the signed-in person a code to type where the password is asked for (for an account
/// made without a password). Sent by the "Email me a code instead" button of those forms, so
/// the form's other fields come along; a typed new email address is kept for the page.
#[server(endpoint = "reauth_code")]
pub async fn send_reauth_code(#[server(default)] email: Option<String>) -> Result<(), AppError> {
    use crate::server::ctx::{Ctx, keep};
    let ctx = Ctx::get()?;
    let kept = keep(email.as_deref().unwrap_or_default(), None, None);
    let result = crate::auth::server::send_reauth_code(&ctx, kept.email.clone()).await;
    ctx.finish(result, crate::routes::SETTINGS, kept)
}

/// The longest unsaved bio kept for the page after a refused save (the flash cookie must stay
/// under 4,000 bytes with the names and the message).
#[cfg(feature = "ssr")]
const KEPT_BIO_BYTES: usize = 1200;

/// The footer's language switcher (a plain form, so it works without JavaScript): remembers
/// `lang` in a cookie and, for a signed-in person, in their Cognito `locale` (which the emails
/// follow too), then goes back to the page it was sent from.
#[server(endpoint = "lang")]
pub async fn set_language(lang: String) -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    let back = crate::server::layers::form_page_with_query(&ctx.state, &ctx.parts.headers);
    let result = super::server::set_language(&ctx, &lang).await.map(|()| back.as_str());
    ctx.finish(result, &back, Default::default())
}
