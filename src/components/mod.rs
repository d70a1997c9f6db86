//! Widgets shared by pages. `password`, `resend`, `session_keeper` and `submit` are islands (they ship to the browser);
//! the rest render on the server only.

pub mod password;
pub mod resend;
pub mod session_keeper;
pub mod submit;

use crate::flash::{Flash, FlashKind};
use leptos::prelude::*;

/// The message region of a form: `role="alert"` for errors, `role="status"` for notices.
/// Its id is what inputs point at with `aria-describedby`.
#[component]
pub fn FormMessage(flash: Option<Flash>, #[prop(into)] id: String) -> impl IntoView {
    match flash {
        Some(f) if f.kind == FlashKind::Error => {
            view! { <p id=id class="message error" role="alert">{f.message}</p> }.into_any()
        }
        Some(f) => view! { <p id=id class="message success" role="status">{f.message}</p> }.into_any(),
        None => view! { <p id=id class="message" role="alert" hidden></p> }.into_any(),
    }
}

/// A labelled text input.
#[component]
pub fn Field(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(into, default = "text".into())] kind: String,
    #[prop(into)] autocomplete: String,
    #[prop(into, default = String::new())] value: String,
    #[prop(into, optional)] describedby: Option<String>,
    #[prop(into, optional)] inputmode: Option<String>,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] pattern: Option<&'static str>,
) -> impl IntoView {
    let id = format!("field-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                required
                aria-describedby=describedby
                inputmode=inputmode
                maxlength=maxlength
                pattern=pattern
            />
        </div>
    }
}

/// A 6-digit code input (`one-time-code`, numeric keypad), described by the form message.
#[component]
pub fn CodeField(#[prop(into)] label: String, #[prop(into)] describedby: String) -> impl IntoView {
    view! {
        <Field
            label=label
            name="code"
            autocomplete="one-time-code"
            inputmode="numeric"
            pattern="[0-9]{6}"
            maxlength=6
            describedby=describedby
        />
    }
}
