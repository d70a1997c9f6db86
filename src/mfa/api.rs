//! The server functions of `mfa` (each checks the session itself).

use crate::error::AppError;
use leptos::prelude::*;

/// Starts set-up: Cognito makes a secret, kept in an encrypted cookie until verified.
#[server(endpoint = "begin_mfa_setup")]
pub async fn begin_mfa_setup(password: String) -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    let result = super::server::begin(&ctx, &password).await;
    ctx.finish(result, crate::routes::TWO_FACTOR, Default::default())
}

#[server(endpoint = "verify_mfa_setup")]
pub async fn verify_mfa_setup(code: String) -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    let result = super::server::verify(&ctx, &code).await;
    ctx.finish(result, crate::routes::TWO_FACTOR, Default::default())
}

#[server(endpoint = "disable_mfa")]
pub async fn disable_mfa(password: String, code: String) -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    let result = super::server::disable(&ctx, &password, &code).await;
    ctx.finish(result, crate::routes::TWO_FACTOR_OFF, Default::default())
}

/// "Generate new codes": a new set of recovery codes after the password and a current code.
#[server(endpoint = "new_recovery_codes")]
pub async fn new_recovery_codes(password: String, code: String) -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    let result = super::server::regenerate(&ctx, &password, &code).await;
    ctx.finish(result, crate::routes::SETTINGS, Default::default())
}

/// How many unused recovery codes the signed-in person has.
#[server(endpoint = "recovery_codes_left")]
pub async fn recovery_codes_left() -> Result<usize, AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    super::server::codes_left(&ctx).await
}

/// Whether the signed-in person has TOTP turned on.
#[server(endpoint = "mfa_status")]
pub async fn mfa_status() -> Result<bool, AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    super::server::enabled(&ctx).await
}
