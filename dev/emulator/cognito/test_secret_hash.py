"""secret_hash.py (patch 11): for app clients with a secret, SECRET_HASH / SecretHash / ClientSecret are
checked on every operation that needs them, as in Cognito."""

import base64
import hashlib
import hmac
import uuid

import pytest

from emulator.testing import PASSWORD, claims, raises_aws


def secret_hash(secret, username, client_id):
    # Computed here independently of the emulator: Base64(HMAC-SHA256(secret, username + client id)).
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class SecretClient:
    def __init__(self, pool):
        self.pool = pool
        self.idp = pool.idp
        self.id = pool.client(GenerateSecret=True)
        described = self.idp.describe_user_pool_client(UserPoolId=pool.id, ClientId=self.id)["UserPoolClient"]
        self.secret = described["ClientSecret"]
        self.missing = f"Client {self.id} is configured with secret but SECRET_HASH was not received"
        self.wrong = f"Unable to verify secret hash for client {self.id}"

    def hash(self, username):
        return secret_hash(self.secret, username, self.id)

    def wrong_hash(self, username):
        return secret_hash(self.secret + "x", username, self.id)

    def sign_up(self, email):
        self.idp.sign_up(
            ClientId=self.id,
            Username=email,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email}],
            SecretHash=self.hash(email),
        )

    def confirmed_user(self):
        email = f"secret-{uuid.uuid4().hex[:8]}@example.com"
        self.sign_up(email)
        self.idp.confirm_sign_up(
            ClientId=self.id, Username=email, ConfirmationCode=self.pool.last_code(email), SecretHash=self.hash(email)
        )
        return email

    def login(self, email, **extra):
        params = {"USERNAME": email, "PASSWORD": PASSWORD, **extra}
        return self.idp.initiate_auth(ClientId=self.id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)


@pytest.fixture
def client(pool):
    return SecretClient(pool)


def check_missing_wrong_right(client, call, username):
    """call(extra) runs the operation with `extra` merged in; missing, then wrong, then right hash."""
    with raises_aws("NotAuthorizedException", client.missing):
        call({})
    with raises_aws("NotAuthorizedException", client.wrong):
        call({"hash": client.wrong_hash(username)})
    with raises_aws("NotAuthorizedException", client.wrong):
        call({"hash": client.hash(username + "x")})  # someone else's hash
    return call({"hash": client.hash(username)})


def top_level(extra):
    return {"SecretHash": extra["hash"]} if "hash" in extra else {}


def in_parameters(extra):
    return {"SECRET_HASH": extra["hash"]} if "hash" in extra else {}


def test_sign_up_needs_the_secret_hash(client):
    email = "sign-up-secret@example.com"

    def call(extra):
        return client.idp.sign_up(
            ClientId=client.id,
            Username=email,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email}],
            **top_level(extra),
        )

    assert check_missing_wrong_right(client, call, email)["UserConfirmed"] is False
    assert len(client.pool.mailbox(email)) == 1  # refused calls sent nothing


def test_confirm_sign_up_needs_the_secret_hash(client):
    email = "confirm-secret@example.com"
    client.sign_up(email)
    code = client.pool.last_code(email)

    def call(extra):
        return client.idp.confirm_sign_up(ClientId=client.id, Username=email, ConfirmationCode=code, **top_level(extra))

    check_missing_wrong_right(client, call, email)  # the refused calls did not use up the code
    assert client.idp.admin_get_user(UserPoolId=client.pool.id, Username=email)["UserStatus"] == "CONFIRMED"


def test_resend_confirmation_code_needs_the_secret_hash(client):
    email = "resend-secret@example.com"
    client.sign_up(email)

    def call(extra):
        return client.idp.resend_confirmation_code(ClientId=client.id, Username=email, **top_level(extra))

    assert check_missing_wrong_right(client, call, email)["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert [m["purpose"] for m in client.pool.mailbox(email)] == ["sign-up", "resend"]


def test_forgot_password_needs_the_secret_hash(client):
    email = client.confirmed_user()

    def call(extra):
        return client.idp.forgot_password(ClientId=client.id, Username=email, **top_level(extra))

    check_missing_wrong_right(client, call, email)
    assert [m["purpose"] for m in client.pool.mailbox(email)] == ["sign-up", "forgot-password"]
    # Unknown users too: the hash is checked before the user is looked up.
    with raises_aws("NotAuthorizedException", client.missing):
        client.idp.forgot_password(ClientId=client.id, Username="ghost@example.com")


def test_confirm_forgot_password_needs_the_secret_hash(client):
    email = client.confirmed_user()
    client.idp.forgot_password(ClientId=client.id, Username=email, SecretHash=client.hash(email))
    code = client.pool.last_code(email, "forgot-password")

    def call(extra):
        return client.idp.confirm_forgot_password(
            ClientId=client.id, Username=email, ConfirmationCode=code, Password="An0ther-passw0rd", **top_level(extra)
        )

    check_missing_wrong_right(client, call, email)
    client.idp.initiate_auth(
        ClientId=client.id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": "An0ther-passw0rd", "SECRET_HASH": client.hash(email)},
    )


def test_user_password_auth_needs_the_secret_hash(client):
    email = client.confirmed_user()

    def call(extra):
        return client.login(email, **in_parameters(extra))

    result = check_missing_wrong_right(client, call, email)["AuthenticationResult"]
    client.idp.get_user(AccessToken=result["AccessToken"])
    # Checked before the user is looked up.
    with raises_aws("NotAuthorizedException", client.missing):
        client.login("ghost@example.com")


def test_user_auth_needs_the_secret_hash(client):
    email = "user-auth-secret@example.com"
    signed_up = client.idp.sign_up(
        ClientId=client.id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
        SecretHash=client.hash(email),
    )
    session = client.idp.confirm_sign_up(
        ClientId=client.id,
        Username=email,
        ConfirmationCode=client.pool.last_code(email),
        Session=signed_up["Session"],
        SecretHash=client.hash(email),
    )["Session"]

    def call(extra):
        return client.idp.initiate_auth(
            ClientId=client.id,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": email, **in_parameters(extra)},
            Session=session,
        )

    # The refused attempts do not use up the single-use session.
    assert "AccessToken" in check_missing_wrong_right(client, call, email)["AuthenticationResult"]


def test_refresh_needs_the_secret_hash_of_the_internal_user_name(client):
    email = client.confirmed_user()
    tokens = client.login(email, SECRET_HASH=client.hash(email))["AuthenticationResult"]
    internal = claims(tokens["AccessToken"])["username"]  # the sub in an e-mail-as-username pool
    assert internal == claims(tokens["IdToken"])["sub"] != email

    def refresh(extra):
        return client.idp.initiate_auth(
            ClientId=client.id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], **in_parameters(extra)},
        )

    # The e-mail the user signs in with is not what Cognito hashes here.
    with raises_aws("NotAuthorizedException", client.wrong):
        refresh({"hash": client.hash(email)})
    result = check_missing_wrong_right(client, refresh, internal)["AuthenticationResult"]
    client.idp.get_user(AccessToken=result["AccessToken"])


def test_respond_to_auth_challenge_needs_the_secret_hash(client):
    email = "invited-secret@example.com"
    client.idp.admin_create_user(
        UserPoolId=client.pool.id,
        Username=email,
        TemporaryPassword="Temp-passw0rd1",
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    challenge = client.idp.initiate_auth(
        ClientId=client.id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": "Temp-passw0rd1", "SECRET_HASH": client.hash(email)},
    )
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"

    def call(extra):
        return client.idp.respond_to_auth_challenge(
            ClientId=client.id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": "New-passw0rd12", **in_parameters(extra)},
        )

    assert "AccessToken" in check_missing_wrong_right(client, call, email)["AuthenticationResult"]


def test_revoke_token_needs_the_client_secret(client):
    email = client.confirmed_user()
    tokens = client.login(email, SECRET_HASH=client.hash(email))["AuthenticationResult"]
    with raises_aws("UnauthorizedException", f"Client {client.id} is configured with secret but ClientSecret was not received"):
        client.idp.revoke_token(Token=tokens["RefreshToken"], ClientId=client.id)
    with raises_aws("UnauthorizedException", f"Unable to verify client secret for client {client.id}"):
        client.idp.revoke_token(Token=tokens["RefreshToken"], ClientId=client.id, ClientSecret=client.secret + "x")
    # A SECRET_HASH is not the secret.
    with raises_aws("UnauthorizedException"):
        client.idp.revoke_token(Token=tokens["RefreshToken"], ClientId=client.id, ClientSecret=client.hash(email))
    client.idp.get_user(AccessToken=tokens["AccessToken"])  # nothing was revoked yet

    client.idp.revoke_token(Token=tokens["RefreshToken"], ClientId=client.id, ClientSecret=client.secret)
    with raises_aws("NotAuthorizedException", "Access Token has been revoked"):
        client.idp.get_user(AccessToken=tokens["AccessToken"])


def test_public_client_needs_no_secret_hash(pool):
    # The pool fixture's client has no secret: nothing to send, as before (sign-up, confirm and
    # resend without one are in test_sign_up.py).
    described = pool.idp.describe_user_pool_client(UserPoolId=pool.id, ClientId=pool.client_id)["UserPoolClient"]
    assert "ClientSecret" not in described
    email = pool.confirmed_user()
    tokens = pool.password_login(email)["AuthenticationResult"]
    pool.idp.initiate_auth(
        ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]}
    )
    pool.idp.forgot_password(ClientId=pool.client_id, Username=email)
    pool.idp.confirm_forgot_password(
        ClientId=pool.client_id,
        Username=email,
        ConfirmationCode=pool.last_code(email, "forgot-password"),
        Password="An0ther-passw0rd",
    )
    pool.idp.revoke_token(Token=tokens["RefreshToken"], ClientId=pool.client_id)


def test_admin_calls_need_no_secret_hash(client):
    email = client.confirmed_user()
    result = client.idp.admin_initiate_auth(
        UserPoolId=client.pool.id,
        ClientId=client.id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    client.idp.admin_initiate_auth(
        UserPoolId=client.pool.id,
        ClientId=client.id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
    )
