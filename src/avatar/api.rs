//! The server functions of `avatar` (each checks the session itself).

use super::PresignedUpload;
use crate::error::AppError;
use leptos::prelude::*;

/// A presigned PUT for the signed-in user's next avatar, with type and length signed in.
#[server(endpoint = "presign_avatar_upload")]
pub async fn presign_avatar_upload(content_type: String, content_length: u64) -> Result<PresignedUpload, AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    super::server::presign_upload(&ctx, &content_type, content_length).await
}

/// Checks the uploaded object and records it as the user's picture.
#[server(endpoint = "confirm_avatar")]
pub async fn confirm_avatar(key: String) -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    super::server::confirm(&ctx, &key).await
}
