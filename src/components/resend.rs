//! The "resend code" button. With WASM it counts down the seconds until the server will
//! accept another resend; without WASM it is a plain submit button (the server still enforces
//! the wait and says so).

use super::enhance::behaviour;
use leptos::prelude::*;

#[component]
pub fn ResendButton(seconds_left: u64) -> impl IntoView {
    use crate::i18n::t::common as t;
    view! {
        <button type="submit" class="secondary" data-seconds-left=seconds_left
            data-label=t::RESEND_CODE.text() data-label-wait=t::RESEND_CODE_IN.text()>
            {t::RESEND_CODE.text()}
            <ResendBehaviour/>
        </button>
    }
}

/// What the button says with `left` seconds to wait (`label`, or `wait` with `{seconds}`).
pub fn resend_label(left: u64, label: &str, wait: &str) -> String {
    if left == 0 { label.to_string() } else { wait.replace("{seconds}", &left.to_string()) }
}

/// The countdown, added to the server-rendered button. Disabled only by the behaviour:
/// without WASM nothing would ever enable it again.
#[island(lazy)]
pub fn ResendBehaviour() -> impl IntoView {
    behaviour("button", attach)
}

#[cfg(feature = "hydrate")]
fn attach(button: web_sys::Element) {
    let left = button.get_attribute("data-seconds-left").and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
    tick(button, left);
}

/// Shows `left`, then counts down once a second until the button can be used.
#[cfg(feature = "hydrate")]
fn tick(button: web_sys::Element, left: u64) {
    super::enhance::dom::flag(&button, "disabled", left > 0);
    let text = |name: &str| button.get_attribute(name).unwrap_or_default();
    button.set_text_content(Some(&resend_label(left, &text("data-label"), &text("data-label-wait"))));
    if left > 0 {
        gloo_timers::callback::Timeout::new(1_000, move || tick(button, left - 1)).forget();
    }
}

#[cfg(not(feature = "hydrate"))]
fn attach(_: leptos::web_sys::Element) {}
