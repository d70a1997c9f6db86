//! The views of `mfa`.

use super::api::{BeginMfaSetup, DisableMfa, VerifyMfaSetup, mfa_status};
use crate::auth::{Auth, current_auth};
use crate::components::CodeField;
use crate::components::page::{FormPage, MESSAGE_ID, redirect_to};
use crate::components::password::CurrentPasswordInput;
use crate::components::submit::SubmitButton;
use crate::error::AppError;
use crate::flash::current_flash;
use crate::i18n::t::mfa as t;
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
        <Suspense fallback=|| view! { <p>{t::CHECKING.text()}</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(true) => view! {
                        <p>{t::STATUS_IS.text()} " " <strong>{t::ON.text()}</strong> ". "
                            <a href=crate::routes::TWO_FACTOR_OFF>{t::TURN_OFF.text()}</a></p>
                    }.into_any(),
                    Ok(false) => view! {
                        <p>{t::STATUS_IS.text()} " " <strong>{t::OFF.text()}</strong> ". "
                            <a href=crate::routes::TWO_FACTOR>{t::SET_UP.text()}</a></p>
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
            <p>{t::INTRO.text()}</p>
            <form method="post" action=BeginMfaSetup::url() novalidate>
                <CurrentPasswordInput label=t::CURRENT_PASSWORD.text()/>
                <SubmitButton label=t::START_SETUP.text().to_string()/>
            </form>
            <p class="hint">{t::NO_PASSWORD_BEFORE.text()} " "
                <a href=crate::routes::FORGOT_PASSWORD>{t::NO_PASSWORD_LINK.text()}</a> "."</p>
        }
        .into_any(),
        Some((svg, secret)) => view! {
            <ol class="steps">
                <li>
                    <p>{t::SCAN.text()}</p>
                    <div class="qr" role="img" aria-label=t::QR_LABEL.text() inner_html=svg></div>
                </li>
                <li>
                    <p>{t::ENTER_SECRET.text()}</p>
                    <div class="field">
                        <label for="mfa-secret">{t::SECRET_KEY.text()}</label>
                        <input id="mfa-secret" class="secret" readonly value=secret autocomplete="off" spellcheck="false"/>
                    </div>
                </li>
                <li>
                    <form method="post" action=VerifyMfaSetup::url() novalidate>
                        <CodeField label=t::CODE_FROM_APP.text() describedby=MESSAGE_ID authenticator=true/>
                        <SubmitButton label=t::TURN_ON.text().to_string()/>
                    </form>
                </li>
            </ol>
        }
        .into_any(),
    };
    view! {
        <FormPage title=t::SET_UP.text() flash=flash>
            {body}
            <p><a href=crate::routes::HOME>{t::BACK_HOME.text()}</a></p>
        </FormPage>
    }
}

#[component]
pub fn MfaOffPage() -> impl IntoView {
    if !matches!(current_auth(), Auth::SignedIn(_)) {
        redirect_to(crate::routes::SIGN_IN);
    }
    view! {
        <FormPage title=t::TURN_OFF.text() flash=current_flash() intro=t::OFF_INTRO.text()>
            <form method="post" action=DisableMfa::url() novalidate>
                <CurrentPasswordInput label=t::PASSWORD.text() name="password"/>
                <CodeField label=t::CODE_FROM_APP.text() describedby=MESSAGE_ID authenticator=true/>
                <SubmitButton label=t::TURN_OFF.text().to_string()/>
            </form>
            <p><a href=crate::routes::HOME>{t::BACK_HOME.text()}</a></p>
        </FormPage>
    }
}
