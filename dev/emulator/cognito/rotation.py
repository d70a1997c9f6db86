"""Refresh-token rotation (patch 19): the app client's `RefreshTokenRotation` setting,
GetTokensFromRefreshToken, and the refusal of REFRESH_TOKEN_AUTH for a rotating client (sign_in.py
asks `refuse_refresh_token_auth`). moto stores the setting unchecked and lacks the operation.

With rotation ENABLED, every GetTokensFromRefreshToken answers a new refresh token that continues the
same sign-in: same user, client and `origin_jti` (so RevokeToken, GlobalSignOut and
AdminUserGlobalSignOut end it with the rest of the session), and the expiry of the sign-in's first
refresh token, as in Cognito (rotation does not extend a session). The token sent in is rotated out
(`pool.refresh_tokens[old] = None`, so /_dev/sessions counts one token per session) and stays usable
for the client's RetryGracePeriodSeconds (`_PoolState.rotated`): a retry or a second tab sending it
again gets new access/id tokens and the session's current refresh token (the one the first call
answered, unless that has been rotated since), not yet another one, so the session never forks.
After the grace period the old token gets `RefreshTokenReuseException`, the error Cognito's API
declares for "a refresh token that has been invalidated by refresh-token rotation".
"""

from __future__ import annotations

import hmac
import uuid
from typing import Any
from collections.abc import Callable

from moto.cognitoidp import models as m
from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult

from .. import clock
from .common import Backend, Resp, _find_client, _install_operations, _pstate, _Rotated
from .secret_hash import CLIENT_SECRET_MISSING, CLIENT_SECRET_WRONG
from .tokens import INVALID_REFRESH_TOKEN, _check_refresh_token, _validity_seconds

SETTING = "RefreshTokenRotation"
DEFAULT_SETTING = {"Feature": "DISABLED", "RetryGracePeriodSeconds": 0}
MAX_GRACE_SECONDS = 60
# The emulator's wording: Cognito documents that a rotating client cannot use REFRESH_TOKEN_AUTH,
# not the error it answers.
USE_GET_TOKENS = (
    "REFRESH_TOKEN_AUTH is not allowed for an app client with refresh token rotation enabled; use GetTokensFromRefreshToken"
)
ROTATED_OUT = "Refresh Token has been rotated and is no longer valid"


def rotation(client: m.CognitoIdpUserPoolClient | None) -> dict[str, Any]:
    """The client's RefreshTokenRotation ({"Feature", "RetryGracePeriodSeconds"}), DISABLED when unset."""
    setting = client.extended_config.get(SETTING) if client else None
    return setting or DEFAULT_SETTING


def rotation_enabled(client: m.CognitoIdpUserPoolClient | None) -> bool:
    return rotation(client)["Feature"] == "ENABLED"


def refuse_refresh_token_auth(client: m.CognitoIdpUserPoolClient | None) -> None:
    """Cognito: "You can't authenticate with REFRESH_TOKEN_AUTH in app clients with refresh token
    rotation enabled" (InitiateAuth and AdminInitiateAuth)."""
    if rotation_enabled(client):
        raise NotAuthorizedError(USE_GET_TOKENS)


def _validated(setting: Any) -> dict[str, Any]:
    """The setting as Cognito describes it, or its InvalidParameterException (a validation error)."""
    setting = setting if isinstance(setting, dict) else {}
    feature = setting.get("Feature")
    if feature not in ("ENABLED", "DISABLED"):
        raise InvalidParameterException(_invalid(feature, "feature", "satisfy enum value set: [ENABLED, DISABLED]"))
    grace = setting.get("RetryGracePeriodSeconds")
    grace = 0 if grace is None else grace
    if not isinstance(grace, int) or isinstance(grace, bool):
        raise InvalidParameterException(_invalid(grace, "retryGracePeriodSeconds", "be an integer"))
    if grace < 0:
        raise InvalidParameterException(_invalid(grace, "retryGracePeriodSeconds", "have value greater than or equal to 0"))
    if grace > MAX_GRACE_SECONDS:
        raise InvalidParameterException(
            _invalid(grace, "retryGracePeriodSeconds", f"have value less than or equal to {MAX_GRACE_SECONDS}")
        )
    return {"Feature": feature, "RetryGracePeriodSeconds": grace}


def _invalid(value: Any, member: str, constraint: str) -> str:
    """AWS's wording for a parameter that fails its constraint."""
    return (
        f"1 validation error detected: Value '{value}' at 'refreshTokenRotation.{member}' failed to satisfy constraint: "
        f"Member must {constraint}"
    )


# --------------------------------------------------------------------------------------------
# Patches on the backend (the app client's setting)
# --------------------------------------------------------------------------------------------

_orig_create_user_pool_client = Backend.create_user_pool_client
_orig_update_user_pool_client = Backend.update_user_pool_client


# moto keeps RefreshTokenRotation as sent, unchecked, and describes nothing when it was left out.
# Cognito checks Feature (ENABLED | DISABLED) and RetryGracePeriodSeconds (0-60), and describes a
# client without the setting as {"Feature": "DISABLED", "RetryGracePeriodSeconds": 0}. The setting
# is put on the client after moto created it, so the client ids (hashes of the settings sent) stay
# what they were.
def _create_user_pool_client(
    self: Backend, user_pool_id: str, generate_secret: bool, extended_config: dict[str, Any]
) -> m.CognitoIdpUserPoolClient:
    setting = _validated(extended_config[SETTING]) if SETTING in (extended_config or {}) else dict(DEFAULT_SETTING)
    client = _orig_create_user_pool_client(self, user_pool_id, generate_secret, extended_config)
    client.extended_config[SETTING] = setting
    return client


# UpdateUserPoolClient sets what it is not given back to the default in Cognito: an update that
# leaves RefreshTokenRotation out turns rotation off (moto keeps every setting it is not given;
# only this one is reset here).
def _update_user_pool_client(
    self: Backend, user_pool_id: str, client_id: str, extended_config: dict[str, Any]
) -> m.CognitoIdpUserPoolClient:
    setting = _validated(extended_config[SETTING]) if SETTING in (extended_config or {}) else dict(DEFAULT_SETTING)
    client = _orig_update_user_pool_client(self, user_pool_id, client_id, extended_config)
    client.extended_config[SETTING] = setting
    return client


# --------------------------------------------------------------------------------------------
# Patches on the HTTP operations (CognitoIdpResponse methods)
# --------------------------------------------------------------------------------------------


def _check_client_secret(client: m.CognitoIdpUserPoolClient, given: str | None) -> None:
    """A client with a secret needs it as ClientSecret (NotAuthorizedException, the error the
    operation declares; the messages are the emulator's, as for RevokeToken)."""
    if not client.generate_secret:
        return
    if not given:
        raise NotAuthorizedError(CLIENT_SECRET_MISSING.format(client.id))
    if not hmac.compare_digest(str(given), client.secret):
        raise NotAuthorizedError(CLIENT_SECRET_WRONG.format(client.id))


def _current(pool: m.CognitoIdpUserPool, token: str) -> str:
    """The session's current refresh token: `token` followed through its rotations."""
    rotated = _pstate(pool).rotated
    seen = set()
    while token in rotated and token not in seen:
        seen.add(token)
        token = rotated[token].successor
    return token


def _rotate(pool: m.CognitoIdpUserPool, client: m.CognitoIdpUserPoolClient, old: str) -> str:
    """A new refresh token continuing `old`'s session (same user, client, origin_jti and expiry);
    `old` stays usable for the client's grace period."""
    client_id, username, origin_jti = pool.refresh_tokens[old]
    new = str(uuid.uuid4())
    pool.refresh_tokens[new] = (client_id, username, origin_jti)
    state = _pstate(pool)
    expires_at = state.refresh_expires_at.get(old)
    state.refresh_expires_at[new] = (
        expires_at if expires_at is not None else clock.now() + _validity_seconds(client, "RefreshToken")
    )
    pool.refresh_tokens[old] = None
    grace_until = clock.now() + rotation(client)["RetryGracePeriodSeconds"]
    state.rotated[old] = _Rotated(client_id=client_id, successor=new, grace_until=grace_until)
    return new


# GetTokensFromRefreshToken (moto: not implemented). Checks, in order: the client (unknown ->
# ResourceNotFoundException), its secret (ClientSecret, clients with a secret only), then the refresh
# token: unknown or issued to another client -> NotAuthorizedException "Invalid Refresh Token";
# revoked (RevokeToken, GlobalSignOut, AdminUserGlobalSignOut, DeleteUser) -> "Refresh Token has
# been revoked"; past the sign-in's RefreshTokenValidity -> "Refresh Token has expired"; rotated out
# and past the grace period -> RefreshTokenReuseException. Answers new access and id tokens, and with
# rotation ENABLED a new refresh token (see the module's docstring). ClientMetadata and DeviceKey
# are accepted and ignored (no pre-token-generation trigger, no device tracking).
def get_tokens_from_refresh_token(self: Resp) -> ActionResult:
    _, pool, client = _find_client(self._get_param("ClientId"))
    _check_client_secret(client, self._get_param("ClientSecret"))
    token = self._get_param("RefreshToken")
    rotated = _pstate(pool).rotated.get(token) if token else None
    if rotated is not None:
        if rotated.client_id != client.id:
            raise NotAuthorizedError(INVALID_REFRESH_TOKEN)
        expires_at = _pstate(pool).refresh_expires_at.get(token)
        if expires_at is not None and clock.now() >= expires_at:
            raise NotAuthorizedError("Refresh Token has expired")
        if clock.now() >= rotated.grace_until:
            raise JsonRESTError("RefreshTokenReuseException", ROTATED_OUT)
        # Within the grace period: the session's current token answers (revoked -> "has been revoked").
        token = new = _current(pool, token)
        _check_refresh_token(pool, token)
    else:
        _check_refresh_token(pool, token)
        new = None
    if pool.refresh_tokens[token][0] != client.id:
        raise NotAuthorizedError(INVALID_REFRESH_TOKEN)
    if new is None and rotation_enabled(client):
        new = token = _rotate(pool, client, token)
    access_token, id_token, expires_in = pool.create_tokens_from_refresh_token(token)
    result: dict[str, Any] = {"AccessToken": access_token, "IdToken": id_token, "ExpiresIn": expires_in, "TokenType": "Bearer"}
    if new is not None:
        result["RefreshToken"] = new
    return ActionResult({"AuthenticationResult": result})


OPERATIONS: dict[str, Callable] = {
    "get_tokens_from_refresh_token": get_tokens_from_refresh_token,
}


def apply() -> None:
    """Install this area's patches; only through `emulator.patches.apply()`, which runs once."""
    Backend.create_user_pool_client = _create_user_pool_client
    Backend.update_user_pool_client = _update_user_pool_client
    _install_operations(OPERATIONS)
