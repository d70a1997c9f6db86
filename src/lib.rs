//! leptos-cognito: Amazon Cognito sign-in in front of a web app. Pages render on the server
//! (axum + leptos_axum); only the islands in `components` ship to the browser as WASM.

#![recursion_limit = "256"]

pub mod admin;
#[cfg(feature = "ssr")]
pub mod api;
pub mod app;
#[cfg(test)]
mod architecture;
pub mod auth;
pub mod avatar;
pub mod components;
pub mod error;
pub mod flash;
pub mod home;
pub mod i18n;
pub mod mfa;
pub mod passkeys;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod server;
pub mod settings;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panic messages in the browser console in debug builds; release bundles leave out the
    // formatting it needs.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}

/// The crate's own source files (path relative to the crate, text), for tests that check the
/// code itself (raw-text sinks, the IAM policy).
#[cfg(test)]
pub(crate) fn source_files() -> Vec<(String, String)> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    let mut stack = vec![root.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(&root).unwrap().to_string_lossy().to_string();
                files.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files
}
