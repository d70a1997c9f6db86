//! The one place that builds AWS clients and turns AWS errors into `AppError`.

use super::config::Config;
use crate::error::AppError;
use aws_config::{BehaviorVersion, Region, timeout::TimeoutConfig};
use aws_sdk_cognitoidentityprovider as cognito;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb as dynamodb;
use aws_sdk_s3 as s3;
use aws_sdk_sesv2 as sesv2;
use std::time::Duration;

/// An outage must answer "try again shortly" within 5 s: 2 s to connect, 3 s per attempt,
/// 4 s for a whole call with its retries.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
const CALL_TIMEOUT: Duration = Duration::from_secs(4);
/// After a call that got no answer (timeout, connection refused), calls fail at once for this
/// long instead of each waiting out its own timeout.
pub const BACK_OFF: Duration = Duration::from_secs(3);

/// Shared SDK configuration: region, timeouts, and dummy credentials for the emulator.
async fn sdk_config(cfg: &Config) -> aws_config::SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(ATTEMPT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(CALL_TIMEOUT)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(cfg.region.clone()))
        .timeout_config(timeouts);
    let emulated = cfg.cognito_endpoint.is_some()
        || cfg.s3_endpoint.is_some()
        || cfg.email_endpoint.is_some()
        || cfg.limits_endpoint.is_some();
    if emulated && std::env::var("AWS_ACCESS_KEY_ID").is_err() {
        // The emulator accepts any signature; real credentials are never sent to it.
        loader = loader.credentials_provider(aws_sdk_cognitoidentityprovider::config::Credentials::new(
            "emulator", "emulator", None, None, "emulator",
        ));
    }
    loader.load().await
}

/// The AWS clients of the app, configured once.
pub struct Clients {
    pub cognito: cognito::Client,
    pub s3: s3::Client,
    /// Sends the notices the app writes itself (Cognito sends the codes).
    pub ses: sesv2::Client,
    /// The shared rate limits' table (`limits.store = "dynamodb"`).
    pub dynamodb: dynamodb::Client,
}

/// The Cognito user-pool client, the S3 client, the SES client and the DynamoDB client.
pub async fn clients(cfg: &Config) -> Clients {
    let shared = sdk_config(cfg).await;
    let mut c = cognito::config::Builder::from(&shared).interceptor(BackOff::default()).interceptor(Timing);
    if let Some(ep) = &cfg.cognito_endpoint {
        c = c.endpoint_url(ep);
    }
    let mut s = s3::config::Builder::from(&shared).interceptor(BackOff::default()).interceptor(Timing);
    if let Some(ep) = &cfg.s3_endpoint {
        s = s.endpoint_url(ep).force_path_style(true);
    }
    let mut e = sesv2::config::Builder::from(&shared).interceptor(BackOff::default()).interceptor(Timing);
    if let Some(ep) = &cfg.email_endpoint {
        e = e.endpoint_url(ep);
    }
    let mut d = dynamodb::config::Builder::from(&shared).interceptor(BackOff::default()).interceptor(Timing);
    if let Some(ep) = &cfg.limits_endpoint {
        d = d.endpoint_url(ep);
    }
    Clients {
        cognito: cognito::Client::from_conf(c.build()),
        s3: s3::Client::from_conf(s.build()),
        ses: sesv2::Client::from_conf(e.build()),
        dynamodb: dynamodb::Client::from_conf(d.build()),
    }
}

/// The error a call gets while the back-off after a failure lasts.
#[derive(Debug)]
pub struct BackingOff;

impl std::fmt::Display for BackingOff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not calling: the service did not answer a moment ago (back-off {BACK_OFF:?})")
    }
}

impl std::error::Error for BackingOff {}

/// Fails calls at once for `BACK_OFF` after one got no answer, so an outage does not queue
/// every request behind its own timeout. One per client.
#[derive(Debug, Default, Clone)]
struct BackOff {
    until: std::sync::Arc<std::sync::Mutex<Option<std::time::Instant>>>,
}

impl cognito::config::Intercept for BackOff {
    fn name(&self) -> &'static str {
        "BackOffAfterFailure"
    }

    fn read_before_execution(
        &self,
        _context: &cognito::config::interceptors::BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut cognito::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let until = *self.until.lock().expect("back-off lock");
        match until {
            Some(t) if std::time::Instant::now() < t => Err(Box::new(BackingOff)),
            _ => Ok(()),
        }
    }

    fn read_after_execution(
        &self,
        context: &cognito::config::interceptors::FinalizerInterceptorContextRef<'_>,
        _runtime_components: &cognito::config::RuntimeComponents,
        _cfg: &mut cognito::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if let Some(Err(e)) = context.output_or_error()
            && (e.is_timeout_error() || e.is_connector_error())
        {
            *self.until.lock().expect("back-off lock") = Some(std::time::Instant::now() + BACK_OFF);
        }
        Ok(())
    }
}

/// When a call started, kept in the call's own config bag.
#[derive(Debug, Clone)]
struct CallStarted(std::time::Instant);

impl aws_smithy_types::config_bag::Storable for CallStarted {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

/// Records every AWS call's duration and failure by service and operation (`server::metrics`).
#[derive(Debug)]
struct Timing;

impl cognito::config::Intercept for Timing {
    fn name(&self) -> &'static str {
        "Timing"
    }

    fn read_before_execution(
        &self,
        _context: &cognito::config::interceptors::BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut cognito::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        cfg.interceptor_state().store_put(CallStarted(std::time::Instant::now()));
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &cognito::config::interceptors::FinalizerInterceptorContextRef<'_>,
        _runtime_components: &cognito::config::RuntimeComponents,
        cfg: &mut cognito::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        use aws_smithy_runtime_api::client::orchestrator::Metadata;
        if let (Some(started), Some(op)) = (cfg.load::<CallStarted>(), cfg.load::<Metadata>()) {
            let failed = matches!(context.output_or_error(), Some(Err(_)));
            super::metrics::aws_call(op.service(), op.name(), started.0.elapsed().as_secs_f64(), failed);
        }
        Ok(())
    }
}

/// True when the call was not made because of the back-off.
fn backing_off<E, R>(err: &SdkError<E, R>) -> bool
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        if e.is::<BackingOff>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// Maps an AWS SDK error to the app's error and logs the raw detail: for call sites whose
/// failure the person is told about. Call sites that give a code a more specific meaning match
/// on `error_code` first; those that only note a failure call `log_sdk_error`.
pub fn map_sdk_error<E, R>(operation: &str, err: &SdkError<E, R>) -> AppError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    log_sdk_error(operation, err);
    classify_sdk_error(err)
}

/// Logs an AWS SDK error with its raw detail (which never reaches a person).
pub fn log_sdk_error<E, R>(operation: &str, err: &SdkError<E, R>)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match err {
        SdkError::ServiceError(_) => {
            tracing::warn!(operation, code = error_code(err), detail = %aws_smithy_types_display(err), "AWS error");
        }
        _ => tracing::error!(operation, detail = ?err, "AWS unreachable or failed"),
    }
}

/// The app's error for an AWS SDK error (the one place that classifies them; nothing logged).
pub fn classify_sdk_error<E, R>(err: &SdkError<E, R>) -> AppError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error_code(err) {
        Some("NotAuthorizedException") | Some("UserNotFoundException") => AppError::WrongCredentials,
        Some("UserNotConfirmedException") => AppError::NotConfirmed,
        Some("CodeMismatchException") | Some("EnableSoftwareTokenMFAException") => AppError::CodeMismatch,
        Some("ExpiredCodeException") => AppError::CodeExpired,
        Some("InvalidPasswordException") | Some("PasswordHistoryPolicyViolationException") => {
            AppError::PasswordRejected
        }
        Some("LimitExceededException")
        | Some("TooManyRequestsException")
        | Some("TooManyFailedAttemptsException")
        | Some("CodeDeliveryFailureException") => AppError::TooManyRequests,
        Some("InvalidParameterException") => {
            AppError::InvalidInput(crate::i18n::t::errors::DETAILS_NOT_ACCEPTED.text().into())
        }
        Some("InternalErrorException") | Some("ServiceUnavailable") => AppError::Unavailable,
        // A passkey answer for another site, origin or challenge, or one Cognito cannot use.
        Some("WebAuthnChallengeNotFoundException")
        | Some("WebAuthnRelyingPartyMismatchException")
        | Some("WebAuthnOriginNotAllowedException")
        | Some("WebAuthnCredentialNotSupportedException")
        | Some("WebAuthnClientMismatchException") => AppError::PasskeyRefused,
        Some("WebAuthnNotEnabledException") | Some("WebAuthnConfigurationMissingException") => AppError::PasskeysOff,
        Some(_) => AppError::Internal,
        None => match err {
            // No code: the request never got an answer, or the answer was a bare 5xx.
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
                AppError::Unavailable
            }
            _ if backing_off(err) => AppError::Unavailable,
            SdkError::ServiceError(_) => AppError::Unavailable,
            _ => AppError::Internal,
        },
    }
}

/// True when Cognito's answer to a call made with a session's access token means the session is
/// over: the token was revoked (sign-out, sign out everywhere) or the user was deleted or
/// disabled. A wrong current password ("Incorrect username or password.") is not.
pub fn ends_session<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    let SdkError::ServiceError(e) = err else { return false };
    match e.err().code() {
        Some("UserNotFoundException") => true,
        Some("NotAuthorizedException") => {
            let m = e.err().message().unwrap_or_default().to_ascii_lowercase();
            ["revoked", "disabled", "does not exist", "invalid access token", "access token has expired"]
                .iter()
                .any(|w| m.contains(w))
        }
        _ => false,
    }
}

/// The service's error code (e.g. `CodeMismatchException`), when it answered with one.
pub fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}

fn aws_smithy_types_display<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> String {
    match err {
        SdkError::ServiceError(e) => format!("{}: {}", e.err().code().unwrap_or("?"), e.err().message().unwrap_or("")),
        _ => String::from("no service answer"),
    }
}

/// JSON as a Smithy document (the WebAuthn options and credentials Cognito takes and gives).
pub fn document_from_json(v: serde_json::Value) -> aws_smithy_types::Document {
    use aws_smithy_types::{Document as D, Number as N};
    match v {
        serde_json::Value::Null => D::Null,
        serde_json::Value::Bool(b) => D::Bool(b),
        serde_json::Value::Number(n) => D::Number(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => N::PosInt(u),
            (None, Some(i)) => N::NegInt(i),
            _ => N::Float(n.as_f64().unwrap_or_default()),
        }),
        serde_json::Value::String(s) => D::String(s),
        serde_json::Value::Array(a) => D::Array(a.into_iter().map(document_from_json).collect()),
        serde_json::Value::Object(o) => D::Object(o.into_iter().map(|(k, v)| (k, document_from_json(v))).collect()),
    }
}

/// A Smithy document as JSON.
pub fn document_to_json(d: &aws_smithy_types::Document) -> serde_json::Value {
    use aws_smithy_types::{Document as D, Number as N};
    match d {
        D::Null => serde_json::Value::Null,
        D::Bool(b) => (*b).into(),
        D::Number(N::PosInt(u)) => (*u).into(),
        D::Number(N::NegInt(i)) => (*i).into(),
        D::Number(N::Float(f)) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into),
        D::String(s) => s.clone().into(),
        D::Array(a) => a.iter().map(document_to_json).collect(),
        D::Object(o) => {
            o.iter().map(|(k, v)| (k.clone(), document_to_json(v))).collect::<serde_json::Map<_, _>>().into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cognitoidentityprovider::Client;
    use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
    use aws_smithy_mocks::{mock, mock_client};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    /// Runs InitiateAuth against a mocked Cognito answering `status` with `body`, through the
    /// SDK's real error parsing, and maps the error.
    async fn mapped(status: u16, body: &'static str) -> AppError {
        let rule = mock!(Client::initiate_auth)
            .then_http_response(move || HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body)));
        let client =
            mock_client!(aws_sdk_cognitoidentityprovider, aws_smithy_mocks::RuleMode::MatchAny, [&rule], |c| {
                c.retry_config(RetryConfig::disabled())
            });
        let err = client.initiate_auth().client_id("c").send().await.unwrap_err();
        map_sdk_error("InitiateAuth", &err)
    }

    fn cognito_error(code: &str) -> &'static str {
        Box::leak(format!(r#"{{"__type":"{code}","message":"raw AWS text that must not be shown"}}"#).into_boxed_str())
    }

    #[tokio::test]
    async fn every_cognito_error_of_the_flows_maps_to_a_plain_error() {
        let cases = [
            ("NotAuthorizedException", AppError::WrongCredentials),
            ("UserNotFoundException", AppError::WrongCredentials),
            ("UserNotConfirmedException", AppError::NotConfirmed),
            ("CodeMismatchException", AppError::CodeMismatch),
            ("EnableSoftwareTokenMFAException", AppError::CodeMismatch),
            ("ExpiredCodeException", AppError::CodeExpired),
            ("InvalidPasswordException", AppError::PasswordRejected),
            ("LimitExceededException", AppError::TooManyRequests),
            ("TooManyRequestsException", AppError::TooManyRequests),
            ("TooManyFailedAttemptsException", AppError::TooManyRequests),
            ("CodeDeliveryFailureException", AppError::TooManyRequests),
            ("InternalErrorException", AppError::Unavailable),
            ("ResourceNotFoundException", AppError::Internal),
        ];
        for (code, want) in cases {
            let got = mapped(400, cognito_error(code)).await;
            assert_eq!(got, want, "{code}");
            assert!(!got.message().contains("raw AWS text"), "{code}");
        }
        let invalid = mapped(400, cognito_error("InvalidParameterException")).await;
        assert!(matches!(invalid, AppError::InvalidInput(ref m) if !m.contains("raw AWS text")), "{invalid:?}");
    }

    #[tokio::test]
    async fn a_bare_5xx_is_unavailable() {
        assert_eq!(mapped(503, "<html>Service Unavailable</html>").await, AppError::Unavailable);
        assert_eq!(mapped(500, "").await, AppError::Unavailable);
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_is_unavailable() {
        let cfg = Config::for_test();
        let cognito = clients(&cfg).await.cognito;
        let err = cognito.initiate_auth().client_id("c").send().await.unwrap_err();
        assert_eq!(map_sdk_error("InitiateAuth", &err), AppError::Unavailable);
    }

    #[tokio::test]
    async fn a_silent_cognito_answers_unavailable_within_5_s_and_later_calls_back_off() {
        // Accepts connections and never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = vec![];
            while let Ok((sock, _)) = listener.accept().await {
                held.push(sock);
            }
        });
        let mut cfg = Config::for_test();
        cfg.cognito_endpoint = Some(format!("http://{addr}"));
        let cognito = clients(&cfg).await.cognito;
        let started = std::time::Instant::now();
        let err = cognito.initiate_auth().client_id("c").send().await.unwrap_err();
        assert_eq!(map_sdk_error("InitiateAuth", &err), AppError::Unavailable);
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        // The next call does not wait for the network at all.
        let started = std::time::Instant::now();
        let err = cognito.initiate_auth().client_id("c").send().await.unwrap_err();
        assert!(backing_off(&err), "{err:?}");
        assert_eq!(map_sdk_error("InitiateAuth", &err), AppError::Unavailable);
        assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
    }

    /// The WebAuthn options and credentials pass through Smithy documents unchanged.
    #[test]
    fn json_survives_a_smithy_document() {
        let v = serde_json::json!({
            "challenge": "q83vEjRWeJA", "timeout": 180000, "neg": -7, "ratio": 0.5,
            "allowCredentials": [{"id": "AQID", "type": "public-key", "transports": ["internal"]}],
            "extensions": {"credProps": true}, "nothing": null,
        });
        assert_eq!(super::document_to_json(&super::document_from_json(v.clone())), v);
    }
}
