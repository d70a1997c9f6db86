"""Passkeys (patch 16): the pool's WebAuthn configuration (SetUserPoolMfaConfig /
GetUserPoolMfaConfig `WebAuthnConfiguration`), StartWebAuthnRegistration,
CompleteWebAuthnRegistration, ListWebAuthnCredentials, DeleteWebAuthnCredential, and the WEB_AUTHN
first factor of choice-based sign-in (passwordless.py asks `begin_assertion`/`finish_assertion`).
moto has none of it.

Registration and assertion are verified for real with the `fido2` library (Yubico's
python-fido2, `dev/requirements.txt`): the client data's type, challenge and origin, the RP id
hash, the user-presence (and, when the pool requires it, user-verification) flags, the
attestation's format and signature, and the assertion's signature against the stored public key.
The signature counter must grow whenever the authenticator keeps one. Origins allowed: `https://`
the relying party id or a subdomain of it; for `localhost` also `http://localhost[:port]`, as
browsers allow WebAuthn there.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable
from urllib.parse import urlsplit

from fido2.server import Fido2Server
from fido2.webauthn import (
    AttestedCredentialData,
    AuthenticationResponse,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialUserEntity,
    ResidentKeyRequirement,
)
from moto.cognitoidp import models as m
from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult

from .. import clock
from .common import Resp, _find_by_access_token, _install_operations, _pstate, _ustate

REGISTRATION_SECONDS = 300
BAD_PASSKEY = "Invalid passkey credential."

_orig_set_mfa_config = Resp.set_user_pool_mfa_config
_orig_get_mfa_config = Resp.get_user_pool_mfa_config


class WebAuthnError(JsonRESTError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(error_type=code, message=message)


@dataclass
class Passkey:
    credential: bytes  # AttestedCredentialData: AAGUID, credential id, COSE public key
    sign_count: int
    created_at: float
    transports: list[str] = field(default_factory=list)
    attachment: str | None = None
    last_used_at: float | None = None

    @property
    def data(self) -> AttestedCredentialData:
        return AttestedCredentialData(self.credential)

    @property
    def id(self) -> str:
        return b64url(self.data.credential_id)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def passkeys(user: m.CognitoIdpUser) -> list[Passkey]:
    return _ustate(user).passkeys


def config(pool: m.CognitoIdpUserPool) -> dict[str, str] | None:
    """The pool's WebAuthnConfiguration ({"RelyingPartyId", "UserVerification"}), if set."""
    return _pstate(pool).webauthn


def origin_allowed(rp_id: str, origin: str) -> bool:
    parts = urlsplit(origin)
    host = parts.hostname or ""
    if host != rp_id and not host.endswith("." + rp_id):
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and host == "localhost")


def _server(pool: m.CognitoIdpUserPool) -> tuple[Fido2Server, str]:
    cfg = config(pool)
    if not cfg or not cfg.get("RelyingPartyId"):
        raise WebAuthnError("WebAuthnConfigurationMissingException", "The user pool has no WebAuthn relying party id.")
    rp_id = cfg["RelyingPartyId"]
    server = Fido2Server(PublicKeyCredentialRpEntity(name=pool.name, id=rp_id), verify_origin=lambda o: origin_allowed(rp_id, o))
    return server, cfg.get("UserVerification", "preferred").lower()


def _fido2_error(e: Exception) -> WebAuthnError:
    text = str(e).lower()
    if "origin" in text:
        return WebAuthnError("WebAuthnOriginNotAllowedException", "The origin is not allowed for this relying party.")
    if "rp id" in text or "rp_id" in text:
        return WebAuthnError("WebAuthnRelyingPartyMismatchException", "The relying party id does not match.")
    return WebAuthnError("WebAuthnCredentialNotSupportedException", f"The credential was refused: {e}")


# --------------------------------------------------------------------------------------------
# The pool's configuration
# --------------------------------------------------------------------------------------------


def set_user_pool_mfa_config(self: Resp) -> ActionResult:
    pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
    wanted = self._get_param("WebAuthnConfiguration")
    result = _orig_set_mfa_config(self)
    if wanted is not None:
        _pstate(pool).webauthn = {
            "RelyingPartyId": wanted.get("RelyingPartyId", ""),
            "UserVerification": wanted.get("UserVerification", "preferred"),
        }
    return _with_config(result, pool)


def get_user_pool_mfa_config(self: Resp) -> ActionResult:
    pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
    return _with_config(_orig_get_mfa_config(self), pool)


def _with_config(result: ActionResult, pool: m.CognitoIdpUserPool) -> ActionResult:
    body = dict(result.result)  # type: ignore[arg-type]
    if config(pool):
        body["WebAuthnConfiguration"] = config(pool)
    return ActionResult(body)


# --------------------------------------------------------------------------------------------
# Registration, listing, deletion (with the user's access token)
# --------------------------------------------------------------------------------------------


def start_web_authn_registration(self: Resp) -> ActionResult:
    _, pool, user = _find_by_access_token(self._get_param("AccessToken"))
    server, uv = _server(pool)
    email = user.attribute_lookup.get("email") or user.username
    entity = PublicKeyCredentialUserEntity(name=email, id=user.username.encode(), display_name=email)
    options, state = server.register_begin(
        entity,
        [p.data for p in passkeys(user)],
        user_verification=uv,
        resident_key_requirement=ResidentKeyRequirement.REQUIRED,
    )
    _ustate(user).registration = (state, clock.now() + REGISTRATION_SECONDS)
    return ActionResult({"CredentialCreationOptions": dict(options)["publicKey"]})


def complete_web_authn_registration(self: Resp) -> ActionResult:
    _, pool, user = _find_by_access_token(self._get_param("AccessToken"))
    server, _ = _server(pool)
    pending, _ustate(user).registration = _ustate(user).registration, None
    if pending is None or pending[1] <= clock.now():
        raise WebAuthnError("WebAuthnChallengeNotFoundException", "No registration is waiting for this user.")
    credential = self._get_param("Credential")
    if not isinstance(credential, dict):
        raise InvalidParameterException("Credential must be the RegistrationResponseJSON of the new passkey.")
    try:
        auth_data = server.register_complete(pending[0], credential)
    except Exception as e:  # fido2 raises ValueError and friends for every refusal
        raise _fido2_error(e) from None
    data = auth_data.credential_data
    if any(p.data.credential_id == data.credential_id for p in passkeys(user)):
        raise WebAuthnError("WebAuthnCredentialNotSupportedException", "This passkey is already registered.")
    response = credential.get("response") or {}
    passkeys(user).append(
        Passkey(
            credential=bytes(data),
            sign_count=auth_data.counter,
            created_at=clock.now(),
            transports=list(response.get("transports") or []),
            attachment=credential.get("authenticatorAttachment"),
        )
    )
    return ActionResult({})


def list_web_authn_credentials(self: Resp) -> ActionResult:
    _, pool, user = _find_by_access_token(self._get_param("AccessToken"))
    rp_id = (config(pool) or {}).get("RelyingPartyId", "")
    listed = []
    for p in passkeys(user):
        entry: dict[str, Any] = {
            "CredentialId": p.id,
            "FriendlyCredentialName": "Passkey",
            "RelyingPartyId": rp_id,
            "AuthenticatorTransports": p.transports,
            "CreatedAt": p.created_at,
        }
        if p.attachment:
            entry["AuthenticatorAttachment"] = p.attachment
        listed.append(entry)
    return ActionResult({"Credentials": listed})


def delete_web_authn_credential(self: Resp) -> ActionResult:
    _, _, user = _find_by_access_token(self._get_param("AccessToken"))
    wanted = self._get_param("CredentialId")
    keys = passkeys(user)
    for p in keys:
        if p.id == wanted:
            keys.remove(p)
            return ActionResult({})
    raise WebAuthnError("ResourceNotFoundException", "No such credential for this user.")


# --------------------------------------------------------------------------------------------
# The WEB_AUTHN first factor (called by passwordless.py)
# --------------------------------------------------------------------------------------------


def begin_assertion(pool: m.CognitoIdpUserPool, user: m.CognitoIdpUser | None) -> tuple[dict[str, str], Any]:
    """ChallengeParameters for WEB_AUTHN and the state `finish_assertion` needs."""
    server, uv = _server(pool)
    keys = [p.data for p in passkeys(user)] if user else []
    options, state = server.authenticate_begin(keys, user_verification=uv)
    return {"CREDENTIAL_REQUEST_OPTIONS": json.dumps(dict(options)["publicKey"])}, state


def finish_assertion(pool: m.CognitoIdpUserPool, user: m.CognitoIdpUser | None, state: Any, credential: str | None) -> None:
    """Raises NotAuthorizedException unless `credential` (AuthenticationResponseJSON) is a valid
    assertion by one of the user's passkeys; then records its new sign count and use."""
    if user is None or not credential:
        raise NotAuthorizedError(BAD_PASSKEY)
    try:
        response = json.loads(credential)
    except ValueError:
        raise NotAuthorizedError(BAD_PASSKEY) from None
    server, _ = _server(pool)
    keys = passkeys(user)
    try:
        used = server.authenticate_complete(state, [p.data for p in keys], response)
        counter = _counter(response)
    except Exception:  # fido2 raises ValueError and friends for every refusal
        raise NotAuthorizedError(BAD_PASSKEY) from None
    passkey = next(p for p in keys if p.data.credential_id == used.credential_id)
    # A counter that does not grow means a cloned authenticator (both zero: it keeps none).
    if (counter or passkey.sign_count) and counter <= passkey.sign_count:
        raise NotAuthorizedError(BAD_PASSKEY)
    passkey.sign_count = counter
    passkey.last_used_at = clock.now()


def _counter(response: dict[str, Any]) -> int:
    return AuthenticationResponse.from_dict(response).response.authenticator_data.counter


OPERATIONS: dict[str, Callable] = {
    "set_user_pool_mfa_config": set_user_pool_mfa_config,
    "get_user_pool_mfa_config": get_user_pool_mfa_config,
    "start_web_authn_registration": start_web_authn_registration,
    "complete_web_authn_registration": complete_web_authn_registration,
    "list_web_authn_credentials": list_web_authn_credentials,
    "delete_web_authn_credential": delete_web_authn_credential,
}


def apply() -> None:
    """Install this area's patches; only through `emulator.patches.apply()`, which runs once."""
    _install_operations(OPERATIONS)
