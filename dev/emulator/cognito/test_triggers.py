"""triggers.py (patch 18): the pool's CustomMessage trigger, run as a local command before each
emailed code, and the invitation AdminCreateUser mails. The command here is a small Python stand-in
for `leptos-cognito custom-message` (whose own tests are in src/server/custom_message.rs)."""

import json
import uuid
import sys

import pytest

from emulator.cognito import triggers
from emulator.testing import Pool, raises_aws

ARN = "arn:aws:lambda:us-east-1:000000000000:function:custom-message"

# Answers like the real trigger: subject and HTML with the code placeholder; records the event.
STAND_IN = r"""
import json, sys
event = json.load(sys.stdin)
open(sys.argv[1], "w").write(json.dumps(event))
attrs = event["request"]["userAttributes"]
if attrs.get("given_name") == "Broken":
    sys.exit("the trigger fell over")
lang = attrs.get("locale", "en")
event["response"]["emailSubject"] = f"[{lang}] {event['triggerSource']}"
user = event["request"].get("usernameParameter", "")
code = event["request"]["codeParameter"]
event["response"]["emailMessage"] = f"<p>Hallo &amp; <b>{attrs.get('given_name', '')}</b></p><p>{user}</p><p>{code}</p>"
print(json.dumps(event))
"""


@pytest.fixture
def trigger(monkeypatch, tmp_path):
    script = tmp_path / "trigger.py"
    script.write_text(STAND_IN)
    seen = tmp_path / "event.json"
    monkeypatch.setenv(triggers.COMMAND_ENV, f"{sys.executable} {script} {seen}")
    return lambda: json.loads(seen.read_text())


@pytest.fixture
def triggered(idp, url):
    return Pool(idp, url, LambdaConfig={"CustomMessage": ARN}, first_factors=["PASSWORD", "EMAIL_OTP"])


def sign_up(pool, given_name="Ada", locale=None):
    email = f"t-{uuid.uuid4().hex[:10]}@example.com"
    attributes = [{"Name": "email", "Value": email}, {"Name": "given_name", "Value": given_name}]
    if locale:
        attributes.append({"Name": "locale", "Value": locale})
    pool.idp.sign_up(ClientId=pool.client_id, Username=email, Password="Correct-Horse-9", UserAttributes=attributes)
    return email


def test_each_code_goes_through_the_trigger_and_the_mailbox_has_what_a_person_gets(triggered, trigger):
    email = sign_up(triggered, locale="de")
    event = trigger()
    assert event["triggerSource"] == "CustomMessage_SignUp"
    assert event["request"]["codeParameter"] == "{####}"
    assert event["request"]["userAttributes"]["locale"] == "de"
    assert event["userPoolId"] == triggered.id
    mail = triggered.mailbox(email)[-1]
    code = mail["code"]
    assert mail["subject"] == "[de] CustomMessage_SignUp"
    assert mail["html"] == f"<p>Hallo &amp; <b>Ada</b></p><p></p><p>{code}</p>"
    assert mail["text"] == f"Hallo & Ada\n{code}\n"
    triggered.idp.resend_confirmation_code(ClientId=triggered.client_id, Username=email)
    assert trigger()["triggerSource"] == "CustomMessage_ResendCode"
    triggered.idp.confirm_sign_up(ClientId=triggered.client_id, Username=email, ConfirmationCode=triggered.last_code(email))
    triggered.idp.forgot_password(ClientId=triggered.client_id, Username=email)
    assert trigger()["triggerSource"] == "CustomMessage_ForgotPassword"
    triggered.idp.initiate_auth(
        ClientId=triggered.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": email, "PREFERRED_CHALLENGE": "EMAIL_OTP"},
    )
    assert trigger()["triggerSource"] == "CustomMessage_Authentication"
    assert triggered.mailbox(email)[-1]["subject"] == "[de] CustomMessage_Authentication"


def test_an_invitation_mails_the_temporary_password_through_the_trigger(triggered, trigger):
    email = "invited@example.com"
    triggered.idp.admin_create_user(
        UserPoolId=triggered.id,
        Username=email,
        TemporaryPassword="Temp-Password-123",
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    event = trigger()
    assert event["triggerSource"] == "CustomMessage_AdminCreateUser"
    assert event["request"]["usernameParameter"] == "{username}"
    mail = triggered.mailbox(email)[-1]
    assert mail["purpose"] == "invitation" and mail["code"] == "Temp-Password-123"
    assert f"<p>{email}</p><p>Temp-Password-123</p>" in mail["html"]
    # SUPPRESS sends nothing, as in Cognito.
    triggered.idp.admin_create_user(
        UserPoolId=triggered.id,
        Username="quiet@example.com",
        TemporaryPassword="Temp-Password-123",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "quiet@example.com"}],
    )
    assert triggered.mailbox("quiet@example.com") == []


def test_a_failing_trigger_fails_the_operation_as_cognito_does(triggered, trigger):
    with raises_aws("UserLambdaValidationException", "CustomMessage failed with error the trigger fell over."):
        sign_up(triggered, given_name="Broken")


def test_without_a_trigger_or_without_the_command_the_mail_is_the_plain_code(pool, triggered, trigger, monkeypatch):
    email = sign_up(pool)
    assert "html" not in pool.mailbox(email)[-1]
    monkeypatch.delenv(triggers.COMMAND_ENV)
    email = sign_up(triggered, given_name="Plain")
    assert "html" not in triggered.mailbox(email)[-1]


def test_the_text_rendering_keeps_one_paragraph_a_line():
    assert triggers.text_of("<html><body><p>A &amp; B</p><p style='x'>123456</p><script>x()</script></body></html>") == (
        "A & B\n123456\n"
    )
