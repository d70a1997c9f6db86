//! `/`: who is signed in (name, email, groups, avatar, two-factor status) and signing out
//! everywhere. Signed-in only (server redirect otherwise).

use crate::auth::api::SignOutEverywhere;
use crate::auth::{Auth, current_auth};
use crate::components::FormMessage;
use crate::components::page::{MESSAGE_ID, Unavailable, redirect_to};
use crate::flash::current_flash;
use crate::i18n::t::{common, home as t};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// Who is signed in, or a redirect to sign-in.
#[component]
pub fn HomePage() -> impl IntoView {
    match current_auth() {
        Auth::SignedIn(user) => {
            let groups = if user.groups.is_empty() { t::NO_GROUPS.text().to_string() } else { user.groups.join(", ") };
            view! {
                <Title text=t::TITLE.text()/>
                <h1>{t::WELCOME.fill(&[("name", &user.display_name())])}</h1>
                <crate::avatar::Avatar user=user.clone() size=96/>
                <FormMessage flash=current_flash() id=MESSAGE_ID/>
                <dl class="profile">
                    <dt>{t::NAME.text()}</dt>
                    <dd>{user.display_name()}</dd>
                    <dt>{common::EMAIL.text()}</dt>
                    <dd>{user.email.clone()}</dd>
                    <dt>{t::GROUPS.text()}</dt>
                    <dd>{groups}</dd>
                </dl>
                <crate::mfa::MfaStatus/>
                <form method="post" action=SignOutEverywhere::url()>
                    <RemovePasskeysChoice/>
                    <button type="submit" class="secondary">{t::SIGN_OUT_EVERYWHERE.text()}</button>
                </form>
            }
            .into_any()
        }
        Auth::Unavailable => view! { <Unavailable/> }.into_any(),
        Auth::SignedOut => {
            redirect_to(crate::routes::SIGN_IN);
            view! { <crate::settings::PleaseSignIn/> }.into_any()
        }
    }
}

/// Beside "Sign out everywhere", when the account has passkeys: removing them too, saying how
/// many there are (a passkey someone else added would otherwise still sign in).
#[component]
fn RemovePasskeysChoice() -> impl IntoView {
    let count = Resource::new_blocking(|| (), |_| passkey_count());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let n = count.await;
                (n > 0).then(|| view! {
                    <div class="check">
                        <input type="checkbox" id="remove-passkeys" name="remove_passkeys" value="on"/>
                        <label for="remove-passkeys">{t::REMOVE_PASSKEYS.fill(&[("count", &n)])}</label>
                    </div>
                })
            })}
        </Suspense>
    }
}

async fn passkey_count() -> usize {
    #[cfg(feature = "ssr")]
    {
        if !crate::passkeys::offered() {
            return 0;
        }
        match crate::server::ctx::Ctx::get() {
            Ok(ctx) => crate::passkeys::server::list(&ctx).await.map(|l| l.len()).unwrap_or(0),
            Err(_) => 0,
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        0
    }
}
