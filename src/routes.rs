//! Every page's path, named once: links, redirects and the router use these.

pub const HOME: &str = "/";
pub const SIGN_UP: &str = "/sign-up";
pub const CONFIRM: &str = "/confirm";
pub const SIGN_IN: &str = "/sign-in";
pub const SIGN_IN_CODE: &str = "/sign-in-code";
pub const VERIFY_MFA: &str = "/verify-mfa";
pub const NEW_PASSWORD: &str = "/new-password";
pub const FORGOT_PASSWORD: &str = "/forgot-password";
pub const RESET_PASSWORD: &str = "/reset-password";
pub const SETTINGS: &str = "/settings";
/// The settings page at its "Where you're signed in" section.
pub const SETTINGS_SESSIONS: &str = "/settings#sessions";
pub const TWO_FACTOR: &str = "/two-factor";
pub const TWO_FACTOR_OFF: &str = "/two-factor-off";
pub const ADMIN: &str = "/admin";
/// The recovery codes just made, shown once.
pub const RECOVERY_CODES: &str = "/recovery-codes";
pub const ACCOUNT_DELETED: &str = "/account-deleted";

/// A path as the router's `StaticSegment` wants it (no leading slash).
pub fn segment(path: &'static str) -> &'static str {
    path.trim_start_matches('/')
}
