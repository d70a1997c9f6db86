//! The /pkg files cargo-leptos builds (wasm, js, css) under their content-hashed names.

use leptos::config::LeptosOptions;
use std::sync::OnceLock;

/// Where cargo-leptos writes the content hashes of /pkg: beside the server binary (where
/// Leptos itself reads them, e.g. for `HashedStylesheet`).
pub fn hash_file(options: &LeptosOptions) -> Option<std::path::PathBuf> {
    std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
}

/// The URLs of the bundle's JS and WASM, e.g. `/pkg/leptos-cognito.<hash>.js`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    pub js: String,
    pub wasm: String,
}

/// The bundle's URLs, read once: the hash file does not change while the server runs.
pub fn bundle(options: &LeptosOptions) -> &'static Bundle {
    static BUNDLE: OnceLock<Bundle> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        let hashes = if options.hash_files {
            hash_file(options).and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default()
        } else {
            String::new()
        };
        bundle_from(options, &hashes)
    })
}

/// The bundle's URLs from the hash file's text (`js: <hash>` and `wasm: <hash>` lines); without
/// hashes the files have their plain names.
pub fn bundle_from(options: &LeptosOptions, hashes: &str) -> Bundle {
    let hash = |kind: &str| {
        hashes.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k.trim() == kind).then(|| format!(".{}", v.trim()))
        })
    };
    let name = &options.output_name;
    let pkg = &options.site_pkg_dir;
    Bundle {
        js: format!("/{pkg}/{name}{}.js", hash("js").unwrap_or_default()),
        wasm: format!("/{pkg}/{name}{}.wasm", hash("wasm").unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_urls_carry_the_hashes_cargo_leptos_wrote() {
        let options = LeptosOptions::builder().output_name("leptos-cognito").build();
        let hashes = "js: AbC\nwasm: dEf\ncss: xyz\nsplit: s\n";
        assert_eq!(
            bundle_from(&options, hashes),
            Bundle { js: "/pkg/leptos-cognito.AbC.js".into(), wasm: "/pkg/leptos-cognito.dEf.wasm".into() }
        );
        assert_eq!(bundle_from(&options, "").js, "/pkg/leptos-cognito.js");
    }

    /// A hard-coded `/pkg/...` name would miss the content hash (and the year-long cache would
    /// then serve a stale file): every name comes from the hash file, as above.
    #[test]
    fn no_code_names_a_pkg_file_itself() {
        for (file, text) in crate::source_files() {
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            // `"/pkg/"` alone (the folder, as a prefix) and `"/pkg/*"` (every file, as in the
            // template's cache rule) are fine; `"/pkg/name…"` is not.
            let names_file = code.match_indices("\"/pkg/").any(|(i, m)| {
                let rest = &code[i + m.len()..];
                !rest.starts_with('"') && !rest.starts_with("*\"")
            });
            assert!(!names_file, "{file} names a /pkg file itself");
        }
    }
}
