"""Behaviour switches that can change while the emulator runs.

Start-up values come from the environment (read by `load_startup()`, which `create_app()` calls);
`POST /_dev/config` changes them at runtime and `POST /moto-api/reset` puts the start-up values back.

unconfirmed_first (EMULATOR_UNCONFIRMED_FIRST, default off): USER_PASSWORD_AUTH answers
    UserNotConfirmedException for an unconfirmed user before looking at the password, the order
    real Cognito is reported to use. Off: moto's order (a wrong password gets "Incorrect username
    or password.", only the right one reveals that the user is unconfirmed).
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

# name -> environment variable
SWITCHES = {"unconfirmed_first": "EMULATOR_UNCONFIRMED_FIRST"}
DEFAULTS: dict[str, bool] = {"unconfirmed_first": False}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

_lock = threading.Lock()
_startup: dict[str, bool] = dict(DEFAULTS)
_current: dict[str, bool] = dict(DEFAULTS)


def _env_flag(variable: str, default: bool) -> bool:
    raw = os.environ.get(variable)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{variable} must be 1 or 0 (true/false, yes/no, on/off), not {raw!r}")


def load_startup() -> dict[str, bool]:
    """Reads the start-up values from the environment and makes them current. ValueError if one is malformed."""
    global _startup, _current
    values = {name: _env_flag(variable, DEFAULTS[name]) for name, variable in SWITCHES.items()}
    with _lock:
        _startup = dict(values)
        _current = dict(values)
    return dict(values)


def current() -> dict[str, bool]:
    with _lock:
        return dict(_current)


def get(name: str) -> bool:
    with _lock:
        return _current[name]


def update(changes: Any) -> dict[str, bool]:
    """Applies a JSON object of switches (all or nothing); ValueError names what is wrong."""
    if not isinstance(changes, dict):
        raise ValueError('expected a JSON object, e.g. {"unconfirmed_first": true}')
    for name, value in changes.items():
        if name not in DEFAULTS:
            raise ValueError(f"unknown setting {name!r}; known: {', '.join(sorted(DEFAULTS))}")
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false, not {json.dumps(value)}")
    with _lock:
        _current.update(changes)
        return dict(_current)


def reset() -> dict[str, bool]:
    """Back to the start-up values (moto's reset calls this)."""
    global _current
    with _lock:
        _current = dict(_startup)
        return dict(_current)
