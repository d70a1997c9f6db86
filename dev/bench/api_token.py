"""Prints an access token of the public `api` client for a new confirmed account (`make bench`,
part 3). Usage: api_token.py <emulator-url> <local-config.toml>"""

import sys

import requests
from accounts import PASSWORD, cognito_ids, confirmed_account

emulator, config_path = sys.argv[1:3]
ids = cognito_ids(config_path)
email = confirmed_account(emulator, ids["user_pool_id"], "api")
r = requests.post(
    emulator + "/",
    json={
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": ids["api_client_id"],
        "AuthParameters": {"USERNAME": email, "PASSWORD": PASSWORD},
    },
    headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
    },
)
r.raise_for_status()
print(r.json()["AuthenticationResult"]["AccessToken"])
