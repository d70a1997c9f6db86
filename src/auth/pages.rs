//! The auth pages. Each form posts to its server function; the answer is a redirect, and
//! failures come back as a flash message in a `role="alert"` region.

use super::api::{ConfirmSignUp, EmailSignInCode, ResendCode, SignIn, SignUp, SignUpWithoutPassword};
use super::{Auth, current_auth};
use crate::components::page::{FormPage, MESSAGE_ID, redirect_to};
use crate::components::password::{CurrentPasswordInput, NewPasswordInput};
use crate::components::resend::ResendButton;
use crate::components::submit::SubmitButton;
use crate::components::{CodeField, EmailField, Field};
use crate::flash::current_flash;
use crate::i18n::t::auth as t;
use crate::i18n::t::common;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn SignUpPage() -> impl IntoView {
    if matches!(current_auth(), Auth::SignedIn(_)) {
        redirect_to(crate::routes::HOME);
    }
    let flash = current_flash();
    let kept = flash.clone().unwrap_or_default();
    // The same form, sent to another server function: no password, codes by email instead.
    let without_password = email_code_offered().then(|| {
        view! {
            <p class="or">{t::SIGN_UP_WITHOUT_PASSWORD_INTRO.text()}</p>
            <button type="submit" class="secondary" formaction=SignUpWithoutPassword::url()>{t::SIGN_UP_WITHOUT_PASSWORD.text()}</button>
        }
    });
    view! {
        <FormPage title=t::SIGN_UP_TITLE.text() flash=flash>
            <form method="post" action=SignUp::url() novalidate>
                <EmailField value=kept.email.unwrap_or_default()/>
                <NewPasswordInput label=t::PASSWORD.text() name="password"/>
                <Field label=t::GIVEN_NAME.text() name="given_name" autocomplete="given-name" value=kept.given_name.unwrap_or_default() describedby=MESSAGE_ID maxlength=crate::auth::validate::NAME_MAX/>
                <Field label=t::FAMILY_NAME.text() name="family_name" autocomplete="family-name" value=kept.family_name.unwrap_or_default() describedby=MESSAGE_ID maxlength=crate::auth::validate::NAME_MAX/>
                <SubmitButton label=t::CREATE_ACCOUNT.text()/>
                {without_password}
            </form>
            <p>{t::HAVE_ACCOUNT.text()}" " <a href=crate::routes::SIGN_IN>{common::SIGN_IN.text()}</a></p>
        </FormPage>
    }
}

#[component]
pub fn ConfirmPage() -> impl IntoView {
    let flash = current_flash();
    let pending_email = pending_email();
    let email = flash.as_ref().and_then(|f| f.email.clone()).or(pending_email).unwrap_or_default();
    let seconds_left = Resource::new_blocking(
        {
            let email = email.clone();
            move || email.clone()
        },
        resend_seconds_left,
    );
    let to = if email.is_empty() { t::YOUR_EMAIL_ADDRESS.text() } else { email.as_str() };
    let intro = t::CONFIRM_INTRO.fill(&[("email", &to)]);
    view! {
        <FormPage title=t::CONFIRM_TITLE.text() flash=flash intro=intro>
            <form method="post" action=ConfirmSignUp::url() novalidate>
                <EmailField value=email.clone()/>
                <CodeField label=t::CONFIRMATION_CODE.text() describedby=MESSAGE_ID/>
                <SubmitButton label=t::CONFIRM.text()/>
            </form>
            <form method="post" action=ResendCode::url() class="inline">
                <input type="hidden" name="email" value=email/>
                <p>{t::DIDNT_GET_IT.text()}" "
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move { view! { <ResendButton seconds_left=seconds_left.await/> } })}
                    </Suspense>
                </p>
            </form>
        </FormPage>
    }
}

/// The email of the sign-up waiting for its code (server only).
fn pending_email() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        let state = use_context::<crate::server::state::AppState>()?;
        let parts = use_context::<http::request::Parts>()?;
        state
            .cookies
            .open::<crate::server::session::PendingSignUp>(&parts.headers, crate::server::session::CookieName::Pending)
            .map(|p| p.email)
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// Whether the pool lets a person sign in with a code by email (server only).
fn email_code_offered() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::server::state::AppState>().is_some_and(|s| s.email_code_sign_in())
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}

/// Seconds until `email` may ask for another code (server only; the resend itself is checked too).
async fn resend_seconds_left(email: String) -> u64 {
    #[cfg(feature = "ssr")]
    {
        match (use_context::<crate::server::state::AppState>(), use_context::<http::request::Parts>()) {
            (Some(state), Some(parts)) if !email.is_empty() => {
                state.resend_seconds_left(&email, state.client_of(&parts)).await
            }
            _ => 0,
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = email;
        0
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    if matches!(current_auth(), Auth::SignedIn(_)) {
        redirect_to(crate::routes::HOME);
    }
    let flash = current_flash();
    let email = flash.as_ref().and_then(|f| f.email.clone()).unwrap_or_default();
    // The same form, sent to another server function: only the email is needed for a code.
    let (email_code, passkey) = (email_code_offered(), crate::passkeys::offered());
    let without_password = (email_code || passkey).then(|| {
        view! {
            <p class="or">{t::SIGN_IN_WITHOUT_PASSWORD.text()}</p>
            {email_code.then(|| view! {
                <button type="submit" class="secondary" formaction=EmailSignInCode::url()>{t::EMAIL_SIGN_IN_CODE.text()}</button>
            })}
            {passkey.then(|| view! { <crate::passkeys::PasskeySignIn/> })}
        }
    });
    view! {
        <FormPage title=common::SIGN_IN.text() flash=flash>
            <form method="post" action=SignIn::url() novalidate>
                <EmailField value=email webauthn=passkey/>
                <CurrentPasswordInput label=t::PASSWORD.text() name="password" webauthn=passkey/>
                <SubmitButton label=common::SIGN_IN.text()/>
                {without_password}
            </form>
            <p><a href=crate::routes::FORGOT_PASSWORD>{t::FORGOT_PASSWORD.text()}</a></p>
            <p>{t::NOT_CONFIRMED_YET.text()}" " <a href=crate::routes::CONFIRM>{t::ENTER_CONFIRMATION_CODE.text()}</a>
                " "{t::SIGNING_IN_SENDS_NEW.text()}</p>
            <p>{t::NEW_HERE.text()}" " <a href=crate::routes::SIGN_UP>{t::CREATE_AN_ACCOUNT.text()}</a></p>
        </FormPage>
    }
}
