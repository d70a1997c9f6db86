//! Cognito calls behind the two-factor pages.

use crate::auth::validate;
use crate::error::AppError;
use crate::flash::Flash;
use crate::i18n::t::mfa as t;
use crate::server::aws::map_sdk_error;
use crate::server::ctx::Ctx;
use crate::server::session::CookieName;
use aws_sdk_cognitoidentityprovider::types::{
    ChallengeNameType, SoftwareTokenMfaSettingsType, VerifySoftwareTokenResponseType,
};
use leptos::prelude::use_context;
use serde::{Deserialize, Serialize};

/// A secret being set up; kept only until its first code is verified (10 minutes at most).
#[derive(Serialize, Deserialize)]
struct Setup {
    secret: String,
    expires_at: u64,
    /// Whose set-up this is: a set-up cookie is useless in another person's session.
    sub: String,
}

impl Setup {
    fn valid_for(&self, sub: &str) -> bool {
        self.expires_at > now() && self.sub == sub
    }
}

const SETUP_SECONDS: u64 = 600;

/// A code mismatch here is about the authenticator app, not an email.
fn authenticator_code(e: AppError) -> AppError {
    if e == AppError::CodeMismatch { AppError::WrongAuthenticatorCode } else { e }
}

fn now() -> u64 {
    crate::server::guard::now_unix()
}

pub async fn begin(ctx: &Ctx, password: &str) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let user = ctx.user()?;
    crate::auth::server::check_password(ctx, password).await?;
    let out = ctx
        .state
        .cognito
        .associate_software_token()
        .access_token(&tokens.access)
        .send()
        .await
        .map_err(|e| ctx.token_error("AssociateSoftwareToken", &e))?;
    let secret = out.secret_code.ok_or(AppError::Internal)?;
    let setup = Setup { secret, expires_at: now() + SETUP_SECONDS, sub: user.sub };
    let age = cookie::time::Duration::seconds(SETUP_SECONDS as i64);
    ctx.set_cookie(ctx.state.cookies.seal(CookieName::MfaSetup, &setup, age));
    Ok(crate::routes::TWO_FACTOR)
}

pub async fn verify(ctx: &Ctx, code: &str) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let user = ctx.user()?;
    let code = validate::totp_code(code)?;
    let s = &ctx.state;
    let setup: Option<Setup> = s.cookies.open(&ctx.parts.headers, CookieName::MfaSetup);
    if !setup.is_some_and(|st| st.valid_for(&user.sub)) {
        return Err(AppError::InvalidInput(t::SETUP_EXPIRED.fill(&[("button", &t::START_SETUP.text())])));
    }
    let out = s
        .cognito
        .verify_software_token()
        .access_token(&tokens.access)
        .user_code(code)
        .friendly_device_name("Authenticator app")
        .send()
        .await
        .map_err(|e| authenticator_code(ctx.token_error("VerifySoftwareToken", &e)))?;
    if out.status != Some(VerifySoftwareTokenResponseType::Success) {
        return Err(AppError::WrongAuthenticatorCode);
    }
    s.cognito
        .set_user_mfa_preference()
        .access_token(&tokens.access)
        .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
        .send()
        .await
        .map_err(|e| ctx.token_error("SetUserMFAPreference", &e))?;
    ctx.set_cookie(s.cookies.clear(CookieName::MfaSetup));
    ctx.flash(&Flash::success(t::TURNED_ON.text()));
    Ok(crate::routes::HOME)
}

/// Checks the password and a current code by signing in again (the only way Cognito can
/// check a TOTP code of an existing set-up), then turns TOTP off.
pub async fn disable(ctx: &Ctx, password: &str, code: &str) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let user = ctx.user()?;
    let password = validate::current_password(password)?;
    let code = validate::totp_code(code)?;
    let s = &ctx.state;
    let first = crate::auth::server::password_sign_in(s, &user.email, &password)
        .await
        .map_err(|e| map_sdk_error("InitiateAuth (disable MFA)", &e))?;
    if first.challenge_name != Some(ChallengeNameType::SoftwareTokenMfa) {
        // Two-factor was already off, so that check signed in outright: end that session too.
        if let Some(refresh) = first.authentication_result.and_then(|r| r.refresh_token) {
            crate::auth::server::revoke_refresh(s, refresh, "disable MFA, already off").await;
        }
        return Err(AppError::InvalidInput(t::ALREADY_OFF.text().into()));
    }
    let username = first
        .challenge_parameters
        .as_ref()
        .and_then(|p| p.get("USER_ID_FOR_SRP").cloned())
        .unwrap_or_else(|| user.email.clone());
    let proof = s
        .cognito
        .respond_to_auth_challenge()
        .client_id(&s.config.client_id)
        .challenge_name(ChallengeNameType::SoftwareTokenMfa)
        .set_session(first.session)
        .set_challenge_responses(Some(
            s.config.auth_parameters(&username, &[("SOFTWARE_TOKEN_MFA_CODE", code.as_str())]),
        ))
        .send()
        .await
        .map_err(|e| authenticator_code(map_sdk_error("RespondToAuthChallenge (disable MFA)", &e)))?;
    // That sign-in only proved the password and code; the session it minted is never used.
    if let Some(refresh) = proof.authentication_result.and_then(|r| r.refresh_token) {
        crate::auth::server::revoke_refresh(s, refresh, "disable MFA").await;
    }
    s.cognito
        .set_user_mfa_preference()
        .access_token(&tokens.access)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder().enabled(false).preferred_mfa(false).build(),
        )
        .send()
        .await
        .map_err(|e| ctx.token_error("SetUserMFAPreference", &e))?;
    ctx.flash(&Flash::success(t::TURNED_OFF.text()));
    Ok(crate::routes::HOME)
}

pub async fn enabled(ctx: &Ctx) -> Result<bool, AppError> {
    let tokens = ctx.tokens()?;
    let out = ctx
        .state
        .cognito
        .get_user()
        .access_token(&tokens.access)
        .send()
        .await
        .map_err(|e| ctx.token_error("GetUser", &e))?;
    Ok(out.user_mfa_setting_list().iter().any(|m| m == "SOFTWARE_TOKEN_MFA"))
}

/// The QR code (SVG) and secret of a set-up in progress, for the page being rendered.
pub fn in_progress() -> Option<(String, String)> {
    let state = use_context::<crate::server::state::AppState>()?;
    let parts = use_context::<http::request::Parts>()?;
    let user = parts.extensions.get::<crate::auth::Auth>().and_then(|a| match a {
        crate::auth::Auth::SignedIn(u) => Some(u.clone()),
        _ => None,
    })?;
    let setup: Setup = state.cookies.open(&parts.headers, CookieName::MfaSetup)?;
    if !setup.valid_for(&user.sub) {
        return None;
    }
    let uri = otpauth_uri(&state.config.app_name, &user.email, &setup.secret);
    let svg = qrcode::QrCode::new(uri.as_bytes())
        .ok()?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    Some((svg, setup.secret))
}

/// `otpauth://totp/<issuer>:<email>?secret=…&issuer=…` (Key Uri Format).
pub fn otpauth_uri(issuer: &str, email: &str, secret: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!("otpauth://totp/{}:{}?secret={}&issuer={}", enc(issuer), enc(email), enc(secret), enc(issuer))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_set_up_cookie_is_only_good_for_the_user_who_started_it() {
        let setup = super::Setup { secret: "S".into(), expires_at: super::now() + 60, sub: "alice".into() };
        assert!(setup.valid_for("alice"));
        assert!(!setup.valid_for("mallory"), "a set-up cookie carried into another session is ignored");
        let old = super::Setup { expires_at: super::now() - 1, ..setup };
        assert!(!old.valid_for("alice"));
    }

    #[test]
    fn otpauth_uri_is_encoded() {
        assert_eq!(
            super::otpauth_uri("My App", "a+b@example.com", "ABC234"),
            "otpauth://totp/My%20App:a%2Bb%40example.com?secret=ABC234&issuer=My%20App"
        );
    }
}
