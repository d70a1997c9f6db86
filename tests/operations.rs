//! Router + emulator, no browser: what an operator sees. Prometheus metrics of requests, AWS
//! calls and limits (this binary installs the process-wide recorder, so it has it to itself).
//! Needs the test emulator that dev/run-tests.sh starts and provisions (the LC_* environment).
#![cfg(feature = "ssr")]

use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{Request, StatusCode, header};
use leptos_cognito::server::{metrics, setup};
use std::net::SocketAddr;
use tower::ServiceExt;

mod common;
use common::*;

#[tokio::test]
async fn metrics_count_requests_by_route_aws_calls_by_operation_and_limit_rejections() {
    let handle = metrics::install().expect("the only recorder of this test binary");
    let mut cfg = config();
    cfg.rate_limit_per_minute = 1;
    let state = state_with(cfg).await;
    let app = || setup::app(state.clone());
    let res = app().oneshot(Request::get("/healthz").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app().oneshot(Request::get("/no/such/page/42").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let sign_in = || {
        Request::post("/api/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header("sec-fetch-site", "same-origin")
            .extension(ConnectInfo(SocketAddr::from(([10, 9, 8, 7], 40000))))
            .body(Body::from("email=nobody%40example.com&password=Wrong-Password-1"))
            .unwrap()
    };
    assert_eq!(app().oneshot(sign_in()).await.unwrap().status(), StatusCode::FOUND);
    assert_eq!(app().oneshot(sign_in()).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);

    let res = metrics::router(handle).oneshot(Request::get("/metrics").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = String::from_utf8(axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap();
    let has = |needle: &str| text.lines().any(|l| l.starts_with(needle));
    assert!(has(r#"lc_http_requests_total{route="/healthz",status="200"} 1"#), "{text}");
    assert!(has(r#"lc_http_requests_total{route="unmatched",status="404"} 1"#), "{text}");
    assert!(text.contains(r#"status="429"} 1"#), "{text}");
    assert!(!text.contains("/no/such/page"), "raw paths are never labels: {text}");
    // The wrong password reached Cognito: its call was timed and counted as failed.
    let call =
        text.lines().find(|l| l.starts_with("lc_aws_call_seconds_count{") && l.contains(r#"operation="InitiateAuth""#));
    assert!(call.is_some_and(|l| l.ends_with(" 1")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("lc_aws_call_errors_total{") && l.contains("InitiateAuth")), "{text}");
    assert!(has(r#"lc_limit_rejections_total{scope="ip"} 1"#), "{text}");
}
