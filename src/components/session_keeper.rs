//! Keeps a signed-in page's session alive: shortly before the access token expires it asks
//! the server (whose middleware refreshes the tokens into new cookies) and schedules the next
//! check. When the server says the session has ended, it shows a clear "sign in again"
//! message. A network failure is retried; it never signs anyone out by itself.

use leptos::prelude::*;

#[island(lazy)]
pub fn SessionKeeper(expires_at: u64) -> impl IntoView {
    let (expired, set_expired) = signal(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        leptos::task::spawn_local(keep_alive(expires_at, set_expired));
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (expires_at, set_expired);
    view! {
        <Show when=move || expired.get()>
            <p class="message error session-expired" role="alert">
                "Your session has expired. " <a href=crate::routes::SIGN_IN>"Sign in again"</a>
            </p>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
async fn keep_alive(mut expires_at: u64, set_expired: WriteSignal<bool>) {
    use crate::auth::api::session_status;
    /// Ask this long before expiry; the server refreshes within 60 s of it.
    const AHEAD: u64 = 50;
    loop {
        let now = (js_sys::Date::now() / 1000.0) as u64;
        let wait = expires_at.saturating_sub(AHEAD).saturating_sub(now).max(5);
        gloo_timers::future::sleep(std::time::Duration::from_secs(wait)).await;
        match session_status().await {
            Ok(Some(next)) => expires_at = next,
            Ok(None) => {
                set_expired.set(true);
                return;
            }
            // Offline or the server is unreachable: try again in 30 s.
            Err(_) => expires_at = (js_sys::Date::now() / 1000.0) as u64 + AHEAD + 30,
        }
    }
}
