//! Settings → "Where you're signed in": every browser signed in to the account (from the
//! server-side session records), this one marked, each with its browser, coarse network, first
//! sign-in and last activity; "Sign out" beside any other, and "Sign out all other browsers".
//! Plain forms, so it works without JavaScript.

use crate::auth::api::{EndOtherSessions, EndSession};
use crate::error::AppError;
use crate::i18n::t::settings as t;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

/// One signed-in browser as the page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignedInBrowser {
    /// Names the session to end it; not usable as a session.
    pub handle: String,
    /// "Firefox on Linux", in the page's language.
    pub browser: String,
    pub network: String,
    pub first: String,
    pub last: String,
    pub this_one: bool,
}

#[component]
pub fn SessionList() -> impl IntoView {
    let sessions = Resource::new_blocking(|| (), |_| list());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match sessions.await {
                    Ok(list) => view! { <Sessions sessions=list/> }.into_any(),
                    Err(e) => view! { <p role="alert">{t::SESSIONS_UNAVAILABLE.fill(&[("message", &e.message())])}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Sessions(sessions: Vec<SignedInBrowser>) -> impl IntoView {
    let others = sessions.iter().filter(|s| !s.this_one).count();
    let items = sessions
        .into_iter()
        .map(|s| {
            let details = t::SESSION_DETAILS.fill(&[("network", &s.network), ("first", &s.first), ("last", &s.last)]);
            let action = (!s.this_one).then(|| {
                let label = t::SIGN_OUT_BROWSER.fill(&[("browser", &s.browser)]);
                view! {
                    <form method="post" action=EndSession::url()>
                        <input type="hidden" name="session" value=s.handle.clone()/>
                        <button type="submit" class="secondary" aria-label=label>{t::SIGN_OUT_ONE.text()}</button>
                    </form>
                }
            });
            view! {
                <li>
                    <strong>{s.browser.clone()}</strong>
                    {s.this_one.then(|| view! { " " <span class="badge">{t::THIS_BROWSER.text()}</span> })}
                    <br/>
                    <span class="hint">{details}</span>
                    {action}
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="sessions" aria-label=t::SIGNED_IN_BROWSERS.text()>{items}</ul>
        {(others > 0).then(|| view! {
            <form method="post" action=EndOtherSessions::url()>
                <button type="submit" class="secondary">{t::SIGN_OUT_OTHERS.text()}</button>
            </form>
        })}
    }
}

async fn list() -> Result<Vec<SignedInBrowser>, AppError> {
    #[cfg(feature = "ssr")]
    {
        let ctx = crate::server::ctx::Ctx::get()?;
        let user = ctx.user()?;
        let this = ctx.tokens()?.sid;
        let records = ctx.state.sessions.list(&user.sub).await.map_err(|_| AppError::Unavailable)?;
        let lang = crate::i18n::current();
        let mut list: Vec<SignedInBrowser> = records
            .into_iter()
            .map(|r| {
                let browser = crate::server::email::browser_on_os(lang, &r.browser, &r.os)
                    .unwrap_or_else(|| t::UNKNOWN_BROWSER.text().to_string());
                SignedInBrowser {
                    handle: r.handle,
                    browser,
                    network: r.network,
                    first: crate::i18n::date_time(r.created, lang),
                    last: crate::i18n::date_time(r.last_seen, lang),
                    this_one: Some(&r.id) == this.as_ref(),
                }
            })
            .collect();
        // This browser first, then the others as they signed in, oldest first.
        list.sort_by_key(|s| !s.this_one);
        Ok(list)
    }
    #[cfg(not(feature = "ssr"))]
    {
        Ok(vec![])
    }
}
