//! The views of `avatar`.

use crate::auth::CurrentUser;
use crate::i18n::t::avatar as t;
use leptos::prelude::*;

/// "AL" for Ada Lovelace; the email's first letter when there is no name.
pub fn initials(user: &CurrentUser) -> String {
    let from_names: String = [&user.given_name, &user.family_name].iter().filter_map(|n| n.chars().next()).collect();
    let s = if from_names.is_empty() { user.email.chars().take(1).collect() } else { from_names };
    s.to_uppercase()
}

/// The user's avatar (a presigned GET, minted on the server) or their initials.
#[component]
pub fn Avatar(user: CurrentUser, #[prop(default = 32)] size: u32) -> impl IntoView {
    let label = t::PICTURE_OF.fill(&[("name", &user.display_name())]);
    let fallback = initials(&user);
    let url = Resource::new_blocking(
        move || user.clone(),
        |user| async move {
            #[cfg(feature = "ssr")]
            {
                let state = use_context::<crate::server::state::AppState>()?;
                super::server::display_url(&state, &user).await
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
