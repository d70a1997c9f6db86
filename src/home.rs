//! `/`: who is signed in (name, email, groups, avatar, two-factor status) and signing out
//! everywhere. Signed-in only (server redirect otherwise).

use crate::auth::api::SignOutEverywhere;
use crate::auth::{Auth, current_auth};
use crate::components::FormMessage;
use crate::components::page::{MESSAGE_ID, Unavailable, redirect_to};
use crate::flash::current_flash;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// Who is signed in, or a redirect to sign-in.
#[component]
pub fn HomePage() -> impl IntoView {
    match current_auth() {
        Auth::SignedIn(user) => {
            let groups = if user.groups.is_empty() { "none".to_string() } else { user.groups.join(", ") };
            view! {
                <Title text="Home"/>
                <h1>{format!("Welcome, {}", user.display_name())}</h1>
                <crate::avatar::Avatar user=user.clone() size=96/>
                <FormMessage flash=current_flash() id=MESSAGE_ID/>
                <dl class="profile">
                    <dt>"Name"</dt>
                    <dd>{user.display_name()}</dd>
                    <dt>"Email"</dt>
                    <dd>{user.email.clone()}</dd>
                    <dt>"Groups"</dt>
                    <dd>{groups}</dd>
                </dl>
                <crate::mfa::MfaStatus/>
                <form method="post" action=SignOutEverywhere::url()>
                    <button type="submit" class="secondary">"Sign out everywhere"</button>
                </form>
            }
            .into_any()
        }
        Auth::Unavailable => view! { <Unavailable/> }.into_any(),
        Auth::SignedOut => {
            redirect_to(crate::routes::SIGN_IN);
            view! { <p>"Please " <a href=crate::routes::SIGN_IN>"sign in"</a> "."</p> }.into_any()
        }
    }
}
