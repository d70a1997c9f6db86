//! Cognito's CustomMessage trigger: the emails Cognito sends (sign-up and resent codes, forgotten
//! password, a new email address, the emailed sign-in code, an invitation) with the product's
//! name, a short HTML body and the code set large, in the person's language (the `locale`
//! attribute; English unless it is German). One function, `respond`, serves every way it runs:
//! on AWS as a Lambda function (the `lambda` feature, handler `custom-message`), and locally as
//! `leptos-cognito custom-message`, which reads the trigger event on stdin and writes the answer,
//! which the emulator runs when the pool names a CustomMessage trigger.
//!
//! Cognito sends `emailMessage` as the email's HTML body; the HTML is kept to paragraphs so that
//! a text rendering of it (what a text-only mail client shows) reads the same.

use crate::components::escape_raw_text as escape_html;
use serde_json::Value;

pub use crate::i18n::Lang;

/// What the emails say of the product: its name and address.
#[derive(Clone, Debug)]
pub struct Brand {
    pub app_name: String,
    pub site_url: String,
}

/// One email: its subject and HTML body, with Cognito's placeholders (`{####}` for the code,
/// `{username}` in an invitation) still in them.
#[derive(Clone, Debug, PartialEq)]
pub struct Email {
    pub subject: String,
    pub html: String,
}

/// The email for `trigger` (Cognito's `triggerSource`), or `None` for a trigger this app leaves
/// to Cognito's default (SMS-only ones, say). The words are in `locales/<language>/emails.txt`.
pub fn email(trigger: &str, lang: Lang, brand: &Brand, code: &str, username: &str) -> Option<Email> {
    use crate::i18n::t::emails as t;
    let (subject, before, after) = match trigger {
        "CustomMessage_SignUp" | "CustomMessage_ResendCode" => {
            (t::SIGN_UP_SUBJECT, t::SIGN_UP_BEFORE, t::SIGN_UP_AFTER)
        }
        "CustomMessage_ForgotPassword" => (t::FORGOT_SUBJECT, t::FORGOT_BEFORE, t::FORGOT_AFTER),
        "CustomMessage_UpdateUserAttribute" | "CustomMessage_VerifyUserAttribute" => {
            (t::NEW_EMAIL_SUBJECT, t::NEW_EMAIL_BEFORE, t::NEW_EMAIL_AFTER)
        }
        // The emailed sign-in code, and the code that confirms a change in Settings instead of the
        // password (Cognito sends both as the same challenge).
        "CustomMessage_Authentication" => (t::CODE_SUBJECT, t::CODE_BEFORE, t::CODE_AFTER),
        "CustomMessage_AdminCreateUser" => (t::INVITATION_SUBJECT, t::INVITATION_BEFORE, t::INVITATION_AFTER),
        _ => return None,
    };
    // The subject is plain text; the body is HTML, so what goes into it is escaped.
    let (app, site, user) = (escape_html(&brand.app_name), escape_html(&brand.site_url), escape_html(username));
    let html_args: [(&str, &dyn std::fmt::Display); 3] = [("app", &app), ("site", &site), ("user", &user)];
    let subject = subject.fill_in(lang, &[("app", &brand.app_name)]);
    let (before, after) = (before.fill_in(lang, &html_args), after.fill_in(lang, &html_args));
    // No name in the greeting: a sign-up or a new address sends mail to an address nobody has
    // confirmed yet, and a name anyone can type would put their words in it.
    let greeting = t::GREETING.in_lang(lang);
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><body style=\"font-family:sans-serif;color:#1a1a1a;max-width:32rem\">\
         <p style=\"font-size:18px;font-weight:bold;color:#2452c9\">{app}</p>\
         <p>{greeting}</p><p>{before}</p>\
         <p style=\"font-size:28px;font-weight:bold;letter-spacing:4px\">{code}</p>\
         <p>{after}</p></body></html>",
        lang = lang.tag(),
    );
    Some(Email { subject, html })
}

/// Cognito's CustomMessage event with the answer filled in (`response.emailSubject`,
/// `response.emailMessage`); an event of a trigger this app leaves alone comes back unchanged,
/// and Cognito sends its default message.
pub fn respond(mut event: Value, brand: &Brand) -> Value {
    let trigger = event["triggerSource"].as_str().unwrap_or_default().to_string();
    let request = &event["request"];
    let attributes = &request["userAttributes"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let lang = Lang::from_locale(&text(&attributes["locale"]));
    let code = request["codeParameter"].as_str().unwrap_or("{####}").to_string();
    let username =
        request["usernameParameter"].as_str().map(str::to_string).unwrap_or_else(|| text(&attributes["email"]));
    let Some(email) = email(&trigger, lang, brand, &code, &username) else {
        return event;
    };
    if !event["response"].is_object() {
        event["response"] = Value::Object(Default::default());
    }
    event["response"]["emailSubject"] = Value::String(email.subject);
    event["response"]["emailMessage"] = Value::String(email.html);
    event
}

/// `leptos-cognito custom-message`: the trigger event on stdin, the answer on stdout.
pub fn run_cli() -> Result<(), String> {
    use std::io::Read;
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).map_err(|e| format!("reading the event from stdin: {e}"))?;
    let event: Value = serde_json::from_str(&input).map_err(|e| format!("the event is not JSON: {e}"))?;
    println!("{}", respond(event, &brand()?));
    Ok(())
}

/// The product's name and address, from the configuration.
pub fn brand() -> Result<Brand, String> {
    let config = super::config::Config::load(false).map_err(|e| e.to_string())?;
    Ok(Brand { app_name: config.app_name, site_url: config.site_url.trim_end_matches('/').to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TRIGGERS: [&str; 7] = [
        "CustomMessage_SignUp",
        "CustomMessage_ResendCode",
        "CustomMessage_ForgotPassword",
        "CustomMessage_UpdateUserAttribute",
        "CustomMessage_VerifyUserAttribute",
        "CustomMessage_Authentication",
        "CustomMessage_AdminCreateUser",
    ];

    fn brand() -> Brand {
        Brand { app_name: "leptos-cognito".into(), site_url: "https://app.example.com".into() }
    }

    fn event(trigger: &str, locale: Option<&str>) -> Value {
        let mut attributes = json!({"sub": "u1", "email": "ada@example.com", "given_name": "Ada"});
        if let Some(l) = locale {
            attributes["locale"] = json!(l);
        }
        json!({
            "version": "1", "triggerSource": trigger, "region": "us-east-1", "userPoolId": "us-east-1_x",
            "userName": "u1", "callerContext": {"awsSdkVersion": "x", "clientId": "c"},
            "request": {"userAttributes": attributes, "codeParameter": "{####}", "usernameParameter": "{username}"},
            "response": {"smsMessage": null, "emailMessage": null, "emailSubject": null}
        })
    }

    #[test]
    fn every_email_has_the_product_the_code_and_the_persons_language() {
        for trigger in TRIGGERS {
            for (locale, lang, hello) in
                [(None, "en", "Hello,"), (Some("de"), "de", "Guten Tag,"), (Some("de-AT"), "de", "Guten Tag,")]
            {
                let out = respond(event(trigger, locale), &brand());
                let subject = out["response"]["emailSubject"].as_str().unwrap();
                let html = out["response"]["emailMessage"].as_str().unwrap();
                assert!(subject.contains("leptos-cognito"), "{trigger} {lang}: {subject}");
                assert!(html.contains("{####}") && html.contains(hello), "{trigger} {lang}: {html}");
                assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{trigger}");
                if trigger == "CustomMessage_AdminCreateUser" {
                    // Cognito refuses an invitation without the user name's placeholder.
                    assert!(html.contains("{username}") && html.contains("https://app.example.com"));
                }
            }
        }
    }

    #[test]
    fn the_two_languages_say_different_words() {
        for trigger in TRIGGERS {
            let en = email(trigger, Lang::En, &brand(), "{####}", "").unwrap();
            let de = email(trigger, Lang::De, &brand(), "{####}", "").unwrap();
            assert_ne!(en.subject, de.subject, "{trigger}");
            for english in ["code", "Enter", "email", "Hello"] {
                let words: Vec<&str> = de.html.split(|c: char| !c.is_alphanumeric()).collect();
                assert!(!words.contains(&english), "{trigger}: German mail says {english:?}: {}", de.html);
            }
        }
    }

    #[test]
    fn no_text_a_person_typed_reaches_the_email_unescaped_or_at_all() {
        let mut e = event("CustomMessage_SignUp", None);
        e["request"]["userAttributes"]["given_name"] = json!("Win a prize at evil.example");
        let html = respond(e, &brand())["response"]["emailMessage"].as_str().unwrap().to_string();
        assert!(!html.contains("evil.example"), "the name is not in it: {html}");
        let mut e = event("CustomMessage_AdminCreateUser", None);
        e["request"]["usernameParameter"] = json!("<img src=x onerror=alert(1)>");
        let html = respond(e, &brand())["response"]["emailMessage"].as_str().unwrap().to_string();
        assert!(!html.contains("<img") && html.contains("&lt;img"), "{html}");
    }

    #[test]
    fn a_trigger_this_app_does_not_write_is_left_to_cognito() {
        let e = event("CustomMessage_SMS_Something", Some("de"));
        assert_eq!(respond(e.clone(), &brand()), e);
    }

    /// The words go into the HTML as they are written (only the filled-in values are escaped):
    /// no translation may bring markup.
    #[test]
    fn the_words_of_the_emails_are_plain_text() {
        for (area, key, texts) in crate::i18n::t::ENTRIES {
            if *area == "emails" {
                for text in texts.iter().flatten() {
                    assert!(!text.contains(['<', '>', '&']), "emails.txt {key}: {text}");
                }
            }
        }
    }
}
