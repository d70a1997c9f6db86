//! Sessions the owner can see and end, and the bar every way in must clear (issue 23): the
//! server-side session record refuses an ended session at once on every path, settings lists
//! and ends browsers, changes that grant a way in need every factor the account has, and the
//! owner is told by email. Router + the test emulator (dev/run-tests.sh).
#![cfg(feature = "ssr")]

use http::StatusCode;
use leptos_cognito::server::session::CookieName;

mod common;
use common::*;

/// The message the browser's next page shows.
fn flash(app: &TestApp, b: &Browser) -> String {
    let mut h = http::HeaderMap::new();
    h.insert(http::header::COOKIE, b.jar.header().parse().unwrap());
    app.state.cookies.open::<leptos_cognito::flash::Flash>(&h, CookieName::Flash).map(|f| f.message).unwrap_or_default()
}

/// The handles of the other browsers' "Sign out" forms on the settings page.
fn handles(settings: &str) -> Vec<String> {
    settings
        .split("name=\"session\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

async fn signed_in(app: &TestApp, email: &str, ip: [u8; 4], ua: &'static str) -> Browser {
    let mut b = Browser::new(ip, ua);
    let out = app.sign_in(&mut b, email).await;
    assert_eq!((out.status, out.location()), (StatusCode::FOUND, "/"), "{}", flash(app, &b));
    b
}

#[tokio::test]
async fn a_copy_of_the_cookies_is_refused_on_every_path_once_signed_out() {
    // The default revalidation window (300 s): only the session record can end it at once.
    let app = TestApp::new(config()).await;
    let email = new_account(&app.state.config, "copy").await;
    let mut b = signed_in(&app, &email, [203, 0, 113, 7], FIREFOX_LINUX).await;
    let mut copy = b.clone();
    assert_eq!(app.get(&mut copy.clone(), "/api/random").await.status, StatusCode::OK, "signed in before");
    let out = app.post(&mut b, "/api/sign_out", "").await;
    assert_eq!(out.location(), "/sign-in");
    let api = app.get(&mut copy.clone(), "/api/random").await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED, "the JSON API refuses the copy: {}", api.body);
    let page = app.get(&mut copy.clone(), "/settings").await;
    assert_eq!((page.status, page.location()), (StatusCode::FOUND, "/sign-in"));
    let change = app.post(&mut copy, "/api/update_profile", "given_name=A&family_name=B").await;
    assert_eq!(change.location(), "/sign-in", "a server function refuses it too");
    assert!(!copy.jar.has("lc-access") && !copy.jar.has("lc-sid"), "and the copy's cookies are cleared");
}

#[tokio::test]
async fn the_owner_sees_every_browser_and_signs_out_the_others() {
    let app = TestApp::new(config()).await;
    let email = new_account(&app.state.config, "browsers").await;
    let mut mine = signed_in(&app, &email, [203, 0, 113, 7], FIREFOX_LINUX).await;
    let mut other = signed_in(&app, &email, [198, 51, 100, 20], CHROME_WINDOWS).await;
    let mut third = signed_in(&app, &email, [192, 0, 2, 30], CHROME_WINDOWS).await;

    let page = app.get(&mut mine, "/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    let section = page.body.split("id=\"sessions\"").nth(1).expect("the sessions section");
    for part in
        ["Firefox on Linux", "this browser", "Chrome on Windows", "198.51.100.0/24", "192.0.2.0/24", "203.0.113.0/24"]
    {
        assert!(section.contains(part), "{part} in {section}");
    }
    let others = handles(&page.body);
    assert_eq!(others.len(), 2, "a Sign out button beside each other browser, none beside this one");

    // A handle that is not one of the account's browsers changes nothing.
    let out = app.post(&mut mine, "/api/end_session", "session=not-a-session").await;
    assert_eq!(out.location(), "/settings#sessions");
    assert_eq!(flash(&app, &mine), "That browser is already signed out.");
    assert_eq!(app.get(&mut other.clone(), "/api/random").await.status, StatusCode::OK);

    // Signing out the second browser: refused at once, on the API too.
    let out = app.post(&mut mine, "/api/end_session", &format!("session={}", others[0])).await;
    assert_eq!(out.location(), "/settings#sessions", "{}", flash(&app, &mine));
    assert_eq!(flash(&app, &mine), "That browser is signed out.");
    let refused = [
        app.get(&mut other.clone(), "/api/random").await.status,
        app.get(&mut third.clone(), "/api/random").await.status,
    ];
    assert!(
        refused.contains(&StatusCode::UNAUTHORIZED) && refused.contains(&StatusCode::OK),
        "exactly one ended: {refused:?}"
    );
    assert_eq!(app.get(&mut mine, "/api/random").await.status, StatusCode::OK, "this browser stays");

    // "Sign out all other browsers".
    let out = app.post(&mut mine, "/api/end_other_sessions", "").await;
    assert_eq!(out.location(), "/settings#sessions");
    assert_eq!(flash(&app, &mine), "Every other browser is signed out.");
    for b in [&mut other, &mut third] {
        let page = app.get(b, "/").await;
        assert_eq!((page.status, page.location()), (StatusCode::FOUND, "/sign-in"));
    }
    let page = app.get(&mut mine, "/settings").await;
    assert!(handles(&page.body).is_empty(), "only this browser is left");
    assert!(subjects(&email).await.iter().any(|s| s.ends_with("Other browsers were signed out of your account")));
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_browser_at_once() {
    let app = TestApp::new(config()).await;
    let email = new_account(&app.state.config, "everywhere").await;
    let mut mine = signed_in(&app, &email, [203, 0, 113, 7], FIREFOX_LINUX).await;
    let mut other = signed_in(&app, &email, [198, 51, 100, 20], CHROME_WINDOWS).await;
    let out = app.post(&mut mine, "/api/sign_out_everywhere", "").await;
    assert_eq!(out.location(), "/sign-in");
    // Within the 300 s revalidation window: only the record can have ended it.
    assert_eq!(app.get(&mut other.clone(), "/api/random").await.status, StatusCode::UNAUTHORIZED);
    let page = app.get(&mut other, "/settings").await;
    assert_eq!(page.location(), "/sign-in");
    assert!(app.state.sessions.list(&sub_of(&app, &email).await).await.unwrap().is_empty());
}

async fn sub_of(app: &TestApp, email: &str) -> String {
    let cfg = &app.state.config;
    let user = app.state.cognito.admin_get_user().user_pool_id(&cfg.user_pool_id).username(email).send().await.unwrap();
    user.user_attributes().iter().find(|a| a.name() == "sub").and_then(|a| a.value()).unwrap().to_string()
}

#[tokio::test]
async fn with_two_factor_on_a_passkey_an_email_change_and_deleting_need_the_authenticator_code() {
    let app = TestApp::new(config()).await;
    let cfg = app.state.config.clone();
    let email = new_account(&cfg, "step-up").await;
    let (access, _, _) = sign_in_tokens(&cfg, &cfg.client_id, &email).await;
    let secret = turn_on_totp(&cfg, &access).await;
    // The sign-in form asks for the code now; a session is started with it.
    let mut b = Browser::new([203, 0, 113, 8], FIREFOX_LINUX);
    let out = app.sign_in(&mut b, &email).await;
    assert_ne!(out.location(), "/", "the password alone does not sign in");
    let out = app.post(&mut b, "/api/answer_mfa", &format!("code={}", totp(&secret, 0))).await;
    assert_eq!(out.location(), "/", "{}", flash(&app, &b));

    let settings = app.get(&mut b, "/settings").await;
    for name in ["email_totp", "delete_totp"] {
        assert!(settings.body.contains(&format!("name=\"{name}\"")), "the {name} field is offered");
    }
    assert!(settings.body.contains("Code from your authenticator app"));

    // Adding a passkey with the password alone: refused, with what is missing.
    let options = app.call(&mut b, "/api/passkey_registration_options", &format!("passkey_password={PASSWORD}")).await;
    assert_eq!(options.status, StatusCode::BAD_REQUEST, "{}", options.body);
    assert!(options.body.contains("enter a current code from it as well as your password"), "{}", options.body);
    let wrong = wrong_code(&secret);
    let form = format!("passkey_password={PASSWORD}&passkey_totp={wrong}");
    let options = app.call(&mut b, "/api/passkey_registration_options", &form).await;
    assert_eq!(options.status, StatusCode::BAD_REQUEST, "{}", options.body);
    assert_eq!(options.body, "\"WrongAuthenticatorCode\"", "the island shows this error's text");
    // With the password and the current code: the browser gets the options.
    let form = format!("passkey_password={PASSWORD}&passkey_totp={}", totp(&secret, 0));
    let options = app.call(&mut b, "/api/passkey_registration_options", &form).await;
    assert_eq!(options.status, StatusCode::OK, "{}", options.body);
    assert!(options.body.contains("challenge"), "{}", options.body);

    // A new email address and deleting the account: the same bar.
    let new = format!("new-{}@example.com", rand_suffix());
    let form = format!("email={}&email_password={PASSWORD}", new.replace('@', "%40"));
    let out = app.post(&mut b, "/api/change_email", &form).await;
    assert_eq!(out.location(), "/settings");
    assert!(flash(&app, &b).contains("as well as your password"), "{}", flash(&app, &b));
    let form = format!("confirm_email={}&delete_password={PASSWORD}", email.replace('@', "%40"));
    let out = app.post(&mut b, "/api/delete_account", &form).await;
    assert_eq!(out.location(), "/settings");
    assert!(flash(&app, &b).contains("as well as your password"));
    assert!(app.get(&mut b, "/api/random").await.status == StatusCode::OK, "the account is still there");
    // An emailed code is no way around it.
    let by_email = format!("confirm_email={}&delete_password=123456", email.replace('@', "%40"));
    let out = app.post(&mut b, "/api/delete_account", &by_email).await;
    assert_eq!(out.location(), "/settings");
    assert_eq!(
        flash(&app, &b),
        "Your account uses an authenticator app, so a code by email is not enough. Enter your password and a current code from the app."
    );
    assert_eq!(app.get(&mut b, "/api/random").await.status, StatusCode::OK);
    // Deleting a passkey: the same bar.
    let form = format!("credential_id=AQID&passkey_delete_password={PASSWORD}");
    let out = app.post(&mut b, "/api/delete_passkey", &form).await;
    assert_eq!(out.location(), "/settings");
    assert!(flash(&app, &b).contains("as well as your password"), "{}", flash(&app, &b));
    // A new authenticator app cannot replace this one with the password alone.
    let out = app.post(&mut b, "/api/begin_mfa_setup", &format!("password={PASSWORD}")).await;
    assert_eq!(out.location(), "/two-factor");
    assert!(flash(&app, &b).starts_with("Two-factor authentication is already on."), "{}", flash(&app, &b));
    assert!(!b.jar.has("lc-mfa-setup"), "no set-up started");
}

#[tokio::test]
async fn a_reset_that_removes_the_passkeys_of_a_two_factor_account_asks_for_its_code() {
    let app = TestApp::new(config()).await;
    let cfg = app.state.config.clone();
    let email = new_account(&cfg, "reset-2fa").await;
    let (access, _, _) = sign_in_tokens(&cfg, &cfg.client_id, &email).await;
    let secret = turn_on_totp(&cfg, &access).await;
    let mut b = Browser::new([203, 0, 113, 12], FIREFOX_LINUX);
    let out = app.post(&mut b, "/api/forgot_password", &format!("email={}", email.replace('@', "%40"))).await;
    assert_eq!(out.location(), "/reset-password");
    let code = mailbox(&email)
        .await
        .iter()
        .rev()
        .find_map(|m| m["code"].as_str().filter(|c| !c.is_empty()).map(str::to_string))
        .unwrap();
    let form =
        format!("email={}&code={code}&password=Brand-New-Passphrase-8&remove_passkeys=on", email.replace('@', "%40"));
    let out = app.post(&mut b, "/api/reset_password", &form).await;
    // Two-factor stays on: the sign-in that removes the passkeys waits for the app's code.
    assert_eq!(out.location(), "/verify-mfa", "{}", flash(&app, &b));
    assert!(flash(&app, &b).contains("Enter a current code from your authenticator app"), "{}", flash(&app, &b));
    let user =
        app.state.cognito.admin_get_user().user_pool_id(&cfg.user_pool_id).username(&email).send().await.unwrap();
    assert!(user.user_mfa_setting_list().iter().any(|m| m == "SOFTWARE_TOKEN_MFA"), "never lowered");
    let out = app.post(&mut b, "/api/answer_mfa", &format!("code={}", totp(&secret, 0))).await;
    assert_eq!(out.location(), "/", "{}", flash(&app, &b));
    assert!(subjects(&email).await.iter().any(|s| s.ends_with("Your password was reset")));
}

/// A six-digit code that is none of the codes an authenticator app would accept now.
fn wrong_code(secret: &str) -> String {
    let near = [totp(secret, -1), totp(secret, 0), totp(secret, 1)];
    (0..).map(|i| format!("{:06}", 123_456 + i)).find(|c| !near.contains(c)).unwrap()
}

#[tokio::test]
async fn the_owner_is_told_of_a_new_browser_and_a_password_change_but_not_of_a_known_browser() {
    let app = TestApp::new(config()).await;
    let email = new_account(&app.state.config, "told").await;
    let new_browser = "Your account was signed in to from a new browser";
    let mut b = signed_in(&app, &email, [203, 0, 113, 9], FIREFOX_LINUX).await;
    let told: Vec<String> = subjects(&email).await.into_iter().filter(|s| s.ends_with(new_browser)).collect();
    assert_eq!(told.len(), 1, "{told:?}");
    let notice = mailbox(&email).await.into_iter().last().unwrap();
    let body = notice["body"].as_str().or(notice["text"].as_str()).unwrap_or_default().to_string();
    assert!(
        body.contains("Firefox on Linux") && body.contains("203.0.113.0/24") && body.contains("/settings#sessions"),
        "{notice}"
    );
    // The same browser again: it is known.
    app.post(&mut b, "/api/sign_out", "").await;
    let again = app.sign_in(&mut b, &email).await;
    assert_eq!(again.location(), "/");
    assert_eq!(
        subjects(&email).await.iter().filter(|s| s.ends_with(new_browser)).count(),
        1,
        "no notice for a known browser"
    );
    // A password change is told too.
    let form = format!("current_password={PASSWORD}&new_password=Another-Long-Passphrase-7");
    let out = app.post(&mut b, "/api/change_password", &form).await;
    assert_eq!(out.location(), "/settings", "{}", flash(&app, &b));
    assert!(subjects(&email).await.iter().any(|s| s.ends_with("Your password was changed")));
}

#[tokio::test]
async fn a_stranger_cannot_keep_someone_elses_address_locked() {
    let mut cfg = config();
    cfg.rate_limit_per_minute = 1000;
    cfg.account_rate_limit_per_minute = 3;
    let app = TestApp::new(cfg).await;
    let email = new_account(&app.state.config, "lockout").await;
    let mut stranger = Browser::new([198, 51, 100, 66], CHROME_WINDOWS);
    let wrong = format!("email={}&password=Wrong-Password-1", email.replace('@', "%40"));
    let mut refused = false;
    for _ in 0..6 {
        refused |= app.post(&mut stranger, "/api/sign_in", &wrong).await.status == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(refused, "the stranger is limited");
    // The owner, from their own network, signs in all the same.
    let mut owner = signed_in(&app, &email, [203, 0, 113, 10], FIREFOX_LINUX).await;
    app.post(&mut owner, "/api/sign_out", "").await;
    // The address alone still has a ceiling, ten times the visible limit.
    let mut last = StatusCode::FOUND;
    for i in 0..40u8 {
        let mut b = Browser::new([192, 0, 2, i], CHROME_WINDOWS);
        last = app.post(&mut b, "/api/sign_in", &wrong).await.status;
        if last == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "many clients together reach the address's ceiling");
    // A new browser of the owner's is held at the ceiling too; the browser that has signed in
    // to this address before is not.
    let mut new_browser = Browser::new([203, 0, 113, 20], FIREFOX_LINUX);
    assert_eq!(app.sign_in(&mut new_browser, &email).await.status, StatusCode::TOO_MANY_REQUESTS);
    let again = app.sign_in(&mut owner, &email).await;
    assert_eq!((again.status, again.location()), (StatusCode::FOUND, "/"), "{}", flash(&app, &owner));
}

#[tokio::test]
async fn two_tabs_refreshing_at_once_stay_signed_in_and_the_refresh_token_rotates() {
    let mut cfg = config();
    cfg.revalidate_seconds = 1;
    let app = TestApp::new(cfg).await;
    let email = new_account(&app.state.config, "rotation").await;
    let b = signed_in(&app, &email, [203, 0, 113, 11], FIREFOX_LINUX).await;
    let refresh_of = |b: &Browser| {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::COOKIE, b.jar.header().parse().unwrap());
        app.state.cookies.open::<String>(&h, CookieName::Refresh).expect("a refresh token")
    };
    let first_refresh = refresh_of(&b);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    // Two tabs, one set of cookies, both past the revalidation window: both refresh.
    let (mut one, mut two) = (b.clone(), b.clone());
    let (a, c) = tokio::join!(app.get(&mut one, "/api/random"), app.get(&mut two, "/api/random"));
    assert_eq!((a.status, c.status), (StatusCode::OK, StatusCode::OK), "{} / {}", a.body, c.body);
    let rotated = refresh_of(&two);
    assert_ne!(rotated, first_refresh, "a new refresh token with the new tokens");
    assert_eq!(refresh_of(&one), rotated, "within the grace period both tabs get the session's current one");
    // The browser keeps the cookies of whichever answer came last; either goes on working.
    for mut tab in [one, two] {
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let next = app.get(&mut tab, "/api/random").await;
        assert_eq!(next.status, StatusCode::OK, "{}", next.body);
        let page = app.get(&mut tab, "/settings").await;
        assert_eq!(page.status, StatusCode::OK, "still signed in");
    }
}
