//! Presigned S3 URLs for avatars. Keys are made here (`avatars/{sub}/{uuid}.{ext}`), never
//! from a file name; the type and exact length are signed into the PUT URL; after the upload
//! the object is HEADed and checked before it is recorded on the user (emulators do not check
//! signatures, and a presigned URL cannot bound the size by itself).

use super::{ALLOWED_TYPES, MAX_BYTES, PresignedUpload};
use crate::auth::CurrentUser;
use crate::auth::server::Ctx;
use crate::error::AppError;
use crate::server::aws::map_sdk_error;
use crate::server::state::AppState;
use aws_sdk_s3::presigning::PresigningConfig;
use std::time::Duration;

/// Presigned URLs live this long (the rule is ≤ 5 minutes).
const URL_SECONDS: u64 = 300;

fn extension(content_type: &str) -> Option<&'static str> {
    match content_type {
        "image/png" => Some("png"),
        "image/jpeg" => Some("jpg"),
        "image/webp" => Some("webp"),
        _ => None,
    }
}

fn prefix(sub: &str) -> String {
    format!("avatars/{sub}/")
}

/// True when `key` is exactly `avatars/{sub}/{uuid}.{ext}` for this user.
pub fn owns(sub: &str, key: &str) -> bool {
    let Some(rest) = key.strip_prefix(&prefix(sub)) else { return false };
    let Some((id, ext)) = rest.split_once('.') else { return false };
    uuid::Uuid::parse_str(id).is_ok() && matches!(ext, "png" | "jpg" | "webp")
}

fn presign_config() -> Result<PresigningConfig, AppError> {
    PresigningConfig::expires_in(Duration::from_secs(URL_SECONDS)).map_err(|e| {
        tracing::error!(error = %e, "presigning config");
        AppError::Internal
    })
}

pub async fn presign_upload(ctx: &Ctx, content_type: &str, content_length: u64) -> Result<PresignedUpload, AppError> {
    let user = ctx.user()?;
    let ext = extension(content_type).ok_or_else(|| {
        AppError::InvalidInput("Choose a PNG, JPEG or WebP image.".into())
    })?;
    if content_length == 0 || content_length > MAX_BYTES {
        return Err(AppError::InvalidInput(format!(
            "The picture must be at most {} KB after resizing.",
            MAX_BYTES / 1024
        )));
    }
    let key = format!("{}{}.{ext}", prefix(&user.sub), uuid::Uuid::new_v4());
    let s = &ctx.state;
    let req = s
        .s3
        .put_object()
        .bucket(&s.config.bucket)
        .key(&key)
        .content_type(content_type)
        .content_length(content_length as i64)
        .presigned(presign_config()?)
        .await
        .map_err(|e| map_sdk_error("PutObject presign", &e))?;
    Ok(PresignedUpload { url: req.uri().to_string(), key })
}

pub async fn confirm(ctx: &Ctx, key: &str) -> Result<(), AppError> {
    let user = ctx.user()?;
    let tokens = ctx.tokens()?;
    if !owns(&user.sub, key) {
        tracing::warn!(key, "confirm_avatar with a key of another user or a made-up key");
        return Err(AppError::InvalidInput("That picture does not belong to your account.".into()));
    }
    let s = &ctx.state;
    let head = s.s3.head_object().bucket(&s.config.bucket).key(key).send().await.map_err(|e| {
        if e.as_service_error().is_some_and(|se| se.is_not_found()) {
            AppError::InvalidInput("The upload did not arrive. Please try again.".into())
        } else {
            map_sdk_error("HeadObject", &e)
        }
    })?;
    let content_type = head.content_type().unwrap_or_default();
    let length = head.content_length().unwrap_or(0);
    let ext_ok = extension(content_type).is_some_and(|ext| key.ends_with(&format!(".{ext}")));
    if !ALLOWED_TYPES.contains(&content_type) || !ext_ok || length <= 0 || length as u64 > MAX_BYTES {
        tracing::warn!(key, content_type, length, "uploaded avatar failed the checks; deleting it");
        if let Err(e) = s.s3.delete_object().bucket(&s.config.bucket).key(key).send().await {
            map_sdk_error("DeleteObject", &e);
        }
        return Err(AppError::InvalidInput("That upload is not a PNG, JPEG or WebP image of the allowed size.".into()));
    }
    let attr = aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
        .name("picture")
        .value(key)
        .build()
        .expect("name is set");
    s.cognito
        .update_user_attributes()
        .access_token(&tokens.access)
        .user_attributes(attr)
        .send()
        .await
        .map_err(|e| ctx.token_error("UpdateUserAttributes picture", &e))?;
    // The previous avatar is no longer used by anyone.
    if let Some(old) = user.picture.as_deref().filter(|old| *old != key && owns(&user.sub, old)) {
        if let Err(e) = s.s3.delete_object().bucket(&s.config.bucket).key(old).send().await {
            map_sdk_error("DeleteObject (previous avatar)", &e);
        }
    }
    ctx.renew_session().await?;
    ctx.flash(&crate::flash::Flash {
        kind: crate::flash::FlashKind::Success,
        message: "Your picture is updated.".into(),
        ..Default::default()
    });
    Ok(())
}

/// A short-lived GET URL for the user's avatar, if they have one.
pub async fn display_url(state: &AppState, user: &CurrentUser) -> Option<String> {
    let key = user.picture.as_deref().filter(|k| owns(&user.sub, k))?;
    let config = presign_config().ok()?;
    match state.s3.get_object().bucket(&state.config.bucket).key(key).presigned(config).await {
        Ok(req) => Some(req.uri().to_string()),
        Err(e) => {
            map_sdk_error("GetObject presign", &e);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_belong_only_to_their_user() {
        let id = uuid::Uuid::new_v4();
        assert!(owns("u1", &format!("avatars/u1/{id}.png")));
        assert!(!owns("u2", &format!("avatars/u1/{id}.png")));
        assert!(!owns("u1", "avatars/u1/../u2/x.png"));
        assert!(!owns("u1", &format!("avatars/u1/{id}.exe")));
        assert!(!owns("u1", &format!("avatars/u1/{id}")));
        assert!(!owns("u1", &format!("avatars/u1/sub/{id}.png")));
    }

    #[test]
    fn only_images_get_an_extension() {
        assert_eq!(extension("image/webp"), Some("webp"));
        assert_eq!(extension("image/svg+xml"), None);
        assert_eq!(extension("text/html"), None);
    }
}
