//! The "resend code" button. An island: with WASM it counts down the seconds until the
//! server will accept another resend; without WASM it is a plain submit button (the server
//! still enforces the wait and says so).

use leptos::prelude::*;
use std::time::Duration;

#[island(lazy)]
pub fn ResendButton(seconds_left: u64) -> impl IntoView {
    let (left, set_left) = signal(seconds_left);
    // Disabled only once hydrated: without WASM nothing would ever re-enable it.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| {
        set_hydrated.set(true);
        if left.get_untracked() > 0 {
            let handle =
                set_interval_with_handle(move || set_left.update(|s| *s = s.saturating_sub(1)), Duration::from_secs(1));
            if let Ok(handle) = handle {
                // Stop ticking once the wait is over.
                Effect::new(move |_| {
                    if left.get() == 0 {
                        handle.clear();
                    }
                });
            }
        }
    });
    view! {
        <button type="submit" class="secondary" disabled=move || { hydrated.get() && left.get() > 0 }>
            {move || match left.get() {
                n if n == 0 || !hydrated.get() => "Resend code".to_string(),
                n => format!("Resend code in {n} s"),
            }}
        </button>
    }
}
