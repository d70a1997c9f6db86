//! A form's submit button. An island: with WASM it shows a pending state ("Please wait…",
//! `aria-busy`) once pressed and ignores further presses, so a slow Cognito answer is not
//! sent twice; without WASM it is a plain submit button.

use leptos::prelude::*;

#[island]
pub fn SubmitButton(label: String) -> impl IntoView {
    let (pending, set_pending) = signal(false);
    view! {
        <button
            type="submit"
            aria-busy=move || pending.get().to_string()
            on:click=move |ev| {
                if pending.get_untracked() {
                    ev.prevent_default();
                } else {
                    set_pending.set(true);
                }
            }
        >
            {move || if pending.get() { "Please wait…".to_string() } else { label.clone() }}
        </button>
    }
}
