//! Two-factor authentication with an authenticator app (TOTP): set-up with a QR code,
//! status, and turning it off (which needs the password and a current code).

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub(crate) mod recovery;
#[cfg(feature = "ssr")]
pub(crate) mod server;

pub use api::*;
pub use pages::*;
