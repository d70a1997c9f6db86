//! `leptos-cognito template`: a CloudFormation template of what `provision` sets up (pool,
//! clients, groups, bucket, SES sender, limits table), built from the same Rust definitions
//! (`pool_settings!`, `client_settings!`, `limits_table_settings!`, `cors_rule`, ...), plus the
//! serving stack: instances of the same binary behind an Application Load Balancer, CloudFront
//! in front (the hashed `/pkg` files cached for a year), a WAF rate-based rule on the sign-in,
//! sign-up and code paths, and an instance role with exactly `deploy/server-iam-policy.json`.
//!
//! The template must be deployed in us-east-1: a WAF web ACL for CloudFront lives there.

use super::*;
use aws_sdk_cognitoidentityprovider::operation::{
    create_user_pool::CreateUserPoolInput, create_user_pool_client::CreateUserPoolClientInput,
};
use aws_sdk_dynamodb::operation::create_table::CreateTableInput;
use serde_json::{Value, json};

/// The server's permissions: the policy document the hardening work wrote, with placeholders.
const SERVER_POLICY: &str = include_str!("../../../deploy/server-iam-policy.json");
/// The port the server listens on, behind the load balancer.
const PORT: u16 = 3000;
/// CloudFront adds this header with a secret value; the load balancer forwards only requests
/// that carry it, so nobody reaches the instances around CloudFront (and its WAF rule).
const ORIGIN_HEADER: &str = "X-Origin-Verify";
/// CloudFront's managed policies (the same ids in every account).
const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const ALL_VIEWER_EXCEPT_HOST: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

/// `leptos-cognito template`: prints the template for the configuration in effect.
pub fn run() -> Result<(), String> {
    let cfg = Config::load(false).map_err(|e| e.to_string())?;
    if !cfg.site_url.starts_with("https://") {
        return Err(format!(
            "site.url is {:?}: set LC_SITE_URL to the https URL people will use (CloudFront serves that host)",
            cfg.site_url
        ));
    }
    let text = serde_json::to_string_pretty(&build(&cfg)).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}

fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> Value {
    json!(items.iter().map(name).collect::<Vec<_>>())
}

/// The input `provision` gives CreateUserPool.
fn pool_input(cfg: &Config) -> CreateUserPoolInput {
    pool_settings!(CreateUserPoolInput::builder(), cfg).build().expect("the pool's settings are complete")
}

/// The input `provision` gives CreateUserPoolClient for the web (`secret`) or api client.
fn client_input(cfg: &Config, name: &str, secret: bool) -> CreateUserPoolClientInput {
    let builder =
        CreateUserPoolClientInput::builder().user_pool_id("template").client_name(name).generate_secret(secret);
    client_settings!(builder, cfg, secret).build().expect("the client's settings are complete")
}

fn limits_table_input(cfg: &Config) -> CreateTableInput {
    limits_table_settings!(CreateTableInput::builder(), &cfg.limits_table).build().expect("the table is complete")
}

/// `AWS::Cognito::UserPool` properties from CreateUserPool's input, plus the MFA setting
/// `provision` makes with SetUserPoolMfaConfig.
pub fn user_pool(cfg: &Config) -> Value {
    let p = pool_input(cfg);
    let pw = p.policies().and_then(|p| p.password_policy()).expect("a password policy");
    let first = p.policies().and_then(|p| p.sign_in_policy()).expect("a sign-in policy");
    let webauthn = webauthn_configuration(cfg);
    let message = p.verification_message_template().expect("a verification message");
    let recovery = p.account_recovery_setting().expect("account recovery");
    let mut pool = json!({
        "UserPoolName": p.pool_name(),
        "UsernameAttributes": names(p.username_attributes(), |a| a.as_str()),
        "AutoVerifiedAttributes": names(p.auto_verified_attributes(), |a| a.as_str()),
        "Policies": {"PasswordPolicy": {
            "MinimumLength": pw.minimum_length(),
            "RequireUppercase": pw.require_uppercase(),
            "RequireLowercase": pw.require_lowercase(),
            "RequireNumbers": pw.require_numbers(),
            "RequireSymbols": pw.require_symbols(),
            "TemporaryPasswordValidityDays": pw.temporary_password_validity_days(),
        }, "SignInPolicy": {
            "AllowedFirstAuthFactors": names(first.allowed_first_auth_factors(), |f| f.as_str()),
        }},
        "UserPoolTier": p.user_pool_tier().map(|t| t.as_str()),
        "UserAttributeUpdateSettings": {
            "AttributesRequireVerificationBeforeUpdate": names(
                p.user_attribute_update_settings().map(|u| u.attributes_require_verification_before_update()).unwrap_or_default(),
                |a| a.as_str(),
            ),
        },
        "Schema": p.schema().iter().map(|a| {
            let c = a.string_attribute_constraints().expect("string constraints");
            json!({
                "Name": a.name(),
                "AttributeDataType": a.attribute_data_type().map(|t| t.as_str()),
                "Mutable": a.mutable(),
                "StringAttributeConstraints": {"MinLength": c.min_length(), "MaxLength": c.max_length()},
            })
        }).collect::<Vec<_>>(),
        "AccountRecoverySetting": {
            "RecoveryMechanisms": recovery.recovery_mechanisms().iter()
                .map(|r| json!({"Name": r.name().as_str(), "Priority": r.priority()}))
                .collect::<Vec<_>>(),
        },
        "VerificationMessageTemplate": {
            "DefaultEmailOption": message.default_email_option().map(|o| o.as_str()),
            "EmailSubject": message.email_subject(),
            "EmailMessage": message.email_message(),
        },
        "MfaConfiguration": MFA.as_str(),
        "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
        "WebAuthnRelyingPartyID": webauthn.relying_party_id(),
        "WebAuthnUserVerification": webauthn.user_verification().map(|v| v.as_str()),
    });
    // Only with a trigger: CloudFormation refuses a null property.
    if let Some(l) = p.lambda_config() {
        pool["LambdaConfig"] = json!({"CustomMessage": l.custom_message()});
    }
    pool
}

/// `AWS::Cognito::UserPoolClient` properties from CreateUserPoolClient's input.
pub fn user_pool_client(cfg: &Config, name: &str, secret: bool) -> Value {
    let c = client_input(cfg, name, secret);
    let units = c.token_validity_units().expect("token units");
    json!({
        "UserPoolId": {"Ref": "UserPool"},
        "ClientName": c.client_name(),
        "GenerateSecret": c.generate_secret(),
        "ExplicitAuthFlows": names(c.explicit_auth_flows(), |f| f.as_str()),
        "PreventUserExistenceErrors": c.prevent_user_existence_errors().map(|p| p.as_str()),
        "EnableTokenRevocation": c.enable_token_revocation(),
        "AccessTokenValidity": c.access_token_validity(),
        "IdTokenValidity": c.id_token_validity(),
        "RefreshTokenValidity": c.refresh_token_validity(),
        "TokenValidityUnits": {
            "AccessToken": units.access_token().map(|u| u.as_str()),
            "IdToken": units.id_token().map(|u| u.as_str()),
            "RefreshToken": units.refresh_token().map(|u| u.as_str()),
        },
        "ReadAttributes": c.read_attributes(),
        "WriteAttributes": c.write_attributes(),
        "RefreshTokenRotation": c.refresh_token_rotation().map(|r| json!({
            "Feature": r.feature().as_str(),
            "RetryGracePeriodSeconds": r.retry_grace_period_seconds(),
        })),
    })
}

fn bucket(cfg: &Config) -> Value {
    let cors = cors_rule(cfg);
    let expiry = pending_expiry_rule();
    json!({
        "BucketName": cfg.bucket,
        "CorsConfiguration": {"CorsRules": [{
            "AllowedOrigins": cors.allowed_origins(),
            "AllowedMethods": cors.allowed_methods(),
            "AllowedHeaders": cors.allowed_headers(),
            "MaxAge": cors.max_age_seconds(),
        }]},
        "LifecycleConfiguration": {"Rules": [{
            "Id": expiry.id(),
            "Status": expiry.status().as_str(),
            "Prefix": expiry.filter().and_then(|f| f.prefix()),
            "ExpirationInDays": expiry.expiration().and_then(|e| e.days()),
        }]},
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
        },
    })
}

fn limits_table(cfg: &Config) -> Value {
    let t = limits_table_input(cfg);
    json!({
        "TableName": t.table_name(),
        "BillingMode": t.billing_mode().map(|b| b.as_str()),
        "AttributeDefinitions": t.attribute_definitions().iter()
            .map(|a| json!({"AttributeName": a.attribute_name(), "AttributeType": a.attribute_type().as_str()}))
            .collect::<Vec<_>>(),
        "KeySchema": t.key_schema().iter()
            .map(|k| json!({"AttributeName": k.attribute_name(), "KeyType": k.key_type().as_str()}))
            .collect::<Vec<_>>(),
        "TimeToLiveSpecification": {"AttributeName": crate::server::rate_limit::dynamodb::EXPIRES, "Enabled": true},
    })
}

/// `deploy/server-iam-policy.json` with its placeholders filled in by `Fn::Sub`.
pub fn server_policy(cfg: &Config) -> Value {
    fn fill(v: Value, cfg: &Config) -> Value {
        match v {
            Value::String(s) => {
                let filled = s
                    .replace("REGION", "${AWS::Region}")
                    .replace("ACCOUNT_ID", "${AWS::AccountId}")
                    .replace("USER_POOL_ID", "${UserPool}")
                    .replace("LIMITS_TABLE", "${LimitsTable}")
                    .replace("EMAIL_FROM", &cfg.email_from)
                    .replace(":::BUCKET", &format!(":::{}", cfg.bucket));
                if filled.contains("${") { json!({"Fn::Sub": filled}) } else { Value::String(filled) }
            }
            Value::Array(items) => Value::Array(items.into_iter().map(|v| fill(v, cfg)).collect()),
            Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, fill(v, cfg))).collect()),
            other => other,
        }
    }
    fill(serde_json::from_str(SERVER_POLICY).expect("deploy/server-iam-policy.json is JSON"), cfg)
}

/// The POST paths limited per IP and per email (sign-in, sign-up, codes, reset): the WAF
/// rule counts these.
fn limited_paths() -> Vec<&'static str> {
    super::super::limits::table()
        .into_iter()
        .filter(|(_, scope)| *scope == super::super::limits::Scope::IpAndEmail)
        .map(|(path, _)| path)
        .collect()
}

fn waf_rule(cfg: &Config) -> Value {
    let matches: Vec<Value> = limited_paths()
        .into_iter()
        .map(|path| {
            json!({"ByteMatchStatement": {
                "FieldToMatch": {"UriPath": {}},
                "PositionalConstraint": "EXACTLY",
                "SearchString": path,
                "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
            }})
        })
        .collect();
    // A backstop against floods, well above the app's own limit (which answers with a page
    // saying how long to wait): WAF counts all of these paths together over 5 minutes.
    let limit = (cfg.rate_limit_per_minute.saturating_mul(5 * 4)).clamp(100, 2_000_000_000);
    json!({
        "Name": "sign-in-sign-up-codes",
        "Priority": 0,
        "Action": {"Block": {}},
        "Statement": {"RateBasedStatement": {
            "Limit": limit,
            "EvaluationWindowSec": 300,
            "AggregateKeyType": "IP",
            "ScopeDownStatement": {"OrStatement": {"Statements": matches}},
        }},
        "VisibilityConfig": {
            "SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "sign-in-sign-up-codes",
        },
    })
}

/// What every instance runs at boot: fetch the release, write its settings, start it.
fn user_data(cfg: &Config) -> Value {
    let settings = [
        ("LC_COGNITO_REGION", "${AWS::Region}".to_string()),
        ("LC_COGNITO_ENDPOINT", String::new()),
        ("LC_S3_ENDPOINT", String::new()),
        ("LC_EMAIL_ENDPOINT", String::new()),
        ("LC_LIMITS_ENDPOINT", String::new()),
        ("LC_COGNITO_USER_POOL_ID", "${UserPool}".into()),
        ("LC_COGNITO_CLIENT_ID", "${WebClient}".into()),
        ("LC_COGNITO_API_CLIENT_ID", "${ApiClient}".into()),
        ("LC_COGNITO_POOL_NAME", cfg.pool_name.clone()),
        ("LC_COGNITO_ACCESS_TOKEN_SECONDS", cfg.access_token_seconds.to_string()),
        ("LC_COGNITO_ID_TOKEN_SECONDS", cfg.id_token_seconds.to_string()),
        ("LC_COGNITO_REFRESH_TOKEN_SECONDS", cfg.refresh_token_seconds.to_string()),
        ("LC_S3_BUCKET", cfg.bucket.clone()),
        ("LC_EMAIL_FROM", cfg.email_from.clone()),
        ("LC_SITE_URL", cfg.site_url.clone()),
        ("LC_SITE_APP_NAME", cfg.app_name.clone()),
        ("LC_SITE_RATE_LIMIT_PER_MINUTE", cfg.rate_limit_per_minute.to_string()),
        ("LC_SITE_ACCOUNT_RATE_LIMIT_PER_MINUTE", cfg.account_rate_limit_per_minute.to_string()),
        // CloudFront appends the viewer's address, the load balancer CloudFront's.
        ("LC_SITE_TRUSTED_PROXIES", "2".into()),
        ("LC_LIMITS_STORE", "dynamodb".into()),
        ("LC_LIMITS_TABLE", "${LimitsTable}".into()),
        ("LEPTOS_SITE_ADDR", format!("0.0.0.0:{PORT}")),
        ("LEPTOS_SITE_ROOT", "/opt/leptos-cognito/site".into()),
        ("LEPTOS_ENV", "PROD".into()),
    ];
    let env: String = settings.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    let script = format!(
        r#"#!/bin/bash
set -euo pipefail
mkdir -p /opt/leptos-cognito
aws s3 cp "s3://${{ArtifactBucket}}/${{ArtifactKey}}" /tmp/leptos-cognito.tar.gz
tar xzf /tmp/leptos-cognito.tar.gz -C /opt/leptos-cognito
id leptos-cognito >/dev/null 2>&1 || useradd --system --no-create-home leptos-cognito
umask 077
cat > /etc/leptos-cognito.env <<'EOF'
{env}EOF
aws secretsmanager get-secret-value --region "${{AWS::Region}}" --secret-id "${{ServerSecrets}}" \
  --query SecretString --output text \
  | python3 -c 'import json, sys; print("".join(k + "=" + v + "\n" for k, v in json.load(sys.stdin).items()), end="")' \
  >> /etc/leptos-cognito.env
cat > /etc/systemd/system/leptos-cognito.service <<'EOF'
[Unit]
Description=leptos-cognito
After=network-online.target
[Service]
EnvironmentFile=/etc/leptos-cognito.env
WorkingDirectory=/opt/leptos-cognito
ExecStart=/opt/leptos-cognito/leptos-cognito
User=leptos-cognito
Restart=always
KillSignal=SIGTERM
TimeoutStopSec=15
[Install]
WantedBy=multi-user.target
EOF
systemctl daemon-reload
systemctl enable --now leptos-cognito
"#
    );
    json!({"Fn::Base64": {"Fn::Sub": script}})
}

fn parameters() -> Value {
    json!({
        "VpcId": {"Type": "AWS::EC2::VPC::Id", "Description": "The VPC of the load balancer and the instances"},
        "SubnetIds": {
            "Type": "List<AWS::EC2::Subnet::Id>",
            "Description": "Public subnets in at least two availability zones (instances get public addresses to reach AWS)",
        },
        "CertificateArn": {
            "Type": "String",
            "Description": "An ACM certificate in us-east-1 for the site's host and OriginDomainName",
            "AllowedPattern": "arn:aws:acm:us-east-1:[0-9]{12}:certificate/.+",
        },
        "OriginDomainName": {
            "Type": "String",
            "Description": "A DNS name you point (CNAME) at the load balancer (output LoadBalancerDnsName), e.g. origin.example.com",
            "MinLength": 1,
        },
        "OriginSecret": {
            "Type": "String", "NoEcho": true, "MinLength": 32,
            "Description": "A random value CloudFront sends to the load balancer (openssl rand -hex 32)",
        },
        "CookieKey": {
            "Type": "String", "NoEcho": true, "MinLength": 88,
            "Description": "The 64-byte cookie key, base64 (openssl rand -base64 64 | tr -d '\\n')",
        },
        "ArtifactBucket": {"Type": "String", "Description": "The S3 bucket holding the release archive", "MinLength": 3},
        "ArtifactKey": {"Type": "String", "Default": "leptos-cognito.tar.gz", "Description": "The release archive's key"},
        "InstanceType": {"Type": "String", "Default": "t3.small"},
        "InstanceCount": {"Type": "Number", "Default": 2, "MinValue": 1},
        "ImageId": {
            "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
            "Default": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        },
    })
}

/// The whole template.
pub fn build(cfg: &Config) -> Value {
    let retain = |kind: &str, properties: Value| json!({"Type": kind, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": properties});
    let resource = |kind: &str, properties: Value| json!({"Type": kind, "Properties": properties});
    let mut resources = serde_json::Map::new();
    let mut add = |name: &str, value: Value| {
        resources.insert(name.to_string(), value);
    };
    // What `provision` sets up.
    add("UserPool", retain("AWS::Cognito::UserPool", user_pool(cfg)));
    add("WebClient", resource("AWS::Cognito::UserPoolClient", user_pool_client(cfg, CLIENT_NAME, true)));
    add("ApiClient", resource("AWS::Cognito::UserPoolClient", user_pool_client(cfg, API_CLIENT_NAME, false)));
    for group in GROUPS {
        let name = format!("{}{}Group", group[..1].to_uppercase(), &group[1..]);
        add(
            &name,
            resource("AWS::Cognito::UserPoolGroup", json!({"GroupName": group, "UserPoolId": {"Ref": "UserPool"}})),
        );
    }
    // The CustomMessage trigger's function (deployed apart, see the README) may be invoked by the pool.
    if let Some(arn) = &cfg.custom_message_lambda {
        add(
            "CustomMessagePermission",
            resource(
                "AWS::Lambda::Permission",
                json!({"Action": "lambda:InvokeFunction", "FunctionName": arn,
                       "Principal": "cognito-idp.amazonaws.com", "SourceArn": {"Fn::GetAtt": ["UserPool", "Arn"]}}),
            ),
        );
    }
    add("AvatarBucket", retain("AWS::S3::Bucket", bucket(cfg)));
    add("EmailSender", resource("AWS::SES::EmailIdentity", json!({"EmailIdentity": cfg.email_from})));
    add("LimitsTable", resource("AWS::DynamoDB::Table", limits_table(cfg)));
    // The secrets the server needs, read by the instances at boot.
    add(
        "ServerSecrets",
        resource(
            "AWS::SecretsManager::Secret",
            json!({
                "Description": "leptos-cognito: the cookie key and the web client's secret",
                "SecretString": {"Fn::Sub": format!(
                    r#"{{"{}":"${{CookieKey}}","{}":"${{WebClient.ClientSecret}}"}}"#,
                    cfg.cookie_key_env, cfg.client_secret_env
                )},
            }),
        ),
    );
    // The instances' role: the server's calls, plus reading the release and the secrets at boot.
    add(
        "ServerRole",
        resource(
            "AWS::IAM::Role",
            json!({
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole",
                }]},
                "Policies": [
                    {"PolicyName": "leptos-cognito-server", "PolicyDocument": server_policy(cfg)},
                    {"PolicyName": "leptos-cognito-boot", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "s3:GetObject",
                         "Resource": {"Fn::Sub": "arn:aws:s3:::${ArtifactBucket}/${ArtifactKey}"}},
                        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": {"Ref": "ServerSecrets"}},
                    ]}},
                ],
            }),
        ),
    );
    add("ServerInstanceProfile", resource("AWS::IAM::InstanceProfile", json!({"Roles": [{"Ref": "ServerRole"}]})));
    add(
        "LoadBalancerSecurityGroup",
        resource(
            "AWS::EC2::SecurityGroup",
            json!({
                "GroupDescription": "leptos-cognito load balancer: HTTPS from CloudFront",
                "VpcId": {"Ref": "VpcId"},
                "SecurityGroupIngress": [
                    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"},
                    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIpv6": "::/0"},
                ],
            }),
        ),
    );
    add(
        "ServerSecurityGroup",
        resource(
            "AWS::EC2::SecurityGroup",
            json!({
                "GroupDescription": "leptos-cognito instances: the site port from the load balancer only",
                "VpcId": {"Ref": "VpcId"},
                "SecurityGroupIngress": [{
                    "IpProtocol": "tcp", "FromPort": PORT, "ToPort": PORT,
                    "SourceSecurityGroupId": {"Fn::GetAtt": ["LoadBalancerSecurityGroup", "GroupId"]},
                }],
            }),
        ),
    );
    add(
        "LoadBalancer",
        resource(
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            json!({
                "Scheme": "internet-facing",
                "Subnets": {"Ref": "SubnetIds"},
                "SecurityGroups": [{"Ref": "LoadBalancerSecurityGroup"}],
            }),
        ),
    );
    add(
        "TargetGroup",
        resource(
            "AWS::ElasticLoadBalancingV2::TargetGroup",
            json!({
                "VpcId": {"Ref": "VpcId"},
                "Protocol": "HTTP",
                "Port": PORT,
                "TargetType": "instance",
                // Ready means the JWKS is cached and Cognito answers.
                "HealthCheckPath": "/readyz",
                "HealthCheckIntervalSeconds": 15,
                // The server finishes requests in flight for up to 10 s after SIGTERM.
                "TargetGroupAttributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "15"}],
            }),
        ),
    );
    add(
        "Listener",
        resource(
            "AWS::ElasticLoadBalancingV2::Listener",
            json!({
                "LoadBalancerArn": {"Ref": "LoadBalancer"},
                "Protocol": "HTTPS",
                "Port": 443,
                "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "Certificates": [{"CertificateArn": {"Ref": "CertificateArn"}}],
                "DefaultActions": [{"Type": "fixed-response", "FixedResponseConfig": {
                    "StatusCode": "403", "ContentType": "text/plain", "MessageBody": "Forbidden",
                }}],
            }),
        ),
    );
    add(
        "FromCloudFrontOnly",
        resource(
            "AWS::ElasticLoadBalancingV2::ListenerRule",
            json!({
                "ListenerArn": {"Ref": "Listener"},
                "Priority": 1,
                "Conditions": [{"Field": "http-header", "HttpHeaderConfig": {
                    "HttpHeaderName": ORIGIN_HEADER, "Values": [{"Ref": "OriginSecret"}],
                }}],
                "Actions": [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}],
            }),
        ),
    );
    add(
        "LaunchTemplate",
        resource(
            "AWS::EC2::LaunchTemplate",
            json!({"LaunchTemplateData": {
                "ImageId": {"Ref": "ImageId"},
                "InstanceType": {"Ref": "InstanceType"},
                "IamInstanceProfile": {"Arn": {"Fn::GetAtt": ["ServerInstanceProfile", "Arn"]}},
                "MetadataOptions": {"HttpTokens": "required"},
                "NetworkInterfaces": [{
                    "DeviceIndex": 0, "AssociatePublicIpAddress": true,
                    "Groups": [{"Fn::GetAtt": ["ServerSecurityGroup", "GroupId"]}],
                }],
                "UserData": user_data(cfg),
            }}),
        ),
    );
    add(
        "Instances",
        json!({
            "Type": "AWS::AutoScaling::AutoScalingGroup",
            "Properties": {
                "MinSize": {"Ref": "InstanceCount"},
                "MaxSize": {"Ref": "InstanceCount"},
                "DesiredCapacity": {"Ref": "InstanceCount"},
                "VPCZoneIdentifier": {"Ref": "SubnetIds"},
                "TargetGroupARNs": [{"Ref": "TargetGroup"}],
                "HealthCheckType": "ELB",
                "HealthCheckGracePeriod": 180,
                "LaunchTemplate": {
                    "LaunchTemplateId": {"Ref": "LaunchTemplate"},
                    "Version": {"Fn::GetAtt": ["LaunchTemplate", "LatestVersionNumber"]},
                },
            },
            // A new release (ArtifactKey) or setting replaces the instances one at a time.
            "UpdatePolicy": {"AutoScalingRollingUpdate": {"MinInstancesInService": 1, "MaxBatchSize": 1}},
        }),
    );
    add(
        "WebAcl",
        resource(
            "AWS::WAFv2::WebACL",
            json!({
                "Scope": "CLOUDFRONT",
                "DefaultAction": {"Allow": {}},
                "Rules": [waf_rule(cfg)],
                "VisibilityConfig": {
                    "SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "leptos-cognito",
                },
            }),
        ),
    );
    let all_methods = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"];
    add(
        "Distribution",
        resource(
            "AWS::CloudFront::Distribution",
            json!({"DistributionConfig": {
                "Enabled": true,
                "HttpVersion": "http2and3",
                "PriceClass": "PriceClass_100",
                "Aliases": [host_of(&cfg.site_url)],
                "ViewerCertificate": {
                    "AcmCertificateArn": {"Ref": "CertificateArn"},
                    "SslSupportMethod": "sni-only",
                    "MinimumProtocolVersion": "TLSv1.2_2021",
                },
                "WebACLId": {"Fn::GetAtt": ["WebAcl", "Arn"]},
                "Origins": [{
                    "Id": "app",
                    "DomainName": {"Ref": "OriginDomainName"},
                    "CustomOriginConfig": {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]},
                    "OriginCustomHeaders": [{"HeaderName": ORIGIN_HEADER, "HeaderValue": {"Ref": "OriginSecret"}}],
                }],
                // Pages and server functions: never cached, every header, cookie and query passed on.
                "DefaultCacheBehavior": {
                    "TargetOriginId": "app",
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "AllowedMethods": all_methods,
                    "CachedMethods": ["GET", "HEAD"],
                    "CachePolicyId": CACHING_DISABLED,
                    "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST,
                    "Compress": false,
                },
                // The content-hashed wasm, js and css: cached at the edge (the server sends
                // them precompressed, `immutable`, chosen by Accept-Encoding).
                "CacheBehaviors": [{
                    "PathPattern": "/pkg/*",
                    "TargetOriginId": "app",
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "AllowedMethods": ["GET", "HEAD"],
                    "CachedMethods": ["GET", "HEAD"],
                    "CachePolicyId": CACHING_OPTIMIZED,
                    "Compress": true,
                }],
            }}),
        ),
    );
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "{}: Cognito user pool, clients, groups, avatar bucket, SES sender, limits table (as `leptos-cognito provision` sets them up), and the serving stack",
            cfg.app_name
        ),
        "Parameters": parameters(),
        "Rules": {"InUsEast1": {"Assertions": [{
            "Assert": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
            "AssertDescription": "CloudFront's WAF web ACL and certificate live in us-east-1: deploy the stack there",
        }]}},
        "Resources": resources,
        "Outputs": {
            "SiteUrl": {"Value": cfg.site_url},
            "CloudFrontDomainName": {
                "Description": "Point the site's host (CNAME or alias) here",
                "Value": {"Fn::GetAtt": ["Distribution", "DomainName"]},
            },
            "LoadBalancerDnsName": {
                "Description": "Point OriginDomainName (CNAME) here",
                "Value": {"Fn::GetAtt": ["LoadBalancer", "DNSName"]},
            },
            "UserPoolId": {"Value": {"Ref": "UserPool"}},
            "WebClientId": {"Value": {"Ref": "WebClient"}},
            "ApiClientId": {"Value": {"Ref": "ApiClient"}},
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use leptos::server_fn::ServerFn;

    fn cfg() -> Config {
        let mut cfg = Config::for_test();
        cfg.site_url = "https://app.example.com".into();
        cfg
    }

    /// Every setting `provision` gives CreateUserPool reaches the template: take away what the
    /// template reads and nothing may be left (a new setting fails here until it is added).
    #[test]
    fn the_template_reads_every_pool_setting_provision_makes() {
        let mut rest = pool_input(&cfg());
        rest.pool_name = None;
        rest.username_attributes = None;
        rest.auto_verified_attributes = None;
        rest.policies = None;
        rest.user_attribute_update_settings = None;
        rest.schema = None;
        rest.account_recovery_setting = None;
        rest.verification_message_template = None;
        rest.user_pool_tier = None;
        rest.lambda_config = None;
        assert_eq!(rest, CreateUserPoolInput::builder().build().unwrap());
    }

    /// With a CustomMessage function configured, the pool names it and the pool may invoke it;
    /// without one, neither appears (CloudFormation refuses a null `LambdaConfig`).
    #[test]
    fn the_custom_message_trigger_is_on_the_pool_only_when_configured() {
        let t = build(&cfg());
        assert!(t["Resources"]["UserPool"]["Properties"].get("LambdaConfig").is_none());
        assert!(t["Resources"].get("CustomMessagePermission").is_none());
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:custom-message";
        let t = build(&Config { custom_message_lambda: Some(arn.into()), ..cfg() });
        assert_eq!(t["Resources"]["UserPool"]["Properties"]["LambdaConfig"], json!({"CustomMessage": arn}));
        let permission = &t["Resources"]["CustomMessagePermission"]["Properties"];
        assert_eq!(permission["FunctionName"], arn);
        assert_eq!(permission["Principal"], "cognito-idp.amazonaws.com");
    }

    #[test]
    fn the_template_reads_every_client_setting_provision_makes() {
        for secret in [true, false] {
            let mut rest = client_input(&cfg(), "web", secret);
            rest.user_pool_id = None;
            rest.client_name = None;
            rest.generate_secret = None;
            rest.explicit_auth_flows = None;
            rest.prevent_user_existence_errors = None;
            rest.enable_token_revocation = None;
            rest.access_token_validity = None;
            rest.id_token_validity = None;
            rest.refresh_token_validity = None;
            rest.token_validity_units = None;
            rest.read_attributes = None;
            rest.write_attributes = None;
            rest.refresh_token_rotation = None;
            assert_eq!(rest, CreateUserPoolClientInput::builder().build().unwrap());
        }
    }

    #[test]
    fn the_role_has_the_policy_document_with_every_placeholder_filled_in() {
        let policy = server_policy(&cfg()).to_string();
        for placeholder in
            ["\"REGION", ":REGION:", "ACCOUNT_ID", "USER_POOL_ID", "LIMITS_TABLE", "EMAIL_FROM", ":::BUCKET"]
        {
            assert!(!policy.contains(placeholder), "{placeholder} left in {policy}");
        }
        assert!(policy.contains("${AWS::Region}:${AWS::AccountId}:userpool/${UserPool}"), "{policy}");
        assert!(policy.contains(&format!("\"arn:aws:s3:::{}/avatars/*\"", cfg().bucket)), "{policy}");
        assert!(policy.contains(&format!("\"ses:FromAddress\":\"{}\"", cfg().email_from)), "{policy}");
        let file: Value = serde_json::from_str(SERVER_POLICY).unwrap();
        let count = |v: &Value| v["Statement"].as_array().map(Vec::len);
        assert_eq!(count(&server_policy(&cfg())), count(&file));
    }

    #[test]
    fn the_waf_rule_counts_the_sign_in_sign_up_and_code_paths() {
        let rule = waf_rule(&cfg()).to_string();
        for path in [crate::auth::api::SignIn::PATH, crate::auth::api::SignUp::PATH, crate::auth::api::ResendCode::PATH]
        {
            assert!(rule.contains(&format!("\"{path}\"")), "{path} not in {rule}");
        }
        assert!(!rule.contains(crate::auth::api::SignOut::PATH));
    }

    #[test]
    fn cloudfront_serves_the_site_host_and_caches_only_pkg() {
        let t = build(&cfg());
        let d = &t["Resources"]["Distribution"]["Properties"]["DistributionConfig"];
        assert_eq!(d["Aliases"], json!(["app.example.com"]));
        assert_eq!(d["CacheBehaviors"][0]["PathPattern"], "/pkg/*");
        assert_eq!(d["CacheBehaviors"][0]["CachePolicyId"], CACHING_OPTIMIZED);
        assert_eq!(d["DefaultCacheBehavior"]["CachePolicyId"], CACHING_DISABLED);
        assert_eq!(host_of("https://a.example.com:8443/x"), "a.example.com");
    }
}
