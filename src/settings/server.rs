//! Cognito calls behind the settings page. Every function checks the session itself.

use crate::auth::server::Ctx;
use crate::auth::validate;
use crate::error::AppError;
use crate::flash::{Flash, FlashKind};
use crate::server::aws::{ends_session, error_code, map_sdk_error};
use aws_sdk_cognitoidentityprovider::types::AttributeType;

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().expect("name is set")
}

fn saved(ctx: &Ctx, message: &str) {
    ctx.flash(&Flash { kind: FlashKind::Success, message: message.into(), ..Flash::default() });
}

pub async fn update_profile(ctx: &Ctx, given: &str, family: &str, bio: &str) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let given = validate::name(given, "given name")?;
    let family = validate::name(family, "family name")?;
    let bio = validate::bio(bio)?;
    ctx.state
        .cognito
        .update_user_attributes()
        .access_token(&tokens.access)
        .user_attributes(attr("given_name", &given))
        .user_attributes(attr("family_name", &family))
        .user_attributes(attr("custom:bio", &bio))
        .send()
        .await
        .map_err(|e| ctx.token_error("UpdateUserAttributes", &e))?;
    ctx.renew_session().await?;
    saved(ctx, "Your profile is saved.");
    Ok("/settings")
}

pub async fn change_email(ctx: &Ctx, email: &str, password: &str) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let user = ctx.user()?;
    let email = validate::email(email)?;
    if email == user.email {
        return Err(AppError::InvalidInput("That is already your email address.".into()));
    }
    crate::auth::server::check_password(ctx, password).await?;
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
                map_sdk_error("UpdateUserAttributes email", &e);
                AppError::InvalidInput("That email address cannot be used. Try another one.".into())
            }
            _ => ctx.token_error("UpdateUserAttributes email", &e),
        })?;
    ctx.renew_session().await?;
    saved(ctx, &format!("We sent a code to {email}. Enter it below to confirm your new address."));
    Ok("/settings")
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
        .map_err(|e| ctx.token_error("VerifyUserAttribute", &e))?;
    ctx.renew_session().await?;
    saved(ctx, "Your new email address is confirmed. Use it to sign in from now on.");
    Ok("/settings")
}

pub async fn resend_email_code(ctx: &Ctx) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let user = ctx.user()?;
    if let Err(wait) = ctx.state.resend_limiter.try_acquire(&user.email) {
        return Err(AppError::InvalidInput(format!("Please wait {wait} seconds before asking for another code.")));
    }
    ctx.state
        .cognito
        .get_user_attribute_verification_code()
        .access_token(&tokens.access)
        .attribute_name("email")
        .send()
        .await
        .map_err(|e| ctx.token_error("GetUserAttributeVerificationCode", &e))?;
    saved(ctx, &format!("We sent a new code to {}.", user.email));
    Ok("/settings")
}

pub async fn change_password(ctx: &Ctx, current: &str, new: &str) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let current = validate::current_password(current)
        .map_err(|_| AppError::InvalidInput("Enter your current password.".into()))?;
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
                map_sdk_error("ChangePassword", &e);
                AppError::InvalidInput("Your current password is not right.".into())
            }
            _ => ctx.token_error("ChangePassword", &e),
        })?;
    // Whoever knew the old password is signed out everywhere; this browser gets a new session.
    let s = &ctx.state;
    if let Err(e) = s.cognito.global_sign_out().access_token(&tokens.access).send().await {
        return Err(ctx.token_error("GlobalSignOut (after a password change)", &e));
    }
    let user = ctx.user()?;
    let fresh = s
        .cognito
        .initiate_auth()
        .client_id(&s.config.client_id)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
        .set_auth_parameters(Some(s.config.auth_parameters(&user.email, &[("PASSWORD", new.as_str())])))
        .send()
        .await
        .map_err(|e| map_sdk_error("InitiateAuth (after a password change)", &e));
    match fresh.ok().and_then(|out| out.authentication_result) {
        Some(result) => ctx.start_session(&result)?,
        None => {
            // Two-factor is on (or Cognito did not answer): sign in again, with the code.
            ctx.end_session();
            ctx.flash(&Flash {
                kind: FlashKind::Success,
                message: "Your password has been changed and you are signed out everywhere. Sign in with your new password.".into(),
                email: Some(user.email),
                ..Flash::default()
            });
            return Ok("/sign-in");
        }
    }
    saved(ctx, "Your password has been changed. Every other session is signed out.");
    Ok("/settings")
}

pub async fn delete_account(ctx: &Ctx, confirm_email: &str, password: &str) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let user = ctx.user()?;
    if confirm_email.trim().to_lowercase() != user.email {
        return Err(AppError::InvalidInput("Type your email address exactly to confirm.".into()));
    }
    crate::auth::server::check_password(ctx, password).await?;
    let s = &ctx.state;
    s.cognito
        .delete_user()
        .access_token(&tokens.access)
        .send()
        .await
        .map_err(|e| ctx.token_error("DeleteUser", &e))?;
    delete_avatars(ctx, &user.sub).await;
    ctx.end_session();
    Ok("/account-deleted")
}

/// Removes every object under `avatars/{sub}/`; failures are logged, the account is gone anyway.
async fn delete_avatars(ctx: &Ctx, sub: &str) {
    let s3 = &ctx.state.s3;
    let bucket = &ctx.state.config.bucket;
    let listed = s3.list_objects_v2().bucket(bucket).prefix(format!("avatars/{sub}/")).send().await;
    match listed {
        Ok(out) => {
            for key in out.contents().iter().filter_map(|o| o.key()) {
                if let Err(e) = s3.delete_object().bucket(bucket).key(key).send().await {
                    map_sdk_error("DeleteObject", &e);
                }
            }
        }
        Err(e) => {
            map_sdk_error("ListObjectsV2", &e);
        }
    }
}
