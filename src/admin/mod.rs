//! `/admin`: only for members of the `admins` group, checked on the server from the verified
//! id token's `cognito:groups`. Others get a 403 page; signed-out visitors go to sign-in.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub(crate) mod server;

pub use api::*;
pub use pages::*;

use serde::{Deserialize, Serialize};

/// One row of the user list.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct UserRow {
    pub email: String,
    pub status: String,
    pub enabled: bool,
}
