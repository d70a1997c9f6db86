"""Local AWS emulator for leptos-cognito: moto (Cognito + S3) on one port, patched to behave like
the parts of real Cognito the app relies on, plus a dev mailbox. See README.md.

Importing this package only sets moto's environment switches; it must happen before moto is
imported, because moto reads some of them at import time and the rest on every call.
"""

import os

# Same pool and client ids after a restart (ids are hashes of name and configuration).
os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY", "HASH")
# TOTP codes are checked (against a per-user random secret, see cognito/totp.py); "false" accepts any code.
os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5077
