"""sign_up.py (patches 1-2): sign-up codes, ConfirmSignUp, ResendConfirmationCode. The Session that
ConfirmSignUp returns is used in test_sign_in.py."""

import re

from emulator import clock
from emulator.testing import claims, raises_aws

MISMATCH = "Invalid verification code provided, please try again."
EXPIRED = "Invalid code provided, please request a code again."


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
