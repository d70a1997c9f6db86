"""The one entry point for the emulator's moto patches: `apply()` installs them (once) and must run
before the server handles a request (`server.create_app` calls it).

The patches live by area: `cognito/` (one module per Cognito area, see its `__init__.py`) and
`ses.py` (SendEmail into the dev mailbox). The one here is moto's reset, which must also clear what
lives outside moto: the mailbox and the runtime switches.
"""

from __future__ import annotations

from moto.moto_api._internal.models import MotoAPIBackend

from . import cognito, config, ses
from .cognito.common import _LOCK
from .mailbox import MAILBOX

_applied = False
_orig_moto_api_reset = MotoAPIBackend.reset


# POST /moto-api/reset rebuilds the backends (and with them the state kept on pools and users);
# the mailbox and the runtime switches live outside moto, so they are cleared / set back to their
# start-up values here.
def _moto_api_reset(self: MotoAPIBackend) -> None:
    with _LOCK:
        _orig_moto_api_reset(self)
        MAILBOX.clear()
        config.reset()


def apply() -> None:
    """Install every patch (idempotent)."""
    global _applied
    if _applied:
        return
    _applied = True
    cognito.apply()
    ses.apply()
    MotoAPIBackend.reset = _moto_api_reset
