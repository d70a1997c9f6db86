"""Starts the emulator in-process on a free port for the whole test session."""

import os
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # dev/, so `emulator` imports

import emulator  # noqa: E402, F401  (sets moto's env before moto is imported)
import boto3  # noqa: E402
import requests  # noqa: E402
from botocore.config import Config  # noqa: E402
from emulator import clock  # noqa: E402
from emulator.server import EmulatorServer  # noqa: E402

PASSWORD = "Sup3r-secret!"


@pytest.fixture(scope="session")
def server():
    # The tests expect the default start-up switches (test_unconfirmed_first.py changes them at runtime).
    os.environ.pop("EMULATOR_UNCONFIRMED_FIRST", None)
    srv = EmulatorServer(port=0, quiet=True).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def url(server):
    return server.url


@pytest.fixture(scope="session")
def idp(url):
    return boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="session")
def s3(url):
    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
    )


@pytest.fixture(autouse=True)
def _restore_clock():
    yield
    clock.reset()


class Pool:
    """A fresh user pool (e-mail as user name, like the app's) with helpers."""

    DEFAULT_PASSWORD_POLICY = {
        "MinimumLength": 10,
        "RequireUppercase": True,
        "RequireLowercase": True,
        "RequireNumbers": True,
        "RequireSymbols": False,
    }

    def __init__(self, idp, url, password_policy=None, **settings):
        """`settings`: more CreateUserPool parameters, e.g. UserAttributeUpdateSettings."""
        self.idp = idp
        self.url = url
        self.id = idp.create_user_pool(
            PoolName=f"test-{uuid.uuid4().hex[:10]}",
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            Policies={"PasswordPolicy": password_policy or self.DEFAULT_PASSWORD_POLICY},
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
        self.idp.confirm_sign_up(
            ClientId=client_id or self.client_id, Username=email, ConfirmationCode=self.last_code(email)
        )
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


@pytest.fixture
def pool(idp, url):
    return Pool(idp, url)
