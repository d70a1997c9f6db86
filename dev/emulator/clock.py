"""The emulator's notion of "now", in seconds since the epoch.

Everything the emulator checks itself (code and session expiry, refresh-token expiry, access-token
expiry) uses `now()`. In-process tests may move it forward with `advance()` instead of sleeping.
JWT `iat`/`exp` claims are still written by moto from the real clock, so only shift the clock in
tests, never in a running dev server.
"""

import threading
import time

_lock = threading.Lock()
_offset = 0.0


def now() -> float:
    return time.time() + _offset


def advance(seconds: float) -> None:
    global _offset
    with _lock:
        _offset += seconds


def reset() -> None:
    global _offset
    with _lock:
        _offset = 0.0
