//! The views of `settings`.

use super::api::{ChangeEmail, ChangePassword, DeleteAccount, ResendEmailCode, UpdateProfile, VerifyEmail};
use crate::auth::validate::BIO_MAX;
use crate::auth::{Auth, current_auth};
use crate::components::page::{FormPage, MESSAGE_ID, redirect_to};
use crate::components::password::{
    ConfirmPasswordInput, CurrentPasswordInput, NewPasswordInput, Reauth, ReauthCodeButton,
};
use crate::components::submit::SubmitButton;
use crate::components::{CodeField, Field, TextArea};
use crate::error::AppError;
use crate::flash::current_flash;
use crate::i18n::t::settings as t;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let user = match current_auth() {
        Auth::SignedIn(user) => user,
        Auth::Unavailable => return view! { <crate::components::page::Unavailable/> }.into_any(),
        Auth::SignedOut => {
            redirect_to(crate::routes::SIGN_IN);
            return view! { <PleaseSignIn/> }.into_any();
        }
    };
    let flash = current_flash();
    let reauth = Reauth::now();
    // After a refused save, the fields show what was typed, not what is stored.
    let typed = flash.clone().filter(|f| f.kind == crate::flash::FlashKind::Error);
    let given_value = typed.as_ref().and_then(|f| f.given_name.clone()).unwrap_or_else(|| user.given_name.clone());
    let family_value = typed.as_ref().and_then(|f| f.family_name.clone()).unwrap_or_else(|| user.family_name.clone());
    let typed_bio = typed.and_then(|f| f.bio);
    // A new address typed before a refused change, or before asking for a code, stays typed.
    let typed_email = flash.as_ref().and_then(|f| f.email.clone()).unwrap_or_default();
    // The bio is read from Cognito for this page only (it is not in the id token).
    let sub = user.sub.clone();
    let bio = Resource::new_blocking(
        move || sub.clone(),
        |sub| async move {
            #[cfg(feature = "ssr")]
            {
                let state = use_context::<crate::server::state::AppState>().ok_or(AppError::Internal)?;
                super::server::bio(&state, &sub).await
            }
            #[cfg(not(feature = "ssr"))]
            {
                let _ = sub;
                Ok::<String, AppError>(String::new())
            }
        },
    );
    #[cfg(feature = "ssr")]
    let awaiting = super::server::awaiting_code(&user);
    #[cfg(not(feature = "ssr"))]
    let awaiting: Option<String> = None;
    let pending_email = awaiting.map(|address| {
        view! {
            <div class="pending" role="status">
                <p>{t::PENDING_EMAIL.fill(&[("address", &address)])}</p>
                <form method="post" action=VerifyEmail::url() novalidate>
                    <CodeField label=t::EMAIL_CODE.text() describedby=MESSAGE_ID/>
                    <SubmitButton label=t::CONFIRM_NEW_EMAIL.text()/>
                </form>
                <form method="post" action=ResendEmailCode::url()>
                    <button type="submit" class="secondary">{t::SEND_CODE_AGAIN.text()}</button>
                </form>
            </div>
        }
    });
    view! {
        <FormPage title=crate::i18n::t::common::SETTINGS.text() flash=flash>

            <section aria-labelledby="profile-heading">
                <h2 id="profile-heading">{t::PROFILE.text()}</h2>
                <form method="post" action=UpdateProfile::url() novalidate>
                    <Field label=t::GIVEN_NAME.text() name="given_name" autocomplete="given-name" value=given_value describedby=MESSAGE_ID maxlength=crate::auth::validate::NAME_MAX/>
                    <Field label=t::FAMILY_NAME.text() name="family_name" autocomplete="family-name" value=family_value describedby=MESSAGE_ID maxlength=crate::auth::validate::NAME_MAX/>
                    <Suspense fallback=|| ()>
                        {move || {
                            let typed_bio = typed_bio.clone();
                            Suspend::new(async move {
                            match bio.await {
                                Ok(stored) => view! {
                                    <TextArea label=t::BIO.text() name="bio" value=typed_bio.unwrap_or(stored) describedby=MESSAGE_ID maxlength=BIO_MAX hint=t::BIO_HINT.fill(&[("max", &BIO_MAX)])/>
                                }.into_any(),
                                // Without the field, saving the names leaves the bio as it is.
                                Err(e) => view! { <p role="alert">{t::BIO_UNAVAILABLE.fill(&[("message", &e.message())])}</p> }.into_any(),
                            }
                        })
                        }}
                    </Suspense>
                    <SubmitButton label=t::SAVE_PROFILE.text()/>
                </form>
            </section>

            <section aria-labelledby="email-heading">
                <h2 id="email-heading">{crate::i18n::t::common::EMAIL.text()}</h2>
                <p>{t::YOU_SIGN_IN_WITH.fill(&[("email", &user.email)])}</p>
                {pending_email}
                <form method="post" action=ChangeEmail::url() novalidate>
                    <Field label=t::NEW_EMAIL.text() name="email" kind="email" autocomplete="email" value=typed_email describedby=MESSAGE_ID maxlength=crate::auth::validate::EMAIL_MAX/>
                    <ConfirmPasswordInput purpose=t::PURPOSE_CHANGE.text() name="email_password" reauth/>
                    <SubmitButton label=t::CHANGE_EMAIL.text()/>
                    <ReauthCodeButton reauth/>
                </form>
            </section>

            <section aria-labelledby="password-heading">
                <h2 id="password-heading">{t::PASSWORD.text()}</h2>
                <form method="post" action=ChangePassword::url() novalidate>
                    <CurrentPasswordInput label=t::CURRENT_PASSWORD.text() name="current_password"/>
                    <p class="hint">{t::NO_PASSWORD_BEFORE.text()}" "
                        <a href=crate::routes::FORGOT_PASSWORD>{t::NO_PASSWORD_LINK.text()}</a>{t::NO_PASSWORD_AFTER.text()}</p>
                    <NewPasswordInput label=t::NEW_PASSWORD.text() name="new_password"/>
                    <SubmitButton label=t::CHANGE_PASSWORD.text()/>
                </form>
            </section>

            {crate::passkeys::offered().then(|| view! {
                <section aria-labelledby="passkeys-heading">
                    <h2 id="passkeys-heading">{t::PASSKEYS.text()}</h2>
                    <crate::passkeys::PasskeySettings reauth/>
                </section>
            })}

            <section aria-labelledby="mfa-heading">
                <h2 id="mfa-heading">{t::TWO_FACTOR.text()}</h2>
                <crate::mfa::MfaStatus/>
                <crate::mfa::RecoveryCodesStatus/>
            </section>

            <section aria-labelledby="sessions-heading" id="sessions">
                <h2 id="sessions-heading">{t::SESSIONS.text()}</h2>
                <p>{t::SESSIONS_INTRO.text()}</p>
                <super::sessions::SessionList/>
            </section>

            <section aria-labelledby="avatar-heading">
                <h2 id="avatar-heading">{t::AVATAR.text()}</h2>
                <crate::avatar::Avatar user=user.clone() size=96/>
                <crate::avatar::AvatarUploader/>
                // The messages of the errors the passkey and picture islands may be answered with.
                <crate::components::ErrorTexts/>
            </section>

            <section aria-labelledby="danger-heading" class="danger">
                <h2 id="danger-heading">{t::DELETE_ACCOUNT.text()}</h2>
                <p>{t::DELETE_WARNING.text()}</p>
                <form method="post" action=DeleteAccount::url() novalidate>
                    <Field label=t::CONFIRM_EMAIL.text() name="confirm_email" kind="email" autocomplete="off" describedby=MESSAGE_ID maxlength=crate::auth::validate::EMAIL_MAX/>
                    <ConfirmPasswordInput purpose=t::PURPOSE_DELETE.text() name="delete_password" reauth/>
                    <SubmitButton label=t::DELETE_MY_ACCOUNT.text()/>
                    <ReauthCodeButton reauth/>
                </form>
            </section>
        </FormPage>
    }
    .into_any()
}

#[component]
pub fn AccountDeletedPage() -> impl IntoView {
    view! {
        <Title text=t::DELETED_TITLE.text()/>
        <h1>{t::DELETED_HEADING.text()}</h1>
        <p role="status">{t::DELETED_MESSAGE.text()}</p>
        <p><a href=crate::routes::SIGN_UP>{t::CREATE_NEW_ACCOUNT.text()}</a></p>
    }
}

/// "Please sign in." with a link, shown while the redirect to sign-in happens (the settings,
/// home and admin pages).
#[component]
pub fn PleaseSignIn() -> impl IntoView {
    view! {
        <p>{t::PLEASE_SIGN_IN_BEFORE.text()}" "<a href=crate::routes::SIGN_IN>{t::PLEASE_SIGN_IN_LINK.text()}</a>{t::PLEASE_SIGN_IN_AFTER.text()}</p>
    }
}
