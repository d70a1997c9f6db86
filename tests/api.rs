//! Router + emulator, no browser: the token-protected API and the rate limit. Needs the
//! test emulator that dev/run-tests.sh starts and provisions (the LC_* environment).
#![cfg(feature = "ssr")]

use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{Request, StatusCode, header};
use leptos_cognito::server::{aws, setup, state::AppState};
use std::net::SocketAddr;
use tower::ServiceExt;

mod common;
use common::*;

async fn get(state: &AppState, path: &str, bearer: Option<&str>) -> (StatusCode, http::HeaderMap, serde_json::Value) {
    let mut req = Request::get(path);
    if let Some(t) = bearer {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let res = setup::app(state.clone()).oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024).await.unwrap();
    (status, headers, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

fn assert_401(status: StatusCode, headers: &http::HeaderMap, body: &serde_json::Value) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(headers[header::WWW_AUTHENTICATE].to_str().unwrap().starts_with("Bearer"));
    assert_eq!(body["error"], "unauthorized");
}

#[tokio::test]
async fn random_needs_a_valid_access_token() {
    let cfg = config();
    let state = state_with(cfg.clone()).await;
    let (access, id) = user(&cfg, &cfg.client_id, false).await;

    let (status, _, body) = get(&state, "/api/random", Some(&access)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let n = body["randomNumber"].as_u64().expect("randomNumber");
    assert!(n <= 100);

    let (s, h, b) = get(&state, "/api/random", None).await;
    assert_401(s, &h, &b);
    let (s, h, b) = get(&state, "/api/random", Some("garbage")).await;
    assert_401(s, &h, &b);
    let (s, h, b) = get(&state, "/api/random", Some(&id)).await;
    assert_401(s, &h, &b);
}

#[tokio::test]
async fn healthz_answers_ok_without_a_session() {
    let state = state_with(config()).await;
    let res = setup::app(state).oneshot(Request::get("/healthz").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(&axum::body::to_bytes(res.into_body(), 1024).await.unwrap()[..], b"ok");
}

#[tokio::test]
async fn readyz_is_200_when_cognito_answers_and_503_when_it_cannot_be_reached() {
    let ask = |state: AppState| async move {
        let res = setup::app(state).oneshot(Request::get("/readyz").body(Body::empty()).unwrap()).await.unwrap();
        let (status, cache) = (res.status(), res.headers()[header::CACHE_CONTROL].clone());
        (status, cache, String::from_utf8(axum::body::to_bytes(res.into_body(), 1024).await.unwrap().to_vec()).unwrap())
    };
    assert_eq!(ask(state_with(config()).await).await, (StatusCode::OK, "no-store".parse().unwrap(), "ready".into()));
    let mut down = config();
    down.jwks_url = "http://127.0.0.1:9/jwks.json".into();
    let (status, cache, body) = ask(state_with(down).await).await;
    assert_eq!((status, cache.to_str().unwrap()), (StatusCode::SERVICE_UNAVAILABLE, "no-store"));
    assert_eq!(body, "not ready: Cognito cannot be reached");
}

#[tokio::test]
async fn a_token_signed_by_another_key_is_refused() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let cfg = config();
    let state = state_with(cfg.clone()).await;
    let (access, _) = user(&cfg, &cfg.client_id, false).await;
    // Same header (kid) and claims as a real token, signed with a key that is not the pool's.
    let header = jsonwebtoken::decode_header(&access).unwrap();
    let claims: serde_json::Value = jsonwebtoken::dangerous::insecure_decode(&access).unwrap().claims;
    let mut forged_header = Header::new(Algorithm::RS256);
    forged_header.kid = header.kid;
    let key = EncodingKey::from_rsa_pem(include_bytes!("fixtures/test-key-b.pem")).unwrap();
    let forged = encode(&forged_header, &claims, &key).unwrap();
    let (s, h, b) = get(&state, "/api/random", Some(&forged)).await;
    assert_401(s, &h, &b);
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let mut cfg = config();
    // A client of the same pool whose access tokens live 1 s.
    let cognito = aws::clients(&cfg).await.cognito;
    let client = cognito
        .create_user_pool_client()
        .user_pool_id(&cfg.user_pool_id)
        .client_name(format!("short-{}", rand_suffix()))
        .explicit_auth_flows(aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .access_token_validity(1)
        .id_token_validity(1)
        .token_validity_units(
            aws_sdk_cognitoidentityprovider::types::TokenValidityUnitsType::builder()
                .access_token(aws_sdk_cognitoidentityprovider::types::TimeUnitsType::Seconds)
                .id_token(aws_sdk_cognitoidentityprovider::types::TimeUnitsType::Seconds)
                .build(),
        )
        .send()
        .await
        .unwrap();
    cfg.client_id = client.user_pool_client.unwrap().client_id.unwrap();
    cfg.client_secret = None; // a public client
    let state = state_with(cfg.clone()).await;
    let (access, _) = user(&cfg, &cfg.client_id, false).await;
    // 1 s lifetime + the verifier's 5 s leeway.
    tokio::time::sleep(std::time::Duration::from_secs(7)).await;
    let (s, h, b) = get(&state, "/api/random", Some(&access)).await;
    assert_401(s, &h, &b);
}

#[tokio::test]
async fn the_admin_route_needs_the_admins_group() {
    let cfg = config();
    let state = state_with(cfg.clone()).await;
    let (access, _) = user(&cfg, &cfg.client_id, false).await;
    let (status, _, body) = get(&state, "/api/admin/stats", Some(&access)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "forbidden");
    let (admin, _) = user(&cfg, &cfg.client_id, true).await;
    let (status, _, body) = get(&state, "/api/admin/stats", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (s, h, b) = get(&state, "/api/admin/stats", None).await;
    assert_401(s, &h, &b);
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_ip() {
    let mut cfg = config();
    cfg.rate_limit_per_minute = 2;
    let state = state_with(cfg).await;
    let post = |ip: [u8; 4]| {
        Request::post("/api/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header("sec-fetch-site", "same-origin")
            .extension(ConnectInfo(SocketAddr::from((ip, 40000))))
            .body(Body::from("email=nobody%40example.com&password=Wrong-Password-1"))
            .unwrap()
    };
    for _ in 0..2 {
        let res = setup::app(state.clone()).oneshot(post([10, 0, 0, 1])).await.unwrap();
        assert_eq!(res.status(), StatusCode::FOUND);
    }
    let res = setup::app(state.clone()).oneshot(post([10, 0, 0, 1])).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // The page and Retry-After name the same wait.
    let retry: u64 = res.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    let body = axum::body::to_bytes(res.into_body(), 64 * 1024).await.unwrap();
    let unit = if retry == 1 { "second" } else { "seconds" };
    let said = format!("Too many attempts. Please wait {retry} {unit} and try again.");
    let page = String::from_utf8_lossy(&body);
    assert!(page.contains(&said), "{said}");
    // The app's one error page, in the document every page has (title, stylesheet, header).
    assert!(page.contains("<h1>Too many attempts</h1>"), "{page}");
    assert!(page.contains("<title>Too many attempts · leptos-cognito</title>"), "{page}");
    assert!(page.contains("rel=\"stylesheet\"") && page.contains("class=\"site\""), "{page}");
    // In the browser's language.
    let mut german = post([10, 0, 0, 1]);
    german.headers_mut().insert(header::ACCEPT_LANGUAGE, "de-DE,de;q=0.9".parse().unwrap());
    let res = setup::app(state.clone()).oneshot(german).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = String::from_utf8_lossy(&axum::body::to_bytes(res.into_body(), 64 * 1024).await.unwrap()).to_string();
    assert!(page.contains("<html lang=\"de\">"), "{page}");
    assert!(page.contains("<h1>Zu viele Versuche</h1>") && page.contains("Bitte warten Sie"), "{page}");
    // Another client is not affected.
    let res = setup::app(state.clone()).oneshot(post([10, 0, 0, 2])).await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn a_cross_site_post_is_refused_before_anything_runs() {
    let state = state_with(config()).await;
    let req = Request::post("/api/sign_up")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from("email=a%40example.com&password=Correct-Horse-9&given_name=A&family_name=B"))
        .unwrap();
    let res = setup::app(state).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// POSTs a server function as the browser's server-function client does; returns the body.
async fn call(state: &AppState, path: &str, form: &str, cookie: Option<&str>) -> String {
    let mut req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let res = setup::app(state.clone()).oneshot(req.body(Body::from(form.to_string())).unwrap()).await.unwrap();
    String::from_utf8(axum::body::to_bytes(res.into_body(), 64 * 1024).await.unwrap().to_vec()).unwrap()
}

#[tokio::test]
async fn presign_refuses_non_images_oversize_and_strangers() {
    let cfg = config();
    let state = state_with(cfg.clone()).await;
    let (access, id, refresh) = user_with_refresh(&cfg).await;
    let cookie = session_cookie(&state, &access, &id, &refresh).await;

    let ok =
        call(&state, "/api/presign_avatar_upload", "content_type=image%2Fwebp&content_length=20000", Some(&cookie))
            .await;
    assert!(ok.contains("X-Amz-Signature") && ok.contains("avatars/"), "{ok}");
    let html =
        call(&state, "/api/presign_avatar_upload", "content_type=text%2Fhtml&content_length=100", Some(&cookie)).await;
    assert!(html.contains("Choose a PNG, JPEG or WebP image."), "{html}");
    let big =
        call(&state, "/api/presign_avatar_upload", "content_type=image%2Fpng&content_length=600000", Some(&cookie))
            .await;
    assert!(big.contains("The picture must be at most 512 KB after resizing."), "{big}");
    let anonymous =
        call(&state, "/api/presign_avatar_upload", "content_type=image%2Fpng&content_length=100", None).await;
    assert!(anonymous.contains("NotSignedIn"), "{anonymous}");
}

#[tokio::test]
async fn confirm_refuses_another_users_key_and_a_missing_object() {
    let cfg = config();
    let state = state_with(cfg.clone()).await;
    let (access, id, refresh) = user_with_refresh(&cfg).await;
    let cookie = session_cookie(&state, &access, &id, &refresh).await;
    let sub: String = {
        let claims: serde_json::Value = jsonwebtoken::dangerous::insecure_decode(&id).unwrap().claims;
        claims["sub"].as_str().unwrap().to_string()
    };
    let other = "avatars/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111.png";
    let body = call(&state, "/api/confirm_avatar", &format!("key={}", other.replace('/', "%2F")), Some(&cookie)).await;
    assert!(body.contains("That picture does not belong to your account."), "{body}");
    let missing = format!("pending/avatars/{sub}/22222222-2222-2222-2222-222222222222.png");
    let body =
        call(&state, "/api/confirm_avatar", &format!("key={}", missing.replace('/', "%2F")), Some(&cookie)).await;
    assert!(body.contains("The upload did not arrive. Please try again."), "{body}");
}

#[tokio::test]
async fn the_app_client_can_read_but_not_write_the_privileged_plan_attribute() {
    let cfg = config();
    let (access, _, _) = user_with_refresh(&cfg).await;
    let cognito = aws::clients(&cfg).await.cognito;
    let attr = |n: &str, v: &str| {
        aws_sdk_cognitoidentityprovider::types::AttributeType::builder().name(n).value(v).build().unwrap()
    };
    let refused =
        cognito.update_user_attributes().access_token(&access).user_attributes(attr("custom:plan", "pro")).send().await;
    assert_eq!(aws::error_code(&refused.unwrap_err()), Some("NotAuthorizedException"));
    // What settings writes with the person's token is allowed; the bio is written by the
    // server (AdminUpdateUserAttributes) and is not the client's to write or read.
    cognito
        .update_user_attributes()
        .access_token(&access)
        .user_attributes(attr("given_name", "Hi"))
        .send()
        .await
        .unwrap();
    let bio =
        cognito.update_user_attributes().access_token(&access).user_attributes(attr("custom:bio", "hi")).send().await;
    assert_eq!(aws::error_code(&bio.unwrap_err()), Some("NotAuthorizedException"));
    // The provisioned client lists custom:plan as readable and not writable.
    let client = cognito
        .describe_user_pool_client()
        .user_pool_id(&cfg.user_pool_id)
        .client_id(&cfg.client_id)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert!(client.read_attributes().iter().any(|a| a == "custom:plan"));
    assert!(!client.write_attributes().iter().any(|a| a == "custom:plan"));
    assert!(!client.read_attributes().iter().any(|a| a == "custom:bio"), "free text stays out of the id token");
}

#[tokio::test]
async fn the_language_switcher_keeps_the_choice_and_refuses_a_language_it_does_not_have() {
    let state = state_with(config()).await;
    let post_from = |lang: &str, accept: &str, from: &str| {
        Request::post("/api/lang")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, accept)
            .header(header::REFERER, format!("{}{from}", state.config.site_origin()))
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(format!("lang={lang}")))
            .unwrap()
    };
    let post = |lang: &str, accept: &str| post_from(lang, accept, "/sign-up");
    // Back to the page with its query; never to a server function's address (a 429 page's).
    for (from, to) in [("/admin?q=ad", "/admin?q=ad"), ("/api/sign_in", "/"), ("//evil.example/x", "/")] {
        let res = setup::app(state.clone()).oneshot(post_from("en", "text/html", from)).await.unwrap();
        assert_eq!(res.headers()[header::LOCATION], to, "{from}");
    }
    let res = setup::app(state.clone()).oneshot(post("de", "text/html")).await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[header::LOCATION], "/sign-up", "back to the page it was sent from");
    let cookie = res.headers()[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.starts_with("lc-lang=") && cookie.contains("Max-Age=31536000"), "{cookie}");
    let page = Request::get("/sign-up")
        .header(header::COOKIE, cookie.split(';').next().unwrap())
        .header(header::ACCEPT_LANGUAGE, "en-US")
        .body(Body::empty())
        .unwrap();
    let res = setup::app(state.clone()).oneshot(page).await.unwrap();
    let body = String::from_utf8_lossy(&axum::body::to_bytes(res.into_body(), 256 * 1024).await.unwrap()).to_string();
    assert!(
        body.contains("<html lang=\"de\">") && body.contains("<h1>Konto erstellen</h1>"),
        "the cookie beats the browser"
    );
    // A program sending a language the site does not have gets a 400, and no cookie.
    let res = setup::app(state.clone()).oneshot(post("fr", "application/json")).await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(!res.headers().contains_key(header::SET_COOKIE));
}
