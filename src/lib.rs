//! leptos-cognito: Amazon Cognito sign-in in front of a web app. Pages render on the server
//! (axum + leptos_axum); only the islands in `components` ship to the browser as WASM.

#![recursion_limit = "256"]

pub mod admin;
#[cfg(feature = "ssr")]
pub mod api;
pub mod app;
pub mod auth;
pub mod avatar;
pub mod components;
pub mod error;
pub mod flash;
pub mod mfa;
#[cfg(feature = "ssr")]
pub mod server;
pub mod settings;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
