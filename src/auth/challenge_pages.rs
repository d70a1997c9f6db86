//! Pages for the second steps of signing in (TOTP code, forced new password) and for a
//! forgotten password.

use super::api::{
    AnswerMfa, AnswerRecoveryCode, AnswerSignInCode, CompleteNewPassword, EmailSignInCode, ForgotPassword,
    ResetPassword,
};
use crate::components::page::{FormPage, MESSAGE_ID};
use crate::components::password::{CurrentPasswordInput, NewPasswordInput};
use crate::components::submit::SubmitButton;
use crate::components::{CodeField, EmailField, Field};
use crate::flash::current_flash;
use crate::i18n::t::auth as t;
use crate::i18n::t::common;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The pending challenge (server only).
#[cfg(feature = "ssr")]
fn pending_challenge() -> Option<super::server::Challenge> {
    let state = use_context::<crate::server::state::AppState>()?;
    let parts = use_context::<http::request::Parts>()?;
    state.cookies.open::<super::server::Challenge>(&parts.headers, crate::server::session::CookieName::Challenge)
}

/// The email a sign-in code was sent to (server only).
fn code_email() -> String {
    #[cfg(feature = "ssr")]
    {
        pending_challenge()
            .filter(|c| c.kind == super::server::ChallengeKind::EmailCode)
            .map(|c| c.email)
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        String::new()
    }
}

#[component]
pub fn SignInCodePage() -> impl IntoView {
    let email = code_email();
    let to = if email.is_empty() { t::YOUR_EMAIL_ADDRESS.text() } else { email.as_str() };
    let intro = t::SIGN_IN_CODE_INTRO.fill(&[("email", &to)]);
    view! {
        <FormPage title=t::SIGN_IN_CODE_TITLE.text() flash=current_flash() intro=intro>
            <form method="post" action=AnswerSignInCode::url() novalidate>
                <CodeField label=t::SIGN_IN_CODE.text() describedby=MESSAGE_ID/>
                <SubmitButton label=common::SIGN_IN.text()/>
            </form>
            <form method="post" action=EmailSignInCode::url() class="inline">
                <input type="hidden" name="email" value=email/>
                <p>{t::DIDNT_GET_IT.text()}" " <button type="submit" class="link">{t::SEND_NEW_CODE.text()}</button></p>
            </form>
            <p><a href=crate::routes::SIGN_IN>{t::SIGN_IN_WITH_PASSWORD_INSTEAD.text()}</a></p>
        </FormPage>
    }
}

/// Attributes the pending new-password challenge requires (server only).
fn required_attributes() -> Vec<String> {
    #[cfg(feature = "ssr")]
    {
        pending_challenge().map(|c| c.required).unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        vec![]
    }
}

#[component]
pub fn VerifyMfaPage() -> impl IntoView {
    view! {
        <FormPage title=t::MFA_TITLE.text() flash=current_flash() intro=t::MFA_INTRO.text()>
            <form method="post" action=AnswerMfa::url() novalidate>
                <CodeField label=t::AUTHENTICATOR_CODE.text() describedby=MESSAGE_ID authenticator=true/>
                <SubmitButton label=t::VERIFY.text()/>
            </form>
            <section aria-labelledby="recovery-heading">
                <h2 id="recovery-heading">{t::RECOVERY_HEADING.text()}</h2>
                <p>{t::RECOVERY_INTRO.text()}</p>
                <form method="post" action=AnswerRecoveryCode::url() novalidate>
                    <CurrentPasswordInput label=t::PASSWORD.text() name="recovery_password"/>
                    <Field label=t::RECOVERY_CODE.text() name="recovery_code" autocomplete="off" describedby=MESSAGE_ID maxlength=20/>
                    <SubmitButton label=t::USE_RECOVERY_CODE.text()/>
                </form>
                <p class="hint">{t::RECOVERY_NONE_HINT.text()}</p>
            </section>
            <p><a href=crate::routes::SIGN_IN>{t::START_AGAIN.text()}</a></p>
        </FormPage>
    }
}

#[component]
pub fn NewPasswordPage() -> impl IntoView {
    let flash = current_flash();
    let kept = flash.clone().unwrap_or_default();
    let required = required_attributes();
    let given = required.iter().any(|a| a == "given_name").then(|| {
        view! { <Field label=t::GIVEN_NAME.text() name="given_name" autocomplete="given-name" value=kept.given_name.clone().unwrap_or_default() describedby=MESSAGE_ID maxlength=crate::auth::validate::NAME_MAX/> }
    });
    let family = required.iter().any(|a| a == "family_name").then(|| {
        view! { <Field label=t::FAMILY_NAME.text() name="family_name" autocomplete="family-name" value=kept.family_name.clone().unwrap_or_default() describedby=MESSAGE_ID maxlength=crate::auth::validate::NAME_MAX/> }
    });
    view! {
        <FormPage title=t::NEW_PASSWORD_TITLE.text() flash=flash intro=t::NEW_PASSWORD_INTRO.text()>
            <form method="post" action=CompleteNewPassword::url() novalidate>
                <NewPasswordInput label=t::NEW_PASSWORD.text() name="password"/>
                {given}
                {family}
                <SubmitButton label=t::SET_PASSWORD_AND_SIGN_IN.text()/>
            </form>
        </FormPage>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let flash = current_flash();
    let email = flash.as_ref().and_then(|f| f.email.clone()).unwrap_or_default();
    view! {
        <FormPage title=t::FORGOT_TITLE.text() flash=flash intro=t::FORGOT_INTRO.text()>
            <form method="post" action=ForgotPassword::url() novalidate>
                <EmailField value=email/>
                <SubmitButton label=t::SEND_CODE.text()/>
            </form>
            <p><a href=crate::routes::SIGN_IN>{t::BACK_TO_SIGN_IN.text()}</a></p>
        </FormPage>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let flash = current_flash();
    let email = flash.as_ref().and_then(|f| f.email.clone()).unwrap_or_default();
    view! {
        <FormPage title=t::RESET_TITLE.text() flash=flash>
            <form method="post" action=ResetPassword::url() novalidate>
                <EmailField value=email/>
                <CodeField label=t::RESET_CODE.text() describedby=MESSAGE_ID/>
                <NewPasswordInput label=t::NEW_PASSWORD.text() name="password"/>
                {crate::passkeys::offered().then(|| view! {
                    // Checked: a passkey someone else added would otherwise still sign in.
                    <div class="check">
                        <input type="checkbox" id="remove-passkeys" name="remove_passkeys" value="on" checked/>
                        <label for="remove-passkeys">{t::REMOVE_PASSKEYS_ON_RESET.text()}</label>
                    </div>
                })}
                <SubmitButton label=t::CHANGE_PASSWORD.text()/>
            </form>
            <p><a href=crate::routes::FORGOT_PASSWORD>{t::SEND_NEW_CODE.text()}</a></p>
        </FormPage>
    }
}
