//! Server-only code: configuration, AWS clients, token verification, cookies, the router.

pub mod assets;
pub mod aws;
pub mod client_ip;
pub mod config;
pub mod ctx;
pub mod custom_message;
pub mod email;
pub mod guard;
mod iam;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod layers;
pub mod limits;
pub mod metrics;
pub mod provision;
pub mod rate_limit;
pub mod request_id;
pub mod session;
pub mod session_store;
pub mod setup;
pub mod state;
pub mod verifier;
