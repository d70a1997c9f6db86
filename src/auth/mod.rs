//! Sign-up, confirmation, sign-in and sign-out: server functions (`api`), pages (`pages`),
//! and the server-only helpers they share (`server`).

pub mod api;
pub mod challenge_pages;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
pub mod validate;

use serde::{Deserialize, Serialize};

/// The person behind a request, from their verified id token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub sub: String,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub groups: Vec<String>,
    /// Unix seconds when the access token expires (the browser refreshes ahead of it).
    pub access_expires_at: u64,
    /// The avatar's S3 key, when one is set.
    pub picture: Option<String>,
    /// False while a changed email address waits for its code.
    pub email_verified: bool,
    /// The Cognito `locale` attribute (`de`), when set.
    pub locale: Option<String>,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.groups.iter().any(|g| g == "admins")
    }

    /// "Ada Lovelace", or the email when no name is set.
    pub fn display_name(&self) -> String {
        let full = format!("{} {}", self.given_name, self.family_name).trim().to_string();
        if full.is_empty() { self.email.clone() } else { full }
    }
}

/// What the server knows about the request's session; set by the session middleware.
#[derive(Clone, Debug, PartialEq)]
pub enum Auth {
    SignedIn(CurrentUser),
    SignedOut,
    /// The session could not be checked because Cognito's keys are unreachable.
    Unavailable,
}

impl Auth {
    /// The signed-in person, or the error a server function answers without one: the one
    /// place that turns "signed out" and "unavailable" into errors.
    pub fn user(&self) -> Result<&CurrentUser, crate::error::AppError> {
        match self {
            Auth::SignedIn(u) => Ok(u),
            Auth::Unavailable => Err(crate::error::AppError::Unavailable),
            Auth::SignedOut => Err(crate::error::AppError::NotSignedIn),
        }
    }
}

/// The request's session state. Pages are rendered only on the server (islands mode), so
/// outside `ssr` there is no request and nobody is signed in.
pub fn current_auth() -> Auth {
    #[cfg(feature = "ssr")]
    {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<Auth>().cloned())
            .unwrap_or(Auth::SignedOut)
    }
    #[cfg(not(feature = "ssr"))]
    {
        Auth::SignedOut
    }
}
