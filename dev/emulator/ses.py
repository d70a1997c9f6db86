"""SES (patch 14): what the app sends through SendEmail (v2 and v1) is copied into the dev mailbox
as a "notice" per recipient, and every e-mail identity created counts as verified."""

from __future__ import annotations

import functools
import json
import threading
from email.utils import parseaddr
from typing import Any
from collections.abc import Callable

from moto.ses import models as ses_models
from moto.ses.responses import EmailResponse as SesV1Response
from moto.sesv2.responses import SESV2Response

from . import clock
from .mailbox import MAILBOX

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


def apply() -> None:
    """Install the SES patches; only through `emulator.patches.apply()`, which runs once."""
    ses_models.SESBackend.send_email = _ses_send_email
    ses_models.SESBackend.create_email_identity_v2 = _ses_create_email_identity
    SESV2Response.send_email = _with_body_parts(_orig_sesv2_send_email_op, _sesv2_parts)
    SesV1Response.send_email = _with_body_parts(_orig_ses_v1_send_email_op, _ses_v1_parts)
