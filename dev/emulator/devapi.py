"""The /_dev/* HTTP endpoints, served on the emulator's port in front of moto.

GET    /_dev/health            -> 200 "ok"
GET    /_dev/mailbox[?to=addr] -> JSON array of messages, oldest first (`to` compared lower-case).
                                  A message: {"to", "purpose", "code", "sent_at", "pool_id"};
                                  purpose "sign-up" | "resend" | "forgot-password" | "verify-email" | "sign-in"
                                  (a Cognito code; with the pool's CustomMessage trigger also
                                  "subject", "html", "text"), "invitation" (AdminCreateUser; the
                                  code is the temporary password), or "notice": a message sent through SES
                                  SendEmail (v2 or v1), one per recipient, code "" and pool_id "",
                                  with "from", "subject", "text" (the text body) and, when the
                                  message had one, "html"
DELETE /_dev/mailbox[?to=addr] -> 204, clears the mailbox (or one recipient's messages)
GET    /_dev/mailbox/view      -> HTML table, newest first, for finishing a sign-up by hand (a
                                  notice shows its sender, subject and text, escaped; an email written by
                                  the pool's CustomMessage trigger shows its HTML in a sandboxed frame)
GET    /_dev/sessions?email=a  -> {"email": a, "live_refresh_tokens": n}: refresh tokens of that user
                                  not revoked (tests check that a flow revokes what it mints)
GET    /_dev/config            -> JSON of the runtime switches, e.g. {"unconfirmed_first": false}
POST   /_dev/config            -> JSON body with some switches, e.g. {"unconfirmed_first": true};
                                  answers the whole config after the change (400 for an unknown
                                  name or a non-boolean value). `unconfirmed_first`: USER_PASSWORD_AUTH
                                  answers UserNotConfirmedException before checking the password
                                  (Cognito's reported order); start-up value from
                                  EMULATOR_UNCONFIRMED_FIRST=1, restored by POST /moto-api/reset.

Same origin only: no CORS headers are sent, and any /_dev/* request (OPTIONS included) whose
`Origin` is not the emulator's own origin (scheme://host:port of the request's Host), or whose
`Sec-Fetch-Site` is `cross-site` or `same-site`, gets 403 text/plain. Requests without those
headers (curl, Playwright's `request` fixture, the tests, a typed-in address) are served.
"""

import html
import json
from typing import Any
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from . import config
from .mailbox import MAILBOX

PREFIX = "/_dev"
DEFAULT_PORTS = {"http": 80, "https": 443}
# path -> methods it answers (HEAD goes with GET)
ROUTES = {
    f"{PREFIX}/health": ("GET", "HEAD"),
    f"{PREFIX}/mailbox": ("GET", "HEAD", "DELETE"),
    f"{PREFIX}/mailbox/view": ("GET", "HEAD"),
    f"{PREFIX}/config": ("GET", "HEAD", "POST"),
    f"{PREFIX}/sessions": ("GET", "HEAD"),
}


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, indent=1), status=status, mimetype="application/json")


def _origin_key(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin or URL prefix, default port filled in; None if it has none."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = (parts.scheme or "").lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def foreign_reason(request: Request) -> str | None:
    """Why a /_dev request does not come from the emulator's own origin, or None when it may be served."""
    site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    if site in ("cross-site", "same-site"):
        return f"Sec-Fetch-Site: {site}"
    origin = request.headers.get("Origin")
    if origin is not None:
        own = _origin_key(f"{request.scheme}://{request.host}")
        if own is None or _origin_key(origin) != own:
            return f"Origin: {origin}"
    return None


def _forbidden(reason: str) -> Response:
    return Response(
        f"403 Forbidden: the emulator's /_dev endpoints answer same-origin requests only ({reason}).\n",
        status=403,
        mimetype="text/plain",
    )


def _config(request: Request) -> Response:
    if request.method == "POST":
        try:
            changes = json.loads(request.get_data(as_text=True) or "null")
        except ValueError as e:
            return _json({"error": f"body is not JSON: {e}"}, status=400)
        try:
            return _json(config.update(changes))
        except ValueError as e:
            return _json({"error": str(e)}, status=400)
    return _json(config.current())


def _message_cell(m: dict[str, str]) -> str:
    """A notice's sender, subject and text body, or a trigger-written code email's subject and
    HTML body as a mail client shows it: in a sandboxed frame (no scripts, no same-origin access),
    so whatever the HTML holds cannot act on this page. Empty for a plain code."""
    if m["purpose"] == "notice":
        return "<div class=from>from {}</div><div class=subject>{}</div><pre class=text>{}</pre>".format(
            html.escape(m.get("from", "")), html.escape(m.get("subject", "")), html.escape(m.get("text", ""))
        )
    if m.get("html"):
        return '<div class=subject>{}</div><iframe sandbox title="{}" srcdoc="{}"></iframe>'.format(
            html.escape(m.get("subject", "")), html.escape(m.get("subject", "")), html.escape(m["html"])
        )
    return ""


def _view() -> Response:
    rows = (
        "\n".join(
            "<tr><td>{}</td><td>{}</td><td class=code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                *(html.escape(m[k]) for k in ("to", "purpose", "code", "sent_at", "pool_id")), _message_cell(m)
            )
            for m in reversed(MAILBOX.messages())
        )
        or "<tr><td colspan=6>No messages yet.</td></tr>"
    )
    page = f"""<!doctype html>
<html lang=en><head><meta charset=utf-8><meta http-equiv=refresh content=5>
<title>Dev mailbox</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: .35rem .7rem; text-align: left; }}
th {{ background: #f3f3f3; }}
.code {{ font-family: ui-monospace, monospace; font-size: 1.2em; letter-spacing: .1em; }}
.from {{ color: #555; font-size: .9em; }}
.subject {{ font-weight: bold; }}
.text {{ font-family: inherit; white-space: pre-wrap; margin: .3rem 0 0; max-width: 60ch; }}
iframe {{ border: 1px solid #ddd; width: 34rem; height: 16rem; margin-top: .3rem; }}
</style></head>
<body><h1>Dev mailbox</h1>
<p>Codes the local Cognito emulator would have e-mailed, and notices sent through SES, newest first.
The page reloads every 5 s.</p>
<table><thead><tr><th>Recipient</th><th>Purpose</th><th>Code</th><th>Sent (UTC)</th><th>Pool</th><th>Message</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""
    return Response(page, mimetype="text/html")


def handle(request: Request) -> Response:
    reason = foreign_reason(request)
    if reason is not None:
        return _forbidden(reason)
    path = request.path.rstrip("/")
    method = request.method
    allowed = ROUTES.get(path)
    if allowed is None:
        return _json({"error": f"no such dev endpoint: {request.path}"}, status=404)
    if method == "OPTIONS":
        return Response(status=204, headers={"Allow": ", ".join(allowed + ("OPTIONS",))})
    if method not in allowed:
        response = _json({"error": f"method {method} not allowed on {request.path}"}, status=405)
        response.headers["Allow"] = ", ".join(allowed + ("OPTIONS",))
        return response
    if path == f"{PREFIX}/health":
        return Response("ok", mimetype="text/plain")
    if path == f"{PREFIX}/mailbox":
        to = request.args.get("to") or None
        if method == "DELETE":
            MAILBOX.clear(to)
            return Response(status=204)
        return _json(MAILBOX.messages(to))
    if path == f"{PREFIX}/mailbox/view":
        return _view()
    if path == f"{PREFIX}/sessions":
        from .cognito.tokens import live_refresh_tokens

        email = (request.args.get("email") or "").strip().lower()
        if not email:
            return _json({"error": "give ?email="}, status=400)
        return _json({"email": email, "live_refresh_tokens": live_refresh_tokens(email)})
    return _config(request)


class DevApiMiddleware:
    """Answers /_dev/* itself and passes everything else to moto."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return handle(Request(environ))(environ, start_response)
        return self.app(environ, start_response)
