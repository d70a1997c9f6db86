"""Sign-up (patches 1-3): SignUp mails a code and returns a Session, ConfirmSignUp checks the code
and trades that Session for a USER_AUTH one (used in sign_in.py), ResendConfirmationCode. SignUp
without a Password makes an account with none when the pool allows a one-time code as a first
factor (patch 17); ChangePassword then takes no PreviousPassword (moto compares it with the None
kept)."""

from __future__ import annotations

import os
import secrets
from typing import Any
from collections.abc import Callable

from moto.cognitoidp import models as m
from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    InvalidParameterException,
    NotAuthorizedError,
    UserNotFoundError,
)
from moto.core.responses import ActionResult

from .. import clock
from .common import (
    CODE_MISMATCH,
    NO_SUCH_USER,
    Resp,
    _check_code,
    _delivery,
    _fake_delivery,
    _find_client,
    _install_operations,
    _issue_code,
    _prevents_existence_errors,
    _pstate,
    _Session,
)
from .secret_hash import _check_secret_hash

# Lifetimes of what the emulator hands out, in seconds (real Cognito's values).
SIGN_UP_CODE_SECONDS = 24 * 3600
# Real Cognito does not document how long SignUp's Session lasts; it must outlive a code.
SIGN_UP_SESSION_SECONDS = 24 * 3600
DEFAULT_AUTH_SESSION_SECONDS = 180


def auth_session_seconds() -> int:
    """Lifetime of the Session ConfirmSignUp returns; EMULATOR_AUTH_SESSION_SECONDS overrides it."""
    return int(os.environ.get("EMULATOR_AUTH_SESSION_SECONDS", DEFAULT_AUTH_SESSION_SECONDS))


def _new_session_id() -> str:
    return secrets.token_urlsafe(96)


# SignUp (replaces moto's): moto sends no code. Here a random 6-digit code goes to the mailbox,
# CodeDeliveryDetails names the masked e-mail, and a Session for ConfirmSignUp is returned.
def sign_up(self: Resp) -> ActionResult:
    client_id = self._get_param("ClientId")
    _, pool, client = _find_client(client_id)
    _check_secret_hash(client, self._get_param("Username"), self._get_param("SecretHash"))
    password = self._get_param("Password")
    # Passwordless sign-up: Cognito lets Password be left out when the pool's sign-in policy
    # offers a one-time code as a first factor (EMAIL_OTP, SMS_OTP; a passkey alone is not enough);
    # the account then has no password.
    passwordless = not password
    if passwordless:
        from .passwordless import allowed_first_factors

        if not {"EMAIL_OTP", "SMS_OTP"} & set(allowed_first_factors(pool)):
            raise InvalidParameterException("Password is required for this user pool.")
        # moto checks the policy on every sign-up: a throwaway that passes it, then no password.
        password = secrets.token_urlsafe(24) + "aA1!"
    user, _ = self._get_region_agnostic_backend().sign_up(
        client_id=client_id,
        username=self._get_param("Username"),
        password=password,
        attributes=self._get_param("UserAttributes", []),
    )
    if passwordless:
        user.password = None
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


OPERATIONS: dict[str, Callable] = {
    "sign_up": sign_up,
    "confirm_sign_up": confirm_sign_up,
    "resend_confirmation_code": resend_confirmation_code,
}


def apply() -> None:
    """Install this area's patches; only through `emulator.patches.apply()`, which runs once."""
    _install_operations(OPERATIONS)
