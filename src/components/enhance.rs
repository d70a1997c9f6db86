//! Behaviour islands: the markup is rendered on the server by an ordinary component, and a
//! small island placed inside it only adds behaviour to that markup once the WASM has loaded.
//!
//! Why not islands that render the markup themselves: Leptos serialises an island's props
//! into the page and decodes them in the browser with serde_json, which alone costs about
//! 27 KB gzip of WASM (measured, see the README's Measurements). A behaviour island has no
//! props; whatever it needs to know is already in the server-rendered markup (`data-`
//! attributes, the label's text), so the browser bundle carries no JSON decoder.

use leptos::prelude::*;

/// The view of a behaviour island: a hidden marker. When the island hydrates, `attach` runs
/// once with the closest ancestor of the marker that matches `root` (a CSS selector).
pub fn behaviour(root: &'static str, attach: fn(leptos::web_sys::Element)) -> impl IntoView {
    // A directive runs with the element as it hydrates (no effect or node ref needed).
    let run = move |marker: leptos::web_sys::Element| {
        if let Some(el) = marker.closest(root).ok().flatten() {
            attach(el);
        }
    };
    view! { <span hidden use:run></span> }
}

/// Small DOM helpers for the behaviours (browser only).
#[cfg(feature = "hydrate")]
pub mod dom {
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{Element, Event};

    /// Calls `f` for every `event` that reaches `el` (bubbling up from its descendants).
    pub fn on(el: &Element, event: &str, f: impl Fn(Event) + 'static) {
        let f = Closure::<dyn Fn(Event)>::new(f);
        let _ = el.add_event_listener_with_callback(event, f.as_ref().unchecked_ref());
        // The listener lives as long as the page.
        f.forget();
    }

    /// The first descendant of `el` matching `selector`.
    pub fn find(el: &Element, selector: &str) -> Option<Element> {
        el.query_selector(selector).ok().flatten()
    }

    /// Sets or removes a boolean attribute (`hidden`, `disabled`, `aria-invalid="true"`).
    pub fn flag(el: &Element, name: &str, on: bool) {
        let _ = if on {
            el.set_attribute(name, if name.starts_with("aria-") { "true" } else { "" })
        } else {
            el.remove_attribute(name)
        };
    }

    /// The text `key` of the closest `Texts` list inside `root` (empty if there is none).
    pub fn text(root: &Element, key: &str) -> String {
        find(root, &format!(".texts [data-key=\"{key}\"]")).and_then(|li| li.text_content()).unwrap_or_default()
    }

    /// The page's message for the error named `name` (see `ErrorTexts`).
    pub fn error_text(name: &str) -> Option<String> {
        let doc = web_sys::window()?.document()?;
        doc.query_selector(&format!(".error-texts [data-name=\"{name}\"]")).ok().flatten()?.text_content()
    }

    /// `el` as an `<input>`, when it is one.
    pub fn as_input(el: &Element) -> Option<&web_sys::HtmlInputElement> {
        el.dyn_ref::<web_sys::HtmlInputElement>()
    }
}

/// Texts for a behaviour, rendered by the server in the page's language into a hidden list
/// inside the island's markup (`dom::text` reads them by key): the browser bundle carries no
/// language's texts.
#[component]
pub fn Texts(texts: Vec<(&'static str, &'static str)>) -> impl IntoView {
    let items = texts.into_iter().map(|(key, text)| view! { <li data-key=key>{text}</li> }).collect_view();
    view! { <ul class="texts" hidden>{items}</ul> }
}

/// The message of every error a behaviour may be answered with, in the page's language, for
/// `call` to show (once per page that has a behaviour calling the server).
#[component]
pub fn ErrorTexts() -> impl IntoView {
    let items = crate::error::AppError::fixed()
        .into_iter()
        .map(|e| view! { <li data-name=e.name()>{e.message()}</li> })
        .collect_view();
    view! { <ul class="error-texts" hidden>{items}</ul> }
}

/// Calls a server function as its own client would (a form body, a JSON answer), without the
/// server-function client and serde_json: the answer is read by the browser's `JSON.parse`,
/// which keeps the islands' chunks small. `Ok` is the answer's JSON text; `Err(Some)` the
/// message of the `AppError` the server answered with (its text, or the page's `ErrorTexts`);
/// `Err(None)` no readable answer (offline, a proxy's page).
#[cfg(feature = "hydrate")]
pub async fn call(url: &str, form: String) -> Result<String, Option<String>> {
    use wasm_bindgen::JsCast;
    let response = gloo_net::http::Request::post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(form)
        .map_err(|_| None)?
        .send()
        .await
        .map_err(|_| None)?;
    let body = response.text().await.map_err(|_| None)?;
    if response.ok() {
        return Ok(body);
    }
    // The rate limiter's and the proxy's answers are not JSON: their status says enough.
    let by_status = || match response.status() {
        429 => dom::error_text("TooManyRequests"),
        502..=504 => dom::error_text("Unavailable"),
        _ => None,
    };
    let error = js_sys::JSON::parse(&body).map_err(|_| by_status())?;
    // `"NotSignedIn"`, or `{"InvalidInput": "text"}`: the names serde gives `AppError`.
    let variant = error
        .as_string()
        .or_else(|| js_sys::Object::keys(error.unchecked_ref::<js_sys::Object>()).get(0).as_string())
        .ok_or(None)?;
    let text = js_sys::Reflect::get(&error, &variant.as_str().into()).ok().and_then(|v| v.as_string());
    Err(match variant.as_str() {
        "InvalidInput" => text,
        // A wait in seconds reads as "wait a minute" here (there is no countdown).
        "TooManyRequestsFor" => dom::error_text("TooManyRequests"),
        name => dom::error_text(name),
    })
}

/// The form value of `s` (`encodeURIComponent`).
#[cfg(feature = "hydrate")]
pub fn form_value(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}

#[cfg(test)]
mod tests {
    /// An island with props would bring serde_json back into the browser bundle (about 27 KB
    /// gzip): every island is a behaviour island without props.
    #[test]
    fn no_island_takes_props() {
        let mut islands = 0;
        for (path, text) in crate::source_files() {
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if line.trim_start().starts_with("#[island") {
                    islands += 1;
                    let signature = lines[i + 1].trim();
                    assert!(
                        signature.starts_with("pub fn ") && signature.contains("() -> impl IntoView"),
                        "{path}:{}: an island with props: {signature}",
                        i + 2
                    );
                }
            }
        }
        assert!(islands >= 5, "found only {islands} islands: is the scan still reading the sources?");
    }
}
