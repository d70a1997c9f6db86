"""Email message MFA (patch 20), Cognito's Essentials-tier second factor: a code mailed after the
password. moto knows only TOTP and SMS MFA; it drops `EmailMfaConfiguration` and `EmailMfaSettings`.

What Cognito does, and the emulator with it:

* SetUserPoolMfaConfig takes `EmailMfaConfiguration` {Message, Subject} (Message must hold
  `{####}`), GetUserPoolMfaConfig and SetUserPoolMfaConfig's answer return it. Each call replaces
  the pool's MFA configuration: one without `EmailMfaConfiguration` turns email MFA off. With
  `MfaConfiguration` OFF it is refused ("can't turn off MFA and configure an MFA together", what AWS
  answers); OPTIONAL/ON with email alone is accepted (moto wanted SMS or TOTP). A pool created with
  `UserPoolTier` LITE gets FeatureUnavailableInTierException (no tier given: Essentials, AWS's
  default). AWS also wants the pool's EmailConfiguration to send through SES (DEVELOPER): not checked.
* Email MFA is *available* while the pool's MfaConfiguration is OPTIONAL or ON and it has an
  EmailMfaConfiguration. SetUserMFAPreference / AdminSetUserMFAPreference take `EmailMfaSettings`
  {Enabled, PreferredMfa}: enabling needs it available and a verified e-mail
  (InvalidParameterException otherwise), PreferredMfa needs Enabled, one preferred factor at most.
  GetUser / AdminGetUser then list EMAIL_OTP in `UserMFASettingList`, and `PreferredMfaSetting` is
  EMAIL_OTP when preferred.
* After a right password (USER_PASSWORD_AUTH, and USER_AUTH's PASSWORD, which passwordless.py hands
  to the same moto code), a user with email MFA enabled, while it is available, gets a challenge
  instead of tokens: the preferred factor; else the only one; else, with TOTP enabled too,
  SELECT_MFA_TYPE with `MFAS_CAN_CHOOSE` '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]', answered with
  `ANSWER`. EMAIL_OTP mails a 6-digit code (mailbox purpose "sign-in", so a CustomMessage trigger
  runs with CustomMessage_Authentication) and answers `CODE_DELIVERY_DELIVERY_MEDIUM` EMAIL and the
  masked address; the answer `EMAIL_OTP_CODE` is checked by passwordless.py's EMAIL_OTP step (same
  session store, same retries: a wrong code is CodeMismatchException, retryable up to
  `passwordless.EMAIL_OTP_ATTEMPTS` answers in all). The sessions live `auth_session_seconds()`;
  an expired one is NotAuthorizedException "Invalid session for the user, session is expired.".
  SOFTWARE_TOKEN_MFA chosen or preferred is moto's challenge (totp.py checks the code). Users
  without email MFA get moto's answers, unchanged.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.cognitoidp import models as m
from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult

from .. import clock
from . import passwordless
from .common import Backend, Resp, _delivery, _find_by_access_token, _find_client, _install_operations, _mail_code
from .sign_up import auth_session_seconds

EMAIL_OTP = "EMAIL_OTP"
TOTP = "SOFTWARE_TOKEN_MFA"
SELECT = "SELECT_MFA_TYPE"
EXPIRED_SESSION = "Invalid session for the user, session is expired."
OFF_WITH_FACTOR = "Invalid MFA configuration given, can't turn off MFA and configure an MFA together."
NOT_AVAILABLE = "Email MFA is not enabled for this user pool."
NOT_VERIFIED = "User does not have delivery config set to turn on EMAIL_OTP"
PREFERRED_NOT_ENABLED = "Email MFA cannot be the preferred MFA when it is not enabled."
ONE_PREFERRED = "Only one MFA type can be set as preferred."
CODE_PLACEHOLDER = "{####}"


class FeatureUnavailableInTierException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("FeatureUnavailableInTierException", "Email MFA requires the Essentials or Plus tier.")


# --------------------------------------------------------------------------------------------
# State: kept on moto's pool and user objects (gone with them on reset), apart from common.py's
# --------------------------------------------------------------------------------------------


@dataclass
class _PoolEmailMfa:
    config: dict[str, str] | None = None  # the pool's EmailMfaConfiguration, as given


@dataclass
class _UserEmailMfa:
    enabled: bool = False


@dataclass
class _MfaChoice(passwordless._Choice):
    """An MFA step after the password, in passwordless.py's session store: step EMAIL_OTP (answered
    by passwordless.respond) or SELECT_MFA_TYPE (answered here)."""

    factors: list[str] = field(default_factory=list)


def _pool(pool: m.CognitoIdpUserPool) -> _PoolEmailMfa:
    return pool.__dict__.setdefault("_emulator_email_mfa", _PoolEmailMfa())


def _user(user: m.CognitoIdpUser) -> _UserEmailMfa:
    return user.__dict__.setdefault("_emulator_email_mfa", _UserEmailMfa())


def _lite(pool: m.CognitoIdpUserPool) -> bool:
    return pool.extended_config.get("UserPoolTier") == "LITE"


def config(pool: m.CognitoIdpUserPool) -> dict[str, str] | None:
    """The pool's EmailMfaConfiguration, if set."""
    return _pool(pool).config


def available(pool: m.CognitoIdpUserPool) -> bool:
    """Whether the pool offers email MFA: MFA OPTIONAL or ON with an EmailMfaConfiguration."""
    return pool.mfa_config in ("ON", "OPTIONAL") and config(pool) is not None and not _lite(pool)


def enabled(user: m.CognitoIdpUser) -> bool:
    return _user(user).enabled


def factors(pool: m.CognitoIdpUserPool, user: m.CognitoIdpUser) -> list[str]:
    """The MFA factors the sign-in asks about, when email MFA is among them; [] leaves it to moto."""
    if not (enabled(user) and available(pool) and user.attribute_lookup.get("email")):
        return []
    return [TOTP, EMAIL_OTP] if user.software_token_mfa_enabled else [EMAIL_OTP]


def _email_verified(user: m.CognitoIdpUser) -> bool:
    return bool(user.attribute_lookup.get("email")) and str(user.attribute_lookup.get("email_verified")).lower() == "true"


# --------------------------------------------------------------------------------------------
# The pool's configuration: SetUserPoolMfaConfig / GetUserPoolMfaConfig
# --------------------------------------------------------------------------------------------

# Installed over webauthn.py's versions (which add WebAuthnConfiguration), taken at apply time.
_prev: dict[str, Callable] = {}


def _check_config(pool: m.CognitoIdpUserPool, wanted: Any, mode: str | None) -> None:
    if _lite(pool):
        raise FeatureUnavailableInTierException()
    if not isinstance(wanted, dict):
        raise InvalidParameterException("EmailMfaConfiguration must be an object.")
    if mode == "OFF":
        raise InvalidParameterException(OFF_WITH_FACTOR)
    message = wanted.get("Message")
    if message is not None and (CODE_PLACEHOLDER not in message or not 6 <= len(message) <= 20000):
        raise InvalidParameterException("EmailMfaConfiguration.Message must contain {####} and be 6 to 20000 characters long.")
    subject = wanted.get("Subject")
    if subject is not None and not subject.strip():
        raise InvalidParameterException("EmailMfaConfiguration.Subject must not be empty.")


def _with_params(resp: Resp, overrides: dict[str, Any], fn: Callable) -> Any:
    """Runs the operation `fn` with some request parameters replaced (moto builds a response object
    per request, so the shadowing stays within this request)."""
    get = resp._get_param
    resp._get_param = lambda name, if_none=None: overrides[name] if name in overrides else get(name, if_none)  # type: ignore[method-assign]
    try:
        return fn(resp)
    finally:
        del resp._get_param


# SetUserPoolMfaConfig (wraps moto's, through webauthn.py's): keeps EmailMfaConfiguration. moto
# refuses OPTIONAL/ON without SMS or TOTP; with email alone it is told TOTP is off, which is what
# GetUserPoolMfaConfig then shows (SoftwareTokenMfaConfiguration {Enabled: false}).
def set_user_pool_mfa_config(self: Resp) -> ActionResult:
    pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
    wanted = self._get_param("EmailMfaConfiguration")
    mode = self._get_param("MfaConfiguration")
    if wanted is not None:
        _check_config(pool, wanted, mode)
    email_alone = (
        wanted is not None
        and mode in ("ON", "OPTIONAL")
        and self._get_param("SmsMfaConfiguration") is None
        and self._get_param("SoftwareTokenMfaConfiguration") is None
    )
    if email_alone:
        result = _with_params(self, {"SoftwareTokenMfaConfiguration": {"Enabled": False}}, _prev["set_user_pool_mfa_config"])
    else:
        result = _prev["set_user_pool_mfa_config"](self)
    _pool(pool).config = {k: v for k, v in wanted.items() if k in ("Message", "Subject")} if wanted is not None else None
    return _with_config(result, pool)


def get_user_pool_mfa_config(self: Resp) -> ActionResult:
    pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
    return _with_config(_prev["get_user_pool_mfa_config"](self), pool)


def _with_config(result: ActionResult, pool: m.CognitoIdpUserPool) -> ActionResult:
    body = dict(result.result)  # type: ignore[arg-type]
    if config(pool) is not None:
        body["EmailMfaConfiguration"] = dict(config(pool) or {})
    return ActionResult(body)


# --------------------------------------------------------------------------------------------
# The user's preference: SetUserMFAPreference / AdminSetUserMFAPreference, GetUser / AdminGetUser
# --------------------------------------------------------------------------------------------


def _check_preference(pool, user, email: dict[str, Any], other_preferred: bool) -> None:
    if email.get("Enabled"):
        if not available(pool):
            raise InvalidParameterException(NOT_AVAILABLE)
        if not _email_verified(user):
            raise InvalidParameterException(NOT_VERIFIED)
    if email.get("PreferredMfa"):
        if not email.get("Enabled"):
            raise InvalidParameterException(PREFERRED_NOT_ENABLED)
        if other_preferred:
            raise InvalidParameterException(ONE_PREFERRED)


def _set_preference(resp: Resp, user: m.CognitoIdpUser, pool: m.CognitoIdpUserPool, operation: str) -> Any:
    """Checks EmailMfaSettings, lets moto apply the TOTP and SMS settings, then applies the email ones.

    moto clears any preference it is not setting itself ("" unless SMS or TOTP), so EMAIL_OTP stays
    preferred unless this call prefers another factor or turns email MFA off / un-prefers it."""
    email = resp._get_param("EmailMfaSettings")
    others = [resp._get_param(name) or {} for name in ("SoftwareTokenMfaSettings", "SMSMfaSettings")]
    other_preferred = any(settings.get("PreferredMfa") for settings in others)
    if email is not None:
        _check_preference(pool, user, email, other_preferred)
    before = user.preferred_mfa_setting
    result = _prev[operation](resp)
    if before == EMAIL_OTP and not other_preferred:
        user.preferred_mfa_setting = EMAIL_OTP
    if email is not None:
        _user(user).enabled = bool(email.get("Enabled"))
        if email.get("PreferredMfa"):
            user.preferred_mfa_setting = EMAIL_OTP
        elif user.preferred_mfa_setting == EMAIL_OTP:
            user.preferred_mfa_setting = ""
    return result


# SetUserMFAPreference (wraps moto's, behind totp.py's access-token check): adds EmailMfaSettings.
def set_user_mfa_preference(self: Resp) -> Any:
    _, pool, user = _find_by_access_token(self._get_param("AccessToken"))
    return _set_preference(self, user, pool, "set_user_mfa_preference")


# AdminSetUserMFAPreference (wraps moto's): adds EmailMfaSettings.
def admin_set_user_mfa_preference(self: Resp) -> Any:
    pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
    user = self.backend.admin_get_user(pool.id, self._get_param("Username"))
    return _set_preference(self, user, pool, "admin_set_user_mfa_preference")


# CognitoIdpUser.to_json (GetUser, AdminGetUser): EMAIL_OTP in UserMFASettingList when enabled
# (PreferredMfaSetting is moto's own field, set above).
def _to_json(self: m.CognitoIdpUser, *args: Any, **kwargs: Any) -> dict[str, Any]:
    out = _prev["to_json"](self, *args, **kwargs)
    if "UserMFASettingList" in out and enabled(self):
        out["UserMFASettingList"] = [*out["UserMFASettingList"], EMAIL_OTP]
    return out


# --------------------------------------------------------------------------------------------
# Sign-in: the challenge after the password, and the answers
# --------------------------------------------------------------------------------------------


def _start(backend, pool, client, user, factor: str, choices: list[str]) -> dict[str, Any]:
    """The challenge for one factor, or SELECT_MFA_TYPE."""
    if factor == TOTP:  # moto's challenge, answered by moto (totp.py checks the code)
        session = str(uuid.uuid4())
        backend.sessions[session] = (user.username, pool)
        return {"ChallengeName": TOTP, "ChallengeParameters": {}, "Session": session}
    choice = _MfaChoice(user.username, client.id, clock.now() + auth_session_seconds(), factor, factors=choices)
    if factor == SELECT:
        parameters = {"MFAS_CAN_CHOOSE": json.dumps(choices, separators=(",", ":"))}
    else:
        to = user.attribute_lookup.get("email")
        choice.code = _mail_code(pool, to, "sign-in", user)
        parameters = {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": _delivery(to)["Destination"]}
    return {"ChallengeName": factor, "ChallengeParameters": parameters, "Session": passwordless._new_session(pool, choice)}


def _after_password(backend: Backend, client_id: str, params: dict[str, str]) -> dict[str, Any] | None:
    """The MFA challenge for a user with email MFA whose password is right; None leaves the sign-in
    to moto (wrong password, unconfirmed, disabled, NEW_PASSWORD_REQUIRED, no email MFA)."""
    _, pool, client = _find_client(client_id)
    user = pool._get_user(params.get("USERNAME") or "")
    password = params.get("PASSWORD")
    if user is None or not password or user.password != password or not user.enabled or user.status != m.UserStatus.CONFIRMED:
        return None
    choices = factors(pool, user)
    if not choices:
        return None
    if user.preferred_mfa_setting in choices:
        return _start(backend, pool, client, user, user.preferred_mfa_setting, choices)
    if len(choices) == 1:
        return _start(backend, pool, client, user, choices[0], choices)
    return _start(backend, pool, client, user, SELECT, choices)


# CognitoIdpBackend.initiate_auth (wraps whatever is installed): USER_PASSWORD_AUTH, which both
# InitiateAuth and passwordless.py's PASSWORD factor end in, asks for email MFA when it applies.
def _initiate_auth(self: Backend, client_id: str, auth_flow: str, auth_parameters: dict[str, str]) -> dict[str, Any]:
    if str(getattr(auth_flow, "value", auth_flow)) == "USER_PASSWORD_AUTH":
        challenge = _after_password(self, client_id, auth_parameters or {})
        if challenge is not None:
            return challenge
    return _prev["initiate_auth"](self, client_id, auth_flow, auth_parameters)


def respond(client_id: str, name: str, session: str | None, responses: dict[str, str]) -> dict[str, Any] | None:
    """RespondToAuthChallenge (sign_in.py, after SECRET_HASH) for SELECT_MFA_TYPE, and an expired
    EMAIL_OTP MFA session; None otherwise (passwordless.respond checks EMAIL_OTP codes)."""
    if name not in (SELECT, EMAIL_OTP):
        return None
    backend, pool, client = _find_client(client_id)
    store = passwordless._choices(pool)
    choice = store.get(session or "")
    if name == EMAIL_OTP:
        if isinstance(choice, _MfaChoice) and choice.expires_at <= clock.now():
            del store[session]
            raise NotAuthorizedError(EXPIRED_SESSION)
        return None
    if not isinstance(choice, _MfaChoice) or choice.step != SELECT:
        raise NotAuthorizedError(EXPIRED_SESSION)
    del store[session]  # one answer per SELECT_MFA_TYPE
    user = pool._get_user(choice.username)
    asked = pool._get_user(responses.get("USERNAME") or "")
    if choice.client_id != client.id or choice.expires_at <= clock.now() or user is None or asked is None:
        raise NotAuthorizedError(EXPIRED_SESSION)
    if asked.username != user.username:
        raise NotAuthorizedError(EXPIRED_SESSION)
    answer = responses.get("ANSWER")
    if answer not in choice.factors or answer not in factors(pool, user):
        raise InvalidParameterException(f"{answer} is not an MFA type the user can choose.")
    return _start(backend, pool, client, user, answer, choice.factors)


OPERATIONS: dict[str, Callable] = {
    "set_user_pool_mfa_config": set_user_pool_mfa_config,
    "get_user_pool_mfa_config": get_user_pool_mfa_config,
    "set_user_mfa_preference": set_user_mfa_preference,
    "admin_set_user_mfa_preference": admin_set_user_mfa_preference,
}


def apply() -> None:
    """Install this area's patches; only through `emulator.patches.apply()`, which runs once, after
    webauthn.py and totp.py (whose versions of these operations are wrapped here)."""
    for name in OPERATIONS:
        _prev[name] = getattr(Resp, name)
    _prev["to_json"] = m.CognitoIdpUser.to_json
    _prev["initiate_auth"] = Backend.initiate_auth
    _install_operations(OPERATIONS)
    m.CognitoIdpUser.to_json = _to_json
    Backend.initiate_auth = _initiate_auth
