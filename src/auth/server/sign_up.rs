//! Sign-up, confirmation with the emailed code (and the sign-in that follows it), and resending the code.

use crate::auth::validate;
use crate::error::AppError;
use crate::i18n::t::auth_server as t;
use crate::server::aws::{error_code, log_sdk_error, map_sdk_error};
use crate::server::ctx::Ctx;
use crate::server::guard::now_unix;
use crate::server::session::{CookieName, Flash, PendingSignUp, SIGN_UP_SESSION_SECONDS};
use aws_sdk_cognitoidentityprovider::config::http as http_resp;
use aws_sdk_cognitoidentityprovider::error::SdkError;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType};

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().expect("name is set")
}

/// Sign-up with a password, or without one (`None`: passwordless, signed in by emailed codes and
/// later passkeys; only when the pool lets a person sign in with a code by email).
pub async fn sign_up(
    ctx: &Ctx,
    email: &str,
    password: Option<&str>,
    given: &str,
    family: &str,
) -> Result<&'static str, AppError> {
    let email = validate::email(email)?;
    let given = validate::name(given, validate::NameField::Given)?;
    let family = validate::name(family, validate::NameField::Family)?;
    let password = match password {
        Some(p) => Some(ctx.state.password_policy().new_password(p)?),
        None if ctx.state.email_code_sign_in() => None,
        None => {
            return Err(AppError::InvalidInput(t::NO_PASSWORDLESS.text().into()));
        }
    };
    let password = password.as_deref();
    let (session, sub) = match cognito_sign_up(ctx, &email, password, &given, &family).await {
        Ok(made) => made,
        Err(e) if error_code(&e) == Some("UsernameExistsException") => {
            tracing::info!("sign-up for an existing username");
            replace_if_unconfirmed(ctx, &email, password, &given, &family).await?.unwrap_or((None, None))
        }
        Err(e) => return Err(map_sdk_error("SignUp", &e)),
    };
    // Answered exactly as for a new account, so the page does not reveal who is registered.
    ctx.set_pending(&PendingSignUp::new(email, session, now_unix() + SIGN_UP_SESSION_SECONDS, sub));
    Ok(crate::routes::CONFIRM)
}

/// SignUp: (Cognito's sign-up session, the new account's sub).
async fn cognito_sign_up(
    ctx: &Ctx,
    email: &str,
    password: Option<&str>,
    given: &str,
    family: &str,
) -> Result<
    (Option<String>, Option<String>),
    SdkError<aws_sdk_cognitoidentityprovider::operation::sign_up::SignUpError, http_resp::HttpResponse>,
> {
    let s = &ctx.state;
    s.cognito
        .sign_up()
        .client_id(&s.config.client_id)
        .set_secret_hash(s.config.secret_hash(email))
        .username(email)
        .set_password(password.map(str::to_string))
        .user_attributes(attr("email", email))
        .user_attributes(attr("given_name", given))
        .user_attributes(attr("family_name", family))
        // The language of the emails Cognito sends (the CustomMessage trigger reads it).
        .user_attributes(attr("locale", crate::i18n::current().tag()))
        .send()
        .await
        .map(|out| (out.session, Some(out.user_sub)))
}

/// Someone signs up with an address that already has an account. A confirmed account is left
/// alone (its owner gets nothing; the page looks the same). An *unconfirmed* one may be an
/// attacker's pre-registration waiting for the real owner to confirm it with the code: it is
/// deleted and this sign-up, with this password and these names, takes its place.
async fn replace_if_unconfirmed(
    ctx: &Ctx,
    email: &str,
    password: Option<&str>,
    given: &str,
    family: &str,
) -> Result<Option<(Option<String>, Option<String>)>, AppError> {
    let s = &ctx.state;
    let existing = s
        .cognito
        .admin_get_user()
        .user_pool_id(&s.config.user_pool_id)
        .username(email)
        .send()
        .await
        .map_err(|e| map_sdk_error("AdminGetUser", &e))?;
    if existing.user_status != Some(aws_sdk_cognitoidentityprovider::types::UserStatusType::Unconfirmed) {
        return Ok(None);
    }
    s.cognito
        .admin_delete_user()
        .user_pool_id(&s.config.user_pool_id)
        .username(email)
        .send()
        .await
        .map_err(|e| map_sdk_error("AdminDeleteUser (unconfirmed, replaced by a new sign-up)", &e))?;
    tracing::info!("an unconfirmed account was replaced by a new sign-up for the same address");
    cognito_sign_up(ctx, email, password, given, family)
        .await
        .map(Some)
        .map_err(|e| map_sdk_error("SignUp (replacing)", &e))
}

/// The sub of the account `email` names now, if any.
async fn current_sub(ctx: &Ctx, email: &str) -> Result<Option<String>, AppError> {
    let s = &ctx.state;
    match s.cognito.admin_get_user().user_pool_id(&s.config.user_pool_id).username(email).send().await {
        Ok(out) => {
            Ok(out.user_attributes().iter().find(|a| a.name() == "sub").and_then(|a| a.value()).map(str::to_string))
        }
        Err(e) if error_code(&e) == Some("UserNotFoundException") => Ok(None),
        Err(e) => Err(map_sdk_error("AdminGetUser (confirm)", &e)),
    }
}

pub async fn confirm(ctx: &Ctx, email: &str, code: &str) -> Result<&'static str, AppError> {
    let email = validate::email(email)?;
    let code = validate::code(code)?;
    let s = &ctx.state;
    let pending = ctx.pending().filter(|p| p.email == email);
    // This browser signed up an account for this address, and the address now names another
    // one: someone signed up after it and replaced it. Its code must not confirm theirs. The
    // account is looked up whether or not this browser made one (a sign-up over an existing
    // address made none), so a wrong code takes the same time either way.
    let now = match &pending {
        Some(_) => current_sub(ctx, &email).await?,
        None => None,
    };
    if let (Some(mine), Some(now)) = (pending.as_ref().and_then(|p| p.sub.clone()), now)
        && now != mine
    {
        tracing::warn!("confirm for an account that was replaced by a newer sign-up");
        return Err(AppError::InvalidInput(t::SIGN_UP_REPLACED.text().into()));
    }
    // Cognito's sign-up session is used only if it belongs to this email and is still fresh.
    let session = pending.filter(|p| p.session_expires_at > now_unix()).and_then(|p| p.session);
    let confirmed = s
        .cognito
        .confirm_sign_up()
        .client_id(&s.config.client_id)
        .set_secret_hash(s.config.secret_hash(&email))
        .username(&email)
        .confirmation_code(code)
        .set_session(session.clone())
        .send()
        .await
        .map_err(|e| match error_code(&e) {
            // e.g. "already confirmed": say no more than a wrong code would.
            Some("NotAuthorizedException") | Some("UserNotFoundException") => {
                log_sdk_error("ConfirmSignUp", &e);
                AppError::CodeMismatch
            }
            _ => map_sdk_error("ConfirmSignUp", &e),
        })?;
    if let Err(e) = s
        .cognito
        .admin_add_user_to_group()
        .user_pool_id(&s.config.user_pool_id)
        .username(&email)
        .group_name("users")
        .send()
        .await
    {
        // The account is confirmed either way; the person is not held back by a group failure.
        log_sdk_error("AdminAddUserToGroup", &e);
    }
    let signed_in_directly = match confirmed.session.filter(|_| session.is_some()) {
        Some(next) => sign_in_after_confirmation(ctx, &email, next).await?,
        None => false,
    };
    if signed_in_directly {
        return Ok(crate::routes::HOME);
    }
    ctx.set_cookie(s.cookies.clear(CookieName::Pending));
    ctx.flash(&Flash::success_for(t::EMAIL_CONFIRMED.text(), email));
    Ok(crate::routes::SIGN_IN)
}

/// USER_AUTH with the session from ConfirmSignUp: signs in without the password.
/// `Ok(false)` when Cognito says the session has expired.
async fn sign_in_after_confirmation(ctx: &Ctx, email: &str, session: String) -> Result<bool, AppError> {
    let s = &ctx.state;
    let reply = s
        .cognito
        .initiate_auth()
        .client_id(&s.config.client_id)
        .auth_flow(AuthFlowType::UserAuth)
        .set_auth_parameters(Some(s.config.auth_parameters(email, &[])))
        .session(session)
        .send()
        .await;
    match reply {
        Ok(out) => match out.authentication_result {
            // The browser that signed up: no notice of a new browser.
            Some(result) => ctx.start_session(&result, false).await.map(|_| true),
            None => {
                tracing::warn!(challenge = ?out.challenge_name, "USER_AUTH after confirmation asked for a challenge");
                Ok(false)
            }
        },
        Err(e) if error_code(&e) == Some("NotAuthorizedException") => {
            log_sdk_error("InitiateAuth USER_AUTH", &e);
            Ok(false)
        }
        Err(e) => Err(map_sdk_error("InitiateAuth USER_AUTH", &e)),
    }
}

pub async fn resend(ctx: &Ctx, email: &str) -> Result<&'static str, AppError> {
    let email = validate::email(email)?;
    let s = &ctx.state;
    s.resend_allowed(&email, ctx.client_ip()).await?;
    match s
        .cognito
        .resend_confirmation_code()
        .client_id(&s.config.client_id)
        .set_secret_hash(s.config.secret_hash(&email))
        .username(&email)
        .send()
        .await
    {
        Ok(_) => {}
        // "Already confirmed" and unknown users are answered like everyone else.
        Err(e)
            if matches!(
                error_code(&e),
                Some("InvalidParameterException") | Some("UserNotFoundException") | Some("LimitExceededException")
            ) =>
        {
            log_sdk_error("ResendConfirmationCode", &e);
        }
        Err(e) => return Err(map_sdk_error("ResendConfirmationCode", &e)),
    }
    // Keep the sign-up session if it is for this email; the email is remembered either way.
    let pending = ctx.pending().filter(|p| p.email == email);
    ctx.set_pending(&pending.unwrap_or(PendingSignUp::new(email.clone(), None, 0, None)));
    ctx.flash(&Flash::success_for(t::CODE_RESENT.text(), email));
    Ok(crate::routes::CONFIRM)
}
