//! Shared by the integration tests: the test emulator's configuration, users, and cookies.
#![allow(dead_code)]

use leptos_cognito::server::{aws, config::Config, state::AppState};

pub const PASSWORD: &str = "Correct-Horse-9";

pub async fn state_with(config: Config) -> AppState {
    let options = leptos::config::LeptosOptions::builder().output_name("leptos-cognito").build();
    AppState::new(options, config, &[3u8; 64]).await
}

pub fn config() -> Config {
    Config::load(true).expect("run through dev/run-tests.sh: the LC_* environment points at the test emulator")
}

/// A confirmed user (optionally an admin) and their (access, id) tokens for `client_id`.
pub async fn user(cfg: &Config, client_id: &str, admin: bool) -> (String, String) {
    let (access, id, _) = user_tokens(cfg, client_id, admin).await;
    (access, id)
}

/// A confirmed user of the app client: (access, id, refresh) tokens.
pub async fn user_with_refresh(cfg: &Config) -> (String, String, String) {
    user_tokens(cfg, &cfg.client_id, false).await
}

/// A confirmed user `email` with `PASSWORD` and these attributes, made with admin calls.
pub async fn create_user(cfg: &Config, email: &str, attributes: &[(&str, &str)]) {
    let cognito = aws::clients(cfg).await.cognito;
    let attr = |n: &str, v: &str| {
        aws_sdk_cognitoidentityprovider::types::AttributeType::builder().name(n).value(v).build().unwrap()
    };
    cognito
        .admin_create_user()
        .user_pool_id(&cfg.user_pool_id)
        .username(email)
        .set_user_attributes((!attributes.is_empty()).then(|| attributes.iter().map(|(n, v)| attr(n, v)).collect()))
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    cognito
        .admin_set_user_password()
        .user_pool_id(&cfg.user_pool_id)
        .username(email)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
}

pub async fn user_tokens(cfg: &Config, client_id: &str, admin: bool) -> (String, String, String) {
    let cognito = aws::clients(cfg).await.cognito;
    let email = format!("api-{}-{}@example.com", std::process::id(), rand_suffix());
    create_user(cfg, &email, &[]).await;
    if admin {
        cognito
            .admin_add_user_to_group()
            .user_pool_id(&cfg.user_pool_id)
            .username(&email)
            .group_name("admins")
            .send()
            .await
            .unwrap();
    }
    sign_in_tokens(cfg, client_id, &email).await
}

/// Signs `email` (password `PASSWORD`) in with `client_id`: (access, id, refresh) tokens.
pub async fn sign_in_tokens(cfg: &Config, client_id: &str, email: &str) -> (String, String, String) {
    let cognito = aws::clients(cfg).await.cognito;
    let out = cognito
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
        .set_auth_parameters(Some(if client_id == cfg.client_id {
            // The web client is confidential: SECRET_HASH as the server sends it.
            cfg.auth_parameters(email, &[("PASSWORD", PASSWORD)])
        } else {
            [("USERNAME".to_string(), email.to_string()), ("PASSWORD".to_string(), PASSWORD.to_string())].into()
        }))
        .send()
        .await
        .unwrap();
    let r = out.authentication_result.unwrap();
    (r.access_token.unwrap(), r.id_token.unwrap(), r.refresh_token.unwrap())
}

pub fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 % 1_000_000_007
}

/// The `Cookie` header a browser would send for a session with these tokens (its server-side
/// record started as a sign-in starts it).
pub async fn session_cookie(state: &AppState, access: &str, id: &str, refresh: &str) -> String {
    let mut tokens = leptos_cognito::server::session::SessionTokens {
        access: access.into(),
        id: id.into(),
        refresh: Some(refresh.into()),
        sid: None,
    };
    // The tokens may be another client's (the api client's): the `sub` as the token says it.
    let claims = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(id).expect("a JWT").claims;
    let sub = claims["sub"].as_str().expect("a sub").to_string();
    let ip = std::net::IpAddr::from([127, 0, 0, 1]);
    let sid = leptos_cognito::server::guard::record_session(state, &tokens, &sub, &http::HeaderMap::new(), ip)
        .await
        .expect("the session store answers");
    tokens.sid = Some(sid);
    state
        .cookies
        .start_session(&tokens, 3600)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a browser holds: cookie name → value, updated by `Set-Cookie`s in order.
#[derive(Clone, Default)]
pub struct Jar(std::collections::BTreeMap<String, String>);

impl Jar {
    pub fn from_header(cookie: &str) -> Jar {
        Jar(cookie.split("; ").filter_map(|p| p.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    pub fn apply(&mut self, headers: &http::HeaderMap) {
        for v in headers.get_all(http::header::SET_COOKIE) {
            let s = v.to_str().unwrap();
            let (pair, attrs) = s.split_once(';').unwrap_or((s, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_string(), value.to_string());
            }
        }
    }

    pub fn header(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

/// An HTTP answer as a browser sees it, redirects not followed.
pub struct Answer {
    pub status: http::StatusCode,
    pub location: String,
    pub body: String,
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn answer(res: reqwest::Response, jar: &mut Jar) -> Answer {
    jar.apply(res.headers());
    let status = res.status();
    let location =
        res.headers().get(http::header::LOCATION).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    Answer { status, location, body: res.text().await.unwrap() }
}

/// A form POST to `url` as a browser without JavaScript sends it; `client` names the client
/// in `X-Forwarded-For` for a server that trusts this machine as its proxy.
pub async fn form_post(url: &str, form: &str, jar: &mut Jar, client: Option<&str>) -> Answer {
    let mut req = no_redirects()
        .post(url)
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(http::header::ACCEPT, "text/html")
        .header("sec-fetch-site", "same-origin")
        .header(http::header::COOKIE, jar.header())
        .body(form.to_string());
    if let Some(client) = client {
        req = req.header("x-forwarded-for", client);
    }
    answer(req.send().await.unwrap(), jar).await
}

/// A page GET with the jar's cookies.
pub async fn get_page(url: &str, jar: &mut Jar) -> Answer {
    answer(no_redirects().get(url).header(http::header::COOKIE, jar.header()).send().await.unwrap(), jar).await
}

/// A page GET from `client` (named in `X-Forwarded-For`, as `form_post` does).
pub async fn get_page_from(url: &str, jar: &mut Jar, client: &str) -> Answer {
    let req = no_redirects().get(url).header(http::header::COOKIE, jar.header()).header("x-forwarded-for", client);
    answer(req.send().await.unwrap(), jar).await
}

/// The app's router in this process, driven as a browser drives it: form posts, page GETs and
/// JSON API calls, each from a given client address and user-agent.
pub struct TestApp {
    pub state: AppState,
}

/// One answer of the router.
pub struct Reply {
    pub status: http::StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> &str {
        self.headers.get(http::header::LOCATION).map(|v| v.to_str().unwrap()).unwrap_or("")
    }
}

/// A browser: its cookies, its address and its user-agent.
#[derive(Clone)]
pub struct Browser {
    pub jar: Jar,
    pub ip: [u8; 4],
    pub user_agent: &'static str,
}

pub const FIREFOX_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
pub const CHROME_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

impl Browser {
    pub fn new(ip: [u8; 4], user_agent: &'static str) -> Browser {
        Browser { jar: Jar::default(), ip, user_agent }
    }
}

impl TestApp {
    pub async fn new(config: Config) -> TestApp {
        TestApp { state: state_with(config).await }
    }

    pub async fn send(&self, req: http::Request<axum::body::Body>) -> Reply {
        use tower::ServiceExt;
        let res = leptos_cognito::server::setup::app(self.state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        Reply { status, headers, body: String::from_utf8_lossy(&body).to_string() }
    }

    fn request(b: &Browser, method: http::Method, path: &str) -> http::request::Builder {
        let peer = std::net::SocketAddr::from((b.ip, 40000));
        http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::COOKIE, b.jar.header())
            .header(http::header::USER_AGENT, b.user_agent)
            .extension(axum::extract::ConnectInfo(peer))
    }

    /// A form POST as a browser without JavaScript sends it; the browser keeps the cookies.
    pub async fn post(&self, b: &mut Browser, path: &str, form: &str) -> Reply {
        let req = Self::request(b, http::Method::POST, path)
            .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(http::header::ACCEPT, "text/html,application/xhtml+xml")
            .header("sec-fetch-site", "same-origin")
            .header(http::header::REFERER, format!("{}/settings", config().site_url))
            .body(axum::body::Body::from(form.to_string()))
            .unwrap();
        let reply = self.send(req).await;
        b.jar.apply(&reply.headers);
        reply
    }

    /// A POST as an island sends it (it takes JSON, not HTML).
    pub async fn call(&self, b: &mut Browser, path: &str, form: &str) -> Reply {
        let req = Self::request(b, http::Method::POST, path)
            .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(http::header::ACCEPT, "application/json")
            .header("sec-fetch-site", "same-origin")
            .body(axum::body::Body::from(form.to_string()))
            .unwrap();
        let reply = self.send(req).await;
        b.jar.apply(&reply.headers);
        reply
    }

    /// A GET of a page or an API address with the browser's cookies.
    pub async fn get(&self, b: &mut Browser, path: &str) -> Reply {
        let req = Self::request(b, http::Method::GET, path).body(axum::body::Body::empty()).unwrap();
        let reply = self.send(req).await;
        b.jar.apply(&reply.headers);
        reply
    }

    /// Signs `email` (password `PASSWORD`) in through the sign-in form.
    pub async fn sign_in(&self, b: &mut Browser, email: &str) -> Reply {
        let form = format!("email={}&password={PASSWORD}", email.replace('@', "%40"));
        self.post(b, "/api/sign_in", &form).await
    }
}

/// A new confirmed account with `PASSWORD`: its address.
pub async fn new_account(cfg: &Config, tag: &str) -> String {
    let email = format!("{tag}-{}-{}@example.com", std::process::id(), rand_suffix());
    let attributes =
        [("email", email.as_str()), ("email_verified", "true"), ("given_name", "Ada"), ("family_name", "Lovelace")];
    create_user(cfg, &email, &attributes).await;
    email
}

/// Everything the dev mailbox holds for `email`, oldest first.
pub async fn mailbox(email: &str) -> Vec<serde_json::Value> {
    let url = format!("{}/_dev/mailbox?to={}", config().cognito_endpoint.unwrap(), email.replace('@', "%40"));
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// The subjects of the mails `email` was sent, oldest first.
pub async fn subjects(email: &str) -> Vec<String> {
    mailbox(email).await.iter().map(|m| m["subject"].as_str().unwrap_or_default().to_string()).collect()
}

/// The current code (`offset` steps of 30 s away) of a TOTP `secret` in base32 (RFC 6238:
/// HMAC-SHA1, 6 digits), as an authenticator app shows it.
pub fn totp(secret: &str, offset: i64) -> String {
    let mut bits = 0u64;
    let mut n = 0;
    let mut key = vec![];
    for c in secret.trim_end_matches('=').chars() {
        let v = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".find(c.to_ascii_uppercase()).expect("base32") as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            key.push((bits >> (n - 8)) as u8);
            n -= 8;
        }
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let counter = ((now / 30) + offset) as u64;
    let k = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key);
    let mac = aws_lc_rs::hmac::sign(&k, &counter.to_be_bytes());
    let h = mac.as_ref();
    let o = (h[19] & 0xf) as usize;
    let code = (u32::from_be_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]) & 0x7fff_ffff) % 1_000_000;
    format!("{code:06}")
}

/// Turns on an authenticator app for the account behind `access` (as the two-factor page does):
/// its secret.
pub async fn turn_on_totp(cfg: &Config, access: &str) -> String {
    let cognito = aws::clients(cfg).await.cognito;
    let secret = cognito.associate_software_token().access_token(access).send().await.unwrap().secret_code.unwrap();
    cognito.verify_software_token().access_token(access).user_code(totp(&secret, 0)).send().await.unwrap();
    cognito
        .set_user_mfa_preference()
        .access_token(access)
        .software_token_mfa_settings(
            aws_sdk_cognitoidentityprovider::types::SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    secret
}
