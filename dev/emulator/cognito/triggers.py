"""Patch 18: the CustomMessage trigger. moto never invokes Lambda triggers; Cognito calls a pool's
CustomMessage function before each email with a code, and sends the subject and message it answers.

Here, when the pool's LambdaConfig names a CustomMessage function and EMULATOR_CUSTOM_MESSAGE_COMMAND
is set (e.g. "target/debug/leptos-cognito custom-message"), every code the emulator mails first goes
through that command: the trigger event as JSON on stdin, the answered event on stdout, run from the
repository root. The mailbox then records the answer's subject and HTML (with the code in place of
{####}, the user name in place of {username}) and a text rendering of it. A command that fails or
answers something else fails the operation as Cognito does (UserLambdaValidationException). Without
a trigger, or without the command, the mail is Cognito's plain code as before.
"""

from __future__ import annotations

import html
import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

from moto.cognitoidp import models as m
from moto.core.exceptions import JsonRESTError

COMMAND_ENV = "EMULATOR_CUSTOM_MESSAGE_COMMAND"
ROOT = Path(__file__).resolve().parents[3]
TIMEOUT_SECONDS = 5

# The mailbox's purpose -> Cognito's triggerSource.
SOURCES = {
    "sign-up": "CustomMessage_SignUp",
    "resend": "CustomMessage_ResendCode",
    "forgot-password": "CustomMessage_ForgotPassword",
    "verify-email": "CustomMessage_UpdateUserAttribute",
    "sign-in": "CustomMessage_Authentication",
    "invitation": "CustomMessage_AdminCreateUser",
}


class TriggerError(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__(error_type="UserLambdaValidationException", message=message)


def function(pool: m.CognitoIdpUserPool) -> str | None:
    """The pool's CustomMessage function, if it names one."""
    return (pool.extended_config.get("LambdaConfig") or {}).get("CustomMessage") or None


def event(pool: m.CognitoIdpUserPool, user: m.CognitoIdpUser, purpose: str) -> dict[str, Any]:
    attributes = {a["Name"]: a["Value"] for a in user.attributes}
    attributes.setdefault("sub", user.id)
    request: dict[str, Any] = {"userAttributes": attributes, "codeParameter": "{####}", "clientMetadata": {}}
    if purpose == "invitation":
        request["usernameParameter"] = "{username}"
    return {
        "version": "1",
        "triggerSource": SOURCES[purpose],
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": user.username,
        "callerContext": {"awsSdkVersion": "emulator", "clientId": "CLIENT_ID_NOT_APPLICABLE"},
        "request": request,
        "response": {"smsMessage": None, "emailMessage": None, "emailSubject": None},
    }


def text_of(markup: str) -> str:
    """What a text-only mail client shows of the HTML: one paragraph a line."""
    body = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", markup)
    body = re.sub(r"(?i)<br\s*/?>|</p>|</h\d>|</li>|</div>", "\n", body)
    body = html.unescape(re.sub(r"<[^>]+>", "", body))
    return "\n".join(line.strip() for line in body.splitlines() if line.strip()) + "\n"


def message(pool: m.CognitoIdpUserPool, user: m.CognitoIdpUser | None, purpose: str, code: str) -> dict[str, str]:
    """The mailbox fields the trigger adds ("subject", "html", "text"), or {} without a trigger."""
    command = os.environ.get(COMMAND_ENV, "").strip()
    if user is None or not command or not function(pool) or purpose not in SOURCES:
        return {}
    sent = event(pool, user, purpose)
    try:
        done = subprocess.run(
            shlex.split(command),
            input=json.dumps(sent),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise TriggerError(f"CustomMessage failed with error {e}.") from e
    if done.returncode != 0:
        raise TriggerError(f"CustomMessage failed with error {done.stderr.strip()[-300:]}.")
    try:
        answer = json.loads(done.stdout)["response"]
    except (ValueError, KeyError, TypeError) as e:
        raise TriggerError("CustomMessage failed with error: the answer is not a trigger event.") from e
    subject, body = answer.get("emailSubject"), answer.get("emailMessage")
    if not body:
        return {}  # Cognito's default message
    if "{####}" not in body:
        raise TriggerError("CustomMessage failed with error: the message has no {####} for the code.")
    username = user.attribute_lookup.get("email") or user.username
    filled = body.replace("{####}", code).replace("{username}", html.escape(username))
    return {"subject": (subject or "").replace("{####}", code), "html": filled, "text": text_of(filled)}


# --------------------------------------------------------------------------------------------
# The invitation: AdminCreateUser emails the temporary password (moto sends nothing)
# --------------------------------------------------------------------------------------------

_orig_admin_create_user = None


def admin_create_user(self: Any) -> Any:
    """moto's AdminCreateUser, then the invitation mail Cognito sends unless MessageAction is
    SUPPRESS (RESEND sends it again): the temporary password is the mailbox entry's "code"."""
    from .common import _mail_code

    result = _orig_admin_create_user(self)
    if self._get_param("MessageAction") == "SUPPRESS":
        return result
    pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
    user = pool._get_user(self._get_param("Username"))
    password = self._get_param("TemporaryPassword")
    to = user.attribute_lookup.get("email") if user else None
    if to and password:
        _mail_code(pool, to, "invitation", user, code=password)
    return result


def apply() -> None:
    global _orig_admin_create_user
    from .common import _install_operations, Resp

    _orig_admin_create_user = Resp.admin_create_user
    _install_operations({"admin_create_user": admin_create_user})
