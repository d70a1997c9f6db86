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

/// The `Cookie` header a browser would send for a session with these tokens.
pub fn session_cookie(state: &AppState, access: &str, id: &str, refresh: &str) -> String {
    let tokens = leptos_cognito::server::session::SessionTokens {
        access: access.into(),
        id: id.into(),
        refresh: Some(refresh.into()),
    };
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
