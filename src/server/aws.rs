//! The one place that builds AWS clients and turns AWS errors into `AppError`.

use super::config::Config;
use crate::error::AppError;
use aws_sdk_cognitoidentityprovider as cognito;
use aws_sdk_s3 as s3;
use aws_config::{BehaviorVersion, Region, timeout::TimeoutConfig};
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use std::time::Duration;

/// Shared SDK configuration: region, timeouts, and dummy credentials for the emulator.
async fn sdk_config(cfg: &Config) -> aws_config::SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(10))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(cfg.region.clone()))
        .timeout_config(timeouts);
    let emulated = cfg.cognito_endpoint.is_some() || cfg.s3_endpoint.is_some();
    if emulated && std::env::var("AWS_ACCESS_KEY_ID").is_err() {
        // The emulator accepts any signature; real credentials are never sent to it.
        loader = loader.credentials_provider(aws_sdk_cognitoidentityprovider::config::Credentials::new(
            "emulator", "emulator", None, None, "emulator",
        ));
    }
    loader.load().await
}

/// The Cognito user-pool client and the S3 client, configured once.
pub async fn clients(cfg: &Config) -> (cognito::Client, s3::Client) {
    let shared = sdk_config(cfg).await;
    let mut c = cognito::config::Builder::from(&shared);
    if let Some(ep) = &cfg.cognito_endpoint {
        c = c.endpoint_url(ep);
    }
    let mut s = s3::config::Builder::from(&shared);
    if let Some(ep) = &cfg.s3_endpoint {
        s = s.endpoint_url(ep).force_path_style(true);
    }
    (cognito::Client::from_conf(c.build()), s3::Client::from_conf(s.build()))
}

/// Maps any Cognito (or S3) SDK error to the app's error, logging the raw detail.
/// Call sites that give a code a more specific meaning match on `error_code` first.
pub fn map_sdk_error<E, R>(operation: &str, err: &SdkError<E, R>) -> AppError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = error_code(err);
    match err {
        SdkError::ServiceError(_) => {
            tracing::warn!(operation, code, detail = %aws_smithy_types_display(err), "cognito error");
        }
        _ => tracing::error!(operation, detail = ?err, "AWS unreachable or failed"),
    }
    match code {
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
            AppError::InvalidInput("Some of the details you entered were not accepted. Please check them.".into())
        }
        Some("InternalErrorException") | Some("ServiceUnavailable") => AppError::Unavailable,
        Some(_) => AppError::Internal,
        None => match err {
            // No code: the request never got an answer, or the answer was a bare 5xx.
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
                AppError::Unavailable
            }
            SdkError::ServiceError(_) => AppError::Unavailable,
            _ => AppError::Internal,
        },
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
        let client = mock_client!(aws_sdk_cognitoidentityprovider, aws_smithy_mocks::RuleMode::MatchAny, [&rule], |c| {
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
        let (cognito, _) = clients(&cfg).await;
        let err = cognito.initiate_auth().client_id("c").send().await.unwrap_err();
        assert_eq!(map_sdk_error("InitiateAuth", &err), AppError::Unavailable);
    }
}
