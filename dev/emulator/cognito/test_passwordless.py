"""passwordless.py (patch 15): USER_AUTH's SELECT_CHALLENGE, PASSWORD and EMAIL_OTP first factors."""

import pyotp
import pytest

from emulator import clock
from emulator.testing import PASSWORD, Pool, claims, raises_aws

BAD_SESSION = "Invalid session for the user."
WRONG_OTP = "Invalid code or auth state for the user."


@pytest.fixture
def otp_pool(idp, url):
    return Pool(idp, url, first_factors=["PASSWORD", "EMAIL_OTP"])


def start(pool, email, preferred=None, **extra):
    params = {"USERNAME": email, **extra}
    if preferred:
        params["PREFERRED_CHALLENGE"] = preferred
    return pool.idp.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_AUTH", AuthParameters=params)


def answer(pool, email, name, session, **responses):
    return pool.idp.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName=name,
        Session=session,
        ChallengeResponses={"USERNAME": email, **responses},
    )


def sign_in_codes(pool, email):
    return [m["code"] for m in pool.mailbox(email) if m["purpose"] == "sign-in"]


def test_the_pool_keeps_its_sign_in_policy(otp_pool):
    policies = otp_pool.idp.describe_user_pool(UserPoolId=otp_pool.id)["UserPool"]["Policies"]
    assert policies["SignInPolicy"] == {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}


def test_select_challenge_lists_what_the_pool_allows(pool, otp_pool):
    email = pool.confirmed_user()
    out = start(pool, email)
    assert out["ChallengeName"] == "SELECT_CHALLENGE" and out["AvailableChallenges"] == ["PASSWORD"]
    email = otp_pool.confirmed_user()
    out = start(otp_pool, email)
    assert out["ChallengeName"] == "SELECT_CHALLENGE"
    assert out["AvailableChallenges"] == ["PASSWORD", "EMAIL_OTP"]


def test_email_otp_is_not_offered_when_the_pool_does_not_allow_it(pool):
    email = pool.confirmed_user()
    out = start(pool, email, preferred="EMAIL_OTP")
    assert out["ChallengeName"] == "SELECT_CHALLENGE"
    assert sign_in_codes(pool, email) == []
    with raises_aws("InvalidParameterException"):
        answer(pool, email, "SELECT_CHALLENGE", out["Session"], ANSWER="EMAIL_OTP")


def test_email_otp_signs_in_with_the_mailed_code(otp_pool):
    email = otp_pool.confirmed_user()
    out = start(otp_pool, email, preferred="EMAIL_OTP")
    assert out["ChallengeName"] == "EMAIL_OTP"
    assert out["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    assert out["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"].startswith(email[0] + "***@")
    [code] = sign_in_codes(otp_pool, email)
    result = answer(otp_pool, email, "EMAIL_OTP", out["Session"], EMAIL_OTP_CODE=code)["AuthenticationResult"]
    assert claims(result["IdToken"])["email"] == email
    assert otp_pool.idp.get_user(AccessToken=result["AccessToken"])["Username"]
    # The Session is used up.
    with raises_aws("NotAuthorizedException", BAD_SESSION):
        answer(otp_pool, email, "EMAIL_OTP", out["Session"], EMAIL_OTP_CODE=code)


def test_select_then_email_otp(otp_pool):
    email = otp_pool.confirmed_user()
    selected = answer(otp_pool, email, "SELECT_CHALLENGE", start(otp_pool, email)["Session"], ANSWER="EMAIL_OTP")
    assert selected["ChallengeName"] == "EMAIL_OTP"
    [code] = sign_in_codes(otp_pool, email)
    assert "AuthenticationResult" in answer(otp_pool, email, "EMAIL_OTP", selected["Session"], EMAIL_OTP_CODE=code)


def test_a_wrong_code_may_be_retried_three_answers_in_all(otp_pool):
    email = otp_pool.confirmed_user()
    session = start(otp_pool, email, preferred="EMAIL_OTP")["Session"]
    [code] = sign_in_codes(otp_pool, email)
    wrong = "000000" if code != "000000" else "111111"
    with raises_aws("CodeMismatchException", WRONG_OTP):
        answer(otp_pool, email, "EMAIL_OTP", session, EMAIL_OTP_CODE=wrong)
    assert "AuthenticationResult" in answer(otp_pool, email, "EMAIL_OTP", session, EMAIL_OTP_CODE=code)

    session = start(otp_pool, email, preferred="EMAIL_OTP")["Session"]
    code = sign_in_codes(otp_pool, email)[-1]
    for _ in range(3):
        with raises_aws("CodeMismatchException", WRONG_OTP):
            answer(otp_pool, email, "EMAIL_OTP", session, EMAIL_OTP_CODE=wrong)
    with raises_aws("NotAuthorizedException", BAD_SESSION):
        answer(otp_pool, email, "EMAIL_OTP", session, EMAIL_OTP_CODE=code)


def test_the_code_expires_with_its_session(otp_pool):
    email = otp_pool.confirmed_user()
    session = start(otp_pool, email, preferred="EMAIL_OTP")["Session"]
    [code] = sign_in_codes(otp_pool, email)
    clock.advance(181)
    with raises_aws("NotAuthorizedException", BAD_SESSION):
        answer(otp_pool, email, "EMAIL_OTP", session, EMAIL_OTP_CODE=code)


def test_the_session_belongs_to_its_user(otp_pool):
    email = otp_pool.confirmed_user()
    other = otp_pool.confirmed_user()
    session = start(otp_pool, email, preferred="EMAIL_OTP")["Session"]
    [code] = sign_in_codes(otp_pool, email)
    with raises_aws("NotAuthorizedException", BAD_SESSION):
        answer(otp_pool, other, "EMAIL_OTP", session, EMAIL_OTP_CODE=code)


def test_unknown_users_look_the_same_and_get_no_mail(otp_pool):
    email = "nobody-here@example.com"
    out = start(otp_pool, email, preferred="EMAIL_OTP")
    assert out["ChallengeName"] == "EMAIL_OTP" and len(out["Session"]) > 20
    assert otp_pool.mailbox(email) == []
    with raises_aws("CodeMismatchException", WRONG_OTP):
        answer(otp_pool, email, "EMAIL_OTP", out["Session"], EMAIL_OTP_CODE="123456")


def test_unconfirmed_users_are_told(otp_pool):
    email, _ = otp_pool.sign_up()
    with raises_aws("UserNotConfirmedException"):
        start(otp_pool, email, preferred="EMAIL_OTP")


def test_password_as_a_first_factor_keeps_the_totp_challenge(otp_pool):
    email = otp_pool.confirmed_user()
    out = start(otp_pool, email, preferred="PASSWORD", PASSWORD=PASSWORD)
    assert "AuthenticationResult" in out
    with raises_aws("NotAuthorizedException", "Incorrect username or password."):
        start(otp_pool, email, preferred="PASSWORD", PASSWORD="Wr0ng-password")

    token = out["AuthenticationResult"]["AccessToken"]
    secret = otp_pool.idp.associate_software_token(AccessToken=token)["SecretCode"]
    otp_pool.idp.verify_software_token(AccessToken=token, UserCode=pyotp.TOTP(secret).now())
    otp_pool.idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    selected = answer(
        otp_pool, email, "SELECT_CHALLENGE", start(otp_pool, email)["Session"], ANSWER="PASSWORD", PASSWORD=PASSWORD
    )
    assert selected["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    # An e-mailed code is a first factor of its own: no TOTP challenge after it, as in Cognito.
    session = start(otp_pool, email, preferred="EMAIL_OTP")["Session"]
    code = sign_in_codes(otp_pool, email)[-1]
    assert "AuthenticationResult" in answer(otp_pool, email, "EMAIL_OTP", session, EMAIL_OTP_CODE=code)


def test_a_passwordless_sign_up_signs_in_by_code_and_may_set_a_password_later(pool, otp_pool):
    # Password may be left out only when the pool offers a one-time code (a passkey is not enough).
    for other in (pool, Pool(pool.idp, pool.url, first_factors=["PASSWORD", "WEB_AUTHN"])):
        with raises_aws("InvalidParameterException", "Password is required for this user pool."):
            other.idp.sign_up(ClientId=other.client_id, Username="nopw@example.com", UserAttributes=[])
    email = "nopw@example.com"
    otp_pool.idp.sign_up(ClientId=otp_pool.client_id, Username=email, UserAttributes=[{"Name": "email", "Value": email}])
    otp_pool.idp.confirm_sign_up(ClientId=otp_pool.client_id, Username=email, ConfirmationCode=otp_pool.last_code(email))
    # No password: any password is wrong.
    with raises_aws("NotAuthorizedException"):
        otp_pool.password_login(email)
    out = start(otp_pool, email, preferred="EMAIL_OTP")
    [code] = sign_in_codes(otp_pool, email)
    token = answer(otp_pool, email, "EMAIL_OTP", out["Session"], EMAIL_OTP_CODE=code)["AuthenticationResult"]["AccessToken"]
    # A first password needs no PreviousPassword; after that, it does.
    otp_pool.idp.change_password(AccessToken=token, ProposedPassword=PASSWORD)
    assert otp_pool.password_login(email)["AuthenticationResult"]["AccessToken"]
    with raises_aws("NotAuthorizedException"):
        otp_pool.idp.change_password(AccessToken=token, ProposedPassword=PASSWORD + "x")
