"""Patches 6, 7, 9: DeleteUser, e-mail verification and change, forgot password."""

import uuid

from conftest import PASSWORD
from emulator import clock
from helpers import claims, raises_aws

MISMATCH = "Invalid verification code provided, please try again."
EXPIRED = "Invalid code provided, please request a code again."


def attrs_of(idp, access_token):
    return {a["Name"]: a["Value"] for a in idp.get_user(AccessToken=access_token)["UserAttributes"]}


def test_delete_user(pool):
    email = pool.confirmed_user()
    result = pool.password_login(email)["AuthenticationResult"]
    pool.idp.delete_user(AccessToken=result["AccessToken"])

    with raises_aws("NotAuthorizedException"):
        pool.idp.get_user(AccessToken=result["AccessToken"])
    with raises_aws("NotAuthorizedException", "Refresh Token has been revoked"):
        pool.idp.initiate_auth(
            ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]}
        )
    # Sign-in fails as for a user that never existed.
    with raises_aws("NotAuthorizedException", "Incorrect username or password."):
        pool.password_login(email)
    legacy = pool.client(PreventUserExistenceErrors="LEGACY")
    with raises_aws("UserNotFoundException"):
        pool.password_login(email, client_id=legacy)
    with raises_aws("UserNotFoundException"):
        pool.idp.admin_get_user(UserPoolId=pool.id, Username=email)

    # The address can sign up again.
    pool.sign_up(email)


def test_verify_email_attribute(pool):
    email = pool.confirmed_user()
    token = pool.password_login(email)["AuthenticationResult"]["AccessToken"]
    resp = pool.idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    assert resp["CodeDeliveryDetails"]["Destination"] == "u***@e***"
    mail = pool.mailbox(email)[-1]
    assert mail["purpose"] == "verify-email"

    wrong = f"{(int(mail['code']) + 1) % 1_000_000:06d}"
    with raises_aws("CodeMismatchException", MISMATCH):
        pool.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=wrong)
    pool.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=mail["code"])
    assert attrs_of(pool.idp, token)["email_verified"] == "true"
    # Used up.
    with raises_aws("ExpiredCodeException", EXPIRED):
        pool.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=mail["code"])


def test_email_change_sends_a_code_to_the_new_address(pool):
    email = pool.confirmed_user()
    tokens = pool.password_login(email)["AuthenticationResult"]
    new_email = f"new-{uuid.uuid4().hex[:8]}@example.net"

    resp = pool.idp.update_user_attributes(
        AccessToken=tokens["AccessToken"], UserAttributes=[{"Name": "email", "Value": new_email}]
    )
    assert resp["CodeDeliveryDetailsList"] == [
        {"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    ]
    mails = pool.mailbox(new_email.upper())  # `to` is compared lower-case
    assert [m["purpose"] for m in mails] == ["verify-email"]
    assert [m["purpose"] for m in pool.mailbox(email)] == ["sign-up"]

    # The old access token keeps working and sees the new, unverified address.
    attrs = attrs_of(pool.idp, tokens["AccessToken"])
    assert attrs["email"] == new_email and attrs["email_verified"] == "false"
    # So does the refresh token; the new id token carries the new address.
    refreshed = pool.idp.initiate_auth(
        ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]}
    )["AuthenticationResult"]
    id_claims = claims(refreshed["IdToken"])
    assert id_claims["email"] == new_email and id_claims["email_verified"] is False
    assert id_claims["sub"] == claims(tokens["IdToken"])["sub"]

    pool.idp.verify_user_attribute(AccessToken=tokens["AccessToken"], AttributeName="email", Code=mails[0]["code"])
    assert attrs_of(pool.idp, tokens["AccessToken"])["email_verified"] == "true"

    # Sign-in now uses the new address.
    pool.password_login(new_email)
    with raises_aws("NotAuthorizedException", "Incorrect username or password."):
        pool.password_login(email)

    # Other attributes, or the same e-mail again, send nothing.
    pool.idp.update_user_attributes(
        AccessToken=tokens["AccessToken"],
        UserAttributes=[{"Name": "email", "Value": new_email}, {"Name": "name", "Value": "Ada"}],
    )
    assert len(pool.mailbox(new_email)) == 1
    assert attrs_of(pool.idp, tokens["AccessToken"])["email_verified"] == "true"


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


def test_update_user_attributes_respects_the_clients_write_attributes(pool):
    # The pool needs the custom attribute to exist for the write to be meaningful.
    pool.idp.add_custom_attributes(
        UserPoolId=pool.id,
        CustomAttributes=[{"Name": "plan", "AttributeDataType": "String", "Mutable": True}],
    )
    client = pool.client(WriteAttributes=["email", "given_name", "family_name", "custom:bio"])
    email = pool.confirmed_user(client_id=client)
    token = pool.password_login(email, client_id=client)["AuthenticationResult"]["AccessToken"]

    with raises_aws("NotAuthorizedException", "A client attempted to write unauthorized attribute"):
        pool.idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "custom:plan", "Value": "pro"}])
    assert "custom:plan" not in attrs_of(pool.idp, token)

    pool.idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "given_name", "Value": "Ada"}])
    assert attrs_of(pool.idp, token)["given_name"] == "Ada"


def test_clients_without_write_attributes_may_write_anything(pool):
    email = pool.confirmed_user()
    token = pool.password_login(email)["AuthenticationResult"]["AccessToken"]
    pool.idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "given_name", "Value": "Ada"}])
    assert attrs_of(pool.idp, token)["given_name"] == "Ada"
