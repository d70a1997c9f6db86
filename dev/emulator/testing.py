"""What the emulator's tests share besides conftest.py's fixtures: the test pool with its helpers,
and small checks. Only the tests import this module (`from emulator.testing import ...`)."""

import base64
import json
import socket
import uuid
from contextlib import contextmanager

import pytest
import requests
from botocore.exceptions import ClientError

PASSWORD = "Sup3r-secret!"


@contextmanager
def raises_aws(code, message=None):
    """Asserts a botocore ClientError with this error code (and exact message, when given)."""
    with pytest.raises(ClientError) as info:
        yield info
    error = info.value.response["Error"]
    assert error["Code"] == code, error
    if message is not None:
        assert error["Message"] == message, error


def claims(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def set_config(url, **values):
    """POST /_dev/config; the whole config it answers."""
    resp = requests.post(f"{url}/_dev/config", json=values, timeout=5)
    assert resp.status_code == 200, resp.text
    return resp.json()


class Pool:
    """A fresh user pool (e-mail as user name, like the app's) with helpers."""

    DEFAULT_PASSWORD_POLICY = {
        "MinimumLength": 10,
        "RequireUppercase": True,
        "RequireLowercase": True,
        "RequireNumbers": True,
        "RequireSymbols": False,
    }

    def __init__(self, idp, url, password_policy=None, first_factors=None, **settings):
        """`settings`: more CreateUserPool parameters, e.g. UserAttributeUpdateSettings;
        `first_factors`: the sign-in policy's AllowedFirstAuthFactors (Cognito's default: PASSWORD)."""
        policies = {"PasswordPolicy": password_policy or self.DEFAULT_PASSWORD_POLICY}
        if first_factors:
            policies["SignInPolicy"] = {"AllowedFirstAuthFactors": first_factors}
        self.idp = idp
        self.url = url
        self.id = idp.create_user_pool(
            PoolName=f"test-{uuid.uuid4().hex[:10]}",
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            Policies=policies,
            MfaConfiguration="OPTIONAL",
            **settings,
        )["UserPool"]["Id"]
        idp.set_user_pool_mfa_config(
            UserPoolId=self.id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
        )
        self.client_id = self.client()

    def client(self, **overrides):
        config = {
            "ClientName": f"app-{uuid.uuid4().hex[:6]}",
            "ExplicitAuthFlows": ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "PreventUserExistenceErrors": "ENABLED",
        }
        config.update(overrides)
        return self.idp.create_user_pool_client(UserPoolId=self.id, **config)["UserPoolClient"]["ClientId"]

    def mailbox(self, to=None):
        params = {"to": to} if to else {}
        resp = requests.get(f"{self.url}/_dev/mailbox", params=params, timeout=5)
        resp.raise_for_status()
        return [m for m in resp.json() if m["pool_id"] == self.id]

    def last_code(self, to, purpose=None):
        found = [m for m in self.mailbox(to) if purpose is None or m["purpose"] == purpose]
        assert found, f"no {purpose or ''} mail to {to}"
        return found[-1]["code"]

    def sign_up(self, email=None, client_id=None, password=PASSWORD):
        email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
        resp = self.idp.sign_up(
            ClientId=client_id or self.client_id,
            Username=email,
            Password=password,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
        return email, resp

    def confirmed_user(self, client_id=None):
        email, _ = self.sign_up(client_id=client_id)
        self.idp.confirm_sign_up(ClientId=client_id or self.client_id, Username=email, ConfirmationCode=self.last_code(email))
        return email

    def password_login(self, email, client_id=None, password=PASSWORD):
        return self.idp.initiate_auth(
            ClientId=client_id or self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )

    def attributes(self, email):
        user = self.idp.admin_get_user(UserPoolId=self.id, Username=email)
        return {a["Name"]: a["Value"] for a in user["UserAttributes"]}
