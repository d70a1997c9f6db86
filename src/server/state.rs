//! `AppState`: everything a request may need, built once at start-up.

use super::rate_limit::{self, PerKeyLimiter, RESEND_INTERVAL_SECONDS};
use super::{aws, config::Config, session::CookieCodec, verifier::Verifier};
use crate::auth::validate::PasswordPolicy;
use aws_sdk_cognitoidentityprovider as cognito;
use leptos::config::LeptosOptions;
use std::sync::{Arc, RwLock};
use std::time::Duration;

#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub cognito: cognito::Client,
    pub s3: aws_sdk_s3::Client,
    pub ses: aws_sdk_sesv2::Client,
    pub verifier: Arc<Verifier>,
    pub cookies: CookieCodec,
    pub resend_limiter: Arc<PerKeyLimiter>,
    /// Codes sent because an unconfirmed account tried to sign in. Separate from
    /// `resend_limiter`, whose wait pages show: sharing it would tell who is unconfirmed.
    #[from_ref(skip)]
    pub quiet_resend_limiter: Arc<PerKeyLimiter>,
    pub rate_limiter: Arc<rate_limit::Limiter>,
    pub account_limiter: Arc<rate_limit::AccountLimiter>,
    policy: Arc<RwLock<PasswordPolicy>>,
}

impl AppState {
    pub async fn new(leptos_options: LeptosOptions, config: Config, cookie_key: &[u8]) -> Self {
        let clients = aws::clients(&config).await;
        let verifier = Verifier::new(&config.issuer, &config.client_id, &config.jwks_url)
            .with_bearer_clients(config.api_client_id.clone());
        let state = Self::assemble(leptos_options, config, cookie_key, clients, verifier);
        state.spawn_policy_loader();
        rate_limit::spawn_pruner(state.rate_limiter.clone(), state.account_limiter.clone());
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
        let options = LeptosOptions::builder().output_name("test").build();
        Self::assemble(options, config, &[5u8; 64], aws::Clients { cognito, s3, ses }, verifier)
    }

    fn assemble(
        leptos_options: LeptosOptions,
        config: Config,
        cookie_key: &[u8],
        clients: aws::Clients,
        verifier: Verifier,
    ) -> Self {
        let aws::Clients { cognito, s3, ses } = clients;
        AppState {
            leptos_options,
            rate_limiter: Arc::new(rate_limit::limiter(config.rate_limit_per_minute)),
            account_limiter: Arc::new(rate_limit::limiter(config.account_rate_limit_per_minute)),
            cookies: CookieCodec::new(cookie_key, config.secure_cookies()).accepting(&config.previous_cookie_keys),
            config: Arc::new(config),
            cognito,
            s3,
            ses,
            verifier: Arc::new(verifier),
            resend_limiter: Arc::new(PerKeyLimiter::new(Duration::from_secs(RESEND_INTERVAL_SECONDS))),
            quiet_resend_limiter: Arc::new(PerKeyLimiter::new(Duration::from_secs(RESEND_INTERVAL_SECONDS))),
            policy: Arc::new(RwLock::new(PasswordPolicy::default())),
        }
    }

    /// The pool's password policy (the provisioned default until Cognito has answered).
    pub fn password_policy(&self) -> PasswordPolicy {
        self.policy.read().expect("policy lock").clone()
    }

    /// Reads the pool's password policy, retrying every 30 s until Cognito answers.
    fn spawn_policy_loader(&self) {
        let state = self.clone();
        tokio::spawn(async move {
            loop {
                match state.cognito.describe_user_pool().user_pool_id(&state.config.user_pool_id).send().await {
                    Ok(out) => {
                        if let Some(p) = out.user_pool.and_then(|p| p.policies).and_then(|p| p.password_policy) {
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
