"""rotation.py (patch 19): the app client's RefreshTokenRotation, GetTokensFromRefreshToken with and
without rotation (grace period, original expiry, client secret, revocation), and REFRESH_TOKEN_AUTH
refused for a rotating client."""

import requests

from emulator import clock
from emulator.testing import PASSWORD, claims, raises_aws

# The flows a rotating client lists: Cognito says to take REFRESH_TOKEN_AUTH out of such a client.
FLOWS = ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
USE_GET_TOKENS = (
    "REFRESH_TOKEN_AUTH is not allowed for an app client with refresh token rotation enabled; use GetTokensFromRefreshToken"
)


def rotating_client(pool, grace=0, **settings):
    return pool.client(
        ExplicitAuthFlows=FLOWS, RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": grace}, **settings
    )


def sign_in(pool, client_id):
    email = pool.confirmed_user()
    return email, pool.password_login(email, client_id=client_id)["AuthenticationResult"]


def get_tokens(pool, client_id, token, **extra):
    return pool.idp.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=token, **extra)["AuthenticationResult"]


def refresh_token_auth(pool, client_id, token):
    params = {"REFRESH_TOKEN": token}
    resp = pool.idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=params)
    return resp["AuthenticationResult"]


def described(pool, client_id):
    return pool.idp.describe_user_pool_client(UserPoolId=pool.id, ClientId=client_id)["UserPoolClient"]


def live_sessions(pool, email):
    resp = requests.get(f"{pool.url}/_dev/sessions", params={"email": email}, timeout=5)
    resp.raise_for_status()
    return resp.json()["live_refresh_tokens"]


def test_describe_returns_the_setting(pool):
    created = pool.idp.create_user_pool_client(
        UserPoolId=pool.id, ClientName="rot", RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 30}
    )["UserPoolClient"]
    assert created["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 30}
    assert described(pool, created["ClientId"])["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 30}

    # Without the setting, Cognito describes rotation as DISABLED with no grace period.
    assert described(pool, pool.client_id)["RefreshTokenRotation"] == {"Feature": "DISABLED", "RetryGracePeriodSeconds": 0}
    assert described(pool, rotating_client(pool))["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}
    no_grace = pool.client(RefreshTokenRotation={"Feature": "ENABLED"})
    assert described(pool, no_grace)["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}

    # UpdateUserPoolClient sets it; an update that leaves it out turns rotation off, as in Cognito.
    updated = pool.idp.update_user_pool_client(
        UserPoolId=pool.id, ClientId=pool.client_id, RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 5}
    )["UserPoolClient"]
    assert updated["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 5}
    pool.idp.update_user_pool_client(UserPoolId=pool.id, ClientId=pool.client_id, ExplicitAuthFlows=FLOWS)
    assert described(pool, pool.client_id)["RefreshTokenRotation"] == {"Feature": "DISABLED", "RetryGracePeriodSeconds": 0}

    too_long = (
        "1 validation error detected: Value '61' at 'refreshTokenRotation.retryGracePeriodSeconds' failed to satisfy "
        "constraint: Member must have value less than or equal to 60"
    )
    with raises_aws("InvalidParameterException", too_long):
        pool.client(RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 61})
    with raises_aws("InvalidParameterException"):
        pool.client(RefreshTokenRotation={"Feature": "SOMETIMES"})
    with raises_aws("InvalidParameterException", too_long):
        pool.idp.update_user_pool_client(
            UserPoolId=pool.id,
            ClientId=pool.client_id,
            RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 61},
        )
    assert described(pool, pool.client_id)["RefreshTokenRotation"]["Feature"] == "DISABLED"


def test_rotation_returns_a_new_refresh_token(pool):
    client = rotating_client(pool, AccessTokenValidity=5, TokenValidityUnits={"AccessToken": "minutes"})
    email, signed_in = sign_in(pool, client)
    first = signed_in["RefreshToken"]

    result = get_tokens(pool, client, first)
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 300
    second = result["RefreshToken"]
    assert second != first
    assert pool.idp.get_user(AccessToken=result["AccessToken"])["Username"] == claims(signed_in["AccessToken"])["username"]
    access, id_ = claims(result["AccessToken"]), claims(result["IdToken"])
    assert access["client_id"] == client and id_["email"] == email
    # The same sign-in continues: the new tokens belong to the session of the first ones.
    assert access["origin_jti"] == claims(signed_in["AccessToken"])["origin_jti"]

    # The new refresh token works and rotates in turn; the session still counts one refresh token.
    third = get_tokens(pool, client, second)["RefreshToken"]
    assert third not in (first, second)
    assert live_sessions(pool, email) == 1


def test_old_token_works_within_the_grace_period_then_is_refused(pool):
    client = rotating_client(pool, grace=30)
    _, signed_in = sign_in(pool, client)
    old = signed_in["RefreshToken"]

    tab_a = get_tokens(pool, client, old)
    new = tab_a["RefreshToken"]
    # A second tab (or a retry whose answer was lost) sends the old token within the grace period:
    # new access/id tokens, and the same new refresh token, not a second one.
    clock.advance(29)
    tab_b = get_tokens(pool, client, old)
    assert tab_b["RefreshToken"] == new
    assert tab_b["AccessToken"] != tab_a["AccessToken"]
    pool.idp.get_user(AccessToken=tab_b["AccessToken"])

    clock.advance(2)
    with raises_aws("RefreshTokenReuseException"):
        get_tokens(pool, client, old)
    # The new one still works (and rotates).
    assert get_tokens(pool, client, new)["RefreshToken"] != new


def test_without_grace_period_the_old_token_is_refused_at_once(pool):
    client = rotating_client(pool, grace=0)
    _, signed_in = sign_in(pool, client)
    new = get_tokens(pool, client, signed_in["RefreshToken"])["RefreshToken"]
    with raises_aws("RefreshTokenReuseException"):
        get_tokens(pool, client, signed_in["RefreshToken"])
    get_tokens(pool, client, new)


def test_rotated_tokens_keep_the_original_expiry(pool):
    client = rotating_client(pool, RefreshTokenValidity=1, TokenValidityUnits={"RefreshToken": "hours"})
    _, signed_in = sign_in(pool, client)
    clock.advance(40 * 60)
    second = get_tokens(pool, client, signed_in["RefreshToken"])["RefreshToken"]
    clock.advance(19 * 60)
    third = get_tokens(pool, client, second)["RefreshToken"]
    clock.advance(61)  # one hour after the sign-in, not after the rotation
    with raises_aws("NotAuthorizedException", "Refresh Token has expired"):
        get_tokens(pool, client, third)


def test_without_rotation_no_new_refresh_token(pool):
    _, signed_in = sign_in(pool, pool.client_id)
    token = signed_in["RefreshToken"]
    result = get_tokens(pool, pool.client_id, token)
    assert "RefreshToken" not in result
    pool.idp.get_user(AccessToken=result["AccessToken"])
    # The same token keeps working, with either operation.
    get_tokens(pool, pool.client_id, token)
    assert "RefreshToken" not in refresh_token_auth(pool, pool.client_id, token)


def test_refresh_token_auth_refused_when_rotation_is_on(pool):
    client = rotating_client(pool)
    _, signed_in = sign_in(pool, client)
    token = signed_in["RefreshToken"]
    with raises_aws("NotAuthorizedException", USE_GET_TOKENS):
        refresh_token_auth(pool, client, token)
    with raises_aws("NotAuthorizedException", USE_GET_TOKENS):
        pool.idp.admin_initiate_auth(
            UserPoolId=pool.id, ClientId=client, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": token}
        )
    # Refused before the token is looked at.
    with raises_aws("NotAuthorizedException", USE_GET_TOKENS):
        refresh_token_auth(pool, client, "no-such-token")

    # Rotation turned off again: REFRESH_TOKEN_AUTH works (the token was never rotated).
    pool.idp.update_user_pool_client(
        UserPoolId=pool.id,
        ClientId=client,
        ExplicitAuthFlows=FLOWS + ["ALLOW_REFRESH_TOKEN_AUTH"],
        RefreshTokenRotation={"Feature": "DISABLED"},
    )
    refresh_token_auth(pool, client, token)


def test_client_secret_is_checked(pool):
    client = rotating_client(pool, GenerateSecret=True)
    secret = described(pool, client)["ClientSecret"]
    email = pool.confirmed_user()
    hashed = pool.idp.admin_initiate_auth(  # Admin* calls need no SECRET_HASH
        UserPoolId=pool.id,
        ClientId=client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    token = hashed["RefreshToken"]

    with raises_aws("NotAuthorizedException", f"Client {client} is configured with secret but ClientSecret was not received"):
        get_tokens(pool, client, token)
    with raises_aws("NotAuthorizedException", f"Unable to verify client secret for client {client}"):
        get_tokens(pool, client, token, ClientSecret=secret + "x")
    # Refusals rotate nothing: the token still works with the right secret.
    new = get_tokens(pool, client, token, ClientSecret=secret)["RefreshToken"]
    get_tokens(pool, client, new, ClientSecret=secret)


def test_unknown_and_foreign_tokens(pool):
    client = rotating_client(pool)
    _, signed_in = sign_in(pool, client)
    with raises_aws("NotAuthorizedException", "Invalid Refresh Token"):
        get_tokens(pool, client, "no-such-token")
    # A refresh token works only with the client it was issued to.
    with raises_aws("NotAuthorizedException", "Invalid Refresh Token"):
        get_tokens(pool, pool.client_id, signed_in["RefreshToken"])
    with raises_aws("ResourceNotFoundException"):
        get_tokens(pool, "nosuchclient", signed_in["RefreshToken"])
    get_tokens(pool, client, signed_in["RefreshToken"])
    # Rotated out, it still belongs to its client only.
    with raises_aws("NotAuthorizedException", "Invalid Refresh Token"):
        get_tokens(pool, pool.client_id, signed_in["RefreshToken"])


def test_revoke_token_ends_the_rotated_session(pool):
    client = rotating_client(pool, grace=60)
    email, signed_in = sign_in(pool, client)
    old = signed_in["RefreshToken"]
    rotated = get_tokens(pool, client, old)
    new = rotated["RefreshToken"]

    pool.idp.revoke_token(Token=new, ClientId=client)
    with raises_aws("NotAuthorizedException", "Refresh Token has been revoked"):
        get_tokens(pool, client, new)
    # The old token, still in its grace period, no longer brings the session back.
    with raises_aws("NotAuthorizedException", "Refresh Token has been revoked"):
        get_tokens(pool, client, old)
    # Every access token of the sign-in is revoked, the first one included.
    for access in (signed_in["AccessToken"], rotated["AccessToken"]):
        with raises_aws("NotAuthorizedException", "Access Token has been revoked"):
            pool.idp.get_user(AccessToken=access)
    assert live_sessions(pool, email) == 0


def test_revoking_the_old_token_ends_its_grace_period_only(pool):
    client = rotating_client(pool, grace=60)
    _, signed_in = sign_in(pool, client)
    old = signed_in["RefreshToken"]
    new = get_tokens(pool, client, old)["RefreshToken"]
    pool.idp.revoke_token(Token=old, ClientId=client)
    with raises_aws("NotAuthorizedException", "Refresh Token has been revoked"):
        get_tokens(pool, client, old)
    get_tokens(pool, client, new)


def test_global_sign_out_ends_rotated_tokens(pool):
    client = rotating_client(pool, grace=60)
    email, signed_in = sign_in(pool, client)
    old = signed_in["RefreshToken"]
    rotated = get_tokens(pool, client, old)
    pool.idp.global_sign_out(AccessToken=rotated["AccessToken"])
    for token in (rotated["RefreshToken"], old):
        with raises_aws("NotAuthorizedException", "Refresh Token has been revoked"):
            get_tokens(pool, client, token)
    assert live_sessions(pool, email) == 0

    # AdminUserGlobalSignOut too.
    again = pool.password_login(email, client_id=client)["AuthenticationResult"]
    newer = get_tokens(pool, client, again["RefreshToken"])["RefreshToken"]
    pool.idp.admin_user_global_sign_out(UserPoolId=pool.id, Username=email)
    with raises_aws("NotAuthorizedException", "Refresh Token has been revoked"):
        get_tokens(pool, client, newer)
    assert live_sessions(pool, email) == 0


def test_deleted_user_cannot_refresh(pool):
    client = rotating_client(pool, grace=60)
    email, signed_in = sign_in(pool, client)
    old = signed_in["RefreshToken"]
    new = get_tokens(pool, client, old)["RefreshToken"]
    pool.idp.admin_delete_user(UserPoolId=pool.id, Username=email)
    for token in (new, old):
        with raises_aws("NotAuthorizedException"):
            get_tokens(pool, client, token)
