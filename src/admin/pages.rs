//! The views of `admin`.

use super::api::list_users;
use crate::auth::{Auth, current_auth};
use crate::components::page::ErrorPage;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminPage() -> impl IntoView {
    match current_auth() {
        Auth::SignedIn(user) if user.is_admin() => {
            let query = leptos_router::hooks::use_query_map();
            let prefix = query.read_untracked().get("q").unwrap_or_default();
            let shown = prefix.clone();
            let users = Resource::new_blocking(move || prefix.clone(), list_users);
            view! {
                <Title text="Admin"/>
                <h1>"Admin"</h1>
                <p>"You see this page because you are in the admins group."</p>
                <form method="get" action=crate::routes::ADMIN role="search">
                    <div class="field">
                        <label for="field-q">"Email starts with"</label>
                        <input id="field-q" name="q" type="search" value=shown maxlength=crate::auth::validate::EMAIL_MAX autocomplete="off"/>
                    </div>
                    <button type="submit">"Search"</button>
                </form>
                <Suspense fallback=|| view! { <p>"Loading users…"</p> }>
                    {move || Suspend::new(async move {
                        match users.await {
                            Ok(rows) => view! {
                                <table>
                                    <caption>"Users (up to 60)"</caption>
                                    <thead><tr><th scope="col">"Email"</th><th scope="col">"Status"</th><th scope="col">"Enabled"</th></tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|r| view! {
                                            <tr><td>{r.email}</td><td>{r.status}</td><td>{if r.enabled { "yes" } else { "no" }}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any(),
                            Err(e) => view! { <p role="alert">{e.message()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            }
            .into_any()
        }
        Auth::SignedIn(_) => {
            view! { <ErrorPage status=403 title="Not allowed" message=AppError::Forbidden.message()/> }.into_any()
        }
        Auth::Unavailable => view! { <crate::components::page::Unavailable/> }.into_any(),
        Auth::SignedOut => {
            crate::components::page::redirect_to(crate::routes::SIGN_IN);
            view! { <p>"Please " <a href=crate::routes::SIGN_IN>"sign in"</a> "."</p> }.into_any()
        }
    }
}
