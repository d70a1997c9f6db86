//! The one place that sends the app's own emails, through SES. Cognito sends the codes; the app
//! writes only what Cognito has no message for: today, the note to the old address when an
//! email address is changed.

use super::aws::log_sdk_error;
use super::state::AppState;
use crate::error::AppError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

/// A plain-text email to one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// The note to the current address before it is replaced: sent before the change is made,
/// so a change nobody was told about cannot happen.
pub fn email_change_notice(app_name: &str, site_url: &str, old: &str, new: &str) -> Notice {
    Notice {
        to: old.to_string(),
        subject: format!("Your {app_name} email address is being changed"),
        text: format!(
            "Someone signed in to your {app_name} account asked to change its email address from \
             {old} to {new}.\n\n\
             The change is made only when the code we sent to {new} is entered. Until then you \
             sign in with {old}.\n\n\
             If this was you, there is nothing more to do.\n\n\
             If it was not you, someone knows your password. Reset it now at {site_url}/forgot-password \
             (the code goes to this address), then sign out everywhere from the home page.\n"
        ),
    }
}

/// Sends `notice` from `email.from`, named after the app.
pub async fn send(state: &AppState, notice: &Notice) -> Result<(), AppError> {
    let name: String = state.config.app_name.chars().filter(|c| !matches!(c, '"' | '\\' | '\r' | '\n')).collect();
    let text = |data: &str| Content::builder().data(data).charset("UTF-8").build().expect("data is set");
    let message = Message::builder()
        .subject(text(&notice.subject))
        .body(Body::builder().text(text(&notice.text)).build())
        .build();
    state
        .ses
        .send_email()
        .from_email_address(format!("\"{name}\" <{}>", state.config.email_from))
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
    fn the_change_notice_names_both_addresses_and_the_way_back() {
        let n = email_change_notice("Acme", "https://acme.example", "old@example.com", "new@example.com");
        assert_eq!(n.to, "old@example.com");
        assert_eq!(n.subject, "Your Acme email address is being changed");
        assert!(n.text.contains("from old@example.com to new@example.com"), "{}", n.text);
        assert!(n.text.contains("https://acme.example/forgot-password"), "{}", n.text);
    }
}
