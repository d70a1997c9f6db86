"""totp.py (patch 8): random TOTP secrets, real RFC 6238 checks."""

import re
import time

import pyotp

from emulator.testing import raises_aws


def totp_now(secret):
    return pyotp.TOTP(secret).now()


def other_code(code):
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def test_totp_setup_and_sign_in(pool):
    email = pool.confirmed_user()
    token = pool.password_login(email)["AuthenticationResult"]["AccessToken"]

    first = pool.idp.associate_software_token(AccessToken=token)["SecretCode"]
    assert re.fullmatch(r"[A-Z2-7]{16,32}", first) and first != "asdfasdfasdf"
    secret = pool.idp.associate_software_token(AccessToken=token)["SecretCode"]
    assert secret != first
    other_user = pool.confirmed_user()
    other_token = pool.password_login(other_user)["AuthenticationResult"]["AccessToken"]
    assert pool.idp.associate_software_token(AccessToken=other_token)["SecretCode"] not in (first, secret)

    with raises_aws("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA"):
        pool.idp.verify_software_token(AccessToken=token, UserCode=other_code(totp_now(secret)))
    with raises_aws("EnableSoftwareTokenMFAException"):
        pool.idp.verify_software_token(AccessToken=token, UserCode=totp_now(first))  # replaced secret
    assert pool.idp.verify_software_token(AccessToken=token, UserCode=totp_now(secret))["Status"] == "SUCCESS"
    pool.idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})

    challenge = pool.password_login(email)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    respond = dict(ClientId=pool.client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge["Session"])
    with raises_aws("CodeMismatchException", "Invalid code received for user"):
        pool.idp.respond_to_auth_challenge(
            ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": other_code(totp_now(secret))}, **respond
        )
    result = pool.idp.respond_to_auth_challenge(
        ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": totp_now(secret)}, **respond
    )["AuthenticationResult"]
    pool.idp.get_user(AccessToken=result["AccessToken"])


def test_totp_allows_one_step_of_drift(pool):
    email = pool.confirmed_user()
    token = pool.password_login(email)["AuthenticationResult"]["AccessToken"]
    secret = pool.idp.associate_software_token(AccessToken=token)["SecretCode"]
    totp = pyotp.TOTP(secret)
    now = time.time()
    with raises_aws("EnableSoftwareTokenMFAException"):
        pool.idp.verify_software_token(AccessToken=token, UserCode=totp.at(now - 95))
    pool.idp.verify_software_token(AccessToken=token, UserCode=totp.at(now - 30))


def test_totp_setup_with_a_session(pool):
    """MFA_SETUP during sign-in (pool MFA ON): AssociateSoftwareToken/VerifySoftwareToken with a Session."""
    pool.idp.set_user_pool_mfa_config(UserPoolId=pool.id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON")
    email = "invited@example.com"
    pool.idp.admin_create_user(
        UserPoolId=pool.id,
        Username=email,
        TemporaryPassword="Temp-passw0rd1",
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    challenge = pool.password_login(email, password="Temp-passw0rd1")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    setup = pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": "New-passw0rd12"},
    )
    assert setup["ChallengeName"] == "MFA_SETUP"
    assoc = pool.idp.associate_software_token(Session=setup["Session"])
    secret = assoc["SecretCode"]
    with raises_aws("EnableSoftwareTokenMFAException"):
        pool.idp.verify_software_token(Session=assoc["Session"], UserCode=other_code(totp_now(secret)))
    verified = pool.idp.verify_software_token(Session=assoc["Session"], UserCode=totp_now(secret))
    assert verified["Status"] == "SUCCESS"
    done = pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": email},
    )
    assert "AccessToken" in done["AuthenticationResult"]
    with raises_aws("NotAuthorizedException"):
        pool.idp.associate_software_token(Session="z" * 40)
