//! The HTML document (`shell`) and the routes (`App`).

use crate::admin::AdminPage;
use crate::auth::api::SignOut;
use crate::auth::challenge_pages::{
    ForgotPasswordPage, NewPasswordPage, ResetPasswordPage, SignInCodePage, VerifyMfaPage,
};
use crate::auth::pages::{ConfirmPage, SignInPage, SignUpPage};
use crate::auth::{Auth, current_auth};
use crate::components::hydration::Hydration;
use crate::components::page::ErrorPage;
use crate::components::session_keeper::SessionKeeper;
use crate::home::HomePage;
use crate::i18n::{Lang, T, t::common as t};
use crate::mfa::{MfaOffPage, MfaSetupPage, RecoveryCodesPage};
use crate::routes;
use crate::settings::{AccountDeletedPage, SettingsPage};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

/// The HTML document of every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    document(options, || view! { <App/> })
}

/// An error page outside the router (the rate limit's 429), in the same document and header.
pub fn error_document(options: LeptosOptions, status: u16, title: T, message: String) -> impl IntoView {
    document(options, move || {
        provide_meta_context();
        view! {
            <Title formatter=|text| format!("{text} · leptos-cognito")/>
            <Header/>
            <main><ErrorPage status title=title.text() message=message.clone()/></main>
            <Footer/>
        }
    })
}

fn document<V: IntoView + 'static>(options: LeptosOptions, body: impl FnOnce() -> V) -> impl IntoView {
    let css_options = options.clone();
    // The response's Content-Security-Policy nonce (made by `server::layers::csp`), so the
    // hydration scripts carry it.
    #[cfg(feature = "ssr")]
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<crate::server::layers::CspNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
    // The request's language (`server::layers::session`), for every text of the page.
    let lang = crate::i18n::current();
    provide_context(lang);
    view! {
        <!DOCTYPE html>
        <html lang=lang.tag()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // From `public/` (cargo-leptos copies it into the site root, which is served).
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                <Hydration options/>
                // The stylesheet under its content-hashed name (see `hash-files` in Cargo.toml).
                <HashedStylesheet options=css_options id="leptos"/>
                <MetaTags/>
            </head>
            <body>
                {body()}
            </body>
        </html>
    }
}

/// Every route renders completely before it is sent (`SsrMode::Async`): pages must be whole
/// without JavaScript, and out-of-order streaming needs it to swap in what a `Suspense` waited for.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|text| format!("{text} · leptos-cognito")/>
        <Header/>
        <Router>
            <main>
                <Routes fallback=NotFound>
                    <Route path=StaticSegment(routes::segment(routes::HOME)) view=HomePage ssr=SsrMode::Async/>
                    <Route path=StaticSegment(routes::segment(routes::SIGN_UP)) view=SignUpPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment(routes::segment(routes::CONFIRM)) view=ConfirmPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment(routes::segment(routes::SIGN_IN)) view=SignInPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment(routes::segment(routes::ADMIN)) view=AdminPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment(routes::segment(routes::VERIFY_MFA)) view=VerifyMfaPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment(routes::segment(routes::SIGN_IN_CODE)) view=SignInCodePage ssr=SsrMode::Async/>
                    <Route path=StaticSegment(routes::segment(routes::NEW_PASSWORD)) view=NewPasswordPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment(routes::segment(routes::FORGOT_PASSWORD)) view=ForgotPasswordPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment(routes::segment(routes::RESET_PASSWORD)) view=ResetPasswordPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment(routes::segment(routes::TWO_FACTOR)) view=MfaSetupPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment(routes::segment(routes::TWO_FACTOR_OFF)) view=MfaOffPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment(routes::segment(routes::SETTINGS)) view=SettingsPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment(routes::segment(routes::ACCOUNT_DELETED)) view=AccountDeletedPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment(routes::segment(routes::RECOVERY_CODES)) view=RecoveryCodesPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <Footer/>
        </Router>
    }
}

#[component]
fn Header() -> impl IntoView {
    let account = match current_auth() {
        Auth::SignedIn(user) => view! {
            {user.is_admin().then(|| view! { <a href=crate::routes::ADMIN>{t::ADMIN.text()}</a> })}
            <a href=crate::routes::SETTINGS>{t::SETTINGS.text()}</a>
            <span class="who">{user.display_name()}</span>
            <crate::avatar::Avatar user=user.clone() size=32/>
            <form method="post" action=SignOut::url() class="inline">
                <button type="submit" class="link">{t::SIGN_OUT.text()}</button>
            </form>
        }
        .into_any(),
        _ => view! { <a href=crate::routes::SIGN_IN>{t::SIGN_IN.text()}</a> }.into_any(),
    };
    let keeper = match current_auth() {
        Auth::SignedIn(user) => Some(view! { <SessionKeeper expires_at=user.access_expires_at/> }),
        _ => None,
    };
    view! {
        <header class="site">
            <a href=crate::routes::HOME class="brand">"leptos-cognito"</a>
            <nav aria-label=t::ACCOUNT_NAV.text()>{account}</nav>
        </header>
        {keeper}
    }
}

/// The language switcher: a plain form, one button per other language, each named in its own
/// language (and marked so), so it works without JavaScript and reads right to whoever needs it.
#[component]
fn Footer() -> impl IntoView {
    let current = crate::i18n::current();
    let buttons = Lang::ALL
        .into_iter()
        .filter(|l| *l != current)
        .map(|l| {
            view! { <button type="submit" class="link" name="lang" value=l.tag() lang=l.tag()>{l.name()}</button> }
        })
        .collect_view();
    view! {
        <footer class="site">
            <form method="post" action=crate::settings::SetLanguage::url() class="inline">
                <span>{t::LANGUAGE.text()}": "</span><span lang=current.tag()>{current.name()}</span>" · "{buttons}
            </form>
        </footer>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    use crate::i18n::t::errors;
    view! { <ErrorPage status=404 title=errors::NOT_FOUND_TITLE.text() message=errors::NOT_FOUND.text()/> }
}
