//! The middleware every request passes (see `setup::app` for the order): the CSRF check, the
//! session (who is signed in, refreshed tokens, the flash, `no-store`), server-function errors
//! as people and programs expect them, and the Content-Security-Policy with its nonce.

use super::guard;
use super::session::{CookieName, FLASH_MAX_AGE, Flash};
use super::state::AppState;
use crate::i18n::Lang;
use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine;

/// Refuses state-changing requests from other sites: `Sec-Fetch-Site` must be
/// `same-origin`/`none`, or, where a browser does not send it, `Origin` must be the site.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let h = req.headers();
    let allowed = match h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) == Some(state.config.site_origin()),
    };
    if allowed {
        return next.run(req).await;
    }
    tracing::warn!(path = %req.uri().path(), "refused a cross-site request");
    let lang = request_lang(&state, req.headers(), None);
    (StatusCode::FORBIDDEN, crate::error::AppError::CrossSite.message_in(lang)).into_response()
}

/// The language to answer in: the switcher's cookie, else `locale` (the language of the message
/// the page shows, or the signed-in person's Cognito `locale`), else the browser's
/// `Accept-Language`.
pub fn request_lang(state: &AppState, headers: &http::HeaderMap, locale: Option<&str>) -> Lang {
    state
        .cookies
        .open::<String>(headers, CookieName::Lang)
        .and_then(|tag| Lang::parse(&tag))
        .or_else(|| locale.and_then(Lang::parse))
        .unwrap_or_else(|| {
            Lang::from_accept_language(
                headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or_default(),
            )
        })
}

/// Puts the request's `Auth`, its (possibly refreshed) tokens and its flash message into
/// the request's extensions, for pages, server functions and the API; sets the cookies the
/// session check produced, and drops the flash once a page has shown it.
pub async fn session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/pkg/") {
        // Content-hashed names never change their content: cache them for a year. Without
        // hashing (a plain `cargo build`), make the browser ask every time.
        let cache = if state.leptos_options.hash_files { "public, max-age=31536000, immutable" } else { "no-cache" };
        let mut res = next.run(req).await;
        if res.status().is_success() {
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            // The same name is served as brotli, gzip or plain (precompressed files, chosen
            // by Accept-Encoding): caches between here and the browser must keep them apart.
            res.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        return res;
    }
    let session_cookies = state.cookies.session(req.headers());
    let had_session = session_cookies.is_some();
    // A server function's answer (a POST) is for this request only: the passkey options, say,
    // carry a sealed Cognito session and set no cookie.
    let personal =
        session_cookies.is_some() || req.headers().contains_key(header::AUTHORIZATION) || req.method() == Method::POST;
    let resolved = guard::resolve(&state, session_cookies).await;
    let flash: Option<Flash> = state.cookies.open(req.headers(), CookieName::Flash);
    let shows_page = req.method() == Method::GET;
    // A page showing a message is in the message's language; else the person's `locale`.
    let locale = flash
        .as_ref()
        .and_then(|f| f.lang.clone())
        .filter(|_| shows_page)
        .or_else(|| resolved.auth.user().ok().and_then(|u| u.locale.clone()));
    let lang = request_lang(&state, req.headers(), locale.as_deref());
    // Cookies of a session the check ended (it clears them).
    let ended_here = had_session && resolved.auth == crate::auth::Auth::SignedOut && !resolved.set_cookies.is_empty();
    req.extensions_mut().insert(lang);
    req.extensions_mut().insert(resolved.auth);
    if let Some(tokens) = resolved.tokens {
        req.extensions_mut().insert(tokens);
    }
    if let Some(f) = &flash {
        req.extensions_mut().insert(f.clone());
    }
    let mut res = next.run(req).await;
    // A cookie the handler set or cleared is final (the browser keeps the last `Set-Cookie` of
    // a name): the session check's own cookies only fill in names the handler left alone, so
    // a sign-out is never undone by a refresh done for the same request.
    let handler_set = set_cookie_names(res.headers());
    let mut ours = resolved.set_cookies;
    if flash.is_some() && shows_page && !res.status().is_redirection() {
        ours.push(state.cookies.clear(CookieName::Flash));
    }
    if ended_here {
        // The session was ended elsewhere (signed out from another browser, everywhere, a new
        // password) or expired: the sign-in page says so, unless the handler said something.
        let message = crate::error::AppError::SessionEnded.message_in(lang);
        let ended = Flash {
            kind: crate::flash::FlashKind::Error,
            message,
            lang: Some(lang.tag().to_string()),
            ..Flash::default()
        };
        ours.push(state.cookies.seal(CookieName::Flash, &ended, FLASH_MAX_AGE));
    }
    for v in ours {
        if !cookie_name(&v).is_some_and(|n| handler_set.contains(&n)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    no_store_where_needed(&mut res, personal);
    res
}

/// True for an HTML page (what gets `no-store` and the page CSP).
fn is_html(res: &Response) -> bool {
    res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"))
}

/// The name of the cookie a `Set-Cookie` value sets.
fn cookie_name(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    let name = s.split_once('=')?.0.trim();
    (!name.is_empty()).then(|| name.to_string())
}

fn set_cookie_names(headers: &http::HeaderMap) -> Vec<String> {
    headers.get_all(header::SET_COOKIE).iter().filter_map(cookie_name).collect()
}

/// HTML pages, server functions' answers and anything that sets or carries a session are never
/// stored by a browser or a proxy, so Back after sign-out cannot show a signed-in page.
fn no_store_where_needed(res: &mut Response, personal: bool) {
    if is_html(res) || personal || res.headers().contains_key(header::SET_COOKIE) {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// The header Leptos puts on a server function's error answer.
const SERVER_FN_ERROR: &str = "serverfnerror";

/// Server function errors the way people and programs expect them. Leptos answers every
/// error 500, or, for a browser's form post, redirects to the Referer with the error in the
/// URL, which no page reads. Here a browser's form goes back to its page with the message (the
/// flash), and any other client gets the error's own status (400 for bad input) with the JSON.
/// This covers errors raised before a function body runs (missing fields, duplicate keys,
/// invalid UTF-8, a JSON or multipart body) as well as those a function returns.
pub async fn server_fn_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let back = form_page(&state, req.headers());
    let lang = req.extensions().get::<Lang>().copied().unwrap_or_default();
    let res = next.run(req).await;
    if !res.headers().contains_key(SERVER_FN_ERROR) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let error = serde_json::from_slice::<crate::error::AppError>(&bytes).unwrap_or(crate::error::AppError::Internal);
    if parts.status.is_redirection() {
        // A browser form (it accepts HTML): back to the page with the message.
        let flash = Flash {
            kind: crate::flash::FlashKind::Error,
            message: error.message_in(lang),
            lang: Some(lang.tag().to_string()),
            ..Flash::default()
        };
        let mut res = Response::new(Body::empty());
        *res.status_mut() = StatusCode::SEE_OTHER;
        if let Ok(location) = HeaderValue::from_str(&back) {
            res.headers_mut().insert(header::LOCATION, location);
        }
        for v in parts.headers.get_all(header::SET_COOKIE) {
            res.headers_mut().append(header::SET_COOKIE, v.clone());
        }
        res.headers_mut().append(header::SET_COOKIE, state.cookies.seal(CookieName::Flash, &flash, FLASH_MAX_AGE));
        return res;
    }
    parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Response::from_parts(parts, Body::from(bytes))
}

/// The same-origin page a request came from (the `Referer`), path and query, without the
/// fragment.
fn referring_page<'h>(state: &AppState, headers: &'h http::HeaderMap) -> Option<&'h str> {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.strip_prefix(state.config.site_origin()))
        .map(|path| path.split('#').next().unwrap_or_default())
        .filter(|path| path.starts_with('/') && !path.starts_with("//"))
}

/// The page a form was posted from, with its query (`/admin?q=ad`); the home page for
/// anything else, and for a server function's address (the 429 page is shown at the address
/// that was posted to).
pub fn form_page_with_query(state: &AppState, headers: &http::HeaderMap) -> String {
    referring_page(state, headers)
        .filter(|path| !path.contains('\\') && !path.starts_with("/api/"))
        .unwrap_or(crate::routes::HOME)
        .to_string()
}

/// The path of the page a form was posted from (same origin only), else the home page.
pub fn form_page(state: &AppState, headers: &http::HeaderMap) -> String {
    referring_page(state, headers)
        .map(|path| path.split('?').next().unwrap_or("/"))
        .unwrap_or(crate::routes::HOME)
        .to_string()
}

/// The Content-Security-Policy nonce of one response.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Gives every request a fresh nonce and every HTML answer a Content-Security-Policy built
/// around it: scripts only from this site or with the nonce (Leptos puts it on its hydration
/// script), WebAssembly compiled by the page, images and uploads also from the avatar bucket,
/// no inline styles, no framing, forms only to this site.
pub async fn csp(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let nonce = {
        let bytes: [u8; 16] = rand::random();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut res = next.run(req).await;
    if is_html(&res)
        && let Ok(v) = HeaderValue::from_str(&content_security_policy(&state, &nonce))
    {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}

pub fn content_security_policy(state: &AppState, nonce: &str) -> String {
    let s3 = state.config.s3_origins().join(" ");
    // `cargo leptos watch` reloads the page over a websocket on the reload port.
    let reload = if state.leptos_options.env == leptos::config::Env::DEV {
        let host = state.leptos_options.site_addr.ip();
        format!(" ws://{host}:{}", state.leptos_options.reload_port)
    } else {
        String::new()
    };
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'; style-src 'self'; \
         img-src 'self' blob: {s3}; connect-src 'self' {s3}{reload}; frame-ancestors 'none'; base-uri 'self'; \
         form-action 'self'; object-src 'none'"
    )
}
