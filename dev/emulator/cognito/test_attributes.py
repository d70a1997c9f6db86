"""attributes.py (patches 7, 13): e-mail verification and change, with and without
AttributesRequireVerificationBeforeUpdate (a changed e-mail waits for its code), and the app
client's WriteAttributes and ReadAttributes (what UpdateUserAttributes may write, what the id token
and GetUser show)."""

import uuid

import pytest

from emulator.testing import Pool, claims, raises_aws

MISMATCH = "Invalid verification code provided, please try again."
EXPIRED = "Invalid code provided, please request a code again."
INCORRECT = "Incorrect username or password."
HOLD_EMAIL = {"AttributesRequireVerificationBeforeUpdate": ["email"]}


# --------------------------------------------------------------------------------------------
# With AttributesRequireVerificationBeforeUpdate: a changed e-mail waits for its code
# --------------------------------------------------------------------------------------------


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
    """Both pool modes: the same change in a pool without the setting (see also
    test_email_change_sends_a_code_to_the_new_address)."""
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


# --------------------------------------------------------------------------------------------
# Without AttributesRequireVerificationBeforeUpdate: verification, an immediate e-mail change
# --------------------------------------------------------------------------------------------


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
    assert resp["CodeDeliveryDetailsList"] == [{"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}]
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


# --------------------------------------------------------------------------------------------
# WriteAttributes
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# ReadAttributes: the id token and GetUser
# --------------------------------------------------------------------------------------------


def with_custom_attributes(pool):
    pool.idp.add_custom_attributes(
        UserPoolId=pool.id,
        CustomAttributes=[
            {"Name": "bio", "AttributeDataType": "String", "Mutable": True},
            {"Name": "plan", "AttributeDataType": "String", "Mutable": True},
        ],
    )
    return pool


def user_with_bio(pool, client_id):
    """A confirmed user with custom:bio, custom:plan and given_name, set by an admin."""
    email = pool.confirmed_user(client_id=client_id)
    pool.idp.admin_update_user_attributes(
        UserPoolId=pool.id,
        Username=email,
        UserAttributes=[
            {"Name": "custom:bio", "Value": "Counts things."},
            {"Name": "custom:plan", "Value": "pro"},
            {"Name": "given_name", "Value": "Ada"},
        ],
    )
    return email


def get_user_attributes(pool, access_token):
    return {a["Name"]: a["Value"] for a in pool.idp.get_user(AccessToken=access_token)["UserAttributes"]}


def refreshed_id_token(pool, client_id, refresh_token):
    return pool.idp.initiate_auth(
        ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
    )["AuthenticationResult"]["IdToken"]


def test_id_token_leaves_out_custom_attributes_the_client_cannot_read(pool):
    with_custom_attributes(pool)
    client = pool.client(ReadAttributes=["email", "email_verified", "given_name", "custom:plan"])
    email = user_with_bio(pool, client)
    tokens = pool.password_login(email, client_id=client)["AuthenticationResult"]

    for id_token in (tokens["IdToken"], refreshed_id_token(pool, client, tokens["RefreshToken"])):
        c = claims(id_token)
        assert "custom:bio" not in c
        assert c["custom:plan"] == "pro" and c["given_name"] == "Ada"
        # What the id token had before is still there.
        assert c["email"] == email and c["email_verified"] is True
        assert c["sub"] == c["cognito:username"] and c["aud"] == client and c["origin_jti"]


def test_get_user_leaves_out_attributes_the_client_cannot_read(pool):
    with_custom_attributes(pool)
    client = pool.client(ReadAttributes=["email", "email_verified", "given_name", "custom:plan"])
    email = user_with_bio(pool, client)
    access = pool.password_login(email, client_id=client)["AuthenticationResult"]["AccessToken"]

    attrs = get_user_attributes(pool, access)
    assert "custom:bio" not in attrs
    # `sub` is always readable; the listed attributes are there.
    assert set(attrs) == {"sub", "email", "email_verified", "given_name", "custom:plan"}
    assert attrs["custom:plan"] == "pro" and attrs["email"] == email


def test_readable_custom_attribute_is_in_id_token_and_get_user(pool):
    with_custom_attributes(pool)
    client = pool.client(ReadAttributes=["email", "email_verified", "custom:bio"])
    email = user_with_bio(pool, client)
    tokens = pool.password_login(email, client_id=client)["AuthenticationResult"]

    c = claims(tokens["IdToken"])
    assert c["custom:bio"] == "Counts things."
    assert "custom:plan" not in c and "given_name" not in c
    attrs = get_user_attributes(pool, tokens["AccessToken"])
    assert attrs["custom:bio"] == "Counts things."
    assert set(attrs) == {"sub", "email", "email_verified", "custom:bio"}


def test_client_without_read_attributes_reads_everything(pool):
    with_custom_attributes(pool)
    email = user_with_bio(pool, pool.client_id)  # the fixture's client lists no ReadAttributes
    tokens = pool.password_login(email)["AuthenticationResult"]

    c = claims(tokens["IdToken"])
    assert c["custom:bio"] == "Counts things." and c["custom:plan"] == "pro"
    assert c["email"] == email and c["email_verified"] is True
    assert get_user_attributes(pool, tokens["AccessToken"]) == pool.attributes(email)


def test_admin_sets_an_attribute_the_client_can_neither_read_nor_write(pool):
    with_custom_attributes(pool)
    web = pool.client(ReadAttributes=["email", "email_verified"], WriteAttributes=["email"])
    email = pool.confirmed_user(client_id=web)
    access = pool.password_login(email, client_id=web)["AuthenticationResult"]["AccessToken"]
    with raises_aws("NotAuthorizedException", "A client attempted to write unauthorized attribute"):
        pool.idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "custom:bio", "Value": "x"}])

    # Admin credentials are not limited by the client's lists.
    pool.idp.admin_update_user_attributes(
        UserPoolId=pool.id, Username=email, UserAttributes=[{"Name": "custom:bio", "Value": "Set by an admin."}]
    )
    assert pool.attributes(email)["custom:bio"] == "Set by an admin."

    # The web client sees it neither in a fresh id token nor through GetUser.
    fresh = pool.password_login(email, client_id=web)["AuthenticationResult"]
    assert "custom:bio" not in claims(fresh["IdToken"])
    for token in (access, fresh["AccessToken"]):
        assert set(get_user_attributes(pool, token)) == {"sub", "email", "email_verified"}
