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

    /// Whether `value` fails the rule (an empty field is left to submit). No message here:
    /// the browser shows the one the server put on the input (`message`), so the bundle
    /// carries no language's texts.
    pub fn fails(self, value: &str) -> bool {
        let v = value.trim();
        !v.is_empty()
            && match self {
                Rule::None => false,
                Rule::Email => !validate::email_shape_ok(v),
                Rule::Code => !validate::code_ok(v),
                Rule::AuthenticatorCode => !validate::totp_code_ok(v),
                // Only the length: a pasted control character is the server's to name.
                Rule::Name => !validate::name_fits(v),
            }
    }

    /// What the browser says when the rule fails, in the page's language: the server's own
    /// message for a value that fails it (`data-invalid`). `field` is the input's name.
    pub fn message(self, field: &str) -> Option<String> {
        let result = match self {
            Rule::None => return None,
            Rule::Email => validate::email_shape("x").map(|()| String::new()),
            Rule::Code => validate::code("x"),
            Rule::AuthenticatorCode => validate::totp_code("x"),
            Rule::Name => {
                let what =
                    if field == "family_name" { validate::NameField::Family } else { validate::NameField::Given };
                validate::name(&"x".repeat(validate::NAME_MAX + 1), what)
            }
        };
        match result {
            Err(crate::error::AppError::InvalidInput(message)) => Some(message),
            _ => None,
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
    let invalid = rule.message(&name);
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
                data-invalid=invalid
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
    let (Some(input), Some(error)) = (dom::find(&field, "input"), dom::find(&field, ".field-error")) else {
        return;
    };
    let rule = Rule::from_key(&input.get_attribute("data-rule").unwrap_or_default());
    let said = input.get_attribute("data-invalid").unwrap_or_default();
    let check = {
        let (input, error) = (input.clone(), error.clone());
        Rc::new(move || {
            let value = dom::as_input(&input).map(|i| i.value()).unwrap_or_default();
            let fails = rule.fails(&value);
            dom::flag(&input, "aria-invalid", fails);
            error.set_text_content(Some(if fails { &said } else { "" }));
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
        assert_eq!(Rule::Email.message("email").unwrap(), "Enter a valid email address, like name@example.com.");
        assert!(Rule::Email.fails("nope") && !Rule::Email.fails("a@example.com"));
        assert_eq!(Rule::Code.message("code").unwrap(), "Enter the 6-digit code from the email.");
        assert!(Rule::Code.fails("12a") && !Rule::Code.fails(" 123456 "));
        assert_eq!(
            Rule::AuthenticatorCode.message("code").unwrap(),
            "Enter the 6-digit code from your authenticator app."
        );
        assert!(Rule::AuthenticatorCode.fails("1") && !Rule::AuthenticatorCode.fails("123 456"));
        assert_eq!(Rule::Name.message("given_name").unwrap(), "Your given name can be at most 100 characters.");
        assert_eq!(Rule::Name.message("family_name").unwrap(), "Your family name can be at most 100 characters.");
        assert!(Rule::Name.fails(&"x".repeat(101)) && !Rule::Name.fails("Ada"));
        assert!(!Rule::Email.fails("   "));
        assert!(!Rule::None.fails("anything") && Rule::None.message("bio").is_none());
    }

    #[test]
    fn every_rule_round_trips_through_its_key() {
        for rule in [Rule::None, Rule::Email, Rule::Code, Rule::AuthenticatorCode, Rule::Name] {
            assert_eq!(Rule::from_key(rule.key()), rule);
        }
        assert_eq!(Rule::from_key("made-up"), Rule::None);
    }
}
