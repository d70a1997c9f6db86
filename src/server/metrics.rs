//! Prometheus metrics, served on their own address (`site.metrics_addr`, off when unset) so
//! they are never reachable through the site. Every metric the app records is named here:
//!
//! - `lc_http_requests_total{route,status}`: answers, by route template (never the raw path,
//!   whose values are unbounded) and status;
//! - `lc_aws_call_seconds{service,operation}` (histogram) and
//!   `lc_aws_call_errors_total{service,operation}`: every AWS SDK call (Cognito, S3, SES);
//! - `lc_jwks_fetches_total{result}`: fetches of the pool's signing keys;
//! - `lc_limit_rejections_total{scope}`: requests answered 429 by the limiters.
//!
//! Without `install` the recording calls do nothing (tests, `provision`).

use axum::{Router, extract::MatchedPath, extract::Request, middleware::Next, response::Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Histogram buckets of AWS call durations, seconds.
const BUCKETS: &[f64] = &[0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// Installs the process-wide recorder; `None` when one is installed already.
pub fn install() -> Option<PrometheusHandle> {
    let handle = PrometheusBuilder::new().set_buckets(BUCKETS).ok()?.install_recorder().ok()?;
    let upkeep = handle.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            upkeep.run_upkeep();
        }
    });
    Some(handle)
}

/// `GET /metrics` in Prometheus' text format.
pub fn router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let handle = handle.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()) }
        }),
    )
}

/// Middleware: counts each answer by route template and status.
pub async fn count_requests(req: Request, next: Next) -> Response {
    let route = route_label(req.extensions().get::<MatchedPath>().map(MatchedPath::as_str), req.uri().path());
    let res = next.run(req).await;
    metrics::counter!("lc_http_requests_total", "route" => route, "status" => res.status().as_u16().to_string())
        .increment(1);
    res
}

/// The route's template; static files as `/pkg`, anything unrouted as `unmatched`.
pub fn route_label(matched: Option<&str>, path: &str) -> String {
    match matched {
        Some(m) => m.to_string(),
        None if path.starts_with("/pkg/") => "/pkg".into(),
        None => "unmatched".into(),
    }
}

pub fn aws_call(service: &str, operation: &str, seconds: f64, failed: bool) {
    let labels = [("service", service.to_string()), ("operation", operation.to_string())];
    metrics::histogram!("lc_aws_call_seconds", &labels).record(seconds);
    if failed {
        metrics::counter!("lc_aws_call_errors_total", &labels).increment(1);
    }
}

pub fn jwks_fetch(ok: bool) {
    metrics::counter!("lc_jwks_fetches_total", "result" => if ok { "ok" } else { "error" }).increment(1);
}

pub fn limit_rejection(scope: &'static str) {
    metrics::counter!("lc_limit_rejections_total", "scope" => scope).increment(1);
}

/// A security notice (`email::notify`) that could not be sent.
pub fn security_notice_failed(event: &'static str) {
    metrics::counter!("lc_security_notices_failed_total", "event" => event).increment(1);
}

#[cfg(test)]
mod tests {
    use super::route_label;

    #[test]
    fn routes_are_labelled_by_template_never_by_raw_path() {
        assert_eq!(route_label(Some("/api/{fn}"), "/api/sign_in"), "/api/{fn}");
        assert_eq!(route_label(None, "/pkg/leptos-cognito.abc.wasm"), "/pkg");
        assert_eq!(route_label(None, "/no/such/page/12345"), "unmatched");
    }
}
