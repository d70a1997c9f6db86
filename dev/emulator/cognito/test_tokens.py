"""tokens.py (patches 4-6): token lifetimes, refresh-token expiry, RevokeToken, GlobalSignOut, DeleteUser."""

import time

from emulator import clock
from emulator.testing import claims, raises_aws


def refresh(pool, token, client_id=None):
    return pool.idp.initiate_auth(
        ClientId=client_id or pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": token}
    )


def test_default_lifetimes_are_one_hour(pool):
    email = pool.confirmed_user()
    result = pool.password_login(email)["AuthenticationResult"]
    assert result["ExpiresIn"] == 3600
    for token in (result["AccessToken"], result["IdToken"]):
        c = claims(token)
        assert c["exp"] - c["iat"] == 3600


def test_lifetimes_follow_the_app_client(pool):
    client = pool.client(
        AccessTokenValidity=5,
        IdTokenValidity=10,
        RefreshTokenValidity=2,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "hours"},
    )
    email = pool.confirmed_user()
    result = pool.password_login(email, client_id=client)["AuthenticationResult"]
    assert result["ExpiresIn"] == 300
    access, id_ = claims(result["AccessToken"]), claims(result["IdToken"])
    assert access["exp"] - access["iat"] == 300
    assert id_["exp"] - id_["iat"] == 600
    assert access["username"] == id_["sub"] and access["client_id"] == client

    again = refresh(pool, result["RefreshToken"], client)["AuthenticationResult"]
    assert again["ExpiresIn"] == 300 and "RefreshToken" not in again
    clock.advance(2 * 3600 + 1)
    with raises_aws("NotAuthorizedException", "Refresh Token has expired"):
        refresh(pool, result["RefreshToken"], client)


def test_units_default_to_hours_and_days(pool):
    client = pool.client(AccessTokenValidity=2, IdTokenValidity=3, RefreshTokenValidity=1)
    email = pool.confirmed_user()
    result = pool.password_login(email, client_id=client)["AuthenticationResult"]
    assert result["ExpiresIn"] == 7200
    c = claims(result["IdToken"])
    assert c["exp"] - c["iat"] == 3 * 3600
    clock.advance(86400 - 60)
    refresh(pool, result["RefreshToken"], client)
    clock.advance(120)
    with raises_aws("NotAuthorizedException", "Refresh Token has expired"):
        refresh(pool, result["RefreshToken"], client)


def test_refresh_token_expires_with_seconds_validity(pool):
    client = pool.client(
        AccessTokenValidity=1,
        IdTokenValidity=1,
        RefreshTokenValidity=2,
        TokenValidityUnits={"AccessToken": "seconds", "IdToken": "seconds", "RefreshToken": "seconds"},
    )
    email = pool.confirmed_user()
    result = pool.password_login(email, client_id=client)["AuthenticationResult"]
    assert result["ExpiresIn"] == 1
    refresh(pool, result["RefreshToken"], client)
    time.sleep(2.2)  # real time, no clock tricks
    with raises_aws("NotAuthorizedException", "Access Token has expired"):
        pool.idp.get_user(AccessToken=result["AccessToken"])
    with raises_aws("NotAuthorizedException", "Refresh Token has expired"):
        refresh(pool, result["RefreshToken"], client)


def test_access_token_expiry_is_checked(pool):
    email = pool.confirmed_user()
    result = pool.password_login(email)["AuthenticationResult"]
    pool.idp.get_user(AccessToken=result["AccessToken"])
    clock.advance(3601)
    with raises_aws("NotAuthorizedException", "Access Token has expired"):
        pool.idp.get_user(AccessToken=result["AccessToken"])
    with raises_aws("NotAuthorizedException", "Invalid Access Token"):
        pool.idp.get_user(AccessToken="not-a-token")


def test_revoke_token(pool):
    email = pool.confirmed_user()
    first = pool.password_login(email)["AuthenticationResult"]
    second = pool.password_login(email)["AuthenticationResult"]

    pool.idp.revoke_token(Token=first["RefreshToken"], ClientId=pool.client_id)
    with raises_aws("NotAuthorizedException", "Refresh Token has been revoked"):
        refresh(pool, first["RefreshToken"])
    with raises_aws("NotAuthorizedException", "Access Token has been revoked"):
        pool.idp.get_user(AccessToken=first["AccessToken"])

    # The other sign-in is untouched.
    pool.idp.get_user(AccessToken=second["AccessToken"])
    refresh(pool, second["RefreshToken"])

    # Unknown tokens and repeated revocation succeed, as in Cognito.
    pool.idp.revoke_token(Token="no-such-token", ClientId=pool.client_id)
    pool.idp.revoke_token(Token=first["RefreshToken"], ClientId=pool.client_id)
    with raises_aws("UnsupportedTokenTypeException"):
        pool.idp.revoke_token(Token=second["AccessToken"], ClientId=pool.client_id)
    with raises_aws("NotAuthorizedException", "Invalid Refresh Token"):
        refresh(pool, "no-such-token")


def test_global_sign_out(pool):
    email = pool.confirmed_user()
    result = pool.password_login(email)["AuthenticationResult"]
    pool.idp.global_sign_out(AccessToken=result["AccessToken"])
    with raises_aws("NotAuthorizedException", "Access Token has been revoked"):
        pool.idp.get_user(AccessToken=result["AccessToken"])
    with raises_aws("NotAuthorizedException", "Refresh Token has been revoked"):
        refresh(pool, result["RefreshToken"])
    # Signing in again works.
    fresh = pool.password_login(email)["AuthenticationResult"]
    pool.idp.get_user(AccessToken=fresh["AccessToken"])


def test_admin_refresh_checks_expiry(pool):
    email = pool.confirmed_user()
    result = pool.password_login(email)["AuthenticationResult"]
    args = dict(UserPoolId=pool.id, ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH")
    pool.idp.admin_initiate_auth(AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]}, **args)
    clock.advance(30 * 86400 + 1)
    with raises_aws("NotAuthorizedException", "Refresh Token has expired"):
        pool.idp.admin_initiate_auth(AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]}, **args)


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
