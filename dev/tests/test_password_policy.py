"""moto's password policy check (no patch needed): a minimum length and no character classes."""

import pytest
from conftest import Pool
from helpers import raises_aws

# Only the length counts: 12 characters of any kind.
POLICY = {
    "MinimumLength": 12,
    "RequireUppercase": False,
    "RequireLowercase": False,
    "RequireNumbers": False,
    "RequireSymbols": False,
}
SHORT = "elevenchars"  # 11
LONG_ENOUGH = "twelve chars"  # 12, lower case and a space only
OTHER = "aaaaaaaaaaaa"


@pytest.fixture
def length_pool(idp, url):
    return Pool(idp, url, password_policy=POLICY)


def test_minimum_length_12_and_nothing_else(length_pool):
    pool = length_pool
    assert len(SHORT) == 11 and len(LONG_ENOUGH) == 12

    # SignUp
    with raises_aws("InvalidPasswordException"):
        pool.sign_up(password=SHORT)
    email, _ = pool.sign_up(password=LONG_ENOUGH)
    pool.idp.confirm_sign_up(ClientId=pool.client_id, Username=email, ConfirmationCode=pool.last_code(email))
    token = pool.password_login(email, password=LONG_ENOUGH)["AuthenticationResult"]["AccessToken"]

    # ChangePassword
    with raises_aws("InvalidPasswordException"):
        pool.idp.change_password(AccessToken=token, PreviousPassword=LONG_ENOUGH, ProposedPassword=SHORT)
    pool.idp.change_password(AccessToken=token, PreviousPassword=LONG_ENOUGH, ProposedPassword=OTHER)
    pool.password_login(email, password=OTHER)

    # ConfirmForgotPassword (the emulator's patch calls moto's check)
    pool.idp.forgot_password(ClientId=pool.client_id, Username=email)
    confirm = dict(ClientId=pool.client_id, Username=email, ConfirmationCode=pool.last_code(email, "forgot-password"))
    with raises_aws("InvalidPasswordException"):
        pool.idp.confirm_forgot_password(Password=SHORT, **confirm)
    pool.idp.confirm_forgot_password(Password=LONG_ENOUGH, **confirm)
    pool.password_login(email, password=LONG_ENOUGH)

    # RespondToAuthChallenge NEW_PASSWORD_REQUIRED
    invited = "invited-policy@example.com"
    pool.idp.admin_create_user(
        UserPoolId=pool.id,
        Username=invited,
        TemporaryPassword="temporary pw",
        UserAttributes=[{"Name": "email", "Value": invited}],
    )
    challenge = pool.password_login(invited, password="temporary pw")
    respond = dict(ClientId=pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"])
    with raises_aws("InvalidPasswordException"):
        pool.idp.respond_to_auth_challenge(ChallengeResponses={"USERNAME": invited, "NEW_PASSWORD": SHORT}, **respond)
    done = pool.idp.respond_to_auth_challenge(ChallengeResponses={"USERNAME": invited, "NEW_PASSWORD": OTHER}, **respond)
    assert "AccessToken" in done["AuthenticationResult"]
