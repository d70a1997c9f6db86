//! The views of `mfa`.

use super::api::{BeginMfaSetup, DisableMfa, VerifyMfaSetup, mfa_status};
use crate::auth::{Auth, current_auth};
use crate::components::CodeField;
use crate::components::page::{FormPage, MESSAGE_ID, redirect_to};
use crate::components::password::CurrentPasswordInput;
use crate::components::submit::SubmitButton;
use crate::error::AppError;
use crate::flash::current_flash;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The set-up in progress (server only): the otpauth URI as an SVG QR code, and the secret.
fn setup_in_progress() -> Option<(String, String)> {
    #[cfg(feature = "ssr")]
    {
        super::server::in_progress()
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// "Two-factor: on/off" with the matching link; for the home page.
#[component]
pub fn MfaStatus() -> impl IntoView {
    let status = Resource::new_blocking(|| (), |_| mfa_status());
    view! {
        <Suspense fallback=|| view! { <p>"Checking two-factor authentication…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(true) => view! {
                        <p>"Two-factor authentication is " <strong>"on"</strong> ". "
                            <a href=crate::routes::TWO_FACTOR_OFF>"Turn off two-factor authentication"</a></p>
                    }.into_any(),
                    Ok(false) => view! {
                        <p>"Two-factor authentication is " <strong>"off"</strong> ". "
                            <a href=crate::routes::TWO_FACTOR>"Set up two-factor authentication"</a></p>
                    }.into_any(),
                    Err(AppError::SessionEnded) => {
                        // Cognito says the token is revoked: the cookies are already cleared.
                        redirect_to(crate::routes::SIGN_IN);
                        view! { <p role="alert">{AppError::SessionEnded.message()}</p> }.into_any()
                    }
                    Err(e) => view! { <p role="alert">{e.message()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn MfaSetupPage() -> impl IntoView {
    if !matches!(current_auth(), Auth::SignedIn(_)) {
        redirect_to(crate::routes::SIGN_IN);
    }
    let flash = current_flash();
    let body = match setup_in_progress() {
        None => view! {
            <p>"Protect your account with a code from an authenticator app (such as 1Password, Google Authenticator or Aegis) each time you sign in."</p>
            <form method="post" action=BeginMfaSetup::url() novalidate>
                <CurrentPasswordInput label="Current password"/>
                <SubmitButton label="Start set-up".to_string()/>
            </form>
            <p class="hint">"Signed up without a password? Two-factor authentication adds a code to your password, so set one first with "
                <a href=crate::routes::FORGOT_PASSWORD>"a code by email"</a> "."</p>
        }
        .into_any(),
        Some((svg, secret)) => view! {
            <ol class="steps">
                <li>
                    <p>"Scan this QR code with your authenticator app:"</p>
                    <div class="qr" role="img" aria-label="QR code for your authenticator app" inner_html=svg></div>
                </li>
                <li>
                    <p>"Or enter the secret key by hand:"</p>
                    <div class="field">
                        <label for="mfa-secret">"Secret key"</label>
                        <input id="mfa-secret" class="secret" readonly value=secret autocomplete="off" spellcheck="false"/>
                    </div>
                </li>
                <li>
                    <form method="post" action=VerifyMfaSetup::url() novalidate>
                        <CodeField label="Code from your app" describedby=MESSAGE_ID authenticator=true/>
                        <SubmitButton label="Turn on two-factor authentication".to_string()/>
                    </form>
                </li>
            </ol>
        }
        .into_any(),
    };
    view! {
        <FormPage title="Set up two-factor authentication" flash=flash>
            {body}
            <p><a href=crate::routes::HOME>"Back to home"</a></p>
        </FormPage>
    }
}

#[component]
pub fn MfaOffPage() -> impl IntoView {
    if !matches!(current_auth(), Auth::SignedIn(_)) {
        redirect_to(crate::routes::SIGN_IN);
    }
    view! {
        <FormPage title="Turn off two-factor authentication" flash=current_flash() intro="To turn it off, confirm it is you with your password and a current code from your authenticator app.">
            <form method="post" action=DisableMfa::url() novalidate>
                <CurrentPasswordInput label="Password" name="password"/>
                <CodeField label="Code from your app" describedby=MESSAGE_ID authenticator=true/>
                <SubmitButton label="Turn off two-factor authentication".to_string()/>
            </form>
            <p><a href=crate::routes::HOME>"Back to home"</a></p>
        </FormPage>
    }
}
