"""The dev mailbox: every code the emulator "sends" by e-mail is recorded here instead, and so is
every message sent through SES SendEmail (v2 or v1): purpose "notice", one entry per recipient.

A message: {"to", "purpose", "code", "sent_at", "pool_id"}; a notice has code "" and pool_id "",
plus "from", "subject", "text" and, when the message had an HTML part, "html". A code sent
through the pool's CustomMessage trigger (patch 18) has "subject", "html" and "text" too.
"""

import sys
import threading
from datetime import datetime, UTC

PURPOSES = ("sign-up", "resend", "forgot-password", "verify-email", "sign-in", "invitation", "notice")


def iso_utc(ts: float) -> str:
    """ISO-8601 UTC with milliseconds, e.g. 2026-11-21T20:15:03.123Z."""
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


class Mailbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[dict[str, str]] = []
        # Set by `python -m emulator` so a person sees codes in the terminal as well.
        self.echo = False

    def add(
        self, *, to: str, purpose: str, code: str, pool_id: str, sent_at: float, extra: dict[str, str] | None = None
    ) -> dict[str, str]:
        """Records a message; `extra` adds fields (a notice's "from", "subject", "text", "html")."""
        assert purpose in PURPOSES, purpose
        message = {
            "to": to,
            "purpose": purpose,
            "code": code,
            "sent_at": iso_utc(sent_at),
            "pool_id": pool_id,
        }
        message.update(extra or {})
        with self._lock:
            self._messages.append(message)
        if self.echo:
            if purpose == "notice":
                line = f"[mailbox] notice {message.get('subject', '')!r} to {to} (from {message.get('from', '')})"
            else:
                line = f"[mailbox] {purpose} code {code} to {to} (pool {pool_id})"
            print(line, file=sys.stderr, flush=True)
        return dict(message)

    def messages(self, to: str | None = None) -> list[dict[str, str]]:
        """Oldest first; `to` is compared lower-case."""
        with self._lock:
            found = list(self._messages)
        if to is not None:
            found = [m for m in found if m["to"].lower() == to.lower()]
        return [dict(m) for m in found]

    def clear(self, to: str | None = None) -> int:
        with self._lock:
            before = len(self._messages)
            if to is None:
                self._messages = []
            else:
                self._messages = [m for m in self._messages if m["to"].lower() != to.lower()]
            return before - len(self._messages)


MAILBOX = Mailbox()
