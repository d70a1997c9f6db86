//! An input checked in the browser when the person leaves it, by the same rules in
//! `auth::validate` that the server applies on submit. Rendered on the server; the check is a
//! behaviour island added once the WASM has loaded. Without WASM it is a plain input and the
//! server's answer is the only check.

use super::enhance::behaviour;
use crate::auth::validate;
use leptos::prelude::*;

/// Which rule an input follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    None,
    Email,
    Code,
    /// A code from an authenticator app.
    AuthenticatorCode,
    Name,
}

impl Rule {
    /// The name the server-rendered input carries in `data-rule`.
    pub fn key(self) -> &'static str {
        match self {
            Rule::None => "none",
            Rule::Email => "email",
            Rule::Code => "code",
            Rule::AuthenticatorCode => "totp",
            Rule::Name => "name",
        }
    }

    /// The rule named by `key` (`Rule::None` for anything else).
    pub fn from_key(key: &str) -> Rule {
        [Rule::Email, Rule::Code, Rule::AuthenticatorCode, Rule::Name]
            .into_iter()
            .find(|r| r.key() == key)
            .unwrap_or(Rule::None)
    }

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
        // Validation fails only with `InvalidInput`; matching it here, rather than calling
        // `AppError::message`, keeps every other error's text out of the browser bundle.
        match result {
            Err(crate::error::AppError::InvalidInput(message)) => message,
            _ => String::new(),
        }
    }
}

#[component]
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
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let described = describedby.map(|d| format!("{d} {error_id}")).unwrap_or_else(|| error_id.clone());
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
                inputmode=inputmode
                maxlength=maxlength
                pattern=pattern
                data-rule=rule.key()
            />
            <p id=error_id class="field-error" aria-live="polite"></p>
            {(rule != Rule::None).then(|| view! { <CheckedBehaviour/> })}
        </div>
    }
}

/// The check on leaving the field, added to the server-rendered field.
#[island]
pub fn CheckedBehaviour() -> impl IntoView {
    behaviour(".field", attach)
}

#[cfg(feature = "hydrate")]
fn attach(field: web_sys::Element) {
    use super::enhance::dom;
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    let (Some(input), Some(error), Some(label)) =
        (dom::find(&field, "input"), dom::find(&field, ".field-error"), dom::find(&field, "label"))
    else {
        return;
    };
    let rule = Rule::from_key(&input.get_attribute("data-rule").unwrap_or_default());
    let label = label.text_content().unwrap_or_default();
    let check = {
        let (input, error) = (input.clone(), error.clone());
        Rc::new(move || {
            let value = dom::as_input(&input).map(|i| i.value()).unwrap_or_default();
            let message = rule.message(&value, &label);
            dom::flag(&input, "aria-invalid", !message.is_empty());
            error.set_text_content(Some(&message));
        })
    };
    let on_leave = check.clone();
    dom::on(&field, "focusout", move |ev| {
        // Leaving for a submit button: the server answers for the whole form. A message shown
        // now would move the button away from under the pointer and lose the click.
        let to = ev.dyn_ref::<web_sys::FocusEvent>().and_then(|f| f.related_target());
        let to_submit = to.and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| {
            el.get_attribute("type").as_deref() == Some("submit")
                || el.closest("button[type=submit]").ok().flatten().is_some()
        });
        if !to_submit {
            on_leave();
        }
    });
    dom::on(&input, "input", move |_| {
        // Once a message shows, it follows the typing until the value is right.
        if !error.text_content().unwrap_or_default().is_empty() {
            check();
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn attach(_: leptos::web_sys::Element) {}

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

    #[test]
    fn every_rule_round_trips_through_its_key() {
        for rule in [Rule::None, Rule::Email, Rule::Code, Rule::AuthenticatorCode, Rule::Name] {
            assert_eq!(Rule::from_key(rule.key()), rule);
        }
        assert_eq!(Rule::from_key("made-up"), Rule::None);
    }
}
