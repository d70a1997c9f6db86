//! The one error type of the app, shared by server and browser (server functions send it as
//! JSON). Every failure a person can meet becomes one of these variants; each has exactly one
//! plain message (`message`) and one HTTP status for programs (`status`). Raw AWS text never
//! gets here: AWS errors are classified once (`server::aws::classify_sdk_error`) and their
//! detail only logged (`server::aws::log_sdk_error`).

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
    /// The message shown to the person.
    pub fn message(&self) -> String {
        match self {
            AppError::InvalidInput(msg) => msg.clone(),
            AppError::WrongCredentials => "Incorrect email or password.".into(),
            AppError::NotConfirmed => "Your email address is not confirmed yet. We sent you a new code.".into(),
            AppError::CodeMismatch => "That code is not right. Check the latest email we sent and try again.".into(),
            AppError::WrongAuthenticatorCode => {
                "That code is not right. Enter the current code from your authenticator app.".into()
            }
            AppError::CodeExpired => "That code has expired. Ask for a new code.".into(),
            AppError::PasswordRejected => "That password does not meet the password rules.".into(),
            AppError::TooManyRequests => "Too many attempts. Please wait a minute and try again.".into(),
            AppError::TooManyRequestsFor(1) => "Too many attempts. Please wait 1 second and try again.".into(),
            AppError::TooManyRequestsFor(s) => format!("Too many attempts. Please wait {s} seconds and try again."),
            AppError::SignInStepExpired => {
                "Your sign-in step expired. Please sign in with your email and password.".into()
            }
            AppError::AuthenticatorRequired => "This account uses an authenticator app, so a code by email is not \
                                                enough. Sign in with your password and your authenticator code."
                .into(),
            AppError::PasskeyRefused => "That passkey was not accepted. Try again, or sign in another way.".into(),
            AppError::PasskeysOff => "Passkeys are not available on this site right now.".into(),
            AppError::NotSignedIn => "Please sign in to continue.".into(),
            AppError::SessionEnded => "Your session has ended. Please sign in again.".into(),
            AppError::Forbidden => "You don't have access to this page. It is only for administrators.".into(),
            AppError::CrossSite => "This request came from another site and was refused.".into(),
            AppError::Unavailable => "The sign-in service can't be reached right now. Please try again shortly.".into(),
            AppError::NoticeNotSent => "We could not email your current address about this change, so your email \
                                        address was not changed. Please try again shortly."
                .into(),
            AppError::Internal => "Something went wrong on our side. Please try again.".into(),
        }
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

    /// The error a server function's JSON answer names, read in the browser without a JSON
    /// library: `variant` is the answer itself (`"NotSignedIn"`) or its one key
    /// (`{"InvalidInput": text}`, `text` being the value when it is a string). `None` for a name
    /// this build does not know.
    pub fn from_wire(variant: &str, text: Option<String>) -> Option<AppError> {
        use AppError::*;
        Some(match variant {
            "InvalidInput" => InvalidInput(text?),
            "TooManyRequestsFor" => TooManyRequests,
            "WrongCredentials" => WrongCredentials,
            "NotConfirmed" => NotConfirmed,
            "CodeMismatch" => CodeMismatch,
            "WrongAuthenticatorCode" => WrongAuthenticatorCode,
            "CodeExpired" => CodeExpired,
            "PasswordRejected" => PasswordRejected,
            "TooManyRequests" => TooManyRequests,
            "SignInStepExpired" => SignInStepExpired,
            "AuthenticatorRequired" => AuthenticatorRequired,
            "PasskeyRefused" => PasskeyRefused,
            "PasskeysOff" => PasskeysOff,
            "NotSignedIn" => NotSignedIn,
            "SessionEnded" => SessionEnded,
            "Forbidden" => Forbidden,
            "CrossSite" => CrossSite,
            "Unavailable" => Unavailable,
            "NoticeNotSent" => NoticeNotSent,
            "Internal" => Internal,
            _ => return None,
        })
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
                AppError::InvalidInput("The form was incomplete. Please fill in every field.".into())
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

    /// The islands read a server function's error by the name serde gives it in JSON.
    #[test]
    fn every_error_is_read_back_from_its_json_by_name() {
        for e in every_variant() {
            let wire = serde_json::to_value(&e).unwrap();
            let (variant, text) = match &wire {
                serde_json::Value::String(name) => (name.clone(), None),
                serde_json::Value::Object(map) => {
                    let (k, v) = map.iter().next().unwrap();
                    (k.clone(), v.as_str().map(str::to_string))
                }
                other => panic!("unexpected wire form {other}"),
            };
            let back = AppError::from_wire(&variant, text).unwrap_or_else(|| panic!("{variant} is not read back"));
            // A wait in seconds is shown as "wait a minute" by an island (it has no countdown).
            let expected = if matches!(e, AppError::TooManyRequestsFor(_)) { AppError::TooManyRequests } else { e };
            assert_eq!(back, expected);
        }
        assert_eq!(AppError::from_wire("NoSuchError", None), None);
        assert_eq!(AppError::from_wire("InvalidInput", None), None);
    }

    #[test]
    fn every_error_has_a_message_and_a_status() {
        for e in every_variant() {
            assert!(e.message().ends_with('.'), "{e:?}: {}", e.message());
            assert!((400..600).contains(&e.status()), "{e:?}");
        }
    }
}
