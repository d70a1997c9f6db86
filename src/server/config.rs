//! Runtime configuration: `Leptos.toml`, then `Leptos.local.toml` (written by `provision`),
//! then environment variables `LC_<SECTION>_<KEY>` (e.g. `LC_COGNITO_USER_POOL_ID`).
//! Secrets never come from the files: the cookie key is read from the environment variable
//! that `site.cookie_key_env` names, AWS credentials from the default AWS credential chain.

use base64::Engine;
use std::path::{Path, PathBuf};

/// The settings the server and `provision` need.
#[derive(Clone, Debug)]
pub struct Config {
    pub region: String,
    pub user_pool_id: String,
    pub client_id: String,
    /// The web client's secret (a confidential client): from the environment variable that
    /// `cognito.client_secret_env` names, never from a file. `None`: a public client.
    pub client_secret: Option<String>,
    pub client_secret_env: String,
    /// The public client for API callers (`provision` makes it); the verifier also accepts
    /// its access tokens as Bearer tokens on `/api/*`, never as a session.
    pub api_client_id: Option<String>,
    /// Endpoint override for Cognito (the local emulator); `None` means real AWS.
    pub cognito_endpoint: Option<String>,
    pub jwks_url: String,
    pub issuer: String,
    pub bucket: String,
    pub s3_endpoint: Option<String>,
    /// The address the app's own notices come from (an SES identity; `provision` creates it).
    pub email_from: String,
    /// Endpoint override for SES (the local emulator); `None` means real AWS.
    pub email_endpoint: Option<String>,
    pub site_url: String,
    pub app_name: String,
    pub pool_name: String,
    /// The Lambda function (ARN) `provision` names as the pool's CustomMessage trigger (the
    /// branded emails, `server::custom_message`); none: Cognito's plain messages.
    pub custom_message_lambda: Option<String>,
    /// Token lifetimes `provision` gives the app client, in seconds.
    pub access_token_seconds: i32,
    pub id_token_seconds: i32,
    pub refresh_token_seconds: i32,
    /// 64 bytes for cookie encryption; `None` only when the environment does not hold it.
    pub cookie_key: Option<Vec<u8>>,
    /// Keys that sealed cookies before a rotation: they still open them for a while.
    pub previous_cookie_keys: Vec<Vec<u8>>,
    pub cookie_key_env: String,
    /// Where `provision` writes the ids it created.
    pub local_file: PathBuf,
    /// A session is re-checked with Cognito (a refresh) when its access token is this old,
    /// so a sign-out elsewhere ends it within this time.
    pub revalidate_seconds: u64,
    /// Sign-in, sign-up, code and reset requests allowed per client IP per minute.
    pub rate_limit_per_minute: u32,
    /// Limited requests allowed per email address (signed out) or account (signed in) per minute.
    pub account_rate_limit_per_minute: u32,
    /// The longest a request may take, body included (Cognito calls give up after 4 s each).
    pub request_timeout_seconds: u64,
    /// Where Prometheus metrics are served (`GET /metrics`), apart from the site; none when unset.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Sign-up, resend and forgot password answer no sooner than this (milliseconds).
    pub equal_time_ms: u64,
    /// `/api/*` asks Cognito (GetUser) whether a Bearer token was revoked, on every request.
    /// Off by default: a Bearer token is then valid until it expires.
    pub api_check_revocation: bool,
    /// Proxies whose `X-Forwarded-For` entries are believed (none by default).
    pub trusted_proxies: super::client_ip::TrustedProxies,
    /// Where the rate limits count: this process, or a DynamoDB table every instance shares.
    pub limits_store: LimitsStore,
    /// The DynamoDB table of the shared limits (`provision` makes it when the store is DynamoDB).
    pub limits_table: String,
    /// Endpoint override for DynamoDB (the local emulator); `None` means real AWS.
    pub limits_endpoint: Option<String>,
}

/// `limits.store`: where the rate limits count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitsStore {
    /// In this process: right for one instance (the default).
    Memory,
    /// In a DynamoDB table, shared by every instance.
    DynamoDb,
}

/// A setting that is missing or invalid, named the way a person sets it.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: `{setting}` (env {env}) {problem}")]
pub struct ConfigError {
    pub setting: String,
    pub env: String,
    pub problem: String,
}

/// The keys a person can set, as `section.key`. Anything else in the files is an error.
const KEYS: &[&str] = &[
    "cognito.region",
    "cognito.user_pool_id",
    "cognito.client_id",
    "cognito.api_client_id",
    "cognito.client_secret_env",
    "cognito.endpoint",
    "cognito.jwks_url",
    "cognito.pool_name",
    "cognito.custom_message_lambda",
    "cognito.access_token_seconds",
    "cognito.id_token_seconds",
    "cognito.refresh_token_seconds",
    "s3.bucket",
    "s3.endpoint",
    "email.from",
    "email.endpoint",
    "site.url",
    "site.app_name",
    "site.cookie_key_env",
    "site.rate_limit_per_minute",
    "site.allow_insecure_http",
    "site.trusted_proxies",
    "site.account_rate_limit_per_minute",
    "site.equal_time_ms",
    "site.request_timeout_seconds",
    "site.metrics_addr",
    "session.revalidate_seconds",
    "api.check_revocation",
    "limits.store",
    "limits.table",
    "limits.endpoint",
];

fn env_name(key: &str) -> String {
    format!("LC_{}", key.replace('.', "_").to_uppercase())
}

fn err(key: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError { setting: key.to_string(), env: env_name(key), problem: problem.into() }
}

/// Raw string values after layering files and environment.
#[derive(Default)]
struct Layers(std::collections::BTreeMap<String, String>);

impl Layers {
    fn read_file(&mut self, path: &Path, required: bool) -> Result<(), ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(err("LC_CONFIG", format!("cannot read {}: {e}", path.display()))),
        };
        let table: toml::Table =
            text.parse().map_err(|e| err("LC_CONFIG", format!("{} is not valid TOML: {e}", path.display())))?;
        for (section, value) in table {
            let Some(inner) = value.as_table() else {
                return Err(err(&section, format!("in {} must be a [section]", path.display())));
            };
            for (k, v) in inner {
                let key = format!("{section}.{k}");
                if !KEYS.contains(&key.as_str()) {
                    return Err(err(&key, format!("in {} is not a known setting", path.display())));
                }
                let s = match v {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(i) => i.to_string(),
                    other => return Err(err(&key, format!("has an unsupported value {other}"))),
                };
                self.0.insert(key, s);
            }
        }
        Ok(())
    }

    fn read_env(&mut self) {
        for key in KEYS {
            if let Ok(v) = std::env::var(env_name(key)) {
                self.0.insert(key.to_string(), v);
            }
        }
    }

    fn get(&self, key: &str) -> Option<String> {
        self.0.get(key).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
    }

    fn require(&self, key: &str, hint: &str) -> Result<String, ConfigError> {
        self.get(key).ok_or_else(|| err(key, format!("is missing{hint}")))
    }

    fn url(&self, key: &str) -> Result<Option<String>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                Ok(Some(u.trim_end_matches('/').to_string()))
            }
            Some(u) => Err(err(key, format!("must be an http(s) URL, got {u:?}"))),
        }
    }

    fn flag(&self, key: &str) -> Result<bool, ConfigError> {
        match self.get(key).as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(v) => Err(err(key, format!("must be true or false, got {v:?}"))),
        }
    }

    fn seconds(&self, key: &str, default: i32) -> Result<i32, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse::<i32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| err(key, format!("must be a positive number of seconds, got {v:?}"))),
        }
    }
}

/// `email.from`: one plain address (the display name is `site.app_name`).
fn email_from(l: &Layers) -> Result<String, ConfigError> {
    let from = l.require("email.from", " — an address SES may send from (e.g. no-reply@your-domain)")?;
    let plain = from.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !from.contains(|c: char| c.is_whitespace() || "<>,;\"".contains(c))
    });
    if !plain {
        return Err(err("email.from", format!("must be one plain email address, got {from:?}")));
    }
    // Exactly as written: the address SES verified and any IAM condition on it must match.
    Ok(from.to_string())
}

impl Config {
    /// Loads the configuration from `LC_CONFIG` (default `Leptos.toml`), its `.local.toml`
    /// sibling and the environment. `ids_required` is false for `provision`, which creates them.
    pub fn load(ids_required: bool) -> Result<Config, ConfigError> {
        let main = PathBuf::from(std::env::var("LC_CONFIG").unwrap_or_else(|_| "Leptos.toml".into()));
        let local_file =
            std::env::var("LC_LOCAL_CONFIG").map(PathBuf::from).unwrap_or_else(|_| main.with_extension("local.toml"));
        let mut layers = Layers::default();
        layers.read_file(&main, true)?;
        layers.read_file(&local_file, false)?;
        layers.read_env();
        Self::from_layers(&layers, local_file, ids_required)
    }

    fn from_layers(l: &Layers, local_file: PathBuf, ids_required: bool) -> Result<Config, ConfigError> {
        let region = l.require("cognito.region", "")?;
        let hint = " — run `make provision` (local) or set it to your pool's value";
        let (user_pool_id, client_id) = if ids_required {
            (l.require("cognito.user_pool_id", hint)?, l.require("cognito.client_id", hint)?)
        } else {
            (l.get("cognito.user_pool_id").unwrap_or_default(), l.get("cognito.client_id").unwrap_or_default())
        };
        let cognito_endpoint = l.url("cognito.endpoint")?;
        let client_secret_env = l.get("cognito.client_secret_env").unwrap_or_else(|| "LC_COGNITO_CLIENT_SECRET".into());
        let client_secret =
            std::env::var(&client_secret_env).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}");
        let jwks_url = match l.url("cognito.jwks_url")? {
            Some(u) => u,
            // The emulator serves the JWKS under its own address; AWS under the issuer.
            None => match &cognito_endpoint {
                Some(ep) => format!("{ep}/{user_pool_id}/.well-known/jwks.json"),
                None => format!("{issuer}/.well-known/jwks.json"),
            },
        };
        let site_url = l.url("site.url")?.ok_or_else(|| err("site.url", "is missing"))?;
        let allow_http = l.flag("site.allow_insecure_http")?;
        if site_url.starts_with("http://") && !is_local_origin(origin_of(&site_url)) && !allow_http {
            return Err(err(
                "site.url",
                format!(
                    "is {site_url:?}: plain http is allowed only on this machine (127.0.0.1, localhost, [::1]); \
                     set it to the public https:// URL (also behind a TLS-terminating proxy), or, only for a \
                     network where nothing can be intercepted, site.allow_insecure_http = \"true\" \
                     (env LC_SITE_ALLOW_INSECURE_HTTP)"
                ),
            ));
        }
        let cookie_key_env = l.get("site.cookie_key_env").unwrap_or_else(|| "LC_COOKIE_KEY".into());
        // One key, or several separated by commas or spaces: the first seals, all open.
        let mut cookie_keys = vec![];
        for (i, v) in std::env::var(&cookie_key_env)
            .unwrap_or_default()
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .enumerate()
        {
            let which =
                if i == 0 { "cookie key".to_string() } else { format!("cookie key #{} (a previous key)", i + 1) };
            let bytes = base64::engine::general_purpose::STANDARD.decode(v).map_err(|_| ConfigError {
                setting: which.clone(),
                env: cookie_key_env.clone(),
                problem: "is not valid base64".into(),
            })?;
            if bytes.len() != 64 {
                return Err(ConfigError {
                    setting: which,
                    env: cookie_key_env.clone(),
                    problem: format!("must be 64 bytes (base64), got {}", bytes.len()),
                });
            }
            cookie_keys.push(bytes);
        }
        let cookie_key = (!cookie_keys.is_empty()).then(|| cookie_keys.remove(0));
        let previous_cookie_keys = cookie_keys;
        Ok(Config {
            region,
            user_pool_id,
            client_id,
            client_secret,
            client_secret_env,
            api_client_id: l.get("cognito.api_client_id"),
            cognito_endpoint,
            jwks_url,
            issuer,
            bucket: l.require("s3.bucket", "")?,
            s3_endpoint: l.url("s3.endpoint")?,
            email_from: email_from(l)?,
            email_endpoint: l.url("email.endpoint")?,
            site_url,
            app_name: l.get("site.app_name").unwrap_or_else(|| "leptos-cognito".into()),
            pool_name: l.get("cognito.pool_name").unwrap_or_else(|| "leptos-cognito".into()),
            custom_message_lambda: l.get("cognito.custom_message_lambda").filter(|a| !a.trim().is_empty()),
            access_token_seconds: l.seconds("cognito.access_token_seconds", 3600)?,
            id_token_seconds: l.seconds("cognito.id_token_seconds", 3600)?,
            refresh_token_seconds: l.seconds("cognito.refresh_token_seconds", 30 * 24 * 3600)?,
            cookie_key,
            previous_cookie_keys,
            cookie_key_env,
            local_file,
            revalidate_seconds: l.seconds("session.revalidate_seconds", 300)? as u64,
            rate_limit_per_minute: l.seconds("site.rate_limit_per_minute", 20)? as u32,
            account_rate_limit_per_minute: l.seconds("site.account_rate_limit_per_minute", 10)? as u32,
            api_check_revocation: l.flag("api.check_revocation")?,
            equal_time_ms: l.seconds("site.equal_time_ms", 1500)? as u64,
            request_timeout_seconds: l.seconds("site.request_timeout_seconds", 20)? as u64,
            metrics_addr: match l.get("site.metrics_addr") {
                None => None,
                Some(a) => Some(a.parse().map_err(|_| {
                    err("site.metrics_addr", format!("must be an address and port like 127.0.0.1:9100, got {a:?}"))
                })?),
            },
            trusted_proxies: super::client_ip::TrustedProxies::parse(
                &l.get("site.trusted_proxies").unwrap_or_default(),
            )
            .map_err(|e| err("site.trusted_proxies", e))?,
            limits_store: match l.get("limits.store").as_deref() {
                None | Some("memory") => LimitsStore::Memory,
                Some("dynamodb") => LimitsStore::DynamoDb,
                Some(v) => return Err(err("limits.store", format!("must be \"memory\" or \"dynamodb\", got {v:?}"))),
            },
            limits_table: l.get("limits.table").unwrap_or_else(|| "leptos-cognito-limits".into()),
            limits_endpoint: l.url("limits.endpoint")?,
        })
    }

    /// Cognito's SECRET_HASH for calls on behalf of `username` when the web client has a
    /// secret: Base64(HMAC-SHA256(secret, username + client id)).
    pub fn secret_hash(&self, username: &str) -> Option<String> {
        let secret = self.client_secret.as_ref()?;
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
        let tag = aws_lc_rs::hmac::sign(&key, format!("{username}{}", self.client_id).as_bytes());
        Some(base64::engine::general_purpose::STANDARD.encode(tag.as_ref()))
    }

    /// InitiateAuth's AuthParameters for `username`: the given pairs, USERNAME and, with a
    /// client secret, SECRET_HASH.
    pub fn auth_parameters(&self, username: &str, pairs: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
        let mut params: std::collections::HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        params.insert("USERNAME".into(), username.to_string());
        if let Some(h) = self.secret_hash(username) {
            params.insert("SECRET_HASH".into(), h);
        }
        params
    }

    /// Where the browser fetches avatars from and uploads them to (for the CSP): the emulator's
    /// address, or the bucket's S3 hosts.
    pub fn s3_origins(&self) -> Vec<String> {
        match &self.s3_endpoint {
            Some(ep) => vec![origin_of(ep).to_string()],
            None => vec![
                format!("https://{}.s3.{}.amazonaws.com", self.bucket, self.region),
                format!("https://{}.s3.amazonaws.com", self.bucket),
            ],
        }
    }

    /// True when the site is served over https: cookies then get `Secure` and `__Host-`.
    pub fn secure_cookies(&self) -> bool {
        self.site_url.starts_with("https://")
    }

    /// Scheme, host and port of the site, as browsers send it in `Origin`.
    pub fn site_origin(&self) -> &str {
        origin_of(&self.site_url)
    }

    /// The WebAuthn relying party id the pool's passkeys belong to: the site's host. Browsers
    /// refuse an IP address as one, so a site on this machine's 127.0.0.1 or [::1] uses
    /// `localhost` (passkeys then work on http://localhost:PORT, not on the IP address).
    pub fn passkey_rp_id(&self) -> String {
        match host_of(&self.site_url) {
            "127.0.0.1" | "[::1]" => "localhost".into(),
            host => host.to_string(),
        }
    }

    /// True when the site runs on this machine (dev); only then may a cookie key be generated.
    pub fn is_local(&self) -> bool {
        is_local_origin(self.site_origin())
    }
}

/// The host of a URL, without scheme, port or path (an IPv6 address keeps its brackets).
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    if rest.starts_with('[') {
        return rest.find(']').map_or(rest, |end| &rest[..=end]);
    }
    rest.split(['/', ':']).next().unwrap_or(rest)
}

/// Scheme, host and port of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find(['/', '?', '#']) {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// An http origin on this machine: the host is exactly 127.0.0.1, localhost or [::1]
/// (`localhost.evil.example` is not).
fn is_local_origin(origin: &str) -> bool {
    let Some(authority) = origin.strip_prefix("http://") else { return false };
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.is_empty() => h,
        _ => authority,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

#[cfg(test)]
impl Config {
    /// A complete configuration for tests that talk to no real service.
    pub fn for_test() -> Config {
        Config {
            region: "us-east-1".into(),
            user_pool_id: "us-east-1_test".into(),
            client_id: "client-123".into(),
            client_secret: None,
            client_secret_env: "LC_COGNITO_CLIENT_SECRET".into(),
            api_client_id: None,
            cognito_endpoint: Some("http://127.0.0.1:9".into()),
            jwks_url: String::new(),
            issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test".into(),
            bucket: "avatars".into(),
            s3_endpoint: Some("http://127.0.0.1:9".into()),
            email_from: "no-reply@example.com".into(),
            email_endpoint: Some("http://127.0.0.1:9".into()),
            site_url: "http://127.0.0.1:3000".into(),
            app_name: "test".into(),
            pool_name: "test".into(),
            custom_message_lambda: None,
            access_token_seconds: 3600,
            id_token_seconds: 3600,
            refresh_token_seconds: 86400,
            cookie_key: None,
            previous_cookie_keys: vec![],
            cookie_key_env: "LC_COOKIE_KEY".into(),
            local_file: "Leptos.local.toml".into(),
            revalidate_seconds: 300,
            rate_limit_per_minute: 20,
            account_rate_limit_per_minute: 10,
            api_check_revocation: false,
            equal_time_ms: 0,
            request_timeout_seconds: 20,
            metrics_addr: None,
            trusted_proxies: Default::default(),
            limits_store: LimitsStore::Memory,
            limits_table: "limits".into(),
            limits_endpoint: Some("http://127.0.0.1:9".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layers(pairs: &[(&str, &str)]) -> Layers {
        Layers(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    /// Browsers refuse an IP address as a relying party id: a site on this machine's address
    /// has its passkeys on `localhost`.
    #[test]
    fn passkeys_belong_to_the_site_host() {
        for (url, rp) in [
            ("https://app.example.com/", "app.example.com"),
            ("https://a.example.com:8443/x", "a.example.com"),
            ("http://localhost:3000", "localhost"),
            ("http://127.0.0.1:3100", "localhost"),
            ("http://[::1]:3000/", "localhost"),
        ] {
            let config = Config { site_url: url.into(), ..Config::for_test() };
            assert_eq!(config.passkey_rp_id(), rp, "{url}");
        }
        assert_eq!(host_of("http://[::1]:3000/"), "[::1]");
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("cognito.region", "us-east-1"),
            ("cognito.user_pool_id", "us-east-1_abc"),
            ("cognito.client_id", "client1"),
            ("s3.bucket", "avatars"),
            ("email.from", "No-Reply@Example.com"),
            ("site.url", "https://example.com/"),
        ]
    }

    #[test]
    fn the_sender_is_one_plain_address() {
        let c = Config::from_layers(&layers(&base()), "x".into(), true).unwrap();
        assert_eq!(c.email_from, "No-Reply@Example.com", "kept as written");
        for bad in ["", "no-reply", "App <no-reply@example.com>", "a@b.c, d@e.f", "a@localhost"] {
            let mut l = base();
            l.retain(|(k, _)| *k != "email.from");
            l.push(("email.from", bad));
            let e = Config::from_layers(&layers(&l), "x".into(), true).unwrap_err();
            assert_eq!(e.setting, "email.from", "{bad:?}");
        }
    }

    #[test]
    fn derives_issuer_and_aws_jwks_url() {
        let c = Config::from_layers(&layers(&base()), "x".into(), true).unwrap();
        assert_eq!(c.issuer, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc");
        assert_eq!(c.jwks_url, format!("{}/.well-known/jwks.json", c.issuer));
        assert!(c.secure_cookies());
        assert_eq!(c.site_origin(), "https://example.com");
    }

    #[test]
    fn emulator_jwks_url_follows_the_endpoint() {
        let mut pairs = base();
        pairs.push(("cognito.endpoint", "http://127.0.0.1:5077/"));
        let c = Config::from_layers(&layers(&pairs), "x".into(), true).unwrap();
        assert_eq!(c.jwks_url, "http://127.0.0.1:5077/us-east-1_abc/.well-known/jwks.json");
    }

    #[test]
    fn missing_pool_id_names_the_setting_and_env() {
        let pairs: Vec<_> = base().into_iter().filter(|(k, _)| *k != "cognito.user_pool_id").collect();
        let e = Config::from_layers(&layers(&pairs), "x".into(), true).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("cognito.user_pool_id") && text.contains("LC_COGNITO_USER_POOL_ID"), "{text}");
    }

    #[test]
    fn invalid_url_is_refused() {
        let mut pairs = base();
        pairs.push(("s3.endpoint", "localhost:5077"));
        let e = Config::from_layers(&layers(&pairs), "x".into(), true).unwrap_err();
        assert!(e.to_string().contains("s3.endpoint"));
    }

    #[test]
    fn plain_http_is_refused_off_this_machine_unless_allowed() {
        let with_url = |url: &'static str, allow: Option<&'static str>| {
            let mut pairs: Vec<_> = base().into_iter().filter(|(k, _)| *k != "site.url").collect();
            pairs.push(("site.url", url));
            if let Some(a) = allow {
                pairs.push(("site.allow_insecure_http", a));
            }
            Config::from_layers(&layers(&pairs), "x".into(), true)
        };
        let e = with_url("http://app.example.com", None).unwrap_err().to_string();
        assert!(e.contains("site.url") && e.contains("LC_SITE_ALLOW_INSECURE_HTTP"), "{e}");
        assert!(with_url("http://localhost.evil.example:3000", None).is_err());
        assert!(with_url("http://127.0.0.1.evil.example", None).is_err());
        assert!(with_url("http://app.example.com", Some("true")).is_ok());
        for local in ["http://127.0.0.1:3000", "http://localhost:3000", "http://localhost", "http://[::1]:3000"] {
            let c = with_url(local, None).unwrap();
            assert!(c.is_local(), "{local}");
        }
        let c = with_url("http://localhost.evil.example", Some("true")).unwrap();
        assert!(!c.is_local(), "a look-alike host is not this machine");
        assert!(!with_url("https://localhost:3000", None).unwrap().is_local());
    }

    const SECRET_HASH_OF_USER: &str = "wvW87lzZoI+qQCVGmWVBJLlucdJ65huAVP1z+0MgA6E=";

    #[test]
    fn secret_hash_is_cognitos() {
        let mut c = Config::for_test();
        assert_eq!(c.secret_hash("ada@example.com"), None, "a public client sends none");
        c.client_id = "client".into();
        c.client_secret = Some("secret".into());
        // Base64(HMAC-SHA256("secret", "user" + "client")), computed independently with openssl.
        assert_eq!(c.secret_hash("user").as_deref(), Some(SECRET_HASH_OF_USER));
        let p = c.auth_parameters("user", &[("PASSWORD", "pw")]);
        assert_eq!(p["SECRET_HASH"], SECRET_HASH_OF_USER);
        assert_eq!(p["USERNAME"], "user");
        assert_eq!(p["PASSWORD"], "pw");
    }

    #[test]
    fn the_limits_store_is_memory_unless_dynamodb_is_named() {
        let c = Config::from_layers(&layers(&base()), "x".into(), true).unwrap();
        assert_eq!((c.limits_store, c.limits_table.as_str()), (LimitsStore::Memory, "leptos-cognito-limits"));
        let mut pairs = base();
        pairs.extend([("limits.store", "dynamodb"), ("limits.table", "limits-prod")]);
        let c = Config::from_layers(&layers(&pairs), "x".into(), true).unwrap();
        assert_eq!((c.limits_store, c.limits_table.as_str()), (LimitsStore::DynamoDb, "limits-prod"));
        let mut pairs = base();
        pairs.push(("limits.store", "redis"));
        let e = Config::from_layers(&layers(&pairs), "x".into(), true).unwrap_err().to_string();
        assert!(e.contains("limits.store") && e.contains("LC_LIMITS_STORE"), "{e}");
    }

    #[test]
    fn unknown_key_in_file_is_refused() {
        let dir = std::env::temp_dir().join(format!("lc-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.toml");
        std::fs::write(&file, "[cognito]\nregoin = \"us-east-1\"\n").unwrap();
        let e = Layers::default().read_file(&file, true).unwrap_err();
        assert!(e.to_string().contains("cognito.regoin"), "{e}");
    }
}
