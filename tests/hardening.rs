//! Router + emulator regression tests for the session and input hardening (issue 7): each
//! failed on the code before its fix. Needs the test emulator (dev/run-tests.sh).
#![cfg(feature = "ssr")]

use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{HeaderMap, Request, StatusCode, header};
use leptos_cognito::server::{client_ip::TrustedProxies, setup, state::AppState};
use std::net::SocketAddr;
use std::time::Duration;
use tower::ServiceExt;

mod common;
use common::*;

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn send(state: &AppState, req: Request<Body>) -> Answer {
    let res = setup::app(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = String::from_utf8_lossy(&axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap()).to_string();
    Answer { status, headers, body }
}

/// A form POST as a browser without JavaScript sends it (it accepts HTML).
fn form_post(path: &str, body: impl Into<Body>, jar: &Jar, referer: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header("sec-fetch-site", "same-origin")
        .header(header::REFERER, format!("{}{referer}", config().site_url))
        .header(header::COOKIE, jar.header())
        .body(body.into())
        .unwrap()
}

/// A POST as a program sends it (no HTML).
fn api_post(path: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .body(body.into())
        .unwrap()
}

fn page(path: &str, jar: &Jar) -> Request<Body> {
    Request::get(path).header(header::COOKIE, jar.header()).body(Body::empty()).unwrap()
}

async fn signed_in(state: &AppState) -> Jar {
    let cfg = config();
    let (access, id, refresh) = user_with_refresh(&cfg).await;
    Jar::from_header(&session_cookie(state, &access, &id, &refresh).await)
}

fn location(a: &Answer) -> &str {
    a.headers.get(header::LOCATION).map(|v| v.to_str().unwrap()).unwrap_or("")
}

#[tokio::test]
async fn sign_out_after_the_revalidation_window_signs_out() {
    let mut cfg = config();
    cfg.revalidate_seconds = 1;
    let state = state_with(cfg).await;
    let mut jar = signed_in(&state).await;
    // Past the window, the session middleware refreshes the tokens for this very request.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let out = send(&state, form_post("/api/sign_out", "", &jar, "/")).await;
    assert!(out.status.is_redirection(), "{}", out.status);
    jar.apply(&out.headers);
    for name in ["lc-access", "lc-id", "lc-refresh"] {
        assert!(!jar.has(name), "{name} survived the sign-out");
    }
    let home = send(&state, page("/", &jar)).await;
    assert_eq!((home.status, location(&home)), (StatusCode::FOUND, "/sign-in"));
}

#[tokio::test]
async fn a_profile_change_after_the_revalidation_window_shows_in_the_header() {
    let mut cfg = config();
    cfg.revalidate_seconds = 1;
    let state = state_with(cfg).await;
    let mut jar = signed_in(&state).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let out =
        send(&state, form_post("/api/update_profile", "given_name=Renamed&family_name=Person&bio=", &jar, "/settings"))
            .await;
    assert_eq!(location(&out), "/settings", "{}", out.body);
    jar.apply(&out.headers);
    let settings = send(&state, page("/settings", &jar)).await;
    assert_eq!(settings.status, StatusCode::OK);
    assert!(settings.body.contains("Renamed Person"), "the header shows the new name");
}

#[tokio::test]
async fn copies_of_signed_out_cookies_stop_working_at_once() {
    let state = state_with(config()).await; // the default 300 s revalidation window
    let jar = signed_in(&state).await;
    let copy = jar.clone();
    let home = send(&state, page("/", &copy)).await;
    assert_eq!(home.status, StatusCode::OK, "signed in before");
    let out = send(&state, form_post("/api/sign_out", "", &jar, "/")).await;
    assert!(out.status.is_redirection());
    // Someone kept the old cookies: Cognito calls the token revoked, so the session ends.
    let mut stolen = copy.clone();
    let home = send(&state, page("/", &stolen)).await;
    assert_eq!((home.status, location(&home)), (StatusCode::FOUND, "/sign-in"), "{}", home.body);
    stolen.apply(&home.headers);
    assert!(!stolen.has("lc-access") && !stolen.has("lc-refresh"), "the session's cookies are cleared");
    let settings = send(&state, page("/settings", &copy)).await;
    assert_eq!((settings.status, location(&settings)), (StatusCode::FOUND, "/sign-in"));
    // A server function with the old cookies: signed out, with a message.
    let change =
        send(&state, form_post("/api/update_profile", "given_name=A&family_name=B&bio=", &copy, "/settings")).await;
    assert_eq!(location(&change), "/sign-in");
}

#[tokio::test]
async fn bearer_tokens_stay_valid_until_expiry_unless_the_revocation_check_is_on() {
    let cfg = config();
    let (access, _, refresh) = user_with_refresh(&cfg).await;
    let cognito = leptos_cognito::server::aws::clients(&cfg).await.cognito;
    cognito
        .revoke_token()
        .client_id(&cfg.client_id)
        .set_client_secret(cfg.client_secret.clone())
        .token(refresh)
        .send()
        .await
        .unwrap();
    let get = |state: AppState| {
        let access = access.clone();
        async move {
            let req = Request::get("/api/random")
                .header(header::AUTHORIZATION, format!("Bearer {access}"))
                .body(Body::empty())
                .unwrap();
            send(&state, req).await
        }
    };
    let plain = get(state_with(cfg.clone()).await).await;
    assert_eq!(plain.status, StatusCode::OK, "documented: verified locally until it expires");
    let mut checked = cfg.clone();
    checked.api_check_revocation = true;
    let refused = get(state_with(checked).await).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert!(refused.body.contains("revoked"), "{}", refused.body);
}

#[tokio::test]
async fn malformed_server_function_requests_are_400_never_500() {
    let state = state_with(config()).await;
    let cases: Vec<(&str, &str, Body)> = vec![
        ("missing field", "application/x-www-form-urlencoded", Body::from("email=a%40example.com")),
        (
            "duplicate keys",
            "application/x-www-form-urlencoded",
            Body::from("email=a%40example.com&email=b%40example.com&password=x&password=y"),
        ),
        (
            "invalid UTF-8",
            "application/x-www-form-urlencoded",
            Body::from(vec![b'e', b'm', b'a', b'i', b'l', b'=', 0xff, 0xfe, b'&', b'p', b'=', 0xc3]),
        ),
        ("JSON body", "application/json", Body::from(r#"{"email":"a@example.com","password":"x"}"#)),
        (
            "multipart body",
            "multipart/form-data; boundary=XX",
            Body::from("--XX\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@example.com\r\n--XX--\r\n"),
        ),
    ];
    for (what, content_type, body) in cases {
        let out = send(&state, api_post("/api/sign_in", content_type, body)).await;
        assert_eq!(out.status, StatusCode::BAD_REQUEST, "{what}: {}", out.body);
        assert!(out.body.contains("InvalidInput"), "{what}: {}", out.body);
    }
}

#[tokio::test]
async fn a_malformed_form_goes_back_to_its_page_with_a_message() {
    let state = state_with(config()).await;
    let mut jar = Jar::default();
    let out = send(&state, form_post("/api/sign_in", "email=a%40example.com", &jar, "/sign-in?x=1")).await;
    assert_eq!((out.status, location(&out)), (StatusCode::SEE_OTHER, "/sign-in"));
    jar.apply(&out.headers);
    let back = send(&state, page("/sign-in", &jar)).await;
    assert!(back.body.contains("The form was incomplete. Please fill in every field."), "{}", back.body);
}

#[tokio::test]
async fn an_oversized_body_is_413_however_it_is_framed() {
    let state = state_with(config()).await;
    let big = format!("email=a%40example.com&password={}", "x".repeat(40_000));
    let sized = send(&state, api_post("/api/sign_in", "application/x-www-form-urlencoded", big.clone())).await;
    assert_eq!(sized.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Chunked: no Content-Length, the body arrives in pieces.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big.into_bytes().chunks(1000).map(|c| Ok(c.to_vec())).collect();
    let chunked = Body::from_stream(futures_util::stream::iter(chunks));
    let out = send(&state, api_post("/api/sign_in", "application/x-www-form-urlencoded", chunked)).await;
    assert_eq!(out.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", out.body);
}

fn sign_in_from(peer: [u8; 4], forwarded_for: Option<&str>, email: &str) -> Request<Body> {
    let mut req = Request::post("/api/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header("sec-fetch-site", "same-origin")
        .extension(ConnectInfo(SocketAddr::from((peer, 40000))));
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    req.body(Body::from(format!("email={}&password=Wrong-Password-1", email.replace('@', "%40")))).unwrap()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_limit() {
    let mut cfg = config();
    cfg.rate_limit_per_minute = 2;
    cfg.account_rate_limit_per_minute = 100;
    cfg.trusted_proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
    let state = state_with(cfg).await;
    let proxy = [10, 0, 0, 1];
    for i in 0..2 {
        let out = send(&state, sign_in_from(proxy, Some("198.51.100.1"), &format!("p{i}@example.com"))).await;
        assert_eq!(out.status, StatusCode::FOUND);
    }
    // The same client, even when it puts a made-up address in front, is over its limit.
    let out = send(&state, sign_in_from(proxy, Some("1.2.3.4, 198.51.100.1"), "p3@example.com")).await;
    assert_eq!(out.status, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy is not.
    let out = send(&state, sign_in_from(proxy, Some("198.51.100.2"), "p4@example.com")).await;
    assert_eq!(out.status, StatusCode::FOUND);
}

#[tokio::test]
async fn sign_in_is_limited_per_email_and_client() {
    let mut cfg = config();
    cfg.rate_limit_per_minute = 100;
    cfg.account_rate_limit_per_minute = 2;
    let state = state_with(cfg).await;
    let email = format!("target-{}@example.com", rand_suffix());
    for _ in 1..=2u8 {
        let out = send(&state, sign_in_from([192, 0, 2, 1], None, &email)).await;
        assert_eq!(out.status, StatusCode::FOUND);
    }
    let out = send(&state, sign_in_from([192, 0, 2, 1], None, &email.to_uppercase())).await;
    assert_eq!(out.status, StatusCode::TOO_MANY_REQUESTS, "the same address, however it is written");
    // Nor under a key that server_fn's form parser also reads as `email`.
    let bracketed = Request::post("/api/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .extension(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 40000))))
        .body(Body::from(format!("%5Bemail%5D={}&password=Wrong-Password-1", email.replace('@', "%40"))))
        .unwrap();
    assert_eq!(send(&state, bracketed).await.status, StatusCode::TOO_MANY_REQUESTS);
    let out = send(&state, sign_in_from([192, 0, 2, 1], None, "someone-else@example.com")).await;
    assert_eq!(out.status, StatusCode::FOUND);
}

#[tokio::test]
async fn pages_and_session_responses_are_never_stored() {
    let state = state_with(config()).await;
    let jar = signed_in(&state).await;
    for path in ["/sign-in", "/", "/settings", "/no-such-page"] {
        let out = send(&state, page(path, &jar)).await;
        assert_eq!(out.headers.get(header::CACHE_CONTROL).map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
    }
    let anonymous = send(&state, page("/sign-in", &Jar::default())).await;
    assert_eq!(anonymous.headers[header::CACHE_CONTROL], "no-store");
    // A server function's answer without any session or cookie (the passkey options carry a
    // sealed Cognito session in the body) is not stored either.
    let options = Request::post("/api/passkey_sign_in_options")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from("email=nobody%40example.com"))
        .unwrap();
    let out = send(&state, options).await;
    assert!(!out.headers.contains_key(header::SET_COOKIE), "no cookie: {:?}", out.headers);
    assert_eq!(out.headers[header::CACHE_CONTROL], "no-store", "{}", out.status);
}

#[tokio::test]
async fn the_web_client_is_confidential_and_api_callers_use_the_public_client() {
    let cfg = config();
    assert!(cfg.client_secret.is_some(), "dev/run-tests.sh exports the secret provision wrote");
    // Without SECRET_HASH the web client refuses a sign-in.
    let cognito = leptos_cognito::server::aws::clients(&cfg).await.cognito;
    let bare = cognito
        .initiate_auth()
        .client_id(&cfg.client_id)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "nobody@example.com")
        .auth_parameters("PASSWORD", "whatever-password")
        .send()
        .await
        .unwrap_err();
    assert_eq!(leptos_cognito::server::aws::error_code(&bare), Some("NotAuthorizedException"));
    // The public client's tokens are good Bearer tokens, never a session.
    let api_client = cfg.api_client_id.clone().expect("provision writes api_client_id");
    let state = state_with(cfg.clone()).await;
    let (access, id, refresh) = user_tokens(&cfg, &api_client, false).await;
    let req = Request::get("/api/random")
        .header(header::AUTHORIZATION, format!("Bearer {access}"))
        .body(Body::empty())
        .unwrap();
    let out = send(&state, req).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    let as_session = Jar::from_header(&session_cookie(&state, &access, &id, &refresh).await);
    let home = send(&state, page("/", &as_session)).await;
    assert_eq!((home.status, location(&home)), (StatusCode::FOUND, "/sign-in"));
}

#[tokio::test]
async fn the_longest_names_email_and_bio_in_four_byte_characters_keep_the_session() {
    let cfg = config();
    let state = state_with(cfg.clone()).await;
    use leptos_cognito::auth::validate::{BIO_MAX, EMAIL_MAX, NAME_MAX};
    let local = format!("long{}", rand_suffix());
    let domain_len = EMAIL_MAX - local.len() - 1 - ".example.com".len();
    let email = format!("{local}@{}.example.com", "d".repeat(domain_len));
    assert_eq!(email.len(), EMAIL_MAX);
    let name = "😀".repeat(NAME_MAX);
    let bio = "🎉".repeat(BIO_MAX);
    assert_eq!((name.len(), bio.len()), (400, 2000));
    create_user(
        &cfg,
        &email,
        &[
            ("email", &email),
            ("email_verified", "true"),
            ("given_name", &name),
            ("family_name", &name),
            ("custom:bio", &bio),
        ],
    )
    .await;
    // Sign in through the app, as a browser would.
    let form = format!("email={}&password={PASSWORD}", email.replace('@', "%40"));
    let out = send(&state, form_post("/api/sign_in", form, &Jar::default(), "/sign-in")).await;
    assert_eq!(location(&out), "/", "{}", out.body);
    let mut sizes = vec![];
    for v in out.headers.get_all(header::SET_COOKIE) {
        let s = v.to_str().unwrap();
        sizes.push((s.split('=').next().unwrap().to_string(), s.len()));
        assert!(s.len() <= 4000, "a cookie of {} bytes", s.len());
        assert!(!(s.starts_with("lc-id=") && s.contains("Max-Age=0")), "the id token cookie was refused");
    }
    println!("Set-Cookie sizes with the longest values: {sizes:?}");
    let mut jar = Jar::default();
    jar.apply(&out.headers);
    assert!(jar.has("lc-id") && jar.has("lc-access") && jar.has("lc-refresh"));
    let settings = send(&state, page("/settings", &jar)).await;
    assert_eq!(settings.status, StatusCode::OK);
    assert!(settings.body.contains(&bio), "the bio is read for the settings page");
    assert!(settings.body.contains(&name), "the names come from the id token");
}

#[tokio::test]
async fn html_pages_get_a_csp_with_a_fresh_nonce_that_the_hydration_script_carries() {
    let state = state_with(config()).await;
    let mut nonces = vec![];
    for _ in 0..2 {
        let out = send(&state, page("/sign-in", &Jar::default())).await;
        let csp = out.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
        for directive in [
            "default-src 'self'",
            "'wasm-unsafe-eval'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(directive), "{directive} missing from {csp}");
        }
        let s3 = &state.config.s3_origins()[0];
        assert!(
            csp.contains(&format!("img-src 'self' blob: {s3}")) && csp.contains(&format!("connect-src 'self' {s3}")),
            "{csp}"
        );
        let nonce = csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).unwrap().to_string();
        assert!(nonce.len() >= 22, "{nonce}");
        assert!(
            out.body.contains(&format!("<script type=\"module\" nonce=\"{nonce}\">")),
            "the hydration script carries the nonce"
        );
        assert!(!out.body.contains(" style=\""), "no inline styles");
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a new nonce per response");
}

/// The signed-in person's `sub`, from their session cookie's id token.
fn sub_of(state: &AppState, jar: &Jar) -> String {
    let mut h = HeaderMap::new();
    h.insert(header::COOKIE, jar.header().parse().unwrap());
    let id = state.cookies.session(&h).unwrap().id;
    let claims: serde_json::Value = jsonwebtoken::dangerous::insecure_decode(&id).unwrap().claims;
    claims["sub"].as_str().unwrap().to_string()
}

/// Presigns an upload of `bytes` as `content_type`, PUTs them, and confirms: the confirm's answer.
async fn upload(state: &AppState, jar: &Jar, content_type: &str, bytes: Vec<u8>) -> (String, Answer) {
    let form = format!("content_type={}&content_length={}", content_type.replace('/', "%2F"), bytes.len());
    let req = Request::post("/api/presign_avatar_upload")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, jar.header())
        .body(Body::from(form))
        .unwrap();
    let presigned: serde_json::Value = serde_json::from_str(&send(state, req).await.body).unwrap();
    let key = presigned["key"].as_str().unwrap().to_string();
    let put = reqwest::Client::new()
        .put(presigned["url"].as_str().unwrap())
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    let req = Request::post("/api/confirm_avatar")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, jar.header())
        .body(Body::from(format!("key={}", key.replace('/', "%2F"))))
        .unwrap();
    (key, send(state, req).await)
}

async fn exists(state: &AppState, key: &str) -> bool {
    state.s3.head_object().bucket(&state.config.bucket).key(key).send().await.is_ok()
}

#[tokio::test]
async fn an_upload_waits_under_pending_and_moves_to_the_avatar_prefix_once_checked() {
    let state = state_with(config()).await;
    let jar = signed_in(&state).await;
    let sub = sub_of(&state, &jar);
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    png.extend_from_slice(&[0u8; 100]);
    let (key, out) = upload(&state, &jar, "image/png", png).await;
    assert!(key.starts_with(&format!("pending/avatars/{sub}/")), "{key}");
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    let moved = key.trim_start_matches("pending/");
    assert!(exists(&state, moved).await, "moved to {moved}");
    assert!(!exists(&state, &key).await, "nothing left under pending/");
}

#[tokio::test]
async fn an_upload_whose_first_bytes_are_not_the_declared_image_is_refused_and_deleted() {
    let state = state_with(config()).await;
    let jar = signed_in(&state).await;
    let (key, out) = upload(&state, &jar, "image/png", b"<html><script>alert(1)</script></html>".to_vec()).await;
    assert!(out.body.contains("That upload is not a PNG, JPEG or WebP image of the allowed size."), "{}", out.body);
    assert!(!exists(&state, &key).await);
    assert!(!exists(&state, key.trim_start_matches("pending/")).await);
}

#[tokio::test]
async fn pending_uploads_expire_after_a_day_by_the_buckets_lifecycle_rule() {
    let state = state_with(config()).await;
    let rules = state.s3.get_bucket_lifecycle_configuration().bucket(&state.config.bucket).send().await.unwrap();
    let rule = rules
        .rules()
        .iter()
        .find(|r| r.filter().and_then(|f| f.prefix()) == Some("pending/"))
        .expect("a rule for pending/");
    assert_eq!(rule.expiration().and_then(|e| e.days()), Some(1));
}

#[tokio::test]
async fn deleting_an_account_deletes_every_object_page_by_page() {
    let state = state_with(config()).await;
    let sub = format!("gone-{}", rand_suffix());
    let mut keys = vec![];
    for i in 0..5 {
        keys.push(format!("avatars/{sub}/{i}.png"));
    }
    keys.push(format!("pending/avatars/{sub}/x.png"));
    keys.push(format!("pending/avatars/{sub}/y.png"));
    for k in &keys {
        state.s3.put_object().bucket(&state.config.bucket).key(k).body(b"x".to_vec().into()).send().await.unwrap();
    }
    // Two per page, so the five take three pages.
    let deleted = leptos_cognito::avatar::server::delete_all(&state, &sub, 2).await;
    assert_eq!(deleted, keys.len());
    for k in &keys {
        assert!(!exists(&state, k).await, "{k} left behind");
    }
}

/// The flash a response set, as the next page would show it.
fn flash_of(state: &AppState, headers: &HeaderMap) -> String {
    let mut jar = Jar::default();
    jar.apply(headers);
    let mut h = HeaderMap::new();
    h.insert(header::COOKIE, jar.header().parse().unwrap());
    state
        .cookies
        .open::<leptos_cognito::flash::Flash>(&h, leptos_cognito::server::session::CookieName::Flash)
        .map(|f| f.message)
        .unwrap_or_default()
}

async fn latest_code(email: &str) -> String {
    let url = format!("{}/_dev/mailbox?to={}", config().cognito_endpoint.unwrap(), email.replace('@', "%40"));
    let mails: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    mails.as_array().unwrap().last().unwrap()["code"].as_str().unwrap().to_string()
}

fn sign_up_form(email: &str, password: &str) -> String {
    format!("email={}&password={password}&given_name=Ada&family_name=Lovelace", email.replace('@', "%40"))
}

#[tokio::test]
async fn a_sign_in_of_an_unconfirmed_account_does_not_use_up_the_visible_resend_wait() {
    let state = state_with(config()).await;
    let email = format!("quiet-{}@example.com", rand_suffix());
    let out =
        send(&state, form_post("/api/sign_up", sign_up_form(&email, PASSWORD), &Jar::default(), "/sign-up")).await;
    assert_eq!(location(&out), "/confirm");
    let form = format!("email={}&password=Wrong-Password-1", email.replace('@', "%40"));
    let out = send(&state, form_post("/api/sign_in", form, &Jar::default(), "/sign-in")).await;
    assert_eq!(flash_of(&state, &out.headers), "Incorrect email or password.");
    // What anyone can ask next must not differ from an account that never tried to sign in.
    let form = format!("email={}", email.replace('@', "%40"));
    let out = send(&state, form_post("/api/resend_code", form, &Jar::default(), "/confirm")).await;
    assert_eq!(flash_of(&state, &out.headers), "We sent you a new code. It replaces the previous one.");
}

#[tokio::test]
async fn a_code_for_a_newer_sign_up_of_the_same_address_does_not_confirm_it_in_the_first_browser() {
    let state = state_with(config()).await;
    let email = format!("race-{}@example.com", rand_suffix());
    // The victim signs up first ...
    let out = send(
        &state,
        form_post("/api/sign_up", sign_up_form(&email, "Victims-Own-Pass-7"), &Jar::default(), "/sign-up"),
    )
    .await;
    let mut victim = Jar::default();
    victim.apply(&out.headers);
    // ... then someone else signs the same address up again and replaces that account.
    let out =
        send(&state, form_post("/api/sign_up", sign_up_form(&email, "Attackers-Pass-9"), &Jar::default(), "/sign-up"))
            .await;
    assert_eq!(location(&out), "/confirm");
    // The code the victim now receives belongs to the newer account: in the victim's browser it
    // confirms nothing, and the page says what happened.
    let code = latest_code(&email).await;
    let form = format!("email={}&code={code}", email.replace('@', "%40"));
    let out = send(&state, form_post("/api/confirm_sign_up", form, &victim, "/confirm")).await;
    assert_eq!(location(&out), "/confirm");
    assert!(flash_of(&state, &out.headers).starts_with("Someone signed up with this address after you did"));
    let cognito = leptos_cognito::server::aws::clients(&state.config).await.cognito;
    let user = cognito.admin_get_user().user_pool_id(&state.config.user_pool_id).username(&email).send().await.unwrap();
    assert_eq!(user.user_status().map(|s| s.as_str()), Some("UNCONFIRMED"));
}

/// Everything the dev mailbox holds for `email`, oldest first.
async fn mails_to(email: &str) -> Vec<serde_json::Value> {
    let url = format!("{}/_dev/mailbox?to={}", config().cognito_endpoint.unwrap(), email.replace('@', "%40"));
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// A confirmed account's address is verified, so (as on AWS, `AttributesRequireVerificationBeforeUpdate`)
/// it keeps that address until the new one's code is entered: the id token still says the old
/// one, and the settings page offers the code form from the change itself. The old address is
/// told before the change is made, and a change whose notice cannot be sent is not made.
#[tokio::test]
async fn an_email_change_tells_the_old_address_first_and_waits_for_the_new_ones_code() {
    use leptos_cognito::error::AppError;
    let cfg = config();
    let old = format!("keep-{}@example.com", rand_suffix());
    let new = format!("moved-{}@example.com", rand_suffix());
    create_user(&cfg, &old, &[("email", &old), ("email_verified", "true")]).await;
    let (access, id, refresh) = sign_in_tokens(&cfg, &cfg.client_id, &old).await;
    let form = format!("email={}&email_password={PASSWORD}", new.replace('@', "%40"));

    // A sender SES refuses: no change, and the person is told why.
    let mut refusing = cfg.clone();
    refusing.email_from = "nobody@unverified.example".into();
    let refusing = state_with(refusing).await;
    let jar = Jar::from_header(&session_cookie(&refusing, &access, &id, &refresh).await);
    let out = send(&refusing, form_post("/api/change_email", form.clone(), &jar, "/settings")).await;
    assert_eq!(location(&out), "/settings", "{}", out.body);
    // Ours to fix (a 5xx): the message quotes the request's id.
    let reference = out.headers["x-request-id"].to_str().unwrap();
    assert_eq!(
        flash_of(&refusing, &out.headers),
        format!("{} Reference: {reference}.", AppError::NoticeNotSent.message())
    );
    assert!(mails_to(&new).await.is_empty(), "no code went to the new address");
    assert!(mails_to(&old).await.is_empty(), "nothing was sent");

    let state = state_with(cfg.clone()).await;
    let mut jar = Jar::from_header(&session_cookie(&state, &access, &id, &refresh).await);
    let out = send(&state, form_post("/api/change_email", form, &jar, "/settings")).await;
    assert_eq!(
        flash_of(&state, &out.headers),
        format!("We sent a code to {new}. Enter it below to confirm your new address.")
    );
    jar.apply(&out.headers);
    let told = mails_to(&old).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["purpose"], "notice");
    assert_eq!(told[0]["subject"], format!("Your {} email address is being changed", cfg.app_name));
    assert!(told[0]["text"].as_str().unwrap().contains(&format!("from {old} to {new}")), "{told:?}");

    let settings = send(&state, page("/settings", &jar)).await;
    assert!(settings.body.contains(&format!("You sign in with {old}.")), "the account keeps its address");
    assert!(settings.body.contains(&format!("Your new address {new} is not confirmed yet.")), "the code form shows");

    // Another code goes to the new address, not the one the account still has.
    let out = send(&state, form_post("/api/resend_email_code", "", &jar, "/settings")).await;
    assert_eq!(flash_of(&state, &out.headers), format!("We sent a new code to {new}."));
    jar.apply(&out.headers);
    let codes = mails_to(&new).await;
    assert_eq!(codes.iter().map(|m| m["purpose"].as_str().unwrap()).collect::<Vec<_>>(), ["verify-email"; 2]);

    let code = latest_code(&new).await;
    let out = send(&state, form_post("/api/verify_email", format!("code={code}"), &jar, "/settings")).await;
    assert_eq!(flash_of(&state, &out.headers), "Your new email address is confirmed. Use it to sign in from now on.");
    jar.apply(&out.headers);
    assert!(!jar.has("lc-email-change"), "the waiting address is forgotten once confirmed");
    let settings = send(&state, page("/settings", &jar)).await;
    assert!(settings.body.contains(&format!("You sign in with {new}.")), "the session shows the new address");
    assert!(!settings.body.contains("is not confirmed yet. Enter the code"));
}

/// Leptos suppresses the loading of every resource in the process while it generates a route
/// list (one global flag), so a page rendered meanwhile waited forever on its first `Suspense`:
/// tests that built routers while others rendered stalled now and then until the request
/// timeout. The route list is now generated once per process (`setup::app`). Two loops build a
/// router per request and render signed-in pages (which wait on resources) at the same time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routers_built_while_pages_render_never_stall_them() {
    let state = state_with(config()).await;
    let jar = signed_in(&state).await;
    let render = |state: AppState, jar: String| async move {
        for i in 0..10 {
            for path in ["/", "/settings"] {
                let req = Request::get(path).header(header::COOKIE, &jar).body(Body::empty()).unwrap();
                let answer =
                    tokio::time::timeout(std::time::Duration::from_secs(10), setup::app(state.clone()).oneshot(req));
                let res = answer.await.unwrap_or_else(|_| panic!("{path} (round {i}) stalled"));
                assert_eq!(res.unwrap().status(), StatusCode::OK, "{path}");
            }
        }
    };
    let a = tokio::spawn(render(state.clone(), jar.header()));
    let b = tokio::spawn(render(state.clone(), jar.header()));
    a.await.unwrap();
    b.await.unwrap();
}

/// A disabled account and one that must reset its password answer the sign-in, emailed-code and
/// passkey forms exactly like an address nobody has (issue 23): same status, same next page,
/// same message, never a 401 or a 500.
#[tokio::test]
async fn disabled_and_must_reset_accounts_answer_like_an_unknown_address() {
    let cfg = config();
    let state = state_with(cfg.clone()).await;
    let cognito = leptos_cognito::server::aws::clients(&cfg).await.cognito;
    let disabled = format!("disabled-{}@example.com", rand_suffix());
    let reset = format!("must-reset-{}@example.com", rand_suffix());
    let unknown = format!("nobody-{}@example.com", rand_suffix());
    create_user(&cfg, &disabled, &[]).await;
    // A reset needs an address to send the code to (as on AWS).
    create_user(&cfg, &reset, &[("email", &reset), ("email_verified", "true")]).await;
    cognito.admin_disable_user().user_pool_id(&cfg.user_pool_id).username(&disabled).send().await.unwrap();
    cognito.admin_reset_user_password().user_pool_id(&cfg.user_pool_id).username(&reset).send().await.unwrap();
    let enc = |e: &str| e.replace('@', "%40");
    let answers = |path: &'static str, who: String, form: String, html: bool| {
        let state = state.clone();
        async move {
            let req = if html {
                form_post(path, form, &Jar::default(), "/sign-in")
            } else {
                api_post(path, "application/x-www-form-urlencoded", form)
            };
            let out = send(&state, req).await;
            let message = flash_of(&state, &out.headers).replace(&who, "<email>");
            // The passkey options differ by their random challenge only: compare their shape.
            let shape = serde_json::from_str::<serde_json::Value>(&out.body)
                .ok()
                .and_then(|v| v.as_str().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()))
                .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()));
            (out.status, location(&out).to_string(), message, shape)
        }
    };
    for (path, html, form) in [
        ("/api/sign_in", true, "email={}&password=Wrong-Password-1"),
        ("/api/sign_in", true, &format!("email={{}}&password={PASSWORD}")),
        ("/api/email_sign_in_code", true, "email={}"),
        ("/api/passkey_sign_in_options", false, "email={}"),
    ] {
        let expected = answers(path, unknown.clone(), form.replace("{}", &enc(&unknown)), html).await;
        assert!(expected.0.as_u16() < 500 && expected.0 != StatusCode::UNAUTHORIZED, "{path}: {expected:?}");
        for who in [&disabled, &reset] {
            let got = answers(path, who.clone(), form.replace("{}", &enc(who)), html).await;
            assert_eq!(got, expected, "{path} for {who}");
        }
    }
}
