"""Patch 7 with AttributesRequireVerificationBeforeUpdate: a changed e-mail waits for its code."""

import uuid

import pytest
from conftest import Pool
from helpers import claims, raises_aws

MISMATCH = "Invalid verification code provided, please try again."
INCORRECT = "Incorrect username or password."
HOLD_EMAIL = {"AttributesRequireVerificationBeforeUpdate": ["email"]}


def update_pool(pool, **settings):
    """UpdateUserPool with the test pool's settings (it resets the ones it is not given) plus `settings`."""
    pool.idp.update_user_pool(
        UserPoolId=pool.id,
        AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": Pool.DEFAULT_PASSWORD_POLICY},
        MfaConfiguration="OPTIONAL",
        **settings,
    )


@pytest.fixture(params=["CreateUserPool", "UpdateUserPool"])
def held(request, idp, url):
    """A pool that holds e-mail changes back until verified, the setting given by either call."""
    if request.param == "CreateUserPool":
        return Pool(idp, url, UserAttributeUpdateSettings=HOLD_EMAIL)
    pool = Pool(idp, url)
    update_pool(pool, UserAttributeUpdateSettings=HOLD_EMAIL)
    return pool


def new_address():
    return f"new-{uuid.uuid4().hex[:8]}@example.net"


def attrs_of(idp, access_token):
    return {a["Name"]: a["Value"] for a in idp.get_user(AccessToken=access_token)["UserAttributes"]}


def refreshed_id_claims(pool, refresh_token):
    result = pool.idp.initiate_auth(
        ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
    )["AuthenticationResult"]
    return claims(result["IdToken"])


def change_email(pool, token, address, **more):
    attributes = [{"Name": "email", "Value": address}] + [{"Name": k, "Value": v} for k, v in more.items()]
    return pool.idp.update_user_attributes(AccessToken=token, UserAttributes=attributes)


def test_describe_user_pool_round_trips_the_setting(idp, url):
    pool = Pool(idp, url, UserAttributeUpdateSettings=HOLD_EMAIL)
    email = pool.confirmed_user()
    described = idp.describe_user_pool(UserPoolId=pool.id)["UserPool"]
    assert described["UserAttributeUpdateSettings"] == HOLD_EMAIL

    # UpdateUserPool without it turns it off (Cognito resets what the call leaves out) ...
    update_pool(pool)
    described = idp.describe_user_pool(UserPoolId=pool.id)["UserPool"]
    assert "UserAttributeUpdateSettings" not in described
    # ... but keeps what UpdateUserPool cannot change (moto dropped UsernameAttributes): the e-mail
    # still signs in.
    assert described["UsernameAttributes"] == ["email"]
    pool.password_login(email)

    update_pool(pool, UserAttributeUpdateSettings=HOLD_EMAIL)
    described = idp.describe_user_pool(UserPoolId=pool.id)["UserPool"]
    assert described["UserAttributeUpdateSettings"] == HOLD_EMAIL
    assert described["UsernameAttributes"] == ["email"]


def test_the_old_address_stays_until_the_new_one_is_verified(held):
    email = held.confirmed_user()
    tokens = held.password_login(email)["AuthenticationResult"]
    token = tokens["AccessToken"]
    new_email = new_address()

    resp = change_email(held, token, new_email, given_name="Ada")
    assert resp["CodeDeliveryDetailsList"] == [{"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}]
    mails = held.mailbox(new_email)
    assert [(m["purpose"], m["to"]) for m in mails] == [("verify-email", new_email)]
    assert [m["purpose"] for m in held.mailbox(email)] == ["sign-up"]

    # Nothing about the e-mail changed yet; the other attribute did.
    attrs = attrs_of(held.idp, token)
    assert (attrs["email"], attrs["email_verified"], attrs["given_name"]) == (email, "true", "Ada")
    assert held.attributes(email)["email"] == email
    id_claims = refreshed_id_claims(held, tokens["RefreshToken"])
    assert id_claims["email"] == email and id_claims["email_verified"] is True
    held.password_login(email)
    with raises_aws("NotAuthorizedException", INCORRECT):
        held.password_login(new_email)

    # A wrong code changes nothing.
    wrong = f"{(int(mails[0]['code']) + 1) % 1_000_000:06d}"
    with raises_aws("CodeMismatchException", MISMATCH):
        held.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=wrong)
    attrs = attrs_of(held.idp, token)
    assert (attrs["email"], attrs["email_verified"]) == (email, "true")

    # The right one swaps the addresses.
    held.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=mails[0]["code"])
    attrs = attrs_of(held.idp, token)
    assert (attrs["email"], attrs["email_verified"]) == (new_email, "true")
    assert held.attributes(new_email)["email"] == new_email
    id_claims = refreshed_id_claims(held, tokens["RefreshToken"])
    assert id_claims["email"] == new_email and id_claims["email_verified"] is True
    held.password_login(new_email)
    with raises_aws("NotAuthorizedException", INCORRECT):
        held.password_login(email)

    # Nothing is pending any more: a new code goes to the (new) current address.
    resp = held.idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    assert resp["CodeDeliveryDetails"]["Destination"] == "n***@e***"
    assert [m["purpose"] for m in held.mailbox(new_email)] == ["verify-email", "verify-email"]
    held.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=held.last_code(new_email))
    assert attrs_of(held.idp, token)["email"] == new_email


def test_a_second_change_replaces_the_pending_address(held):
    email = held.confirmed_user()
    token = held.password_login(email)["AuthenticationResult"]["AccessToken"]
    first, second = new_address(), new_address()
    change_email(held, token, first)
    first_code = held.last_code(first, "verify-email")
    change_email(held, token, second)
    assert [m["purpose"] for m in held.mailbox(second)] == ["verify-email"]

    with raises_aws("CodeMismatchException", MISMATCH):
        held.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=first_code)
    assert attrs_of(held.idp, token)["email"] == email

    held.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=held.last_code(second))
    assert attrs_of(held.idp, token)["email"] == second
    held.password_login(second)
    for gone in (email, first):
        with raises_aws("NotAuthorizedException", INCORRECT):
            held.password_login(gone)


def test_a_new_code_while_pending_goes_to_the_new_address(held):
    email = held.confirmed_user()
    token = held.password_login(email)["AuthenticationResult"]["AccessToken"]
    new_email = new_address()
    change_email(held, token, new_email)
    old_code = held.last_code(new_email)

    resp = held.idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    assert resp["CodeDeliveryDetails"]["Destination"] == "n***@e***"
    assert [m["purpose"] for m in held.mailbox(new_email)] == ["verify-email", "verify-email"]
    assert [m["purpose"] for m in held.mailbox(email)] == ["sign-up"]
    new_code = held.last_code(new_email)

    if new_code != old_code:  # 1 in a million they are equal
        with raises_aws("CodeMismatchException", MISMATCH):
            held.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=old_code)
    held.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=new_code)
    assert attrs_of(held.idp, token)["email"] == new_email


def test_changing_back_to_the_current_address_drops_the_pending_one(held):
    email = held.confirmed_user()
    token = held.password_login(email)["AuthenticationResult"]["AccessToken"]
    new_email = new_address()
    change_email(held, token, new_email)
    code = held.last_code(new_email)

    resp = change_email(held, token, email)
    assert "CodeDeliveryDetailsList" not in resp
    with raises_aws("CodeMismatchException", MISMATCH):
        held.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=code)
    attrs = attrs_of(held.idp, token)
    assert (attrs["email"], attrs["email_verified"]) == (email, "true")
    held.idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    assert [m["purpose"] for m in held.mailbox(email)] == ["sign-up", "verify-email"]


def test_an_address_of_another_user_is_refused(held):
    email = held.confirmed_user()
    other = held.confirmed_user()
    token = held.password_login(email)["AuthenticationResult"]["AccessToken"]

    with raises_aws("AliasExistsException", "An account with the given email already exists."):
        change_email(held, token, other)
    assert [m["purpose"] for m in held.mailbox(other)] == ["sign-up"]
    assert attrs_of(held.idp, token)["email"] == email

    # Taken while the change was pending: refused when verified, and the change stays pending.
    new_email = new_address()
    change_email(held, token, new_email)
    code = held.last_code(new_email)
    held.sign_up(new_email)
    with raises_aws("AliasExistsException"):
        held.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=code)
    assert attrs_of(held.idp, token)["email"] == email


def test_without_the_setting_the_change_is_immediate(pool):
    """Both pool modes: the same change in a pool without the setting (see also test_account.py)."""
    email = pool.confirmed_user()
    token = pool.password_login(email)["AuthenticationResult"]["AccessToken"]
    new_email = new_address()
    resp = change_email(pool, token, new_email)
    assert resp["CodeDeliveryDetailsList"][0]["Destination"] == "n***@e***"
    attrs = attrs_of(pool.idp, token)
    assert (attrs["email"], attrs["email_verified"]) == (new_email, "false")
    pool.password_login(new_email)
    with raises_aws("NotAuthorizedException", INCORRECT):
        pool.password_login(email)
    pool.idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=pool.last_code(new_email))
    assert attrs_of(pool.idp, token)["email_verified"] == "true"
