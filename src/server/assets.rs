//! The /pkg files cargo-leptos builds (wasm, js, css) under their content-hashed names.

/// Where cargo-leptos writes the content hashes of /pkg: beside the server binary (where
/// Leptos itself reads them, e.g. for `HashedStylesheet`).
pub fn hash_file(options: &leptos::config::LeptosOptions) -> Option<std::path::PathBuf> {
    std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
}
