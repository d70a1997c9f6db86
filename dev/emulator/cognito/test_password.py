"""password.py (patch 9): ForgotPassword and ConfirmForgotPassword; and moto's password policy check
(no patch needed): a minimum length and no character classes."""

import pytest

from emulator import clock
from emulator.testing import PASSWORD, Pool, raises_aws

MISMATCH = "Invalid verification code provided, please try again."
EXPIRED = "Invalid code provided, please request a code again."


def test_forgot_password(pool):
    email = pool.confirmed_user()
    resp = pool.idp.forgot_password(ClientId=pool.client_id, Username=email)
    assert resp["CodeDeliveryDetails"] == {"Destination": "u***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    mail = pool.mailbox(email)[-1]
    assert mail["purpose"] == "forgot-password"
    code = mail["code"]
    new_password = "An0ther-passw0rd"
    confirm = dict(ClientId=pool.client_id, Username=email)

    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with raises_aws("CodeMismatchException", MISMATCH):
        pool.idp.confirm_forgot_password(ConfirmationCode=wrong, Password=new_password, **confirm)
    with raises_aws("InvalidPasswordException"):
        pool.idp.confirm_forgot_password(ConfirmationCode=code, Password="short1A", **confirm)
    with raises_aws("InvalidPasswordException"):
        pool.idp.confirm_forgot_password(ConfirmationCode=code, Password="nouppercase123", **confirm)

    pool.idp.confirm_forgot_password(ConfirmationCode=code, Password=new_password, **confirm)
    pool.password_login(email, password=new_password)
    with raises_aws("NotAuthorizedException"):
        pool.password_login(email, password=PASSWORD)
    with raises_aws("ExpiredCodeException", EXPIRED):  # a code works once
        pool.idp.confirm_forgot_password(ConfirmationCode=code, Password=new_password, **confirm)


def test_forgot_password_code_expires_after_an_hour(pool):
    email = pool.confirmed_user()
    pool.idp.forgot_password(ClientId=pool.client_id, Username=email)
    code = pool.last_code(email, "forgot-password")
    clock.advance(3601)
    with raises_aws("ExpiredCodeException", EXPIRED):
        pool.idp.confirm_forgot_password(
            ClientId=pool.client_id, Username=email, ConfirmationCode=code, Password="An0ther-passw0rd"
        )


def test_forgot_password_unknown_or_unverified_user(pool):
    resp = pool.idp.forgot_password(ClientId=pool.client_id, Username="ghost@example.com")
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert pool.mailbox("ghost@example.com") == []
    with raises_aws("CodeMismatchException", MISMATCH):
        pool.idp.confirm_forgot_password(
            ClientId=pool.client_id, Username="ghost@example.com", ConfirmationCode="123456", Password="An0ther-passw0rd"
        )

    legacy = pool.client(PreventUserExistenceErrors="LEGACY")
    with raises_aws("UserNotFoundException", "Username/client id combination not found."):
        pool.idp.forgot_password(ClientId=legacy, Username="ghost@example.com")

    unconfirmed, _ = pool.sign_up()
    with raises_aws("InvalidParameterException"):
        pool.idp.forgot_password(ClientId=pool.client_id, Username=unconfirmed)


# Only the length counts: 12 characters of any kind.
POLICY = {
    "MinimumLength": 12,
    "RequireUppercase": False,
    "RequireLowercase": False,
    "RequireNumbers": False,
    "RequireSymbols": False,
}
SHORT = "elevenchars"  # 11
LONG_ENOUGH = "twelve chars"  # 12, lower case and a space only
OTHER = "aaaaaaaaaaaa"


@pytest.fixture
def length_pool(idp, url):
    return Pool(idp, url, password_policy=POLICY)


def test_minimum_length_12_and_nothing_else(length_pool):
    pool = length_pool
    assert len(SHORT) == 11 and len(LONG_ENOUGH) == 12

    # SignUp
    with raises_aws("InvalidPasswordException"):
        pool.sign_up(password=SHORT)
    email, _ = pool.sign_up(password=LONG_ENOUGH)
    pool.idp.confirm_sign_up(ClientId=pool.client_id, Username=email, ConfirmationCode=pool.last_code(email))
    token = pool.password_login(email, password=LONG_ENOUGH)["AuthenticationResult"]["AccessToken"]

    # ChangePassword
    with raises_aws("InvalidPasswordException"):
        pool.idp.change_password(AccessToken=token, PreviousPassword=LONG_ENOUGH, ProposedPassword=SHORT)
    pool.idp.change_password(AccessToken=token, PreviousPassword=LONG_ENOUGH, ProposedPassword=OTHER)
    pool.password_login(email, password=OTHER)

    # ConfirmForgotPassword (the emulator's patch calls moto's check)
    pool.idp.forgot_password(ClientId=pool.client_id, Username=email)
    confirm = dict(ClientId=pool.client_id, Username=email, ConfirmationCode=pool.last_code(email, "forgot-password"))
    with raises_aws("InvalidPasswordException"):
        pool.idp.confirm_forgot_password(Password=SHORT, **confirm)
    pool.idp.confirm_forgot_password(Password=LONG_ENOUGH, **confirm)
    pool.password_login(email, password=LONG_ENOUGH)

    # RespondToAuthChallenge NEW_PASSWORD_REQUIRED
    invited = "invited-policy@example.com"
    pool.idp.admin_create_user(
        UserPoolId=pool.id,
        Username=invited,
        TemporaryPassword="temporary pw",
        UserAttributes=[{"Name": "email", "Value": invited}],
    )
    challenge = pool.password_login(invited, password="temporary pw")
    respond = dict(ClientId=pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"])
    with raises_aws("InvalidPasswordException"):
        pool.idp.respond_to_auth_challenge(ChallengeResponses={"USERNAME": invited, "NEW_PASSWORD": SHORT}, **respond)
    done = pool.idp.respond_to_auth_challenge(ChallengeResponses={"USERNAME": invited, "NEW_PASSWORD": OTHER}, **respond)
    assert "AccessToken" in done["AuthenticationResult"]
