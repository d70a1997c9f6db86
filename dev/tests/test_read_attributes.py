"""Patch 13: the app client's ReadAttributes decide what the id token and GetUser show."""

from helpers import claims, raises_aws


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
