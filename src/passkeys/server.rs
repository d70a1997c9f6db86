//! Cognito calls behind passkeys. Sign-in is USER_AUTH with WEB_AUTHN preferred: Cognito's
//! request options go to the browser, the browser's assertion comes back and Cognito checks it
//! (origin, relying party, challenge, signature, counter). Adding one is
//! StartWebAuthnRegistration/CompleteWebAuthnRegistration with the session's access token,
//! after the password; deleting one needs the password too.

use super::Passkey;
use crate::auth::server::{
    Challenge, ChallengeKind, choice_sign_in, confirm_identity, decoy_session, new_challenge, respond,
};
use crate::auth::validate;
use crate::error::AppError;
use crate::flash::Flash;
use crate::i18n::t::passkeys as t;
use crate::server::aws::{document_from_json, document_to_json, error_code, log_sdk_error, map_sdk_error};
use crate::server::ctx::Ctx;
use crate::server::session::CookieName;
use aws_sdk_cognitoidentityprovider::types::ChallengeNameType;

/// The longest credential accepted from a browser (a real one is under 2 KB; the request body
/// limit is 16 KB).
const CREDENTIAL_MAX: usize = 8 * 1024;

/// A credential from the browser: a JSON object, or the person's request was not one.
fn credential_json(text: &str) -> Result<serde_json::Value, AppError> {
    let refused = || AppError::InvalidInput(t::UNREADABLE.text().into());
    if text.len() > CREDENTIAL_MAX {
        return Err(refused());
    }
    serde_json::from_str::<serde_json::Value>(text).ok().filter(|v| v.is_object()).ok_or_else(refused)
}

fn require_passkeys(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.state.passkeys() { Ok(()) } else { Err(AppError::PasskeysOff) }
}

pub async fn sign_in_options(ctx: &Ctx, email: &str) -> Result<String, AppError> {
    require_passkeys(ctx)?;
    let email = validate::email(email)?;
    match choice_sign_in(&ctx.state, &email, "WEB_AUTHN").await {
        Ok(out) if out.challenge_name == Some(ChallengeNameType::WebAuthn) => {
            let options = out
                .challenge_parameters
                .as_ref()
                .and_then(|p| p.get("CREDENTIAL_REQUEST_OPTIONS"))
                .cloned()
                .ok_or_else(|| {
                    tracing::error!("WEB_AUTHN challenge without CREDENTIAL_REQUEST_OPTIONS");
                    AppError::Internal
                })?;
            let (step, _) = new_challenge(&email, out.challenge_name, out.session, out.challenge_parameters)?;
            sign_in_answer(ctx, &options, &step)
        }
        // Cognito offers the other factors instead: the account has no passkey, or there is no
        // such account. Saying so would tell who has an account with a passkey, so the browser
        // gets options all the same, which no passkey can answer.
        Ok(_) => Ok(options_no_passkey_answers(ctx, &email)),
        // Unconfirmed, disabled ("User is disabled.") and must-reset accounts read like an
        // unknown address.
        Err(e) if crate::auth::server::reads_as_unknown(&e) => {
            log_sdk_error("InitiateAuth (passkey)", &e);
            Ok(options_no_passkey_answers(ctx, &email))
        }
        Err(e) => Err(map_sdk_error("InitiateAuth (passkey)", &e)),
    }
}

/// What the browser gets: only the challenge of Cognito's options, in a shape that is the same
/// for every address. Cognito's own list of the account's credentials (`allowCredentials`) is
/// left out, as it would tell who has passkeys and which: the passkeys are discoverable (the pool
/// registers them as resident keys), so the browser offers the person's own. Beside them, the
/// step (Cognito's session) sealed with the cookie key, which the island hands back with the
/// answer: each request for options carries its own step, and no cookie is set, so the autofill
/// never interferes with another sign-in in the same browser.
fn sign_in_options_json(ctx: &Ctx, challenge: &str, step: &Challenge) -> String {
    // One size for every step, Cognito's long session or the decoy's short one: the length of
    // the sealed text must not tell who has a passkey.
    let mut step = step.clone();
    let len = serde_json::to_string(&step).map(|j| j.len()).unwrap_or(0);
    step.pad = " ".repeat(STEP_PADDED_BYTES.saturating_sub(len));
    serde_json::json!({
        "challenge": challenge,
        "rpId": ctx.state.config.passkey_rp_id(),
        "timeout": CHALLENGE_TIMEOUT_MS,
        "userVerification": "required",
        "allowCredentials": [],
        "step": ctx.state.cookies.seal_text(CookieName::PasskeyChallenge, &step),
    })
    .to_string()
}

/// The serialized size every passkey step is padded to: longer than any Cognito session seen.
const STEP_PADDED_BYTES: usize = 4096;

/// How long the browser waits for the person: Cognito's challenge lasts 3 minutes.
const CHALLENGE_TIMEOUT_MS: u64 = 180_000;

fn sign_in_answer(ctx: &Ctx, cognito_options: &str, step: &Challenge) -> Result<String, AppError> {
    let challenge = serde_json::from_str::<serde_json::Value>(cognito_options)
        .ok()
        .and_then(|o| o.get("challenge").and_then(|c| c.as_str()).map(str::to_string))
        .ok_or_else(|| {
            tracing::error!("CREDENTIAL_REQUEST_OPTIONS without a challenge");
            AppError::Internal
        })?;
    Ok(sign_in_options_json(ctx, &challenge, step))
}

/// Options like every other address's (a fresh random challenge), kept with a session Cognito
/// never issued: whatever the browser answers, Cognito refuses it.
fn options_no_passkey_answers(ctx: &Ctx, email: &str) -> String {
    use base64::Engine;
    let challenge: [u8; 32] = rand::random();
    // Only fails without a session, and there is one.
    let (step, _) = new_challenge(email, Some(ChallengeNameType::WebAuthn), Some(decoy_session()), None)
        .expect("a decoy step has a session");
    sign_in_options_json(ctx, &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(challenge), &step)
}

/// A passkey sign-in satisfies two-factor authentication, as in Cognito: the pool requires
/// user verification (a PIN or biometric on the device), so no authenticator code follows.
pub async fn sign_in(ctx: &Ctx, credential: &str, step: &str) -> Result<&'static str, AppError> {
    let c = ctx
        .state
        .cookies
        .open_text::<Challenge>(CookieName::PasskeyChallenge, step)
        .filter(|c| c.is_live(ChallengeKind::Passkey))
        .ok_or_else(|| AppError::InvalidInput(t::STEP_TOO_LONG.fill(&[("button", &t::USE_PASSKEY.text())])))?;
    let credential = credential_json(credential)?.to_string();
    // Cognito answers each challenge once: a refused passkey starts again from the email. A
    // refusal of the session itself (the step Cognito never issued, see
    // `options_no_passkey_answers`, or one it has forgotten) reads the same.
    respond(ctx, &c, ChallengeNameType::WebAuthn, vec![("CREDENTIAL", credential)]).await.map_err(|e| match e {
        AppError::WrongCredentials | AppError::SignInStepExpired => AppError::PasskeyRefused,
        other => other,
    })
}

/// After the password (and, with two-factor on, the authenticator app's code: a passkey signs in
/// alone, so adding one needs every factor the account has), the options for the browser.
pub async fn registration_options(ctx: &Ctx, password: &str, code: Option<&str>) -> Result<String, AppError> {
    require_passkeys(ctx)?;
    let tokens = ctx.tokens()?;
    confirm_identity(ctx, password, code).await?;
    let out = ctx
        .state
        .cognito
        .start_web_authn_registration()
        .access_token(&tokens.access)
        .send()
        .await
        .map_err(|e| ctx.token_error("StartWebAuthnRegistration", &e))?;
    Ok(document_to_json(&out.credential_creation_options).to_string())
}

pub async fn add(ctx: &Ctx, credential: &str) -> Result<(), AppError> {
    let tokens = ctx.tokens()?;
    let credential = document_from_json(credential_json(credential)?);
    ctx.state
        .cognito
        .complete_web_authn_registration()
        .access_token(&tokens.access)
        .credential(credential)
        .send()
        .await
        .map_err(|e| match ctx.token_error("CompleteWebAuthnRegistration", &e) {
            // A stale or foreign registration answer (e.g. its 5 minutes ran out).
            AppError::PasskeyRefused => AppError::InvalidInput(t::COULD_NOT_ADD.text().into()),
            other => other,
        })?;
    ctx.notify(crate::server::email::SecurityEvent::PasskeyAdded).await;
    ctx.flash(&Flash::success(t::ADDED.fill(&[("button", &t::USE_PASSKEY.text())])));
    Ok(())
}

pub async fn delete(
    ctx: &Ctx,
    credential_id: &str,
    password: &str,
    code: Option<&str>,
) -> Result<&'static str, AppError> {
    let tokens = ctx.tokens()?;
    let id = credential_id.trim();
    if id.is_empty() || id.len() > 1024 {
        return Err(AppError::InvalidInput(t::CHOOSE_TO_DELETE.text().into()));
    }
    confirm_identity(ctx, password, code).await?;
    ctx.state
        .cognito
        .delete_web_authn_credential()
        .access_token(&tokens.access)
        .credential_id(id)
        .send()
        .await
        .map_err(|e| match error_code(&e) {
            Some("ResourceNotFoundException") => {
                log_sdk_error("DeleteWebAuthnCredential", &e);
                AppError::InvalidInput(t::ALREADY_GONE.text().into())
            }
            _ => ctx.token_error("DeleteWebAuthnCredential", &e),
        })?;
    ctx.notify(crate::server::email::SecurityEvent::PasskeyDeleted).await;
    ctx.flash(&Flash::success(t::DELETED.text()));
    Ok(crate::routes::SETTINGS)
}

/// Deletes every passkey of the account behind `access` (a password reset or "sign out
/// everywhere" that was asked to); how many went.
pub async fn delete_all(state: &crate::server::state::AppState, access: &str) -> Result<usize, AppError> {
    let mut deleted = 0;
    // Each round lists what is left (at most 20 a page) and deletes it.
    for _ in 0..10 {
        let out = state
            .cognito
            .list_web_authn_credentials()
            .access_token(access)
            .max_results(20)
            .send()
            .await
            .map_err(|e| map_sdk_error("ListWebAuthnCredentials (remove all)", &e))?;
        if out.credentials().is_empty() {
            break;
        }
        for c in out.credentials() {
            state
                .cognito
                .delete_web_authn_credential()
                .access_token(access)
                .credential_id(c.credential_id())
                .send()
                .await
                .map_err(|e| map_sdk_error("DeleteWebAuthnCredential (remove all)", &e))?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// The signed-in person's passkeys, oldest first (Cognito gives at most 20 a page).
pub async fn list(ctx: &Ctx) -> Result<Vec<Passkey>, AppError> {
    let tokens = ctx.tokens()?;
    let mut passkeys = vec![];
    let mut next = None;
    loop {
        let out = ctx
            .state
            .cognito
            .list_web_authn_credentials()
            .access_token(&tokens.access)
            .max_results(20)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| ctx.token_error("ListWebAuthnCredentials", &e))?;
        for c in out.credentials() {
            passkeys.push(Passkey {
                id: c.credential_id().to_string(),
                name: c.friendly_credential_name().to_string(),
                added: added(c.created_at(), crate::i18n::current()),
                attachment: c.authenticator_attachment().map(str::to_string),
            });
        }
        next = out.next_token;
        if next.is_none() || passkeys.len() >= 100 {
            break;
        }
    }
    Ok(passkeys)
}

/// `2026-12-03 14:05 UTC`, written as the request's language writes a date (`common.date_time`).
fn added(at: &aws_smithy_types::DateTime, lang: crate::i18n::Lang) -> String {
    crate::i18n::date_time(at.secs().max(0) as u64, lang)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_credential_must_be_a_json_object_of_sensible_size() {
        assert!(super::credential_json(r#"{"id":"AQID","type":"public-key"}"#).is_ok());
        for bad in ["", "null", "[1]", "\"x\"", "{", &format!("{{\"id\":\"{}\"}}", "a".repeat(9000))] {
            assert!(super::credential_json(bad).is_err(), "{bad:.20}");
        }
    }

    #[test]
    fn the_date_added_is_shown_to_the_minute() {
        let at = aws_smithy_types::DateTime::from_secs(1_796_306_700);
        assert_eq!(super::added(&at, crate::i18n::Lang::En), "2026-12-03 14:05 UTC");
        assert_eq!(super::added(&at, crate::i18n::Lang::De), "03.12.2026, 14:05 UTC");
    }
}
