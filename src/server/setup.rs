//! Builds the router (pages, server functions, static files) with its middleware, and serves it.

use super::config::Config;
use super::layers;
use super::state::AppState;
use crate::app::{App, shell};
use axum::{
    Router,
    body::Body,
    http::{HeaderValue, StatusCode, header},
    middleware,
};
use base64::Engine;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::set_header::SetResponseHeaderLayer;

/// Logs to stdout, filtered by `RUST_LOG`: readable text, or one JSON object a line when
/// `LC_LOG_FORMAT=json` (for CloudWatch and other collectors). A request's lines carry its id
/// either way (`request{id=...}` in text, `"spans":[{"name":"request","id":...}, ...]` in JSON).
pub fn init_tracing() {
    let json = std::env::var("LC_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let _ = if json {
        tracing::subscriber::set_global_default(json_logs(log_filter(), std::io::stdout))
    } else {
        tracing::subscriber::set_global_default(tracing_subscriber::fmt().with_env_filter(log_filter()).finish())
    };
}

fn log_filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,aws_config=warn,aws_smithy_runtime=warn"))
}

/// JSON lines to `writer`, each with the fields of every span it is in (`"spans"`, outermost
/// first: the request's id, then e.g. the AWS SDK's own spans).
fn json_logs<W>(filter: tracing_subscriber::EnvFilter, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_current_span(false)
        .with_span_list(true)
        .with_env_filter(filter)
        .with_writer(writer)
        .finish()
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
    let state = state().await?;
    let addr = state.leptos_options.site_addr;
    let listener = tokio::net::TcpListener::bind(&addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!("listening on http://{addr}");
    if let Some(metrics_addr) = state.config.metrics_addr {
        match super::metrics::install() {
            Some(handle) => {
                tokio::spawn(serve_metrics(metrics_addr, handle));
            }
            None => tracing::error!("a metrics recorder was installed already; no metrics served"),
        }
    }
    serve_on(listener, app(state), HEADER_READ_TIMEOUT, shutdown()).await;
    Ok(())
}

/// The app's state from the configuration, the cookie key and cargo-leptos's settings.
pub async fn state() -> Result<AppState, String> {
    let config = Config::load(true).map_err(|e| e.to_string())?;
    let key = cookie_key(&config)?;
    let mut options =
        leptos::config::get_configuration(None).map_err(|e| format!("leptos configuration: {e}"))?.leptos_options;
    // cargo-leptos writes the content hashes of /pkg beside the binary: use them even when
    // the binary is started without LEPTOS_HASH_FILES (e.g. the release binary on its own).
    if !options.hash_files && super::assets::hash_file(&options).is_some_and(|p| p.exists()) {
        options.hash_files = true;
    }
    if options.output_name.is_empty() {
        // Built by plain cargo (e.g. `cargo test`), not cargo-leptos: the bundle is named
        // after the package, as `output-name` in Cargo.toml says.
        options.output_name = env!("CARGO_PKG_NAME").into();
    }
    Ok(AppState::new(options, config, &key).await)
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

/// `GET /metrics` on its own address until shutdown.
async fn serve_metrics(addr: std::net::SocketAddr, handle: metrics_exporter_prometheus::PrometheusHandle) {
    match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => {
            tracing::info!("metrics on http://{addr}/metrics");
            serve_on(listener, super::metrics::router(handle), HEADER_READ_TIMEOUT, shutdown()).await;
        }
        Err(e) => tracing::error!(%addr, error = %e, "cannot listen for metrics"),
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

/// `GET /healthz`: the process is up and serving (for load balancers and `make bench`).
async fn healthz() -> impl axum::response::IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], "ok")
}

/// `GET /readyz`: 200 when Cognito answers with the pool's keys (fetched at most every few
/// seconds, see `Verifier::ready`), else 503; for load balancers and deploys.
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.verifier.ready().await {
        Ok(_) => ([(header::CACHE_CONTROL, "no-store")], "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CACHE_CONTROL, "no-store")],
                "not ready: Cognito cannot be reached",
            )
                .into_response()
        }
    }
}

/// The whole app as one router, so tests can drive it with `oneshot`.
pub fn app(state: AppState) -> Router {
    // Generated once per process: while Leptos generates a route list it suppresses the loading
    // of every resource in the process (`leptos_server::SuppressResourceLoad` is one global flag),
    // so a page being rendered meanwhile, say by another test's router, would wait forever on
    // its first `Suspense` (leptos-rs/leptos#4773, open). A server builds its router once, before
    // it serves; tests build many.
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| generate_route_list(App)).clone();
    let secure = state.config.secure_cookies();
    let mut router = Router::new()
        .leptos_routes_with_context(&state, routes, || (), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .merge(crate::api::routes())
        .route("/healthz", axum::routing::get(healthz))
        .route("/readyz", axum::routing::get(readyz))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(state.clone(), super::limits::rate_limit))
        .layer(middleware::from_fn_with_state(state.clone(), layers::server_fn_errors))
        .layer(middleware::from_fn_with_state(state.clone(), layers::session))
        .layer(middleware::from_fn_with_state(state.clone(), layers::csrf))
        .layer(middleware::from_fn_with_state(state.clone(), layers::csp))
        .layer(middleware::from_fn(super::limits::limit_body))
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
    // Outermost: every log line of a request, and its answer, carry the request's id.
    router
        .layer(middleware::from_fn(super::metrics::count_requests))
        .layer(middleware::from_fn(super::request_id::layer))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::Config;
    use crate::server::session::{CookieName, Flash};
    use crate::server::verifier::{Verifier, test_support::*};
    use aws_sdk_cognitoidentityprovider::Client;
    use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
    use aws_sdk_cognitoidentityprovider::operation::confirm_forgot_password::ConfirmForgotPasswordOutput;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_types::body::SdkBody;
    use axum::extract::Request;
    use tower::ServiceExt;

    /// Cognito's answer when it fails on its side.
    fn cognito_internal_error() -> HttpResponse {
        HttpResponse::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(500).unwrap(),
            SdkBody::from(r#"{"__type":"InternalErrorException","message":"boom"}"#),
        )
    }

    /// A form POST as a browser without JavaScript sends it.
    fn form_post(path: &str, form: &'static str) -> Request {
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(form))
            .unwrap()
    }

    /// The flash `res` set for the next page.
    fn flash_of(state: &AppState, res: &axum::response::Response) -> Flash {
        let mut cookies = http::HeaderMap::new();
        cookies.insert(header::COOKIE, HeaderValue::from_str(&cookies_of(res)).unwrap());
        state.cookies.open(&cookies, CookieName::Flash).expect("a flash for the next page")
    }

    /// The cookies a response set, as the browser sends them back.
    fn cookies_of(res: &axum::response::Response) -> String {
        res.headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
            .collect::<Vec<_>>()
            .join("; ")
    }

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

    /// When the shared limits' table cannot be reached, nothing limited goes through unchecked:
    /// the person gets the app's 503 page; what is not limited still works.
    #[tokio::test]
    async fn an_unreachable_limits_store_refuses_limited_requests_with_a_503_page() {
        let (jwks, _) = jwks_server().await;
        let config = Config::for_test();
        let clients = crate::server::aws::clients(&config).await;
        let mut state = AppState::for_test(config.clone(), clients.cognito, Verifier::new(ISS, CLIENT, &jwks));
        state.limits =
            std::sync::Arc::new(crate::server::rate_limit::dynamodb::DynamoStore::new(clients.dynamodb, "limits"));
        let res =
            app(state.clone()).oneshot(form_post("/api/sign_in", "email=a%40example.com&password=x")).await.unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("reached right now. Please try again shortly."), "{body}");
        let res = app(state).oneshot(Request::get("/healthz").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
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

    /// Shutdown (SIGTERM in `serve`) lets a request in flight finish, then stops listening.
    #[tokio::test]
    async fn shutdown_finishes_the_request_in_flight_and_accepts_no_more() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (started_tx, started) = tokio::sync::oneshot::channel::<()>();
        let started_tx = std::sync::Arc::new(std::sync::Mutex::new(Some(started_tx)));
        let router = Router::new().route(
            "/slow",
            axum::routing::get(move || {
                if let Some(tx) = started_tx.lock().unwrap().take() {
                    let _ = tx.send(());
                }
                async {
                    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
                    "finished"
                }
            }),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve_on(listener, router, std::time::Duration::from_secs(5), async {
            let _ = stopped.await;
        }));
        let client = tokio::spawn(async move {
            let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
            c.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
            let mut answer = String::new();
            c.read_to_string(&mut answer).await.unwrap();
            answer
        });
        started.await.unwrap();
        stop.send(()).unwrap();
        let answer = client.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("finished"), "{answer}");
        tokio::time::timeout(std::time::Duration::from_secs(5), server).await.expect("the server stopped").unwrap();
        assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "still listening after shutdown");
    }

    /// A reset whose "sign out everywhere" fails says so to the person, not only to the log.
    #[tokio::test]
    async fn a_failed_global_sign_out_after_a_reset_is_shown() {
        let (jwks, _) = jwks_server().await;
        let confirmed =
            mock!(Client::confirm_forgot_password).then_output(|| ConfirmForgotPasswordOutput::builder().build());
        let sign_out_fails = mock!(Client::admin_user_global_sign_out).then_http_response(cognito_internal_error);
        let lookup_fails = mock!(Client::admin_get_user).then_http_response(cognito_internal_error);
        let cognito = mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&confirmed, &sign_out_fails, &lookup_fails],
            |c| c.retry_config(RetryConfig::disabled())
        );
        let state = AppState::for_test(Config::for_test(), cognito, Verifier::new(ISS, CLIENT, &jwks));
        let req = form_post("/api/reset_password", "email=ada%40example.com&code=123456&password=Correct-Horse-9");
        let res = app(state.clone()).oneshot(req).await.unwrap();
        assert_eq!(res.headers()[header::LOCATION], crate::routes::SIGN_IN);
        assert_eq!(sign_out_fails.num_calls(), 1);
        let flash = flash_of(&state, &res);
        assert_eq!(flash.message, crate::auth::server::RESET_NOT_SIGNED_OUT);
        assert_eq!(flash.kind, crate::flash::FlashKind::Error);
    }

    /// A server error names its request: the flash the person sees quotes the id the answer
    /// carries in `x-request-id`, and the JSON log lines of that request carry it too.
    #[tokio::test]
    async fn a_server_error_quotes_the_request_id_that_its_log_lines_carry() {
        use std::sync::{Arc, Mutex};
        let (jwks, _) = jwks_server().await;
        let cognito_down = mock!(Client::initiate_auth).then_http_response(cognito_internal_error);
        let cognito = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, [&cognito_down], |c| {
            c.retry_config(RetryConfig::disabled())
        });
        let state = AppState::for_test(Config::for_test(), cognito, Verifier::new(ISS, CLIENT, &jwks));
        let req = form_post("/api/sign_in", "email=ada%40example.com&password=Correct-Horse-9");
        #[derive(Clone, Default)]
        struct Buf(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buf {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let logs = Buf::default();
        let writer = logs.clone();
        let subscriber = json_logs(tracing_subscriber::EnvFilter::new("warn"), move || writer.clone());
        let res = {
            let _guard = tracing::subscriber::set_default(subscriber);
            app(state.clone()).oneshot(req).await.unwrap()
        };
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_eq!(id.len(), 16);
        let flash = flash_of(&state, &res);
        assert_eq!(flash.message, format!("{} Reference: {id}.", crate::error::AppError::Unavailable.message()));
        let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert!(!lines.is_empty(), "the failure was logged");
        for line in &lines {
            assert_eq!(line["spans"][0]["name"], "request", "{line}");
            assert_eq!(line["spans"][0]["id"], id.as_str(), "{line}");
        }
    }

    fn email_code_state(rules: &[&aws_smithy_mocks::Rule], allowed: bool) -> AppState {
        let cognito = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, rules, |c| {
            c.retry_config(RetryConfig::disabled())
        });
        let mut config = Config::for_test();
        config.equal_time_ms = 0;
        let state = AppState::for_test(config, cognito, Verifier::new(ISS, CLIENT, "http://127.0.0.1:9/jwks"));
        if allowed {
            state.allow_email_code();
        }
        state
    }

    /// "Email me a sign-in code" asks Cognito nothing when the pool's policy has no EMAIL_OTP,
    /// and says so when Cognito offers no code for the account.
    #[tokio::test]
    async fn an_email_code_is_only_asked_for_when_the_pool_offers_one() {
        use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
        use aws_sdk_cognitoidentityprovider::types::ChallengeNameType;
        let select = mock!(Client::initiate_auth).then_output(|| {
            InitiateAuthOutput::builder()
                .challenge_name(ChallengeNameType::SelectChallenge)
                .session("s".repeat(40))
                .available_challenges(ChallengeNameType::Password)
                .build()
        });
        for (allowed, message, calls) in [
            (false, "Signing in with a code by email is not available. Sign in with your password.", 0),
            (true, "We could not send a sign-in code to this account. Sign in with your password.", 1),
        ] {
            let state = email_code_state(&[&select], allowed);
            let res = app(state.clone())
                .oneshot(form_post("/api/email_sign_in_code", "email=ada%40example.com"))
                .await
                .unwrap();
            assert_eq!(res.headers()[header::LOCATION], crate::routes::SIGN_IN);
            assert_eq!(flash_of(&state, &res).message, message);
            assert_eq!(select.num_calls(), calls);
        }
    }

    /// Cognito asks for no TOTP code after an emailed one; the app does not let an account with
    /// an authenticator app in on the email alone, and revokes the session Cognito minted.
    #[tokio::test]
    async fn an_email_code_does_not_sign_in_an_account_with_an_authenticator() {
        use aws_sdk_cognitoidentityprovider::operation::{
            get_user::GetUserOutput, initiate_auth::InitiateAuthOutput,
            respond_to_auth_challenge::RespondToAuthChallengeOutput, revoke_token::RevokeTokenOutput,
        };
        use aws_sdk_cognitoidentityprovider::types::{AuthenticationResultType, ChallengeNameType};
        let otp = mock!(Client::initiate_auth).then_output(|| {
            InitiateAuthOutput::builder().challenge_name(ChallengeNameType::EmailOtp).session("s".repeat(40)).build()
        });
        let tokens = mock!(Client::respond_to_auth_challenge)
            .match_requests(|r| {
                r.challenge_responses().and_then(|c| c.get("EMAIL_OTP_CODE")).map(String::as_str) == Some("123456")
            })
            .then_output(|| {
                RespondToAuthChallengeOutput::builder()
                    .authentication_result(
                        AuthenticationResultType::builder()
                            .access_token("access")
                            .id_token("id")
                            .refresh_token("refresh")
                            .build(),
                    )
                    .build()
            });
        let totp_on = mock!(Client::get_user).then_output(|| {
            GetUserOutput::builder()
                .username("u")
                .set_user_attributes(Some(vec![]))
                .user_mfa_setting_list("SOFTWARE_TOKEN_MFA")
                .build()
                .unwrap()
        });
        let revoke = mock!(Client::revoke_token)
            .match_requests(|r| r.token() == Some("refresh"))
            .then_output(|| RevokeTokenOutput::builder().build());
        let state = email_code_state(&[&otp, &tokens, &totp_on, &revoke], true);
        let res =
            app(state.clone()).oneshot(form_post("/api/email_sign_in_code", "email=ada%40example.com")).await.unwrap();
        assert_eq!(res.headers()[header::LOCATION], crate::routes::SIGN_IN_CODE);
        let mut req = form_post("/api/answer_sign_in_code", "code=123456");
        req.headers_mut().insert(header::COOKIE, HeaderValue::from_str(&cookies_of(&res)).unwrap());
        let res = app(state.clone()).oneshot(req).await.unwrap();
        assert_eq!(res.headers()[header::LOCATION], crate::routes::SIGN_IN);
        assert_eq!(flash_of(&state, &res).message, crate::error::AppError::AuthenticatorRequired.message());
        let set = cookies_of(&res);
        for name in [CookieName::Access, CookieName::Refresh] {
            assert!(!set.contains(&format!("{}=", state.cookies.name(name))), "no session: {set}");
        }
        assert_eq!((tokens.num_calls(), totp_on.num_calls(), revoke.num_calls()), (1, 1, 1));
    }

    /// A server function called by an island: a form body, a JSON answer.
    fn island_post(path: &str, form: String, cookie: &str) -> Request {
        let mut req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(form))
            .unwrap();
        if !cookie.is_empty() {
            req.headers_mut().insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        }
        req
    }

    async fn body_text(res: axum::response::Response) -> String {
        String::from_utf8(axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap()
    }

    /// Sign-in with a passkey: Cognito's request options go to the island as JSON text, the
    /// browser's answer comes back, and a session starts with no second factor. A refused answer
    /// says so (401), ends the step, and starts no session; an account with no passkey is told.
    #[tokio::test]
    async fn a_passkey_signs_in_and_a_refused_one_says_so() {
        use aws_sdk_cognitoidentityprovider::operation::{
            initiate_auth::InitiateAuthOutput,
            respond_to_auth_challenge::{RespondToAuthChallengeError, RespondToAuthChallengeOutput},
        };
        use aws_sdk_cognitoidentityprovider::types::{
            AuthenticationResultType, ChallengeNameType, error::NotAuthorizedException,
        };
        const OPTIONS: &str = r#"{"challenge":"q83vEjRWeJA","rpId":"localhost","userVerification":"required","allowCredentials":[{"id":"AQID","type":"public-key"}]}"#;
        let web_authn = mock!(Client::initiate_auth)
            .match_requests(|r| {
                r.auth_parameters().and_then(|p| p.get("PREFERRED_CHALLENGE")).map(String::as_str) == Some("WEB_AUTHN")
                    && r.auth_parameters().and_then(|p| p.get("USERNAME")).map(String::as_str)
                        == Some("ada@example.com")
            })
            .then_output(|| {
                InitiateAuthOutput::builder()
                    .challenge_name(ChallengeNameType::WebAuthn)
                    .session("s".repeat(40))
                    .challenge_parameters("CREDENTIAL_REQUEST_OPTIONS", OPTIONS)
                    .build()
            });
        let no_passkey = mock!(Client::initiate_auth).then_output(|| {
            InitiateAuthOutput::builder()
                .challenge_name(ChallengeNameType::SelectChallenge)
                .session("s".repeat(40))
                .available_challenges(ChallengeNameType::Password)
                .build()
        });
        let good =
            |r: &aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeInput| {
                r.challenge_name() == Some(&ChallengeNameType::WebAuthn)
                    && r.session() == Some("s".repeat(40).as_str())
                    && r.challenge_responses().and_then(|c| c.get("CREDENTIAL")).is_some_and(|c| c.contains("good"))
            };
        // Tokens that verify: the session starts with its record.
        let claims = |extra: serde_json::Value| {
            let mut c = serde_json::json!({"sub": "u1", "iss": ISS, "exp": now() + 3000, "iat": now()});
            c.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            sign(KEY_A, "a", c)
        };
        let access = claims(serde_json::json!({"client_id": CLIENT, "token_use": "access", "username": "u1"}));
        let id = claims(serde_json::json!({"aud": CLIENT, "token_use": "id", "email": "ada@example.com"}));
        let accepted = mock!(Client::respond_to_auth_challenge).match_requests(good).then_output(move || {
            RespondToAuthChallengeOutput::builder()
                .authentication_result(
                    AuthenticationResultType::builder()
                        .access_token(access.clone())
                        .id_token(id.clone())
                        .refresh_token("r")
                        .build(),
                )
                .build()
        });
        let refused = mock!(Client::respond_to_auth_challenge).match_requests(move |r| !good(r)).then_error(|| {
            RespondToAuthChallengeError::NotAuthorizedException(
                NotAuthorizedException::builder()
                    .message("Invalid passkey credential.")
                    .meta(
                        aws_smithy_types::error::ErrorMetadata::builder()
                            .code("NotAuthorizedException")
                            .message("Invalid passkey credential.")
                            .build(),
                    )
                    .build(),
            )
        });
        let (jwks, _) = jwks_server().await;
        let cognito = mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&web_authn, &no_passkey, &accepted, &refused],
            |c| c.retry_config(RetryConfig::disabled())
        );
        let mut config = Config::for_test();
        config.equal_time_ms = 0;
        let state = AppState::for_test(config, cognito, Verifier::new(ISS, CLIENT, &jwks));
        state.allow_passkeys();
        let start = || island_post("/api/passkey_sign_in_options", "email=ada%40example.com".into(), "");

        let options_of = |text: String| -> serde_json::Value {
            serde_json::from_str(&serde_json::from_str::<String>(&text).unwrap()).unwrap()
        };
        // The browser's answer with the step its options came with, as the island sends them.
        let answer = |id: &str, options: &serde_json::Value| {
            let credential = format!("{{\"id\":\"{id}\"}}");
            let step = options["step"].as_str().unwrap();
            island_post(
                "/api/passkey_sign_in",
                format!("credential={}&step={}", urlencoding(&credential), urlencoding(step)),
                "",
            )
        };
        let res = app(state.clone()).oneshot(start()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(cookies_of(&res), "", "asking for options sets no cookie");
        // Cognito's challenge, without its list of the account's credentials.
        let real = options_of(body_text(res).await);
        assert_eq!(real["challenge"], "q83vEjRWeJA");
        assert_eq!(real["allowCredentials"], serde_json::json!([]));
        let res = app(state.clone()).oneshot(answer("good", &real)).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let set = cookies_of(&res);
        assert!(set.contains(&format!("{}=", state.cookies.name(CookieName::Access))), "a session: {set}");
        assert_eq!(body_text(res).await, "\"/\"");

        let res = app(state.clone()).oneshot(start()).await.unwrap();
        let second = options_of(body_text(res).await);
        let res = app(state.clone()).oneshot(answer("forged", &second)).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let set = cookies_of(&res);
        assert!(!set.contains(&format!("{}=", state.cookies.name(CookieName::Access))), "no session: {set}");
        assert_eq!(body_text(res).await, "\"PasskeyRefused\"");
        // Without a step, or with one tampered with or sealed for another purpose: start again.
        let mut tampered = second.clone();
        let step = second["step"].as_str().unwrap();
        let first = if step.starts_with('A') { 'B' } else { 'A' };
        tampered["step"] = serde_json::json!(format!("{first}{}", &step[1..]));
        let mut foreign = second.clone();
        let other_purpose = state.cookies.seal_text(CookieName::Challenge, &serde_json::json!({}));
        foreign["step"] = serde_json::json!(other_purpose);
        let mut none = second.clone();
        none["step"] = serde_json::json!("");
        for options in [tampered, foreign, none] {
            let res = app(state.clone()).oneshot(answer("good", &options)).await.unwrap();
            assert_eq!(res.status(), StatusCode::BAD_REQUEST);
            assert!(body_text(res).await.contains("The passkey step took too long."));
        }
        assert_eq!((accepted.num_calls(), refused.num_calls()), (1, 1));

        // An address without a passkey (or without an account) gets options all the same, and
        // the step they start is one Cognito never issued.
        let res = app(state.clone())
            .oneshot(island_post("/api/passkey_sign_in_options", "email=bob%40example.com".into(), ""))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let decoy = options_of(body_text(res).await);
        assert_eq!(decoy["challenge"].as_str().unwrap().len(), 43);
        assert_ne!(decoy["challenge"], real["challenge"]);
        // Every field but the challenge and the sealed step is the same as for the account with a
        // passkey, the step's length included.
        assert_eq!(decoy["step"].as_str().unwrap().len(), real["step"].as_str().unwrap().len());
        let without_challenge = |mut v: serde_json::Value| {
            v.as_object_mut().unwrap().remove("challenge");
            v.as_object_mut().unwrap().remove("step");
            v
        };
        assert_eq!(without_challenge(decoy.clone()), without_challenge(real));
        // Even a credential Cognito would take is refused: the session is not Cognito's.
        let res = app(state.clone()).oneshot(answer("good", &decoy)).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(body_text(res).await, "\"PasskeyRefused\"");
    }

    /// A form value, percent-encoded.
    fn urlencoding(s: &str) -> String {
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
    }

    /// A pool without passkeys: the sign-in page offers none and the functions ask Cognito nothing.
    #[tokio::test]
    async fn passkeys_are_offered_only_when_the_pool_allows_them() {
        use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
        let any = mock!(Client::initiate_auth).then_output(|| InitiateAuthOutput::builder().build());
        for allowed in [false, true] {
            let state = email_code_state(&[&any], false);
            if allowed {
                state.allow_passkeys();
            }
            let page = app(state.clone())
                .oneshot(Request::get(crate::routes::SIGN_IN).body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(body_text(page).await.contains("Use a passkey"), allowed);
        }
        let state = email_code_state(&[&any], false);
        let res = app(state.clone())
            .oneshot(island_post("/api/passkey_sign_in_options", "email=ada%40example.com".into(), ""))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body_text(res).await, "\"PasskeysOff\"");
        assert_eq!(any.num_calls(), 0);
    }

    /// "Sign up without a password" sends Cognito no password, and only where the pool lets
    /// people sign in with a code by email (otherwise the account could never sign in).
    #[tokio::test]
    async fn a_passwordless_sign_up_needs_the_email_code_sign_in() {
        use aws_sdk_cognitoidentityprovider::operation::sign_up::SignUpOutput;
        let sign_up = mock!(Client::sign_up)
            .match_requests(|r| r.password().is_none() && r.username() == Some("ada@example.com"))
            .then_output(|| {
                SignUpOutput::builder().user_confirmed(false).user_sub("sub-1").session("s").build().unwrap()
            });
        const FORM: &str = "email=ada%40example.com&given_name=Ada&family_name=Lovelace&password=ignored-Pass-1";
        for (allowed, to, calls) in [(false, crate::routes::SIGN_UP, 0), (true, crate::routes::CONFIRM, 1)] {
            let state = email_code_state(&[&sign_up], allowed);
            let res = app(state.clone()).oneshot(form_post("/api/sign_up_without_password", FORM)).await.unwrap();
            assert_eq!(res.headers()[header::LOCATION], to);
            if !allowed {
                assert_eq!(
                    flash_of(&state, &res).message,
                    "An account without a password is not available here. Choose a password."
                );
            }
            assert_eq!(sign_up.num_calls(), calls);
        }
    }

    /// GetUser for the signed-in account, with these MFA methods on.
    fn get_user_with_mfa(methods: &'static [&'static str]) -> aws_smithy_mocks::Rule {
        use aws_sdk_cognitoidentityprovider::operation::get_user::GetUserOutput;
        mock!(Client::get_user).then_output(move || {
            GetUserOutput::builder()
                .username("u1")
                .set_user_attributes(Some(vec![]))
                .set_user_mfa_setting_list(Some(methods.iter().map(|m| m.to_string()).collect()))
                .build()
                .unwrap()
        })
    }

    /// As at sign-in, an account with an authenticator app on is not let through on the mailbox
    /// alone: no code is sent.
    #[tokio::test]
    async fn an_account_with_an_authenticator_gets_no_emailed_code_for_a_change() {
        use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
        let any = mock!(Client::initiate_auth).then_output(|| InitiateAuthOutput::builder().build());
        let app_on = get_user_with_mfa(&["SOFTWARE_TOKEN_MFA"]);
        let (state, session) = signed_in_state(&[&any, &app_on]).await;
        let mut req = form_post("/api/reauth_code", "");
        req.headers_mut().insert(header::COOKIE, HeaderValue::from_str(&session).unwrap());
        let res = app(state.clone()).oneshot(req).await.unwrap();
        assert_eq!(res.headers()[header::LOCATION], crate::routes::SETTINGS);
        assert_eq!(
            flash_of(&state, &res).message,
            "Your account uses an authenticator app, so a code by email is not enough. Enter your password and a current code from the app."
        );
        assert_eq!((app_on.num_calls(), any.num_calls()), (1, 0));
    }

    /// A signed-in account (`u1`, a@example.com) whose tokens verify against a local JWKS.
    async fn signed_in_state(rules: &[&aws_smithy_mocks::Rule]) -> (AppState, String) {
        let (jwks, _) = jwks_server().await;
        let cognito = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, rules, |c| {
            c.retry_config(RetryConfig::disabled())
        });
        let state = AppState::for_test(Config::for_test(), cognito, Verifier::new(ISS, CLIENT, &jwks));
        state.allow_email_code();
        let claims = |extra: serde_json::Value| {
            let mut c = serde_json::json!({"sub": "u1", "iss": ISS, "exp": now() + 3000, "iat": now()});
            c.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            sign(KEY_A, "a", c)
        };
        let tokens = crate::server::session::SessionTokens {
            access: claims(serde_json::json!({"client_id": CLIENT, "token_use": "access", "username": "u1"})),
            id: claims(serde_json::json!({"aud": CLIENT, "token_use": "id", "email": "a@example.com"})),
            refresh: Some("refresh".into()),
            sid: None,
        };
        let ip = std::net::IpAddr::from([127, 0, 0, 1]);
        let sid =
            crate::server::guard::record_session(&state, &tokens, "u1", &http::HeaderMap::new(), ip).await.unwrap();
        let tokens = crate::server::session::SessionTokens { sid: Some(sid), ..tokens };
        let cookies = state
            .cookies
            .start_session(&tokens, 3600)
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
            .collect::<Vec<_>>()
            .join("; ");
        (state, cookies)
    }

    /// An account without a password confirms a sensitive change with a code Cognito emails
    /// (USER_AUTH, EMAIL_OTP) typed where the password is asked for: the session the answer
    /// mints is revoked unused, and the code is good for one change. Six digits without a code
    /// asked for, or asked for by another account, are refused before Cognito is asked.
    #[tokio::test]
    async fn an_emailed_code_confirms_a_sensitive_change_instead_of_the_password() {
        use aws_sdk_cognitoidentityprovider::operation::{
            delete_web_authn_credential::DeleteWebAuthnCredentialOutput, initiate_auth::InitiateAuthOutput,
            respond_to_auth_challenge::RespondToAuthChallengeOutput, revoke_token::RevokeTokenOutput,
        };
        use aws_sdk_cognitoidentityprovider::types::{AuthenticationResultType, ChallengeNameType};
        let otp = mock!(Client::initiate_auth)
            .match_requests(|r| {
                r.auth_parameters().and_then(|p| p.get("PREFERRED_CHALLENGE")).map(String::as_str) == Some("EMAIL_OTP")
                    && r.auth_parameters().and_then(|p| p.get("USERNAME")).map(String::as_str) == Some("a@example.com")
            })
            .then_output(|| {
                InitiateAuthOutput::builder()
                    .challenge_name(ChallengeNameType::EmailOtp)
                    .session("s".repeat(40))
                    .build()
            });
        let password = mock!(Client::initiate_auth)
            .match_requests(|r| r.auth_parameters().is_some_and(|p| p.contains_key("PASSWORD")))
            .then_output(|| InitiateAuthOutput::builder().build());
        let answer = mock!(Client::respond_to_auth_challenge)
            .match_requests(|r| {
                r.challenge_name() == Some(&ChallengeNameType::EmailOtp)
                    && r.session() == Some("s".repeat(40).as_str())
                    && r.challenge_responses().and_then(|c| c.get("EMAIL_OTP_CODE")).map(String::as_str)
                        == Some("123456")
            })
            .then_output(|| {
                RespondToAuthChallengeOutput::builder()
                    .authentication_result(
                        AuthenticationResultType::builder()
                            .access_token("a")
                            .id_token("i")
                            .refresh_token("minted")
                            .build(),
                    )
                    .build()
            });
        let revoke = mock!(Client::revoke_token)
            .match_requests(|r| r.token() == Some("minted"))
            .then_output(|| RevokeTokenOutput::builder().build());
        let delete = mock!(Client::delete_web_authn_credential)
            .then_output(|| DeleteWebAuthnCredentialOutput::builder().build());
        let no_app = get_user_with_mfa(&[]);
        let (state, session) = signed_in_state(&[&otp, &password, &answer, &revoke, &delete, &no_app]).await;
        let post = |path: &str, form: &'static str, cookies: &str| {
            let mut req = form_post(path, form);
            req.headers_mut().insert(header::COOKIE, HeaderValue::from_str(cookies).unwrap());
            req
        };
        const DELETE: &str = "credential_id=AQID&passkey_delete_password=123456";
        let expired = "That code has expired, or none was asked for. Choose \u{201c}Email me a code instead\u{201d} for a new one.";

        // Six digits with no code asked for: not a password, and Cognito is not asked.
        let res = app(state.clone()).oneshot(post("/api/delete_passkey", DELETE, &session)).await.unwrap();
        assert_eq!(flash_of(&state, &res).message, expired);

        let res = app(state.clone())
            .oneshot(post("/api/reauth_code", "confirm_email=a%40example.com&delete_password=", &session))
            .await
            .unwrap();
        assert_eq!(res.headers()[header::LOCATION], crate::routes::SETTINGS);
        assert_eq!(
            flash_of(&state, &res).message,
            "We emailed a code to a@example.com. Enter it where your password is asked for, within 3 minutes."
        );
        let step = cookies_of(&res)
            .split("; ")
            .find(|c| c.starts_with(&state.cookies.name(CookieName::Reauth)))
            .unwrap()
            .to_string();

        // Another account's step is not this one's.
        let foreign = state.cookies.seal(
            CookieName::Reauth,
            &crate::auth::server::ReauthStep {
                sub: "u2".into(),
                username: "b@example.com".into(),
                session: "s".repeat(40),
                expires_at: now() + 100,
            },
            cookie::time::Duration::minutes(3),
        );
        let foreign = foreign.to_str().unwrap().split(';').next().unwrap().to_string();
        let res = app(state.clone())
            .oneshot(post("/api/delete_passkey", DELETE, &format!("{session}; {foreign}")))
            .await
            .unwrap();
        assert_eq!(flash_of(&state, &res).message, expired);
        assert_eq!(answer.num_calls(), 0);

        let res = app(state.clone())
            .oneshot(post("/api/delete_passkey", DELETE, &format!("{session}; {step}")))
            .await
            .unwrap();
        assert_eq!(res.headers()[header::LOCATION], crate::routes::SETTINGS);
        assert_eq!(flash_of(&state, &res).message, "The passkey is deleted. It can no longer sign in to your account.");
        let cleared = format!("{}=", state.cookies.name(CookieName::Reauth));
        assert!(cookies_of(&res).split("; ").any(|c| c == cleared), "the code is used up");
        assert_eq!((otp.num_calls(), answer.num_calls(), revoke.num_calls(), delete.num_calls()), (1, 1, 1, 1));
        assert_eq!(password.num_calls(), 0, "a code is never tried as a password");
    }
}
