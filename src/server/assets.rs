//! The /pkg files cargo-leptos builds (wasm, js, css) under their content-hashed names.

/// Where cargo-leptos writes the content hashes of /pkg: beside the server binary (where
/// Leptos itself reads them).
pub fn hash_file(options: &leptos::config::LeptosOptions) -> Option<std::path::PathBuf> {
    std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
}

/// The URL of a /pkg file (`ext`: "css", "js" or "wasm"), under its content-hashed name when
/// the build hashed them: for pages not rendered by Leptos (the 429 page).
pub fn pkg_url(options: &leptos::config::LeptosOptions, ext: &str) -> String {
    let mut name = options.output_name.to_string();
    if options.hash_files {
        let hashes = hash_file(options).and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default();
        if let Some(hash) =
            hashes.lines().filter_map(|l| l.trim().split_once(':')).find(|(k, _)| *k == ext).map(|(_, h)| h.trim())
        {
            name = format!("{name}.{hash}");
        }
    }
    format!("/{}/{name}.{ext}", options.site_pkg_dir)
}
