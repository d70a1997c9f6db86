//! `AppState`: everything a request may need, built once at start-up.

use super::config::LimitsStore;
use super::rate_limit::{self, LimitStore, RESEND_INTERVAL_SECONDS, StoreUnavailable, wait_seconds};
use super::session_store::{self, SessionStore};
use super::{aws, config::Config, session::CookieCodec, verifier::Verifier};
use crate::auth::validate::PasswordPolicy;
use crate::error::AppError;
use aws_sdk_cognitoidentityprovider as cognito;
use leptos::config::LeptosOptions;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// What the pool's sign-in policy allows besides the password (all false until Cognito answers).
#[derive(Default)]
struct FirstFactors {
    /// A code sent by email (EMAIL_OTP).
    email_code: AtomicBool,
    /// A passkey (WEB_AUTHN).
    passkeys: AtomicBool,
}

#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub cognito: cognito::Client,
    pub s3: aws_sdk_s3::Client,
    pub ses: aws_sdk_sesv2::Client,
    pub verifier: Arc<Verifier>,
    pub cookies: CookieCodec,
    /// Every rate limit and resend wait (`limits` says which request gets which).
    pub limits: Arc<dyn LimitStore>,
    /// The record of every signed-in browser (`session_store`), in the limits' store.
    pub sessions: Arc<dyn SessionStore>,
    policy: Arc<RwLock<PasswordPolicy>>,
    /// The factors the pool's sign-in policy lets a person start with, besides the password.
    factors: Arc<FirstFactors>,
    /// Keys the limits counted per email address (`keyed`); derived from the cookie key.
    limit_key: Arc<aws_lc_rs::hmac::Key>,
}

/// At most this many codes a minute for one address, from all clients together.
pub const RESEND_CEILING_PER_MINUTE: u32 = 20;

/// The HMAC key of `AppState::keyed`: SHA-256 of a label and the cookie key, so it is never the
/// cookie key itself.
fn limit_key(cookie_key: &[u8]) -> aws_lc_rs::hmac::Key {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    ctx.update(b"leptos-cognito limits v1\0");
    ctx.update(cookie_key);
    aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, ctx.finish().as_ref())
}

impl AppState {
    pub async fn new(leptos_options: LeptosOptions, config: Config, cookie_key: &[u8]) -> Self {
        let clients = aws::clients(&config).await;
        let verifier = Verifier::new(&config.issuer, &config.client_id, &config.jwks_url)
            .with_bearer_clients(config.api_client_id.clone());
        let (limits, sessions): (Arc<dyn LimitStore>, Arc<dyn SessionStore>) = match config.limits_store {
            LimitsStore::Memory => {
                let memory = Arc::new(rate_limit::Memory::default());
                memory.spawn_pruner();
                (memory, Arc::new(session_store::Memory::default()))
            }
            LimitsStore::DynamoDb => (
                Arc::new(rate_limit::dynamodb::DynamoStore::new(clients.dynamodb.clone(), &config.limits_table)),
                Arc::new(session_store::dynamodb::DynamoSessions::new(clients.dynamodb.clone(), &config.limits_table)),
            ),
        };
        let state = Self::assemble(leptos_options, config, cookie_key, clients, verifier, limits, sessions);
        state.spawn_policy_loader();
        state
    }

    /// State around given clients (e.g. mocked Cognito), without the background policy loader.
    #[cfg(test)]
    pub fn for_test(config: Config, cognito: cognito::Client, verifier: Verifier) -> Self {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::Config::builder()
                .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
                .region(aws_sdk_s3::config::Region::new("us-east-1"))
                .build(),
        );
        let ses = aws_sdk_sesv2::Client::from_conf(
            aws_sdk_sesv2::Config::builder()
                .behavior_version(aws_sdk_sesv2::config::BehaviorVersion::latest())
                .region(aws_sdk_sesv2::config::Region::new("us-east-1"))
                .build(),
        );
        let dynamodb = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::Config::builder()
                .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
                .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
                .build(),
        );
        let options = LeptosOptions::builder().output_name("test").build();
        let limits = Arc::new(rate_limit::Memory::default());
        let sessions = Arc::new(session_store::Memory::default());
        let clients = aws::Clients { cognito, s3, ses, dynamodb };
        Self::assemble(options, config, &[5u8; 64], clients, verifier, limits, sessions)
    }

    fn assemble(
        leptos_options: LeptosOptions,
        config: Config,
        cookie_key: &[u8],
        clients: aws::Clients,
        verifier: Verifier,
        limits: Arc<dyn LimitStore>,
        sessions: Arc<dyn SessionStore>,
    ) -> Self {
        let aws::Clients { cognito, s3, ses, .. } = clients;
        AppState {
            leptos_options,
            limits,
            sessions,
            cookies: CookieCodec::new(cookie_key, config.secure_cookies()).accepting(&config.previous_cookie_keys),
            config: Arc::new(config),
            cognito,
            s3,
            ses,
            verifier: Arc::new(verifier),
            policy: Arc::new(RwLock::new(PasswordPolicy::default())),
            factors: Arc::default(),
            limit_key: Arc::new(limit_key(cookie_key)),
        }
    }

    /// What a limit keyed by someone's email address (or account) is stored under: an HMAC
    /// with a key derived from the cookie key, so the shared table never holds an address.
    pub fn keyed(&self, who: &str) -> String {
        use base64::Engine;
        let tag = aws_lc_rs::hmac::sign(&self.limit_key, who.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&tag.as_ref()[..18])
    }

    /// One code a resend wait (`RESEND_INTERVAL_SECONDS`) per `who` (an email address or
    /// `account:<sub>`) and client; the refusal says how many seconds are left. The wait is
    /// counted per address *and* client, so a stranger asking for codes keeps only themselves
    /// waiting; the address alone has a ceiling (`RESEND_CEILING_PER_MINUTE`) well above what
    /// one person asks for.
    pub async fn resend_allowed(&self, who: &str, client: std::net::IpAddr) -> Result<(), AppError> {
        let who = self.keyed(who);
        let net = super::client_ip::limit_key(client);
        let interval = Duration::from_secs(RESEND_INTERVAL_SECONDS);
        let checked = match self.limits.once_per(&format!("resend:{who}:{net}"), interval).await {
            Ok(Ok(())) => self.limits.hit(&format!("resend-any:{who}"), RESEND_CEILING_PER_MINUTE).await,
            other => other,
        };
        match checked {
            Ok(Ok(())) => Ok(()),
            Ok(Err(wait)) => {
                use crate::i18n::t::errors as t;
                let text = match wait_seconds(wait) {
                    1 => t::RESEND_WAIT_ONE.text().to_string(),
                    seconds => t::RESEND_WAIT.fill(&[("seconds", &seconds)]),
                };
                Err(AppError::InvalidInput(text))
            }
            Err(StoreUnavailable) => Err(AppError::Unavailable),
        }
    }

    /// Seconds left of `who`'s resend wait for `client` (0 when a code may be asked for now, or
    /// when the store cannot tell: the resend itself is checked all the same).
    pub async fn resend_seconds_left(&self, who: &str, client: std::net::IpAddr) -> u64 {
        let key = format!("resend:{}:{}", self.keyed(who), super::client_ip::limit_key(client));
        self.limits.remaining(&key).await.map(|w| w.as_secs()).unwrap_or(0)
    }

    /// Codes sent because an unconfirmed account tried to sign in have a wait of their own,
    /// apart from the visible one (sharing it would tell who is unconfirmed). True when one
    /// may go now.
    pub async fn quiet_resend_allowed(&self, email: &str) -> bool {
        let wait = Duration::from_secs(RESEND_INTERVAL_SECONDS);
        matches!(self.limits.once_per(&format!("quiet-resend:{}", self.keyed(email)), wait).await, Ok(Ok(())))
    }

    /// An attribute the app client may not read (`custom:bio`, `custom:recovery`), read with
    /// the server's credentials (AdminGetUser); empty when the account has none.
    pub async fn admin_attribute(&self, username: &str, name: &str) -> Result<String, AppError> {
        let out = self
            .cognito
            .admin_get_user()
            .user_pool_id(&self.config.user_pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| super::aws::map_sdk_error(&format!("AdminGetUser ({name})"), &e))?;
        Ok(out
            .user_attributes()
            .iter()
            .find(|a| a.name() == name)
            .and_then(|a| a.value())
            .unwrap_or_default()
            .to_string())
    }

    /// One change of `what` at a time (e.g. an account's recovery codes), across instances when
    /// the limits are shared: refused for a few seconds after the last one started.
    pub async fn account_lock(&self, what: &str) -> Result<(), AppError> {
        match self.limits.once_per(&format!("lock:{}", self.keyed(what)), Duration::from_secs(3)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(AppError::TooManyRequests),
            Err(StoreUnavailable) => Err(AppError::Unavailable),
        }
    }

    /// The client of a request (its parts).
    pub fn client_of(&self, parts: &http::request::Parts) -> std::net::IpAddr {
        super::client_ip::of_request(&parts.headers, &parts.extensions, &self.config.trusted_proxies)
    }

    /// The pool's password policy (the provisioned default until Cognito has answered).
    pub fn password_policy(&self) -> PasswordPolicy {
        self.policy.read().expect("policy lock").clone()
    }

    /// Whether the sign-in page offers a code by email: the pool allows EMAIL_OTP as a first
    /// factor (false until Cognito has answered).
    pub fn email_code_sign_in(&self) -> bool {
        self.factors.email_code.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    pub fn allow_email_code(&self) {
        self.factors.email_code.store(true, Ordering::Relaxed);
    }

    /// Whether the pages offer passkeys: the pool allows WEB_AUTHN as a first factor (false until
    /// Cognito has answered).
    pub fn passkeys(&self) -> bool {
        self.factors.passkeys.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    pub fn allow_passkeys(&self) {
        self.factors.passkeys.store(true, Ordering::Relaxed);
    }

    /// Reads the pool's password policy and sign-in factors, retrying every 30 s until Cognito answers.
    fn spawn_policy_loader(&self) {
        let state = self.clone();
        tokio::spawn(async move {
            loop {
                match state.cognito.describe_user_pool().user_pool_id(&state.config.user_pool_id).send().await {
                    Ok(out) => {
                        let policies = out.user_pool.and_then(|p| p.policies);
                        let allows = |factor: cognito::types::AuthFactorType| {
                            policies
                                .as_ref()
                                .and_then(|p| p.sign_in_policy())
                                .is_some_and(|p| p.allowed_first_auth_factors().contains(&factor))
                        };
                        use cognito::types::AuthFactorType as Factor;
                        state.factors.email_code.store(allows(Factor::EmailOtp), Ordering::Relaxed);
                        state.factors.passkeys.store(allows(Factor::WebAuthn), Ordering::Relaxed);
                        if let Some(p) = policies.and_then(|p| p.password_policy) {
                            *state.policy.write().expect("policy lock") = PasswordPolicy {
                                min_length: p.minimum_length.unwrap_or(8).max(6) as usize,
                                require_uppercase: p.require_uppercase,
                                require_lowercase: p.require_lowercase,
                                require_numbers: p.require_numbers,
                                require_symbols: p.require_symbols,
                            };
                        }
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(error = ?e, "cannot read the pool's password policy yet; retrying in 30 s");
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                }
            }
        });
    }
}
