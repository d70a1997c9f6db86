//! The request context every server function works through: the app state, the request, and
//! the response's cookies. It is the one place that tells signed-in, signed-out and
//! unavailable apart for a server function, and the one way every form answers (a redirect,
//! with a flash message on failure).

use crate::auth::validate;
use crate::error::AppError;
use crate::server::aws::{ends_session, error_code, map_sdk_error};
use crate::server::email::{SecurityEvent, Where};
use crate::server::session::{
    CookieName, DEVICE_MAX_AGE, Device, FLASH_MAX_AGE, Flash, FlashKind, LANG_MAX_AGE, PENDING_MAX_AGE, PendingSignUp,
    SessionTokens,
};
use crate::server::state::AppState;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::AuthenticationResultType;
use http::{HeaderValue, header::SET_COOKIE, request::Parts};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

/// What a server function needs from its request.
pub struct Ctx {
    pub state: AppState,
    pub parts: Parts,
    res: ResponseOptions,
}

impl Ctx {
    pub fn get() -> Result<Ctx, AppError> {
        let missing = || {
            tracing::error!("server function ran without its request context");
            AppError::Internal
        };
        Ok(Ctx {
            state: use_context::<AppState>().ok_or_else(missing)?,
            parts: use_context::<Parts>().ok_or_else(missing)?,
            res: use_context::<ResponseOptions>().ok_or_else(missing)?,
        })
    }

    pub fn set_cookie(&self, value: HeaderValue) {
        self.res.append_header(SET_COOKIE, value);
    }

    /// A message for the next page, which is shown in the language the message is written in
    /// (after a sign-out, say, the account's language, not the browser's).
    pub fn flash(&self, flash: &Flash) {
        let flash = Flash { lang: Some(crate::i18n::current().tag().to_string()), ..flash.clone() };
        self.set_cookie(self.state.cookies.seal(CookieName::Flash, &flash, FLASH_MAX_AGE));
    }

    /// Ends every form: success goes to `Ok(path)`; failure goes back to `back` with the
    /// error's plain message and the non-secret fields in `keep`, so nothing typed is lost.
    /// A client that does not take HTML (a program, an island) gets the error itself, which
    /// `layers::server_fn_errors` answers with its status (400, 401, 429, …).
    pub fn finish(&self, result: Result<&str, AppError>, back: &str, keep: Flash) -> Result<(), AppError> {
        let html = self
            .parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
        if let (Err(e), false) = (&result, html) {
            return Err(e.clone());
        }
        match result {
            Ok(to) => leptos_axum::redirect(to),
            // The session is over (its cookies were cleared with the flash saying so).
            Err(AppError::SessionEnded) => leptos_axum::redirect(crate::routes::SIGN_IN),
            // No session (signed out, or ended elsewhere): to sign-in, saying so.
            Err(e @ AppError::NotSignedIn) => {
                self.flash(&Flash { kind: FlashKind::Error, message: e.message(), ..keep });
                leptos_axum::redirect(crate::routes::SIGN_IN);
            }
            Err(e) => {
                // Errors that are ours to fix carry the request's reference for the person to quote.
                let message =
                    if e.status() >= 500 { super::request_id::with_reference(e.message()) } else { e.message() };
                self.flash(&Flash { kind: FlashKind::Error, message, ..keep });
                leptos_axum::redirect(back);
            }
        }
        Ok(())
    }

    pub fn pending(&self) -> Option<PendingSignUp> {
        self.state.cookies.open(&self.parts.headers, CookieName::Pending)
    }

    pub fn set_pending(&self, pending: &PendingSignUp) {
        self.set_cookie(self.state.cookies.seal(CookieName::Pending, pending, PENDING_MAX_AGE));
    }

    /// Replaces whatever session the browser had with one built from fresh tokens, and starts
    /// its server-side record. A browser that has not signed in to this account before is
    /// announced to the account by email, unless `announce` is false (the sign-in that follows
    /// the sign-up in the same browser).
    pub async fn start_session(&self, result: &AuthenticationResultType, announce: bool) -> Result<(), AppError> {
        let (Some(access), Some(id)) = (result.access_token(), result.id_token()) else {
            tracing::error!("Cognito answered without access or id token");
            return Err(AppError::Internal);
        };
        let s = &self.state;
        let claims = s.verifier.verify_id(id).await.map_err(|e| {
            tracing::error!(reason = %e, "the id token Cognito just issued does not verify");
            AppError::Internal
        })?;
        // The session this browser had ends here.
        if let Some(old) = s.cookies.open::<String>(&self.parts.headers, CookieName::Sid)
            && let Ok(Some(record)) = s.sessions.get(&old).await
        {
            let _ = s.sessions.delete(&record.sub, &old).await;
        }
        let mut tokens = SessionTokens {
            access: access.to_string(),
            id: id.to_string(),
            refresh: result.refresh_token().map(str::to_string),
            sid: None,
        };
        let sid = crate::server::guard::record_session(s, &tokens, &claims.sub, &self.parts.headers, self.client_ip())
            .await?;
        tokens.sid = Some(sid);
        let max_age = i64::from(s.config.refresh_token_seconds);
        for v in s.cookies.start_session(&tokens, max_age) {
            self.set_cookie(v);
        }
        self.set_cookie(s.cookies.clear(CookieName::Pending));
        self.set_cookie(s.cookies.clear(CookieName::Challenge));
        // This browser now knows the account.
        let mut device: Device = s.cookies.open(&self.parts.headers, CookieName::Device).unwrap_or_default();
        let known = device.knows(&claims.sub);
        device.remember(&claims.sub);
        if let Some(email) = &claims.email {
            device.remember_email(&s.keyed(&Device::email_key(email)));
        }
        self.set_cookie(s.cookies.seal(CookieName::Device, &device, DEVICE_MAX_AGE));
        if announce && !known {
            let lang = claims.locale.as_deref().and_then(crate::i18n::Lang::parse).unwrap_or_else(crate::i18n::current);
            let to = claims.email.clone().unwrap_or_default();
            crate::server::email::notify(s, &to, lang, SecurityEvent::NewBrowser, &self.place()).await;
        }
        Ok(())
    }

    /// The client's address (the peer, or what trusted proxies say).
    pub fn client_ip(&self) -> std::net::IpAddr {
        self.state.client_of(&self.parts)
    }

    /// Where this request comes from, as a security notice describes it.
    pub fn place(&self) -> Where {
        let user_agent =
            self.parts.headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let (browser, os) = crate::server::session_store::browser_and_os(user_agent);
        let network = crate::server::session_store::coarse_network(self.client_ip());
        Where { at: crate::server::guard::now_unix(), browser, os, network }
    }

    /// Tells the owner of the account at `email` (nobody is signed in on this request) of
    /// `event`, in the account's language (its `locale`, read with the admin API).
    pub async fn notify_account(&self, email: &str, event: SecurityEvent) {
        let locale = self.state.admin_attribute(email, "locale").await.unwrap_or_default();
        let lang = crate::i18n::Lang::parse(&locale).unwrap_or_else(crate::i18n::current);
        crate::server::email::notify(&self.state, email, lang, event, &self.place()).await;
    }

    /// Tells the signed-in person of `event` by email, in their language (the change is made;
    /// a notice that cannot be sent is logged and counted).
    pub async fn notify(&self, event: SecurityEvent) {
        let Ok(user) = self.user() else { return };
        let lang = user.locale.as_deref().and_then(crate::i18n::Lang::parse).unwrap_or_else(crate::i18n::current);
        crate::server::email::notify(&self.state, &user.email, lang, event, &self.place()).await;
    }

    /// The session state the session middleware found for this request.
    pub fn auth(&self) -> &crate::auth::Auth {
        self.parts.extensions.get::<crate::auth::Auth>().unwrap_or(&crate::auth::Auth::SignedOut)
    }

    /// The signed-in person's tokens (refreshed by the session middleware if needed).
    pub fn tokens(&self) -> Result<SessionTokens, AppError> {
        self.auth().user()?;
        self.parts.extensions.get::<SessionTokens>().cloned().ok_or(AppError::NotSignedIn)
    }

    /// The signed-in person.
    pub fn user(&self) -> Result<crate::auth::CurrentUser, AppError> {
        self.auth().user().cloned()
    }

    /// Gets fresh tokens (so the id token's claims show a change just made) and sets them.
    pub async fn renew_session(&self) -> Result<(), AppError> {
        let refresh = self.tokens()?.refresh.ok_or(AppError::NotSignedIn)?;
        let fresh = crate::server::guard::refresh_tokens(&self.state, &refresh).await?;
        let fresh = SessionTokens { sid: self.tokens()?.sid, ..fresh };
        // The record keeps the newest refresh token, so ending this session from elsewhere
        // revokes the one in use.
        if let (Some(sid), Some(refresh)) = (&fresh.sid, &fresh.refresh) {
            let sealed = self.state.cookies.seal_text(CookieName::Refresh, refresh);
            let _ = self.state.sessions.touch(sid, crate::server::guard::now_unix(), Some(&sealed)).await;
        }
        for v in self.state.cookies.start_session(&fresh, i64::from(self.state.config.refresh_token_seconds)) {
            self.set_cookie(v);
        }
        Ok(())
    }

    pub fn end_session(&self) {
        for v in self.state.cookies.end_session() {
            self.set_cookie(v);
        }
    }

    /// Keeps `lang` for this browser (the footer's switcher; one year).
    pub fn remember_lang(&self, lang: crate::i18n::Lang) {
        self.set_cookie(self.state.cookies.seal(CookieName::Lang, &lang.tag(), LANG_MAX_AGE));
    }

    /// Maps the error of a call made with the session's access token. When Cognito says the
    /// token is revoked or the user is gone, the session ends here and now (cookies cleared, a
    /// flash for the sign-in page), whatever the call was for.
    pub fn token_error<E, R>(&self, operation: &str, err: &SdkError<E, R>) -> AppError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        if !ends_session(err) {
            return map_sdk_error(operation, err);
        }
        tracing::info!(operation, code = ?error_code(err), "Cognito refused the session's token; session ended");
        self.end_session();
        self.flash(&Flash { kind: FlashKind::Error, message: AppError::SessionEnded.message(), ..Flash::default() });
        AppError::SessionEnded
    }
}

/// Answers no sooner than `site.equal_time_ms` after it started: sign-up, resend and forgot
/// password take different paths for new, existing, unconfirmed and limited accounts, and the
/// time they take must not tell them apart (`make bench-equal-time` measures it). A path slower
/// than the floor is not slowed further, so the floor must exceed the slowest path.
pub async fn in_equal_time<T>(ctx: &Ctx, work: impl std::future::Future<Output = T>) -> T {
    let until = tokio::time::Instant::now() + std::time::Duration::from_millis(ctx.state.config.equal_time_ms);
    let out = work.await;
    tokio::time::sleep_until(until).await;
    out
}

/// Keeps the non-secret fields of a form for the page it returns to.
pub fn keep(email: &str, given_name: Option<&str>, family_name: Option<&str>) -> Flash {
    let bounded = |s: &str| s.trim().chars().take(validate::EMAIL_MAX).collect::<String>();
    Flash {
        email: Some(bounded(email)),
        given_name: given_name.map(bounded),
        family_name: family_name.map(bounded),
        ..Flash::default()
    }
}
