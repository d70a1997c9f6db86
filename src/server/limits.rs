//! Which requests are limited, and how: request bodies are capped at `BODY_LIMIT_BYTES` (413
//! beyond), and every server function that guesses, sends an email or costs money is
//! rate-limited per client IP and, beside it, per email address (signed-out flows, from the
//! form) or per account (signed-in flows, the `sub`). The table is built from the server
//! functions' own `PATH`s, and a test checks that every registered server function has an
//! entry, so renaming or adding one cannot silently drop its limit. Over a limit: 429 with a
//! page whose wait agrees with `Retry-After`.

use super::client_ip::{limit_key, of_request};
use super::rate_limit::{StoreUnavailable, wait_seconds};
use super::state::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use leptos::server_fn::ServerFn;
use std::time::Duration;

/// Request bodies above this are refused (every form here is far smaller).
pub const BODY_LIMIT_BYTES: usize = 16 * 1024;

/// Reads the whole request body, however it is framed (Content-Length or chunked), up to
/// `BODY_LIMIT_BYTES`; a larger body is answered 413 before anything else runs.
pub async fn limit_body(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, BODY_LIMIT_BYTES).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(e) => {
            let too_large = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                || e.to_string().contains("length limit");
            // Before the session is read: the browser's language.
            let lang = crate::i18n::Lang::from_accept_language(
                parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or_default(),
            );
            use crate::i18n::t::errors as t;
            if too_large {
                tracing::warn!(path = %parts.uri.path(), "request body over the limit");
                (StatusCode::PAYLOAD_TOO_LARGE, t::REQUEST_TOO_LARGE.in_lang(lang)).into_response()
            } else {
                (StatusCode::BAD_REQUEST, t::BODY_UNREADABLE.in_lang(lang)).into_response()
            }
        }
    }
}

/// An email address alone (from every client together) may be tried this many times the
/// per-address limit a minute.
pub const EMAIL_CEILING_FACTOR: u32 = 10;

/// How a server function is limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Per client IP, and per the `email` field of the form (signed-out flows).
    IpAndEmail,
    /// Per client IP only (a challenge step: the email is in the challenge cookie).
    Ip,
    /// Per client IP, and per signed-in account.
    IpAndAccount,
    /// Not limited: reads status only, sends nothing, costs nothing.
    Exempt,
}

/// Every server function and its limit.
pub fn table() -> Vec<(&'static str, Scope)> {
    use crate::auth::api as a;
    use Scope::*;
    vec![
        (a::SignIn::PATH, IpAndEmail),
        (a::EmailSignInCode::PATH, IpAndEmail),
        (a::AnswerSignInCode::PATH, Ip),
        (a::SignUp::PATH, IpAndEmail),
        (a::SignUpWithoutPassword::PATH, IpAndEmail),
        (a::ConfirmSignUp::PATH, IpAndEmail),
        (a::ResendCode::PATH, IpAndEmail),
        (a::ForgotPassword::PATH, IpAndEmail),
        (a::ResetPassword::PATH, IpAndEmail),
        (a::AnswerMfa::PATH, Ip),
        (a::AnswerRecoveryCode::PATH, Ip),
        (a::CompleteNewPassword::PATH, Ip),
        (a::SignOut::PATH, Exempt),
        (a::SessionStatus::PATH, Exempt),
        (a::SignOutEverywhere::PATH, IpAndAccount),
        (a::EndSession::PATH, IpAndAccount),
        (a::EndOtherSessions::PATH, IpAndAccount),
        (crate::mfa::BeginMfaSetup::PATH, IpAndAccount),
        (crate::settings::SetLanguage::PATH, IpAndAccount),
        (crate::mfa::VerifyMfaSetup::PATH, IpAndAccount),
        (crate::mfa::DisableMfa::PATH, IpAndAccount),
        (crate::mfa::MfaStatus::PATH, Exempt),
        (crate::mfa::NewRecoveryCodes::PATH, IpAndAccount),
        (crate::mfa::RecoveryCodesLeft::PATH, Exempt),
        (crate::settings::UpdateProfile::PATH, IpAndAccount),
        (crate::settings::ChangeEmail::PATH, IpAndAccount),
        (crate::settings::VerifyEmail::PATH, IpAndAccount),
        (crate::settings::ResendEmailCode::PATH, IpAndAccount),
        (crate::settings::ChangePassword::PATH, IpAndAccount),
        (crate::settings::DeleteAccount::PATH, IpAndAccount),
        (crate::settings::SendReauthCode::PATH, IpAndAccount),
        // Per client only: it issues a challenge and sends nothing, and the passkey autofill asks
        // for it whenever an email is typed on the sign-in page, so a per-address count would
        // spend the allowance of the sign-ins that follow.
        (crate::passkeys::PasskeySignInOptions::PATH, Ip),
        (crate::passkeys::PasskeySignIn::PATH, Ip),
        (crate::passkeys::PasskeyRegistrationOptions::PATH, IpAndAccount),
        (crate::passkeys::AddPasskey::PATH, IpAndAccount),
        (crate::passkeys::DeletePasskey::PATH, IpAndAccount),
        (crate::avatar::PresignAvatarUpload::PATH, IpAndAccount),
        (crate::avatar::ConfirmAvatar::PATH, IpAndAccount),
        (crate::admin::ListUsers::PATH, IpAndAccount),
    ]
}

pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let path = req.uri().path();
    let scope = table().into_iter().find(|(p, _)| *p == path).map(|(_, s)| s);
    let scope = match scope {
        Some(Scope::Exempt) => return next.run(req).await,
        Some(s) => s,
        // Not a server function (the router answers 404) or one missing from the table, which
        // a test forbids: limited per IP all the same.
        None if path.starts_with("/api/") => Scope::Ip,
        None => return next.run(req).await,
    };
    let ip = limit_key(of_request(req.headers(), req.extensions(), &state.config.trusted_proxies));
    match state.limits.hit(&format!("ip:{ip}"), state.config.rate_limit_per_minute).await {
        Ok(Ok(())) => {}
        Ok(Err(wait)) => {
            tracing::warn!(%ip, path, "rate limit hit (client IP)");
            super::metrics::limit_rejection("ip");
            return too_many(&state, same_person_get(&req), wait).await;
        }
        Err(StoreUnavailable) => return store_unavailable(&state, same_person_get(&req)).await,
    }
    let per_minute = state.config.account_rate_limit_per_minute;
    let (req, keys) = match scope {
        Scope::IpAndEmail => {
            let (parts, body) = req.into_parts();
            // The body is already buffered and bounded (`limit_body`).
            let bytes = axum::body::to_bytes(body, BODY_LIMIT_BYTES).await.unwrap_or_default();
            // Read with the function's own parser: when there is no email here, the function
            // cannot read one either and refuses the form before doing anything.
            let keys = match form_email(&bytes) {
                // The visible limit counts the address from this client only, so a stranger
                // cannot keep someone else's address locked; the address alone has a ceiling
                // far above what its owner reaches. Both keyed by an HMAC, never the address.
                Some(email) => {
                    let who = state.keyed(&format!("email:{email}"));
                    let mut keys = vec![(format!("email:{who}:{ip}"), per_minute)];
                    // A browser that has signed in to this address before is not held back by
                    // the ceiling strangers may have reached.
                    let device: Option<crate::server::session::Device> =
                        state.cookies.open(&parts.headers, crate::server::session::CookieName::Device);
                    let key = state.keyed(&crate::server::session::Device::email_key(&email));
                    if !device.is_some_and(|d| d.knows_email(&key)) {
                        keys.push((format!("email:{who}"), per_minute.saturating_mul(EMAIL_CEILING_FACTOR)));
                    }
                    keys
                }
                None => vec![],
            };
            (Request::from_parts(parts, Body::from(bytes)), keys)
        }
        Scope::IpAndAccount => {
            let keys = match req.extensions().get::<Auth>() {
                Some(Auth::SignedIn(user)) => vec![(format!("account:{}", user.sub), per_minute)],
                _ => vec![],
            };
            (req, keys)
        }
        _ => (req, vec![]),
    };
    for (key, per_minute) in keys {
        match state.limits.hit(&key, per_minute).await {
            Ok(Ok(())) => {}
            Ok(Err(wait)) => {
                tracing::warn!(path = %req.uri().path(), "rate limit hit (email or account)");
                super::metrics::limit_rejection("account");
                return too_many(&state, same_person_get(&req), wait).await;
            }
            Err(StoreUnavailable) => return store_unavailable(&state, same_person_get(&req)).await,
        }
    }
    next.run(req).await
}

/// The `email` field of a form body as the server function will read it (server_fn parses forms
/// with `serde_qs` in non-strict mode, where `[email]=` is `email` too), normalised the way the
/// flows normalise it. `None` when the function would not get one either.
fn form_email(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct EmailField {
        email: Option<String>,
    }
    serde_qs::Config::new(5, false)
        .deserialize_bytes::<EmailField>(body)
        .ok()
        .and_then(|f| f.email)
        .map(|v| v.trim().to_lowercase())
        .filter(|e| !e.is_empty())
}

/// A GET of the same address for the same person (headers, session, nonce): what the 429 page
/// is rendered for.
fn same_person_get(req: &Request) -> Request {
    let mut page = Request::get(req.uri().clone()).body(Body::empty()).expect("a valid request");
    *page.headers_mut() = req.headers().clone();
    *page.extensions_mut() = req.extensions().clone();
    page
}

/// The 429 page (the app's error page, in the same document and header as every page): its
/// text and `Retry-After` name the same wait.
async fn too_many(state: &AppState, page: Request, wait: Duration) -> Response {
    let seconds = wait_seconds(wait);
    let lang = page.extensions().get::<crate::i18n::Lang>().copied().unwrap_or_default();
    let message = AppError::TooManyRequestsFor(seconds).message_in(lang);
    let title = crate::i18n::t::errors::TOO_MANY_TITLE;
    let mut res = error_page(state, page, StatusCode::TOO_MANY_REQUESTS, title, message).await;
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    res
}

/// The shared limits' store did not answer: nothing limited is let through unchecked (503).
async fn store_unavailable(state: &AppState, page: Request) -> Response {
    tracing::error!(path = %page.uri().path(), "the rate limits' store cannot be reached: refusing the request");
    let lang = page.extensions().get::<crate::i18n::Lang>().copied().unwrap_or_default();
    let (status, message) = (StatusCode::SERVICE_UNAVAILABLE, AppError::Unavailable.message_in(lang));
    error_page(state, page, status, crate::i18n::t::errors::UNAVAILABLE_TITLE, message).await
}

/// The app's error page for `page`'s request, answered with `status`.
async fn error_page(
    state: &AppState,
    page: Request,
    status: StatusCode,
    title: crate::i18n::T,
    message: String,
) -> Response {
    let (options, app_state) = (state.leptos_options.clone(), state.clone());
    let code = status.as_u16();
    let render = leptos_axum::render_app_async_with_context(
        move || leptos::prelude::provide_context(app_state.clone()),
        move || crate::app::error_document(options.clone(), code, title, message.clone()),
    );
    let mut res = render(page).await;
    *res.status_mut() = status;
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_server_function_has_a_limit_decision() {
        let table = table();
        let mut missing = vec![];
        let mut registered = 0;
        for (path, _) in leptos::server_fn::axum::server_fn_paths() {
            registered += 1;
            if !table.iter().any(|(p, _)| *p == path) {
                missing.push(path);
            }
        }
        assert!(registered >= 20, "only {registered} server functions registered: is the registry read?");
        assert!(missing.is_empty(), "server functions without an entry in limits::table(): {missing:?}");
        assert!(table.len() >= 20, "the table lists the app's server functions");
    }

    #[test]
    fn functions_that_send_email_or_cost_money_are_limited() {
        let table = table();
        let scope = |p: &str| table.iter().find(|(path, _)| *path == p).map(|(_, s)| *s);
        for p in [
            crate::settings::ChangeEmail::PATH,
            crate::settings::ResendEmailCode::PATH,
            crate::avatar::PresignAvatarUpload::PATH,
            crate::avatar::ConfirmAvatar::PATH,
            crate::mfa::BeginMfaSetup::PATH,
            crate::settings::UpdateProfile::PATH,
            crate::settings::DeleteAccount::PATH,
            crate::auth::api::SignOutEverywhere::PATH,
        ] {
            assert_eq!(scope(p), Some(Scope::IpAndAccount), "{p}");
        }
        for p in
            [crate::auth::api::SignIn::PATH, crate::auth::api::ForgotPassword::PATH, crate::auth::api::ResendCode::PATH]
        {
            assert_eq!(scope(p), Some(Scope::IpAndEmail), "{p}");
        }
    }

    #[test]
    fn email_is_read_from_the_form_like_the_flows_read_it() {
        assert_eq!(form_email(b"password=x&email=+Ada%40Example.COM+"), Some("ada@example.com".into()));
        assert_eq!(form_email(b"password=x"), None);
        // Spelled the ways server_fn's parser also reads as `email`.
        assert_eq!(form_email(b"%5Bemail%5D=victim%40example.com&password=x"), Some("victim@example.com".into()));
        assert_eq!(form_email(b"[email]=victim%40example.com"), Some("victim@example.com".into()));
    }
}
