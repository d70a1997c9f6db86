//! Widgets shared by pages, rendered on the server. What ships to the browser are the
//! behaviour islands (see `enhance`): `checked::CheckedBehaviour`, `password::PasswordBehaviour`,
//! `submit::SubmitBehaviour`, and the lazy `resend::ResendBehaviour` and
//! `session_keeper::SessionKeeperBehaviour`; outside this folder, the lazy
//! `avatar::uploader::AvatarUploader` and `passkeys::island::PasskeyBehaviour`.

pub mod checked;
pub mod enhance;

pub use enhance::{ErrorTexts, Texts};
pub mod hydration;
pub mod page;
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

/// The id of the form message that inputs point at with `aria-describedby`.
pub const MESSAGE_ID: &str = "form-message";

/// The email address of the sign-up, sign-in, confirm and password-reset forms (the account's
/// user name for password managers), described by the form message.
#[component]
pub fn EmailField(
    #[prop(into)] value: String,
    /// Offers the browser's passkey autofill here (the sign-in page, when passkeys are on).
    #[prop(optional)]
    webauthn: bool,
) -> impl IntoView {
    let autocomplete = if webauthn { "username webauthn" } else { "username" };
    view! {
        <Field label=crate::i18n::t::common::EMAIL.text() name="email" kind="email" autocomplete=autocomplete value=value
            describedby=MESSAGE_ID maxlength=crate::auth::validate::EMAIL_MAX/>
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
            maxlength=crate::auth::validate::CODE_LEN
            describedby=describedby
            rule=rule
        />
    }
}

/// Escapes text for the raw-text elements Leptos 0.8 does not escape (`<textarea>`, `<title>`,
/// `<script>`, `<style>`, `<noscript>`; fixed upstream only in 0.9). The browser decodes the
/// entities again, so the person sees exactly what they typed.
pub fn escape_raw_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A labelled `<textarea>` with a hint. This is the one place a textarea is rendered: its
/// value is person-supplied, and Leptos 0.8 renders textarea children raw, so it is escaped.
#[component]
pub fn TextArea(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(into)] value: String,
    #[prop(into)] describedby: String,
    #[prop(into)] hint: String,
    maxlength: usize,
    #[prop(default = 3)] rows: u32,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = format!("{name}-hint");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <textarea id=id name=name maxlength=maxlength rows=rows aria-describedby=format!("{describedby} {hint_id}")>
                {escape_raw_text(&value)}
            </textarea>
            <small id=hint_id>{hint}</small>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_text_is_escaped() {
        assert_eq!(
            escape_raw_text("</textarea><script>alert(1)</script> & \"x\" 'y'"),
            "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &#39;y&#39;"
        );
    }

    /// Every place that writes unescaped text into the page, found the same way the textarea
    /// hole was: raw-text elements, `inner_html`, and titles from values. Each one listed here
    /// was reviewed: the textarea escapes (above), the QR code is an SVG the server draws from
    /// its own data, and every `<Title>` is one of our texts (FormPage's and ErrorPage's take
    /// only `&'static str`, which `i18n::t` gives and person-supplied text cannot be).
    #[test]
    fn raw_text_sinks_are_only_the_reviewed_ones() {
        let reviewed = [
            ("src/components/mod.rs", "<textarea"),
            ("src/mfa/pages.rs", "inner_html=svg"),
            // The bundle loader: our script and our own file names, JSON-quoted.
            ("src/components/hydration.rs", "<script type=\"module\" nonce=nonce>"),
            // FormPage's and ErrorPage's titles are `&'static str`: our own texts (`i18n::t`).
            ("src/components/page.rs", "<Title text=title/>"),
        ];
        let mut found = vec![];
        for (rel, text) in crate::source_files() {
            for line in text.lines() {
                let code = line.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                for sink in ["<textarea", "<script", "<style", "<noscript", "inner_html", "<Title text=", "<title"] {
                    if let Some(i) = code.find(sink) {
                        // A literal, or one of our texts (`t::TITLE.text()`): never person-supplied.
                        let value = code[i + sink.len()..].split(['/', ' ']).next().unwrap_or_default();
                        let ours = value.strip_suffix(".text()").and_then(|p| p.rsplit("::").next()).is_some_and(|c| {
                            !c.is_empty()
                                && c.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                        });
                        let literal = sink == "<Title text=" && (value.starts_with('"') || ours);
                        // Inside a string literal (an odd number of unescaped quotes before it) it is data.
                        let quotes = code[..i].replace("\\\"", "").matches('"').count();
                        if !literal && quotes % 2 == 0 {
                            found.push((rel.clone(), code[i..].chars().take(40).collect::<String>()));
                        }
                    }
                }
            }
        }
        for (file, snippet) in &found {
            assert!(
                reviewed.iter().any(|(f, s)| f == file && snippet.starts_with(s)),
                "unreviewed raw-text sink in {file}: {snippet}"
            );
        }
    }
}
