//! Local verification of Cognito JWTs against the pool's JWKS (the checks AWS documents for
//! Cognito tokens): RS256 only, key picked by `kid`, issuer, audience/client_id, `token_use` and expiry checked.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header, jwk::JwkSet};
use serde::Deserialize;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// Why a token was refused. Never shown to a person; they just see "signed out" or a 401.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("token is malformed or its signature, issuer, audience or expiry is wrong: {0}")]
    Invalid(String),
    #[error("token uses algorithm {0:?}, only RS256 is accepted")]
    WrongAlgorithm(String),
    #[error("no key with this kid in the JWKS")]
    UnknownKid,
    #[error("token_use is {0:?}, expected {1:?}")]
    WrongTokenUse(String, &'static str),
    #[error("client_id does not match this app")]
    WrongClient,
    #[error("the JWKS cannot be fetched: {0}")]
    JwksUnavailable(String),
    #[error("token has expired")]
    Expired,
}

/// Claims of a verified id token.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct IdClaims {
    pub sub: String,
    pub email: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    #[serde(rename = "cognito:groups", default)]
    pub groups: Vec<String>,
    /// The S3 key of the avatar.
    pub picture: Option<String>,
    /// The person's language (`de`), set at sign-up and by the language switcher.
    pub locale: Option<String>,
    /// A bool from Cognito; the emulator may send the string "true".
    pub email_verified: Option<serde_json::Value>,
    pub exp: u64,
    token_use: String,
}

impl IdClaims {
    pub fn email_verified(&self) -> bool {
        matches!(&self.email_verified, Some(serde_json::Value::Bool(true)))
            || matches!(&self.email_verified, Some(serde_json::Value::String(s)) if s == "true")
    }
}

/// Claims of a verified access token.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct AccessClaims {
    pub sub: String,
    pub username: Option<String>,
    #[serde(rename = "cognito:groups", default)]
    pub groups: Vec<String>,
    pub exp: u64,
    pub iat: Option<u64>,
    client_id: Option<String>,
    token_use: String,
}

/// Seconds of clock skew allowed on `exp`.
const LEEWAY: u64 = 5;

/// At most this many verified access tokens are remembered (see `Verifier::verified`).
const VERIFIED_MAX: usize = 10_000;

/// How long to refuse refetching after a refetch did not find an unknown kid.
const PENALTY: Duration = Duration::from_secs(10);

struct Cache {
    keys: JwkSet,
    /// No refetch before this: after a fetch that did not find the kid, or that failed.
    refused_until: Option<Instant>,
    /// Why the last fetch failed, while its penalty lasts.
    failure: Option<String>,
}

/// Verifies id and access tokens of one user pool and app client.
pub struct Verifier {
    issuer: String,
    client_id: String,
    /// Further clients whose access tokens are accepted as Bearer tokens (never as a session).
    bearer_clients: Vec<String>,
    jwks_url: String,
    http: reqwest::Client,
    cache: RwLock<Cache>,
    /// One fetch at a time; held while fetching instead of the cache's lock, so requests with
    /// known keys never wait for the network.
    fetching: tokio::sync::Mutex<()>,
    /// Access tokens that passed every check but the client's, by the token itself, until
    /// they expire. A caller sends the same token for up to an hour, and the RS256 signature
    /// check is most of a verified request's cost (`make bench`, table 3). A token is the same
    /// string or a different key here, so nothing unverified is ever answered from it; errors
    /// are not remembered. A key removed from the JWKS no longer refuses tokens remembered
    /// before (Cognito's tokens stay valid until they expire either way).
    verified: std::sync::RwLock<HashMap<String, AccessClaims>>,
    /// The last readiness check (`ready`), reused for `READY_FOR`.
    readiness: std::sync::Mutex<Option<(Instant, Result<usize, VerifyError>)>>,
}

/// How long a readiness answer is reused, so a flood of `/readyz` cannot flood Cognito.
const READY_FOR: Duration = Duration::from_secs(5);

impl Verifier {
    pub fn new(issuer: &str, client_id: &str, jwks_url: &str) -> Self {
        Verifier {
            issuer: issuer.to_string(),
            client_id: client_id.to_string(),
            bearer_clients: vec![],
            jwks_url: jwks_url.to_string(),
            http: reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("reqwest client builds"),
            cache: RwLock::new(Cache { keys: JwkSet { keys: vec![] }, refused_until: None, failure: None }),
            fetching: tokio::sync::Mutex::new(()),
            verified: std::sync::RwLock::new(HashMap::new()),
            readiness: std::sync::Mutex::new(None),
        }
    }

    /// Also accepts access tokens of these clients in `verify_bearer` (the public API client).
    pub fn with_bearer_clients(mut self, clients: impl IntoIterator<Item = String>) -> Self {
        self.bearer_clients = clients.into_iter().collect();
        self
    }

    /// Verifies an API caller's Bearer token: an access token of the app client or of one of
    /// the `bearer_clients`.
    pub async fn verify_bearer(&self, token: &str) -> Result<AccessClaims, VerifyError> {
        let claims = self.access_claims(token).await?;
        let client = claims.client_id.as_deref().unwrap_or_default();
        if client != self.client_id && !self.bearer_clients.iter().any(|c| c == client) {
            return Err(VerifyError::WrongClient);
        }
        Ok(claims)
    }

    /// Verifies an id token: `aud` must be the client id and `token_use` must be `id`.
    pub async fn verify_id(&self, token: &str) -> Result<IdClaims, VerifyError> {
        let mut v = self.validation();
        v.set_audience(&[&self.client_id]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims: IdClaims = self.decode(token, &v).await?;
        if claims.token_use != "id" {
            return Err(VerifyError::WrongTokenUse(claims.token_use, "id"));
        }
        Ok(claims)
    }

    /// Verifies an access token: it has no `aud`, so `client_id` is checked here.
    pub async fn verify_access(&self, token: &str) -> Result<AccessClaims, VerifyError> {
        let claims = self.access_claims(token).await?;
        if claims.client_id.as_deref() != Some(self.client_id.as_str()) {
            return Err(VerifyError::WrongClient);
        }
        Ok(claims)
    }

    /// An access token's verified claims; the caller checks `client_id`.
    async fn access_claims(&self, token: &str) -> Result<AccessClaims, VerifyError> {
        let now = jsonwebtoken::get_current_timestamp();
        if let Some(claims) = self.verified.read().ok().and_then(|m| m.get(token).cloned()) {
            return if now <= claims.exp + LEEWAY { Ok(claims) } else { Err(VerifyError::Expired) };
        }
        let mut v = self.validation();
        v.validate_aud = false;
        v.set_required_spec_claims(&["exp", "iss", "sub"]);
        let claims: AccessClaims = self.decode(token, &v).await?;
        if claims.token_use != "access" {
            return Err(VerifyError::WrongTokenUse(claims.token_use, "access"));
        }
        if let Ok(mut map) = self.verified.write() {
            remember(&mut map, token, &claims, now, VERIFIED_MAX);
        }
        Ok(claims)
    }

    /// Ready to verify: the pool's JWKS was fetched from Cognito just now (or within
    /// `READY_FOR`) and has keys; their number, or why not. A successful fetch also refreshes
    /// the cached keys.
    pub async fn ready(&self) -> Result<usize, VerifyError> {
        if let Some((at, answer)) = self.readiness.lock().ok().and_then(|r| r.clone())
            && at.elapsed() < READY_FOR
        {
            return answer;
        }
        let answer = {
            let _one_fetch = self.fetching.lock().await;
            match self.fetch().await {
                Ok(set) if set.keys.is_empty() => Err(VerifyError::JwksUnavailable("the JWKS has no keys".into())),
                Ok(set) => {
                    let n = set.keys.len();
                    let mut cache = self.cache.write().await;
                    cache.keys = set;
                    cache.failure = None;
                    Ok(n)
                }
                Err(e) => Err(e),
            }
        };
        if let Ok(mut r) = self.readiness.lock() {
            *r = Some((Instant::now(), answer.clone()));
        }
        answer
    }

    fn validation(&self) -> Validation {
        let mut v = Validation::new(Algorithm::RS256);
        v.set_issuer(&[&self.issuer]);
        v.leeway = LEEWAY;
        v
    }

    async fn decode<T: serde::de::DeserializeOwned>(&self, token: &str, v: &Validation) -> Result<T, VerifyError> {
        let header = decode_header(token).map_err(|e| VerifyError::Invalid(e.to_string()))?;
        if header.alg != Algorithm::RS256 {
            return Err(VerifyError::WrongAlgorithm(format!("{:?}", header.alg)));
        }
        let kid = header.kid.ok_or(VerifyError::UnknownKid)?;
        let key = self.key(&kid).await?;
        decode::<T>(token, &key, v).map(|d| d.claims).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => VerifyError::Expired,
            _ => VerifyError::Invalid(e.to_string()),
        })
    }

    /// The key for `kid`: from the cache, or after one refetch. A refetch that does not find
    /// the kid, or fails, blocks further refetches for `PENALTY`, so garbage tokens or an
    /// outage cannot hammer the JWKS; no lock on the cache is held while fetching.
    async fn key(&self, kid: &str) -> Result<DecodingKey, VerifyError> {
        if let Some(answer) = self.cached(kid).await {
            return answer;
        }
        let _one_fetch = self.fetching.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(answer) = self.cached(kid).await {
            return answer;
        }
        let fetched = self.fetch().await;
        {
            let mut cache = self.cache.write().await;
            match fetched {
                Ok(set) => {
                    cache.keys = set;
                    cache.failure = None;
                    cache.refused_until = cache.keys.find(kid).is_none().then(|| Instant::now() + PENALTY);
                }
                Err(e) => {
                    cache.failure = Some(e.to_string());
                    cache.refused_until = Some(Instant::now() + PENALTY);
                }
            }
        }
        self.cached(kid).await.unwrap_or(Err(VerifyError::UnknownKid))
    }

    /// The answer the cache can give without fetching, if any.
    async fn cached(&self, kid: &str) -> Option<Result<DecodingKey, VerifyError>> {
        let cache = self.cache.read().await;
        if let Some(jwk) = cache.keys.find(kid) {
            return Some(DecodingKey::from_jwk(jwk).map_err(|e| VerifyError::Invalid(e.to_string())));
        }
        if cache.refused_until.is_some_and(|t| Instant::now() < t) {
            return Some(Err(match &cache.failure {
                Some(why) => VerifyError::JwksUnavailable(why.clone()),
                None => VerifyError::UnknownKid,
            }));
        }
        None
    }

    async fn fetch(&self) -> Result<JwkSet, VerifyError> {
        let fetched = self.fetch_once().await;
        super::metrics::jwks_fetch(fetched.is_ok());
        fetched
    }

    async fn fetch_once(&self) -> Result<JwkSet, VerifyError> {
        let unavailable = |e: reqwest::Error| VerifyError::JwksUnavailable(e.to_string());
        let set: JwkSet = self
            .http
            .get(&self.jwks_url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
        tracing::info!(url = %self.jwks_url, keys = set.keys.len(), "fetched JWKS");
        Ok(set)
    }
}

/// Adds a verified token to `map`, first dropping expired ones when it holds `max`, and
/// everything if that is not enough (the next requests verify again).
fn remember(map: &mut HashMap<String, AccessClaims>, token: &str, claims: &AccessClaims, now: u64, max: usize) {
    if map.len() >= max {
        map.retain(|_, c| now <= c.exp + LEEWAY);
        if map.len() >= max {
            map.clear();
        }
    }
    map.insert(token.to_string(), claims.clone());
}

/// Test keys, a local JWKS server and token builders, shared by the verifier's and the
/// session guard's tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode, jwk::Jwk};
    use serde_json::json;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    pub const KEY_A: &[u8] = include_bytes!("../../tests/fixtures/test-key-a.pem");
    pub const KEY_B: &[u8] = include_bytes!("../../tests/fixtures/test-key-b.pem");
    pub const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test";
    pub const CLIENT: &str = "client-123";

    pub fn now() -> u64 {
        jsonwebtoken::get_current_timestamp()
    }

    pub fn jwk(pem: &[u8], kid: &str) -> Jwk {
        let mut jwk = Jwk::from_encoding_key(&EncodingKey::from_rsa_pem(pem).unwrap(), Algorithm::RS256).unwrap();
        jwk.common.key_id = Some(kid.to_string());
        jwk
    }

    /// Serves a JWKS with key A under kid "a" and counts fetches.
    pub async fn jwks_server() -> (String, Arc<AtomicUsize>) {
        let hits = Arc::new(AtomicUsize::new(0));
        let set = JwkSet { keys: vec![jwk(KEY_A, "a")] };
        let h = hits.clone();
        let app = axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || {
                h.fetch_add(1, Ordering::SeqCst);
                let set = set.clone();
                async move { axum::Json(set) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (format!("http://{addr}/jwks.json"), hits)
    }

    pub fn sign(pem: &[u8], kid: &str, claims: serde_json::Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_string());
        encode(&header, &claims, &EncodingKey::from_rsa_pem(pem).unwrap()).unwrap()
    }

    pub fn id_claims() -> serde_json::Value {
        json!({"sub": "u1", "iss": ISS, "aud": CLIENT, "token_use": "id", "exp": now() + 600,
               "email": "a@example.com", "given_name": "Ada", "cognito:groups": ["users"]})
    }

    pub fn access_claims() -> serde_json::Value {
        json!({"sub": "u1", "iss": ISS, "client_id": CLIENT, "token_use": "access", "exp": now() + 600,
               "username": "u1", "cognito:groups": ["users"]})
    }

    pub fn with(mut v: serde_json::Value, key: &str, value: serde_json::Value) -> serde_json::Value {
        v[key] = value;
        v
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use base64::Engine;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn verifier() -> (Verifier, Arc<AtomicUsize>) {
        let (url, hits) = jwks_server().await;
        (Verifier::new(ISS, CLIENT, &url), hits)
    }

    #[tokio::test]
    async fn accepts_valid_id_and_access_tokens() {
        let (v, _) = verifier().await;
        let id = v.verify_id(&sign(KEY_A, "a", id_claims())).await.unwrap();
        assert_eq!(id.email.as_deref(), Some("a@example.com"));
        assert_eq!(id.groups, vec!["users"]);
        let access = v.verify_access(&sign(KEY_A, "a", access_claims())).await.unwrap();
        assert_eq!(access.sub, "u1");
    }

    #[tokio::test]
    async fn rejects_alg_none() {
        let (v, _) = verifier().await;
        let b64 = |j: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(j.to_string());
        let token = format!("{}.{}.", b64(json!({"alg": "none", "kid": "a"})), b64(id_claims()));
        assert!(v.verify_id(&token).await.is_err());
    }

    #[tokio::test]
    async fn rejects_hs256_signed_with_the_public_key() {
        let (v, _) = verifier().await;
        // The classic key-confusion attack: HMAC keyed with the RSA public key material.
        let public = serde_json::to_vec(&jwk(KEY_A, "a")).unwrap();
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("a".into());
        let token = encode(&header, &id_claims(), &EncodingKey::from_secret(&public)).unwrap();
        assert_eq!(v.verify_id(&token).await, Err(VerifyError::WrongAlgorithm("HS256".into())));
    }

    #[tokio::test]
    async fn rejects_unknown_kid_and_refetches_at_most_once_per_penalty() {
        let (v, hits) = verifier().await;
        let token = sign(KEY_B, "b", id_claims());
        assert_eq!(v.verify_id(&token).await, Err(VerifyError::UnknownKid));
        assert_eq!(v.verify_id(&token).await, Err(VerifyError::UnknownKid));
        assert_eq!(hits.load(Ordering::SeqCst), 1, "second unknown kid must not refetch within the penalty");
    }

    #[tokio::test]
    async fn rejects_a_token_signed_by_another_key_under_a_known_kid() {
        let (v, _) = verifier().await;
        assert!(matches!(v.verify_id(&sign(KEY_B, "a", id_claims())).await, Err(VerifyError::Invalid(_))));
    }

    #[tokio::test]
    async fn rejects_wrong_issuer() {
        let (v, _) = verifier().await;
        let t = sign(KEY_A, "a", with(id_claims(), "iss", json!("https://evil.example.com/pool")));
        assert!(matches!(v.verify_id(&t).await, Err(VerifyError::Invalid(_))));
        let t = sign(KEY_A, "a", with(access_claims(), "iss", json!("https://evil.example.com/pool")));
        assert!(matches!(v.verify_access(&t).await, Err(VerifyError::Invalid(_))));
    }

    #[tokio::test]
    async fn rejects_missing_issuer() {
        let (v, _) = verifier().await;
        let mut claims = id_claims();
        claims.as_object_mut().unwrap().remove("iss");
        assert!(matches!(v.verify_id(&sign(KEY_A, "a", claims)).await, Err(VerifyError::Invalid(_))));
    }

    #[tokio::test]
    async fn rejects_wrong_audience_and_client_id() {
        let (v, _) = verifier().await;
        let t = sign(KEY_A, "a", with(id_claims(), "aud", json!("other-client")));
        assert!(matches!(v.verify_id(&t).await, Err(VerifyError::Invalid(_))));
        let t = sign(KEY_A, "a", with(access_claims(), "client_id", json!("other-client")));
        assert_eq!(v.verify_access(&t).await, Err(VerifyError::WrongClient));
    }

    #[tokio::test]
    async fn rejects_id_token_as_access_token_and_the_reverse() {
        let (v, _) = verifier().await;
        // An id token has no client_id; give it one so only token_use tells them apart.
        let id = sign(KEY_A, "a", with(id_claims(), "client_id", json!(CLIENT)));
        assert_eq!(v.verify_access(&id).await, Err(VerifyError::WrongTokenUse("id".into(), "access")));
        let access = sign(KEY_A, "a", with(access_claims(), "aud", json!(CLIENT)));
        assert_eq!(v.verify_id(&access).await, Err(VerifyError::WrongTokenUse("access".into(), "id")));
    }

    #[tokio::test]
    async fn rejects_expired() {
        let (v, _) = verifier().await;
        let t = sign(KEY_A, "a", with(id_claims(), "exp", json!(now() - 120)));
        assert_eq!(v.verify_id(&t).await, Err(VerifyError::Expired));
        let t = sign(KEY_A, "a", with(access_claims(), "exp", json!(now() - 120)));
        assert_eq!(v.verify_access(&t).await, Err(VerifyError::Expired));
    }

    #[tokio::test]
    async fn the_api_client_is_accepted_for_bearer_tokens_only() {
        let (v, _) = verifier().await;
        let v = v.with_bearer_clients(["api-client".to_string()]);
        let t = sign(KEY_A, "a", with(access_claims(), "client_id", json!("api-client")));
        assert_eq!(v.verify_access(&t).await, Err(VerifyError::WrongClient), "never a session");
        assert!(v.verify_bearer(&t).await.is_ok());
        let other = sign(KEY_A, "a", with(access_claims(), "client_id", json!("someone-else")));
        assert_eq!(v.verify_bearer(&other).await, Err(VerifyError::WrongClient));
        assert!(v.verify_bearer(&sign(KEY_A, "a", access_claims())).await.is_ok(), "the web client's too");
    }

    #[tokio::test]
    async fn a_remembered_token_is_answered_until_it_expires_and_no_other_token_is() {
        let (v, _) = verifier().await;
        let t = sign(KEY_A, "a", with(access_claims(), "exp", json!(now() + 1)));
        assert!(v.verify_access(&t).await.is_ok());
        assert!(v.verify_access(&t).await.is_ok(), "answered again");
        assert_eq!(v.verified.read().unwrap().len(), 1);
        // The same claims under another key's signature are a different string: verified anew.
        let forged = sign(KEY_B, "a", with(access_claims(), "exp", json!(now() + 1)));
        assert!(matches!(v.verify_access(&forged).await, Err(VerifyError::Invalid(_))));
        // Remembered is still checked against the client.
        let api = sign(KEY_A, "a", with(access_claims(), "client_id", json!("api-client")));
        assert!(v.verify_bearer(&api).await.is_err() && v.verify_access(&api).await.is_err());
        tokio::time::sleep(Duration::from_secs(LEEWAY + 2)).await;
        assert_eq!(v.verify_access(&t).await, Err(VerifyError::Expired));
    }

    #[test]
    fn the_remembered_tokens_are_bounded() {
        let claims = |exp| AccessClaims {
            sub: "s".into(),
            username: None,
            groups: vec![],
            exp,
            iat: None,
            client_id: Some(CLIENT.into()),
            token_use: "access".into(),
        };
        let mut map = HashMap::new();
        remember(&mut map, "old", &claims(100), 1_000, 2);
        remember(&mut map, "live", &claims(5_000), 1_000, 2);
        remember(&mut map, "new", &claims(5_000), 1_000, 2);
        assert_eq!(map.len(), 2, "the expired one made room");
        assert!(map.contains_key("live") && map.contains_key("new"));
        remember(&mut map, "newest", &claims(5_000), 1_000, 2);
        assert_eq!(map.keys().collect::<Vec<_>>(), ["newest"], "full of live tokens: start again");
    }

    #[tokio::test]
    async fn ready_means_the_jwks_was_fetched_and_the_answer_is_reused_briefly() {
        let (v, fetches) = verifier().await;
        let before = fetches.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(v.ready().await, Ok(1));
        assert_eq!(v.ready().await, Ok(1));
        assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), before + 1, "one fetch for both");
        let down = Verifier::new(ISS, CLIENT, "http://127.0.0.1:9/jwks.json");
        assert!(matches!(down.ready().await, Err(VerifyError::JwksUnavailable(_))));
    }

    #[tokio::test]
    async fn unreachable_jwks_is_reported_as_such() {
        let v = Verifier::new(ISS, CLIENT, "http://127.0.0.1:9/jwks.json");
        assert!(matches!(v.verify_id(&sign(KEY_A, "a", id_claims())).await, Err(VerifyError::JwksUnavailable(_))));
    }

    /// A JWKS endpoint that answers `status` after `delay` (the body is key A's set), counting hits.
    async fn jwks_answering(status: u16, delay: std::time::Duration) -> (String, Arc<AtomicUsize>) {
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let app = axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || {
                h.fetch_add(1, Ordering::SeqCst);
                async move {
                    tokio::time::sleep(delay).await;
                    let code = axum::http::StatusCode::from_u16(status).unwrap();
                    (code, axum::Json(JwkSet { keys: vec![jwk(KEY_A, "a")] }))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (format!("http://{addr}/jwks.json"), hits)
    }

    #[tokio::test]
    async fn a_failed_fetch_is_penalised_like_an_unknown_kid() {
        let (url, hits) = jwks_answering(500, std::time::Duration::ZERO).await;
        let v = Verifier::new(ISS, CLIENT, &url);
        for _ in 0..5 {
            assert!(matches!(v.verify_id(&sign(KEY_A, "a", id_claims())).await, Err(VerifyError::JwksUnavailable(_))));
        }
        assert_eq!(hits.load(Ordering::SeqCst), 1, "one fetch per penalty, however many requests");
    }

    #[tokio::test]
    async fn a_slow_fetch_does_not_hold_up_tokens_with_known_keys() {
        let (url, hits) = jwks_answering(200, std::time::Duration::from_secs(3)).await;
        let v = Arc::new(Verifier::new(ISS, CLIENT, &url));
        v.verify_id(&sign(KEY_A, "a", id_claims())).await.unwrap(); // fills the cache (3 s)
        let slow = {
            let v = v.clone();
            tokio::spawn(async move { v.verify_id(&sign(KEY_B, "unknown", id_claims())).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert_eq!(hits.load(Ordering::SeqCst), 2, "the unknown kid is being fetched");
        // Meanwhile a token with a known key is verified without waiting for that fetch.
        let quick =
            tokio::time::timeout(std::time::Duration::from_millis(1500), v.verify_id(&sign(KEY_A, "a", id_claims())))
                .await;
        assert!(matches!(quick, Ok(Ok(_))), "waited for the network: {quick:?}");
        assert_eq!(slow.await.unwrap(), Err(VerifyError::UnknownKid));
    }
}
