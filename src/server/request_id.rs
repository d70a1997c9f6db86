//! A short random id for every request. It is a field of the tracing span around the request,
//! so every log line the request causes carries it (text or JSON logs), it is sent back in the
//! `x-request-id` header, and pages and messages about a server error show it, so a person
//! can quote it and an operator can find the log lines.

use axum::{extract::Request, http::HeaderValue, middleware::Next, response::Response};
use tracing::Instrument;

/// The id of one request, in the request's extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(pub String);

/// 16 hex digits.
pub fn new_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// The outermost middleware: gives the request its id and its span.
pub async fn layer(mut req: Request, next: Next) -> Response {
    let id = new_id();
    req.extensions_mut().insert(RequestId(id.clone()));
    // At ERROR level, so that any log filter that lets a line through also records its span.
    let span = tracing::error_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    let mut res = next.run(req).instrument(span).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// The id of the request being served, inside a server function or a page render.
pub fn current() -> Option<String> {
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
    parts.extensions.get::<RequestId>().map(|r| r.0.clone())
}

/// `message` with the request's reference appended, for errors that are ours to fix.
pub fn with_reference(message: String) -> String {
    match current() {
        Some(id) => format!("{message} {}", crate::i18n::t::errors::REFERENCE.fill(&[("id", &id)])),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_16_hex_digits_and_differ() {
        let (a, b) = (new_id(), new_id());
        assert!(a.len() == 16 && a.chars().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, b);
    }
}
