//! The IAM policy the server needs is `deploy/server-iam-policy.json` (the README shows it).
//! This test reads every AWS SDK call in the server's code and checks the policy allows it,
//! so a new call cannot ship without its permission. Calls Cognito answers for anyone (they
//! carry an app client id or the user's own access token, not AWS credentials) need none.
//! `provision.rs` is excluded: provisioning runs with an administrator's credentials.

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// Cognito operations that are not authorised by IAM (public or access-token calls).
    const COGNITO_PUBLIC: &[&str] = &[
        "associate_software_token",
        "change_password",
        "complete_web_authn_registration",
        "confirm_forgot_password",
        "confirm_sign_up",
        "delete_user",
        "delete_web_authn_credential",
        "forgot_password",
        "get_user",
        "get_tokens_from_refresh_token",
        "get_user_attribute_verification_code",
        "global_sign_out",
        "initiate_auth",
        "list_web_authn_credentials",
        "resend_confirmation_code",
        "respond_to_auth_challenge",
        "revoke_token",
        "set_user_mfa_preference",
        "sign_up",
        "start_web_authn_registration",
        "update_user_attributes",
        "verify_software_token",
        "verify_user_attribute",
    ];

    /// The IAM actions an S3 SDK operation needs.
    fn s3_actions(op: &str) -> &'static [&'static str] {
        match op {
            "get_object" | "head_object" => &["s3:GetObject"],
            "put_object" => &["s3:PutObject"],
            "delete_object" => &["s3:DeleteObject"],
            "list_objects_v2" => &["s3:ListBucket"],
            "copy_object" => &["s3:GetObject", "s3:PutObject"],
            other => panic!("map the S3 operation {other} to its IAM actions here"),
        }
    }

    /// The IAM actions an SES (v2) SDK operation needs.
    fn ses_actions(op: &str) -> &'static [&'static str] {
        match op {
            "send_email" => &["ses:SendEmail"],
            other => panic!("map the SES operation {other} to its IAM actions here"),
        }
    }

    /// The IAM actions a DynamoDB SDK operation needs (the shared limits' table).
    fn dynamodb_actions(op: &str) -> &'static [&'static str] {
        match op {
            "get_item" => &["dynamodb:GetItem"],
            "put_item" => &["dynamodb:PutItem"],
            "update_item" => &["dynamodb:UpdateItem"],
            "delete_item" => &["dynamodb:DeleteItem"],
            other => panic!("map the DynamoDB operation {other} to its IAM actions here"),
        }
    }

    /// The IAM action name of an SDK operation: `admin_get_user` → `AdminGetUser`, with the
    /// acronyms AWS spells in capitals (`AdminSetUserMFAPreference`).
    fn pascal(op: &str) -> String {
        op.split('_')
            .map(|w| match w {
                "mfa" => "MFA".to_string(),
                w => w[..1].to_uppercase() + &w[1..],
            })
            .collect()
    }

    /// (client, operation) for every `cognito.op(` / `s3.op(` / `ses.op(` / `dynamodb.op(` in the
    /// server's source.
    fn sdk_calls() -> BTreeSet<(String, String)> {
        let mut calls = BTreeSet::new();
        for (rel, text) in crate::source_files() {
            if rel.ends_with("provision.rs") || rel.ends_with("iam.rs") {
                continue;
            }
            let text: String = text.split_whitespace().collect();
            for client in ["cognito", "s3", "ses", "dynamodb"] {
                let needle = format!("{client}.");
                let mut rest = text.as_str();
                while let Some(i) = rest.find(&needle) {
                    let before = rest[..i].chars().last();
                    rest = &rest[i + needle.len()..];
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                        continue;
                    }
                    let op: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    // `clone` copies the client; no AWS operation has that name.
                    if !op.is_empty() && op != "clone" && rest[op.len()..].starts_with('(') {
                        calls.insert((client.to_string(), op));
                    }
                }
            }
        }
        calls
    }

    #[test]
    fn the_policy_covers_every_aws_call_of_the_server() {
        let policy: serde_json::Value =
            serde_json::from_str(include_str!("../../deploy/server-iam-policy.json")).expect("valid JSON");
        let allowed: BTreeSet<String> = policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()))
            .collect();
        let calls = sdk_calls();
        assert!(
            calls.contains(&("cognito".into(), "admin_add_user_to_group".into())),
            "the scan finds calls: {calls:?}"
        );
        assert!(calls.contains(&("ses".into(), "send_email".into())), "the scan finds SES calls: {calls:?}");
        assert!(calls.contains(&("dynamodb".into(), "update_item".into())), "the scan finds DynamoDB calls: {calls:?}");
        let mut needed = BTreeSet::new();
        for (client, op) in &calls {
            match client.as_str() {
                "cognito" if COGNITO_PUBLIC.contains(&op.as_str()) => {}
                "cognito" => {
                    needed.insert(format!("cognito-idp:{}", pascal(op)));
                }
                "ses" => needed.extend(ses_actions(op).iter().map(|a| a.to_string())),
                "dynamodb" => needed.extend(dynamodb_actions(op).iter().map(|a| a.to_string())),
                _ => needed.extend(s3_actions(op).iter().map(|a| a.to_string())),
            }
        }
        let missing: Vec<_> = needed.difference(&allowed).collect();
        assert!(missing.is_empty(), "deploy/server-iam-policy.json lacks {missing:?}");
        let unused: Vec<_> = allowed.difference(&needed).collect();
        assert!(unused.is_empty(), "deploy/server-iam-policy.json allows more than the code calls: {unused:?}");
    }
}
