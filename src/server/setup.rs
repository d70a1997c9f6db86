//! Builds the router (pages, server functions, static files) with its middleware, and serves it.

use super::config::Config;
use super::guard;
use super::session::{CookieName, FLASH_MAX_AGE, Flash};
use super::state::AppState;
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

/// Where cargo-leptos writes the content hashes of /pkg: beside the server binary (where
/// Leptos itself reads them).
fn hash_file(options: &leptos::config::LeptosOptions) -> Option<std::path::PathBuf> {
    std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
}

/// The URL of a /pkg file (`ext`: "css", "js" or "wasm"), under its content-hashed name when
/// the build hashed them: for pages not rendered by Leptos (the 429 page).
pub fn pkg_url(options: &leptos::config::LeptosOptions, ext: &str) -> String {
    let mut name = options.output_name.to_string();
    if options.hash_files {
        let hashes = hash_file(options).and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default();
        if let Some(hash) =
            hashes.lines().filter_map(|l| l.trim().split_once(':')).find(|(k, _)| *k == ext).map(|(_, h)| h.trim())
        {
            name = format!("{name}.{hash}");
        }
    }
    format!("/{}/{name}.{ext}", options.site_pkg_dir)
}

/// Request bodies above this are refused (every form here is far smaller).
pub const BODY_LIMIT_BYTES: usize = 16 * 1024;

pub fn init_tracing() {
    use tracing_subscriber::{EnvFilter, fmt};
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,aws_config=warn,aws_smithy_runtime=warn"));
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
    tracing::warn!(
        "{} is not set; generated a cookie key for this dev server: export {}={b64}",
        config.cookie_key_env,
        config.cookie_key_env
    );
    Ok(key.to_vec())
}

/// Loads configuration and serves until Ctrl-C / SIGTERM.
pub async fn serve() -> Result<(), String> {
    let config = Config::load(true).map_err(|e| e.to_string())?;
    let key = cookie_key(&config)?;
    let mut options =
        leptos::config::get_configuration(None).map_err(|e| format!("leptos configuration: {e}"))?.leptos_options;
    // cargo-leptos writes the content hashes of /pkg beside the binary: use them even when
    // the binary is started without LEPTOS_HASH_FILES (e.g. the release binary on its own).
    if !options.hash_files && hash_file(&options).is_some_and(|p| p.exists()) {
        options.hash_files = true;
    }
    if options.output_name.is_empty() {
        // Built by plain cargo (e.g. `cargo test`), not cargo-leptos: the bundle is named
        // after the package, as `output-name` in Cargo.toml says.
        options.output_name = env!("CARGO_PKG_NAME").into();
    }
    let addr = options.site_addr;
    let state = AppState::new(options, config, &key).await;
    let listener = tokio::net::TcpListener::bind(&addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!("listening on http://{addr}");
    serve_on(listener, app(state), HEADER_READ_TIMEOUT, shutdown()).await;
    Ok(())
}

/// A client must send its request line and headers within this (a slow-headers client would
/// otherwise hold a connection for ever); `site.request_timeout_seconds` bounds the rest.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves `router` over HTTP/1.1 until `shutdown` resolves, then lets requests in flight finish.
/// Like `axum::serve` with connect info, plus a header-read timeout, which axum does not offer.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    router: Router,
    header_timeout: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use tower::ServiceExt;
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            router.clone().oneshot(req.map(Body::new))
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
    tracing::info!("shutting down: finishing requests in flight");
    if tokio::time::timeout(std::time::Duration::from_secs(10), graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still running after 10 s; stopping anyway");
    }
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
        .layer(middleware::from_fn_with_state(state.clone(), csp))
        .layer(middleware::from_fn(limit_body))
        // A request (body included) that takes longer than this is answered 408 and dropped.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            std::time::Duration::from_secs(state.config.request_timeout_seconds),
        ))
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
        // Content-hashed names never change their content: cache them for a year. Without
        // hashing (a plain `cargo build`), make the browser ask every time.
        let cache = if state.leptos_options.hash_files { "public, max-age=31536000, immutable" } else { "no-cache" };
        let mut res = next.run(req).await;
        if res.status().is_success() {
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        }
        return res;
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

/// HTML pages and anything that sets or carries a session are never stored by a browser or a
/// proxy, so Back after sign-out cannot show a signed-in page.
fn no_store_where_needed(res: &mut Response, carries_session: bool) {
    if is_html(res) || carries_session || res.headers().contains_key(header::SET_COOKIE) {
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
            let too_large = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
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

/// The Content-Security-Policy nonce of one response.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Gives every request a fresh nonce and every HTML answer a Content-Security-Policy built
/// around it: scripts only from this site or with the nonce (Leptos puts it on its hydration
/// script), WebAssembly compiled by the page, images and uploads also from the avatar bucket,
/// no inline styles, no framing, forms only to this site.
async fn csp(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::Config;
    use crate::server::verifier::{Verifier, test_support::*};
    use aws_sdk_cognitoidentityprovider::Client;
    use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
    use aws_sdk_cognitoidentityprovider::operation::confirm_forgot_password::ConfirmForgotPasswordOutput;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_types::body::SdkBody;
    use tower::ServiceExt;

    /// A request whose body never finishes is answered 408 after `site.request_timeout_seconds`.
    #[tokio::test]
    async fn a_request_that_takes_too_long_is_408() {
        let (jwks, _) = jwks_server().await;
        let cognito = crate::server::aws::clients(&Config::for_test()).await.cognito;
        let mut config = Config::for_test();
        config.request_timeout_seconds = 1;
        let state = AppState::for_test(config, cognito, Verifier::new(ISS, CLIENT, &jwks));
        let never_ends = futures_util::stream::pending::<Result<Vec<u8>, std::io::Error>>();
        let req = Request::post("/api/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from_stream(never_ends))
            .unwrap();
        let res = tokio::time::timeout(std::time::Duration::from_secs(10), app(state).oneshot(req)).await;
        assert_eq!(res.expect("answered").unwrap().status(), StatusCode::REQUEST_TIMEOUT);
    }

    /// A client that never finishes its request headers is disconnected after the timeout.
    #[tokio::test]
    async fn slow_headers_are_cut_off() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = Router::new().route("/", axum::routing::get(|| async { "ok" }));
        tokio::spawn(serve_on(listener, router, std::time::Duration::from_millis(500), std::future::pending()));
        // A complete request is answered.
        let mut ok = tokio::net::TcpStream::connect(addr).await.unwrap();
        ok.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
        let mut answer = String::new();
        ok.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok"), "{answer}");
        // One that stops half-way through its headers is dropped.
        let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(std::time::Duration::from_secs(10), slow.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "the server still holds the connection");
        assert!(!String::from_utf8_lossy(&rest).contains("200"), "{}", String::from_utf8_lossy(&rest));
    }

    /// A reset whose "sign out everywhere" fails says so to the person, not only to the log.
    #[tokio::test]
    async fn a_failed_global_sign_out_after_a_reset_is_shown() {
        let (jwks, _) = jwks_server().await;
        let confirmed =
            mock!(Client::confirm_forgot_password).then_output(|| ConfirmForgotPasswordOutput::builder().build());
        let sign_out_fails = mock!(Client::admin_user_global_sign_out).then_http_response(|| {
            HttpResponse::new(
                aws_smithy_runtime_api::http::StatusCode::try_from(500).unwrap(),
                SdkBody::from(r#"{"__type":"InternalErrorException","message":"boom"}"#),
            )
        });
        let cognito =
            mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, [&confirmed, &sign_out_fails], |c| {
                c.retry_config(RetryConfig::disabled())
            });
        let state = AppState::for_test(Config::for_test(), cognito, Verifier::new(ISS, CLIENT, &jwks));
        let req = Request::post("/api/reset_password")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from("email=ada%40example.com&code=123456&password=Correct-Horse-9"))
            .unwrap();
        let res = app(state.clone()).oneshot(req).await.unwrap();
        assert_eq!(res.headers()[header::LOCATION], "/sign-in");
        assert_eq!(sign_out_fails.num_calls(), 1);
        let mut cookies = http::HeaderMap::new();
        for v in res.headers().get_all(header::SET_COOKIE) {
            let pair = v.to_str().unwrap().split(';').next().unwrap().to_string();
            cookies.append(header::COOKIE, HeaderValue::from_str(&pair).unwrap());
        }
        let flash: Flash = state.cookies.open(&cookies, CookieName::Flash).expect("a flash for the sign-in page");
        assert_eq!(flash.message, crate::auth::server::RESET_NOT_SIGNED_OUT);
        assert_eq!(flash.kind, crate::flash::FlashKind::Error);
    }
}
