"""TOTP (patch 8): a random secret per AssociateSoftwareToken instead of moto's fixed one, and
RFC 6238 checks in VerifySoftwareToken and the SOFTWARE_TOKEN_MFA challenge."""

from __future__ import annotations

import time
from typing import Any

import pyotp
from moto import settings as moto_settings
from moto.cognitoidp import models as m
from moto.cognitoidp.exceptions import CodeMismatchException, NotAuthorizedError
from moto.core.exceptions import JsonRESTError

from .common import Backend, _find_by_access_token, _guard_operations, _ustate


def _totp_checks_enabled() -> bool:
    # moto's own switch keeps its meaning: "false" accepts any TOTP code.
    return moto_settings.get_cognito_idp_user_pool_enable_totp()


def _totp_ok(secret: str, code: str | None) -> bool:
    """RFC 6238, SHA-1, 6 digits, 30 s step, one step either side (real clock, like an authenticator app)."""
    if not code or not code.isdigit():
        return False
    return pyotp.TOTP(secret).verify(code, for_time=int(time.time()), valid_window=1)


# --------------------------------------------------------------------------------------------
# Patches on the backend (TOTP)
# --------------------------------------------------------------------------------------------
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


# AccessToken operations moto implements that get Cognito's checks of the token first.
GUARDED_OPERATIONS = (
    "associate_software_token",
    "verify_software_token",
    "set_user_mfa_preference",
)


def apply() -> None:
    """Install this area's patches; only through `emulator.patches.apply()`, which runs once."""
    Backend.associate_software_token = _associate_software_token
    Backend.verify_software_token = _verify_software_token
    Backend.respond_to_auth_challenge = _respond_to_auth_challenge
    # moto's own check compares TOTP codes with its fixed secret; ours above already checked the
    # user's secret, so moto's is switched off here (the env variable still switches ours).
    m.get_cognito_idp_user_pool_enable_totp = lambda: False
    _guard_operations(GUARDED_OPERATIONS)
