//! `leptos-cognito provision`: idempotently creates or updates the user pool, its app client,
//! groups and the avatar bucket, prints what it did, and writes the ids to the local config
//! file the server reads. Running it twice changes nothing the second time.

use super::{aws, config::Config};
use crate::auth::validate::PasswordPolicy;
use aws_sdk_cognitoidentityprovider::{
    Client as Cognito,
    types::{
        AccountRecoverySettingType, AttributeDataType, AuthFactorType, DefaultEmailOptionType, ExplicitAuthFlowsType,
        FeatureType, LambdaConfigType, PasswordPolicyType, PreventUserExistenceErrorTypes, RecoveryOptionNameType,
        RecoveryOptionType, RefreshTokenRotationType, SchemaAttributeType, SignInPolicyType,
        SoftwareTokenMfaConfigType, StringAttributeConstraintsType, TimeUnitsType, TokenValidityUnitsType,
        UserAttributeUpdateSettingsType, UserPoolMfaType, UserPoolPolicyType, UserPoolTierType, UserVerificationType,
        UsernameAttributeType, VerificationMessageTemplateType, VerifiedAttributeType, WebAuthnConfigurationType,
    },
};
use aws_sdk_s3::types::{CorsConfiguration, CorsRule};

pub const GROUPS: [&str; 2] = ["users", "admins"];
/// Custom attributes: `bio` the person edits; `plan` grants things, so the app reads it but
/// can never write it. `bio` is free text (up to 2,000 UTF-8 bytes): it stays out of the id
/// token, and so out of the session cookie, by not being readable by the app client at all;
/// the server reads and writes it with AdminGetUser/AdminUpdateUserAttributes.
/// `recovery` holds the argon2id hashes of the two-factor recovery codes (`mfa::recovery`): like
/// `bio`, the app client can neither read nor write it.
const CUSTOM_ATTRIBUTES: [(&str, &str); 3] = [("bio", "500"), ("plan", "32"), ("recovery", "2048")];
/// What the app client may read (these also appear in the id token).
const READ_ATTRIBUTES: [&str; 7] =
    ["email", "email_verified", "given_name", "family_name", "picture", "locale", "custom:plan"];
/// What the app client may write: never `custom:plan`.
/// `locale`: the language of the emails Cognito sends (`server::custom_message`).
const WRITE_ATTRIBUTES: [&str; 5] = ["email", "given_name", "family_name", "picture", "locale"];
/// What the public `api` client may write: nothing the app uses. (An empty list would mean
/// "every standard attribute" to Cognito.) With its tokens an API caller must not change the
/// email, which the web app only allows after re-authentication.
const API_WRITE_ATTRIBUTES: [&str; 1] = ["zoneinfo"];

fn custom_attribute(name: &str, max: &str) -> SchemaAttributeType {
    SchemaAttributeType::builder()
        .name(name)
        .attribute_data_type(AttributeDataType::String)
        .mutable(true)
        .string_attribute_constraints(StringAttributeConstraintsType::builder().min_length("0").max_length(max).build())
        .build()
}

fn strings(items: &[&str]) -> Option<Vec<String>> {
    Some(items.iter().map(|s| s.to_string()).collect())
}

fn sorted<T: AsRef<str>>(items: &[T]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.as_ref().to_string()).collect();
    v.sort();
    v
}
/// The web client (confidential: it has a secret, kept in the server's environment).
const CLIENT_NAME: &str = "web";
/// The public client for API callers (the README's curl example): no secret.
const API_CLIENT_NAME: &str = "api";

fn say(what: &str, name: &str, outcome: &str) {
    println!("{outcome:>9}  {what} {name}");
}

fn fail<E: std::fmt::Debug>(step: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("provision: {step} failed: {e:?}")
}

pub async fn run() -> Result<(), String> {
    let cfg = Config::load(false).map_err(|e| e.to_string())?;
    let aws::Clients { cognito, s3, ses, dynamodb } = aws::clients(&cfg).await;
    println!(
        "provisioning {} (cognito: {}, s3: {})",
        cfg.region,
        cfg.cognito_endpoint.as_deref().unwrap_or("AWS"),
        cfg.s3_endpoint.as_deref().unwrap_or("AWS")
    );
    let pool_id = ensure_pool(&cognito, &cfg).await?;
    let (client_id, secret) = ensure_client(&cognito, &cfg, &pool_id, CLIENT_NAME, true).await?;
    let (api_client_id, _) = ensure_client(&cognito, &cfg, &pool_id, API_CLIENT_NAME, false).await?;
    for g in GROUPS {
        ensure_group(&cognito, &pool_id, g).await?;
    }
    ensure_bucket(&s3, &cfg).await?;
    ensure_sender(&ses, &cfg).await?;
    if cfg.limits_store == super::config::LimitsStore::DynamoDb {
        ensure_limits_table(&dynamodb, &cfg.limits_table).await?;
    }
    write_ids(&cfg, &pool_id, &client_id, &api_client_id)?;
    write_secret(&cfg, secret.as_deref().unwrap_or_default())
}

/// The pool's settings, the same for CreateUserPool and the template's `AWS::Cognito::UserPool`
/// (the fluent and the input builder have the same setters).
macro_rules! pool_settings {
    ($builder:expr, $cfg:expr) => {
        $builder
            .pool_name(&$cfg.pool_name)
            .username_attributes(UsernameAttributeType::Email)
            .auto_verified_attributes(VerifiedAttributeType::Email)
            .policies(pool_policies())
            .set_user_attribute_update_settings(attribute_update_settings())
            .set_schema(Some(CUSTOM_ATTRIBUTES.iter().map(|(n, m)| custom_attribute(n, m)).collect()))
            .account_recovery_setting(account_recovery())
            .verification_message_template(verification_message($cfg))
            // Choice-based sign-in with an emailed code needs the Essentials tier on AWS.
            .user_pool_tier(UserPoolTierType::Essentials)
            .set_lambda_config(lambda_config($cfg))
    };
}

/// The pool's triggers: CustomMessage (the branded emails, `server::custom_message`) when a
/// function is configured (`cognito.custom_message_lambda`).
fn lambda_config(cfg: &Config) -> Option<LambdaConfigType> {
    cfg.custom_message_lambda.as_ref().map(|arn| LambdaConfigType::builder().custom_message(arn).build())
}

async fn ensure_pool(c: &Cognito, cfg: &Config) -> Result<String, String> {
    let mut next: Option<String> = None;
    loop {
        let page = c
            .list_user_pools()
            .max_results(60)
            .set_next_token(next.clone())
            .send()
            .await
            .map_err(fail("ListUserPools"))?;
        if let Some(p) = page.user_pools().iter().find(|p| p.name() == Some(cfg.pool_name.as_str())) {
            let id = p.id().unwrap_or_default().to_string();
            say("user pool", &format!("{} ({id})", cfg.pool_name), "unchanged");
            ensure_pool_settings(c, &id, cfg).await?;
            ensure_custom_attributes(c, &id).await?;
            ensure_mfa(c, &id, cfg).await?;
            return Ok(id);
        }
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    let out = pool_settings!(c.create_user_pool(), cfg).send().await.map_err(fail("CreateUserPool"))?;
    let id = out.user_pool().and_then(|p| p.id()).ok_or("CreateUserPool returned no id")?.to_string();
    say("user pool", &format!("{} ({id})", cfg.pool_name), "created");
    ensure_mfa(c, &id, cfg).await?;
    Ok(id)
}

/// Accounts are recovered through their verified email only.
fn account_recovery() -> AccountRecoverySettingType {
    AccountRecoverySettingType::builder()
        .recovery_mechanisms(
            RecoveryOptionType::builder()
                .name(RecoveryOptionNameType::VerifiedEmail)
                .priority(1)
                .build()
                .expect("name and priority are set"),
        )
        .build()
}

/// The email with the sign-up code.
fn verification_message(cfg: &Config) -> VerificationMessageTemplateType {
    VerificationMessageTemplateType::builder()
        .default_email_option(DefaultEmailOptionType::ConfirmWithCode)
        .email_subject(format!("Your {} code", cfg.app_name))
        .email_message(format!("Your {} code is {{####}}", cfg.app_name))
        .build()
}

/// Two-factor authentication: optional, TOTP only (no SMS).
const MFA: UserPoolMfaType = UserPoolMfaType::Optional;

/// The pool's password policy (`PasswordPolicy::default()`: ASVS 5.0, length only).
fn pool_policies() -> UserPoolPolicyType {
    let policy = PasswordPolicy::default();
    UserPoolPolicyType::builder()
        .password_policy(
            PasswordPolicyType::builder()
                .minimum_length(policy.min_length as i32)
                .require_uppercase(policy.require_uppercase)
                .require_lowercase(policy.require_lowercase)
                .require_numbers(policy.require_numbers)
                .require_symbols(policy.require_symbols)
                .temporary_password_validity_days(7)
                .build(),
        )
        .sign_in_policy(sign_in_policy())
        .build()
}

/// What a person may sign in with first (USER_AUTH): the password, a code sent by email, or a
/// passkey.
pub const FIRST_FACTORS: [AuthFactorType; 3] =
    [AuthFactorType::Password, AuthFactorType::EmailOtp, AuthFactorType::WebAuthn];

/// The host of a URL (`https://a.example.com:8443/x` → `a.example.com`).
use super::config::host_of;

/// Passkeys belong to the site's host (the WebAuthn relying party, `Config::passkey_rp_id`) and need user verification
/// (a PIN or biometric), so that a passkey sign-in is as strong as a password plus a second factor.
fn webauthn_configuration(cfg: &Config) -> WebAuthnConfigurationType {
    WebAuthnConfigurationType::builder()
        .relying_party_id(cfg.passkey_rp_id())
        .user_verification(UserVerificationType::Required)
        .build()
}

fn sign_in_policy() -> SignInPolicyType {
    SignInPolicyType::builder().set_allowed_first_auth_factors(Some(FIRST_FACTORS.to_vec())).build()
}

/// A changed email only replaces the old one once its code is entered
/// (`AttributesRequireVerificationBeforeUpdate`), on AWS and in the emulator alike: until then
/// the person signs in with the old address.
fn attribute_update_settings() -> Option<UserAttributeUpdateSettingsType> {
    Some(
        UserAttributeUpdateSettingsType::builder()
            .attributes_require_verification_before_update(VerifiedAttributeType::Email)
            .build(),
    )
}

fn same_password_policy(have: Option<&PasswordPolicyType>, want: Option<&PasswordPolicyType>) -> bool {
    let key = |p: Option<&PasswordPolicyType>| {
        p.map(|p| {
            (p.minimum_length(), p.require_uppercase(), p.require_lowercase(), p.require_numbers(), p.require_symbols())
        })
    };
    key(have) == key(want)
}

/// Brings an existing pool's password policy and email-update setting to what `provision`
/// creates. UpdateUserPool resets every setting it is not given (Cognito and moto alike), so
/// everything else the pool has is passed back unchanged.
async fn ensure_pool_settings(c: &Cognito, pool_id: &str, cfg: &Config) -> Result<(), String> {
    let out = c.describe_user_pool().user_pool_id(pool_id).send().await.map_err(fail("DescribeUserPool"))?;
    let pool = out.user_pool().ok_or("DescribeUserPool returned no pool")?;
    let want_policies = pool_policies();
    let want_update = attribute_update_settings();
    let have_update: Vec<&VerifiedAttributeType> = pool
        .user_attribute_update_settings()
        .map(|u| u.attributes_require_verification_before_update().iter().collect())
        .unwrap_or_default();
    let want_update_list: Vec<&VerifiedAttributeType> = want_update
        .as_ref()
        .map(|u| u.attributes_require_verification_before_update().iter().collect())
        .unwrap_or_default();
    let have_factors = pool.policies().and_then(|p| p.sign_in_policy()).map(|p| p.allowed_first_auth_factors());
    let same = same_password_policy(pool.policies().and_then(|p| p.password_policy()), want_policies.password_policy())
        && have_factors == want_policies.sign_in_policy().map(|p| p.allowed_first_auth_factors())
        && pool.user_pool_tier() == Some(&UserPoolTierType::Essentials)
        && have_update == want_update_list
        && (cfg.custom_message_lambda.is_none()
            || pool.lambda_config().and_then(|l| l.custom_message()) == cfg.custom_message_lambda.as_deref());
    if same {
        return Ok(());
    }
    let mut policies = pool.policies().cloned().unwrap_or_else(|| UserPoolPolicyType::builder().build());
    policies.password_policy = want_policies.password_policy;
    policies.sign_in_policy = want_policies.sign_in_policy;
    c.update_user_pool()
        .user_pool_id(pool_id)
        .policies(policies)
        .set_user_attribute_update_settings(want_update.or_else(|| pool.user_attribute_update_settings().cloned()))
        .set_deletion_protection(pool.deletion_protection().cloned())
        .set_lambda_config(match (pool.lambda_config().cloned(), &cfg.custom_message_lambda) {
            // The pool's other triggers stay as they are.
            (Some(mut have), Some(arn)) => {
                have.custom_message = Some(arn.clone());
                Some(have)
            }
            (None, Some(_)) => lambda_config(cfg),
            (have, None) => have,
        })
        .set_auto_verified_attributes(Some(pool.auto_verified_attributes().to_vec()))
        .set_verification_message_template(pool.verification_message_template().cloned())
        .set_mfa_configuration(pool.mfa_configuration().cloned())
        .set_device_configuration(pool.device_configuration().cloned())
        .set_email_configuration(pool.email_configuration().cloned())
        .set_sms_configuration(pool.sms_configuration().cloned())
        .set_user_pool_tags(pool.user_pool_tags().cloned())
        .set_admin_create_user_config(pool.admin_create_user_config().cloned())
        .set_user_pool_add_ons(pool.user_pool_add_ons().cloned())
        .set_account_recovery_setting(pool.account_recovery_setting().cloned())
        .user_pool_tier(UserPoolTierType::Essentials)
        .send()
        .await
        .map_err(fail("UpdateUserPool"))?;
    say("user pool settings", "password policy, sign-in factors, tier, email update verification", "updated");
    Ok(())
}

/// Adds custom attributes a pool created by an older version lacks (they cannot be removed).
async fn ensure_custom_attributes(c: &Cognito, pool_id: &str) -> Result<(), String> {
    let pool = c.describe_user_pool().user_pool_id(pool_id).send().await.map_err(fail("DescribeUserPool"))?;
    let have: Vec<String> = pool
        .user_pool()
        .map(|p| p.schema_attributes().iter().filter_map(|a| a.name().map(str::to_string)).collect())
        .unwrap_or_default();
    let missing: Vec<SchemaAttributeType> = CUSTOM_ATTRIBUTES
        .iter()
        .filter(|(n, _)| !have.iter().any(|h| h == n || *h == format!("custom:{n}")))
        .map(|(n, m)| custom_attribute(n, m))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = missing.iter().filter_map(|a| a.name().map(str::to_string)).collect();
    c.add_custom_attributes()
        .user_pool_id(pool_id)
        .set_custom_attributes(Some(missing))
        .send()
        .await
        .map_err(fail("AddCustomAttributes"))?;
    say("custom attributes", &names.join(", "), "added");
    Ok(())
}

/// Optional TOTP MFA (no SMS).
async fn ensure_mfa(c: &Cognito, pool_id: &str, cfg: &Config) -> Result<(), String> {
    let current =
        c.get_user_pool_mfa_config().user_pool_id(pool_id).send().await.map_err(fail("GetUserPoolMfaConfig"))?;
    let totp_on = current.software_token_mfa_configuration().is_some_and(|t| t.enabled());
    let webauthn = webauthn_configuration(cfg);
    if current.mfa_configuration() == Some(&MFA) && totp_on && current.web_authn_configuration() == Some(&webauthn) {
        return Ok(());
    }
    c.set_user_pool_mfa_config()
        .user_pool_id(pool_id)
        .mfa_configuration(MFA)
        .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
        .web_authn_configuration(webauthn.clone())
        .send()
        .await
        .map_err(fail("SetUserPoolMfaConfig"))?;
    let rp = webauthn.relying_party_id().unwrap_or_default();
    say("MFA", &format!("optional TOTP; passkeys for {rp}, user verification required"), "updated");
    Ok(())
}

/// The sign-in flows a client allows: the web client also signs in after confirmation
/// (USER_AUTH) and refreshes with GetTokensFromRefreshToken (refresh-token rotation, which the
/// AWS guide says goes without REFRESH_TOKEN_AUTH); the api client only gets tokens for an
/// existing account and refreshes with REFRESH_TOKEN_AUTH.
fn wanted_flows(secret: bool) -> Vec<ExplicitAuthFlowsType> {
    if secret {
        vec![ExplicitAuthFlowsType::AllowUserPasswordAuth, ExplicitAuthFlowsType::AllowUserAuth]
    } else {
        vec![ExplicitAuthFlowsType::AllowUserPasswordAuth, ExplicitAuthFlowsType::AllowRefreshTokenAuth]
    }
}

/// Refresh-token rotation: the web client gets a new refresh token with every refresh
/// (GetTokensFromRefreshToken), the old one valid for `ROTATION_GRACE_SECONDS` more so two tabs
/// refreshing at once both succeed. The api client's callers refresh with REFRESH_TOKEN_AUTH,
/// which rotation would refuse.
fn rotation(secret: bool) -> RefreshTokenRotationType {
    let feature = if secret { FeatureType::Enabled } else { FeatureType::Disabled };
    let grace = if secret { ROTATION_GRACE_SECONDS } else { 0 };
    RefreshTokenRotationType::builder()
        .feature(feature)
        .retry_grace_period_seconds(grace)
        .build()
        .expect("feature is set")
}

/// How long a rotated-out refresh token still works (Cognito allows 0 to 60 s).
pub const ROTATION_GRACE_SECONDS: i32 = 10;

fn write_attributes(secret: bool) -> &'static [&'static str] {
    if secret { &WRITE_ATTRIBUTES } else { &API_WRITE_ATTRIBUTES }
}

fn seconds_units() -> TokenValidityUnitsType {
    TokenValidityUnitsType::builder()
        .access_token(TimeUnitsType::Seconds)
        .id_token(TimeUnitsType::Seconds)
        .refresh_token(TimeUnitsType::Seconds)
        .build()
}

/// The app client's settings, the same for CreateUserPoolClient and UpdateUserPoolClient
/// (two builder types with the same setters).
macro_rules! client_settings {
    ($builder:expr, $cfg:expr, $secret:expr) => {
        $builder
            .set_explicit_auth_flows(Some(wanted_flows($secret)))
            .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
            .enable_token_revocation(true)
            .access_token_validity($cfg.access_token_seconds)
            .id_token_validity($cfg.id_token_seconds)
            .refresh_token_validity($cfg.refresh_token_seconds)
            .token_validity_units(seconds_units())
            .set_read_attributes(strings(&READ_ATTRIBUTES))
            .set_write_attributes(strings(write_attributes($secret)))
            .refresh_token_rotation(rotation($secret))
    };
}

/// Creates or updates the app client `name`; with `secret`, a confidential client (a client's
/// secret cannot be added later, so a web client made without one is replaced). Returns its id
/// and, for a confidential client, its secret.
async fn ensure_client(
    c: &Cognito,
    cfg: &Config,
    pool_id: &str,
    name: &str,
    secret: bool,
) -> Result<(String, Option<String>), String> {
    let list = c
        .list_user_pool_clients()
        .user_pool_id(pool_id)
        .max_results(60)
        .send()
        .await
        .map_err(fail("ListUserPoolClients"))?;
    let existing = list
        .user_pool_clients()
        .iter()
        .find(|d| d.client_name() == Some(name))
        .and_then(|d| d.client_id().map(str::to_string));
    let described = match &existing {
        Some(id) => {
            let d = c
                .describe_user_pool_client()
                .user_pool_id(pool_id)
                .client_id(id)
                .send()
                .await
                .map_err(fail("DescribeUserPoolClient"))?;
            d.user_pool_client
        }
        None => None,
    };
    if let (Some(id), Some(d)) = (&existing, &described)
        && secret
        && d.client_secret().is_none()
    {
        c.delete_user_pool_client()
            .user_pool_id(pool_id)
            .client_id(id)
            .send()
            .await
            .map_err(fail("DeleteUserPoolClient"))?;
        say("app client", &format!("{name} ({id}, had no secret)"), "deleted");
    }
    let d = match (existing, described) {
        (Some(id), Some(d)) if !(secret && d.client_secret().is_none()) => (id, d),
        _ => {
            let create = c.create_user_pool_client().user_pool_id(pool_id).client_name(name).generate_secret(secret);
            let out = client_settings!(create, cfg, secret).send().await.map_err(fail("CreateUserPoolClient"))?;
            let client = out.user_pool_client.ok_or("CreateUserPoolClient returned nothing")?;
            let id = client.client_id().ok_or("CreateUserPoolClient returned no id")?.to_string();
            say("app client", &format!("{name} ({id})"), "created");
            return Ok((id, client.client_secret));
        }
    };
    let (id, d) = d;
    let mut flows: Vec<&str> = d.explicit_auth_flows().iter().map(|f| f.as_str()).collect();
    flows.sort();
    let mut want: Vec<ExplicitAuthFlowsType> = wanted_flows(secret);
    want.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    let same = flows == want.iter().map(|f| f.as_str()).collect::<Vec<_>>()
        && d.prevent_user_existence_errors() == Some(&PreventUserExistenceErrorTypes::Enabled)
        && d.access_token_validity() == Some(cfg.access_token_seconds)
        && d.id_token_validity() == Some(cfg.id_token_seconds)
        && d.refresh_token_validity() == cfg.refresh_token_seconds
        && d.token_validity_units() == Some(&seconds_units())
        && sorted(d.read_attributes()) == sorted(&READ_ATTRIBUTES)
        && sorted(d.write_attributes()) == sorted(write_attributes(secret))
        && d.refresh_token_rotation().map(|r| r.feature()).unwrap_or(&FeatureType::Disabled)
            == rotation(secret).feature();
    let client_secret = d.client_secret().map(str::to_string);
    if same {
        say("app client", &format!("{name} ({id})"), "unchanged");
        return Ok((id, client_secret));
    }
    let update = c.update_user_pool_client().user_pool_id(pool_id).client_id(&id).client_name(name);
    client_settings!(update, cfg, secret).send().await.map_err(fail("UpdateUserPoolClient"))?;
    say("app client", &format!("{name} ({id})"), "updated");
    Ok((id, client_secret))
}

async fn ensure_group(c: &Cognito, pool_id: &str, name: &str) -> Result<(), String> {
    match c.get_group().user_pool_id(pool_id).group_name(name).send().await {
        Ok(_) => {
            say("group", name, "unchanged");
            Ok(())
        }
        Err(e) if aws::error_code(&e) == Some("ResourceNotFoundException") => {
            c.create_group().user_pool_id(pool_id).group_name(name).send().await.map_err(fail("CreateGroup"))?;
            say("group", name, "created");
            Ok(())
        }
        Err(e) => Err(fail("GetGroup")(e)),
    }
}

/// The SES identity the app's own notices are sent from (`email.from`). On AWS, creating an
/// address identity makes SES email it a confirmation link; until it is clicked (and while the
/// account is in the SES sandbox, for every recipient too) SES refuses to send, and so does an
/// email change (see the README).
async fn ensure_sender(ses: &aws_sdk_sesv2::Client, cfg: &Config) -> Result<(), String> {
    let identity = cfg.email_from.as_str();
    let verified = match ses.get_email_identity().email_identity(identity).send().await {
        Ok(out) => {
            say("email sender", identity, "unchanged");
            out.verified_for_sending_status()
        }
        Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found_exception()) => {
            ses.create_email_identity().email_identity(identity).send().await.map_err(fail("CreateEmailIdentity"))?;
            say("email sender", identity, "created");
            ses.get_email_identity()
                .email_identity(identity)
                .send()
                .await
                .map_err(fail("GetEmailIdentity"))?
                .verified_for_sending_status()
        }
        Err(e) => return Err(fail("GetEmailIdentity")(e)),
    };
    if !verified {
        println!(
            "  warning  SES has not verified {identity} yet: open the link SES emailed to it. Until then \
             email changes are refused (the old address cannot be told)."
        );
    }
    Ok(())
}

async fn ensure_bucket(s3: &aws_sdk_s3::Client, cfg: &Config) -> Result<(), String> {
    match s3.head_bucket().bucket(&cfg.bucket).send().await {
        Ok(_) => say("bucket", &cfg.bucket, "unchanged"),
        Err(_) => {
            let mut req = s3.create_bucket().bucket(&cfg.bucket);
            if cfg.region != "us-east-1" {
                req = req.create_bucket_configuration(
                    aws_sdk_s3::types::CreateBucketConfiguration::builder()
                        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(cfg.region.as_str()))
                        .build(),
                );
            }
            req.send().await.map_err(fail("CreateBucket"))?;
            say("bucket", &cfg.bucket, "created");
        }
    }
    let rule = cors_rule(cfg);
    let current = s3.get_bucket_cors().bucket(&cfg.bucket).send().await.ok();
    if current.as_ref().map(|c| c.cors_rules()) == Some(std::slice::from_ref(&rule)) {
        say("bucket CORS", cfg.site_origin(), "unchanged");
        return Ok(());
    }
    s3.put_bucket_cors()
        .bucket(&cfg.bucket)
        .cors_configuration(CorsConfiguration::builder().cors_rules(rule).build().map_err(fail("CORS config"))?)
        .send()
        .await
        .map_err(fail("PutBucketCors"))?;
    say("bucket CORS", cfg.site_origin(), "updated");
    ensure_pending_expiry(s3, cfg).await
}

/// The browser PUTs avatars to and GETs them from the bucket, from the site only.
fn cors_rule(cfg: &Config) -> CorsRule {
    CorsRule::builder()
        .allowed_origins(cfg.site_origin())
        .allowed_methods("PUT")
        .allowed_methods("GET")
        .allowed_headers("content-type")
        .max_age_seconds(300)
        .build()
        .expect("origins and methods are set")
}

/// Uploads not confirmed within a day (abandoned, or refused by the checks) are deleted by S3.
fn pending_expiry_rule() -> aws_sdk_s3::types::LifecycleRule {
    use aws_sdk_s3::types::{ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter};
    LifecycleRule::builder()
        .id("expire-pending-avatars")
        .filter(LifecycleRuleFilter::builder().prefix(crate::avatar::server::PENDING).build())
        .status(ExpirationStatus::Enabled)
        .expiration(LifecycleExpiration::builder().days(1).build())
        .build()
        .expect("status is set")
}

async fn ensure_pending_expiry(s3: &aws_sdk_s3::Client, cfg: &Config) -> Result<(), String> {
    use aws_sdk_s3::types::BucketLifecycleConfiguration;
    let rule = pending_expiry_rule();
    let current = s3.get_bucket_lifecycle_configuration().bucket(&cfg.bucket).send().await.ok();
    let has = current.as_ref().is_some_and(|c| {
        c.rules().iter().any(|r| {
            r.id() == rule.id()
                && r.status() == rule.status()
                && r.expiration().and_then(|e| e.days()) == Some(1)
                && r.filter().and_then(|f| f.prefix()) == Some(crate::avatar::server::PENDING)
        })
    });
    if has {
        say("bucket lifecycle", "pending/ expires after 1 day", "unchanged");
        return Ok(());
    }
    s3.put_bucket_lifecycle_configuration()
        .bucket(&cfg.bucket)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder().rules(rule).build().map_err(fail("lifecycle"))?,
        )
        .send()
        .await
        .map_err(fail("PutBucketLifecycleConfiguration"))?;
    say("bucket lifecycle", "pending/ expires after 1 day", "updated");
    Ok(())
}

/// The shared limits' table, the same for CreateTable and the template's `AWS::DynamoDB::Table`:
/// one string key, billed per request.
macro_rules! limits_table_settings {
    ($builder:expr, $table:expr) => {{
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        };
        use $crate::server::rate_limit::dynamodb::KEY;
        $builder
            .table_name($table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(KEY)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .expect("name and type are set"),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(KEY)
                    .key_type(KeyType::Hash)
                    .build()
                    .expect("name and type are set"),
            )
    }};
}

/// The shared rate limits' table (`limits.store = "dynamodb"`), its items deleted by TTL once
/// `expires` has passed.
async fn ensure_limits_table(dynamodb: &aws_sdk_dynamodb::Client, table: &str) -> Result<(), String> {
    use super::rate_limit::dynamodb::EXPIRES;
    use aws_sdk_dynamodb::types::{TimeToLiveSpecification, TimeToLiveStatus};
    match dynamodb.describe_table().table_name(table).send().await {
        Ok(_) => say("limits table", table, "unchanged"),
        Err(e) if aws::error_code(&e) == Some("ResourceNotFoundException") => {
            limits_table_settings!(dynamodb.create_table(), table).send().await.map_err(fail("CreateTable"))?;
            say("limits table", table, "created");
            // On AWS a new table takes a few seconds to become ACTIVE; TTL needs it active.
            for _ in 0..60 {
                let out = dynamodb.describe_table().table_name(table).send().await.map_err(fail("DescribeTable"))?;
                let status = out.table().and_then(|t| t.table_status().cloned());
                if status == Some(aws_sdk_dynamodb::types::TableStatus::Active) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
        Err(e) => return Err(fail("DescribeTable")(e)),
    }
    let ttl = dynamodb.describe_time_to_live().table_name(table).send().await.map_err(fail("DescribeTimeToLive"))?;
    let on = ttl.time_to_live_description().is_some_and(|d| {
        d.attribute_name() == Some(EXPIRES)
            && matches!(d.time_to_live_status(), Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling))
    });
    if on {
        say("limits table TTL", EXPIRES, "unchanged");
        return Ok(());
    }
    dynamodb
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder().attribute_name(EXPIRES).enabled(true).build().map_err(fail("TTL"))?,
        )
        .send()
        .await
        .map_err(fail("UpdateTimeToLive"))?;
    say("limits table TTL", EXPIRES, "updated");
    Ok(())
}

/// Writes the ids into the local config file, keeping anything else a person put there.
fn write_ids(cfg: &Config, pool_id: &str, client_id: &str, api_client_id: &str) -> Result<(), String> {
    let path = &cfg.local_file;
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut doc: toml::Table = text.parse().map_err(|e| format!("{} is not valid TOML: {e}", path.display()))?;
    let section = doc.entry("cognito").or_insert_with(|| toml::Value::Table(Default::default()));
    let table = section.as_table_mut().ok_or_else(|| format!("[cognito] in {} is not a table", path.display()))?;
    let before = table.clone();
    table.insert("user_pool_id".into(), pool_id.into());
    table.insert("client_id".into(), client_id.into());
    table.insert("api_client_id".into(), api_client_id.into());
    if *table == before {
        say("ids in", &path.display().to_string(), "unchanged");
        return Ok(());
    }
    let body = toml::to_string(&doc).map_err(|e| e.to_string())?;
    std::fs::write(path, format!("# Written by `leptos-cognito provision`. Not committed.\n{body}"))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    say("ids in", &path.display().to_string(), "written");
    Ok(())
}

/// Where `provision` leaves the web client's secret for the dev and test scripts, which put
/// it in the environment (`LC_COGNITO_CLIENT_SECRET`): the server never reads it from a file.
pub fn secret_file(cfg: &Config) -> std::path::PathBuf {
    cfg.local_file.with_extension("secret")
}

fn write_secret(cfg: &Config, secret: &str) -> Result<(), String> {
    let path = secret_file(cfg);
    let shown = path.display().to_string();
    if std::fs::read_to_string(&path).is_ok_and(|s| s.trim() == secret) {
        say("client secret in", &shown, "unchanged");
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    use std::io::Write;
    options
        .open(&path)
        .and_then(|mut f| f.write_all(secret.as_bytes()))
        .map_err(|e| format!("cannot write {shown}: {e}"))?;
    say("client secret in", &shown, "written");
    println!("           export {}=\"$(cat {shown})\" before starting the server", cfg.client_secret_env);
    Ok(())
}

/// `leptos-cognito add-to-group <email> <group>`: e.g. make someone an admin.
pub async fn add_to_group(args: Vec<String>) -> Result<(), String> {
    let [email, group] = args.as_slice() else {
        return Err("usage: leptos-cognito add-to-group <email> <group>".into());
    };
    let cfg = Config::load(true).map_err(|e| e.to_string())?;
    let cognito = aws::clients(&cfg).await.cognito;
    cognito
        .admin_add_user_to_group()
        .user_pool_id(&cfg.user_pool_id)
        .username(email.trim().to_lowercase())
        .group_name(group)
        .send()
        .await
        .map_err(fail("AdminAddUserToGroup"))?;
    println!("added {email} to {group}; it shows in their tokens from their next sign-in or refresh");
    Ok(())
}

/// `leptos-cognito invite <email> <temporary password>`: AdminCreateUser. The person signs in
/// with the temporary password and is asked to choose their own (NEW_PASSWORD_REQUIRED).
/// Cognito sends no invitation email (SUPPRESS): the admin hands the password over.
pub async fn invite(args: Vec<String>) -> Result<(), String> {
    let [email, temporary] = args.as_slice() else {
        return Err("usage: leptos-cognito invite <email> <temporary password>".into());
    };
    let email = email.trim().to_lowercase();
    let cfg = Config::load(true).map_err(|e| e.to_string())?;
    let cognito = aws::clients(&cfg).await.cognito;
    let attr = |n: &str, v: &str| {
        aws_sdk_cognitoidentityprovider::types::AttributeType::builder().name(n).value(v).build().expect("name set")
    };
    cognito
        .admin_create_user()
        .user_pool_id(&cfg.user_pool_id)
        .username(&email)
        .temporary_password(temporary)
        .user_attributes(attr("email", &email))
        .user_attributes(attr("email_verified", "true"))
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .map_err(fail("AdminCreateUser"))?;
    cognito
        .admin_add_user_to_group()
        .user_pool_id(&cfg.user_pool_id)
        .username(&email)
        .group_name("users")
        .send()
        .await
        .map_err(fail("AdminAddUserToGroup"))?;
    println!("invited {email}; they sign in with the temporary password and then choose their own");
    Ok(())
}

pub mod template;

#[cfg(test)]
mod settings_tests {
    use super::*;

    #[test]
    fn email_changes_need_verification_on_aws_and_in_the_emulator() {
        let settings = attribute_update_settings().unwrap();
        assert_eq!(settings.attributes_require_verification_before_update(), &[VerifiedAttributeType::Email]);
    }

    #[test]
    fn the_pool_gets_the_length_only_policy() {
        let p = pool_policies();
        let pw = p.password_policy().unwrap();
        assert_eq!(pw.minimum_length(), Some(12));
        assert!(!pw.require_uppercase() && !pw.require_lowercase() && !pw.require_numbers() && !pw.require_symbols());
    }
}
