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
    let Some(button) = dom::find(&root, ".passkey-action") else {
        return;
    };
    if let Some(note) = dom::find(&root, ".needs-js") {
        dom::flag(&note, "hidden", true);
    }
    if !supported() {
        show(&root, &dom::text(&root, "unsupported"));
        return;
    }
    dom::flag(&button, "disabled", false);
    let register = root.get_attribute("data-mode").as_deref() == Some("register");
    if !register {
        offer_autofill(&root);
    }
    let target = if register { root.clone() } else { button.clone() };
    dom::on(&target, if register { "submit" } else { "click" }, move |event| {
        // The form's other submit button ("Email me a code instead") posts the form as usual.
        if register && submitter(&event).is_some_and(|s| s != button) {
            return;
        }
        event.prevent_default();
        show(&root, "");
        let (root, button) = (root.clone(), button.clone());
        dom::flag(&button, "disabled", true);
        leptos::task::spawn_local(async move {
            if let Err(message) = run(root.clone(), if register { Mode::Add } else { Mode::SignIn }).await {
                show(&root, &message);
            }
            // Ready again (when the page is not already on its way elsewhere).
            dom::flag(&button, "disabled", false);
        });
    });
}

/// Shows `message` in the passkey part's alert (hidden when empty).
#[cfg(feature = "hydrate")]
fn show(root: &web_sys::Element, message: &str) {
    use crate::components::enhance::dom;
    if let Some(error) = dom::find(root, "p.message.error") {
        dom::flag(&error, "hidden", message.is_empty());
        error.set_text_content(Some(message));
    }
}

/// The button that sent a `submit` event.
#[cfg(feature = "hydrate")]
fn submitter(event: &web_sys::Event) -> Option<web_sys::Element> {
    use wasm_bindgen::JsCast;
    js_sys::Reflect::get(event, &"submitter".into()).ok().and_then(|s| s.dyn_into().ok())
}

/// Passkey autofill (WebAuthn's conditional mediation), where the browser has it: Cognito issues
/// a passkey challenge only for a named account, so once an email is typed the island asks for
/// the options and starts a request the browser answers from its autofill list (the email and
/// password fields are marked `webauthn`), without the person choosing "Use a passkey".
#[cfg(feature = "hydrate")]
fn offer_autofill(root: &web_sys::Element) {
    use crate::components::enhance::dom;
    let form = root.closest("form").ok().flatten();
    let Some(email) = form.and_then(|f| dom::find(&f, "input[name=email]")) else {
        return;
    };
    let root = root.clone();
    dom::on(&email, "change", move |_| {
        let root = root.clone();
        leptos::task::spawn_local(async move {
            if !conditional_mediation().await {
                return;
            }
            if let Err(message) = run(root.clone(), Mode::Autofill).await {
                show(&root, &message);
            }
        });
    });
}

/// `PublicKeyCredential.isConditionalMediationAvailable()`.
#[cfg(feature = "hydrate")]
async fn conditional_mediation() -> bool {
    use js_sys::{Function, Promise, Reflect};
    use wasm_bindgen::JsCast;
    let Ok(pkc) = Reflect::get(&window(), &"PublicKeyCredential".into()) else { return false };
    let Some(check) =
        Reflect::get(&pkc, &"isConditionalMediationAvailable".into()).ok().and_then(|f| f.dyn_into::<Function>().ok())
    else {
        return false;
    };
    let Some(promise) = check.call0(&pkc).ok().and_then(|p| p.dyn_into::<Promise>().ok()) else { return false };
    wasm_bindgen_futures::JsFuture::from(promise).await.ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

/// What the island was asked to do.
#[cfg(feature = "hydrate")]
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// "Use a passkey" pressed.
    SignIn,
    /// An email was typed: the browser's autofill may answer.
    Autofill,
    /// Settings: "Add a passkey".
    Add,
}

/// Adds a passkey (Settings) or signs in with one; loaded on first use.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
async fn run(root: web_sys::Element, mode: Mode) -> Result<(), String> {
    match mode {
        Mode::Add => add(&root).await,
        Mode::SignIn => sign_in(&root, false).await,
        Mode::Autofill => sign_in(&root, true).await,
    }
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

/// The sign-in requests of this page, one at a time: the browser allows one pending
/// `navigator.credentials` request. The button ends a pending autofill request and uses the
/// options it fetched (each carries its own step) rather than asking Cognito again; the autofill
/// never interrupts anything.
#[cfg(feature = "hydrate")]
#[derive(Default)]
struct Flow {
    /// Counts requests; an older one that sees a newer count stops quietly.
    generation: u32,
    phase: Phase,
    /// The button's request is under way: no autofill starts meanwhile.
    button: bool,
    /// Options fetched but not yet answered: the email, the answer, when (ms since the epoch).
    prepared: Option<(String, String, f64)>,
}

#[cfg(feature = "hydrate")]
#[derive(Default)]
enum Phase {
    #[default]
    Idle,
    /// Options are being fetched.
    Fetching,
    /// The browser has the request (for this email); the abort ends it.
    Asking(Option<web_sys::AbortController>, String),
    /// The browser's answer is on its way to the server.
    Answering,
}

#[cfg(feature = "hydrate")]
thread_local! {
    static FLOW: std::cell::RefCell<Flow> = std::cell::RefCell::new(Flow::default());
}

/// Options younger than this are used again: Cognito's step lasts 3 minutes.
#[cfg(feature = "hydrate")]
const PREPARED_MS: f64 = 120_000.0;

#[cfg(feature = "hydrate")]
async fn sign_in(root: &web_sys::Element, autofill: bool) -> Result<(), String> {
    let email = field(root, "email").trim().to_lowercase();
    if email.is_empty() {
        return if autofill { Ok(()) } else { Err(enter_email(root)) };
    }
    // Some(generation) when this request goes ahead.
    let start = FLOW.with(|f| {
        let mut f = f.borrow_mut();
        match (&f.phase, autofill) {
            (_, true) if f.button => return None,
            (Phase::Idle, _) => {}
            // The email was changed while the autofill waited: it offers the new one's instead.
            (Phase::Asking(abort, asked), true) if *asked != email => {
                if let Some(abort) = abort {
                    abort.abort();
                }
            }
            (_, true) | (Phase::Answering, false) => return None,
            (Phase::Asking(abort, _), false) => {
                if let Some(abort) = abort {
                    abort.abort();
                }
            }
            (Phase::Fetching, false) => {}
        }
        f.button |= !autofill;
        f.generation += 1;
        Some(f.generation)
    });
    let Some(generation) = start else { return Ok(()) };
    let result = ask(root, autofill, &email, generation).await;
    if !autofill {
        FLOW.with(|f| f.borrow_mut().button = false);
    }
    result
}

/// The rest of `sign_in`, for the request numbered `generation`.
#[cfg(feature = "hydrate")]
async fn ask(root: &web_sys::Element, autofill: bool, email: &str, generation: u32) -> Result<(), String> {
    use super::api::{PasskeySignIn, PasskeySignInOptions};
    use crate::components::enhance::form_value;
    use leptos::server_fn::ServerFn;
    let email = email.to_string();
    let set_phase = |phase| FLOW.with(|f| f.borrow_mut().phase = phase);
    let current = || FLOW.with(|f| f.borrow().generation == generation);
    while FLOW.with(|f| matches!(f.borrow().phase, Phase::Fetching)) {
        gloo_timers::future::TimeoutFuture::new(50).await;
    }
    if !current() {
        return Ok(());
    }
    let reusable = FLOW.with(|f| {
        f.borrow_mut().prepared.take().filter(|(e, _, at)| *e == email && js_sys::Date::now() - at < PREPARED_MS)
    });
    let (options, fetched_at) = match reusable {
        // Their age is kept: Cognito's step ends 3 minutes after it was issued.
        Some((_, options, at)) => (options, at),
        None => {
            set_phase(Phase::Fetching);
            let fetched = call(root, PasskeySignInOptions::url(), format!("email={}", form_value(&email))).await;
            set_phase(Phase::Idle);
            match fetched {
                Ok(options) => (options, js_sys::Date::now()),
                // The autofill is an offer: when it cannot be made, the button still works.
                Err(_) if autofill => return Ok(()),
                Err(message) => return Err(message),
            }
        }
    };
    FLOW.with(|f| f.borrow_mut().prepared = Some((email.clone(), options.clone(), fetched_at)));
    if !current() {
        return Ok(());
    }
    let abort = web_sys::AbortController::new().ok();
    set_phase(Phase::Asking(abort.clone(), email.clone()));
    let asked = credential(root, "get", "parseRequestOptionsFromJSON", &options, autofill, abort).await;
    if !current() {
        return Ok(());
    }
    set_phase(Phase::Idle);
    let credential = match asked {
        Ok(credential) => credential,
        // Ended by the button, which carries on.
        Err(None) => return Ok(()),
        // The autofill was not chosen (or the device said no): nothing was asked of the person.
        Err(Some(_)) if autofill => return Ok(()),
        Err(Some(message)) => return Err(message),
    };
    // Cognito answers each step once.
    FLOW.with(|f| f.borrow_mut().prepared = None);
    set_phase(Phase::Answering);
    let form = format!("credential={}&step={}", form_value(&credential), form_value(&step_of(&options)));
    let answered = call(root, PasskeySignIn::url(), form).await;
    set_phase(Phase::Idle);
    let to = js_sys::JSON::parse(&answered?).ok().and_then(|v| v.as_string()).unwrap_or_else(|| "/".into());
    let _ = window().location().assign(&to);
    Ok(())
}

#[cfg(feature = "hydrate")]
async fn add(root: &web_sys::Element) -> Result<(), String> {
    use super::api::{AddPasskey, PasskeyRegistrationOptions};
    use crate::components::enhance::form_value;
    use leptos::server_fn::ServerFn;
    let password = field(root, "passkey_password");
    // Present when the account has an authenticator app on (empty otherwise).
    let code = field(root, "passkey_totp");
    let form = format!("passkey_password={}&passkey_totp={}", form_value(&password), form_value(&code));
    let options = call(root, PasskeyRegistrationOptions::url(), form).await?;
    let credential = credential(root, "create", "parseCreationOptionsFromJSON", &options, false, None)
        .await
        .map_err(|e| e.unwrap_or_else(|| crate::components::enhance::dom::text(root, "not_added")))?;
    call(root, AddPasskey::url(), format!("credential={}", form_value(&credential))).await?;
    // The page lists the new passkey and says it was added.
    let _ = window().location().reload();
    Ok(())
}

/// A server function's answer, or the message of its error.
#[cfg(feature = "hydrate")]
async fn call(root: &web_sys::Element, url: &str, form: String) -> Result<String, String> {
    crate::components::enhance::call(url, form)
        .await
        .map_err(|e| e.unwrap_or_else(|| crate::components::enhance::dom::text(root, "unreachable")))
}

/// "Enter your email address, then choose “Use a passkey”." in the page's language, naming the
/// button as it reads.
#[cfg(feature = "hydrate")]
fn enter_email(root: &web_sys::Element) -> String {
    use crate::components::enhance::dom;
    let button = dom::find(root, ".passkey-action").and_then(|b| b.text_content()).unwrap_or_default();
    dom::text(root, "enter_email").replace("{button}", button.trim())
}

/// The sealed step the server put beside the options (`answer` as for `credential`), which goes
/// back with the browser's answer.
#[cfg(feature = "hydrate")]
fn step_of(answer: &str) -> String {
    use js_sys::{JSON, Reflect};
    let options = JSON::parse(answer).ok().and_then(|v| v.as_string()).and_then(|t| JSON::parse(&t).ok());
    options.and_then(|o| Reflect::get(&o, &"step".into()).ok()).and_then(|s| s.as_string()).unwrap_or_default()
}

/// `navigator.credentials[method]({publicKey: PublicKeyCredential[parser](options)})` as JSON,
/// with `mediation: "conditional"` for the autofill and `abort`'s signal. `answer` is the server
/// function's answer: a JSON string holding the options' JSON. `Err(None)`: the request was aborted.
#[cfg(feature = "hydrate")]
async fn credential(
    root: &web_sys::Element,
    method: &str,
    parser: &str,
    answer: &str,
    conditional: bool,
    abort: Option<web_sys::AbortController>,
) -> Result<String, Option<String>> {
    use crate::components::enhance::dom;
    use js_sys::{Function, JSON, Object, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let unusable = |_| Some(dom::text(root, "options_unusable"));
    let text = JSON::parse(answer).ok().and_then(|v| v.as_string()).ok_or_else(|| unusable(JsValue::NULL))?;
    let options = JSON::parse(&text).map_err(unusable)?;
    let pkc = Reflect::get(&window(), &"PublicKeyCredential".into()).map_err(unusable)?;
    let parse: Function = Reflect::get(&pkc, &parser.into()).map_err(unusable)?.dyn_into().map_err(unusable)?;
    let public_key = parse.call1(&pkc, &options).map_err(unusable)?;
    let request = Object::new();
    Reflect::set(&request, &"publicKey".into(), &public_key).map_err(unusable)?;
    if conditional {
        Reflect::set(&request, &"mediation".into(), &"conditional".into()).map_err(unusable)?;
    }
    if let Some(abort) = abort {
        Reflect::set(&request, &"signal".into(), &abort.signal()).map_err(unusable)?;
    }
    let navigator = Reflect::get(&window(), &"navigator".into()).map_err(unusable)?;
    let credentials = Reflect::get(&navigator, &"credentials".into()).map_err(unusable)?;
    let run: Function = Reflect::get(&credentials, &method.into()).map_err(unusable)?.dyn_into().map_err(unusable)?;
    let promise: Promise = run.call1(&credentials, &request).map_err(unusable)?.dyn_into().map_err(unusable)?;
    let credential = wasm_bindgen_futures::JsFuture::from(promise).await.map_err(|e| {
        let name = Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
        browser_refusal(&name, method == "create").map(|key| dom::text(root, key))
    })?;
    JSON::stringify(&credential).ok().and_then(|s| s.as_string()).ok_or_else(|| unusable(JsValue::NULL))
}

/// What the person is told when the browser refused, by the `DOMException`'s name: the key of
/// the page's text (`locales/*/passkeys.txt`); nothing for a request the page itself ended
/// (`AbortError`).
#[cfg(any(feature = "hydrate", test))]
fn browser_refusal(name: &str, creating: bool) -> Option<&'static str> {
    Some(match name {
        "AbortError" => return None,
        "NotAllowedError" => "refusal_not_allowed",
        "InvalidStateError" if creating => "refusal_exists",
        "SecurityError" => "refusal_security",
        _ => "refusal_other",
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_browser_refusal_is_explained() {
        // The English text of a key of `locales/en/passkeys.txt`, as the page would give it.
        let english = |key: &str| {
            let entry = crate::i18n::t::ENTRIES.iter().find(|(area, k, _)| *area == "passkeys" && *k == key);
            entry.and_then(|(_, _, texts)| texts[0]).unwrap_or_else(|| panic!("no text {key}")).to_string()
        };
        let said = |name, creating| super::browser_refusal(name, creating).map(english).unwrap_or_default();
        assert!(said("NotAllowedError", false).contains("cancelled"));
        assert!(said("InvalidStateError", true).contains("already has a passkey"));
        assert!(said("InvalidStateError", false).starts_with("This browser could not"));
        assert_eq!(super::browser_refusal("AbortError", false), None, "a request the page ended is not a refusal");
    }
}
