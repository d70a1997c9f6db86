//! The server as an AWS Lambda function, under cargo-lambda's local runtime (`cargo lambda
//! watch`, which dev/run-tests.sh starts with the `lambda` feature against the test emulator
//! and names in `LC_LAMBDA_URL`, its log in `LC_LAMBDA_LOG`): sign-up, confirm with the
//! emailed code, sign-in and sign-out with plain HTTP requests through function-URL events, and
//! the rate limit keyed by the client address from the request context, never `0.0.0.0`.
#![cfg(feature = "ssr")]

use http::StatusCode;

mod common;
use common::*;

fn base() -> String {
    std::env::var("LC_LAMBDA_URL").expect("run through dev/run-tests.sh, which starts `cargo lambda watch`")
}

/// A form POST as a browser without JavaScript sends it.
async fn post(path: &str, form: &str, jar: &mut Jar) -> Answer {
    form_post(&format!("{}{path}", base()), form, jar, None).await
}

async fn get(path: &str, jar: &mut Jar) -> Answer {
    get_page(&format!("{}{path}", base()), jar).await
}

fn enc(s: &str) -> String {
    s.replace('@', "%40")
}

/// The newest code the emulator's mailbox holds for `email`.
async fn code_for(email: &str) -> String {
    let url = format!("{}/_dev/mailbox?to={}", std::env::var("LC_COGNITO_ENDPOINT").unwrap(), enc(email));
    let messages: Vec<serde_json::Value> = reqwest::get(url).await.unwrap().json().await.unwrap();
    let code = messages.iter().rev().find_map(|m| m["code"].as_str().filter(|c| !c.is_empty()));
    code.unwrap_or_else(|| panic!("no code for {email} in {messages:?}")).to_string()
}

#[tokio::test]
async fn sign_up_confirm_sign_in_and_sign_out_through_the_lambda_function() {
    let email = format!("lambda-{}@example.com", rand_suffix());
    let mut jar = Jar::default();

    let page = get("/sign-up", &mut jar).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Create account") || page.body.contains("Sign up"), "{}", page.body);
    assert!(page.body.contains("/pkg/"), "the page names the site's files");

    let form = format!("email={}&password={PASSWORD}&given_name=Lam&family_name=Da", enc(&email));
    let signed_up = post("/api/sign_up", &form, &mut jar).await;
    assert_eq!(signed_up.status, StatusCode::FOUND, "{}", signed_up.body);
    assert!(signed_up.location.starts_with("/confirm"), "{}", signed_up.location);

    let confirm = get(&signed_up.location, &mut jar).await;
    assert_eq!(confirm.status, StatusCode::OK);
    let code = code_for(&email).await;
    let confirmed = post("/api/confirm_sign_up", &format!("email={}&code={code}", enc(&email)), &mut jar).await;
    assert_eq!(confirmed.status, StatusCode::FOUND, "{}", confirmed.body);
    assert!(!confirmed.location.starts_with("/confirm"), "confirmed: {}", confirmed.location);
    if jar.has("lc-access") {
        let out = post("/api/sign_out", "", &mut jar).await;
        assert!(out.status.is_redirection());
    }
    assert!(!jar.has("lc-access"));

    let wrong = post("/api/sign_in", &format!("email={}&password=Wrong-Password-1", enc(&email)), &mut jar).await;
    assert_eq!((wrong.status, wrong.location.as_str()), (StatusCode::FOUND, "/sign-in"));
    let page = get("/sign-in", &mut jar).await;
    // The message in the alert (every message is also in the page's hidden ErrorTexts).
    assert!(page.body.contains(r#"class="message error">Incorrect email or password.</p>"#), "{}", page.body);

    let signed_in = post("/api/sign_in", &format!("email={}&password={PASSWORD}", enc(&email)), &mut jar).await;
    assert_eq!((signed_in.status, signed_in.location.as_str()), (StatusCode::FOUND, "/"), "{}", signed_in.body);
    assert!(jar.has("lc-access") && jar.has("lc-refresh"), "the session cookies came through the function URL");
    let home = get("/", &mut jar).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains(&email) && home.body.contains("Lam"), "signed in: {}", home.body);

    let out = post("/api/sign_out", "", &mut jar).await;
    assert!(out.status.is_redirection(), "{}", out.status);
    assert!(!jar.has("lc-access") && !jar.has("lc-refresh"));
    let home = get("/", &mut jar).await;
    assert_eq!((home.status, home.location.as_str()), (StatusCode::FOUND, "/sign-in"));
}

#[tokio::test]
async fn the_rate_limit_keys_on_the_client_address_from_the_request_context() {
    // dev/run-tests.sh gives the function a per-client limit of LC_LAMBDA_RATE_LIMIT a minute;
    // the other test's requests count too, so go until refused.
    let limit: usize = std::env::var("LC_LAMBDA_RATE_LIMIT").unwrap().parse().unwrap();
    let mut jar = Jar::default();
    let mut refused = None;
    for i in 0..limit + 1 {
        let form = format!("email=nobody-{i}-{}%40example.com&password=Wrong-Password-1", rand_suffix());
        let out = post("/api/sign_in", &form, &mut jar).await;
        if out.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(out.body.contains("Too many attempts. Please wait"), "{}", out.body);
            refused = Some(i);
            break;
        }
        assert_eq!(out.status, StatusCode::FOUND, "attempt {i}: {}", out.body);
    }
    assert!(refused.is_some(), "refused within {} attempts", limit + 1);
    // The server logs (JSON lines) the client address it counted: the context's, which for
    // these requests is this machine, never the unspecified address.
    let log = std::fs::read_to_string(std::env::var("LC_LAMBDA_LOG").unwrap()).unwrap();
    let counted: Vec<std::net::IpAddr> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l.trim()).ok())
        .filter(|l| l["fields"]["message"] == "rate limit hit (client IP)")
        .map(|l| l["fields"]["ip"].as_str().expect("the line names the address").parse().expect("an IP address"))
        .collect();
    assert!(!counted.is_empty(), "the refusal is logged");
    for ip in counted {
        assert!(!ip.is_unspecified() && ip.is_loopback(), "counted as {ip}");
    }
}
