//! The HTML document (`shell`) and the routes (`App`).

use crate::auth::api::SignOut;
use crate::auth::pages::{ConfirmPage, HomePage, SignInPage, SignUpPage};
use crate::auth::{Auth, current_auth};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{Route, Router, Routes},
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/leptos-cognito.css"/>
        <Title formatter=|text| format!("{text} · leptos-cognito")/>
        <Header/>
        <Router>
            <main>
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage/>
                    <Route path=StaticSegment("sign-up") view=SignUpPage/>
                    <Route path=StaticSegment("confirm") view=ConfirmPage/>
                    <Route path=StaticSegment("sign-in") view=SignInPage/>
                </Routes>
            </main>
        </Router>
    }
}

#[component]
fn Header() -> impl IntoView {
    let account = match current_auth() {
        Auth::SignedIn(user) => view! {
            <span class="who">{user.display_name()}</span>
            <form method="post" action=SignOut::url() class="inline">
                <button type="submit" class="link">"Sign out"</button>
            </form>
        }
        .into_any(),
        _ => view! { <a href="/sign-in">"Sign in"</a> }.into_any(),
    };
    view! {
        <header class="site">
            <a href="/" class="brand">"leptos-cognito"</a>
            <nav aria-label="Account">{account}</nav>
        </header>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <h1>"Page not found"</h1>
        <p><a href="/">"Go to the home page"</a></p>
    }
}
