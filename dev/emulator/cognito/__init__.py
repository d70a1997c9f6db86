"""Patches that make moto 5.2.5's Cognito behave like the parts of real Cognito the app uses, one
module per area (the numbers are the patches in ../README.md):

* `sign_up.py`: SignUp (also without a password), ConfirmSignUp, ResendConfirmationCode (1-3, 17)
* `sign_in.py`: InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge (3, 11, 12, 19, 20)
* `passwordless.py`: choice-based sign-in (USER_AUTH: SELECT_CHALLENGE, PASSWORD, EMAIL_OTP, WEB_AUTHN) (15)
* `webauthn.py`: passkeys: the pool's WebAuthn configuration, registration, list, delete, assertion (16)
* `tokens.py`: token lifetimes and claims, refresh tokens, RevokeToken, GlobalSignOut, DeleteUser (4-6)
* `rotation.py`: refresh-token rotation: the app client's RefreshTokenRotation, GetTokensFromRefreshToken (19)
* `attributes.py`: GetUser, UpdateUserAttributes, e-mail verification, UpdateUserPool (7, 13)
* `totp.py`: AssociateSoftwareToken, VerifySoftwareToken, the SOFTWARE_TOKEN_MFA challenge (8)
* `email_mfa.py`: email message MFA: the pool's EmailMfaConfiguration, the user's EmailMfaSettings,
  the EMAIL_OTP and SELECT_MFA_TYPE challenges after the password (20)
* `password.py`: ForgotPassword, ConfirmForgotPassword, ChangePassword's token check (9)
* `triggers.py`: the CustomMessage trigger run as a local command before each emailed code, and the
  invitation AdminCreateUser mails (18)
* `secret_hash.py`: the SECRET_HASH checks the operations above call (11)
* `common.py`: the state kept on moto's objects, the lock, and helpers more than one area uses

Each area's tests are beside it (`test_<area>.py`). Each patch says why it exists.

moto dispatches a Cognito call on its X-Amz-Target: `AWSCognitoIdentityProviderService.FooBar` runs
`CognitoIdpResponse.foo_bar`, so an operation moto lacks is added by defining that method. Every
operation an area adds or replaces runs under one lock (`common._LOCK`): they read and change
several objects, and moto's threaded server runs requests in parallel.

Importing this package only records moto's originals; `apply()` installs the patches, and is
called once, by `emulator.patches.apply()`.
"""

from . import attributes, email_mfa, password, rotation, sign_in, sign_up, tokens, totp, triggers, webauthn

# email_mfa last: it wraps what totp.py and webauthn.py installed.
AREAS = (tokens, rotation, totp, attributes, sign_up, sign_in, password, webauthn, triggers, email_mfa)


def apply() -> None:
    """Install every Cognito patch (not idempotent: call `emulator.patches.apply()` instead)."""
    for area in AREAS:
        area.apply()
