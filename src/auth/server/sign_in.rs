//! Sign-in with the password, the challenges that may follow (TOTP code, new password), and the
//! password checks other flows use (re-authentication before a sensitive change).

use super::*;
use crate::auth::validate;
use crate::error::AppError;
use crate::i18n::t::auth_server as t;
use crate::server::aws::{error_code, log_sdk_error, map_sdk_error};
use crate::server::ctx::Ctx;
use crate::server::guard::now_unix;
use crate::server::session::{CookieName, Flash, FlashKind};
use crate::server::state::AppState;
use aws_sdk_cognitoidentityprovider::config::http as http_resp;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, AuthenticationResultType, ChallengeNameType};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub async fn sign_in(ctx: &Ctx, email: &str, password: &str) -> Result<&'static str, AppError> {
    let email = validate::email(email)?;
    let password = validate::current_password(password)?;
    let s = &ctx.state;
    let reply = password_sign_in(s, &email, &password).await;
    match reply {
        Ok(out) => match out.authentication_result {
            Some(result) => {
                ctx.start_session(&result, true).await?;
                Ok(crate::routes::HOME)
            }
            None => start_challenge(ctx, &email, out.challenge_name, out.session, out.challenge_parameters),
        },
        Err(e) if error_code(&e) == Some("UserNotConfirmedException") => {
            // Not proof of the password: Cognito may answer this before checking it. The
            // person sees exactly what a wrong password shows (same page, same cookies, no
            // wait for the email); the owner gets a fresh code, at most once per resend
            // interval per address, and the sign-in page links to the confirm page.
            log_sdk_error("InitiateAuth", &e);
            quiet_resend(s, &email).await;
            Err(AppError::WrongCredentials)
        }
        // An account that must reset its password answers like a wrong password (and so like
        // an unknown address); "Forgot your password?" is the way back.
        Err(e) if error_code(&e) == Some("PasswordResetRequiredException") => {
            log_sdk_error("InitiateAuth", &e);
            Err(AppError::WrongCredentials)
        }
        Err(e) => Err(map_sdk_error("InitiateAuth", &e)),
    }
}

/// A refusal of a first step that must read like an unknown address: an unconfirmed, unknown,
/// disabled ("User is disabled.") or must-reset account. Cognito's wrong-secret refusals are
/// NotAuthorizedException too; they are logged all the same.
pub fn reads_as_unknown<E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata, R>(
    e: &SdkError<E, R>,
) -> bool {
    matches!(
        error_code(e),
        Some(
            "UserNotConfirmedException"
                | "UserNotFoundException"
                | "NotAuthorizedException"
                | "PasswordResetRequiredException"
        )
    )
}

/// A fresh confirmation code for an unconfirmed account that tried to sign in, at most once per
/// resend interval per address, sent in the background so the answer does not wait for it.
async fn quiet_resend(s: &AppState, email: &str) {
    if s.quiet_resend_allowed(email).await {
        let (state, email) = (s.clone(), email.to_string());
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
                log_sdk_error("ResendConfirmationCode (from sign-in)", &e);
            }
        });
    }
}

/// Sign-in with a code by email (USER_AUTH, EMAIL_OTP preferred): Cognito mails a code and the
/// next page takes it. Unknown addresses get the same page (Cognito answers with a session that
/// never succeeds); an unconfirmed account gets the same page too, and a new confirmation code.
pub async fn send_sign_in_code(ctx: &Ctx, email: &str) -> Result<&'static str, AppError> {
    let email = validate::email(email)?;
    let s = &ctx.state;
    if !s.email_code_sign_in() {
        return Err(AppError::InvalidInput(t::EMAIL_CODE_OFF.text().into()));
    }
    // One code per resend interval per address, whoever asks: a person is not flooded with
    // codes, and the wait is the same whether the account exists or not.
    s.resend_allowed(&format!("sign-in-code:{email}"), ctx.client_ip()).await?;
    match choice_sign_in(s, &email, "EMAIL_OTP").await {
        Ok(out) if out.challenge_name == Some(ChallengeNameType::EmailOtp) => {
            start_challenge(ctx, &email, out.challenge_name, out.session, out.challenge_parameters)
        }
        Ok(out) => {
            // The account has no email code to offer (e.g. the pool's policy changed).
            tracing::warn!(challenge = ?out.challenge_name, "USER_AUTH did not offer EMAIL_OTP");
            Err(AppError::InvalidInput(t::EMAIL_CODE_NOT_SENT.text().into()))
        }
        Err(e) if error_code(&e) == Some("UserNotConfirmedException") => {
            log_sdk_error("InitiateAuth (email code)", &e);
            quiet_resend(s, &email).await;
            start_challenge(ctx, &email, Some(ChallengeNameType::EmailOtp), Some(decoy_session()), None)
        }
        // A disabled or must-reset account gets the page an unknown address gets.
        Err(e) if reads_as_unknown(&e) => {
            log_sdk_error("InitiateAuth (email code)", &e);
            start_challenge(ctx, &email, Some(ChallengeNameType::EmailOtp), Some(decoy_session()), None)
        }
        Err(e) => Err(map_sdk_error("InitiateAuth (email code)", &e)),
    }
}

/// The code from the sign-in email. A wrong code may be tried again (Cognito allows a few
/// answers per code); an expired or used-up one sends the person back to ask for a new code.
pub async fn answer_email_code(ctx: &Ctx, code: &str) -> Result<&'static str, AppError> {
    let c = match challenge(ctx, ChallengeKind::EmailCode) {
        Ok(c) => c,
        Err(_) => return challenge_failed(ctx, "", AppError::CodeExpired),
    };
    let code = validate::code(code)?;
    match respond(ctx, &c, ChallengeNameType::EmailOtp, vec![("EMAIL_OTP_CODE", code)]).await {
        Ok(to) => Ok(to),
        // A wrong code (CodeMismatch) passes through challenge_failed unchanged: try again.
        Err(AppError::SignInStepExpired | AppError::WrongCredentials | AppError::CodeExpired) => {
            challenge_failed(ctx, &c.email, AppError::CodeExpired)
        }
        Err(e) => challenge_failed(ctx, &c.email, e),
    }
}

/// After a code by email: an account that has turned on an authenticator app must not get in
/// with the email alone (Cognito does not ask for TOTP after EMAIL_OTP), so its new session is
/// revoked unused and the person is told to sign in with the password and the app.
async fn refuse_without_totp(ctx: &Ctx, result: &AuthenticationResultType) -> Result<bool, AppError> {
    let s = &ctx.state;
    let access = result.access_token().ok_or(AppError::Internal)?;
    let user = s
        .cognito
        .get_user()
        .access_token(access)
        .send()
        .await
        .map_err(|e| map_sdk_error("GetUser (email code)", &e))?;
    if !user.user_mfa_setting_list().iter().any(|m| m == "SOFTWARE_TOKEN_MFA") {
        return Ok(false);
    }
    if let Some(refresh) = result.refresh_token() {
        revoke_refresh(s, refresh.to_string(), "email code on an account with an authenticator").await;
    }
    Ok(true)
}

/// What InitiateAuth answers.
type Initiated = Result<
    aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput,
    SdkError<aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthError, http_resp::HttpResponse>,
>;

/// InitiateAuth for `email` with `flow` and one parameter beside USERNAME (and SECRET_HASH when
/// the client has a secret).
async fn initiate(state: &AppState, flow: AuthFlowType, email: &str, param: (&str, &str)) -> Initiated {
    state
        .cognito
        .initiate_auth()
        .client_id(&state.config.client_id)
        .auth_flow(flow)
        .set_auth_parameters(Some(state.config.auth_parameters(email, &[param])))
        .send()
        .await
}

/// Choice-based sign-in (USER_AUTH) for `email`, asking for the `preferred` first factor
/// (`EMAIL_OTP`, `WEB_AUTHN`); Cognito answers with that challenge when the account has it.
pub async fn choice_sign_in(state: &AppState, email: &str, preferred: &str) -> Initiated {
    initiate(state, AuthFlowType::UserAuth, email, ("PREFERRED_CHALLENGE", preferred)).await
}

/// USER_PASSWORD_AUTH for `email`: sign-in, re-authentication, turning MFA off and the fresh
/// session after a password change.
pub async fn password_sign_in(state: &AppState, email: &str, password: &str) -> Initiated {
    initiate(state, AuthFlowType::UserPasswordAuth, email, ("PASSWORD", password)).await
}

/// A challenge session Cognito never issued, for a step that must look real and never succeed
/// (an unconfirmed account's code page, an address without a passkey).
pub fn decoy_session() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// What a re-authentication proved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    /// The password; the account has no authenticator app.
    Password,
    /// The password and a current code of the account's authenticator app.
    PasswordAndCode,
}

/// Re-authentication before turning MFA on: Cognito checks the signed-in person's current
/// password. A sign-in that asks for the MFA code has already accepted the password. The
/// session such a check mints is revoked unused.
pub async fn check_password(ctx: &Ctx, password: &str) -> Result<(), AppError> {
    prove(ctx, password, None).await.map(|_| ())
}

/// Signs in again with the signed-in person's password and, when Cognito then asks for the
/// authenticator app's code, answers with `code`: the one way Cognito checks a TOTP code of an
/// existing set-up. Without a `code` an account with an authenticator app is only proven to
/// have its password (`Proof::Password` is then never returned: the caller decides with
/// `prove_all`). The session either step mints is revoked unused.
async fn prove(ctx: &Ctx, password: &str, code: Option<&str>) -> Result<Option<Proof>, AppError> {
    let user = ctx.user()?;
    let password = validate::current_password(password)
        .map_err(|_| AppError::InvalidInput(t::ENTER_CURRENT_PASSWORD.text().into()))?;
    let s = &ctx.state;
    let out = password_sign_in(s, &user.email, &password).await.map_err(|e| {
        let mapped = map_sdk_error("InitiateAuth (re-authentication)", &e);
        let attempts = e.as_service_error().and_then(|se| se.message()).is_some_and(|m| m.contains("attempts"));
        match mapped {
            AppError::WrongCredentials if attempts => AppError::TooManyRequests,
            AppError::WrongCredentials => AppError::InvalidInput(t::CURRENT_PASSWORD_WRONG.text().into()),
            other => other,
        }
    })?;
    if let Some(refresh) = out.authentication_result.and_then(|r| r.refresh_token) {
        revoke_refresh(s, refresh, "re-authentication").await;
        return Ok(Some(Proof::Password));
    }
    if out.challenge_name != Some(ChallengeNameType::SoftwareTokenMfa) {
        tracing::error!(challenge = ?out.challenge_name, "re-authentication with the password led to another step");
        return Err(AppError::Internal);
    }
    // The password is right; the account has an authenticator app.
    let Some(code) = code else { return Ok(None) };
    let code =
        validate::totp_code(code).map_err(|_| AppError::InvalidInput(t::AUTHENTICATOR_CODE_NEEDED.text().into()))?;
    let username = out
        .challenge_parameters
        .as_ref()
        .and_then(|p| p.get("USER_ID_FOR_SRP").cloned())
        .unwrap_or_else(|| user.email.clone());
    let session = out.session.ok_or(AppError::Internal)?;
    let proof = respond_call(
        s,
        &session,
        &username,
        ChallengeNameType::SoftwareTokenMfa,
        vec![("SOFTWARE_TOKEN_MFA_CODE", code)],
    )
    .await
    .map_err(|e| match e {
        AppError::CodeMismatch => AppError::WrongAuthenticatorCode,
        other => other,
    })?;
    if let Some(refresh) = proof.authentication_result.and_then(|r| r.refresh_token) {
        revoke_refresh(s, refresh, "re-authentication with the authenticator app").await;
    }
    Ok(Some(Proof::PasswordAndCode))
}

/// The password and, when the account has an authenticator app on, its current code: what a
/// change that grants or removes a way in needs (turning two-factor off, adding or deleting a
/// passkey, a new email, deleting the account). A missing code with two-factor on is refused.
pub async fn prove_all(ctx: &Ctx, password: &str, code: Option<&str>) -> Result<Proof, AppError> {
    // With `Some` code, `prove` answers a proof or an error, never `None`.
    let code = code.map(str::trim).unwrap_or_default();
    prove(ctx, password, Some(code))
        .await?
        .ok_or_else(|| AppError::InvalidInput(t::AUTHENTICATOR_CODE_NEEDED.text().into()))
}

/// Re-authentication before a sensitive change (email, deleting the account, adding or deleting
/// a passkey): the current password, or the code `send_reauth_code` emailed, typed in the same
/// field. The two cannot be confused: a code is six digits, a password at least twelve
/// characters. An account made without a password confirms with the code. With an
/// authenticator app on, the password and the app's current `authenticator_code` are needed
/// (every way in proves the same factors); an emailed code is then not enough.
pub async fn confirm_identity(
    ctx: &Ctx,
    password_or_code: &str,
    authenticator_code: Option<&str>,
) -> Result<(), AppError> {
    match validate::code(password_or_code) {
        Ok(code) => {
            if crate::mfa::server::enabled(ctx).await? {
                return Err(AppError::InvalidInput(t::REAUTH_CODE_NEEDS_AUTHENTICATOR.text().into()));
            }
            check_reauth_code(ctx, &code).await
        }
        Err(_) => prove_all(ctx, password_or_code, authenticator_code).await.map(|_| ()),
    }
}

/// A step of `send_reauth_code`: Cognito's EMAIL_OTP session for the signed-in account.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReauthStep {
    /// The account it was asked for: another account signed in later in this browser cannot use it.
    pub sub: String,
    pub username: String,
    pub session: String,
    pub expires_at: u64,
}

/// Emails the signed-in person a code that confirms one sensitive change instead of the password
/// (USER_AUTH, EMAIL_OTP: Cognito mails the code). One code per resend interval per account.
/// `typed_email` (a new address typed in the email form) comes back with the message.
pub async fn send_reauth_code(ctx: &Ctx, typed_email: Option<String>) -> Result<&'static str, AppError> {
    let user = ctx.user()?;
    let s = &ctx.state;
    if !s.email_code_sign_in() {
        return Err(AppError::InvalidInput(t::REAUTH_CODE_OFF.text().into()));
    }
    // As at sign-in (`refuse_without_totp`): with an authenticator app on, the mailbox alone
    // is not enough.
    if crate::mfa::server::enabled(ctx).await? {
        return Err(AppError::InvalidInput(t::REAUTH_CODE_NEEDS_AUTHENTICATOR.text().into()));
    }
    s.resend_allowed(&format!("reauth-code:{}", user.sub), ctx.client_ip()).await?;
    let out = choice_sign_in(s, &user.email, "EMAIL_OTP")
        .await
        .map_err(|e| map_sdk_error("InitiateAuth (re-authentication code)", &e))?;
    if out.challenge_name != Some(ChallengeNameType::EmailOtp) {
        tracing::warn!(challenge = ?out.challenge_name, "USER_AUTH did not offer EMAIL_OTP for re-authentication");
        return Err(AppError::InvalidInput(t::REAUTH_CODE_NOT_SENT.text().into()));
    }
    let params = out.challenge_parameters.unwrap_or_default();
    let step = ReauthStep {
        sub: user.sub,
        username: params.get("USER_ID_FOR_SRP").cloned().unwrap_or_else(|| user.email.clone()),
        session: out.session.ok_or(AppError::Internal)?,
        expires_at: now_unix() + CHALLENGE_SECONDS,
    };
    ctx.set_cookie(s.cookies.seal(CookieName::Reauth, &step, CHALLENGE_AGE));
    let sent = t::REAUTH_CODE_SENT.fill(&[("email", &user.email)]);
    ctx.flash(&Flash { email: typed_email.filter(|e| !e.is_empty()), ..Flash::success(sent) });
    Ok(crate::routes::SETTINGS)
}

/// Whether the signed-in person has a code from `send_reauth_code` waiting (server only).
pub fn reauth_pending(state: &AppState, headers: &http::HeaderMap, sub: &str) -> bool {
    reauth_step(state, headers, sub).is_some()
}

fn reauth_step(state: &AppState, headers: &http::HeaderMap, sub: &str) -> Option<ReauthStep> {
    state.cookies.open::<ReauthStep>(headers, CookieName::Reauth).filter(|r| r.sub == sub && r.expires_at > now_unix())
}

/// The emailed code answers Cognito's step; the session it mints is revoked unused, and the
/// step is used up. A wrong code may be tried again (Cognito allows a few answers).
async fn check_reauth_code(ctx: &Ctx, code: &str) -> Result<(), AppError> {
    let user = ctx.user()?;
    let s = &ctx.state;
    let expired = || AppError::InvalidInput(t::REAUTH_CODE_EXPIRED.text().into());
    let step = reauth_step(s, &ctx.parts.headers, &user.sub).ok_or_else(expired)?;
    let answered = respond_call(
        s,
        &step.session,
        &step.username,
        ChallengeNameType::EmailOtp,
        vec![("EMAIL_OTP_CODE", code.to_string())],
    )
    .await;
    let out = match answered {
        Ok(out) => out,
        Err(AppError::CodeMismatch) => return Err(AppError::CodeMismatch),
        Err(AppError::SignInStepExpired | AppError::WrongCredentials | AppError::CodeExpired) => {
            ctx.set_cookie(s.cookies.clear(CookieName::Reauth));
            return Err(expired());
        }
        Err(e) => return Err(e),
    };
    ctx.set_cookie(s.cookies.clear(CookieName::Reauth));
    match out.authentication_result {
        Some(result) => {
            if let Some(refresh) = result.refresh_token {
                revoke_refresh(s, refresh, "re-authentication by email code").await;
            }
            Ok(())
        }
        None => {
            tracing::error!(challenge = ?out.challenge_name, "an emailed re-authentication code led to another challenge");
            Err(AppError::Internal)
        }
    }
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
    /// Spaces that give a sealed step one size whatever its session (see `passkeys::server`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pad: String,
    /// Remove every passkey once this step is answered (a reset asked for it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remove_passkeys: bool,
}

impl Challenge {
    /// A step of this kind that can still be answered.
    pub fn is_live(&self, kind: ChallengeKind) -> bool {
        self.kind == kind && self.expires_at > now_unix()
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum ChallengeKind {
    Mfa,
    NewPassword,
    /// The code Cognito sent by email (USER_AUTH, EMAIL_OTP).
    EmailCode,
    /// A passkey's answer (USER_AUTH, WEB_AUTHN), given by the island on the sign-in page.
    Passkey,
}

/// Cognito's challenge sessions last 3 minutes.
const CHALLENGE_SECONDS: u64 = 180;
/// The same, as the cookies' age.
const CHALLENGE_AGE: cookie::time::Duration = cookie::time::Duration::seconds(CHALLENGE_SECONDS as i64);

/// Keeps a challenge Cognito answered with and says which page answers it.
pub fn start_challenge(
    ctx: &Ctx,
    email: &str,
    name: Option<ChallengeNameType>,
    session: Option<String>,
    params: Option<HashMap<String, String>>,
) -> Result<&'static str, AppError> {
    let (challenge, page) = new_challenge(email, name, session, params)?;
    keep_challenge(ctx, &challenge);
    Ok(page)
}

/// Keeps `challenge` in this browser's challenge cookie, for the page that answers it.
pub fn keep_challenge(ctx: &Ctx, challenge: &Challenge) {
    ctx.set_cookie(ctx.state.cookies.seal(CookieName::Challenge, challenge, CHALLENGE_AGE));
}

/// A challenge Cognito answered with, and the page that answers it.
pub fn new_challenge(
    email: &str,
    name: Option<ChallengeNameType>,
    session: Option<String>,
    params: Option<HashMap<String, String>>,
) -> Result<(Challenge, &'static str), AppError> {
    let params = params.unwrap_or_default();
    let (kind, page) = match name {
        Some(ChallengeNameType::SoftwareTokenMfa) => (ChallengeKind::Mfa, crate::routes::VERIFY_MFA),
        Some(ChallengeNameType::NewPasswordRequired) => (ChallengeKind::NewPassword, crate::routes::NEW_PASSWORD),
        Some(ChallengeNameType::EmailOtp) => (ChallengeKind::EmailCode, crate::routes::SIGN_IN_CODE),
        Some(ChallengeNameType::WebAuthn) => (ChallengeKind::Passkey, crate::routes::SIGN_IN),
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
        pad: String::new(),
        remove_passkeys: false,
    };
    Ok((challenge, page))
}

/// The pending challenge of this kind; an expired or missing one sends the person back
/// to sign-in with a message.
pub fn challenge(ctx: &Ctx, kind: ChallengeKind) -> Result<Challenge, AppError> {
    ctx.state
        .cookies
        .open::<Challenge>(&ctx.parts.headers, CookieName::Challenge)
        .filter(|c| c.is_live(kind))
        .ok_or(AppError::SignInStepExpired)
}

/// Answers RespondToAuthChallenge: signed in, or on to the next challenge.
pub async fn respond(
    ctx: &Ctx,
    c: &Challenge,
    name: ChallengeNameType,
    answers: Vec<(&str, String)>,
) -> Result<&'static str, AppError> {
    let out = respond_call(&ctx.state, &c.session, &c.username, name, answers).await?;
    match out.authentication_result {
        Some(result) if c.kind == ChallengeKind::EmailCode && refuse_without_totp(ctx, &result).await? => {
            challenge_failed(ctx, &c.email, AppError::AuthenticatorRequired)
        }
        Some(result) => {
            ctx.start_session(&result, true).await?;
            if c.remove_passkeys {
                let access = result.access_token().unwrap_or_default();
                let message = match crate::passkeys::server::delete_all(&ctx.state, access).await {
                    Ok(0) => None,
                    Ok(n) => {
                        ctx.notify_account(&c.email, crate::server::email::SecurityEvent::PasskeysRemoved).await;
                        Some(t::PASSKEYS_REMOVED.fill(&[("count", &n)]))
                    }
                    Err(_) => Some(t::PASSKEYS_NOT_REMOVED.text().to_string()),
                };
                if let Some(message) = message {
                    ctx.flash(&Flash::success(message));
                }
            }
            Ok(crate::routes::HOME)
        }
        None => start_challenge(ctx, &c.email, out.challenge_name, out.session, out.challenge_parameters),
    }
}

/// RespondToAuthChallenge for `session` (USERNAME and SECRET_HASH added), with an expired or
/// used-up session told apart as `SignInStepExpired`.
async fn respond_call(
    s: &AppState,
    session: &str,
    username: &str,
    name: ChallengeNameType,
    answers: Vec<(&str, String)>,
) -> Result<aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput, AppError>
{
    let mut req = s
        .cognito
        .respond_to_auth_challenge()
        .client_id(&s.config.client_id)
        .challenge_name(name)
        .session(session)
        .challenge_responses("USERNAME", username);
    if let Some(h) = s.config.secret_hash(username) {
        req = req.challenge_responses("SECRET_HASH", h);
    }
    for (k, v) in answers {
        req = req.challenge_responses(k, v);
    }
    req.send().await.map_err(|e| match error_code(&e) {
        // An expired or used-up challenge session.
        Some("NotAuthorizedException") | Some("ExpiredCodeException")
            if e.as_service_error()
                .and_then(|se| se.message())
                .is_some_and(|m| m.to_lowercase().contains("session")) =>
        {
            log_sdk_error("RespondToAuthChallenge", &e);
            AppError::SignInStepExpired
        }
        _ => map_sdk_error("RespondToAuthChallenge", &e),
    })
}

/// Ends a challenge that can no longer be answered and says so on the sign-in page.
fn challenge_failed(ctx: &Ctx, email: &str, e: AppError) -> Result<&'static str, AppError> {
    if matches!(e, AppError::SignInStepExpired | AppError::CodeExpired | AppError::AuthenticatorRequired) {
        ctx.set_cookie(ctx.state.cookies.clear(CookieName::Challenge));
        ctx.flash(&Flash {
            kind: FlashKind::Error,
            message: e.message(),
            email: Some(email.to_string()),
            ..Flash::default()
        });
        return Ok(crate::routes::SIGN_IN);
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

/// "Use a recovery code" at the authenticator step. Cognito cannot skip its TOTP challenge, so:
/// the password again (Cognito answers a right one with that challenge), the code checked
/// against the account's hashes and used up, the authenticator app turned off with the admin
/// API, and a sign-in with the password alone. The owner is told, and the next page asks them
/// to set the app up again (with a new secret and new codes).
pub async fn answer_recovery_code(ctx: &Ctx, password: &str, typed: &str) -> Result<&'static str, AppError> {
    use crate::mfa::recovery;
    let c = match challenge(ctx, ChallengeKind::Mfa) {
        Ok(c) => c,
        Err(e) => return challenge_failed(ctx, "", e),
    };
    let password = validate::current_password(password)?;
    let s = &ctx.state;
    let first = password_sign_in(s, &c.email, &password)
        .await
        .map_err(|e| map_sdk_error("InitiateAuth (recovery code)", &e))?;
    if let Some(result) = first.authentication_result {
        // Two-factor was turned off meanwhile: the password is all it takes.
        ctx.start_session(&result, true).await?;
        return Ok(crate::routes::HOME);
    }
    if first.challenge_name != Some(ChallengeNameType::SoftwareTokenMfa) {
        tracing::error!(challenge = ?first.challenge_name, "a recovery code for a sign-in that asks for something else");
        return Err(AppError::Internal);
    }
    let wrong = || AppError::InvalidInput(t::RECOVERY_CODE_WRONG.text().into());
    if recovery::find(recovery::stored(s, &c.username).await?, typed).await.is_none() {
        return Err(wrong());
    }
    // A right code: used up under the account's lock, read again there, so two requests with
    // one code cannot both pass, nor one undo another's change.
    s.account_lock(&format!("recovery:{}", c.email)).await?;
    let mut hashes = recovery::stored(s, &c.username).await?;
    let used = recovery::find(hashes.clone(), typed).await.ok_or_else(wrong)?;
    hashes.remove(used);
    recovery::store(s, &c.username, &hashes).await?;
    s.cognito
        .admin_set_user_mfa_preference()
        .user_pool_id(&s.config.user_pool_id)
        .username(&c.username)
        .software_token_mfa_settings(
            aws_sdk_cognitoidentityprovider::types::SoftwareTokenMfaSettingsType::builder()
                .enabled(false)
                .preferred_mfa(false)
                .build(),
        )
        .send()
        .await
        .map_err(|e| map_sdk_error("AdminSetUserMFAPreference (recovery code)", &e))?;
    // Told before anything else can fail: the account now signs in with the password alone.
    ctx.notify_account(&c.email, crate::server::email::SecurityEvent::RecoveryCodeUsed).await;
    let second = password_sign_in(s, &c.email, &password)
        .await
        .map_err(|e| map_sdk_error("InitiateAuth (after a recovery code)", &e))?;
    let Some(result) = second.authentication_result else {
        tracing::error!(challenge = ?second.challenge_name, "still a challenge after turning the authenticator app off");
        return Err(AppError::Internal);
    };
    ctx.start_session(&result, true).await?;
    ctx.flash(&Flash::success(t::RECOVERY_CODE_USED.fill(&[("left", &hashes.len())])));
    Ok(crate::routes::TWO_FACTOR)
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
            "given_name" => {
                answers.push(("userAttributes.given_name", validate::name(given, validate::NameField::Given)?))
            }
            "family_name" => {
                answers.push(("userAttributes.family_name", validate::name(family, validate::NameField::Family)?))
            }
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
