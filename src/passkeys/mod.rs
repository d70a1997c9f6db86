//! Passkeys (WebAuthn through Cognito): signing in with one (USER_AUTH, WEB_AUTHN), and adding,
//! listing and deleting them in Settings. The server asks Cognito for the options and hands
//! Cognito the browser's answer; the one lazy behaviour island (`island`) calls
//! `navigator.credentials` in between. Without JavaScript the pages say a passkey needs it.

pub mod api;
pub mod island;
pub mod pages;
#[cfg(feature = "ssr")]
pub(crate) mod server;

pub use api::*;
pub use pages::*;

/// One of the signed-in person's passkeys, as Settings lists it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Passkey {
    pub id: String,
    /// The name Cognito gives it.
    pub name: String,
    /// When it was added, e.g. `2026-12-03 14:05 UTC`.
    pub added: String,
    /// `platform` (built into the device) or `cross-platform` (a security key, a phone), when known.
    pub attachment: Option<String>,
}
