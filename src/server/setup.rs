//! Builds the router (pages, server functions, static files) with its middleware, and serves it.

use super::config::Config;
use super::session::{CookieName, Flash};
use super::state::AppState;
use super::guard;
use crate::app::{App, shell};
use axum::{
    Router,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use base64::Engine;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::{limit::RequestBodyLimitLayer, set_header::SetResponseHeaderLayer};

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
        .layer(middleware::from_fn_with_state(state.clone(), session))
        .layer(middleware::from_fn_with_state(state.clone(), csrf))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
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
    let resolved = guard::resolve(&state, state.cookies.session(req.headers())).await;
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
    for v in resolved.set_cookies {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    if flash.is_some() && shows_page && !res.status().is_redirection() {
        res.headers_mut().append(header::SET_COOKIE, state.cookies.clear(CookieName::Flash));
    }
    res
}
