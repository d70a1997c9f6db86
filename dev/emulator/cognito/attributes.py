"""User attributes (patches 7, 13): GetUser and UpdateUserAttributes by the app client's
ReadAttributes and WriteAttributes, e-mail verification (GetUserAttributeVerificationCode,
VerifyUserAttribute), and UpdateUserPool keeping the settings it cannot change.

A pool whose `UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate` lists `email`
keeps a user's e-mail until the code sent to the new address is entered (the new address waits in
`user._emulator.pending_email`); without it a changed e-mail takes effect at once, unverified.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

from moto.cognitoidp import models as m
from moto.cognitoidp.exceptions import (
    AliasExistsException,
    InvalidParameterException,
    NotAuthorizedError,
)
from moto.core.responses import ActionResult, EmptyResult

from .common import (
    Backend,
    Resp,
    _check_code,
    _delivery,
    _find_by_access_token,
    _install_operations,
    _issue_code,
    _readable,
    _ustate,
)

# Lifetime of a verification code, in seconds (real Cognito's value).
ATTRIBUTE_CODE_SECONDS = 24 * 3600


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


OPERATIONS: dict[str, Callable] = {
    "get_user_attribute_verification_code": get_user_attribute_verification_code,
    "verify_user_attribute": verify_user_attribute,
    "update_user_attributes": update_user_attributes,
    "get_user": get_user,
}


def apply() -> None:
    """Install this area's patches; only through `emulator.patches.apply()`, which runs once."""
    Backend.update_user_pool = _update_user_pool
    _install_operations(OPERATIONS)
