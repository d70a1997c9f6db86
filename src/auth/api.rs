//! The server functions behind the auth forms. Each is a plain form POST that answers with a
//! redirect, so it works the same with and without WASM. CSRF and body limits are checked
//! for every server function by the router's middleware (`server::setup`).

use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "sign_up")]
pub async fn sign_up(email: String, password: String, given_name: String, family_name: String) -> Result<(), AppError> {
    use super::server::{self as flow, Ctx, keep};
    let ctx = Ctx::get()?;
    let result = flow::sign_up(&ctx, &email, &password, &given_name, &family_name).await;
    ctx.finish(result, "/sign-up", keep(&email, Some(&given_name), Some(&family_name)))
}

#[server(endpoint = "confirm_sign_up")]
pub async fn confirm_sign_up(email: String, code: String) -> Result<(), AppError> {
    use super::server::{self as flow, Ctx, keep};
    let ctx = Ctx::get()?;
    let result = flow::confirm(&ctx, &email, &code).await;
    ctx.finish(result, "/confirm", keep(&email, None, None))
}

#[server(endpoint = "resend_code")]
pub async fn resend_code(email: String) -> Result<(), AppError> {
    use super::server::{self as flow, Ctx, keep};
    let ctx = Ctx::get()?;
    let result = flow::resend(&ctx, &email).await;
    ctx.finish(result, "/confirm", keep(&email, None, None))
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    use super::server::{self as flow, Ctx, keep};
    let ctx = Ctx::get()?;
    let result = flow::sign_in(&ctx, &email, &password).await;
    ctx.finish(result, "/sign-in", keep(&email, None, None))
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::server::{self as flow, Ctx};
    let ctx = Ctx::get()?;
    let result = flow::sign_out(&ctx).await;
    ctx.finish(result, "/", Default::default())
}
