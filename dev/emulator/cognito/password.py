"""Passwords (patch 9): ForgotPassword mails a code, ConfirmForgotPassword checks it and the pool's
password policy; ChangePassword gets Cognito's access-token checks."""

from __future__ import annotations

from collections.abc import Callable

from moto.cognitoidp import models as m
from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    InvalidParameterException,
    NotAuthorizedError,
    UserNotFoundError,
)
from moto.core.responses import ActionResult, EmptyResult

from .common import (
    CODE_MISMATCH,
    NO_SUCH_USER,
    Resp,
    _check_code,
    _delivery,
    _fake_delivery,
    _find_client,
    _guard_operations,
    _install_operations,
    _issue_code,
    _prevents_existence_errors,
)
from .secret_hash import _check_secret_hash

# Lifetime of a forgot-password code, in seconds (real Cognito's value).
FORGOT_PASSWORD_CODE_SECONDS = 3600


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


# AccessToken operations moto implements that get Cognito's checks of the token first.
GUARDED_OPERATIONS = ("change_password",)

OPERATIONS: dict[str, Callable] = {
    "forgot_password": forgot_password,
    "confirm_forgot_password": confirm_forgot_password,
}


def apply() -> None:
    """Install this area's patches; only through `emulator.patches.apply()`, which runs once."""
    _guard_operations(GUARDED_OPERATIONS)
    _install_operations(OPERATIONS)
