//! Cognito calls behind the settings page. Every function checks the session itself.

use crate::auth::validate;
use crate::error::AppError;
use crate::flash::{Flash, FlashKind};
use crate::i18n::t::settings as t;
use crate::server::aws::{ends_session, error_code, log_sdk_error, map_sdk_error};
use crate::server::ctx::Ctx;
use crate::server::email;
use crate::server::session::CookieName;
use aws_sdk_cognitoidentityprovider::types::AttributeType;
use serde::{Deserialize, Serialize};

/// A new address waiting for its code. The pool keeps the old address until the code is
/// entered (`AttributesRequireVerificationBeforeUpdate`), so neither the id token nor Cognito
/// says which address the code went to: this cookie does, for the account that asked.
#[derive(Serialize, Deserialize)]
struct EmailChange {
    sub: String,
    email: String,
}

/// As long as Cognito keeps an attribute-verification code.
const EMAIL_CHANGE_MAX_AGE: cookie::time::Duration = cookie::time::Duration::hours(24);

/// The address a change is waiting for, from this request's cookie, when it is this account's.
fn pending_change(
    state: &crate::server::state::AppState,
    headers: &http::HeaderMap,
    user: &crate::auth::CurrentUser,
) -> Option<String> {
    let change: EmailChange = state.cookies.open(headers, CookieName::EmailChange)?;
    (change.sub == user.sub && change.email != user.email).then_some(change.email)
}

/// The new address waiting for its code, for the settings page: the one this browser asked
/// for, or the account's own address while it is unverified (a pool without the setting).
pub fn awaiting_code(user: &crate::auth::CurrentUser) -> Option<String> {
    let state = leptos::prelude::use_context::<crate::server::state::AppState>()?;
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    pending_change(&state, &parts.headers, user).or_else(|| (!user.email_verified).then(|| user.email.clone()))
}

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().expect("name is set")
}

/// Saves the names and, when the form had the field, the bio (`None` leaves it unchanged).
pub async fn update_profile(ctx: &Ctx, given: &str, family: &str, bio: Option<&str>) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let given = validate::name(given, validate::NameField::Given)?;
    let family = validate::name(family, validate::NameField::Family)?;
    let bio = bio.map(validate::bio).transpose()?;
    let user = ctx.user()?;
    ctx.state
        .cognito
        .update_user_attributes()
        .access_token(&tokens.access)
        .user_attributes(attr("given_name", &given))
        .user_attributes(attr("family_name", &family))
        .send()
        .await
        .map_err(|e| ctx.token_error("UpdateUserAttributes", &e))?;
    // The bio is not the app client's to read or write (it stays out of the id token).
    if let Some(bio) = bio {
        ctx.state
            .cognito
            .admin_update_user_attributes()
            .user_pool_id(&ctx.state.config.user_pool_id)
            .username(&user.sub)
            .user_attributes(attr("custom:bio", &bio))
            .send()
            .await
            .map_err(|e| map_sdk_error("AdminUpdateUserAttributes custom:bio", &e))?;
    }
    ctx.renew_session().await?;
    ctx.flash(&Flash::success(t::PROFILE_SAVED.text()));
    Ok(crate::routes::SETTINGS)
}

pub async fn change_email(
    ctx: &Ctx,
    email: &str,
    password: &str,
    code: Option<&str>,
) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let user = ctx.user()?;
    let email = validate::email(email)?;
    if email == user.email {
        return Err(AppError::InvalidInput(t::ALREADY_YOUR_EMAIL.text().into()));
    }
    crate::auth::server::confirm_identity(ctx, password, code).await?;
    let config = &ctx.state.config;
    let notice =
        email::email_change_notice(crate::i18n::current(), &config.app_name, &config.site_url, &user.email, &email);
    email::send(&ctx.state, &notice).await?;
    ctx.state
        .cognito
        .update_user_attributes()
        .access_token(&tokens.access)
        .user_attributes(attr("email", &email))
        .send()
        .await
        .map_err(|e| match error_code(&e) {
            // Says no more than "taken": the person is signed in and asked for this address.
            Some("AliasExistsException") => {
                log_sdk_error("UpdateUserAttributes email", &e);
                AppError::InvalidInput(t::EMAIL_UNUSABLE.text().into())
            }
            _ => ctx.token_error("UpdateUserAttributes email", &e),
        })?;
    // Cognito has the new address now: remember it before anything else can fail.
    let change = EmailChange { sub: user.sub, email: email.clone() };
    ctx.set_cookie(ctx.state.cookies.seal(CookieName::EmailChange, &change, EMAIL_CHANGE_MAX_AGE));
    renew_after_change(ctx).await;
    ctx.flash(&Flash::success(t::CODE_SENT_TO.fill(&[("email", &email)])));
    Ok(crate::routes::SETTINGS)
}

pub async fn verify_email(ctx: &Ctx, code: &str) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let code = validate::code(code)?;
    ctx.state
        .cognito
        .verify_user_attribute()
        .access_token(&tokens.access)
        .attribute_name("email")
        .code(code)
        .send()
        .await
        .map_err(|e| match error_code(&e) {
            // Another account confirmed this address in the meantime: the change cannot be made.
            Some("AliasExistsException") => {
                log_sdk_error("VerifyUserAttribute", &e);
                ctx.set_cookie(ctx.state.cookies.clear(CookieName::EmailChange));
                AppError::InvalidInput(t::EMAIL_TAKEN_MEANWHILE.text().into())
            }
            _ => ctx.token_error("VerifyUserAttribute", &e),
        })?;
    ctx.set_cookie(ctx.state.cookies.clear(CookieName::EmailChange));
    renew_after_change(ctx).await;
    ctx.flash(&Flash::success(t::EMAIL_CONFIRMED.text()));
    Ok(crate::routes::SETTINGS)
}

/// New tokens after an attribute change, so the page shows it at once. The change itself is
/// made: when Cognito cannot renew now, the session's next refresh picks it up.
async fn renew_after_change(ctx: &Ctx) {
    if let Err(e) = ctx.renew_session().await {
        tracing::warn!(error = ?e, "could not renew the session after an attribute change");
    }
}

pub async fn resend_email_code(ctx: &Ctx) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let user = ctx.user()?;
    // The code goes to the address waiting for it, not the one the account still has.
    let to = pending_change(&ctx.state, &ctx.parts.headers, &user).unwrap_or(user.email);
    // Keyed by the account: whichever address is pending, one account gets one code a wait.
    ctx.state.resend_allowed(&format!("account:{}", user.sub), ctx.client_ip()).await?;
    ctx.state
        .cognito
        .get_user_attribute_verification_code()
        .access_token(&tokens.access)
        .attribute_name("email")
        .send()
        .await
        .map_err(|e| ctx.token_error("GetUserAttributeVerificationCode", &e))?;
    ctx.flash(&Flash::success(t::NEW_CODE_SENT_TO.fill(&[("email", &to)])));
    Ok(crate::routes::SETTINGS)
}

/// A new password, after the current one. An account made without a password sets its first one
/// with the emailed code of "Forgot your password?", never with the session alone (whoever held
/// the session could otherwise give the account a password, and with it every re-authentication).
pub async fn change_password(ctx: &Ctx, current: &str, new: &str) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let current = validate::current_password(current)
        .map_err(|_| AppError::InvalidInput(t::ENTER_CURRENT_PASSWORD.text().into()))?;
    let new = ctx.state.password_policy().new_password(new)?;
    ctx.state
        .cognito
        .change_password()
        .access_token(&tokens.access)
        .previous_password(current)
        .proposed_password(&new)
        .send()
        .await
        .map_err(|e| match error_code(&e) {
            Some("NotAuthorizedException") if !ends_session(&e) => {
                log_sdk_error("ChangePassword", &e);
                AppError::InvalidInput(t::CURRENT_PASSWORD_WRONG.text().into())
            }
            _ => ctx.token_error("ChangePassword", &e),
        })?;
    // Whoever knew the old password is signed out everywhere; this browser gets a new session.
    let s = &ctx.state;
    let user = ctx.user()?;
    let others_signed_out = crate::auth::server::sign_out_all(s, &tokens.access).await
        & crate::auth::server::end_records(s, &user.sub, None, false).await;
    ctx.notify(crate::server::email::SecurityEvent::PasswordChanged).await;
    let fresh = crate::auth::server::password_sign_in(s, &user.email, &new)
        .await
        .map_err(|e| map_sdk_error("InitiateAuth (after a password change)", &e));
    match fresh.ok().and_then(|out| out.authentication_result) {
        Some(result) => ctx.start_session(&result, false).await?,
        None => {
            // Two-factor is on (or Cognito did not answer): sign in again, with the code.
            ctx.end_session();
            ctx.flash(&Flash::success_for(t::PASSWORD_CHANGED_SIGNED_OUT.text(), user.email));
            return Ok(crate::routes::SIGN_IN);
        }
    }
    if others_signed_out {
        ctx.flash(&Flash::success(t::PASSWORD_CHANGED.text()));
    } else {
        ctx.flash(&Flash {
            kind: FlashKind::Error,
            message: t::PASSWORD_CHANGED_OTHERS_NOT_SIGNED_OUT.text().into(),
            ..Flash::default()
        });
    }
    Ok(crate::routes::SETTINGS)
}

pub async fn delete_account(
    ctx: &Ctx,
    confirm_email: &str,
    password: &str,
    code: Option<&str>,
) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let user = ctx.user()?;
    if confirm_email.trim().to_lowercase() != user.email {
        return Err(AppError::InvalidInput(t::TYPE_EMAIL_EXACTLY.text().into()));
    }
    crate::auth::server::confirm_identity(ctx, password, code).await?;
    let s = &ctx.state;
    s.cognito.delete_user().access_token(&tokens.access).send().await.map_err(|e| ctx.token_error("DeleteUser", &e))?;
    crate::avatar::server::delete_all(&ctx.state, &user.sub, crate::avatar::server::LIST_PAGE).await;
    crate::auth::server::end_records(s, &user.sub, None, false).await;
    ctx.end_session();
    Ok(crate::routes::ACCOUNT_DELETED)
}

/// The person's bio, read with the server's credentials (the app client cannot read it).
pub async fn bio(state: &crate::server::state::AppState, sub: &str) -> Result<String, AppError> {
    state.admin_attribute(sub, "custom:bio").await
}

pub async fn set_language(ctx: &Ctx, tag: &str) -> Result<(), AppError> {
    let Some(lang) = crate::i18n::Lang::parse(tag).filter(|l| l.tag() == tag.trim()) else {
        return Err(AppError::InvalidInput(crate::i18n::t::common::NO_SUCH_LANGUAGE.text().into()));
    };
    ctx.remember_lang(lang);
    if let Ok(tokens) = ctx.tokens() {
        ctx.state
            .cognito
            .update_user_attributes()
            .access_token(&tokens.access)
            .user_attributes(attr("locale", lang.tag()))
            .send()
            .await
            .map_err(|e| ctx.token_error("UpdateUserAttributes locale", &e))?;
    }
    Ok(())
}
