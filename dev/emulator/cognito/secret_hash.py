"""App clients with a secret (patch 11): the SECRET_HASH checks the other areas call.

moto checks SECRET_HASH only in REFRESH_TOKEN_AUTH, USER_SRP_AUTH and the MFA challenges (and
answers a wrong one with the hash itself as the message). Like Cognito, the emulator wants it on
SignUp, ConfirmSignUp, ResendConfirmationCode (sign_up.py), ForgotPassword and ConfirmForgotPassword
(password.py) as `SecretHash`, on InitiateAuth USER_PASSWORD_AUTH / USER_AUTH / REFRESH_TOKEN_AUTH as
`AuthParameters.SECRET_HASH` and on RespondToAuthChallenge as `ChallengeResponses.SECRET_HASH`
(sign_in.py), checked before anything about the user; RevokeToken (tokens.py) wants the secret
itself (`ClientSecret`). Clients without a secret and the Admin* calls are unchanged.

Nothing to install here: the operations that need a check call these helpers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from moto.cognitoidp import models as m
from moto.cognitoidp.exceptions import NotAuthorizedError

# Real Cognito's messages (NotAuthorizedException) for app clients with a secret.
SECRET_HASH_MISSING = "Client {} is configured with secret but SECRET_HASH was not received"
SECRET_HASH_WRONG = "Unable to verify secret hash for client {}"
# RevokeToken takes the secret itself; Cognito's wording for it is not documented (emulator's choice).
CLIENT_SECRET_MISSING = "Client {} is configured with secret but ClientSecret was not received"
CLIENT_SECRET_WRONG = "Unable to verify client secret for client {}"


def secret_hash(client_secret: str, username: str, client_id: str) -> str:
    """Cognito's SECRET_HASH: Base64(HMAC-SHA256(key=client secret, message=username + client id))."""
    digest = hmac.new(client_secret.encode("utf-8"), (username + client_id).encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _require_secret_hash(client: m.CognitoIdpUserPoolClient, given: str | None) -> None:
    """A client with a secret needs a SECRET_HASH on the calls Cognito lists (moto checks it on few, with
    the hash as the message); a client without one is left alone."""
    if client.generate_secret and not given:
        raise NotAuthorizedError(SECRET_HASH_MISSING.format(client.id))


def _check_secret_hash(client: m.CognitoIdpUserPoolClient, username: str | None, given: str | None) -> None:
    """Raises Cognito's NotAuthorizedException unless `given` is the SECRET_HASH of `username` (as sent)."""
    if not client.generate_secret:
        return
    _require_secret_hash(client, given)
    if username is None or not hmac.compare_digest(str(given), secret_hash(client.secret, username, client.id)):
        raise NotAuthorizedError(SECRET_HASH_WRONG.format(client.id))
