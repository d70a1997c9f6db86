"""A confirmed account made directly in the emulator (AdminCreateUser + a permanent password),
for the benchmarks that need one without going through the sign-up pages."""

import time
import tomllib

import boto3

PASSWORD = "Correct-Horse-9"


def cognito_ids(config_path: str) -> dict:
    """The pool and client ids `provision` wrote (Leptos.*.local.toml)."""
    with open(config_path, "rb") as f:
        return tomllib.load(f)["cognito"]


def confirmed_account(emulator: str, pool_id: str, tag: str) -> str:
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=emulator,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    email = f"{tag}-{int(time.time() * 1000)}@example.com"
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "given_name", "Value": "Ada"},
            {"Name": "family_name", "Value": "Lovelace"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True)
    return email
