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
            return view! { <p>"Please " <a href=crate::routes::SIGN_IN>"sign in"</a> "."</p> }.into_any();
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
                <p>{format!("Your new address {address} is not confirmed yet. Enter the code we sent to it.")}</p>
                <form method="post" action=VerifyEmail::url() novalidate>
                    <CodeField label="Email code" describedby=MESSAGE_ID/>
                    <SubmitButton label="Confirm new email".to_string()/>
                </form>
                <form method="post" action=ResendEmailCode::url()>
                    <button type="submit" class="secondary">"Send the code again"</button>
                </form>
            </div>
        }
    });
    view! {
        <FormPage title="Settings" flash=flash>

            <section aria-labelledby="profile-heading">
                <h2 id="profile-heading">"Profile"</h2>
                <form method="post" action=UpdateProfile::url() novalidate>
                    <Field label="Given name" name="given_name" autocomplete="given-name" value=given_value describedby=MESSAGE_ID maxlength=crate::auth::validate::NAME_MAX/>
                    <Field label="Family name" name="family_name" autocomplete="family-name" value=family_value describedby=MESSAGE_ID maxlength=crate::auth::validate::NAME_MAX/>
                    <Suspense fallback=|| ()>
                        {move || {
                            let typed_bio = typed_bio.clone();
                            Suspend::new(async move {
                            match bio.await {
                                Ok(stored) => view! {
                                    <TextArea label="Bio" name="bio" value=typed_bio.unwrap_or(stored) describedby=MESSAGE_ID maxlength=BIO_MAX hint=format!("Up to {BIO_MAX} characters.")/>
                                }.into_any(),
                                // Without the field, saving the names leaves the bio as it is.
                                Err(e) => view! { <p role="alert">{format!("Your bio cannot be shown right now. {}", e.message())}</p> }.into_any(),
                            }
                        })
                        }}
                    </Suspense>
                    <SubmitButton label="Save profile".to_string()/>
                </form>
            </section>

            <section aria-labelledby="email-heading">
                <h2 id="email-heading">"Email"</h2>
                <p>{format!("You sign in with {}.", user.email)}</p>
                {pending_email}
                <form method="post" action=ChangeEmail::url() novalidate>
                    <Field label="New email address" name="email" kind="email" autocomplete="email" value=typed_email describedby=MESSAGE_ID maxlength=crate::auth::validate::EMAIL_MAX/>
                    <ConfirmPasswordInput purpose="to confirm the change" name="email_password" reauth/>
                    <SubmitButton label="Change email".to_string()/>
                    <ReauthCodeButton reauth/>
                </form>
            </section>

            <section aria-labelledby="password-heading">
                <h2 id="password-heading">"Password"</h2>
                <form method="post" action=ChangePassword::url() novalidate>
                    <CurrentPasswordInput label="Current password" name="current_password"/>
                    <p class="hint">"Signed up without a password? Set your first one with "
                        <a href=crate::routes::FORGOT_PASSWORD>"a code by email"</a> "."</p>
                    <NewPasswordInput label="New password" name="new_password"/>
                    <SubmitButton label="Change password".to_string()/>
                </form>
            </section>

            {crate::passkeys::offered().then(|| view! {
                <section aria-labelledby="passkeys-heading">
                    <h2 id="passkeys-heading">"Passkeys"</h2>
                    <crate::passkeys::PasskeySettings reauth/>
                </section>
            })}

            <section aria-labelledby="mfa-heading">
                <h2 id="mfa-heading">"Two-factor authentication"</h2>
                <crate::mfa::MfaStatus/>
            </section>

            <section aria-labelledby="avatar-heading">
                <h2 id="avatar-heading">"Avatar"</h2>
                <crate::avatar::Avatar user=user.clone() size=96/>
                <crate::avatar::AvatarUploader/>
            </section>

            <section aria-labelledby="danger-heading" class="danger">
                <h2 id="danger-heading">"Delete account"</h2>
                <p>"This deletes your account and everything stored with it. It cannot be undone."</p>
                <form method="post" action=DeleteAccount::url() novalidate>
                    <Field label="Type your email address to confirm" name="confirm_email" kind="email" autocomplete="off" describedby=MESSAGE_ID maxlength=crate::auth::validate::EMAIL_MAX/>
                    <ConfirmPasswordInput purpose="to confirm deletion" name="delete_password" reauth/>
                    <SubmitButton label="Delete my account".to_string()/>
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
        <Title text="Account deleted"/>
        <h1>"Your account was deleted"</h1>
        <p role="status">"Your account and everything stored with it are gone. Thank you for trying us."</p>
        <p><a href=crate::routes::SIGN_UP>"Create a new account"</a></p>
    }
}
