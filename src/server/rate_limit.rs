//! Per-client-IP rate limit (governor's GCRA) on the endpoints that guess or send things:
//! sign-in, sign-up, codes, password reset and MFA. Over the limit: 429 with a plain page.

use super::state::AppState;
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;

/// The server functions that are limited.
pub const LIMITED: &[&str] = &[
    "/api/sign_in",
    "/api/sign_up",
    "/api/confirm_sign_up",
    "/api/resend_code",
    "/api/forgot_password",
    "/api/reset_password",
    "/api/answer_mfa",
    "/api/complete_new_password",
    "/api/verify_mfa_setup",
    "/api/disable_mfa",
    "/api/change_password",
    "/api/verify_email",
    "/api/resend_email_code",
];

pub type Limiter = DefaultKeyedRateLimiter<IpAddr>;

pub fn limiter(per_minute: u32) -> Limiter {
    let n = NonZeroU32::new(per_minute.max(1)).expect("at least 1");
    RateLimiter::keyed(Quota::per_minute(n))
}

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || !LIMITED.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    match state.rate_limiter.check_key(&ip) {
        Ok(()) => next.run(req).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now()).as_secs().max(1);
            tracing::warn!(%ip, path = %req.uri().path(), "rate limit hit");
            let message = crate::error::AppError::TooManyRequests.message();
            let page = format!(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Too many attempts</title>\
                 <link rel=\"stylesheet\" href=\"/pkg/leptos-cognito.css\"></head><body><main>\
                 <h1>Too many attempts</h1><p role=\"alert\">{message}</p><p><a href=\"/\">Back to the start</a></p>\
                 </main></body></html>"
            );
            let mut res = (StatusCode::TOO_MANY_REQUESTS, Html(page)).into_response();
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
            res
        }
    }
}
