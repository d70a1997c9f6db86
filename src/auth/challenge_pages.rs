//! Pages for the second steps of signing in (TOTP code, forced new password) and for a
//! forgotten password.

use super::api::{AnswerMfa, AnswerSignInCode, CompleteNewPassword, EmailSignInCode, ForgotPassword, ResetPassword};
use crate::components::page::{FormPage, MESSAGE_ID};
use crate::components::password::NewPasswordInput;
use crate::components::submit::SubmitButton;
use crate::components::{CodeField, EmailField, Field};
use crate::flash::current_flash;
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
    let to = if email.is_empty() { "your email address".to_string() } else { email.clone() };
    let intro = format!("We sent a 6-digit sign-in code to {to}. Enter it below; it works for 3 minutes.");
    view! {
        <FormPage title="Enter your sign-in code" flash=current_flash() intro=intro>
            <form method="post" action=AnswerSignInCode::url() novalidate>
                <CodeField label="Sign-in code" describedby=MESSAGE_ID/>
                <SubmitButton label="Sign in".to_string()/>
            </form>
            <form method="post" action=EmailSignInCode::url() class="inline">
                <input type="hidden" name="email" value=email/>
                <p>"Didn't get it? " <button type="submit" class="link">"Send a new code"</button></p>
            </form>
            <p><a href=crate::routes::SIGN_IN>"Sign in with your password instead"</a></p>
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
        <FormPage title="Enter your authenticator code" flash=current_flash() intro="Open your authenticator app and enter the 6-digit code it shows for this account.">
            <form method="post" action=AnswerMfa::url() novalidate>
                <CodeField label="Authenticator code" describedby=MESSAGE_ID authenticator=true/>
                <SubmitButton label="Verify".to_string()/>
            </form>
            <p><a href=crate::routes::SIGN_IN>"Start again"</a></p>
        </FormPage>
    }
}

#[component]
pub fn NewPasswordPage() -> impl IntoView {
    let flash = current_flash();
    let kept = flash.clone().unwrap_or_default();
    let required = required_attributes();
    let given = required.iter().any(|a| a == "given_name").then(|| {
        view! { <Field label="Given name" name="given_name" autocomplete="given-name" value=kept.given_name.clone().unwrap_or_default() describedby=MESSAGE_ID maxlength=crate::auth::validate::NAME_MAX/> }
    });
    let family = required.iter().any(|a| a == "family_name").then(|| {
        view! { <Field label="Family name" name="family_name" autocomplete="family-name" value=kept.family_name.clone().unwrap_or_default() describedby=MESSAGE_ID maxlength=crate::auth::validate::NAME_MAX/> }
    });
    view! {
        <FormPage title="Choose a new password" flash=flash intro="Your account was created for you. Choose your own password to finish signing in.">
            <form method="post" action=CompleteNewPassword::url() novalidate>
                <NewPasswordInput label="New password" name="password"/>
                {given}
                {family}
                <SubmitButton label="Set password and sign in".to_string()/>
            </form>
        </FormPage>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let flash = current_flash();
    let email = flash.as_ref().and_then(|f| f.email.clone()).unwrap_or_default();
    view! {
        <FormPage title="Reset your password" flash=flash intro="Enter your email address and we will send you a code to set a new password.">
            <form method="post" action=ForgotPassword::url() novalidate>
                <EmailField value=email/>
                <SubmitButton label="Send code".to_string()/>
            </form>
            <p><a href=crate::routes::SIGN_IN>"Back to sign in"</a></p>
        </FormPage>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let flash = current_flash();
    let email = flash.as_ref().and_then(|f| f.email.clone()).unwrap_or_default();
    view! {
        <FormPage title="Set a new password" flash=flash>
            <form method="post" action=ResetPassword::url() novalidate>
                <EmailField value=email/>
                <CodeField label="Reset code" describedby=MESSAGE_ID/>
                <NewPasswordInput label="New password" name="password"/>
                <SubmitButton label="Change password".to_string()/>
            </form>
            <p><a href=crate::routes::FORGOT_PASSWORD>"Send a new code"</a></p>
        </FormPage>
    }
}
