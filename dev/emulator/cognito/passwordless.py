"""Choice-based sign-in (patch 15): InitiateAuth USER_AUTH without ConfirmSignUp's Session, the
SELECT_CHALLENGE step, and the EMAIL_OTP and WEB_AUTHN (webauthn.py, patch 16) first factors.
moto rejects USER_AUTH altogether.

What Cognito does, and the emulator with it:

* The factors a person may start with are the pool's `Policies.SignInPolicy.AllowedFirstAuthFactors`
  (PASSWORD when the pool names none). EMAIL_OTP is offered to a user with an e-mail address.
* Without `PREFERRED_CHALLENGE`, InitiateAuth answers SELECT_CHALLENGE with `AvailableChallenges`;
  RespondToAuthChallenge(SELECT_CHALLENGE, ANSWER=...) picks one. With `PREFERRED_CHALLENGE` that the
  user has, that challenge comes at once (PASSWORD needs `PASSWORD` beside it); otherwise
  SELECT_CHALLENGE.
* EMAIL_OTP sends a 6-digit code to the user's address (here: the dev mailbox, purpose
  "sign-in"). The code and its Session live `auth_session_seconds()` (3 minutes); a wrong code
  answers CodeMismatchException and may be retried with the same Session, at most
  `EMAIL_OTP_ATTEMPTS` answers in all, after which the Session is gone (NotAuthorizedException).
  A right code signs in without an MFA challenge (a passwordless first factor is not followed by
  TOTP in Cognito; the app adds its own rule, see the README).
* Unknown users, when the client prevents user-existence errors, get the same answers with a
  Session that can never succeed, and no mail is sent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from moto.cognitoidp import models as m
from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    InvalidParameterException,
    NotAuthorizedError,
    UserNotConfirmedException,
    UserNotFoundError,
)

from .. import clock
from .common import (
    _delivery,
    _fake_delivery,
    _find_client,
    _mail_code,
    _prevents_existence_errors,
    _pstate,
    refuse_reset_required,
)
from . import webauthn
from .sign_up import auth_session_seconds

BAD_SESSION = "Invalid session for the user."
WRONG_OTP = "Invalid code or auth state for the user."
EMAIL_OTP_ATTEMPTS = 3
CHALLENGES = ("PASSWORD", "EMAIL_OTP", "WEB_AUTHN")


@dataclass
class _Choice:
    """A USER_AUTH sign-in in progress; `username` is None for an unknown user (never succeeds)."""

    username: str | None
    client_id: str
    expires_at: float
    step: str  # "SELECT_CHALLENGE" | "EMAIL_OTP" | "WEB_AUTHN"
    code: str | None = None
    assertion: Any = None  # fido2's state for the WEB_AUTHN step
    attempts_left: int = EMAIL_OTP_ATTEMPTS


def _choices(pool: m.CognitoIdpUserPool) -> dict[str, _Choice]:
    return _pstate(pool).choice_sessions


def allowed_first_factors(pool: m.CognitoIdpUserPool) -> list[str]:
    policy = (pool.extended_config.get("Policies") or {}).get("SignInPolicy") or {}
    return list(policy.get("AllowedFirstAuthFactors") or ["PASSWORD"])


def _available(pool: m.CognitoIdpUserPool, user: m.CognitoIdpUser | None) -> list[str]:
    allowed = allowed_first_factors(pool)
    has = {
        "PASSWORD": True,
        "EMAIL_OTP": user is None or bool(user.attribute_lookup.get("email")),
        # Only a user with a passkey is offered one, as in Cognito.
        "WEB_AUTHN": user is not None and bool(webauthn.passkeys(user)) and webauthn.config(pool) is not None,
    }
    return [c for c in CHALLENGES if c in allowed and has[c]]


def _new_session(pool: m.CognitoIdpUserPool, choice: _Choice) -> str:
    session = secrets.token_urlsafe(96)
    _choices(pool)[session] = choice
    return session


def _select(pool, user, client) -> dict[str, Any]:
    session = _new_session(
        pool, _Choice(user.username if user else None, client.id, clock.now() + auth_session_seconds(), "SELECT_CHALLENGE")
    )
    return {
        "ChallengeName": "SELECT_CHALLENGE",
        "ChallengeParameters": {},
        "AvailableChallenges": _available(pool, user),
        "Session": session,
    }


def _email_otp(pool, user, client, email: str) -> dict[str, Any]:
    choice = _Choice(user.username if user else None, client.id, clock.now() + auth_session_seconds(), "EMAIL_OTP")
    if user is not None:
        to = user.attribute_lookup.get("email")
        choice.code = _mail_code(pool, to, "sign-in", user)
        delivery = _delivery(to)
    else:
        delivery = _fake_delivery(email)
    return {
        "ChallengeName": "EMAIL_OTP",
        "ChallengeParameters": {
            "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
            "CODE_DELIVERY_DESTINATION": delivery["Destination"],
        },
        "Session": _new_session(pool, choice),
    }


def _password(backend, pool, client, user, email: str, password: str | None) -> dict[str, Any]:
    if not password:
        raise InvalidParameterException("Missing required parameter PASSWORD")
    if user is None:
        raise NotAuthorizedError("Incorrect username or password.")
    # moto's USER_PASSWORD_AUTH checks the password, the status and the TOTP challenge.
    return backend.initiate_auth(client.id, "USER_PASSWORD_AUTH", {"USERNAME": email, "PASSWORD": password})


def _user(pool, client, username: str) -> m.CognitoIdpUser | None:
    user = pool._get_user(username)
    if user is None and not _prevents_existence_errors(client):
        raise UserNotFoundError("User does not exist.")
    if user is not None:
        if not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        if user.status == m.UserStatus.UNCONFIRMED:
            raise UserNotConfirmedException("User is not confirmed.")
        refuse_reset_required(user)
    return user


def start(client_id: str, params: dict[str, str]) -> dict[str, Any]:
    """InitiateAuth USER_AUTH without a Session (sign_in.py has already checked the flow and hash)."""
    backend, pool, client = _find_client(client_id)
    username = params["USERNAME"]
    user = _user(pool, client, username)
    preferred = params.get("PREFERRED_CHALLENGE")
    if preferred and preferred in _available(pool, user):
        return _answer(backend, pool, client, user, username, preferred, params)
    return _select(pool, user, client)


def _web_authn(pool, user, client) -> dict[str, Any]:
    params, state = webauthn.begin_assertion(pool, user)
    choice = _Choice(user.username, client.id, clock.now() + auth_session_seconds(), "WEB_AUTHN", assertion=state)
    return {"ChallengeName": "WEB_AUTHN", "ChallengeParameters": params, "Session": _new_session(pool, choice)}


def _answer(backend, pool, client, user, username: str, challenge: str, params: dict[str, str]) -> dict[str, Any]:
    if challenge == "EMAIL_OTP":
        return _email_otp(pool, user, client, username)
    if challenge == "WEB_AUTHN":
        return _web_authn(pool, user, client)
    return _password(backend, pool, client, user, username, params.get("PASSWORD"))


def _take(pool, client, session: str | None, step: str) -> _Choice:
    choice = _choices(pool).get(session or "")
    if choice is None or choice.client_id != client.id or choice.step != step or choice.expires_at <= clock.now():
        _choices(pool).pop(session or "", None)
        raise NotAuthorizedError(BAD_SESSION)
    return choice


def respond(client_id: str, name: str, session: str | None, responses: dict[str, str]) -> dict[str, Any] | None:
    """RespondToAuthChallenge for SELECT_CHALLENGE, EMAIL_OTP and WEB_AUTHN; None for the others."""
    if name not in ("SELECT_CHALLENGE", "EMAIL_OTP", "WEB_AUTHN"):
        return None
    backend, pool, client = _find_client(client_id)  # sign_in.py has checked SECRET_HASH
    choice = _take(pool, client, session, name)
    user = pool._get_user(choice.username) if choice.username else None
    asked = pool._get_user(responses.get("USERNAME") or "")
    if choice.username is not None and (asked is None or asked.username != choice.username):
        raise NotAuthorizedError(BAD_SESSION)
    if name == "SELECT_CHALLENGE":
        del _choices(pool)[session]
        answer = responses.get("ANSWER")
        if answer not in _available(pool, user):
            raise InvalidParameterException(f"{answer} is not an available challenge for this user")
        return _answer(backend, pool, client, user, responses.get("USERNAME") or "", answer, responses)
    if name == "WEB_AUTHN":
        del _choices(pool)[session]  # one assertion per challenge, right or wrong
        webauthn.finish_assertion(pool, user, choice.assertion, responses.get("CREDENTIAL"))
        return backend._log_user_in(pool, client, user.username)
    # EMAIL_OTP
    choice.attempts_left -= 1
    if user is None or choice.code is None or responses.get("EMAIL_OTP_CODE") != choice.code:
        if choice.attempts_left <= 0:
            del _choices(pool)[session]
        raise CodeMismatchException(WRONG_OTP)
    del _choices(pool)[session]
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    return backend._log_user_in(pool, client, user.username)
