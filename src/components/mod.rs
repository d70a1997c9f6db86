//! Widgets shared by pages. `password`, `resend`, `session_keeper` and `submit` are islands (they ship to the browser);
//! the rest render on the server only.

pub mod checked;
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

/// A labelled text input. With WASM it is checked when the person leaves it, by the same
/// rules the server applies (email, 6-digit code, name), with the message next to the field.
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
    /// Overrides the rule guessed from the type and name.
    #[prop(optional)]
    rule: Option<Rule>,
) -> impl IntoView {
    let rule = rule.unwrap_or(match (kind.as_str(), name.as_str()) {
        ("email", "confirm_email") => Rule::None,
        ("email", _) => Rule::Email,
        (_, "code") => Rule::Code,
        (_, "given_name") | (_, "family_name") => Rule::Name,
        _ => Rule::None,
    });
    view! {
        <checked::CheckedInput
            label=label
            name=name
            kind=kind
            autocomplete=autocomplete
            value=value
            describedby=describedby
            inputmode=inputmode
            maxlength=maxlength
            pattern=pattern.map(str::to_string)
            rule=rule
        />
    }
}

pub use checked::Rule;

/// A 6-digit code input (`one-time-code`, numeric keypad), described by the form message;
/// `authenticator` for codes from an app rather than an email.
#[component]
pub fn CodeField(
    #[prop(into)] label: String,
    #[prop(into)] describedby: String,
    #[prop(optional)] authenticator: bool,
) -> impl IntoView {
    let rule = if authenticator { Rule::AuthenticatorCode } else { Rule::Code };
    view! {
        <Field
            label=label
            name="code"
            autocomplete="one-time-code"
            inputmode="numeric"
            pattern="[0-9]{6}"
            maxlength=6
            describedby=describedby
            rule=rule
        />
    }
}
