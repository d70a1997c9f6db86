"""Monkeypatches that make moto 5.2.5's Cognito behave like the parts of real Cognito the app uses,
and that copy what the app sends through SES (v2 and v1 SendEmail) into the dev mailbox.

`apply()` installs them (once) and must run before the server handles a request. Each patch says
why it exists. Extra state lives on moto's own objects (`user._emulator`, `pool._emulator`), so
moto's `POST /moto-api/reset` drops it together with the pools; the mailbox is cleared by the
reset patch at the bottom.

A pool whose `UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate` lists `email`
keeps a user's e-mail until the code sent to the new address is entered (the new address waits in
`user._emulator.pending_email`); without it a changed e-mail takes effect at once, unverified.

moto dispatches a Cognito call on its X-Amz-Target: `AWSCognitoIdentityProviderService.FooBar` runs
`CognitoIdpResponse.foo_bar`, so an operation moto lacks is added by defining that method.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any
from collections.abc import Callable, Iterator

import pyotp
from moto import settings as moto_settings
from moto.cognitoidp import models as m
from moto.cognitoidp import responses as r
from moto.cognitoidp.exceptions import (
    AliasExistsException,
    CodeMismatchException,
    ExpiredCodeException,
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotConfirmedException,
    UserNotFoundError,
)
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.moto_api._internal.models import MotoAPIBackend
from moto.ses import models as ses_models
from moto.ses.responses import EmailResponse as SesV1Response
from moto.sesv2.responses import SESV2Response

from . import clock, config
from .mailbox import MAILBOX

# Lifetimes of what the emulator hands out, in seconds (real Cognito's values).
SIGN_UP_CODE_SECONDS = 24 * 3600
FORGOT_PASSWORD_CODE_SECONDS = 3600
ATTRIBUTE_CODE_SECONDS = 24 * 3600
# Real Cognito does not document how long SignUp's Session lasts; it must outlive a code.
SIGN_UP_SESSION_SECONDS = 24 * 3600
DEFAULT_AUTH_SESSION_SECONDS = 180

CODE_MISMATCH = "Invalid verification code provided, please try again."
CODE_EXPIRED = "Invalid code provided, please request a code again."
NO_SUCH_USER = "Username/client id combination not found."
BAD_AUTH_SESSION = "Invalid session for the user, session is expired."
# Real Cognito's messages (NotAuthorizedException) for app clients with a secret.
SECRET_HASH_MISSING = "Client {} is configured with secret but SECRET_HASH was not received"
SECRET_HASH_WRONG = "Unable to verify secret hash for client {}"
# RevokeToken takes the secret itself; Cognito's wording for it is not documented (emulator's choice).
CLIENT_SECRET_MISSING = "Client {} is configured with secret but ClientSecret was not received"
CLIENT_SECRET_WRONG = "Unable to verify client secret for client {}"

UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}

# Our overrides read and change several objects; moto's threaded server runs requests in parallel.
_LOCK = threading.RLock()
_applied = False


def auth_session_seconds() -> int:
    """Lifetime of the Session ConfirmSignUp returns; EMULATOR_AUTH_SESSION_SECONDS overrides it."""
    return int(os.environ.get("EMULATOR_AUTH_SESSION_SECONDS", DEFAULT_AUTH_SESSION_SECONDS))


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


@dataclass
class _Session:
    username: str  # moto's internal user name (the sub for e-mail-as-username pools)
    client_id: str
    expires_at: float


@dataclass
class _PoolState:
    sign_up_sessions: dict[str, _Session] = field(default_factory=dict)
    auth_sessions: dict[str, _Session] = field(default_factory=dict)
    refresh_expires_at: dict[str, float] = field(default_factory=dict)
    revoked_access_tokens: set[str] = field(default_factory=set)


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


def _issue_code(pool: m.CognitoIdpUserPool, user: m.CognitoIdpUser, kind: str, purpose: str, to: str | None = None) -> str:
    """A fresh 6-digit code of this kind; replaces the previous one and lands in the mailbox."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    to = to or user.attribute_lookup.get("email") or user.username
    now = clock.now()
    _ustate(user).codes[kind] = _Code(code, now, to)
    MAILBOX.add(to=to, purpose=purpose, code=code, pool_id=pool.id, sent_at=now)
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


def _requires_verification_before_update(pool: m.CognitoIdpUserPool, name: str) -> bool:
    """Whether the pool's UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate lists `name`."""
    settings = pool.extended_config.get("UserAttributeUpdateSettings") or {}
    return name in (settings.get("AttributesRequireVerificationBeforeUpdate") or [])


def _check_email_free(pool: m.CognitoIdpUserPool, user: m.CognitoIdpUser, email: str) -> None:
    """AliasExistsException when another user of an e-mail-as-username pool has this e-mail (moto's rule)."""
    if "email" not in (pool.extended_config.get("UsernameAttributes") or []):
        return
    for other in list(pool.users.values()):
        if other is not user and other.attribute_lookup.get("email", "") == email:
            raise AliasExistsException()


def _new_session_id() -> str:
    return secrets.token_urlsafe(96)


def _check_refresh_token(pool: m.CognitoIdpUserPool, token: str | None) -> None:
    """moto never expires refresh tokens, answers an unknown one "has been revoked" (or a 500 on
    the admin path) and crashes when the user is gone."""
    if not token or token not in pool.refresh_tokens:
        raise NotAuthorizedError("Invalid Refresh Token")
    entry = pool.refresh_tokens[token]
    if entry is None:
        raise NotAuthorizedError("Refresh Token has been revoked")
    expires_at = _pstate(pool).refresh_expires_at.get(token)
    if expires_at is not None and clock.now() >= expires_at:
        raise NotAuthorizedError("Refresh Token has expired")
    if pool._get_user(entry[1]) is None:
        raise NotAuthorizedError("User does not exist.")


def _readable(client: m.CognitoIdpUserPoolClient | None, name: str) -> bool:
    """Whether an app client may read a user attribute: Cognito lets it read what its ReadAttributes
    lists, every attribute when the list is empty or absent, and `sub` always."""
    readable = (client.extended_config.get("ReadAttributes") if client else None) or None
    return readable is None or name == "sub" or name in readable


def _require_flow(client: m.CognitoIdpUserPoolClient, flow: str) -> None:
    """Cognito refuses a flow the app client does not list in ExplicitAuthFlows (moto never checks).

    Only enforced when the client lists flows at all, except USER_AUTH, which is never a default."""
    flows = client.extended_config.get("ExplicitAuthFlows") or []
    if flow == "USER_AUTH" or flows:
        if f"ALLOW_{flow}" not in flows and flow not in flows:
            raise InvalidParameterException(f"{flow} flow not enabled for this client")


def secret_hash(client_secret: str, username: str, client_id: str) -> str:
    """Cognito's SECRET_HASH: Base64(HMAC-SHA256(key=client secret, message=username + client id))."""
    digest = hmac.new(client_secret.encode("utf-8"), (username + client_id).encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _require_secret_hash(client: m.CognitoIdpUserPoolClient, given: str | None) -> None:
    """A client with a secret needs a SECRET_HASH on the calls Cognito lists (moto checks it on few, with
    the hash as the message); a client without one is left alone."""
    if client.generate_secret and not given:
        raise NotAuthorizedError(SECRET_HASH_MISSING.format(client.id))


def _check_secret_hash(client: m.CognitoIdpUserPoolClient, username: str | None, given: str | None) -> None:
    """Raises Cognito's NotAuthorizedException unless `given` is the SECRET_HASH of `username` (as sent)."""
    if not client.generate_secret:
        return
    _require_secret_hash(client, given)
    if username is None or not hmac.compare_digest(str(given), secret_hash(client.secret, username, client.id)):
        raise NotAuthorizedError(SECRET_HASH_WRONG.format(client.id))


def _totp_checks_enabled() -> bool:
    # moto's own switch keeps its meaning: "false" accepts any TOTP code.
    return moto_settings.get_cognito_idp_user_pool_enable_totp()


def _totp_ok(secret: str, code: str | None) -> bool:
    """RFC 6238, SHA-1, 6 digits, 30 s step, one step either side (real clock, like an authenticator app)."""
    if not code or not code.isdigit():
        return False
    return pyotp.TOTP(secret).verify(code, for_time=int(time.time()), valid_window=1)


def _locked(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return fn(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------------------------
# Patches on the user pool (tokens)
# --------------------------------------------------------------------------------------------

Pool = m.CognitoIdpUserPool
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
# Patches on the backend (TOTP)
# --------------------------------------------------------------------------------------------

Backend = m.CognitoIdpBackend
_orig_verify_software_token = Backend.verify_software_token
_orig_respond_to_auth_challenge = Backend.respond_to_auth_challenge


def _user_for_session_or_token(backend: Backend, access_token: str | None, session: str | None):
    if session:
        if session not in backend.sessions:
            return None
        username, pool = backend.sessions[session]
        return pool._get_user(username)
    return _find_by_access_token(access_token)[2]


# moto hands every user the fixed secret "asdfasdfasdf". Here: a random base32 secret
# (32 characters) per call, kept as the user's pending secret until VerifySoftwareToken.
def _associate_software_token(self: Backend, access_token: str | None, session: str | None) -> dict[str, str]:
    if session and session not in self.sessions:
        raise NotAuthorizedError("Invalid session for the user.")
    user = _user_for_session_or_token(self, access_token, session)
    if user is None:
        raise NotAuthorizedError("Invalid session for the user.")
    secret = pyotp.random_base32()
    _ustate(user).totp_pending = secret
    result = {"SecretCode": secret}
    if session:
        result["Session"] = session
    return result


# Checks the code against the user's pending secret (real Cognito's error type and message),
# then lets moto mark the token verified, and makes the pending secret the user's secret.
def _verify_software_token(
    self: Backend, access_token: str | None, session: str | None, user_code: str, friendly_device_name: str
) -> dict[str, str]:
    user = _user_for_session_or_token(self, access_token, session)
    if user is not None and _totp_checks_enabled():
        state = _ustate(user)
        secret = state.totp_pending or state.totp_secret
        if secret is None or not _totp_ok(secret, user_code):
            raise JsonRESTError("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
    result = _orig_verify_software_token(self, access_token, session, user_code, friendly_device_name)
    if user is not None:
        state = _ustate(user)
        if state.totp_pending:
            state.totp_secret, state.totp_pending = state.totp_pending, None
    return result


# The SOFTWARE_TOKEN_MFA challenge is checked against the user's own verified secret.
def _respond_to_auth_challenge(
    self: Backend, session: str, client_id: str, challenge_name: str, challenge_responses: dict[str, str]
) -> dict[str, Any]:
    if challenge_name == "SOFTWARE_TOKEN_MFA" and session in self.sessions and _totp_checks_enabled():
        username, pool = self.sessions[session]
        user = pool._get_user(username)
        code = (challenge_responses or {}).get("SOFTWARE_TOKEN_MFA_CODE")
        if user is not None and code:
            secret = _ustate(user).totp_secret
            if secret is None or not _totp_ok(secret, code):
                raise CodeMismatchException("Invalid code received for user")
    return _orig_respond_to_auth_challenge(self, session, client_id, challenge_name, challenge_responses)


# --------------------------------------------------------------------------------------------
# Patches on the backend (user pool settings)
# --------------------------------------------------------------------------------------------

_orig_update_user_pool = Backend.update_user_pool
# CreateUserPool settings that UpdateUserPool cannot change (Schema lives apart, in schema_attributes).
CREATE_ONLY_POOL_SETTINGS = ("UsernameAttributes", "AliasAttributes", "UsernameConfiguration")


# UpdateUserPool resets every setting it is not given to its default, in Cognito and moto alike,
# but moto also drops the ones UpdateUserPool does not take: after any UpdateUserPool an
# e-mail-as-username pool forgot UsernameAttributes, so nobody could sign in with their e-mail.
# Those are carried over here.
def _update_user_pool(self: Backend, user_pool_id: str, extended_config: dict[str, Any]) -> None:
    pool = self.describe_user_pool(user_pool_id)
    kept = {k: pool.extended_config[k] for k in CREATE_ONLY_POOL_SETTINGS if k in pool.extended_config}
    _orig_update_user_pool(self, user_pool_id, extended_config)
    pool.extended_config.update(kept)


# --------------------------------------------------------------------------------------------
# Patches on the HTTP operations (CognitoIdpResponse methods)
# --------------------------------------------------------------------------------------------

# App clients with a secret: moto checks SECRET_HASH only in REFRESH_TOKEN_AUTH, USER_SRP_AUTH and the
# MFA challenges (and answers a wrong one with the hash itself as the message). Like Cognito, the
# emulator wants it on SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword and
# ConfirmForgotPassword (`SecretHash`), InitiateAuth USER_PASSWORD_AUTH / USER_AUTH /
# REFRESH_TOKEN_AUTH (`AuthParameters.SECRET_HASH`) and RespondToAuthChallenge
# (`ChallengeResponses.SECRET_HASH`), checked before anything about the user; RevokeToken wants the
# secret itself (`ClientSecret`). Clients without a secret and the Admin* calls are unchanged.

Resp = r.CognitoIdpResponse
_orig_initiate_auth = Resp.initiate_auth
_orig_admin_initiate_auth = Resp.admin_initiate_auth
_orig_respond_to_auth_challenge_op = Resp.respond_to_auth_challenge


# SignUp (replaces moto's): moto sends no code. Here a random 6-digit code goes to the mailbox,
# CodeDeliveryDetails names the masked e-mail, and a Session for ConfirmSignUp is returned.
def sign_up(self: Resp) -> ActionResult:
    client_id = self._get_param("ClientId")
    _, pool, client = _find_client(client_id)
    _check_secret_hash(client, self._get_param("Username"), self._get_param("SecretHash"))
    user, _ = self._get_region_agnostic_backend().sign_up(
        client_id=client_id,
        username=self._get_param("Username"),
        password=self._get_param("Password"),
        attributes=self._get_param("UserAttributes", []),
    )
    response: dict[str, Any] = {"UserConfirmed": user.status == m.UserStatus.CONFIRMED, "UserSub": user.id}
    if user.status != m.UserStatus.CONFIRMED:
        _issue_code(pool, user, "sign-up", "sign-up")
        if "email" in user.attribute_lookup:
            response["CodeDeliveryDetails"] = _delivery(user.attribute_lookup["email"])
        session = _new_session_id()
        _pstate(pool).sign_up_sessions[session] = _Session(user.username, client.id, clock.now() + SIGN_UP_SESSION_SECONDS)
        response["Session"] = session
    return ActionResult(response)


# ConfirmSignUp (replaces moto's, which accepts any code): checks the code, sets
# email_verified=true, and trades a valid SignUp Session for a short-lived USER_AUTH Session.
def confirm_sign_up(self: Resp) -> ActionResult:
    _, pool, client = _find_client(self._get_param("ClientId"))
    _check_secret_hash(client, self._get_param("Username"), self._get_param("SecretHash"))
    user = pool._get_user(self._get_param("Username"))
    if user is None:
        if _prevents_existence_errors(client):
            raise CodeMismatchException(CODE_MISMATCH)
        raise UserNotFoundError(NO_SUCH_USER)
    if user.status == m.UserStatus.CONFIRMED:
        raise NotAuthorizedError("User cannot be confirmed. Current status is CONFIRMED")
    _check_code(user, "sign-up", self._get_param("ConfirmationCode"), SIGN_UP_CODE_SECONDS)
    user.status = m.UserStatus.CONFIRMED
    if "email" in user.attribute_lookup:
        user.update_attributes([{"Name": "email_verified", "Value": "true"}])
    response: dict[str, Any] = {}
    state = _pstate(pool)
    sign_up_session = state.sign_up_sessions.pop(self._get_param("Session") or "", None)
    if (
        sign_up_session is not None
        and sign_up_session.expires_at > clock.now()
        and sign_up_session.username == user.username
        and sign_up_session.client_id == client.id
    ):
        session = _new_session_id()
        state.auth_sessions[session] = _Session(user.username, client.id, clock.now() + auth_session_seconds())
        response["Session"] = session
    return ActionResult(response)


# ResendConfirmationCode (moto: not implemented, 500): a new code; the old one stops working.
def resend_confirmation_code(self: Resp) -> ActionResult:
    username = self._get_param("Username")
    _, pool, client = _find_client(self._get_param("ClientId"))
    _check_secret_hash(client, username, self._get_param("SecretHash"))
    user = pool._get_user(username)
    if user is None:
        if _prevents_existence_errors(client):
            return ActionResult({"CodeDeliveryDetails": _fake_delivery(username)})
        raise UserNotFoundError(NO_SUCH_USER)
    if user.status == m.UserStatus.CONFIRMED:
        raise InvalidParameterException("User is already confirmed.")
    _issue_code(pool, user, "sign-up", "resend")
    email = user.attribute_lookup.get("email")
    return ActionResult({"CodeDeliveryDetails": _delivery(email)} if email else {})


# InitiateAuth (wraps moto's): adds USER_AUTH with ConfirmSignUp's Session (moto rejects the flow),
# checks ExplicitAuthFlows, gives "Incorrect username or password." for unknown users when the
# client prevents user-existence errors, and checks refresh-token expiry/revocation.
# SECRET_HASH (clients with a secret; moto checks only REFRESH_TOKEN_AUTH and SRP, with the hash as
# the message): USER_PASSWORD_AUTH and USER_AUTH hash the USERNAME as sent; REFRESH_TOKEN_AUTH hashes
# the user's internal user name (the access token's `username` claim, the sub in e-mail-as-username
# pools), as real Cognito does, so the e-mail does not work there.
# Unconfirmed users: moto answers UserNotConfirmedException only after the password matched; with
# the `unconfirmed_first` switch (EMULATOR_UNCONFIRMED_FIRST, POST /_dev/config) it comes before the
# password check, Cognito's reported order, so a wrong password gets it too.
def initiate_auth(self: Resp) -> ActionResult:
    client_id = self._get_param("ClientId")
    flow = self._get_param("AuthFlow")
    params = self._get_param("AuthParameters") or {}
    if flow == "USER_AUTH":
        return ActionResult(_user_auth(client_id, params, self._get_param("Session")))
    _, pool, client = _find_client(client_id)
    if flow == "USER_PASSWORD_AUTH":
        _require_flow(client, "USER_PASSWORD_AUTH")
        _check_secret_hash(client, params.get("USERNAME"), params.get("SECRET_HASH"))
        user = pool._get_user(params.get("USERNAME"))
        if user is None and _prevents_existence_errors(client):
            raise NotAuthorizedError("Incorrect username or password.")
        if (
            user is not None
            and user.enabled
            and user.status == m.UserStatus.UNCONFIRMED
            and config.get("unconfirmed_first")
        ):
            raise UserNotConfirmedException("User is not confirmed.")
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        token = params.get("REFRESH_TOKEN")
        _require_secret_hash(client, params.get("SECRET_HASH"))
        _check_refresh_token(pool, token)
        _check_secret_hash(client, pool.refresh_tokens[token][1], params.get("SECRET_HASH"))
    return _orig_initiate_auth(self)


def _user_auth(client_id: str, params: dict[str, str], session: str | None) -> dict[str, Any]:
    backend, pool, client = _find_client(client_id)
    _require_flow(client, "USER_AUTH")
    username = params.get("USERNAME")
    if not username:
        raise InvalidParameterException("Missing required parameter USERNAME")
    _check_secret_hash(client, username, params.get("SECRET_HASH"))
    if not session:
        raise InvalidParameterException(
            "The emulator supports USER_AUTH only with the Session that ConfirmSignUp returned"
        )
    entry = _pstate(pool).auth_sessions.pop(session, None)  # single use, even when it fails
    user = pool._get_user(username)
    if (
        entry is None
        or entry.expires_at <= clock.now()
        or entry.client_id != client.id
        or user is None
        or user.username != entry.username
    ):
        raise NotAuthorizedError(BAD_AUTH_SESSION)
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    return backend._log_user_in(pool, client, user.username)


# AdminInitiateAuth (wraps moto's): the same refresh-token checks as InitiateAuth.
def admin_initiate_auth(self: Resp) -> ActionResult:
    if self._get_param("AuthFlow") in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
        _check_refresh_token(pool, (self._get_param("AuthParameters") or {}).get("REFRESH_TOKEN"))
    return _orig_admin_initiate_auth(self)


# RespondToAuthChallenge (wraps moto's): for a client with a secret, ChallengeResponses must carry
# SECRET_HASH of the USERNAME sent with it, for every challenge (moto checks only the MFA ones,
# with the hash as the message).
def respond_to_auth_challenge(self: Resp) -> Any:
    _, _, client = _find_client(self._get_param("ClientId"))
    responses = self._get_param("ChallengeResponses") or {}
    _check_secret_hash(client, responses.get("USERNAME"), responses.get("SECRET_HASH"))
    return _orig_respond_to_auth_challenge_op(self)


# RevokeToken (moto: not implemented): revokes the refresh token and the access/id tokens issued
# from it. An unknown token succeeds, as in Cognito. A client with a secret must send it as
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


# GetUserAttributeVerificationCode (moto: not implemented): a code to the user's current e-mail,
# or, while an e-mail change waits for verification (AttributesRequireVerificationBeforeUpdate),
# to the new address. The previous code stops working.
def get_user_attribute_verification_code(self: Resp) -> ActionResult:
    _, pool, user = _find_by_access_token(self._get_param("AccessToken"))
    name = self._get_param("AttributeName")
    if name != "email":
        raise InvalidParameterException(f"The emulator verifies only email, not {name}")
    email = _ustate(user).pending_email or user.attribute_lookup.get("email")
    if not email:
        raise InvalidParameterException("User has no email attribute")
    _issue_code(pool, user, "verify-email", "verify-email", to=email)
    return ActionResult({"CodeDeliveryDetails": _delivery(email)})


# VerifyUserAttribute (moto: not implemented): the right code sets email_verified=true. While an
# e-mail change is pending, the code must be the one sent to the new address, and it makes that
# address the user's e-mail (verified); a wrong code changes nothing. Should another user have
# taken the address meanwhile: AliasExistsException, and the change stays pending.
def verify_user_attribute(self: Resp) -> ActionResult:
    _, pool, user = _find_by_access_token(self._get_param("AccessToken"))
    name = self._get_param("AttributeName")
    if name != "email":
        raise InvalidParameterException(f"The emulator verifies only email, not {name}")
    state = _ustate(user)
    pending = state.pending_email
    sent_to = pending or user.attribute_lookup.get("email")
    _check_code(user, "verify-email", self._get_param("Code"), ATTRIBUTE_CODE_SECONDS, sent_to=sent_to)
    if pending:
        _check_email_free(pool, user, pending)
        user.update_attributes([{"Name": "email", "Value": pending}, {"Name": "email_verified", "Value": "true"}])
        state.pending_email = None
    else:
        user.update_attributes([{"Name": "email_verified", "Value": "true"}])
    return EmptyResult()


# UpdateUserAttributes (replaces moto's): a changed e-mail gets a code at the NEW address
# (CodeDeliveryDetailsList says so). Without AttributesRequireVerificationBeforeUpdate it replaces
# the old one at once and becomes unverified. With `email` in that setting the user keeps the old,
# verified e-mail (sign-in, GetUser, id tokens) and the new one waits for VerifyUserAttribute; a
# later change replaces the waiting address (and its code), one back to the current address drops
# it (the emulator's choice). The other attributes of the call apply at once. An address another
# user has: AliasExistsException either way. An unchanged e-mail is dropped from the call, because
# moto would answer AliasExistsException for the user's own address.
def update_user_attributes(self: Resp) -> ActionResult:
    token = self._get_param("AccessToken")
    _, pool, user = _find_by_access_token(token)
    # Cognito refuses attributes the app client may not write (its WriteAttributes); moto
    # never looks. The client is the one the access token was issued to.
    client = pool.clients.get(pool.access_tokens[token][0])
    writable = (client.extended_config.get("WriteAttributes") if client else None) or None
    for a in self._get_param("UserAttributes") or []:
        if writable is not None and a["Name"] not in writable:
            raise NotAuthorizedError("A client attempted to write unauthorized attribute")
    old_email = user.attribute_lookup.get("email")
    given = self._get_param("UserAttributes") or []
    attributes = [a for a in given if not (a["Name"] == "email" and a["Value"] == old_email)]
    state = _ustate(user)
    response: dict[str, Any] = {}
    if _requires_verification_before_update(pool, "email") and any(a["Name"] == "email" for a in given):
        new_email = next((a["Value"] for a in attributes if a["Name"] == "email"), None)
        if new_email:
            _check_email_free(pool, user, new_email)
        others = [a for a in attributes if a["Name"] != "email"]
        if others:
            self._get_region_agnostic_backend().update_user_attributes(token, others)
        state.pending_email = new_email or None
        if new_email:
            _issue_code(pool, user, "verify-email", "verify-email", to=new_email)
            response["CodeDeliveryDetailsList"] = [_delivery(new_email)]
        return ActionResult(response)
    self._get_region_agnostic_backend().update_user_attributes(token, attributes)
    new_email = user.attribute_lookup.get("email")
    if new_email and new_email != old_email:
        state.pending_email = None
        user.update_attributes([{"Name": "email_verified", "Value": "false"}])
        _issue_code(pool, user, "verify-email", "verify-email", to=new_email)
        response["CodeDeliveryDetailsList"] = [_delivery(new_email)]
    return ActionResult(response)


# GetUser (replaces moto's, which returns every attribute): like Cognito, only the attributes the
# app client the access token was issued to may read (its ReadAttributes; all of them when it has
# none; `sub` always). The token is checked first, as for the other access-token operations; moto's
# own lookup still refuses disabled and unconfirmed users. AdminGetUser is unchanged (sees all).
def get_user(self: Resp) -> ActionResult:
    token = self._get_param("AccessToken")
    _, pool, _ = _find_by_access_token(token)
    user = self._get_region_agnostic_backend().get_user(access_token=token)
    client = pool.clients.get(pool.access_tokens[token][0])
    result = user.to_json(extended=True, attributes_key="UserAttributes")
    result["UserAttributes"] = [a for a in result["UserAttributes"] if _readable(client, a["Name"])]
    return ActionResult(result)


# ForgotPassword (replaces moto's, which returns the code in a response header and accepts any
# code without its prefix): a random code in the mailbox; needs a verified e-mail, like Cognito.
def forgot_password(self: Resp) -> ActionResult:
    username = self._get_param("Username")
    _, pool, client = _find_client(self._get_param("ClientId"))
    _check_secret_hash(client, username, self._get_param("SecretHash"))
    user = pool._get_user(username)
    if user is None:
        if _prevents_existence_errors(client):
            return ActionResult({"CodeDeliveryDetails": _fake_delivery(username)})
        raise UserNotFoundError(NO_SUCH_USER)
    mechanisms = (pool.extended_config.get("AccountRecoverySetting") or {}).get("RecoveryMechanisms") or []
    if mechanisms and min(mechanisms, key=lambda x: x["Priority"])["Name"] == "admin_only":
        raise NotAuthorizedError("Contact administrator to reset password.")
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    email = user.attribute_lookup.get("email")
    if not email or str(user.attribute_lookup.get("email_verified", "false")).lower() != "true":
        raise InvalidParameterException(
            "Cannot reset password for the user as there is no registered/verified email or phone_number"
        )
    _issue_code(pool, user, "forgot-password", "forgot-password", to=email)
    return ActionResult({"CodeDeliveryDetails": _delivery(email)})


# ConfirmForgotPassword (replaces moto's): checks the pool's password policy and the code
# (1 hour); an unknown user gets CodeMismatchException when user-existence errors are prevented.
def confirm_forgot_password(self: Resp) -> ActionResult:
    backend, pool, client = _find_client(self._get_param("ClientId"))
    _check_secret_hash(client, self._get_param("Username"), self._get_param("SecretHash"))
    user = pool._get_user(self._get_param("Username"))
    if user is None:
        if _prevents_existence_errors(client):
            raise CodeMismatchException(CODE_MISMATCH)
        raise UserNotFoundError(NO_SUCH_USER)
    password = self._get_param("Password") or ""
    backend._validate_password(pool.id, password)
    _check_code(user, "forgot-password", self._get_param("ConfirmationCode"), FORGOT_PASSWORD_CODE_SECONDS)
    user.password = password
    user.confirmation_code = None
    if user.status == m.UserStatus.RESET_REQUIRED:
        user.status = m.UserStatus.CONFIRMED
    return EmptyResult()


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


GUARDED_OPERATIONS = (
    "change_password",
    "associate_software_token",
    "verify_software_token",
    "set_user_mfa_preference",
)

NEW_OR_REPLACED_OPERATIONS: dict[str, Callable] = {
    "sign_up": sign_up,
    "confirm_sign_up": confirm_sign_up,
    "resend_confirmation_code": resend_confirmation_code,
    "initiate_auth": initiate_auth,
    "admin_initiate_auth": admin_initiate_auth,
    "respond_to_auth_challenge": respond_to_auth_challenge,
    "revoke_token": revoke_token,
    "delete_user": delete_user,
    "global_sign_out": global_sign_out,
    "get_user_attribute_verification_code": get_user_attribute_verification_code,
    "verify_user_attribute": verify_user_attribute,
    "update_user_attributes": update_user_attributes,
    "get_user": get_user,
    "forgot_password": forgot_password,
    "confirm_forgot_password": confirm_forgot_password,
}


# --------------------------------------------------------------------------------------------
# SES: what the app sends itself lands in the dev mailbox
# --------------------------------------------------------------------------------------------

_orig_ses_send_email = ses_models.SESBackend.send_email
_orig_ses_create_email_identity = ses_models.SESBackend.create_email_identity_v2
_orig_sesv2_send_email_op = SESV2Response.send_email
_orig_ses_v1_send_email_op = SesV1Response.send_email
RECIPIENT_FIELDS = ("ToAddresses", "CcAddresses", "BccAddresses")
# The body parts of the SendEmail request being handled (moto's backend gets only one of them).
_ses_request = threading.local()


# SES v1 and v2 SendEmail (Simple content) both end in moto's SESBackend.send_email, which refuses
# an unverified sender (MessageRejected) and too many recipients, then keeps the message where
# nobody can see it. Once it has accepted one, each recipient (To, Cc, Bcc) gets a mailbox entry,
# purpose "notice", no code, no pool, with "from", "subject", "text" and, if given, "html".
# moto passes the backend only one body (v2: Html when given, else Text; v1 the same), so the
# operation wrappers below hand it both; a call without them counts the body as text.
def _ses_send_email(
    self: ses_models.SESBackend, source: str, subject: str, body: str, destinations: dict[str, list[str]]
) -> ses_models.Message:
    message = _orig_ses_send_email(self, source, subject, body, destinations)
    parts = getattr(_ses_request, "parts", None) or {"text": body}
    extra = {"from": source or "", "subject": subject or "", "text": parts.get("text") or ""}
    if parts.get("html") is not None:
        extra["html"] = parts["html"]
    now = clock.now()
    for key in RECIPIENT_FIELDS:
        for address in destinations.get(key) or []:
            to = parseaddr(address)[1] or address
            MAILBOX.add(to=to, purpose="notice", code="", pool_id="", sent_at=now, extra=dict(extra))
    return message


def _with_body_parts(method: Callable, parts_of: Callable[[Any], dict[str, str | None]]) -> Callable:
    @functools.wraps(method)
    def wrapper(self: Any) -> Any:
        try:
            _ses_request.parts = parts_of(self)
        except (AttributeError, KeyError, TypeError, ValueError):
            _ses_request.parts = None  # malformed: moto's own handling answers
        try:
            return method(self)
        finally:
            _ses_request.parts = None

    return wrapper


def _sesv2_parts(resp: SESV2Response) -> dict[str, str | None]:
    body = json.loads(resp.body)["Content"]["Simple"]["Body"]
    return {"text": (body.get("Text") or {}).get("Data"), "html": (body.get("Html") or {}).get("Data")}


def _ses_v1_parts(resp: SesV1Response) -> dict[str, str | None]:
    return {"text": resp._get_param("Message.Body.Text.Data"), "html": resp._get_param("Message.Body.Html.Data")}


# moto answers VerifiedForSendingStatus false for every identity forever (there is no link to
# click), yet sends from it. The emulator says true, which is what moto acts on.
def _ses_create_email_identity(self: ses_models.SESBackend, *args: Any, **kwargs: Any) -> ses_models.EmailIdentity:
    identity = _orig_ses_create_email_identity(self, *args, **kwargs)
    identity.verified_for_sending_status = True
    return identity


# --------------------------------------------------------------------------------------------
# moto's reset
# --------------------------------------------------------------------------------------------

_orig_moto_api_reset = MotoAPIBackend.reset


# POST /moto-api/reset rebuilds the backends (and with them the state kept on pools and users);
# the mailbox and the runtime switches live outside moto, so they are cleared / set back to their
# start-up values here.
def _moto_api_reset(self: MotoAPIBackend) -> None:
    with _LOCK:
        _orig_moto_api_reset(self)
        MAILBOX.clear()
        config.reset()


def apply() -> None:
    """Install every patch (idempotent)."""
    global _applied
    if _applied:
        return
    _applied = True

    Pool.create_refresh_token = _create_refresh_token
    Pool.create_access_token = _create_access_token
    Pool.create_id_token = _create_id_token
    Pool.create_jwt = _create_jwt
    Pool.sign_out = _sign_out

    Backend.associate_software_token = _associate_software_token
    Backend.verify_software_token = _verify_software_token
    Backend.respond_to_auth_challenge = _respond_to_auth_challenge
    Backend.update_user_pool = _update_user_pool
    # moto's own check compares TOTP codes with its fixed secret; ours above already checked the
    # user's secret, so moto's is switched off here (the env variable still switches ours).
    m.get_cognito_idp_user_pool_enable_totp = lambda: False

    for name in GUARDED_OPERATIONS:
        setattr(Resp, name, _locked(_guard_access_token(getattr(Resp, name))))
    for name, fn in NEW_OR_REPLACED_OPERATIONS.items():
        setattr(Resp, name, _locked(fn))

    ses_models.SESBackend.send_email = _ses_send_email
    ses_models.SESBackend.create_email_identity_v2 = _ses_create_email_identity
    SESV2Response.send_email = _with_body_parts(_orig_sesv2_send_email_op, _sesv2_parts)
    SesV1Response.send_email = _with_body_parts(_orig_ses_v1_send_email_op, _ses_v1_parts)

    MotoAPIBackend.reset = _moto_api_reset
