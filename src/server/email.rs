//! The one place that sends the app's own emails, through SES. Cognito sends the codes; the app
//! writes only what Cognito has no message for: today, the note to the old address when an
//! email address is changed.

use super::aws::log_sdk_error;
use super::state::AppState;
use crate::error::AppError;
use crate::i18n::{Lang, t::email as t};
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

/// A plain-text email to one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// The note to the current address before it is replaced: sent before the change is made,
/// so a change nobody was told about cannot happen. In `lang`, the language of the request that
/// asked for the change.
pub fn email_change_notice(lang: Lang, app_name: &str, site_url: &str, old: &str, new: &str) -> Notice {
    // The typed new address last, so nothing in it is taken for a placeholder.
    let args: [(&str, &dyn std::fmt::Display); 4] =
        [("app_name", &app_name), ("site_url", &site_url), ("old", &old), ("new", &new)];
    let paragraphs =
        [t::CHANGE_NOTICE_ASKED, t::CHANGE_NOTICE_TAKES_EFFECT, t::CHANGE_NOTICE_IF_YOU, t::CHANGE_NOTICE_IF_NOT_YOU];
    let mut text = paragraphs.map(|p| p.fill_in(lang, &args)).join("\n\n");
    text.push('\n');
    Notice { to: old.to_string(), subject: t::CHANGE_NOTICE_SUBJECT.fill_in(lang, &args), text }
}

/// A change to how an account is signed in to, which its owner is told of by email.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurityEvent {
    PasskeyAdded,
    PasskeyDeleted,
    PasswordChanged,
    PasswordReset,
    TwoFactorOn,
    TwoFactorOff,
    NewBrowser,
    SessionsEnded,
    RecoveryCodeUsed,
    RecoveryCodesReplaced,
    PasskeysRemoved,
}

impl SecurityEvent {
    fn what(self) -> crate::i18n::T {
        match self {
            SecurityEvent::PasskeyAdded => t::SECURITY_PASSKEY_ADDED,
            SecurityEvent::PasskeyDeleted => t::SECURITY_PASSKEY_DELETED,
            SecurityEvent::PasswordChanged => t::SECURITY_PASSWORD_CHANGED,
            SecurityEvent::PasswordReset => t::SECURITY_PASSWORD_RESET,
            SecurityEvent::TwoFactorOn => t::SECURITY_TWO_FACTOR_ON,
            SecurityEvent::TwoFactorOff => t::SECURITY_TWO_FACTOR_OFF,
            SecurityEvent::NewBrowser => t::SECURITY_NEW_BROWSER,
            SecurityEvent::SessionsEnded => t::SECURITY_SESSIONS_ENDED,
            SecurityEvent::RecoveryCodeUsed => t::SECURITY_RECOVERY_CODE_USED,
            SecurityEvent::RecoveryCodesReplaced => t::SECURITY_RECOVERY_CODES_REPLACED,
            SecurityEvent::PasskeysRemoved => t::SECURITY_PASSKEYS_REMOVED,
        }
    }

    /// The name in logs and metrics.
    pub fn name(self) -> &'static str {
        match self {
            SecurityEvent::PasskeyAdded => "passkey_added",
            SecurityEvent::PasskeyDeleted => "passkey_deleted",
            SecurityEvent::PasswordChanged => "password_changed",
            SecurityEvent::PasswordReset => "password_reset",
            SecurityEvent::TwoFactorOn => "two_factor_on",
            SecurityEvent::TwoFactorOff => "two_factor_off",
            SecurityEvent::NewBrowser => "new_browser",
            SecurityEvent::SessionsEnded => "sessions_ended",
            SecurityEvent::RecoveryCodeUsed => "recovery_code_used",
            SecurityEvent::RecoveryCodesReplaced => "recovery_codes_replaced",
            SecurityEvent::PasskeysRemoved => "passkeys_removed",
        }
    }
}

/// Where a change happened, as the notice describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Where {
    /// Unix seconds.
    pub at: u64,
    /// "Chrome", empty when unknown.
    pub browser: String,
    /// "Linux", empty when unknown.
    pub os: String,
    /// `203.0.113.0/24`.
    pub network: String,
}

/// "Firefox on Linux" (or just "Firefox") in `lang`, from `session_store::browser_and_os`;
/// `None` when the browser is unknown (each place says so in its own words).
pub fn browser_on_os(lang: Lang, browser: &str, os: &str) -> Option<String> {
    match (browser, os) {
        ("", _) => None,
        (browser, "") => Some(browser.to_string()),
        (browser, os) => Some(t::BROWSER_ON_OS.fill_in(lang, &[("browser", &browser), ("os", &os)])),
    }
}

/// The short email that tells an account's owner of `event`, in `lang`.
pub fn security_notice(
    lang: Lang,
    app_name: &str,
    site_url: &str,
    to: &str,
    event: SecurityEvent,
    place: &Where,
) -> Notice {
    let what = event.what().in_lang(lang);
    let browser =
        browser_on_os(lang, &place.browser, &place.os).unwrap_or_else(|| t::UNKNOWN_BROWSER.in_lang(lang).to_string());
    let when = crate::i18n::date_time(place.at, lang);
    let args: [(&str, &dyn std::fmt::Display); 7] = [
        ("app_name", &app_name),
        ("site_url", &site_url),
        ("what", &what),
        ("when", &when),
        ("browser", &browser),
        ("network", &place.network),
        ("email", &to),
    ];
    let paragraphs = [t::SECURITY_WHAT, t::SECURITY_DETAILS, t::SECURITY_IF_YOU, t::SECURITY_IF_NOT_YOU];
    let mut text = paragraphs.map(|p| p.fill_in(lang, &args)).join("\n\n");
    text.push('\n');
    Notice { to: to.to_string(), subject: t::SECURITY_SUBJECT.fill_in(lang, &args), text }
}

/// Tells the owner of the account at `to` of `event`. The change has already happened: a notice
/// that cannot be sent is logged and counted (`security_notices_failed_total`), never an error.
pub async fn notify(state: &AppState, to: &str, lang: Lang, event: SecurityEvent, place: &Where) {
    let notice = security_notice(lang, &state.config.app_name, &state.config.site_url, to, event, place);
    match send(state, &notice).await {
        Ok(()) => tracing::info!(event = event.name(), "security notice sent"),
        Err(_) => {
            tracing::error!(event = event.name(), "security notice not sent");
            super::metrics::security_notice_failed(event.name());
        }
    }
}

/// `"App" <address>`; a name that is not plain ASCII is encoded as RFC 2047 words
/// (`=?UTF-8?Q?...?=`), which mail clients show decoded.
pub fn from_header(app_name: &str, address: &str) -> String {
    let name: String = app_name.chars().filter(|c| !c.is_control()).collect();
    if name.chars().all(|c| c.is_ascii() && !matches!(c, '"' | '\\')) {
        return format!("\"{name}\" <{address}>");
    }
    let mut words = vec![];
    let mut word = String::new();
    for c in name.chars() {
        let mut encoded = String::new();
        if c.is_ascii_alphanumeric() || "!*+-/".contains(c) {
            encoded.push(c);
        } else if c == ' ' {
            encoded.push('_');
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                encoded.push_str(&format!("={b:02X}"));
            }
        }
        // An encoded word is at most 75 characters, "=?UTF-8?Q?" and "?=" included.
        if word.len() + encoded.len() > 75 - 12 {
            words.push(std::mem::take(&mut word));
        }
        word.push_str(&encoded);
    }
    words.push(word);
    let phrase: Vec<String> = words.iter().map(|w| format!("=?UTF-8?Q?{w}?=")).collect();
    format!("{} <{address}>", phrase.join(" "))
}

/// Sends `notice` from `email.from`, named after the app.
pub async fn send(state: &AppState, notice: &Notice) -> Result<(), AppError> {
    let text = |data: &str| Content::builder().data(data).charset("UTF-8").build().expect("data is set");
    let message = Message::builder()
        .subject(text(&notice.subject))
        .body(Body::builder().text(text(&notice.text)).build())
        .build();
    state
        .ses
        .send_email()
        .from_email_address(from_header(&state.config.app_name, &state.config.email_from))
        .destination(Destination::builder().to_addresses(&notice.to).build())
        .content(EmailContent::builder().simple(message).build())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            log_sdk_error("SES SendEmail", &e);
            AppError::NoticeNotSent
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sender_name_is_quoted_or_encoded_as_rfc_2047_words() {
        assert_eq!(from_header("Acme", "no-reply@acme.example"), "\"Acme\" <no-reply@acme.example>");
        assert_eq!(from_header("Café Ünd", "a@b.example"), "=?UTF-8?Q?Caf=C3=A9_=C3=9Cnd?= <a@b.example>");
        assert_eq!(from_header("Say \"hi\"\r\n", "a@b.example"), "=?UTF-8?Q?Say_=22hi=22?= <a@b.example>");
        let long = from_header(&"é".repeat(30), "a@b.example");
        let words: Vec<&str> = long.trim_end_matches(" <a@b.example>").split(' ').collect();
        assert!(words.len() > 1 && words.iter().all(|w| w.len() <= 75 && w.starts_with("=?UTF-8?Q?")), "{long}");
    }

    #[test]
    fn the_change_notice_names_both_addresses_and_the_way_back() {
        let n = email_change_notice(Lang::En, "Acme", "https://acme.example", "old@example.com", "new@example.com");
        assert_eq!(n.to, "old@example.com");
        assert_eq!(n.subject, "Your Acme email address is being changed");
        assert!(n.text.contains("from old@example.com to new@example.com"), "{}", n.text);
        assert!(n.text.contains("https://acme.example/forgot-password"), "{}", n.text);
    }

    fn place() -> Where {
        // 2026-12-03 14:05 UTC
        Where { at: 1_796_306_700, browser: "Firefox".into(), os: "Linux".into(), network: "203.0.113.0/24".into() }
    }

    #[test]
    fn a_security_notice_names_what_when_where_and_the_way_back() {
        let n = security_notice(
            Lang::En,
            "Acme",
            "https://acme.example",
            "a@example.com",
            SecurityEvent::PasskeyAdded,
            &place(),
        );
        assert_eq!(n.to, "a@example.com");
        assert_eq!(n.subject, "Acme: A passkey was added to your account");
        for part in [
            "A passkey was added to your account (a@example.com).",
            "When: 2026-12-03 14:05 UTC. Browser: Firefox on Linux. Network: 203.0.113.0/24.",
            "https://acme.example/settings#sessions",
        ] {
            assert!(n.text.contains(part), "{part} in {}", n.text);
        }
        let unknown = Where { browser: String::new(), os: String::new(), ..place() };
        let n = security_notice(
            Lang::En,
            "Acme",
            "https://a.example",
            "a@example.com",
            SecurityEvent::NewBrowser,
            &unknown,
        );
        assert!(n.text.contains("Browser: an unknown browser."), "{}", n.text);
    }

    #[test]
    fn a_security_notice_speaks_the_accounts_language() {
        let n = security_notice(
            Lang::De,
            "Acme",
            "https://acme.example",
            "a@example.com",
            SecurityEvent::TwoFactorOff,
            &place(),
        );
        assert_eq!(n.subject, "Sicherheitshinweis von Acme: Die Zwei-Faktor-Authentifizierung wurde ausgeschaltet");
        assert!(n.text.contains("Zeitpunkt: 03.12.2026, 14:05 UTC. Browser: Firefox unter Linux."), "{}", n.text);
    }

    #[test]
    fn the_change_notice_speaks_the_language_it_is_asked_in() {
        let n = email_change_notice(Lang::De, "Acme", "https://acme.example", "old@example.com", "new@example.com");
        assert_eq!(n.to, "old@example.com");
        assert_eq!(n.subject, "Ihre E-Mail-Adresse bei Acme wird geändert");
        assert!(n.text.contains("von old@example.com in new@example.com"), "{}", n.text);
        assert!(n.text.contains("https://acme.example/forgot-password"), "{}", n.text);
        assert!(n.text.ends_with(".\n") && n.text.matches("\n\n").count() == 3, "{}", n.text);
    }
}
