//! Avatars: picked and downscaled in the browser (the one flow that needs WASM), uploaded
//! straight to S3 with a presigned PUT, checked and recorded by the server, and shown through
//! short-lived presigned GET URLs with initials as the fallback.

#[cfg(feature = "ssr")]
pub mod server;
mod uploader;

pub use uploader::AvatarUploader;

use crate::auth::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Types the browser may upload.
pub const ALLOWED_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];
/// Largest accepted upload, after the browser's downscale to 256×256.
pub const MAX_BYTES: u64 = 512 * 1024;

/// Where and under which key the browser PUTs the picture.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PresignedUpload {
    pub url: String,
    pub key: String,
}

/// A presigned PUT for the signed-in user's next avatar, with type and length signed in.
#[server(endpoint = "presign_avatar_upload")]
pub async fn presign_avatar_upload(content_type: String, content_length: u64) -> Result<PresignedUpload, AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    server::presign_upload(&ctx, &content_type, content_length).await
}

/// Checks the uploaded object and records it as the user's picture.
#[server(endpoint = "confirm_avatar")]
pub async fn confirm_avatar(key: String) -> Result<(), AppError> {
    let ctx = crate::server::ctx::Ctx::get()?;
    server::confirm(&ctx, &key).await
}

/// "AL" for Ada Lovelace; the email's first letter when there is no name.
pub fn initials(user: &CurrentUser) -> String {
    let from_names: String = [&user.given_name, &user.family_name].iter().filter_map(|n| n.chars().next()).collect();
    let s = if from_names.is_empty() { user.email.chars().take(1).collect() } else { from_names };
    s.to_uppercase()
}

/// The user's avatar (a presigned GET, minted on the server) or their initials.
#[component]
pub fn Avatar(user: CurrentUser, #[prop(default = 32)] size: u32) -> impl IntoView {
    let label = format!("Picture of {}", user.display_name());
    let fallback = initials(&user);
    let url = Resource::new_blocking(
        move || user.clone(),
        |user| async move {
            #[cfg(feature = "ssr")]
            {
                let state = use_context::<crate::server::state::AppState>()?;
                server::display_url(&state, &user).await
            }
            #[cfg(not(feature = "ssr"))]
            {
                let _ = user;
                None::<String>
            }
        },
    );
    // A class, not a style attribute: the Content-Security-Policy allows no inline styles.
    let style = format!("avatar-{}", if size > 32 { 96 } else { 32 });
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let (label, fallback, style) = (label.clone(), fallback.clone(), style.clone());
                Suspend::new(async move {
                    match url.await {
                        Some(src) => view! { <img class=format!("avatar {style}") src=src alt=label/> }.into_any(),
                        None => view! {
                            <span class=format!("avatar initials {style}") role="img" aria-label=label>{fallback}</span>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
