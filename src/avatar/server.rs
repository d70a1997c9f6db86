//! Presigned S3 URLs for avatars. Keys are made here, never from a file name: the browser
//! uploads to `pending/avatars/{sub}/{uuid}.{ext}` (a lifecycle rule deletes what is left there
//! after a day), with the type and exact length signed into the PUT URL. On confirm the object
//! is HEADed, its first bytes are checked against the declared image type, and only then is it
//! moved to `avatars/{sub}/{uuid}.{ext}` and recorded on the user (emulators do not check
//! signatures, and a presigned URL cannot bound the size by itself).

use super::{ALLOWED_TYPES, MAX_BYTES, PresignedUpload};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::t::avatar as t;
use crate::server::aws::{log_sdk_error, map_sdk_error};
use crate::server::ctx::Ctx;
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

/// Where uploads wait for their check; `provision` gives it a 1-day expiry rule.
pub const PENDING: &str = "pending/";

/// Objects listed per page when deleting (S3's maximum).
pub const LIST_PAGE: i32 = 1000;

/// The final key of a pending upload of this user, if `key` is one.
fn pending_of(sub: &str, key: &str) -> Option<String> {
    key.strip_prefix(PENDING).filter(|rest| owns(sub, rest)).map(str::to_string)
}

/// True when the first bytes are those of the declared image type.
pub fn magic_matches(content_type: &str, head: &[u8]) -> bool {
    match content_type {
        "image/png" => head.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]),
        "image/jpeg" => head.starts_with(&[0xff, 0xd8, 0xff]),
        "image/webp" => head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP",
        _ => false,
    }
}

/// Deletes every object of this user (avatars and pending uploads), page by page; failures
/// are logged (the account is gone anyway). Returns how many objects were deleted.
pub async fn delete_all(state: &AppState, sub: &str, page_size: i32) -> usize {
    let (s3, bucket) = (&state.s3, &state.config.bucket);
    let mut deleted = 0;
    for p in [prefix(sub), format!("{PENDING}{}", prefix(sub))] {
        let mut token: Option<String> = None;
        loop {
            let listed = s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(&p)
                .max_keys(page_size)
                .set_continuation_token(token.clone())
                .send()
                .await;
            let out = match listed {
                Ok(out) => out,
                Err(e) => {
                    log_sdk_error("ListObjectsV2", &e);
                    break;
                }
            };
            for key in out.contents().iter().filter_map(|o| o.key()) {
                match s3.delete_object().bucket(bucket).key(key).send().await {
                    Ok(_) => deleted += 1,
                    Err(e) => {
                        log_sdk_error("DeleteObject", &e);
                    }
                }
            }
            token = out.next_continuation_token().map(str::to_string);
            if out.is_truncated() != Some(true) || token.is_none() {
                break;
            }
        }
    }
    deleted
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
    let ext = extension(content_type).ok_or_else(|| AppError::InvalidInput(t::WRONG_TYPE.text().into()))?;
    if content_length == 0 || content_length > MAX_BYTES {
        return Err(AppError::InvalidInput(t::TOO_BIG.fill(&[("kb", &(MAX_BYTES / 1024))])));
    }
    let key = format!("{PENDING}{}{}.{ext}", prefix(&user.sub), uuid::Uuid::new_v4());
    let s = &ctx.state;
    let req =
        s.s3.put_object()
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
    let Some(final_key) = pending_of(&user.sub, key) else {
        tracing::warn!(key, "confirm_avatar with a key of another user or a made-up key");
        return Err(AppError::InvalidInput(t::NOT_YOURS.text().into()));
    };
    let s = &ctx.state;
    let head = s.s3.head_object().bucket(&s.config.bucket).key(key).send().await.map_err(|e| {
        if e.as_service_error().is_some_and(|se| se.is_not_found()) {
            AppError::InvalidInput(t::DID_NOT_ARRIVE.text().into())
        } else {
            map_sdk_error("HeadObject", &e)
        }
    })?;
    let content_type = head.content_type().unwrap_or_default();
    let length = head.content_length().unwrap_or(0);
    let ext_ok = extension(content_type).is_some_and(|ext| key.ends_with(&format!(".{ext}")));
    let magic_ok = ext_ok && first_bytes_match(s, key, content_type).await?;
    if !ALLOWED_TYPES.contains(&content_type) || !ext_ok || !magic_ok || length <= 0 || length as u64 > MAX_BYTES {
        tracing::warn!(key, content_type, length, "uploaded avatar failed the checks; deleting it");
        if let Err(e) = s.s3.delete_object().bucket(&s.config.bucket).key(key).send().await {
            log_sdk_error("DeleteObject", &e);
        }
        return Err(AppError::InvalidInput(t::REJECTED.text().into()));
    }
    // Checked: out of the pending area, under the user's own prefix.
    s.s3.copy_object()
        .bucket(&s.config.bucket)
        .copy_source(format!("{}/{key}", s.config.bucket))
        // Only the object that was checked: a new upload to the same URL in the meantime fails.
        .set_copy_source_if_match(head.e_tag().map(str::to_string))
        .key(&final_key)
        .send()
        .await
        .map_err(|e| map_sdk_error("CopyObject (pending avatar)", &e))?;
    if let Err(e) = s.s3.delete_object().bucket(&s.config.bucket).key(key).send().await {
        log_sdk_error("DeleteObject (pending avatar)", &e);
    }
    let key = final_key.as_str();
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
    if let Some(old) = user.picture.as_deref().filter(|old| *old != key && owns(&user.sub, old))
        && let Err(e) = s.s3.delete_object().bucket(&s.config.bucket).key(old).send().await
    {
        log_sdk_error("DeleteObject (previous avatar)", &e);
    }
    ctx.renew_session().await?;
    ctx.flash(&crate::flash::Flash::success(t::UPDATED.text()));
    Ok(())
}

/// Reads the first 16 bytes of the upload and compares them with the declared type's magic
/// number (PNG, JPEG or WebP).
async fn first_bytes_match(s: &AppState, key: &str, content_type: &str) -> Result<bool, AppError> {
    let out =
        s.s3.get_object()
            .bucket(&s.config.bucket)
            .key(key)
            .range("bytes=0-15")
            .send()
            .await
            .map_err(|e| map_sdk_error("GetObject (first bytes)", &e))?;
    let head = out.body.collect().await.map_err(|e| {
        tracing::error!(error = %e, "reading the first bytes of an upload");
        AppError::Unavailable
    })?;
    Ok(magic_matches(content_type, &head.into_bytes()))
}

/// A short-lived GET URL for the user's avatar, if they have one.
pub async fn display_url(state: &AppState, user: &CurrentUser) -> Option<String> {
    let key = user.picture.as_deref().filter(|k| owns(&user.sub, k))?;
    let config = presign_config().ok()?;
    match state.s3.get_object().bucket(&state.config.bucket).key(key).presigned(config).await {
        Ok(req) => Some(req.uri().to_string()),
        Err(e) => {
            log_sdk_error("GetObject presign", &e);
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
    fn pending_keys_belong_only_to_their_user() {
        let id = uuid::Uuid::new_v4();
        assert_eq!(pending_of("u1", &format!("pending/avatars/u1/{id}.png")), Some(format!("avatars/u1/{id}.png")));
        assert_eq!(pending_of("u2", &format!("pending/avatars/u1/{id}.png")), None);
        assert_eq!(pending_of("u1", &format!("avatars/u1/{id}.png")), None, "only uploads waiting for their check");
    }

    #[test]
    fn first_bytes_must_match_the_declared_type() {
        assert!(magic_matches("image/png", b"\x89PNG\r\n\x1a\n...."));
        assert!(magic_matches("image/jpeg", b"\xff\xd8\xff\xe0"));
        assert!(magic_matches("image/webp", b"RIFF\x10\x00\x00\x00WEBPVP8 "));
        assert!(!magic_matches("image/png", b"<html><script>"));
        assert!(!magic_matches("image/webp", b"\x89PNG\r\n\x1a\n...."));
        assert!(!magic_matches("image/svg+xml", b"<svg"));
    }

    #[test]
    fn only_images_get_an_extension() {
        assert_eq!(extension("image/webp"), Some("webp"));
        assert_eq!(extension("image/svg+xml"), None);
        assert_eq!(extension("text/html"), None);
    }
}
