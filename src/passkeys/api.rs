//! The server functions of `passkeys`. The island calls the JSON ones (`fetch`, an
//! `AppError` as JSON on failure); deleting is a plain form post.

use crate::error::AppError;
use leptos::prelude::*;

/// Sign-in, step one: the options for `navigator.credentials.get`, as JSON text.
#[server(endpoint = "passkey_sign_in_options")]
pub async fn passkey_sign_in_options(email: String) -> Result<String, AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    super::server::sign_in_options(&ctx, &email).await
}

/// Sign-in, step two: the browser's answer (`PublicKeyCredential` as JSON) and the `step` the
/// options came with. Answers the path to go to.
#[server(endpoint = "passkey_sign_in")]
pub async fn passkey_sign_in(credential: String, #[server(default)] step: String) -> Result<String, AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    super::server::sign_in(&ctx, &credential, &step).await.map(str::to_string)
}

/// Adding, step one (after the password): the options for `navigator.credentials.create`.
#[server(endpoint = "passkey_registration_options")]
pub async fn passkey_registration_options(
    passkey_password: String,
    #[server(default)] passkey_totp: Option<String>,
) -> Result<String, AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    super::server::registration_options(&ctx, &passkey_password, passkey_totp.as_deref()).await
}

/// Adding, step two: the new credential. The settings page then says it was added.
#[server(endpoint = "add_passkey")]
pub async fn add_passkey(credential: String) -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    super::server::add(&ctx, &credential).await
}

#[server(endpoint = "delete_passkey")]
pub async fn delete_passkey(
    credential_id: String,
    passkey_delete_password: String,
    #[server(default)] passkey_delete_totp: Option<String>,
) -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    let code = passkey_delete_totp.as_deref();
    let result = super::server::delete(&ctx, &credential_id, &passkey_delete_password, code).await;
    ctx.finish(result, crate::routes::SETTINGS, Default::default())
}
