//! What every page shares: the id of the form message, the page's status and redirects
//! (server only; pages render on the server), and the page shown when Cognito is unavailable.

use leptos::prelude::*;
use leptos_meta::Title;

/// The id of the form message that inputs point at with `aria-describedby`.
pub const MESSAGE_ID: &str = "form-message";

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

/// Shown when Cognito cannot be reached to check the session.
#[component]
pub fn Unavailable() -> impl IntoView {
    set_status(503);
    view! {
        <Title text="Try again shortly"/>
        <h1>"Try again shortly"</h1>
        <p role="alert">{crate::error::AppError::Unavailable.message()}</p>
        <p><a href="">"Reload this page"</a></p>
    }
}
