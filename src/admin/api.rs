//! The server functions of `admin` (each checks the session itself).

use super::UserRow;
use crate::error::AppError;
use leptos::prelude::*;

/// Up to 60 users of the pool whose email starts with `prefix` (admins only).
#[server(endpoint = "admin_list_users")]
pub async fn list_users(prefix: String) -> Result<Vec<UserRow>, AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    super::server::list_users(&ctx, &prefix).await
}
