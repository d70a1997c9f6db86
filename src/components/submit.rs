//! A form's submit button. With WASM it shows a pending state ("Please wait…", `aria-busy`)
//! once pressed and ignores further presses, so a slow Cognito answer is not sent twice;
//! without WASM it is a plain submit button.

use super::enhance::behaviour;
use leptos::prelude::*;

#[component]
pub fn SubmitButton(#[prop(into)] label: String) -> impl IntoView {
    // What the button says while the form is being sent.
    let pending = crate::i18n::t::common::PLEASE_WAIT.text();
    view! {
        <button type="submit" aria-busy="false" data-pending=pending>
            {label}
            <SubmitBehaviour/>
        </button>
    }
}

/// The pending state, added to the server-rendered button.
#[island]
pub fn SubmitBehaviour() -> impl IntoView {
    behaviour("button", attach)
}

#[cfg(feature = "hydrate")]
fn attach(button: web_sys::Element) {
    use wasm_bindgen::JsCast;
    let el = button.clone();
    super::enhance::dom::on(&button, "click", move |ev| {
        if el.get_attribute("aria-busy").as_deref() == Some("true") {
            ev.prevent_default();
            return;
        }
        // When the browser's own checks stop the form (an empty required field), it stays ready.
        let form = el.dyn_ref::<web_sys::HtmlButtonElement>().and_then(|b| b.form());
        if form.is_some_and(|f| !f.no_validate() && !f.check_validity()) {
            return;
        }
        let _ = el.set_attribute("aria-busy", "true");
        el.set_text_content(Some(&el.get_attribute("data-pending").unwrap_or_default()));
    });
}

#[cfg(not(feature = "hydrate"))]
fn attach(_: leptos::web_sys::Element) {}
