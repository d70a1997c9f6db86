"""Sign-in (patches 3, 11, 12, 15, 19, 20): InitiateAuth (USER_AUTH with ConfirmSignUp's Session, or
choice-based through passwordless.py, ExplicitAuthFlows, unknown and unconfirmed users,
SECRET_HASH, refresh-token checks, no REFRESH_TOKEN_AUTH for a client with refresh-token rotation),
AdminInitiateAuth's refresh-token checks, and RespondToAuthChallenge's SECRET_HASH (then
email_mfa.py's SELECT_MFA_TYPE, and passwordless.py's challenges)."""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

from moto.cognitoidp import models as m
from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    UserNotConfirmedException,
)
from moto.core.responses import ActionResult

from .. import clock, config
from . import email_mfa, passwordless
from .common import Resp, _find_client, _install_operations, _prevents_existence_errors, _pstate, refuse_reset_required
from .rotation import refuse_refresh_token_auth
from .secret_hash import _check_secret_hash, _require_secret_hash
from .tokens import _check_refresh_token

BAD_AUTH_SESSION = "Invalid session for the user, session is expired."


def _require_flow(client: m.CognitoIdpUserPoolClient, flow: str) -> None:
    """Cognito refuses a flow the app client does not list in ExplicitAuthFlows (moto never checks).

    Only enforced when the client lists flows at all, except USER_AUTH, which is never a default."""
    flows = client.extended_config.get("ExplicitAuthFlows") or []
    if flow == "USER_AUTH" or flows:
        if f"ALLOW_{flow}" not in flows and flow not in flows:
            raise InvalidParameterException(f"{flow} flow not enabled for this client")


_orig_initiate_auth = Resp.initiate_auth
_orig_admin_initiate_auth = Resp.admin_initiate_auth
_orig_respond_to_auth_challenge_op = Resp.respond_to_auth_challenge


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
# A client with refresh-token rotation ENABLED must refresh with GetTokensFromRefreshToken:
# REFRESH_TOKEN_AUTH is refused before anything else is looked at (rotation.py).
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
        if user is not None and user.enabled and user.status == m.UserStatus.UNCONFIRMED and config.get("unconfirmed_first"):
            raise UserNotConfirmedException("User is not confirmed.")
        refuse_reset_required(user)
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        refuse_refresh_token_auth(client)
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
        return passwordless.start(client_id, params)
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


# AdminInitiateAuth (wraps moto's): the same refresh-token checks as InitiateAuth, and the same
# refusal for a client with refresh-token rotation.
def admin_initiate_auth(self: Resp) -> ActionResult:
    if self._get_param("AuthFlow") in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
        refuse_refresh_token_auth(pool.clients.get(self._get_param("ClientId")))
        _check_refresh_token(pool, (self._get_param("AuthParameters") or {}).get("REFRESH_TOKEN"))
    return _orig_admin_initiate_auth(self)


# RespondToAuthChallenge (wraps moto's): for a client with a secret, ChallengeResponses must carry
# SECRET_HASH of the USERNAME sent with it, for every challenge (moto checks only the MFA ones,
# with the hash as the message). SELECT_MFA_TYPE (and an expired EMAIL_OTP MFA session) is answered
# by email_mfa.py; SELECT_CHALLENGE and EMAIL_OTP (first factor or MFA) by passwordless.py.
def respond_to_auth_challenge(self: Resp) -> Any:
    client_id = self._get_param("ClientId")
    _, _, client = _find_client(client_id)
    responses = self._get_param("ChallengeResponses") or {}
    _check_secret_hash(client, responses.get("USERNAME"), responses.get("SECRET_HASH"))
    name, session = self._get_param("ChallengeName"), self._get_param("Session")
    choice = email_mfa.respond(client_id, name, session, responses)
    if choice is None:
        choice = passwordless.respond(client_id, name, session, responses)
    if choice is not None:
        return ActionResult(choice)
    return _orig_respond_to_auth_challenge_op(self)


OPERATIONS: dict[str, Callable] = {
    "initiate_auth": initiate_auth,
    "admin_initiate_auth": admin_initiate_auth,
    "respond_to_auth_challenge": respond_to_auth_challenge,
}


def apply() -> None:
    """Install this area's patches; only through `emulator.patches.apply()`, which runs once."""
    _install_operations(OPERATIONS)
