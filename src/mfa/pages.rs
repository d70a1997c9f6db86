//! The views of `mfa`.

use super::api::{BeginMfaSetup, DisableMfa, NewRecoveryCodes, VerifyMfaSetup, mfa_status, recovery_codes_left};
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

/// The recovery codes just made, shown once (`/recovery-codes`): the list, a text file to
/// download, and the way on.
#[component]
pub fn RecoveryCodesPage() -> impl IntoView {
    let user = match current_auth() {
        Auth::SignedIn(user) => user,
        _ => {
            redirect_to(crate::routes::SIGN_IN);
            return view! { <p></p> }.into_any();
        }
    };
    #[cfg(feature = "ssr")]
    let codes = super::server::fresh_codes();
    #[cfg(not(feature = "ssr"))]
    let codes: Option<Vec<String>> = None;
    let body = match codes {
        Some(codes) => {
            let file =
                format!("{}\n\n{}\n", t::RECOVERY_FILE_HEADING.fill(&[("email", &user.email)]), codes.join("\n"));
            let href = format!("data:text/plain;charset=utf-8,{}", percent_encode(&file));
            let items = codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view();
            view! {
                <p>{t::RECOVERY_INTRO.text()}</p>
                <ol class="recovery-codes" aria-label=t::RECOVERY_LIST.text()>{items}</ol>
                <p><a href=href download="recovery-codes.txt">{t::RECOVERY_DOWNLOAD.text()}</a></p>
                <p><a href=crate::routes::SETTINGS>{t::RECOVERY_DONE.text()}</a></p>
            }
            .into_any()
        }
        None => view! {
            <p>{t::RECOVERY_GONE.text()}</p>
            <p><a href=crate::routes::SETTINGS>{crate::i18n::t::common::SETTINGS.text()}</a></p>
        }
        .into_any(),
    };
    view! { <FormPage title=t::RECOVERY_TITLE.text() flash=current_flash()>{body}</FormPage> }.into_any()
}

/// Percent-encodes everything but unreserved characters (for a `data:` address).
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Settings → two-factor, when it is on: how many recovery codes are left, and a new set after
/// the password and a current code.
#[component]
pub fn RecoveryCodesStatus() -> impl IntoView {
    let status = Resource::new_blocking(
        || (),
        |_| async move {
            match mfa_status().await {
                Ok(true) => recovery_codes_left().await.map(Some),
                Ok(false) => Ok(None),
                Err(e) => Err(e),
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(Some(left)) => {
                        let count = if left == 0 { t::RECOVERY_NONE.text().to_string() } else { t::RECOVERY_LEFT.fill(&[("left", &left)]) };
                        view! {
                            <p>{count}</p>
                            <details>
                                <summary>{t::RECOVERY_NEW.text()}</summary>
                                <p>{t::RECOVERY_NEW_INTRO.text()}</p>
                                <form method="post" action=NewRecoveryCodes::url() novalidate>
                                    <CurrentPasswordInput label=t::PASSWORD.text() name="password"/>
                                    <CodeField label=t::CODE_FROM_APP.text() describedby=MESSAGE_ID authenticator=true/>
                                    <SubmitButton label=t::RECOVERY_NEW.text().to_string()/>
                                </form>
                            </details>
                        }.into_any()
                    }
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <p role="alert">{e.message()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
