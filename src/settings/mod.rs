//! `/settings`: profile (names, bio), email change with a code, password change, two-factor
//! status, and deleting the account. Signed-in only (server redirect otherwise).

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub(crate) mod server;
pub mod sessions;

pub use api::*;
pub use pages::*;
