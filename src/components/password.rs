//! Password input with a show/hide toggle and, for new passwords, a live checklist of the
//! pool's rules. An island: without WASM it is a plain password input with the rules listed.

use crate::auth::validate::PasswordPolicy;
use leptos::prelude::*;

#[island]
pub fn PasswordInput(
    label: String,
    name: String,
    autocomplete: String,
    /// The rules to show as a live checklist; `None` for a password being signed in with.
    policy: Option<PasswordPolicy>,
    describedby: Option<String>,
) -> impl IntoView {
    let (value, set_value) = signal(String::new());
    let (shown, set_shown) = signal(false);
    // The toggle needs WASM; it stays hidden until the island has hydrated.
    let (hydrated, set_hydrated) = signal(false);
    // Whatever was typed before the island hydrated counts too.
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        set_hydrated.set(true);
        if let Some(el) = input.get() {
            set_value.set(el.value());
        }
    });

    let id = format!("field-{name}");
    let rules_id = format!("{id}-rules");
    let described =
        [describedby, policy.as_ref().map(|_| rules_id.clone())].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let checklist = policy.map(|policy| {
        let items = move || {
            policy
                .check(&value.get())
                .into_iter()
                .map(|(rule, met)| {
                    let state = if met { "met" } else { "not met" };
                    view! {
                        <li class:met=met>
                            <span aria-hidden="true">{if met { "✓ " } else { "○ " }}</span>
                            {rule}
                            <span class="visually-hidden">{format!(" ({state})")}</span>
                        </li>
                    }
                })
                .collect_view()
        };
        view! {
            <ul id=rules_id class="rules" aria-live="polite">
                {items}
            </ul>
        }
    });

    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <div class="password-row">
                <input
                    node_ref=input
                    id=id.clone()
                    name=name
                    type=move || if shown.get() { "text" } else { "password" }
                    autocomplete=autocomplete
                    required
                    maxlength=crate::auth::validate::PASSWORD_MAX
                    aria-describedby=(!described.is_empty()).then_some(described)
                    on:input=move |ev| set_value.set(event_target_value(&ev))
                />
                <button
                    type="button"
                    class="toggle"
                    aria-controls=id
                    aria-pressed=move || shown.get().to_string()
                    hidden=move || !hydrated.get()
                    on:click=move |_| set_shown.update(|s| *s = !*s)
                >
                    {move || if shown.get() { "Hide password" } else { "Show password" }}
                </button>
            </div>
            {checklist}
        </div>
    }
}

/// A new password with the pool's rules as a live checklist, described by the form message.
#[component]
pub fn NewPasswordInput(
    #[prop(into)] label: String,
    #[prop(into, default = "password".into())] name: String,
) -> impl IntoView {
    view! {
        <PasswordInput
            label=label
            name=name
            autocomplete="new-password".to_string()
            policy=Some(crate::components::page::password_policy())
            describedby=Some(crate::components::page::MESSAGE_ID.to_string())
        />
    }
}

/// The person's current password, described by the form message.
#[component]
pub fn CurrentPasswordInput(
    #[prop(into)] label: String,
    #[prop(into, default = "password".into())] name: String,
) -> impl IntoView {
    view! {
        <PasswordInput
            label=label
            name=name
            autocomplete="current-password".to_string()
            policy=None
            describedby=Some(crate::components::page::MESSAGE_ID.to_string())
        />
    }
}
