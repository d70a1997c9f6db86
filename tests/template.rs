//! `leptos-cognito template` against what `provision` really made: every pool and client
//! setting in the template equals what the emulator describes for the provisioned pool and
//! clients (asked with the raw JSON API, so nothing of the template's own code is reused).
//! Needs the test emulator that dev/run-tests.sh starts and provisions (the LC_* environment).
#![cfg(feature = "ssr")]

use leptos_cognito::server::provision::template;
use serde_json::{Value, json};

mod common;

async fn cognito(operation: &str, body: Value) -> Value {
    let endpoint = std::env::var("LC_COGNITO_ENDPOINT").expect("run through dev/run-tests.sh");
    let response = reqwest::Client::new()
        .post(endpoint)
        .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{operation}: {}", response.status());
    response.json().await.unwrap()
}

/// `have` holds everything `want` says: objects key by key (more keys allowed), lists of
/// names as sets, everything else equal.
fn holds(have: &Value, want: &Value, at: &str) {
    match (have, want) {
        (Value::Object(h), Value::Object(w)) => {
            for (k, v) in w {
                holds(h.get(k).unwrap_or(&Value::Null), v, &format!("{at}.{k}"));
            }
        }
        (Value::Array(h), Value::Array(w)) if w.iter().all(Value::is_string) => {
            let set = |v: &Vec<Value>| {
                let mut s: Vec<String> = v.iter().map(|x| x.as_str().unwrap_or_default().to_string()).collect();
                s.sort();
                s
            };
            assert_eq!(set(h), set(w), "{at}");
        }
        (Value::Array(h), Value::Array(w)) => {
            assert_eq!(h.len(), w.len(), "{at}: {have} vs {want}");
            for (i, (h, w)) in h.iter().zip(w).enumerate() {
                holds(h, w, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(have, want, "{at}"),
    }
}

#[tokio::test]
async fn the_templates_pool_settings_are_the_ones_provision_made() {
    let cfg = common::config();
    let want = template::user_pool(&cfg);
    let pool = cognito("DescribeUserPool", json!({"UserPoolId": cfg.user_pool_id})).await["UserPool"].clone();
    let mfa = cognito("GetUserPoolMfaConfig", json!({"UserPoolId": cfg.user_pool_id})).await;
    let mut checked = vec![];
    for (key, value) in want.as_object().unwrap() {
        match key.as_str() {
            "UserPoolName" => assert_eq!(pool["Name"], *value),
            // The template names custom attributes without the `custom:` the API adds.
            "Schema" => {
                for attribute in value.as_array().unwrap() {
                    let name = format!("custom:{}", attribute["Name"].as_str().unwrap());
                    let have = pool["SchemaAttributes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|a| a["Name"] == name.as_str())
                        .unwrap_or_else(|| panic!("{name} is not in the pool"));
                    let mut attribute = attribute.clone();
                    attribute["Name"] = json!(name);
                    holds(have, &attribute, &name);
                }
            }
            "EnabledMfas" => {
                assert_eq!(*value, json!(["SOFTWARE_TOKEN_MFA"]));
                assert_eq!(mfa["SoftwareTokenMfaConfiguration"]["Enabled"], true);
                assert!(mfa.get("SmsMfaConfiguration").is_none_or(Value::is_null), "{mfa}");
            }
            "MfaConfiguration" => assert_eq!(mfa["MfaConfiguration"], *value),
            "WebAuthnRelyingPartyID" => assert_eq!(mfa["WebAuthnConfiguration"]["RelyingPartyId"], *value),
            "WebAuthnUserVerification" => assert_eq!(mfa["WebAuthnConfiguration"]["UserVerification"], *value),
            _ => holds(&pool[key], value, key),
        }
        checked.push(key.clone());
    }
    assert!(checked.len() >= 10, "{checked:?}");
}

#[tokio::test]
async fn the_templates_client_settings_are_the_ones_provision_made() {
    let cfg = common::config();
    let api_client_id = cfg.api_client_id.clone().expect("provision wrote the api client's id");
    for (id, name, secret) in [(&cfg.client_id, "web", true), (&api_client_id, "api", false)] {
        let want = template::user_pool_client(&cfg, name, secret);
        let client = cognito("DescribeUserPoolClient", json!({"UserPoolId": cfg.user_pool_id, "ClientId": id})).await
            ["UserPoolClient"]
            .clone();
        for (key, value) in want.as_object().unwrap() {
            match key.as_str() {
                "UserPoolId" => assert_eq!(client["UserPoolId"], cfg.user_pool_id.as_str()),
                "GenerateSecret" => assert_eq!(client["ClientSecret"].is_string(), value.as_bool().unwrap(), "{name}"),
                _ => holds(&client[key], value, &format!("{name}.{key}")),
            }
        }
    }
}
