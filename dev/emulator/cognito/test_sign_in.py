"""sign_in.py (patches 3, 12): USER_AUTH with the Session from ConfirmSignUp, ExplicitAuthFlows, and
the `unconfirmed_first` switch (Cognito's order for an unconfirmed user signing in). SECRET_HASH
is tested in test_secret_hash.py, refresh tokens in test_tokens.py."""

import requests

from emulator import clock
from emulator.testing import PASSWORD, claims, raises_aws, set_config

BAD_SESSION = "Invalid session for the user, session is expired."
WRONG_PASSWORD = "Wr0ng-password"
INCORRECT = "Incorrect username or password."
NOT_CONFIRMED = "User is not confirmed."


def test_clients_accept_allow_user_auth(pool):
    described = pool.idp.describe_user_pool_client(UserPoolId=pool.id, ClientId=pool.client_id)
    assert "ALLOW_USER_AUTH" in described["UserPoolClient"]["ExplicitAuthFlows"]
    plain = pool.client(ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    updated = pool.idp.update_user_pool_client(
        UserPoolId=pool.id,
        ClientId=plain,
        ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    assert updated["UserPoolClient"]["ExplicitAuthFlows"] == ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def sign_up_with_session(pool, client_id=None):
    client_id = client_id or pool.client_id
    email, resp = pool.sign_up(client_id=client_id)
    assert len(resp["Session"]) >= 20
    confirmed = pool.idp.confirm_sign_up(
        ClientId=client_id, Username=email, ConfirmationCode=pool.last_code(email), Session=resp["Session"]
    )
    return email, confirmed["Session"]


def user_auth(pool, email, session, client_id=None):
    return pool.idp.initiate_auth(
        ClientId=client_id or pool.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": email},
        Session=session,
    )


def test_user_auth_with_the_session_from_confirm_sign_up(pool):
    email, session = sign_up_with_session(pool)
    result = user_auth(pool, email, session)["AuthenticationResult"]
    assert set(result) == {"AccessToken", "IdToken", "RefreshToken", "ExpiresIn", "TokenType"}
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 3600
    user = pool.idp.get_user(AccessToken=result["AccessToken"])
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"] == email
    assert claims(result["IdToken"])["aud"] == pool.client_id
    refreshed = pool.idp.initiate_auth(
        ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]}
    )
    assert "AccessToken" in refreshed["AuthenticationResult"]

    # Single use.
    with raises_aws("NotAuthorizedException", BAD_SESSION):
        user_auth(pool, email, session)


def test_user_auth_session_expires(pool, monkeypatch):
    email, session = sign_up_with_session(pool)
    clock.advance(181)  # default lifetime: 3 minutes
    with raises_aws("NotAuthorizedException", BAD_SESSION):
        user_auth(pool, email, session)

    monkeypatch.setenv("EMULATOR_AUTH_SESSION_SECONDS", "5")
    email, session = sign_up_with_session(pool)
    clock.advance(6)
    with raises_aws("NotAuthorizedException", BAD_SESSION):
        user_auth(pool, email, session)


def test_user_auth_rejects_bad_sessions(pool):
    email, session = sign_up_with_session(pool)
    other, _ = sign_up_with_session(pool)
    with raises_aws("NotAuthorizedException", BAD_SESSION):
        user_auth(pool, other, session)  # someone else's session
    with raises_aws("NotAuthorizedException", BAD_SESSION):
        user_auth(pool, email, "x" * 40)

    # Without a Session it is choice-based sign-in (test_passwordless.py), not a sign-in.
    out = pool.idp.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": email})
    assert out["ChallengeName"] == "SELECT_CHALLENGE" and "AuthenticationResult" not in out

    # A wrong SignUp session: confirmation works, but no sign-in session comes back.
    email, _ = pool.sign_up()
    confirmed = pool.idp.confirm_sign_up(
        ClientId=pool.client_id, Username=email, ConfirmationCode=pool.last_code(email), Session="y" * 40
    )
    assert "Session" not in confirmed


def test_user_auth_needs_allow_user_auth(pool):
    no_user_auth = pool.client(ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    email, session = sign_up_with_session(pool, client_id=no_user_auth)
    with raises_aws("InvalidParameterException", "USER_AUTH flow not enabled for this client"):
        user_auth(pool, email, session, client_id=no_user_auth)
    # ... and USER_PASSWORD_AUTH needs ALLOW_USER_PASSWORD_AUTH.
    only_user_auth = pool.client(ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    with raises_aws("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client"):
        pool.password_login(email, client_id=only_user_auth, password=PASSWORD)


def test_default_order_checks_the_password_first(pool, url):
    assert requests.get(f"{url}/_dev/config", timeout=5).json() == {"unconfirmed_first": False}
    email, _ = pool.sign_up()
    with raises_aws("NotAuthorizedException", INCORRECT):
        pool.password_login(email, password=WRONG_PASSWORD)
    with raises_aws("UserNotConfirmedException", NOT_CONFIRMED):
        pool.password_login(email)


def test_unconfirmed_first_answers_before_the_password(pool, url, restore_config):
    assert set_config(url, unconfirmed_first=True) == {"unconfirmed_first": True}
    assert requests.get(f"{url}/_dev/config", timeout=5).json() == {"unconfirmed_first": True}
    email, _ = pool.sign_up()
    with raises_aws("UserNotConfirmedException", NOT_CONFIRMED):
        pool.password_login(email, password=WRONG_PASSWORD)
    with raises_aws("UserNotConfirmedException", NOT_CONFIRMED):
        pool.password_login(email)

    # Confirmed and unknown users are unaffected.
    confirmed = pool.confirmed_user()
    with raises_aws("NotAuthorizedException", INCORRECT):
        pool.password_login(confirmed, password=WRONG_PASSWORD)
    pool.password_login(confirmed)
    with raises_aws("NotAuthorizedException", INCORRECT):
        pool.password_login("nobody@example.com", password=WRONG_PASSWORD)

    # Switched back at runtime: moto's order again, same emulator.
    assert set_config(url, unconfirmed_first=False) == {"unconfirmed_first": False}
    with raises_aws("NotAuthorizedException", INCORRECT):
        pool.password_login(email, password=WRONG_PASSWORD)


def test_an_account_an_administrator_reset_must_reset_its_password_first(pool):
    # Patch 21: moto would sign it in with the old password; Cognito refuses every first factor.
    email = pool.confirmed_user()
    pool.idp.admin_reset_user_password(UserPoolId=pool.id, Username=email)
    with raises_aws("PasswordResetRequiredException", "Password reset required for the user"):
        pool.password_login(email)
    with raises_aws("PasswordResetRequiredException"):
        pool.idp.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": email, "PREFERRED_CHALLENGE": "EMAIL_OTP"},
        )
    # A disabled account is refused as disabled, whatever its status.
    pool.idp.admin_disable_user(UserPoolId=pool.id, Username=email)
    with raises_aws("NotAuthorizedException", "User is disabled."):
        pool.password_login(email)
