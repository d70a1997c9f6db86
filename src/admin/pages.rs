//! The views of `admin`.

use super::api::list_users;
use crate::auth::{Auth, current_auth};
use crate::components::page::ErrorPage;
use crate::error::AppError;
use crate::i18n::t::{admin as t, common, errors};
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
                <Title text=common::ADMIN.text()/>
                <h1>{common::ADMIN.text()}</h1>
                <p>{t::WHY_YOU_SEE_THIS.text()}</p>
                <form method="get" action=crate::routes::ADMIN role="search">
                    <div class="field">
                        <label for="field-q">{t::EMAIL_STARTS_WITH.text()}</label>
                        <input id="field-q" name="q" type="search" value=shown maxlength=crate::auth::validate::EMAIL_MAX autocomplete="off"/>
                    </div>
                    <button type="submit">{t::SEARCH.text()}</button>
                </form>
                <Suspense fallback=|| view! { <p>{t::LOADING_USERS.text()}</p> }>
                    {move || Suspend::new(async move {
                        match users.await {
                            Ok(rows) => view! {
                                <table>
                                    <caption>{t::USERS_CAPTION.text()}</caption>
                                    <thead><tr><th scope="col">{common::EMAIL.text()}</th><th scope="col">{t::STATUS.text()}</th><th scope="col">{t::ENABLED.text()}</th></tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|r| view! {
                                            <tr><td>{r.email}</td><td>{status_text(&r.status)}</td><td>{if r.enabled { t::YES.text() } else { t::NO.text() }}</td></tr>
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
            view! { <ErrorPage status=403 title=errors::NOT_ALLOWED_TITLE.text() message=AppError::Forbidden.message()/> }.into_any()
        }
        Auth::Unavailable => view! { <crate::components::page::Unavailable/> }.into_any(),
        Auth::SignedOut => {
            crate::components::page::redirect_to(crate::routes::SIGN_IN);
            view! { <crate::settings::PleaseSignIn/> }.into_any()
        }
    }
}

/// Cognito's user status (`CONFIRMED`, …) in words of the page's language.
fn status_text(status: &str) -> &'static str {
    use crate::i18n::t::admin as t;
    match status {
        "CONFIRMED" => t::STATUS_CONFIRMED,
        "UNCONFIRMED" => t::STATUS_UNCONFIRMED,
        "FORCE_CHANGE_PASSWORD" => t::STATUS_FORCE_CHANGE_PASSWORD,
        "RESET_REQUIRED" => t::STATUS_RESET_REQUIRED,
        "EXTERNAL_PROVIDER" => t::STATUS_EXTERNAL_PROVIDER,
        _ => t::STATUS_OTHER,
    }
    .text()
}
