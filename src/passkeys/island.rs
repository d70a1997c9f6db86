//! The passkey island (a behaviour island; see `components::enhance`): on the sign-in
//! page it asks the server for Cognito's request options for the email typed, has the browser
//! sign them with a passkey (`navigator.credentials.get`) and sends the answer back; in Settings
//! it sends the password, has the browser create a passkey (`navigator.credentials.create`) and
//! sends the new credential. The options and answers are WebAuthn's JSON forms
//! (`PublicKeyCredential.parseRequestOptionsFromJSON`, `toJSON`), passed through as text, so the
//! island needs no JSON library. The island itself only enables the button; the work is a lazy
//! function (`run`, its own WASM chunk with `--split`) that the browser fetches when the person
//! first uses the button, so the sign-in page does not download it up front.

use crate::components::enhance::behaviour;
use leptos::prelude::*;

#[island]
pub fn PasskeyBehaviour() -> impl IntoView {
    behaviour(".passkey", attach)
}

#[cfg(not(feature = "hydrate"))]
fn attach(_: leptos::web_sys::Element) {}

#[cfg(feature = "hydrate")]
fn attach(root: web_sys::Element) {
    use crate::components::enhance::dom;
    let (Some(button), Some(error)) = (dom::find(&root, ".passkey-action"), dom::find(&root, "p.message.error")) else {
        return;
    };
    if let Some(note) = dom::find(&root, ".needs-js") {
        dom::flag(&note, "hidden", true);
    }
    let show = move |message: &str| {
        dom::flag(&error, "hidden", message.is_empty());
        error.set_text_content(Some(message));
    };
    if !supported() {
        show("This browser cannot use passkeys.");
        return;
    }
    dom::flag(&button, "disabled", false);
    let register = root.get_attribute("data-mode").as_deref() == Some("register");
    let target = if register { root.clone() } else { button.clone() };
    dom::on(&target, if register { "submit" } else { "click" }, move |event| {
        event.prevent_default();
        show("");
        let (root, button, show) = (root.clone(), button.clone(), show.clone());
        dom::flag(&button, "disabled", true);
        leptos::task::spawn_local(async move {
            if let Err(message) = run(root, register).await {
                show(&message);
                dom::flag(&button, "disabled", false);
            }
        });
    });
}

/// Adds a passkey (Settings) or signs in with one; loaded on first use.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
async fn run(root: web_sys::Element, register: bool) -> Result<(), String> {
    if register { add(&root).await } else { sign_in(&root).await }
}

/// The browser has WebAuthn and its JSON helpers.
#[cfg(feature = "hydrate")]
fn supported() -> bool {
    let pkc = js_sys::Reflect::get(&window(), &"PublicKeyCredential".into()).unwrap_or_default();
    !pkc.is_undefined() && js_sys::Reflect::has(&pkc, &"parseRequestOptionsFromJSON".into()).unwrap_or(false)
}

/// The value of the `name` input of the form `el` is in.
#[cfg(feature = "hydrate")]
fn field(el: &web_sys::Element, name: &str) -> String {
    let form = el.closest("form").ok().flatten();
    let input = form.and_then(|f| crate::components::enhance::dom::find(&f, &format!("input[name={name}]")));
    input.as_ref().and_then(crate::components::enhance::dom::as_input).map(|i| i.value()).unwrap_or_default()
}

#[cfg(feature = "hydrate")]
async fn sign_in(root: &web_sys::Element) -> Result<(), String> {
    use super::api::{PasskeySignIn, PasskeySignInOptions};
    use crate::components::enhance::form_value;
    use leptos::server_fn::ServerFn;
    let email = field(root, "email");
    if email.trim().is_empty() {
        return Err("Enter your email address, then choose \u{201c}Use a passkey\u{201d}.".into());
    }
    let options = call(PasskeySignInOptions::url(), format!("email={}", form_value(&email))).await?;
    let credential = credential("get", "parseRequestOptionsFromJSON", &options).await?;
    let to = call(PasskeySignIn::url(), format!("credential={}", form_value(&credential))).await?;
    let to = js_sys::JSON::parse(&to).ok().and_then(|v| v.as_string()).unwrap_or_else(|| "/".into());
    let _ = window().location().assign(&to);
    Ok(())
}

#[cfg(feature = "hydrate")]
async fn add(root: &web_sys::Element) -> Result<(), String> {
    use super::api::{AddPasskey, PasskeyRegistrationOptions};
    use crate::components::enhance::form_value;
    use leptos::server_fn::ServerFn;
    let password = field(root, "passkey_password");
    let options =
        call(PasskeyRegistrationOptions::url(), format!("passkey_password={}", form_value(&password))).await?;
    let credential = credential("create", "parseCreationOptionsFromJSON", &options).await?;
    call(AddPasskey::url(), format!("credential={}", form_value(&credential))).await?;
    // The page lists the new passkey and says it was added.
    let _ = window().location().reload();
    Ok(())
}

/// A server function's answer, or the message of its error.
#[cfg(feature = "hydrate")]
async fn call(url: &str, form: String) -> Result<String, String> {
    crate::components::enhance::call(url, form).await.map_err(|e| {
        e.map_or_else(
            || "The server could not be reached. Check your connection and try again.".into(),
            |e| e.message(),
        )
    })
}

/// `navigator.credentials[method]({publicKey: PublicKeyCredential[parser](options)})` as JSON.
/// `answer` is the server function's answer: a JSON string holding the options' JSON.
#[cfg(feature = "hydrate")]
async fn credential(method: &str, parser: &str, answer: &str) -> Result<String, String> {
    use js_sys::{Function, JSON, Object, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let unusable = |_| "This browser could not use the passkey options. Please try again.".to_string();
    let text = JSON::parse(answer).ok().and_then(|v| v.as_string()).ok_or_else(|| unusable(JsValue::NULL))?;
    let options = JSON::parse(&text).map_err(unusable)?;
    let pkc = Reflect::get(&window(), &"PublicKeyCredential".into()).map_err(unusable)?;
    let parse: Function = Reflect::get(&pkc, &parser.into()).map_err(unusable)?.dyn_into().map_err(unusable)?;
    let public_key = parse.call1(&pkc, &options).map_err(unusable)?;
    let request = Object::new();
    Reflect::set(&request, &"publicKey".into(), &public_key).map_err(unusable)?;
    let navigator = Reflect::get(&window(), &"navigator".into()).map_err(unusable)?;
    let credentials = Reflect::get(&navigator, &"credentials".into()).map_err(unusable)?;
    let run: Function = Reflect::get(&credentials, &method.into()).map_err(unusable)?.dyn_into().map_err(unusable)?;
    let promise: Promise = run.call1(&credentials, &request).map_err(unusable)?.dyn_into().map_err(unusable)?;
    let credential = wasm_bindgen_futures::JsFuture::from(promise).await.map_err(|e| {
        let name = Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
        browser_refusal(&name, method == "create")
    })?;
    JSON::stringify(&credential).ok().and_then(|s| s.as_string()).ok_or_else(|| unusable(JsValue::NULL))
}

/// What the person is told when the browser refused, by the `DOMException`'s name.
#[cfg(any(feature = "hydrate", test))]
fn browser_refusal(name: &str, creating: bool) -> String {
    match name {
        "NotAllowedError" => "The passkey was not used (it was cancelled or timed out). Try again, or use another way.",
        "InvalidStateError" if creating => "This device or security key already has a passkey for your account.",
        "SecurityError" => "Passkeys cannot be used at this address. Open the site at its usual address and try again.",
        _ => "This browser could not use the passkey. Try again, or use another way.",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_browser_refusal_is_explained() {
        assert!(super::browser_refusal("NotAllowedError", false).contains("cancelled"));
        assert!(super::browser_refusal("InvalidStateError", true).contains("already has a passkey"));
        assert!(super::browser_refusal("InvalidStateError", false).starts_with("This browser could not"));
    }
}
