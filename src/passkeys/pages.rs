//! The passkey parts of the sign-in and settings pages, rendered on the server; the island
//! (`island::PasskeyBehaviour`) enables their buttons once it has checked the browser.

use super::Passkey;
use super::api::{DeletePasskey, PasskeyRegistrationOptions};
use super::island::PasskeyBehaviour;
use crate::components::page::MESSAGE_ID;
use crate::components::password::{ConfirmPasswordInput, Reauth, ReauthCodeButton};
use crate::components::submit::SubmitButton;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// What the page says where a passkey cannot be used without JavaScript.
pub const NEEDS_JS: &str = "Using a passkey needs JavaScript, which is off or still loading here.";

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
            <button type="button" class="secondary passkey-action" disabled>"Use a passkey"</button>
            <p class="needs-js hint">{NEEDS_JS} " Sign in another way instead."</p>
            <p class="message error" role="alert" hidden></p>
            <PasskeyBehaviour/>
        </div>
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
                    Err(e) => view! { <p role="alert">{format!("Your passkeys cannot be shown right now. {}", e.message())}</p> }.into_any(),
                }
            })}
        </Suspense>
        <form method="post" action=PasskeyRegistrationOptions::url() class="passkey" data-mode="register" novalidate>
            <p>"A passkey signs you in with this device's screen lock or a security key, without your password."</p>
            <ConfirmPasswordInput purpose="to add a passkey" name="passkey_password" reauth/>
            <button type="submit" class="passkey-action" disabled>"Add a passkey"</button>
            <ReauthCodeButton reauth/>
            <p class="needs-js hint">{NEEDS_JS}</p>
            <p class="message error" role="alert" hidden></p>
            <PasskeyBehaviour/>
        </form>
    }
}

#[component]
fn PasskeyList(passkeys: Vec<Passkey>, reauth: Reauth) -> impl IntoView {
    if passkeys.is_empty() {
        return view! { <p>"You have no passkeys yet."</p> }.into_any();
    }
    let items = passkeys
        .iter()
        .map(|p| {
            let kind = match p.attachment.as_deref() {
                Some("platform") => " (on a device)",
                Some("cross-platform") => " (security key or phone)",
                _ => "",
            };
            view! { <li>{format!("{}{kind}, added {}", p.name, p.added)}</li> }
        })
        .collect_view();
    let options = passkeys
        .into_iter()
        .map(|p| view! { <option value=p.id>{format!("{}, added {}", p.name, p.added)}</option> })
        .collect_view();
    view! {
        <ul class="passkeys" aria-label="Your passkeys">{items}</ul>
        <p class="hint">"Cognito does not say when a passkey was last used."</p>
        <form method="post" action=DeletePasskey::url() novalidate>
            <div class="field">
                <label for="passkey-to-delete">"Passkey to delete"</label>
                <select id="passkey-to-delete" name="credential_id" aria-describedby=MESSAGE_ID>{options}</select>
            </div>
            <ConfirmPasswordInput purpose="to delete the passkey" name="passkey_delete_password" reauth/>
            <SubmitButton label="Delete passkey".to_string()/>
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
