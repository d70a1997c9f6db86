//! The Cognito call behind the admin page.

use super::UserRow;
use crate::error::AppError;
use crate::server::aws::map_sdk_error;
use crate::server::ctx::Ctx;

/// Up to 60 users of the pool whose email starts with `prefix`, for an admin.
pub async fn list_users(ctx: &Ctx, prefix: &str) -> Result<Vec<UserRow>, AppError> {
    if !ctx.user()?.is_admin() {
        return Err(AppError::Forbidden);
    }
    let prefix = prefix.trim().to_lowercase();
    if prefix.len() > crate::auth::validate::EMAIL_MAX || prefix.contains(['"', '\\']) {
        return Err(AppError::InvalidInput(crate::i18n::t::admin::SEARCH_PREFIX_INVALID.text().into()));
    }
    let s = &ctx.state;
    let out = s
        .cognito
        .list_users()
        .user_pool_id(&s.config.user_pool_id)
        .limit(60)
        .set_filter((!prefix.is_empty()).then(|| format!("email ^= \"{prefix}\"")))
        .send()
        .await
        .map_err(|e| map_sdk_error("ListUsers", &e))?;
    Ok(out
        .users()
        .iter()
        .map(|u| UserRow {
            email: u
                .attributes()
                .iter()
                .find(|a| a.name() == "email")
                .and_then(|a| a.value())
                .unwrap_or_default()
                .to_string(),
            status: u.user_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
            enabled: u.enabled(),
        })
        .collect())
}
