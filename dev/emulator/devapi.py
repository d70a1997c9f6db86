"""The /_dev/* HTTP endpoints, served on the emulator's port in front of moto.

GET    /_dev/health            -> 200 "ok"
GET    /_dev/mailbox[?to=addr] -> JSON array of messages, oldest first (`to` compared lower-case)
DELETE /_dev/mailbox[?to=addr] -> 204, clears the mailbox (or one recipient's messages)
GET    /_dev/mailbox/view      -> HTML table, newest first, for finishing a sign-up by hand
"""

import html
import json
from typing import Any, Callable, Iterable

from werkzeug.wrappers import Request, Response

from .mailbox import MAILBOX

PREFIX = "/_dev"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "*",
}


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, indent=1), status=status, mimetype="application/json", headers=CORS_HEADERS)


def _view() -> Response:
    rows = "\n".join(
        "<tr><td>{}</td><td>{}</td><td class=code>{}</td><td>{}</td><td>{}</td></tr>".format(
            *(html.escape(m[k]) for k in ("to", "purpose", "code", "sent_at", "pool_id"))
        )
        for m in reversed(MAILBOX.messages())
    ) or '<tr><td colspan=5>No messages yet.</td></tr>'
    page = f"""<!doctype html>
<html lang=en><head><meta charset=utf-8><meta http-equiv=refresh content=5>
<title>Dev mailbox</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: .35rem .7rem; text-align: left; }}
th {{ background: #f3f3f3; }}
.code {{ font-family: ui-monospace, monospace; font-size: 1.2em; letter-spacing: .1em; }}
</style></head>
<body><h1>Dev mailbox</h1>
<p>Codes the local Cognito emulator would have e-mailed, newest first. The page reloads every 5 s.</p>
<table><thead><tr><th>Recipient</th><th>Purpose</th><th>Code</th><th>Sent (UTC)</th><th>Pool</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""
    return Response(page, mimetype="text/html")


def handle(request: Request) -> Response:
    path = request.path.rstrip("/")
    method = request.method
    if method == "OPTIONS":
        return Response(status=204, headers=CORS_HEADERS)
    if path == f"{PREFIX}/health":
        if method in ("GET", "HEAD"):
            return Response("ok", mimetype="text/plain")
    elif path == f"{PREFIX}/mailbox":
        to = request.args.get("to") or None
        if method in ("GET", "HEAD"):
            return _json(MAILBOX.messages(to))
        if method == "DELETE":
            MAILBOX.clear(to)
            return Response(status=204, headers=CORS_HEADERS)
    elif path == f"{PREFIX}/mailbox/view":
        if method in ("GET", "HEAD"):
            return _view()
    else:
        return _json({"error": f"no such dev endpoint: {request.path}"}, status=404)
    return _json({"error": f"method {method} not allowed on {request.path}"}, status=405)


class DevApiMiddleware:
    """Answers /_dev/* itself and passes everything else to moto."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return handle(Request(environ))(environ, start_response)
        return self.app(environ, start_response)
