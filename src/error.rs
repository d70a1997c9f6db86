//! The one error type of the app, shared by server and browser (server functions send it as
//! JSON). Every failure a person can meet becomes one of these variants; each has exactly one
//! plain message (`message`) and one HTTP status for programs (`status`). Raw AWS text never
//! gets here: AWS errors are classified once (`server::aws::classify_sdk_error`) and their
//! detail only logged (`server::aws::log_sdk_error`).

use crate::i18n::Lang;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Every way a flow can fail, as the person sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppError {
    /// A field failed validation; the message says which and why.
    InvalidInput(String),
    /// Unknown email or wrong password: one message for both, so accounts are not revealed.
    WrongCredentials,
    /// The account exists but the email was never confirmed.
    NotConfirmed,
    /// A verification code did not match.
    CodeMismatch,
    /// A code from the authenticator app did not match.
    WrongAuthenticatorCode,
    /// A verification code is too old.
    CodeExpired,
    /// The password does not meet the pool's policy.
    PasswordRejected,
    /// Too many attempts in a short time.
    TooManyRequests,
    /// Too many attempts: wait this many seconds (the 429 page; `Retry-After` says the same).
    TooManyRequestsFor(u64),
    /// The short-lived sign-in step (e.g. after confirming) has expired.
    SignInStepExpired,
    /// A code by email cannot sign in an account that has turned on an authenticator app.
    AuthenticatorRequired,
    /// Cognito did not accept the passkey (a forged, foreign or stale answer, or another site's).
    PasskeyRefused,
    /// The pool has passkeys turned off (the pages do not offer them then).
    PasskeysOff,
    /// The person must be signed in to do this.
    NotSignedIn,
    /// Cognito said the session's token is revoked or the user is gone: the session was ended.
    SessionEnded,
    /// Signed in, but not allowed (e.g. not in the admins group).
    Forbidden,
    /// The request came from another site.
    CrossSite,
    /// Cognito or S3 cannot be reached or answered with a server error.
    Unavailable,
    /// The note to the old address could not be sent, so the email change was not made.
    NoticeNotSent,
    /// Anything else; details are in the server log.
    Internal,
}

impl AppError {
    /// The message shown to the person, in the language of the request being answered.
    pub fn message(&self) -> String {
        self.message_in(crate::i18n::current())
    }

    /// The message in `lang` (`locales/*/errors.txt`).
    pub fn message_in(&self, lang: Lang) -> String {
        use crate::i18n::t::errors as t;
        let text = match self {
            AppError::InvalidInput(msg) => return msg.clone(),
            AppError::TooManyRequestsFor(1) => t::TOO_MANY_REQUESTS_ONE,
            AppError::TooManyRequestsFor(s) => return t::TOO_MANY_REQUESTS_FOR.fill_in(lang, &[("seconds", s)]),
            AppError::WrongCredentials => t::WRONG_CREDENTIALS,
            AppError::NotConfirmed => t::NOT_CONFIRMED,
            AppError::CodeMismatch => t::CODE_MISMATCH,
            AppError::WrongAuthenticatorCode => t::WRONG_AUTHENTICATOR_CODE,
            AppError::CodeExpired => t::CODE_EXPIRED,
            AppError::PasswordRejected => t::PASSWORD_REJECTED,
            AppError::TooManyRequests => t::TOO_MANY_REQUESTS,
            AppError::SignInStepExpired => t::SIGN_IN_STEP_EXPIRED,
            AppError::AuthenticatorRequired => t::AUTHENTICATOR_REQUIRED,
            AppError::PasskeyRefused => t::PASSKEY_REFUSED,
            AppError::PasskeysOff => t::PASSKEYS_OFF,
            AppError::NotSignedIn => t::NOT_SIGNED_IN,
            AppError::SessionEnded => t::SESSION_ENDED,
            AppError::Forbidden => t::FORBIDDEN,
            AppError::CrossSite => t::CROSS_SITE,
            AppError::Unavailable => t::UNAVAILABLE,
            AppError::NoticeNotSent => t::NOTICE_NOT_SENT,
            AppError::Internal => t::INTERNAL,
        };
        text.in_lang(lang).to_string()
    }

    /// The name serde gives the variant in JSON (`"NotSignedIn"`, the key of
    /// `{"InvalidInput": text}`): what an island looks the message up by (`ErrorTexts`).
    pub fn name(&self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => name,
            Ok(serde_json::Value::Object(map)) => map.keys().next().cloned().unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// One of each variant that has a fixed message (not `InvalidInput`, whose text is its
    /// own): what an island may be answered with and looks up by name. `TooManyRequestsFor`
    /// reads as `TooManyRequests` there (an island has no countdown).
    pub fn fixed() -> [AppError; 18] {
        use AppError::*;
        [
            WrongCredentials,
            NotConfirmed,
            CodeMismatch,
            WrongAuthenticatorCode,
            CodeExpired,
            PasswordRejected,
            TooManyRequests,
            SignInStepExpired,
            AuthenticatorRequired,
            PasskeyRefused,
            PasskeysOff,
            NotSignedIn,
            SessionEnded,
            Forbidden,
            CrossSite,
            Unavailable,
            NoticeNotSent,
            Internal,
        ]
    }

    /// The HTTP status of a server function's error answer to a non-browser client (a browser's
    /// form post gets the form again with the message instead); see `server::layers::server_fn_errors`.
    pub fn status(&self) -> u16 {
        match self {
            AppError::InvalidInput(_)
            | AppError::CodeMismatch
            | AppError::WrongAuthenticatorCode
            | AppError::CodeExpired
            | AppError::PasswordRejected => 400,
            AppError::WrongCredentials
            | AppError::NotSignedIn
            | AppError::SessionEnded
            | AppError::AuthenticatorRequired
            | AppError::PasskeyRefused
            | AppError::SignInStepExpired => 401,
            AppError::NotConfirmed => 403,
            AppError::CrossSite | AppError::Forbidden => 403,
            AppError::TooManyRequests | AppError::TooManyRequestsFor(_) => 429,
            AppError::Unavailable | AppError::NoticeNotSent | AppError::PasskeysOff => 503,
            AppError::Internal => 500,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for AppError {}

/// Lets server functions return `AppError` directly (JSON-encoded for the browser).
impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // Bad form bodies and missing fields are the person's input, not our fault.
            E::Args(_) | E::MissingArg(_) | E::Deserialization(_) => {
                AppError::InvalidInput(crate::i18n::t::errors::FORM_INCOMPLETE.text().into())
            }
            other => {
                tracing::error!(error = %other, "server function failure");
                AppError::Internal
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AppError;

    /// One of each variant. The match has no wildcard: a new variant does not compile until it
    /// is listed here, and so until `from_wire` is checked for it.
    fn every_variant() -> Vec<AppError> {
        use AppError::*;
        let all = vec![
            InvalidInput("Choose a PNG.".into()),
            WrongCredentials,
            NotConfirmed,
            CodeMismatch,
            WrongAuthenticatorCode,
            CodeExpired,
            PasswordRejected,
            TooManyRequests,
            TooManyRequestsFor(3),
            SignInStepExpired,
            AuthenticatorRequired,
            PasskeyRefused,
            PasskeysOff,
            NotSignedIn,
            SessionEnded,
            Forbidden,
            CrossSite,
            Unavailable,
            NoticeNotSent,
            Internal,
        ];
        for e in &all {
            match e {
                InvalidInput(_)
                | WrongCredentials
                | NotConfirmed
                | CodeMismatch
                | WrongAuthenticatorCode
                | CodeExpired
                | PasswordRejected
                | TooManyRequests
                | TooManyRequestsFor(_)
                | SignInStepExpired
                | AuthenticatorRequired
                | PasskeyRefused
                | PasskeysOff
                | NotSignedIn
                | SessionEnded
                | Forbidden
                | CrossSite
                | Unavailable
                | NoticeNotSent
                | Internal => {}
            }
        }
        all
    }

    /// The islands look an error's message up by the name serde gives it in JSON
    /// (`ErrorTexts`), and every fixed message is offered there.
    #[test]
    fn every_error_is_named_as_in_its_json() {
        for e in every_variant() {
            let wire = serde_json::to_value(&e).unwrap();
            let name = match &wire {
                serde_json::Value::String(name) => name.clone(),
                serde_json::Value::Object(map) => map.keys().next().unwrap().clone(),
                other => panic!("unexpected wire form {other}"),
            };
            assert_eq!(e.name(), name);
            let offered = AppError::fixed().iter().any(|f| f.name() == name);
            assert!(offered || matches!(e, AppError::InvalidInput(_) | AppError::TooManyRequestsFor(_)), "{name}");
        }
    }

    /// Every message exists in every language, and no German one is left in English.
    #[test]
    fn every_error_is_translated() {
        use crate::i18n::Lang;
        for e in every_variant().into_iter().filter(|e| !matches!(e, AppError::InvalidInput(_))) {
            let (en, de) = (e.message_in(Lang::En), e.message_in(Lang::De));
            assert!(!de.is_empty() && de != en, "{e:?} has no German message");
        }
    }

    #[test]
    fn every_error_has_a_message_and_a_status() {
        for e in every_variant() {
            for lang in crate::i18n::Lang::ALL {
                assert!(e.message_in(lang).ends_with('.'), "{e:?}: {}", e.message_in(lang));
            }
            assert!((400..600).contains(&e.status()), "{e:?}");
        }
    }
}
