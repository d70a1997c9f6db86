//! `/admin`: only for members of the `admins` group, checked on the server from the verified
//! id token's `cognito:groups`. Others get a 403 page; signed-out visitors go to sign-in.

use crate::auth::{Auth, current_auth};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// One row of the user list.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct UserRow {
    pub email: String,
    pub status: String,
    pub enabled: bool,
}

/// Up to 60 users of the pool whose email starts with `prefix` (admins only).
#[server(endpoint = "admin_list_users")]
pub async fn list_users(prefix: String) -> Result<Vec<UserRow>, AppError> {
    use crate::server::aws::map_sdk_error;
    use crate::server::ctx::Ctx;
    let ctx = Ctx::get()?;
    if !ctx.user()?.is_admin() {
        return Err(AppError::Forbidden);
    }
    let prefix = prefix.trim().to_lowercase();
    if prefix.len() > crate::auth::validate::EMAIL_MAX || prefix.contains(['"', '\\']) {
        return Err(AppError::InvalidInput("Search with the start of an email address.".into()));
    }
    let s = &ctx.state;
    let out = s
        .cognito
        .list_users()
        .user_pool_id(&s.config.user_pool_id)
        .limit(60)
        .set_filter((!prefix.is_empty()).then(|| format!("email ^= \"{prefix}\"")))
        .send()
        .await
        .map_err(|e| map_sdk_error("ListUsers", &e))?;
    Ok(out
        .users()
        .iter()
        .map(|u| UserRow {
            email: u
                .attributes()
                .iter()
                .find(|a| a.name() == "email")
                .and_then(|a| a.value())
                .unwrap_or_default()
                .to_string(),
            status: u.user_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
            enabled: u.enabled(),
        })
        .collect())
}

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
                <form method="get" action="/admin" role="search">
                    <div class="field">
                        <label for="field-q">"Email starts with"</label>
                        <input id="field-q" name="q" type="search" value=shown maxlength="254" autocomplete="off"/>
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
            crate::components::page::set_status(403);
            view! {
                <Title text="Not allowed"/>
                <h1>"Not allowed"</h1>
                <p role="alert">{AppError::Forbidden.message()}</p>
                <p><a href="/">"Go to the home page"</a></p>
            }
            .into_any()
        }
        Auth::Unavailable => view! { <crate::components::page::Unavailable/> }.into_any(),
        Auth::SignedOut => {
            crate::components::page::redirect_to("/sign-in");
            view! { <p>"Please " <a href="/sign-in">"sign in"</a> "."</p> }.into_any()
        }
    }
}
