//! What every page shares: the id of the form message, the page's status and redirects
//! (server only; pages render on the server), and the page shown when Cognito is unavailable.

use leptos::prelude::*;
use leptos_meta::Title;

pub use super::MESSAGE_ID;

/// Sets the HTTP status of the page being rendered (server only).
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(res), Ok(status)) = (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(code)) {
        res.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// Answers the page request with a 302 to `path` (pages render on the server only).
pub fn redirect_to(path: &str) {
    #[cfg(feature = "ssr")]
    if let (Some(res), Ok(location)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(path))
    {
        res.set_status(http::StatusCode::FOUND);
        res.insert_header(http::header::LOCATION, location);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = path;
}

/// The pool's password rules (server only; pages are not rendered in the browser).
pub fn password_policy() -> crate::auth::validate::PasswordPolicy {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::server::state::AppState>().map(|s| s.password_policy()).unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Default::default()
    }
}

/// The skeleton of every form page: the title (also the page's `<title>`), an optional
/// sentence under it, the form message (`MESSAGE_ID`, which the fields point at), then the forms.
#[component]
pub fn FormPage(
    title: &'static str,
    flash: Option<crate::flash::Flash>,
    #[prop(into, optional)] intro: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        {intro.map(|text| view! { <p>{text}</p> })}
        <crate::components::FormMessage flash=flash id=MESSAGE_ID/>
        {children()}
    }
}

/// The one error page (403, 404, 429, 503): the status, a title, the message and a way on.
/// `title` is a `&'static str` so a page title is never person-supplied text.
#[component]
pub fn ErrorPage(
    status: u16,
    title: &'static str,
    #[prop(into)] message: String,
    /// Where the link goes, and what it says (the home page by default).
    #[prop(optional)]
    link: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    let link = link.unwrap_or((crate::routes::HOME, crate::i18n::t::errors::GO_HOME.text()));
    set_status(status);
    // A server error names its request, so a person can quote it and the log lines be found.
    #[cfg(feature = "ssr")]
    let message = if status >= 500 { crate::server::request_id::with_reference(message) } else { message };
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <p role="alert">{message}</p>
        <p><a href=link.0>{link.1}</a></p>
    }
}

/// Shown when Cognito cannot be reached to check the session.
#[component]
pub fn Unavailable() -> impl IntoView {
    use crate::i18n::t::errors as t;
    let message = crate::error::AppError::Unavailable.message();
    view! { <ErrorPage status=503 title=t::TRY_AGAIN_SHORTLY.text() message link=("", t::RELOAD.text())/> }
}
