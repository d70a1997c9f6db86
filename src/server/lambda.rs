//! Inside AWS Lambda (the `lambda` feature; the binary is started by the Lambda runtime, which
//! sets `AWS_LAMBDA_RUNTIME_API`): the same router as `serve`, fed events by `lambda_http`
//! from a function URL. Lambda has no socket, so the client's address, which the limits key
//! on, comes from the request context; a request without one is refused, never counted as
//! some shared `0.0.0.0`.

use super::setup;
use axum::{body::Body, extract::ConnectInfo, http::StatusCode, response::IntoResponse};
use lambda_http::{RequestExt, request::RequestContext};
use std::net::{IpAddr, SocketAddr};
use tower::ServiceExt;

/// The client's address as the function URL (or an HTTP API) saw it.
pub fn source_ip(req: &lambda_http::Request) -> Option<IpAddr> {
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context.http.source_ip.as_deref()?.parse().ok(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// A Lambda event as the router's request: the body as bytes, the client's address as the
/// peer. `None` when the context names no client.
pub fn to_router_request(req: lambda_http::Request) -> Option<axum::extract::Request> {
    let ip = source_ip(&req)?;
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(ConnectInfo(SocketAddr::new(ip, 0)));
    Some(axum::extract::Request::from_parts(parts, Body::from(body.to_vec())))
}

/// Answers Cognito's CustomMessage trigger events (a function whose handler is
/// `custom-message`) until the runtime stops the process.
pub async fn serve_custom_message() -> Result<(), String> {
    let brand = super::custom_message::brand()?;
    tracing::info!("answering Cognito CustomMessage trigger events");
    let handler = lambda_http::service_fn(move |event: lambda_http::LambdaEvent<serde_json::Value>| {
        let answer = super::custom_message::respond(event.payload, &brand);
        async move { Ok::<_, lambda_http::Error>(answer) }
    });
    lambda_http::lambda_runtime::run(handler).await.map_err(|e| e.to_string())
}

/// Answers Lambda's events until the runtime stops the process.
pub async fn serve() -> Result<(), String> {
    let state = setup::state().await?;
    if state.config.limits_store == crate::server::config::LimitsStore::Memory {
        // Each concurrent execution is an instance of its own: a session started on one would be
        // unknown to the others (and limits would count per instance).
        tracing::warn!(
            "limits.store is \"memory\" on Lambda: sessions and limits are per instance; set limits.store = \"dynamodb\""
        );
    }
    let router = setup::app(state);
    tracing::info!("serving AWS Lambda events");
    let service = tower::service_fn(move |req: lambda_http::Request| {
        let router = router.clone();
        async move {
            match to_router_request(req) {
                Some(req) => router.oneshot(req).await,
                None => {
                    tracing::warn!("a Lambda event without the client's address: refused");
                    Ok((StatusCode::BAD_REQUEST, "This request names no client address.").into_response())
                }
            }
        }
    });
    lambda_http::run(service).await.map_err(|e| format!("lambda runtime: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::aws_lambda_events::apigw::{
        ApiGatewayV2httpRequestContext, ApiGatewayV2httpRequestContextHttpDescription,
    };

    fn event(source_ip: Option<&str>) -> lambda_http::Request {
        let mut http = ApiGatewayV2httpRequestContextHttpDescription::default();
        http.source_ip = source_ip.map(str::to_string);
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.http = http;
        lambda_http::Request::new(lambda_http::Body::from("email=a%40example.com"))
            .with_request_context(RequestContext::ApiGatewayV2(context))
    }

    #[test]
    fn the_client_address_comes_from_the_request_context() {
        let req = to_router_request(event(Some("203.0.113.7"))).expect("an address");
        let ConnectInfo(peer) = *req.extensions().get::<ConnectInfo<SocketAddr>>().unwrap();
        assert_eq!(peer.ip(), "203.0.113.7".parse::<IpAddr>().unwrap());
        assert_eq!(source_ip(&event(Some("2001:db8::1"))), Some("2001:db8::1".parse().unwrap()));
    }

    #[test]
    fn an_event_without_a_client_address_is_refused_not_counted_as_0_0_0_0() {
        assert!(to_router_request(event(None)).is_none());
        assert!(to_router_request(event(Some("not an address"))).is_none());
        assert!(to_router_request(lambda_http::Request::new(lambda_http::Body::Empty)).is_none());
    }
}
