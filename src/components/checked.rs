//! An input checked in the browser when the person leaves it (an island), by the same rules
//! in `auth::validate` that the server applies on submit. Without WASM it is a plain input
//! and the server's answer is the only check.

use crate::auth::validate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Which rule an input follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rule {
    None,
    Email,
    Code,
    /// A code from an authenticator app.
    AuthenticatorCode,
    Name,
}

impl Rule {
    /// The message for `value`, or empty when it passes (an empty field is left to submit).
    pub fn message(self, value: &str, label: &str) -> String {
        if value.trim().is_empty() {
            return String::new();
        }
        let result = match self {
            Rule::None => Ok(String::new()),
            Rule::Email => validate::email_shape(value).map(|()| String::new()),
            Rule::Code => validate::code(value),
            Rule::AuthenticatorCode => validate::totp_code(value),
            // ASCII: the labels are ours, and Unicode's case tables would add about 18 KB of WASM.
            Rule::Name => validate::name(value, &label.to_ascii_lowercase()),
        };
        result.err().map(|e| e.message()).unwrap_or_default()
    }
}

#[island]
pub fn CheckedInput(
    label: String,
    name: String,
    kind: String,
    autocomplete: String,
    value: String,
    describedby: Option<String>,
    inputmode: Option<String>,
    maxlength: Option<usize>,
    pattern: Option<String>,
    rule: Rule,
) -> impl IntoView {
    let (error, set_error) = signal(String::new());
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let described = describedby.map(|d| format!("{d} {error_id}")).unwrap_or_else(|| error_id.clone());
    let rule_label = label.clone();
    let check = move |v: &str| rule.message(v, &rule_label);
    let check_input = check.clone();
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
                aria-describedby=described
                aria-invalid=move || (!error.get().is_empty()).then_some("true")
                inputmode=inputmode
                maxlength=maxlength
                pattern=pattern
                on:blur=move |ev| set_error.set(check(&event_target_value(&ev)))
                on:input=move |ev| {
                    // Once a message shows, it follows the typing until the value is right.
                    if !error.get_untracked().is_empty() {
                        set_error.set(check_input(&event_target_value(&ev)));
                    }
                }
            />
            <p id=error_id class="field-error" aria-live="polite">{move || error.get()}</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::Rule;

    #[test]
    fn rules_use_the_server_messages_and_leave_empty_fields_alone() {
        assert_eq!(Rule::Email.message("nope", "Email"), "Enter a valid email address, like name@example.com.");
        assert_eq!(Rule::Email.message("a@example.com", "Email"), "");
        assert_eq!(Rule::Code.message("12a", "Code"), "Enter the 6-digit code from the email.");
        assert_eq!(Rule::AuthenticatorCode.message("1", "Code"), "Enter the 6-digit code from your authenticator app.");
        assert_eq!(
            Rule::Name.message(&"x".repeat(101), "Given name"),
            "Your given name can be at most 100 characters."
        );
        assert_eq!(Rule::Email.message("   ", "Email"), "");
        assert_eq!(Rule::None.message("anything", "Bio"), "");
    }
}
