//! One message for the next page after a form post, with the form values worth keeping
//! (never a password or a code). Carried in an encrypted cookie, read once.

use serde::{Deserialize, Serialize};

/// A message for the next page, with the form values worth keeping (never secrets).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
    pub email: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// A bio that was typed but not saved (kept only when it fits the cookie).
    #[serde(default)]
    pub bio: Option<String>,
    /// The language the message is written in (`de`): the page that shows it uses it too.
    #[serde(default)]
    pub lang: Option<String>,
}

impl Flash {
    /// A message that something worked (`role="status"`).
    pub fn success(message: impl Into<String>) -> Flash {
        Flash { kind: FlashKind::Success, message: message.into(), ..Flash::default() }
    }

    /// The same, with the email address kept for the next form.
    pub fn success_for(message: impl Into<String>, email: String) -> Flash {
        Flash { email: Some(email), ..Flash::success(message) }
    }
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum FlashKind {
    #[default]
    Error,
    Success,
}

/// The flash of the current request, set by the session middleware. Pages render only on
/// the server (islands mode), so outside `ssr` there is none.
pub fn current_flash() -> Option<Flash> {
    #[cfg(feature = "ssr")]
    {
        leptos::prelude::use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<Flash>().cloned())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}
