"""Patches 1-3: sign-up codes, ResendConfirmationCode, USER_AUTH sign-in after confirmation."""

import re

from conftest import PASSWORD
from emulator import clock
from helpers import claims, raises_aws

MISMATCH = "Invalid verification code provided, please try again."
EXPIRED = "Invalid code provided, please request a code again."
BAD_SESSION = "Invalid session for the user, session is expired."


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_sign_up_sends_a_code_and_confirm_checks_it(pool):
    email, resp = pool.sign_up()
    assert resp["UserConfirmed"] is False
    assert resp["CodeDeliveryDetails"] == {
        "Destination": "u***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    mails = pool.mailbox(email)
    assert len(mails) == 1 and mails[0]["purpose"] == "sign-up" and re.fullmatch(r"\d{6}", mails[0]["code"])
    code = mails[0]["code"]

    with raises_aws("CodeMismatchException", MISMATCH):
        pool.idp.confirm_sign_up(ClientId=pool.client_id, Username=email, ConfirmationCode=wrong(code))
    with raises_aws("UserNotConfirmedException"):
        pool.password_login(email)

    pool.idp.confirm_sign_up(ClientId=pool.client_id, Username=email, ConfirmationCode=code)
    user = pool.idp.admin_get_user(UserPoolId=pool.id, Username=email)
    assert user["UserStatus"] == "CONFIRMED"
    assert pool.attributes(email)["email_verified"] == "true"
    with raises_aws("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED"):
        pool.idp.confirm_sign_up(ClientId=pool.client_id, Username=email, ConfirmationCode=code)

    tokens = pool.password_login(email)["AuthenticationResult"]
    assert claims(tokens["IdToken"])["email_verified"] is True
    assert claims(tokens["IdToken"])["email"] == email


def test_sign_up_code_expires_after_24_hours(pool):
    email, _ = pool.sign_up()
    code = pool.last_code(email)
    clock.advance(24 * 3600 + 1)
    with raises_aws("ExpiredCodeException", EXPIRED):
        pool.idp.confirm_sign_up(ClientId=pool.client_id, Username=email, ConfirmationCode=code)


def test_confirm_unknown_user(pool):
    # PreventUserExistenceErrors=ENABLED: indistinguishable from a wrong code.
    with raises_aws("CodeMismatchException", MISMATCH):
        pool.idp.confirm_sign_up(ClientId=pool.client_id, Username="nobody@example.com", ConfirmationCode="123456")
    legacy = pool.client(PreventUserExistenceErrors="LEGACY")
    with raises_aws("UserNotFoundException", "Username/client id combination not found."):
        pool.idp.confirm_sign_up(ClientId=legacy, Username="nobody@example.com", ConfirmationCode="123456")


def test_resend_confirmation_code_replaces_the_code(pool):
    email, _ = pool.sign_up()
    first = pool.last_code(email)
    resp = pool.idp.resend_confirmation_code(ClientId=pool.client_id, Username=email)
    assert resp["CodeDeliveryDetails"] == {"Destination": "u***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    mails = pool.mailbox(email)
    assert [m["purpose"] for m in mails] == ["sign-up", "resend"]
    second = mails[-1]["code"]
    if second != first:  # one in a million they are equal
        with raises_aws("CodeMismatchException", MISMATCH):
            pool.idp.confirm_sign_up(ClientId=pool.client_id, Username=email, ConfirmationCode=first)
    pool.idp.confirm_sign_up(ClientId=pool.client_id, Username=email, ConfirmationCode=second)

    with raises_aws("InvalidParameterException", "User is already confirmed."):
        pool.idp.resend_confirmation_code(ClientId=pool.client_id, Username=email)


def test_resend_for_unknown_user(pool):
    # PreventUserExistenceErrors=ENABLED: a plausible answer and no mail.
    resp = pool.idp.resend_confirmation_code(ClientId=pool.client_id, Username="ghost@example.org")
    assert resp["CodeDeliveryDetails"] == {"Destination": "g***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    assert pool.mailbox("ghost@example.org") == []

    legacy = pool.client(PreventUserExistenceErrors="LEGACY")
    with raises_aws("UserNotFoundException", "Username/client id combination not found."):
        pool.idp.resend_confirmation_code(ClientId=legacy, Username="ghost@example.org")


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

    # Without a Session (choice-based sign-in) the emulator has nothing to offer.
    with raises_aws("InvalidParameterException"):
        pool.idp.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": email})

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
