"""What the Cognito areas share: the emulator's state kept on moto's objects, the lock every patched
operation runs under, the look-ups (app client, access token), and the code and delivery helpers.

Extra state lives on moto's own objects (`user._emulator`, `pool._emulator`), so moto's
`POST /moto-api/reset` drops it together with the pools.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Iterator

from moto.cognitoidp import models as m
from moto.cognitoidp import responses as r
from moto.core.exceptions import JsonRESTError
from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    ExpiredCodeException,
    NotAuthorizedError,
    ResourceNotFoundError,
)

from .. import clock
from ..mailbox import MAILBOX
from . import triggers

# The moto classes the areas patch: the user pool (tokens), the backend, the HTTP operations.
Pool = m.CognitoIdpUserPool
Backend = m.CognitoIdpBackend
Resp = r.CognitoIdpResponse

CODE_MISMATCH = "Invalid verification code provided, please try again."
CODE_EXPIRED = "Invalid code provided, please request a code again."
NO_SUCH_USER = "Username/client id combination not found."


class PasswordResetRequiredException(JsonRESTError):
    """What Cognito answers a sign-in of an account an administrator reset (AdminResetUserPassword):
    moto signs it in with the old password instead (patch 21)."""

    def __init__(self) -> None:
        super().__init__(error_type="PasswordResetRequiredException", message="Password reset required for the user")


def refuse_reset_required(user: m.CognitoIdpUser | None) -> None:
    """A sign-in (any first factor) of an enabled account that must reset its password."""
    if user is not None and user.enabled and user.status == m.UserStatus.RESET_REQUIRED:
        raise PasswordResetRequiredException()


# Our overrides read and change several objects; moto's threaded server runs requests in parallel.
_LOCK = threading.RLock()

# --------------------------------------------------------------------------------------------
# Extra state kept on moto's objects
# --------------------------------------------------------------------------------------------


@dataclass
class _Code:
    code: str
    issued_at: float
    sent_to: str


@dataclass
class _UserState:
    codes: dict[str, _Code] = field(default_factory=dict)  # "sign-up" | "forgot-password" | "verify-email"
    totp_pending: str | None = None  # from AssociateSoftwareToken, until VerifySoftwareToken succeeds
    totp_secret: str | None = None  # the verified secret the SOFTWARE_TOKEN_MFA challenge checks
    # The new address UpdateUserAttributes asked for while the pool holds e-mail changes back until
    # they are verified (AttributesRequireVerificationBeforeUpdate); VerifyUserAttribute applies it.
    pending_email: str | None = None
    passkeys: list[Any] = field(default_factory=list)  # webauthn.Passkey, oldest first
    registration: tuple[Any, float] | None = None  # fido2's registration state, and when it expires


@dataclass
class _Session:
    username: str  # moto's internal user name (the sub for e-mail-as-username pools)
    client_id: str
    expires_at: float


@dataclass
class _Rotated:
    client_id: str  # the app client the token was issued to
    successor: str  # the refresh token GetTokensFromRefreshToken answered in its place (rotation.py)
    grace_until: float  # until then the rotated-out token still works (the client's RetryGracePeriodSeconds)


@dataclass
class _PoolState:
    sign_up_sessions: dict[str, _Session] = field(default_factory=dict)
    auth_sessions: dict[str, _Session] = field(default_factory=dict)
    refresh_expires_at: dict[str, float] = field(default_factory=dict)
    revoked_access_tokens: set[str] = field(default_factory=set)
    rotated: dict[str, _Rotated] = field(default_factory=dict)  # rotated-out refresh token -> its successor
    choice_sessions: dict[str, Any] = field(default_factory=dict)  # passwordless._Choice by Session
    webauthn: dict[str, str] | None = None  # the pool's WebAuthnConfiguration


def _ustate(user: m.CognitoIdpUser) -> _UserState:
    return user.__dict__.setdefault("_emulator", _UserState())


def _pstate(pool: m.CognitoIdpUserPool) -> _PoolState:
    return pool.__dict__.setdefault("_emulator", _PoolState())


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _backends() -> Iterator[m.CognitoIdpBackend]:
    for account in list(m.cognitoidp_backends.values()):
        for region, backend in list(account.items()):
            if region != "global":
                yield backend


def _find_client(client_id: str | None):
    """(backend, pool, client) for an app client id, in any region."""
    for backend in _backends():
        for pool in list(backend.user_pools.values()):
            if client_id in pool.clients:
                return backend, pool, pool.clients[client_id]
    raise ResourceNotFoundError(f"User pool client {client_id} does not exist.")


def _jwt_claims(token: str) -> dict[str, Any]:
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return {}


def _find_by_access_token(token: str | None):
    """(backend, pool, user) for a live access token, else the NotAuthorizedException Cognito gives.

    moto never looks at `exp` and answers an unknown token with the token itself as the message."""
    for backend in _backends():
        for pool in list(backend.user_pools.values()):
            if token in pool.access_tokens:
                if _jwt_claims(token).get("exp", 0) <= clock.now():
                    raise NotAuthorizedError("Access Token has expired")
                _, username = pool.access_tokens[token]
                user = pool._get_user(username)
                if user is None:
                    raise NotAuthorizedError("User does not exist.")
                return backend, pool, user
            if token in _pstate(pool).revoked_access_tokens:
                raise NotAuthorizedError("Access Token has been revoked")
    raise NotAuthorizedError("Invalid Access Token")


def _prevents_existence_errors(client: m.CognitoIdpUserPoolClient) -> bool:
    return client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"


def _mask(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1] or 'e'}***"


def _delivery(email: str) -> dict[str, str]:
    return {"Destination": _mask(email), "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def _fake_delivery(username: str) -> dict[str, str]:
    """What Cognito answers for an unknown user when PreventUserExistenceErrors is ENABLED."""
    return _delivery(username if "@" in (username or "") else f"{(username or 'u')[:1]}@example.com")


def _mail_code(
    pool: m.CognitoIdpUserPool, to: str, purpose: str, user: m.CognitoIdpUser | None = None, code: str | None = None
) -> str:
    """A fresh random 6-digit code (or `code`, e.g. an invitation's temporary password), "sent" to the
    dev mailbox; through the pool's CustomMessage trigger first when it has one (`triggers`), so the
    mailbox holds the email a person would get."""
    code = code or f"{secrets.randbelow(1_000_000):06d}"
    extra = triggers.message(pool, user, purpose, code)
    MAILBOX.add(to=to, purpose=purpose, code=code, pool_id=pool.id, sent_at=clock.now(), extra=extra)
    return code


def _issue_code(pool: m.CognitoIdpUserPool, user: m.CognitoIdpUser, kind: str, purpose: str, to: str | None = None) -> str:
    """A fresh 6-digit code of this kind; replaces the previous one and lands in the mailbox."""
    to = to or user.attribute_lookup.get("email") or user.username
    code = _mail_code(pool, to, purpose, user)
    _ustate(user).codes[kind] = _Code(code, clock.now(), to)
    return code


def _check_code(user: m.CognitoIdpUser, kind: str, code: str | None, lifetime: int, sent_to: str | None = None) -> None:
    """Raises Cognito's error unless `code` is the user's current code of this kind; consumes it."""
    entry = _ustate(user).codes.get(kind)
    if entry is None:
        raise ExpiredCodeException(CODE_EXPIRED)
    if code != entry.code or (sent_to is not None and sent_to != entry.sent_to):
        raise CodeMismatchException(CODE_MISMATCH)
    if clock.now() - entry.issued_at > lifetime:
        raise ExpiredCodeException(CODE_EXPIRED)
    del _ustate(user).codes[kind]


def _readable(client: m.CognitoIdpUserPoolClient | None, name: str) -> bool:
    """Whether an app client may read a user attribute: Cognito lets it read what its ReadAttributes
    lists, every attribute when the list is empty or absent, and `sub` always."""
    readable = (client.extended_config.get("ReadAttributes") if client else None) or None
    return readable is None or name == "sub" or name in readable


def _locked(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return fn(*args, **kwargs)

    return wrapper


# Operations moto implements that take an AccessToken: first answer expired/revoked/unknown tokens
# the way Cognito does (moto ignores `exp`).
def _guard_access_token(method: Callable) -> Callable:
    @functools.wraps(method)
    def wrapper(self: Resp) -> Any:
        token = self._get_param("AccessToken")
        if token or not self._get_param("Session"):
            _find_by_access_token(token)
        return method(self)

    return wrapper


def _install_operations(operations: dict[str, Callable]) -> None:
    """Puts each new or replacing operation on CognitoIdpResponse, run under the lock."""
    for name, fn in operations.items():
        setattr(Resp, name, _locked(fn))


def _guard_operations(names: tuple[str, ...]) -> None:
    """Wraps moto's own operations of these names in the access-token check, run under the lock."""
    for name in names:
        setattr(Resp, name, _locked(_guard_access_token(getattr(Resp, name))))
