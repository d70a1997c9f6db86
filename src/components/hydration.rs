//! The one script of every page: it loads the WASM bundle only when the page has islands (see
//! `hydration.js`), so a page without any downloads no WASM at all. Replaces Leptos'
//! `HydrationScripts`, which preloads the bundle on every page.

use leptos::prelude::*;

#[component]
pub fn Hydration(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        // Islands mode: only the islands are hydrated, so the rest of the page is rendered
        // without hydration markers (what `HydrationScripts islands=true` does too).
        if let Some(context) = Owner::current_shared_context() {
            context.set_is_hydrating(false);
        }
        let bundle = crate::server::assets::bundle(&options);
        let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
        // Our own file names, JSON-quoted: no person-supplied text reaches this script.
        let script = format!("{}({}, {});", include_str!("hydration.js"), quoted(&bundle.js), quoted(&bundle.wasm));
        let nonce = leptos::nonce::use_nonce();
        Some(view! { <script type="module" nonce=nonce>{script}</script> })
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = options;
        None::<()>
    }
}
