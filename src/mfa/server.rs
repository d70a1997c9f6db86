//! Cognito calls behind the two-factor pages.

use crate::auth::validate;
use crate::error::AppError;
use crate::flash::Flash;
use crate::i18n::t::mfa as t;
use crate::server::ctx::Ctx;
use crate::server::session::CookieName;
use aws_sdk_cognitoidentityprovider::types::{SoftwareTokenMfaSettingsType, VerifySoftwareTokenResponseType};
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

/// Starts a set-up after the password. Not while an authenticator app is on: a new set-up would
/// replace it (and its recovery codes) with the password alone; the app is turned off first,
/// which needs its current code.
pub async fn begin(ctx: &Ctx, password: &str) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let user = ctx.user()?;
    if enabled(ctx).await? {
        return Err(AppError::InvalidInput(t::ALREADY_ON.text().into()));
    }
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
    // Turned on meanwhile (in another tab): this set-up must not replace it.
    if enabled(ctx).await? {
        ctx.set_cookie(s.cookies.clear(CookieName::MfaSetup));
        return Err(AppError::InvalidInput(t::ALREADY_ON.text().into()));
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
    ctx.notify(crate::server::email::SecurityEvent::TwoFactorOn).await;
    show_new_codes(ctx, &user.sub).await?;
    ctx.flash(&Flash::success(t::TURNED_ON.text()));
    Ok(crate::routes::RECOVERY_CODES)
}

/// A new set of recovery codes for the signed-in person, kept for the next page to show once.
async fn show_new_codes(ctx: &Ctx, sub: &str) -> Result<(), AppError> {
    ctx.state.account_lock(&format!("recovery:{}", ctx.user()?.email)).await?;
    let codes = super::recovery::issue(&ctx.state, sub).await?;
    let fresh =
        super::recovery::Fresh { sub: sub.to_string(), codes, expires_at: now() + super::recovery::SHOW_SECONDS };
    let age = cookie::time::Duration::seconds(super::recovery::SHOW_SECONDS as i64);
    ctx.set_cookie(ctx.state.cookies.seal(CookieName::RecoveryCodes, &fresh, age));
    Ok(())
}

/// "Generate new codes": after the password and a current code, a new set replaces the old one.
pub async fn regenerate(ctx: &Ctx, password: &str, code: &str) -> Result<&'static str, AppError> {
    let user = ctx.user()?;
    let code = validate::totp_code(code)?;
    if crate::auth::server::prove_all(ctx, password, Some(&code)).await? != crate::auth::server::Proof::PasswordAndCode
    {
        return Err(AppError::InvalidInput(t::ALREADY_OFF.text().into()));
    }
    show_new_codes(ctx, &user.sub).await?;
    ctx.notify(crate::server::email::SecurityEvent::RecoveryCodesReplaced).await;
    ctx.flash(&Flash::success(t::RECOVERY_NEW_SET.text()));
    Ok(crate::routes::RECOVERY_CODES)
}

/// The codes made for the signed-in person a moment ago, for the page that shows them once
/// (it clears them); `None` when there are none (already shown, or another account's).
pub fn fresh_codes() -> Option<Vec<String>> {
    let state = use_context::<crate::server::state::AppState>()?;
    let parts = use_context::<http::request::Parts>()?;
    let user = match parts.extensions.get::<crate::auth::Auth>()? {
        crate::auth::Auth::SignedIn(u) => u.clone(),
        _ => return None,
    };
    let fresh: super::recovery::Fresh = state.cookies.open(&parts.headers, CookieName::RecoveryCodes)?;
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.append_header(http::header::SET_COOKIE, state.cookies.clear(CookieName::RecoveryCodes));
    }
    (fresh.sub == user.sub && fresh.expires_at > now()).then_some(fresh.codes)
}

/// How many unused recovery codes the signed-in person has.
pub async fn codes_left(ctx: &Ctx) -> Result<usize, AppError> {
    let user = ctx.user()?;
    Ok(super::recovery::stored(&ctx.state, &user.sub).await?.len())
}

/// Checks the password and a current code by signing in again (`prove_all`: the only way
/// Cognito can check a TOTP code of an existing set-up), then turns TOTP off.
pub async fn disable(ctx: &Ctx, password: &str, code: &str) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let user = ctx.user()?;
    let password = validate::current_password(password)?;
    let code = validate::totp_code(code)?;
    let s = &ctx.state;
    if crate::auth::server::prove_all(ctx, &password, Some(&code)).await? == crate::auth::server::Proof::Password {
        // Two-factor was already off (that check signed in outright; its session is revoked).
        return Err(AppError::InvalidInput(t::ALREADY_OFF.text().into()));
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
    // The recovery codes belonged to the authenticator app.
    if let Err(e) = super::recovery::store(s, &user.sub, &[]).await {
        tracing::error!(error = ?e, "recovery codes not cleared after two-factor was turned off");
    }
    ctx.notify(crate::server::email::SecurityEvent::TwoFactorOff).await;
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
