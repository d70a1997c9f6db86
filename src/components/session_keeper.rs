//! Keeps a signed-in page's session alive: shortly before the access token expires it asks
//! the server (whose middleware refreshes the tokens into new cookies) and schedules the next
//! check. When the server says the session has ended, it shows a clear "sign in again"
//! message. A network failure is retried; it never signs anyone out by itself.

use super::enhance::behaviour;
use leptos::prelude::*;

#[component]
pub fn SessionKeeper(expires_at: u64) -> impl IntoView {
    view! {
        <div class="session-keeper" data-expires-at=expires_at
            data-expired=crate::i18n::t::common::SESSION_EXPIRED.text()
            data-sign-in-again=crate::i18n::t::common::SIGN_IN_AGAIN.text()>
            <SessionKeeperBehaviour/>
        </div>
    }
}

#[island(lazy)]
pub fn SessionKeeperBehaviour() -> impl IntoView {
    behaviour(".session-keeper", attach)
}

#[cfg(feature = "hydrate")]
fn attach(keeper: web_sys::Element) {
    let expires_at = keeper.get_attribute("data-expires-at").and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
    leptos::task::spawn_local(async move {
        keep_alive(expires_at).await;
        show_expired(&keeper);
    });
}

#[cfg(not(feature = "hydrate"))]
fn attach(_: leptos::web_sys::Element) {}

/// Returns once the server says the session has ended.
#[cfg(feature = "hydrate")]
async fn keep_alive(mut expires_at: u64) {
    /// Ask this long before expiry; the server refreshes within 60 s of it.
    const AHEAD: u64 = 50;
    let now = || (js_sys::Date::now() / 1000.0) as u64;
    loop {
        let wait = expires_at.saturating_sub(AHEAD).saturating_sub(now()).max(5);
        gloo_timers::future::sleep(std::time::Duration::from_secs(wait)).await;
        match session_status().await {
            Ok(Some(next)) => expires_at = next,
            Ok(None) => return,
            // Offline, or the server could not answer: try again in 30 s.
            Err(()) => expires_at = now() + AHEAD + 30,
        }
    }
}

/// Calls the `session_status` server function: when the access token now expires, or `None`
/// when the session has ended. Its answer is one JSON number or `null`, read here without a
/// JSON library so that this island's chunk stays small.
#[cfg(feature = "hydrate")]
async fn session_status() -> Result<Option<u64>, ()> {
    use crate::auth::api::SessionStatus;
    use leptos::server_fn::ServerFn;
    let response = gloo_net::http::Request::post(SessionStatus::url())
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|_| ())?;
    if !response.ok() {
        return Err(());
    }
    parse_status(&response.text().await.map_err(|_| ())?)
}

/// `null` → `None`, a number → `Some`, anything else is an error.
#[cfg(any(feature = "hydrate", test))]
fn parse_status(body: &str) -> Result<Option<u64>, ()> {
    match body.trim() {
        "null" => Ok(None),
        n => n.parse().map(Some).map_err(|_| ()),
    }
}

/// Adds the "sign in again" alert: inserted, so screen readers announce it.
#[cfg(feature = "hydrate")]
fn show_expired(keeper: &web_sys::Element) {
    let Some(doc) = keeper.owner_document() else { return };
    let (Ok(p), Ok(a)) = (doc.create_element("p"), doc.create_element("a")) else { return };
    let _ = p.set_attribute("class", "message error session-expired");
    let _ = p.set_attribute("role", "alert");
    p.set_text_content(Some(&format!("{} ", keeper.get_attribute("data-expired").unwrap_or_default())));
    let _ = a.set_attribute("href", crate::routes::SIGN_IN);
    a.set_text_content(Some(&keeper.get_attribute("data-sign-in-again").unwrap_or_default()));
    let _ = p.append_child(&a);
    let _ = keeper.append_child(&p);
}

#[cfg(test)]
mod tests {
    use super::parse_status;

    #[test]
    fn the_status_answer_is_read_without_a_json_library() {
        assert_eq!(parse_status("1767225600"), Ok(Some(1_767_225_600)));
        assert_eq!(parse_status(" null\n"), Ok(None));
        assert_eq!(parse_status("{\"error\":\"x\"}"), Err(()));
        assert_eq!(parse_status(""), Err(()));
    }
}
