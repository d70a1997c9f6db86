//! Builds the router (pages, server functions, static files) with its middleware, and serves it.

use super::config::Config;
use super::session::{CookieName, FLASH_MAX_AGE, Flash};
use super::state::AppState;
use super::guard;
use crate::app::{App, shell};
use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use base64::Engine;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::set_header::SetResponseHeaderLayer;

/// The longest a request may take, body included (Cognito calls give up after 4 s each).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// Request bodies above this are refused (every form here is far smaller).
pub const BODY_LIMIT_BYTES: usize = 16 * 1024;

pub fn init_tracing() {
    use tracing_subscriber::{EnvFilter, fmt};
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,aws_config=warn,aws_smithy_runtime=warn"));
    let _ = fmt().with_env_filter(filter).try_init();
}

/// The cookie key from the environment; on a local dev site a missing key is generated
/// (sessions then end when the server restarts) and printed once so it can be kept.
fn cookie_key(config: &Config) -> Result<Vec<u8>, String> {
    if let Some(k) = &config.cookie_key {
        return Ok(k.clone());
    }
    if !config.is_local() {
        return Err(format!(
            "configuration error: cookie key (env {}) is missing; set it to 64 random bytes in base64, e.g. `openssl rand -base64 64 | tr -d '\\n'`",
            config.cookie_key_env
        ));
    }
    let key: [u8; 64] = rand::random();
    let b64 = base64::engine::general_purpose::STANDARD.encode(key);
    tracing::warn!("{} is not set; generated a cookie key for this dev server: export {}={b64}", config.cookie_key_env, config.cookie_key_env);
    Ok(key.to_vec())
}

/// Loads configuration and serves until Ctrl-C / SIGTERM.
pub async fn serve() -> Result<(), String> {
    let config = Config::load(true).map_err(|e| e.to_string())?;
    let key = cookie_key(&config)?;
    let mut options = leptos::config::get_configuration(None)
        .map_err(|e| format!("leptos configuration: {e}"))?
        .leptos_options;
    if options.output_name.is_empty() {
        // Built by plain cargo (e.g. `cargo test`), not cargo-leptos: the bundle is named
        // after the package, as `output-name` in Cargo.toml says.
        options.output_name = env!("CARGO_PKG_NAME").into();
    }
    let addr = options.site_addr;
    let state = AppState::new(options, config, &key).await;
    let listener = tokio::net::TcpListener::bind(&addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!("listening on http://{addr}");
    axum::serve(listener, app(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| e.to_string())
}

async fn shutdown() {
    let ctrl_c = async { tokio::signal::ctrl_c().await.ok() };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// The whole app as one router, so tests can drive it with `oneshot`.
pub fn app(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let secure = state.config.secure_cookies();
    let mut router = Router::new()
        .leptos_routes_with_context(&state, routes, || (), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .merge(crate::api::routes())
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(state.clone(), super::rate_limit::layer))
        .layer(middleware::from_fn_with_state(state.clone(), server_fn_errors))
        .layer(middleware::from_fn_with_state(state.clone(), session))
        .layer(middleware::from_fn_with_state(state.clone(), csrf))
        .layer(middleware::from_fn(limit_body))
        // A request (body included) that takes longer than this is answered 408 and dropped.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"),
        ));
    if secure {
        router = router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        ));
    }
    router.with_state(state)
}

/// Refuses state-changing requests from other sites: `Sec-Fetch-Site` must be
/// `same-origin`/`none`, or, where a browser does not send it, `Origin` must be the site.
async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
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
    (StatusCode::FORBIDDEN, crate::error::AppError::CrossSite.message()).into_response()
}

/// Puts the request's `Auth`, its (possibly refreshed) tokens and its flash message into
/// the request's extensions, for pages, server functions and the API; sets the cookies the
/// session check produced, and drops the flash once a page has shown it.
async fn session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/pkg/") {
        return next.run(req).await;
    }
    let session_cookies = state.cookies.session(req.headers());
    let carries_session = session_cookies.is_some() || req.headers().contains_key(header::AUTHORIZATION);
    let resolved = guard::resolve(&state, session_cookies).await;
    let flash: Option<Flash> = state.cookies.open(req.headers(), CookieName::Flash);
    let shows_page = req.method() == Method::GET;
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
    for v in ours {
        if !cookie_name(&v).is_some_and(|n| handler_set.contains(&n)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    no_store_where_needed(&mut res, carries_session);
    res
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

/// HTML pages and anything that sets or carries a session are never stored by a browser or a
/// proxy, so Back after sign-out cannot show a signed-in page.
fn no_store_where_needed(res: &mut Response, carries_session: bool) {
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if html || carries_session || res.headers().contains_key(header::SET_COOKIE) {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// Reads the whole request body, however it is framed (Content-Length or chunked), up to
/// `BODY_LIMIT_BYTES`; a larger body is answered 413 before anything else runs.
async fn limit_body(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, BODY_LIMIT_BYTES).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(e) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                || e.to_string().contains("length limit");
            if too_large {
                tracing::warn!(path = %parts.uri.path(), "request body over the limit");
                (StatusCode::PAYLOAD_TOO_LARGE, "That request is too large.").into_response()
            } else {
                (StatusCode::BAD_REQUEST, "The request body could not be read.").into_response()
            }
        }
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
async fn server_fn_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let back = form_page(&state, req.headers());
    let res = next.run(req).await;
    if !res.headers().contains_key(SERVER_FN_ERROR) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let error = serde_json::from_slice::<crate::error::AppError>(&bytes).unwrap_or(crate::error::AppError::Internal);
    if parts.status.is_redirection() {
        // A browser form (it accepts HTML): back to the page with the message.
        let flash = Flash { kind: crate::flash::FlashKind::Error, message: error.message(), ..Flash::default() };
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

/// The path of the page a form was posted from (same origin only), else the home page.
fn form_page(state: &AppState, headers: &http::HeaderMap) -> String {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.strip_prefix(state.config.site_origin()))
        .filter(|path| path.starts_with('/') && !path.starts_with("//"))
        .map(|path| path.split(['?', '#']).next().unwrap_or("/").to_string())
        .unwrap_or_else(|| "/".into())
}
