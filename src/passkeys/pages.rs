//! The passkey parts of the sign-in and settings pages, rendered on the server; the island
//! (`island::PasskeyBehaviour`) enables their buttons once it has checked the browser.

use super::Passkey;
use super::api::{DeletePasskey, PasskeyRegistrationOptions};
use super::island::PasskeyBehaviour;
use crate::components::page::MESSAGE_ID;
use crate::components::password::{ConfirmPasswordInput, Reauth, ReauthCodeButton};
use crate::components::submit::SubmitButton;
use crate::error::AppError;
use crate::i18n::t::passkeys as t;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// What the island may say, in the page's language (it reads them with `dom::text`).
fn island_texts() -> Vec<(&'static str, &'static str)> {
    [
        ("unsupported", t::UNSUPPORTED),
        ("enter_email", t::ENTER_EMAIL),
        ("not_added", t::NOT_ADDED),
        ("unreachable", t::UNREACHABLE),
        ("options_unusable", t::OPTIONS_UNUSABLE),
        ("refusal_not_allowed", t::REFUSAL_NOT_ALLOWED),
        ("refusal_exists", t::REFUSAL_EXISTS),
        ("refusal_security", t::REFUSAL_SECURITY),
        ("refusal_other", t::REFUSAL_OTHER),
    ]
    .into_iter()
    .map(|(key, text)| (key, text.text()))
    .collect()
}

/// Whether the pool lets people use passkeys: the pages offer them only then (server only).
pub fn offered() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::server::state::AppState>().is_some_and(|s| s.passkeys())
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}

/// The sign-in form's passkey button: the island reads the form's email and signs in with it.
#[component]
pub fn PasskeySignIn() -> impl IntoView {
    view! {
        <div class="passkey" data-mode="sign-in">
            <button type="button" class="secondary passkey-action" disabled>{t::USE_PASSKEY.text()}</button>
            <p class="needs-js hint">{t::NEEDS_JS.text()} " " {t::SIGN_IN_ANOTHER_WAY.text()}</p>
            <p class="message error" role="alert" hidden></p>
            <crate::components::Texts texts=island_texts()/>
            <PasskeyBehaviour/>
        </div>
        <crate::components::ErrorTexts/>
    }
}

/// Settings → Passkeys: the list, adding one (after the password) and deleting one.
#[component]
pub fn PasskeySettings(reauth: Reauth) -> impl IntoView {
    let passkeys = Resource::new_blocking(|| (), |_| list());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match passkeys.await {
                    Ok(list) => view! { <PasskeyList passkeys=list reauth/> }.into_any(),
                    Err(e) => view! { <p role="alert">{t::CANNOT_SHOW.fill(&[("error", &e.message())])}</p> }.into_any(),
                }
            })}
        </Suspense>
        <form method="post" action=PasskeyRegistrationOptions::url() class="passkey" data-mode="register" novalidate>
            <p>{t::INTRO.text()}</p>
            <ConfirmPasswordInput purpose=t::PURPOSE_ADD.text() name="passkey_password" reauth/>
            <button type="submit" class="passkey-action" disabled>{t::ADD.text()}</button>
            <ReauthCodeButton reauth/>
            <p class="needs-js hint">{t::NEEDS_JS.text()}</p>
            <p class="message error" role="alert" hidden></p>
            <crate::components::Texts texts=island_texts()/>
            <PasskeyBehaviour/>
        </form>
    }
}

#[component]
fn PasskeyList(passkeys: Vec<Passkey>, reauth: Reauth) -> impl IntoView {
    if passkeys.is_empty() {
        return view! { <p>{t::NONE_YET.text()}</p> }.into_any();
    }
    let items = passkeys
        .iter()
        .map(|p| {
            let kind = match p.attachment.as_deref() {
                Some("platform") => Some(t::KIND_PLATFORM),
                Some("cross-platform") => Some(t::KIND_CROSS_PLATFORM),
                _ => None,
            };
            let text = match kind {
                Some(kind) => t::LISTED_KIND.fill(&[("name", &p.name), ("kind", &kind.text()), ("added", &p.added)]),
                None => t::LISTED.fill(&[("name", &p.name), ("added", &p.added)]),
            };
            view! { <li>{text}</li> }
        })
        .collect_view();
    let options = passkeys
        .into_iter()
        .map(|p| view! { <option value=p.id>{t::LISTED.fill(&[("name", &p.name), ("added", &p.added)])}</option> })
        .collect_view();
    view! {
        <ul class="passkeys" aria-label=t::YOUR_PASSKEYS.text()>{items}</ul>
        <p class="hint">{t::LAST_USED_HINT.text()}</p>
        <form method="post" action=DeletePasskey::url() novalidate>
            <div class="field">
                <label for="passkey-to-delete">{t::TO_DELETE.text()}</label>
                <select id="passkey-to-delete" name="credential_id" aria-describedby=MESSAGE_ID>{options}</select>
            </div>
            <ConfirmPasswordInput purpose=t::PURPOSE_DELETE.text() name="passkey_delete_password" reauth/>
            <SubmitButton label=t::DELETE.text().to_string()/>
            <ReauthCodeButton reauth/>
        </form>
    }
    .into_any()
}

async fn list() -> Result<Vec<Passkey>, AppError> {
    #[cfg(feature = "ssr")]
    {
        super::server::list(&crate::server::ctx::Ctx::get()?).await
    }
    #[cfg(not(feature = "ssr"))]
    {
        Ok(vec![])
    }
}
