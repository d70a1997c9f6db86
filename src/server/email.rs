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
