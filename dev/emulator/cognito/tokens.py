"""Tokens and sign-out (patches 4, 5, 6): lifetimes from the app client, tokens filed under moto's
internal user name (so they survive an e-mail change), the id token's claims, refresh-token expiry
and revocation, RevokeToken, GlobalSignOut and DeleteUser.
"""

from __future__ import annotations

import hmac
from typing import Any
from collections.abc import Callable

from moto.cognitoidp import models as m
from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
)
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult

from .. import clock
from .common import (
    _LOCK,
    Pool,
    Resp,
    _backends,
    _find_by_access_token,
    _find_client,
    _install_operations,
    _jwt_claims,
    _pstate,
    _readable,
)
from .secret_hash import CLIENT_SECRET_MISSING, CLIENT_SECRET_WRONG

UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
INVALID_REFRESH_TOKEN = "Invalid Refresh Token"
REVOKED_REFRESH_TOKEN = "Refresh Token has been revoked"


def live_refresh_tokens(email: str) -> int:
    """How many refresh tokens of the user with this e-mail are not revoked (for /_dev/sessions)."""
    count = 0
    with _LOCK:
        for backend in _backends():
            for pool in list(backend.user_pools.values()):
                for user in list(pool.users.values()):
                    if str(user.attribute_lookup.get("email", "")).lower() != email:
                        continue
                    count += sum(1 for entry in pool.refresh_tokens.values() if entry is not None and entry[1] == user.username)
    return count


def _canonical(pool: m.CognitoIdpUserPool, username: str) -> str:
    """moto's internal user name for whatever the caller signed in with (e-mail, alias or name)."""
    user = pool._get_user(username) if username else None
    return user.username if user else username


def _validity_seconds(client: m.CognitoIdpUserPoolClient | None, kind: str) -> int:
    """Lifetime of an "AccessToken" | "IdToken" | "RefreshToken" from the app client's settings.

    Cognito's units default to hours (access, id) and days (refresh); values below Cognito's
    minimums are allowed on purpose so tests can use seconds."""
    config = client.extended_config if client else {}
    value = config.get(f"{kind}Validity")
    if value is None:
        return 30 * 86400 if kind == "RefreshToken" else 3600
    unit = (config.get("TokenValidityUnits") or {}).get(kind) or ("days" if kind == "RefreshToken" else "hours")
    return int(value) * UNIT_SECONDS[unit]


def _check_refresh_token(pool: m.CognitoIdpUserPool, token: str | None) -> None:
    """moto never expires refresh tokens, answers an unknown one "has been revoked" (or a 500 on
    the admin path) and crashes when the user is gone."""
    if not token or token not in pool.refresh_tokens:
        raise NotAuthorizedError(INVALID_REFRESH_TOKEN)
    entry = pool.refresh_tokens[token]
    if entry is None:
        raise NotAuthorizedError(REVOKED_REFRESH_TOKEN)
    expires_at = _pstate(pool).refresh_expires_at.get(token)
    if expires_at is not None and clock.now() >= expires_at:
        raise NotAuthorizedError("Refresh Token has expired")
    if pool._get_user(entry[1]) is None:
        raise NotAuthorizedError("User does not exist.")


# --------------------------------------------------------------------------------------------
# Patches on the user pool (tokens)
# --------------------------------------------------------------------------------------------
_orig_create_refresh_token = Pool.create_refresh_token
_orig_create_access_token = Pool.create_access_token
_orig_create_jwt = Pool.create_jwt
_orig_sign_out = Pool.sign_out


# moto files tokens under the name the user signed in with (the e-mail), and looks the user up by
# it on every later call: after an e-mail change every token breaks. Filing them under moto's
# internal user name (the sub in e-mail-as-username pools, which never changes) fixes that.
# The refresh token also records when it expires (RefreshTokenValidity of the client).
def _create_refresh_token(self: Pool, client_id: str, username: str) -> tuple[str, str]:
    token, origin_jti = _orig_create_refresh_token(self, client_id, _canonical(self, username))
    expires_in = _validity_seconds(self.clients.get(client_id), "RefreshToken")
    _pstate(self).refresh_expires_at[token] = clock.now() + expires_in
    return token, origin_jti


def _create_access_token(self: Pool, client_id: str, username: str, origin_jti: str) -> tuple[str, int]:
    return _orig_create_access_token(self, client_id, _canonical(self, username), origin_jti)


# moto's create_id_token puts every `custom:*` attribute of the user into the id token, whatever
# the app client's ReadAttributes say (and adds the ReadAttributes it finds on top). Cognito's id
# token carries only what the client may read, so here a custom attribute goes in only when
# `_readable` by that client (all of them when it has no ReadAttributes). The rest is moto's code
# unchanged: the ReadAttributes claims, origin_jti, cognito:groups; `email`/`email_verified` come
# from `_create_jwt` below.
def _create_id_token(self: Pool, client_id: str, username: str, origin_jti: str) -> tuple[str, int]:
    username = _canonical(self, username)
    client = self.clients.get(client_id)
    extra_data = self.get_user_extra_data_by_client_id(client_id, username)
    extra_data["origin_jti"] = origin_jti
    user = self._get_user(username)
    for attr in user.attributes:
        if attr["Name"].startswith("custom:") and _readable(client, attr["Name"]):
            extra_data[attr["Name"]] = attr["Value"]
    if len(user.groups) > 0:
        extra_data["cognito:groups"] = [group.group_name for group in user.groups]
    id_token, expires_in = self.create_jwt(client_id, username, "id", extra_data=extra_data)
    self.id_tokens[id_token] = (client_id, username)
    return id_token, expires_in


# moto signs every token for 3600 s. Here `exp` and ExpiresIn follow the app client's
# Access/IdTokenValidity and TokenValidityUnits. The id token's `email` claim is the user's current
# e-mail (moto writes the sign-in name there) and `email_verified` is added as a boolean, as in Cognito.
def _create_jwt(
    self: Pool,
    client_id: str,
    username: str,
    token_use: str,
    expires_in: int | None = None,
    extra_data: dict[str, Any] | None = None,
) -> tuple[str, int]:
    if expires_in is None:
        kind = "AccessToken" if token_use == "access" else "IdToken"
        expires_in = _validity_seconds(self.clients.get(client_id), kind)
    if token_use == "id":
        user = self._get_user(username)
        extra_data = dict(extra_data or {})
        if user is not None and "email" in user.attribute_lookup:
            extra_data["email"] = user.attribute_lookup["email"]
        if user is not None and "email_verified" in user.attribute_lookup:
            extra_data["email_verified"] = str(user.attribute_lookup["email_verified"]).lower() == "true"
    return _orig_create_jwt(self, client_id, username, token_use, expires_in, extra_data)


# Sign-out compares stored names with the given one, so it needs the same internal name; the
# access tokens it drops are remembered to answer "Access Token has been revoked" later.
def _sign_out(self: Pool, username: str) -> None:
    username = _canonical(self, username)
    revoked = [t for t, (_, name) in self.access_tokens.items() if name == username]
    _pstate(self).revoked_access_tokens.update(revoked)
    _orig_sign_out(self, username)


# --------------------------------------------------------------------------------------------
# Patches on the HTTP operations (CognitoIdpResponse methods)
# --------------------------------------------------------------------------------------------


# RevokeToken (moto: not implemented): revokes the refresh token and the access/id tokens issued
# from it (with rotation, rotation.py: from every refresh token of that sign-in, which share its
# origin_jti). A token already rotated out only loses the rest of its grace period. An unknown
# token succeeds, as in Cognito. A client with a secret must send it as
# ClientSecret; missing or wrong -> UnauthorizedException (the error the API declares for an
# unauthorized request; the message is the emulator's).
def revoke_token(self: Resp) -> ActionResult:
    token = self._get_param("Token")
    client_id = self._get_param("ClientId")
    try:
        _, _, client = _find_client(client_id)
    except ResourceNotFoundError:
        client = None
    if client is not None and client.generate_secret:
        given = self._get_param("ClientSecret")
        if not given:
            raise JsonRESTError("UnauthorizedException", CLIENT_SECRET_MISSING.format(client.id))
        if not hmac.compare_digest(str(given), client.secret):
            raise JsonRESTError("UnauthorizedException", CLIENT_SECRET_WRONG.format(client.id))
    for backend in _backends():
        for pool in list(backend.user_pools.values()):
            if token in pool.access_tokens or token in pool.id_tokens:
                raise JsonRESTError("UnsupportedTokenTypeException", "Only refresh tokens can be revoked")
            if token not in pool.refresh_tokens:
                continue
            entry = pool.refresh_tokens[token]
            if entry is None:
                _pstate(pool).rotated.pop(token, None)
                return EmptyResult()
            token_client_id, _, origin_jti = entry
            if token_client_id != client_id:
                raise InvalidParameterException("The token was not issued to this client")
            pool.refresh_tokens[token] = None
            for issued in (pool.access_tokens, pool.id_tokens):
                for jwt in [t for t in issued if _jwt_claims(t).get("origin_jti") == origin_jti]:
                    issued.pop(jwt)
                    _pstate(pool).revoked_access_tokens.add(jwt)
            return EmptyResult()
    return EmptyResult()


# DeleteUser (moto: not implemented): deletes the caller and invalidates their tokens.
def delete_user(self: Resp) -> ActionResult:
    backend, pool, user = _find_by_access_token(self._get_param("AccessToken"))
    pool.sign_out(user.username)
    backend.admin_delete_user(pool.id, user.username)
    return EmptyResult()


# GlobalSignOut (replaces moto's, which only looks in the backend of the request's signing region):
# same effect, found by the token in any region.
def global_sign_out(self: Resp) -> ActionResult:
    _, pool, user = _find_by_access_token(self._get_param("AccessToken"))
    pool.sign_out(user.username)
    return EmptyResult()


OPERATIONS: dict[str, Callable] = {
    "revoke_token": revoke_token,
    "delete_user": delete_user,
    "global_sign_out": global_sign_out,
}


def apply() -> None:
    """Install this area's patches; only through `emulator.patches.apply()`, which runs once."""
    Pool.create_refresh_token = _create_refresh_token
    Pool.create_access_token = _create_access_token
    Pool.create_id_token = _create_id_token
    Pool.create_jwt = _create_jwt
    Pool.sign_out = _sign_out
    _install_operations(OPERATIONS)
