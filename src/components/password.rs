//! Password input with a show/hide toggle and, for new passwords, a checklist of the pool's
//! rules. Rendered on the server; with WASM the toggle appears and the checklist follows the
//! typing. Without WASM it is a plain password input with the rules listed.

use super::enhance::behaviour;
use crate::auth::validate::PasswordPolicy;
use leptos::prelude::*;

/// A rule's visible mark, as the checklist shows it (the screen-reader state is a text of the
/// page's language, `data-met`/`data-not-met` on the list).
pub fn rule_mark(met: bool) -> &'static str {
    if met { "✓ " } else { "○ " }
}

#[component]
pub fn PasswordInput(
    label: String,
    name: String,
    autocomplete: String,
    /// The rules to show as a checklist; `None` for a password being signed in with.
    policy: Option<PasswordPolicy>,
    describedby: Option<String>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let rules_id = format!("{id}-rules");
    let described =
        [describedby, policy.as_ref().map(|_| rules_id.clone())].into_iter().flatten().collect::<Vec<_>>().join(" ");
    use crate::i18n::t::common as t;
    let checklist = policy.map(|policy| {
        let (mark, state) = (rule_mark(false), format!(" {}", t::RULE_NOT_MET.text()));
        let items = policy
            .rules()
            .into_iter()
            .map(|(key, rule)| {
                view! {
                    <li data-rule=key>
                        <span aria-hidden="true">{mark}</span>
                        {rule}
                        <span class="visually-hidden">{state.clone()}</span>
                    </li>
                }
            })
            .collect_view();
        view! {
            <ul id=rules_id class="rules" aria-live="polite" data-met=t::RULE_MET.text() data-not-met=t::RULE_NOT_MET.text()>
                {items}
            </ul>
        }
    });

    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <div class="password-row">
                <input
                    id=id.clone()
                    name=name
                    type="password"
                    autocomplete=autocomplete
                    required
                    maxlength=crate::auth::validate::PASSWORD_MAX
                    aria-describedby=(!described.is_empty()).then_some(described)
                />
                // The toggle needs WASM; it stays hidden until the behaviour has attached.
                <button type="button" class="toggle" aria-controls=id aria-pressed="false" hidden
                    data-show=t::SHOW_PASSWORD.text() data-hide=t::HIDE_PASSWORD.text()>
                    {t::SHOW_PASSWORD.text()}
                </button>
            </div>
            {checklist}
            <PasswordBehaviour/>
        </div>
    }
}

/// The toggle and the live checklist, added to the server-rendered field.
#[island]
pub fn PasswordBehaviour() -> impl IntoView {
    behaviour(".field", attach)
}

#[cfg(feature = "hydrate")]
fn attach(field: web_sys::Element) {
    use super::enhance::dom;
    use std::rc::Rc;
    let (Some(input), Some(toggle)) = (dom::find(&field, "input"), dom::find(&field, "button.toggle")) else {
        return;
    };
    let items = field.query_selector_all("li[data-rule]").ok();
    let list = dom::find(&field, "ul.rules");
    let said =
        |name: &str| list.as_ref().and_then(|l| l.get_attribute(name)).map(|s| format!(" {s}")).unwrap_or_default();
    let (met_text, not_met_text) = (said("data-met"), said("data-not-met"));
    let input = Rc::new(input);
    let update = {
        let input = input.clone();
        move || {
            let value = dom::as_input(&input).map(|i| i.value()).unwrap_or_default();
            let Some(items) = &items else { return };
            for i in 0..items.length() {
                let Some(li) = items.item(i).and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
                else {
                    continue;
                };
                let met = crate::auth::validate::rule_met(&li.get_attribute("data-rule").unwrap_or_default(), &value);
                let (mark, state) = (rule_mark(met), if met { &met_text } else { &not_met_text });
                let _ = li.set_attribute("class", if met { "met" } else { "" });
                if let Some(m) = li.first_element_child() {
                    m.set_text_content(Some(mark));
                }
                if let Some(s) = li.last_element_child() {
                    s.set_text_content(Some(state));
                }
            }
        }
    };
    // Whatever was typed before the WASM arrived counts too.
    update();
    dom::on(&input, "input", move |_| update());
    dom::flag(&toggle, "hidden", false);
    let button = toggle.clone();
    dom::on(&toggle, "click", move |_| {
        let shown = button.get_attribute("aria-pressed").as_deref() != Some("true");
        let _ = button.set_attribute("aria-pressed", if shown { "true" } else { "false" });
        let text = button.get_attribute(if shown { "data-hide" } else { "data-show" }).unwrap_or_default();
        button.set_text_content(Some(&text));
        let _ = input.set_attribute("type", if shown { "text" } else { "password" });
    });
}

#[cfg(not(feature = "hydrate"))]
fn attach(_: leptos::web_sys::Element) {}

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
    /// Offers the browser's passkey autofill here too (the sign-in page, when passkeys are on).
    #[prop(optional)]
    webauthn: bool,
) -> impl IntoView {
    let autocomplete = if webauthn { "current-password webauthn" } else { "current-password" };
    view! {
        <PasswordInput
            label=label
            name=name
            autocomplete=autocomplete.to_string()
            policy=None
            describedby=Some(crate::components::page::MESSAGE_ID.to_string())
        />
    }
}

/// The password asked for before a sensitive change (`purpose`: "to add a passkey"). While a
/// code from `ReauthCodeButton` is waiting for this account (`Reauth::pending`), the label says
/// the code goes here.
#[component]
pub fn ConfirmPasswordInput(
    #[prop(into)] purpose: String,
    #[prop(into)] name: String,
    reauth: Reauth,
) -> impl IntoView {
    use crate::i18n::t::common as t;
    let text = if reauth.pending { t::PASSWORD_OR_CODE_FOR } else { t::PASSWORD_FOR };
    let label = text.fill(&[("purpose", &purpose)]);
    // With two-factor on, the change also needs a current code from the authenticator app:
    // `email_password` comes with `email_totp`.
    let code_name = name.replace("password", "totp");
    let code = reauth.mfa.map(|mfa| {
        view! {
            <Suspense fallback=|| ()>
                {move || {
                    let code_name = code_name.clone();
                    Suspend::new(async move {
                        mfa.await.then(|| view! {
                            <crate::components::Field
                                label=t::AUTHENTICATOR_CODE.text()
                                name=code_name
                                autocomplete="one-time-code"
                                inputmode="numeric"
                                pattern="[0-9]{6}"
                                maxlength=crate::auth::validate::CODE_LEN
                                describedby=crate::components::page::MESSAGE_ID
                                rule=crate::components::Rule::AuthenticatorCode
                            />
                        })
                    })
                }}
            </Suspense>
        }
    });
    view! { <CurrentPasswordInput label=label name=name/> {code} }
}

/// Where the pool offers codes by email, someone without a password (an account made without
/// one) or who has forgotten it can have a code emailed to type in the password's place: this
/// button sends the same form to `send_reauth_code`, so it works without JavaScript. It goes
/// after the form's own submit button, which Enter in a field presses (the first one).
#[component]
pub fn ReauthCodeButton(reauth: Reauth) -> impl IntoView {
    use leptos::server_fn::ServerFn;
    reauth.offered.then(|| {
        view! {
            <p class="hint">{crate::i18n::t::common::NO_PASSWORD_HINT.text()}" "
                <button type="submit" class="link" formaction=crate::settings::SendReauthCode::url() formnovalidate>
                    {crate::i18n::t::common::EMAIL_ME_A_CODE.text()}
                </button>
            </p>
        }
    })
}

/// Confirming a change with an emailed code: whether the pool offers it, and whether a code is
/// waiting for the signed-in person. Read once per page (`Reauth::now`) and handed to the forms.
#[derive(Clone, Copy, Default)]
pub struct Reauth {
    pub offered: bool,
    pub pending: bool,
    /// Whether the account has an authenticator app on (then a change also needs its code).
    pub mfa: Option<Resource<bool>>,
}

impl Reauth {
    /// For the page being rendered (server only; nothing in the browser).
    pub fn now() -> Reauth {
        #[cfg(feature = "ssr")]
        {
            let (Some(state), Some(parts)) =
                (use_context::<crate::server::state::AppState>(), use_context::<http::request::Parts>())
            else {
                return Reauth::default();
            };
            let pending = match crate::auth::current_auth() {
                crate::auth::Auth::SignedIn(user) => {
                    crate::auth::server::reauth_pending(&state, &parts.headers, &user.sub)
                }
                _ => false,
            };
            let mfa = Resource::new_blocking(
                || (),
                |_| async {
                    match crate::server::ctx::Ctx::get() {
                        Ok(ctx) => crate::mfa::server::enabled(&ctx).await.unwrap_or(false),
                        Err(_) => false,
                    }
                },
            );
            Reauth { offered: state.email_code_sign_in(), pending, mfa: Some(mfa) }
        }
        #[cfg(not(feature = "ssr"))]
        {
            Reauth::default()
        }
    }
}
