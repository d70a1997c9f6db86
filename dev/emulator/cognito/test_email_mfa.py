"""email_mfa.py (patch 20): email message MFA, the pool's EmailMfaConfiguration, the user's
EmailMfaSettings, and the EMAIL_OTP / SELECT_MFA_TYPE challenges after the password."""

import base64
import hashlib
import hmac
import json
import sys
import uuid

import pyotp
import pytest

from emulator import clock
from emulator.cognito import triggers
from emulator.testing import PASSWORD, Pool, claims, raises_aws

EXPIRED = "Invalid session for the user, session is expired."
WRONG_OTP = "Invalid code or auth state for the user."
EMAIL_CONFIG = {"Message": "Your sign-in code is {####}", "Subject": "Your sign-in code"}


def offer_email_mfa(pool, **extra):
    return pool.idp.set_user_pool_mfa_config(
        UserPoolId=pool.id,
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
        EmailMfaConfiguration=EMAIL_CONFIG,
        **extra,
    )


@pytest.fixture
def mfa_pool(idp, url):
    pool = Pool(idp, url, first_factors=["PASSWORD", "EMAIL_OTP"])
    offer_email_mfa(pool)
    return pool


def token_of(pool, email):
    return pool.password_login(email)["AuthenticationResult"]["AccessToken"]


def email_mfa_user(pool, preferred=False):
    """A confirmed user with email MFA on; (email, access token from before it was on)."""
    email = pool.confirmed_user()
    token = token_of(pool, email)
    pool.idp.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": True, "PreferredMfa": preferred})
    return email, token


def enable_totp(pool, token, preferred=False):
    secret = pool.idp.associate_software_token(AccessToken=token)["SecretCode"]
    pool.idp.verify_software_token(AccessToken=token, UserCode=pyotp.TOTP(secret).now())
    pool.idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": preferred})
    return secret


def answer(pool, email, name, session, client_id=None, **responses):
    return pool.idp.respond_to_auth_challenge(
        ClientId=client_id or pool.client_id,
        ChallengeName=name,
        Session=session,
        ChallengeResponses={"USERNAME": email, **responses},
    )


def codes(pool, email):
    return [m["code"] for m in pool.mailbox(email) if m["purpose"] == "sign-in"]


def other(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def mfa_settings(pool, email):
    user = pool.idp.admin_get_user(UserPoolId=pool.id, Username=email)
    return user["UserMFASettingList"], user.get("PreferredMfaSetting", "")


def test_the_pool_keeps_its_email_mfa_configuration(pool):
    answered = offer_email_mfa(pool)
    assert answered["EmailMfaConfiguration"] == EMAIL_CONFIG
    got = pool.idp.get_user_pool_mfa_config(UserPoolId=pool.id)
    assert got["EmailMfaConfiguration"] == EMAIL_CONFIG
    assert got["MfaConfiguration"] == "OPTIONAL" and got["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    # Email alone is enough for OPTIONAL (moto wanted SMS or TOTP); TOTP is then off.
    pool.idp.set_user_pool_mfa_config(UserPoolId=pool.id, MfaConfiguration="OPTIONAL", EmailMfaConfiguration={})
    got = pool.idp.get_user_pool_mfa_config(UserPoolId=pool.id)
    assert got["EmailMfaConfiguration"] == {} and got["SoftwareTokenMfaConfiguration"] == {"Enabled": False}
    # Each call replaces the configuration: left out, email MFA is off.
    pool.idp.set_user_pool_mfa_config(
        UserPoolId=pool.id, MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": True}
    )
    assert "EmailMfaConfiguration" not in pool.idp.get_user_pool_mfa_config(UserPoolId=pool.id)

    with raises_aws(
        "InvalidParameterException", "Invalid MFA configuration given, can't turn off MFA and configure an MFA together."
    ):
        pool.idp.set_user_pool_mfa_config(UserPoolId=pool.id, MfaConfiguration="OFF", EmailMfaConfiguration=EMAIL_CONFIG)
    with raises_aws("InvalidParameterException"):
        pool.idp.set_user_pool_mfa_config(
            UserPoolId=pool.id, MfaConfiguration="OPTIONAL", EmailMfaConfiguration={"Message": "no placeholder here"}
        )
    # Refused calls change nothing.
    assert "EmailMfaConfiguration" not in pool.idp.get_user_pool_mfa_config(UserPoolId=pool.id)


def test_email_mfa_needs_the_essentials_tier(idp, url):
    lite = Pool(idp, url, UserPoolTier="LITE")
    with raises_aws("FeatureUnavailableInTierException"):
        offer_email_mfa(lite)


def test_enabling_email_mfa_for_a_user(mfa_pool):
    email, token = email_mfa_user(mfa_pool)
    user = mfa_pool.idp.get_user(AccessToken=token)
    assert user["UserMFASettingList"] == ["EMAIL_OTP"] and user.get("PreferredMfaSetting", "") == ""
    mfa_pool.idp.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert mfa_settings(mfa_pool, email) == (["EMAIL_OTP"], "EMAIL_OTP")
    assert mfa_pool.idp.get_user(AccessToken=token)["PreferredMfaSetting"] == "EMAIL_OTP"
    # Preferring needs it enabled.
    with raises_aws("InvalidParameterException"):
        mfa_pool.idp.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": False, "PreferredMfa": True})
    assert mfa_settings(mfa_pool, email) == (["EMAIL_OTP"], "EMAIL_OTP")
    mfa_pool.idp.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": False})
    assert mfa_settings(mfa_pool, email) == ([], "")


def test_email_mfa_needs_a_verified_email_and_a_pool_that_offers_it(pool, mfa_pool):
    email = mfa_pool.confirmed_user()
    mfa_pool.idp.admin_update_user_attributes(
        UserPoolId=mfa_pool.id, Username=email, UserAttributes=[{"Name": "email_verified", "Value": "false"}]
    )
    with raises_aws("InvalidParameterException", "User does not have delivery config set to turn on EMAIL_OTP"):
        mfa_pool.idp.admin_set_user_mfa_preference(UserPoolId=mfa_pool.id, Username=email, EmailMfaSettings={"Enabled": True})
    assert mfa_settings(mfa_pool, email) == ([], "")
    # The plain test pool has TOTP MFA only.
    email = pool.confirmed_user()
    with raises_aws("InvalidParameterException"):
        pool.idp.set_user_mfa_preference(AccessToken=token_of(pool, email), EmailMfaSettings={"Enabled": True})


def test_the_email_otp_challenge_and_the_mailed_code(mfa_pool):
    email, _ = email_mfa_user(mfa_pool)
    assert codes(mfa_pool, email) == []
    challenge = mfa_pool.password_login(email)
    assert "AuthenticationResult" not in challenge
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    assert challenge["ChallengeParameters"] == {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
        "CODE_DELIVERY_DESTINATION": f"{email[0]}***@e***",
    }
    [code] = codes(mfa_pool, email)
    assert len(code) == 6 and code.isdigit()
    result = answer(mfa_pool, email, "EMAIL_OTP", challenge["Session"], EMAIL_OTP_CODE=code)["AuthenticationResult"]
    assert claims(result["IdToken"])["email"] == email
    assert mfa_pool.idp.get_user(AccessToken=result["AccessToken"])["UserMFASettingList"] == ["EMAIL_OTP"]
    # A wrong password is still just a wrong password, and mails nothing.
    with raises_aws("NotAuthorizedException", "Incorrect username or password."):
        mfa_pool.password_login(email, password="Wr0ng-password")
    assert len(codes(mfa_pool, email)) == 1


def test_a_wrong_code_then_the_right_one(mfa_pool):
    email, _ = email_mfa_user(mfa_pool)
    session = mfa_pool.password_login(email)["Session"]
    [code] = codes(mfa_pool, email)
    with raises_aws("CodeMismatchException", WRONG_OTP):
        answer(mfa_pool, email, "EMAIL_OTP", session, EMAIL_OTP_CODE=other(code))
    assert "AuthenticationResult" in answer(mfa_pool, email, "EMAIL_OTP", session, EMAIL_OTP_CODE=code)
    # Three answers in all, as for the passwordless code (passwordless.py).
    session = mfa_pool.password_login(email)["Session"]
    code = codes(mfa_pool, email)[-1]
    for _ in range(3):
        with raises_aws("CodeMismatchException", WRONG_OTP):
            answer(mfa_pool, email, "EMAIL_OTP", session, EMAIL_OTP_CODE=other(code))
    with raises_aws("NotAuthorizedException"):
        answer(mfa_pool, email, "EMAIL_OTP", session, EMAIL_OTP_CODE=code)


def test_an_expired_session(mfa_pool):
    email, _ = email_mfa_user(mfa_pool)
    session = mfa_pool.password_login(email)["Session"]
    [code] = codes(mfa_pool, email)
    clock.advance(181)
    with raises_aws("NotAuthorizedException", EXPIRED):
        answer(mfa_pool, email, "EMAIL_OTP", session, EMAIL_OTP_CODE=code)


def test_the_session_belongs_to_its_user(mfa_pool):
    email, _ = email_mfa_user(mfa_pool)
    stranger = mfa_pool.confirmed_user()
    session = mfa_pool.password_login(email)["Session"]
    [code] = codes(mfa_pool, email)
    with raises_aws("NotAuthorizedException"):
        answer(mfa_pool, stranger, "EMAIL_OTP", session, EMAIL_OTP_CODE=code)


def test_select_mfa_type_then_email(mfa_pool):
    email, token = email_mfa_user(mfa_pool)
    enable_totp(mfa_pool, token)
    assert mfa_settings(mfa_pool, email) == (["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"], "")
    select = mfa_pool.password_login(email)
    assert select["ChallengeName"] == "SELECT_MFA_TYPE"
    assert select["ChallengeParameters"] == {"MFAS_CAN_CHOOSE": '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'}
    assert codes(mfa_pool, email) == []
    chosen = answer(mfa_pool, email, "SELECT_MFA_TYPE", select["Session"], ANSWER="EMAIL_OTP")
    assert chosen["ChallengeName"] == "EMAIL_OTP"
    assert chosen["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    [code] = codes(mfa_pool, email)
    assert "AuthenticationResult" in answer(mfa_pool, email, "EMAIL_OTP", chosen["Session"], EMAIL_OTP_CODE=code)
    # One answer per SELECT_MFA_TYPE.
    with raises_aws("NotAuthorizedException", EXPIRED):
        answer(mfa_pool, email, "SELECT_MFA_TYPE", select["Session"], ANSWER="EMAIL_OTP")


def test_select_mfa_type_then_totp(mfa_pool):
    email, token = email_mfa_user(mfa_pool)
    secret = enable_totp(mfa_pool, token)
    session = mfa_pool.password_login(email)["Session"]
    with raises_aws("InvalidParameterException"):
        answer(mfa_pool, email, "SELECT_MFA_TYPE", session, ANSWER="SMS_MFA")
    session = mfa_pool.password_login(email)["Session"]
    chosen = answer(mfa_pool, email, "SELECT_MFA_TYPE", session, ANSWER="SOFTWARE_TOKEN_MFA")
    assert chosen["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert codes(mfa_pool, email) == []
    wrong = other(pyotp.TOTP(secret).now())
    with raises_aws("CodeMismatchException", "Invalid code received for user"):
        answer(mfa_pool, email, "SOFTWARE_TOKEN_MFA", chosen["Session"], SOFTWARE_TOKEN_MFA_CODE=wrong)
    done = answer(mfa_pool, email, "SOFTWARE_TOKEN_MFA", chosen["Session"], SOFTWARE_TOKEN_MFA_CODE=pyotp.TOTP(secret).now())
    assert "AccessToken" in done["AuthenticationResult"]


def test_the_preferred_factor_comes_at_once(mfa_pool):
    email, token = email_mfa_user(mfa_pool, preferred=True)
    enable_totp(mfa_pool, token)  # TOTP on, not preferred: email stays preferred
    assert mfa_settings(mfa_pool, email) == (["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"], "EMAIL_OTP")
    assert mfa_pool.password_login(email)["ChallengeName"] == "EMAIL_OTP"
    # Preferring TOTP takes the preference from email.
    mfa_pool.idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert mfa_settings(mfa_pool, email) == (["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"], "SOFTWARE_TOKEN_MFA")
    before = len(codes(mfa_pool, email))
    assert mfa_pool.password_login(email)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert len(codes(mfa_pool, email)) == before
    # Only one factor may be preferred.
    with raises_aws("InvalidParameterException"):
        mfa_pool.idp.admin_set_user_mfa_preference(
            UserPoolId=mfa_pool.id,
            Username=email,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
            EmailMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
    mfa_pool.idp.admin_set_user_mfa_preference(
        UserPoolId=mfa_pool.id, Username=email, EmailMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    assert mfa_settings(mfa_pool, email) == (["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"], "EMAIL_OTP")
    assert mfa_pool.password_login(email)["ChallengeName"] == "EMAIL_OTP"


def test_admin_turning_email_mfa_off_means_no_challenge(mfa_pool):
    email, _ = email_mfa_user(mfa_pool, preferred=True)
    assert mfa_pool.password_login(email)["ChallengeName"] == "EMAIL_OTP"
    mfa_pool.idp.admin_set_user_mfa_preference(UserPoolId=mfa_pool.id, Username=email, EmailMfaSettings={"Enabled": False})
    assert mfa_settings(mfa_pool, email) == ([], "")
    sent = len(codes(mfa_pool, email))
    assert "AccessToken" in mfa_pool.password_login(email)["AuthenticationResult"]
    assert len(codes(mfa_pool, email)) == sent


def test_a_pool_that_stops_offering_email_mfa_asks_for_none(mfa_pool):
    email, _ = email_mfa_user(mfa_pool)
    mfa_pool.idp.set_user_pool_mfa_config(
        UserPoolId=mfa_pool.id, MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": True}
    )
    assert "AccessToken" in mfa_pool.password_login(email)["AuthenticationResult"]
    offer_email_mfa(mfa_pool)
    assert mfa_pool.password_login(email)["ChallengeName"] == "EMAIL_OTP"


def test_user_auth_with_a_password_gets_the_email_challenge_too(mfa_pool):
    email, _ = email_mfa_user(mfa_pool)
    out = mfa_pool.idp.initiate_auth(
        ClientId=mfa_pool.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": email, "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PASSWORD},
    )
    assert out["ChallengeName"] == "EMAIL_OTP"
    [code] = codes(mfa_pool, email)
    assert "AuthenticationResult" in answer(mfa_pool, email, "EMAIL_OTP", out["Session"], EMAIL_OTP_CODE=code)
    # A code by email as the first factor is not followed by MFA.
    out = mfa_pool.idp.initiate_auth(
        ClientId=mfa_pool.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": email, "PREFERRED_CHALLENGE": "EMAIL_OTP"},
    )
    code = codes(mfa_pool, email)[-1]
    assert "AuthenticationResult" in answer(mfa_pool, email, "EMAIL_OTP", out["Session"], EMAIL_OTP_CODE=code)


def secret_hash(secret, username, client_id):
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_the_answers_need_the_secret_hash(mfa_pool):
    client = mfa_pool.idp.create_user_pool_client(
        UserPoolId=mfa_pool.id,
        ClientName=f"secret-{uuid.uuid4().hex[:6]}",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    cid, secret = client["ClientId"], client["ClientSecret"]
    email, token = email_mfa_user(mfa_pool)
    enable_totp(mfa_pool, token)
    hashed = secret_hash(secret, email, cid)
    select = mfa_pool.idp.initiate_auth(
        ClientId=cid,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD, "SECRET_HASH": hashed},
    )
    assert select["ChallengeName"] == "SELECT_MFA_TYPE"
    with raises_aws("NotAuthorizedException", f"Client {cid} is configured with secret but SECRET_HASH was not received"):
        answer(mfa_pool, email, "SELECT_MFA_TYPE", select["Session"], client_id=cid, ANSWER="EMAIL_OTP")
    chosen = answer(mfa_pool, email, "SELECT_MFA_TYPE", select["Session"], client_id=cid, ANSWER="EMAIL_OTP", SECRET_HASH=hashed)
    [code] = codes(mfa_pool, email)
    with raises_aws("NotAuthorizedException", f"Unable to verify secret hash for client {cid}"):
        answer(mfa_pool, email, "EMAIL_OTP", chosen["Session"], client_id=cid, EMAIL_OTP_CODE=code, SECRET_HASH="x" + hashed)
    done = answer(mfa_pool, email, "EMAIL_OTP", chosen["Session"], client_id=cid, EMAIL_OTP_CODE=code, SECRET_HASH=hashed)
    assert "AuthenticationResult" in done


# The CustomMessage trigger (patch 18) sees the MFA code as CustomMessage_Authentication.
STAND_IN = r"""
import json, sys
event = json.load(sys.stdin)
open(sys.argv[1], "w").write(json.dumps(event))
event["response"]["emailSubject"] = event["triggerSource"]
event["response"]["emailMessage"] = "<p>Your code: {####}</p>"
print(json.dumps(event))
"""


def test_the_code_goes_through_the_custom_message_trigger(idp, url, monkeypatch, tmp_path):
    script, seen = tmp_path / "trigger.py", tmp_path / "event.json"
    script.write_text(STAND_IN)
    pool = Pool(idp, url, LambdaConfig={"CustomMessage": "arn:aws:lambda:us-east-1:000000000000:function:cm"})
    offer_email_mfa(pool)
    email, _ = email_mfa_user(pool)
    monkeypatch.setenv(triggers.COMMAND_ENV, f"{sys.executable} {script} {seen}")
    assert pool.password_login(email)["ChallengeName"] == "EMAIL_OTP"
    assert json.loads(seen.read_text())["triggerSource"] == "CustomMessage_Authentication"
    mail = pool.mailbox(email)[-1]
    assert mail["purpose"] == "sign-in" and mail["subject"] == "CustomMessage_Authentication"
    assert mail["text"] == f"Your code: {mail['code']}\n"
