//! Server-only helpers of the auth flows: the per-request context, Cognito calls, and the
//! one way every form answers (a redirect, with a flash message on failure).

use super::validate;
use crate::error::AppError;
use crate::server::aws::{ends_session, error_code, map_sdk_error};
use crate::server::session::{
    CookieName, FLASH_MAX_AGE, Flash, FlashKind, PENDING_MAX_AGE, PendingSignUp, SIGN_UP_SESSION_SECONDS, SessionTokens,
};
use crate::server::state::AppState;
use aws_sdk_cognitoidentityprovider::config::http as http_resp;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType, ChallengeNameType,
};
use http::{HeaderValue, header::SET_COOKIE, request::Parts};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What a server function needs from its request.
pub struct Ctx {
    pub state: AppState,
    pub parts: Parts,
    res: ResponseOptions,
}

pub use crate::server::guard::now_unix;

impl Ctx {
    pub fn get() -> Result<Ctx, AppError> {
        let missing = || {
            tracing::error!("server function ran without its request context");
            AppError::Internal
        };
        Ok(Ctx {
            state: use_context::<AppState>().ok_or_else(missing)?,
            parts: use_context::<Parts>().ok_or_else(missing)?,
            res: use_context::<ResponseOptions>().ok_or_else(missing)?,
        })
    }

    pub fn set_cookie(&self, value: HeaderValue) {
        self.res.append_header(SET_COOKIE, value);
    }

    /// A message for the next page.
    pub fn flash(&self, flash: &Flash) {
        self.set_cookie(self.state.cookies.seal(CookieName::Flash, flash, FLASH_MAX_AGE));
    }

    /// Ends every form: success goes to `Ok(path)`; failure goes back to `back` with the
    /// error's plain message and the non-secret fields in `keep`, so nothing typed is lost.
    pub fn finish(&self, result: Result<&str, AppError>, back: &str, keep: Flash) -> Result<(), AppError> {
        match result {
            Ok(to) => leptos_axum::redirect(to),
            // The session is over (its cookies were cleared with the flash saying so).
            Err(AppError::SessionEnded) => leptos_axum::redirect("/sign-in"),
            Err(e) => {
                self.flash(&Flash { kind: FlashKind::Error, message: e.message(), ..keep });
                leptos_axum::redirect(back);
            }
        }
        Ok(())
    }

    pub fn pending(&self) -> Option<PendingSignUp> {
        self.state.cookies.open(&self.parts.headers, CookieName::Pending)
    }

    pub fn set_pending(&self, pending: &PendingSignUp) {
        self.set_cookie(self.state.cookies.seal(CookieName::Pending, pending, PENDING_MAX_AGE));
    }

    /// Replaces whatever session the browser had with one built from fresh tokens.
    pub fn start_session(&self, result: &AuthenticationResultType) -> Result<(), AppError> {
        let (Some(access), Some(id)) = (result.access_token(), result.id_token()) else {
            tracing::error!("Cognito answered without access or id token");
            return Err(AppError::Internal);
        };
        let tokens = SessionTokens {
            access: access.to_string(),
            id: id.to_string(),
            refresh: result.refresh_token().map(str::to_string),
        };
        let max_age = i64::from(self.state.config.refresh_token_seconds);
        for v in self.state.cookies.start_session(&tokens, max_age) {
            self.set_cookie(v);
        }
        self.set_cookie(self.state.cookies.clear(CookieName::Pending));
        self.set_cookie(self.state.cookies.clear(CookieName::Challenge));
        Ok(())
    }

    /// The signed-in person's tokens (refreshed by the session middleware if needed).
    pub fn tokens(&self) -> Result<SessionTokens, AppError> {
        match self.parts.extensions.get::<crate::auth::Auth>() {
            Some(crate::auth::Auth::SignedIn(_)) => {
                self.parts.extensions.get::<SessionTokens>().cloned().ok_or(AppError::NotSignedIn)
            }
            Some(crate::auth::Auth::Unavailable) => Err(AppError::Unavailable),
            _ => Err(AppError::NotSignedIn),
        }
    }

    /// The signed-in person.
    pub fn user(&self) -> Result<crate::auth::CurrentUser, AppError> {
        match self.parts.extensions.get::<crate::auth::Auth>() {
            Some(crate::auth::Auth::SignedIn(u)) => Ok(u.clone()),
            Some(crate::auth::Auth::Unavailable) => Err(AppError::Unavailable),
            _ => Err(AppError::NotSignedIn),
        }
    }

    /// Gets fresh tokens (so the id token's claims show a change just made) and sets them.
    pub async fn renew_session(&self) -> Result<(), AppError> {
        let refresh = self.tokens()?.refresh.ok_or(AppError::NotSignedIn)?;
        let fresh = crate::server::guard::refresh_tokens(&self.state, &refresh, &self.tokens()?.access).await?;
        for v in self.state.cookies.start_session(&fresh, i64::from(self.state.config.refresh_token_seconds)) {
            self.set_cookie(v);
        }
        Ok(())
    }

    pub fn end_session(&self) {
        for v in self.state.cookies.end_session() {
            self.set_cookie(v);
        }
    }

    /// Maps the error of a call made with the session's access token. When Cognito says the
    /// token is revoked or the user is gone, the session ends here and now (cookies cleared, a
    /// flash for the sign-in page), whatever the call was for.
    pub fn token_error<E, R>(&self, operation: &str, err: &SdkError<E, R>) -> AppError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        if !ends_session(err) {
            return map_sdk_error(operation, err);
        }
        tracing::info!(operation, code = ?error_code(err), "Cognito refused the session's token; session ended");
        self.end_session();
        self.flash(&Flash { kind: FlashKind::Error, message: AppError::SessionEnded.message(), ..Flash::default() });
        AppError::SessionEnded
    }
}

/// Answers no sooner than `site.equal_time_ms` after it started: sign-up, resend and forgot
/// password take different paths for new, existing, unconfirmed and limited accounts, and the
/// time they take must not tell them apart (`make bench-equal-time` measures it). A path slower
/// than the floor is not slowed further, so the floor must exceed the slowest path.
pub async fn in_equal_time<T>(ctx: &Ctx, work: impl std::future::Future<Output = T>) -> T {
    let until = tokio::time::Instant::now() + std::time::Duration::from_millis(ctx.state.config.equal_time_ms);
    let out = work.await;
    tokio::time::sleep_until(until).await;
    out
}

/// Keeps the non-secret fields of a form for the page it returns to.
pub fn keep(email: &str, given_name: Option<&str>, family_name: Option<&str>) -> Flash {
    let bounded = |s: &str| s.trim().chars().take(validate::EMAIL_MAX).collect::<String>();
    Flash {
        email: Some(bounded(email)),
        given_name: given_name.map(bounded),
        family_name: family_name.map(bounded),
        ..Flash::default()
    }
}

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().expect("name is set")
}

pub async fn sign_up(
    ctx: &Ctx,
    email: &str,
    password: &str,
    given: &str,
    family: &str,
) -> Result<&'static str, AppError> {
    let email = validate::email(email)?;
    let given = validate::name(given, "given name")?;
    let family = validate::name(family, "family name")?;
    let password = ctx.state.password_policy().new_password(password)?;
    let (session, sub) = match cognito_sign_up(ctx, &email, &password, &given, &family).await {
        Ok(made) => made,
        Err(e) if error_code(&e) == Some("UsernameExistsException") => {
            tracing::info!("sign-up for an existing username");
            replace_if_unconfirmed(ctx, &email, &password, &given, &family).await?.unwrap_or((None, None))
        }
        Err(e) => return Err(map_sdk_error("SignUp", &e)),
    };
    // Answered exactly as for a new account, so the page does not reveal who is registered.
    ctx.set_pending(&PendingSignUp::new(email, session, now_unix() + SIGN_UP_SESSION_SECONDS, sub));
    Ok("/confirm")
}

/// SignUp: (Cognito's sign-up session, the new account's sub).
async fn cognito_sign_up(
    ctx: &Ctx,
    email: &str,
    password: &str,
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
        .password(password)
        .user_attributes(attr("email", email))
        .user_attributes(attr("given_name", given))
        .user_attributes(attr("family_name", family))
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
    password: &str,
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
    // one: someone signed up after it and replaced it. Its code must not confirm theirs.
    if let Some(mine) = pending.as_ref().and_then(|p| p.sub.clone())
        && current_sub(ctx, &email).await?.is_some_and(|now| now != mine)
    {
        tracing::warn!("confirm for an account that was replaced by a newer sign-up");
        return Err(AppError::InvalidInput(
            "Someone signed up with this address after you did, so this sign-up was replaced. Please sign up again."
                .into(),
        ));
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
                map_sdk_error("ConfirmSignUp", &e);
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
        map_sdk_error("AdminAddUserToGroup", &e);
    }
    let signed_in_directly = match confirmed.session.filter(|_| session.is_some()) {
        Some(next) => sign_in_after_confirmation(ctx, &email, next).await?,
        None => false,
    };
    if signed_in_directly {
        return Ok("/");
    }
    ctx.set_cookie(s.cookies.clear(CookieName::Pending));
    ctx.flash(&Flash {
        kind: FlashKind::Success,
        message: "Your email is confirmed. Please sign in.".into(),
        email: Some(email),
        ..Flash::default()
    });
    Ok("/sign-in")
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
            Some(result) => ctx.start_session(&result).map(|_| true),
            None => {
                tracing::warn!(challenge = ?out.challenge_name, "USER_AUTH after confirmation asked for a challenge");
                Ok(false)
            }
        },
        Err(e) if error_code(&e) == Some("NotAuthorizedException") => {
            map_sdk_error("InitiateAuth USER_AUTH", &e);
            Ok(false)
        }
        Err(e) => Err(map_sdk_error("InitiateAuth USER_AUTH", &e)),
    }
}

pub async fn resend(ctx: &Ctx, email: &str) -> Result<&'static str, AppError> {
    let email = validate::email(email)?;
    let s = &ctx.state;
    if let Err(wait) = s.resend_limiter.try_acquire(&email) {
        return Err(AppError::InvalidInput(format!("Please wait {wait} seconds before asking for another code.")));
    }
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
            map_sdk_error("ResendConfirmationCode", &e);
        }
        Err(e) => return Err(map_sdk_error("ResendConfirmationCode", &e)),
    }
    // Keep the sign-up session if it is for this email; the email is remembered either way.
    let pending = ctx.pending().filter(|p| p.email == email);
    ctx.set_pending(&pending.unwrap_or(PendingSignUp::new(email.clone(), None, 0, None)));
    ctx.flash(&Flash {
        kind: FlashKind::Success,
        message: "We sent you a new code. It replaces the previous one.".into(),
        email: Some(email),
        ..Flash::default()
    });
    Ok("/confirm")
}

pub async fn sign_in(ctx: &Ctx, email: &str, password: &str) -> Result<&'static str, AppError> {
    let email = validate::email(email)?;
    let password = validate::current_password(password)?;
    let s = &ctx.state;
    let reply = password_sign_in(s, &email, &password).await;
    match reply {
        Ok(out) => match out.authentication_result {
            Some(result) => {
                ctx.start_session(&result)?;
                Ok("/")
            }
            None => start_challenge(ctx, &email, out.challenge_name, out.session, out.challenge_parameters),
        },
        Err(e) if error_code(&e) == Some("UserNotConfirmedException") => {
            // Not proof of the password: Cognito may answer this before checking it. The
            // person sees exactly what a wrong password shows (same page, same cookies, no
            // wait for the email); the owner gets a fresh code, at most once per resend
            // interval per address, and the sign-in page links to the confirm page.
            map_sdk_error("InitiateAuth", &e);
            if s.quiet_resend_limiter.try_acquire(&email).is_ok() {
                let (state, email) = (s.clone(), email.clone());
                tokio::spawn(async move {
                    let sent = state
                        .cognito
                        .resend_confirmation_code()
                        .client_id(&state.config.client_id)
                        .set_secret_hash(state.config.secret_hash(&email))
                        .username(&email)
                        .send()
                        .await;
                    if let Err(e) = sent {
                        map_sdk_error("ResendConfirmationCode (from sign-in)", &e);
                    }
                });
            }
            Err(AppError::WrongCredentials)
        }
        Err(e) => Err(map_sdk_error("InitiateAuth", &e)),
    }
}

/// Revokes a refresh token (and the tokens issued from it); false (and logged) when Cognito
/// did not do it.
pub async fn revoke_refresh(state: &AppState, refresh: String, why: &str) -> bool {
    let revoked = state
        .cognito
        .revoke_token()
        .client_id(&state.config.client_id)
        .set_client_secret(state.config.client_secret.clone())
        .token(refresh)
        .send()
        .await;
    match revoked {
        Ok(_) => true,
        Err(e) => {
            map_sdk_error(&format!("RevokeToken ({why})"), &e);
            false
        }
    }
}

/// USER_PASSWORD_AUTH for `email` (with SECRET_HASH when the client has a secret): sign-in,
/// re-authentication, turning MFA off and the fresh session after a password change.
pub async fn password_sign_in(
    state: &AppState,
    email: &str,
    password: &str,
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput,
    SdkError<aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthError, http_resp::HttpResponse>,
> {
    state
        .cognito
        .initiate_auth()
        .client_id(&state.config.client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .set_auth_parameters(Some(state.config.auth_parameters(email, &[("PASSWORD", password)])))
        .send()
        .await
}

/// Re-authentication before a sensitive change (email, turning MFA on, deleting the account):
/// Cognito checks the signed-in person's current password. A sign-in that asks for the MFA code
/// has already accepted the password. The session such a check mints is revoked unused.
pub async fn check_password(ctx: &Ctx, password: &str) -> Result<(), AppError> {
    let user = ctx.user()?;
    let password = validate::current_password(password)
        .map_err(|_| AppError::InvalidInput("Enter your current password.".into()))?;
    let s = &ctx.state;
    let out = password_sign_in(s, &user.email, &password).await.map_err(|e| {
        let mapped = map_sdk_error("InitiateAuth (re-authentication)", &e);
        let attempts = e.as_service_error().and_then(|se| se.message()).is_some_and(|m| m.contains("attempts"));
        match mapped {
            AppError::WrongCredentials if attempts => AppError::TooManyRequests,
            AppError::WrongCredentials => AppError::InvalidInput("Your current password is not right.".into()),
            other => other,
        }
    })?;
    if let Some(refresh) = out.authentication_result.and_then(|r| r.refresh_token) {
        revoke_refresh(s, refresh, "re-authentication").await;
    }
    Ok(())
}

/// Ends every session of the user behind `access` (GlobalSignOut), or, when Cognito refuses or
/// cannot be reached, with the server's credentials (AdminUserGlobalSignOut). False when both
/// failed: the caller must tell the person.
pub async fn sign_out_all(state: &AppState, access: &str) -> bool {
    match state.cognito.global_sign_out().access_token(access).send().await {
        Ok(_) => return true,
        Err(e) => {
            map_sdk_error("GlobalSignOut", &e);
        }
    }
    let username = crate::server::guard::username_of(access);
    match state
        .cognito
        .admin_user_global_sign_out()
        .user_pool_id(&state.config.user_pool_id)
        .username(username)
        .send()
        .await
    {
        Ok(_) => true,
        Err(e) => {
            map_sdk_error("AdminUserGlobalSignOut", &e);
            false
        }
    }
}

/// The person must know when a copy of their cookies may still work.
pub const SIGNED_OUT_HERE_ONLY: &str = "You are signed out in this browser, but we could not end your session with the \
     sign-in service. If this was a shared computer, sign in again soon and use \u{201c}Sign out everywhere\u{201d}.";

pub async fn sign_out(ctx: &Ctx) -> Result<&'static str, AppError> {
    let s = &ctx.state;
    let tokens = ctx.parts.extensions.get::<SessionTokens>().cloned().or_else(|| s.cookies.session(&ctx.parts.headers));
    let mut ended = true;
    if let Some(tokens) = tokens {
        // Revoking ends the refresh token everywhere; if that fails, every session of this
        // person ends instead. The cookies go regardless.
        if let Some(refresh) = tokens.refresh.clone() {
            ended = revoke_refresh(s, refresh, "sign-out").await || sign_out_all(s, &tokens.access).await;
        }
    }
    ctx.end_session();
    let (kind, message) = if ended {
        (FlashKind::Success, "You are signed out.".to_string())
    } else {
        (FlashKind::Error, SIGNED_OUT_HERE_ONLY.to_string())
    };
    ctx.flash(&Flash { kind, message, ..Flash::default() });
    Ok("/sign-in")
}

/// GlobalSignOut: every session of this person ends (their refresh tokens are refused), this
/// one at once, others at their next check with Cognito.
pub async fn sign_out_everywhere(ctx: &Ctx) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let s = &ctx.state;
    s.cognito
        .global_sign_out()
        .access_token(&tokens.access)
        .send()
        .await
        .map_err(|e| ctx.token_error("GlobalSignOut", &e))?;
    ctx.end_session();
    ctx.flash(&Flash {
        kind: FlashKind::Success,
        message: "You are signed out on every device.".into(),
        ..Flash::default()
    });
    Ok("/sign-in")
}

/// A sign-in waiting for its next step, kept in an encrypted cookie (never in the page).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Challenge {
    pub kind: ChallengeKind,
    pub email: String,
    /// The name Cognito wants in USERNAME when answering.
    pub username: String,
    pub session: String,
    /// Attributes Cognito requires before it accepts a new password, e.g. `given_name`.
    pub required: Vec<String>,
    pub expires_at: u64,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum ChallengeKind {
    Mfa,
    NewPassword,
}

/// Cognito's challenge sessions last 3 minutes.
const CHALLENGE_SECONDS: u64 = 180;

/// Keeps a challenge Cognito answered with and says which page answers it.
pub fn start_challenge(
    ctx: &Ctx,
    email: &str,
    name: Option<ChallengeNameType>,
    session: Option<String>,
    params: Option<HashMap<String, String>>,
) -> Result<&'static str, AppError> {
    let params = params.unwrap_or_default();
    let (kind, page) = match name {
        Some(ChallengeNameType::SoftwareTokenMfa) => (ChallengeKind::Mfa, "/verify-mfa"),
        Some(ChallengeNameType::NewPasswordRequired) => (ChallengeKind::NewPassword, "/new-password"),
        other => {
            tracing::error!(challenge = ?other, "unsupported sign-in challenge");
            return Err(AppError::Internal);
        }
    };
    let required = params
        .get("requiredAttributes")
        .and_then(|j| serde_json::from_str::<Vec<String>>(j).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.trim_start_matches("userAttributes.").to_string())
        .collect();
    let challenge = Challenge {
        kind,
        email: email.to_string(),
        username: params.get("USER_ID_FOR_SRP").cloned().unwrap_or_else(|| email.to_string()),
        session: session.ok_or(AppError::Internal)?,
        required,
        expires_at: now_unix() + CHALLENGE_SECONDS,
    };
    let age = cookie::time::Duration::seconds(CHALLENGE_SECONDS as i64);
    ctx.set_cookie(ctx.state.cookies.seal(CookieName::Challenge, &challenge, age));
    Ok(page)
}

/// The pending challenge of this kind; an expired or missing one sends the person back
/// to sign-in with a message.
pub fn challenge(ctx: &Ctx, kind: ChallengeKind) -> Result<Challenge, AppError> {
    ctx.state
        .cookies
        .open::<Challenge>(&ctx.parts.headers, CookieName::Challenge)
        .filter(|c| c.kind == kind && c.expires_at > now_unix())
        .ok_or(AppError::SignInStepExpired)
}

/// Answers RespondToAuthChallenge: signed in, or on to the next challenge.
async fn respond(
    ctx: &Ctx,
    c: &Challenge,
    name: ChallengeNameType,
    answers: Vec<(&str, String)>,
) -> Result<&'static str, AppError> {
    let s = &ctx.state;
    let mut req = s
        .cognito
        .respond_to_auth_challenge()
        .client_id(&s.config.client_id)
        .challenge_name(name)
        .session(&c.session)
        .challenge_responses("USERNAME", &c.username);
    if let Some(h) = s.config.secret_hash(&c.username) {
        req = req.challenge_responses("SECRET_HASH", h);
    }
    for (k, v) in answers {
        req = req.challenge_responses(k, v);
    }
    let out = req.send().await.map_err(|e| match error_code(&e) {
        // An expired or used-up challenge session.
        Some("NotAuthorizedException") | Some("ExpiredCodeException")
            if e.as_service_error()
                .and_then(|se| aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata::message(se))
                .is_some_and(|m| m.to_lowercase().contains("session")) =>
        {
            map_sdk_error("RespondToAuthChallenge", &e);
            AppError::SignInStepExpired
        }
        _ => map_sdk_error("RespondToAuthChallenge", &e),
    })?;
    match out.authentication_result {
        Some(result) => {
            ctx.start_session(&result)?;
            Ok("/")
        }
        None => start_challenge(ctx, &c.email, out.challenge_name, out.session, out.challenge_parameters),
    }
}

/// Ends a challenge that can no longer be answered and says so on the sign-in page.
fn challenge_failed(ctx: &Ctx, email: &str, e: AppError) -> Result<&'static str, AppError> {
    if e == AppError::SignInStepExpired {
        ctx.set_cookie(ctx.state.cookies.clear(CookieName::Challenge));
        ctx.flash(&Flash {
            kind: FlashKind::Error,
            message: e.message(),
            email: Some(email.to_string()),
            ..Flash::default()
        });
        return Ok("/sign-in");
    }
    Err(e)
}

pub async fn answer_mfa(ctx: &Ctx, code: &str) -> Result<&'static str, AppError> {
    let c = match challenge(ctx, ChallengeKind::Mfa) {
        Ok(c) => c,
        Err(e) => return challenge_failed(ctx, "", e),
    };
    let code = validate::totp_code(code)?;
    match respond(ctx, &c, ChallengeNameType::SoftwareTokenMfa, vec![("SOFTWARE_TOKEN_MFA_CODE", code)]).await {
        Ok(to) => Ok(to),
        Err(AppError::WrongCredentials) => challenge_failed(ctx, &c.email, AppError::SignInStepExpired),
        Err(AppError::CodeMismatch) => Err(AppError::WrongAuthenticatorCode),
        Err(e) => challenge_failed(ctx, &c.email, e),
    }
}

pub async fn complete_new_password(
    ctx: &Ctx,
    password: &str,
    given: &str,
    family: &str,
) -> Result<&'static str, AppError> {
    let c = match challenge(ctx, ChallengeKind::NewPassword) {
        Ok(c) => c,
        Err(e) => return challenge_failed(ctx, "", e),
    };
    let password = ctx.state.password_policy().new_password(password)?;
    let mut answers = vec![("NEW_PASSWORD", password)];
    for attr in &c.required {
        match attr.as_str() {
            "given_name" => answers.push(("userAttributes.given_name", validate::name(given, "given name")?)),
            "family_name" => answers.push(("userAttributes.family_name", validate::name(family, "family name")?)),
            other => {
                tracing::error!(attribute = other, "required attribute this app cannot ask for");
                return Err(AppError::Internal);
            }
        }
    }
    match respond(ctx, &c, ChallengeNameType::NewPasswordRequired, answers).await {
        Ok(to) => Ok(to),
        Err(AppError::WrongCredentials) => challenge_failed(ctx, &c.email, AppError::SignInStepExpired),
        Err(e) => challenge_failed(ctx, &c.email, e),
    }
}

const RESET_DONE: &str =
    "Your password has been changed and you are signed out everywhere. Sign in with your new password.";
/// The person must know when other devices may still be signed in with the old password.
pub const RESET_NOT_SIGNED_OUT: &str = "Your password has been changed, but we could not sign you out on your other devices. \
     Sign in with your new password and use \u{201c}Sign out everywhere\u{201d}.";

pub async fn forgot_password(ctx: &Ctx, email: &str) -> Result<&'static str, AppError> {
    let email = validate::email(email)?;
    let s = &ctx.state;
    match s
        .cognito
        .forgot_password()
        .client_id(&s.config.client_id)
        .set_secret_hash(s.config.secret_hash(&email))
        .username(&email)
        .send()
        .await
    {
        Ok(_) => {}
        // Unknown or unconfirmed accounts are answered exactly like known ones, and so is
        // Cognito's per-account limit (only an existing account can reach it).
        Err(e)
            if matches!(
                error_code(&e),
                Some("UserNotFoundException")
                    | Some("InvalidParameterException")
                    | Some("NotAuthorizedException")
                    | Some("LimitExceededException")
            ) =>
        {
            map_sdk_error("ForgotPassword", &e);
        }
        Err(e) => return Err(map_sdk_error("ForgotPassword", &e)),
    }
    ctx.flash(&Flash {
        kind: FlashKind::Success,
        message: format!("If an account exists for {email}, we sent it a code. Enter it below with your new password."),
        email: Some(email),
        ..Flash::default()
    });
    Ok("/reset-password")
}

pub async fn reset_password(ctx: &Ctx, email: &str, code: &str, password: &str) -> Result<&'static str, AppError> {
    let email = validate::email(email)?;
    let code = validate::code(code)?;
    let password = ctx.state.password_policy().new_password(password)?;
    let s = &ctx.state;
    s.cognito
        .confirm_forgot_password()
        .client_id(&s.config.client_id)
        .set_secret_hash(s.config.secret_hash(&email))
        .username(&email)
        .confirmation_code(code)
        .password(password)
        .send()
        .await
        .map_err(|e| match error_code(&e) {
            Some("UserNotFoundException") | Some("NotAuthorizedException") => {
                map_sdk_error("ConfirmForgotPassword", &e);
                AppError::CodeMismatch
            }
            _ => map_sdk_error("ConfirmForgotPassword", &e),
        })?;
    // The old password may be known to someone else: end every session.
    let signed_out =
        s.cognito.admin_user_global_sign_out().user_pool_id(&s.config.user_pool_id).username(&email).send().await;
    ctx.end_session();
    let (kind, message) = match signed_out {
        Ok(_) => (FlashKind::Success, RESET_DONE.to_string()),
        Err(e) => {
            map_sdk_error("AdminUserGlobalSignOut", &e);
            (FlashKind::Error, RESET_NOT_SIGNED_OUT.to_string())
        }
    };
    ctx.flash(&Flash { kind, message, email: Some(email), ..Flash::default() });
    Ok("/sign-in")
}
