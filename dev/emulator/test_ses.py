"""ses.py (patch 14): what is sent through SES SendEmail (v2, and v1) lands in the dev mailbox as a "notice"."""

import html
import re
import uuid

import boto3
import pytest
import requests
from botocore.config import Config

from emulator.testing import raises_aws


def aws_client(service, url):
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def sesv2(url):
    return aws_client("sesv2", url)


@pytest.fixture(scope="module")
def ses(url):
    return aws_client("ses", url)


def address(prefix, domain="example.org"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}@{domain}"


def mailbox(url, to):
    resp = requests.get(f"{url}/_dev/mailbox", params={"to": to}, timeout=5)
    resp.raise_for_status()
    return resp.json()


def simple(subject, text=None, html_body=None):
    body = {}
    if text is not None:
        body["Text"] = {"Data": text, "Charset": "UTF-8"}
    if html_body is not None:
        body["Html"] = {"Data": html_body, "Charset": "UTF-8"}
    return {"Simple": {"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": body}}


@pytest.fixture
def sender(sesv2):
    """A verified sender address (an identity of its own: a verified domain would cover too much)."""
    sender = address("no-reply", "sender.example")
    resp = sesv2.create_email_identity(EmailIdentity=sender)
    assert resp["IdentityType"] == "EMAIL_ADDRESS"
    return sender


def test_sesv2_send_email_lands_in_the_mailbox(sesv2, url, sender):
    # moto alone says false forever, yet sends; the emulator says what moto does.
    assert sesv2.get_email_identity(EmailIdentity=sender)["VerifiedForSendingStatus"] is True
    to, cc = address("Old.Address"), address("cc")
    sesv2.send_email(
        FromEmailAddress=f"Leptos <{sender}>",
        Destination={"ToAddresses": [f"Ada <{to}>"], "CcAddresses": [cc]},
        Content=simple("Your email address is being changed", "Hello,\nsomeone asked to change it."),
    )

    [mail] = mailbox(url, to.lower())  # the address without the display name; `to` compared lower-case
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", mail.pop("sent_at"))
    assert mail == {
        "to": to,
        "purpose": "notice",
        "code": "",
        "pool_id": "",
        "from": f"Leptos <{sender}>",
        "subject": "Your email address is being changed",
        "text": "Hello,\nsomeone asked to change it.",
    }
    [copy] = mailbox(url, cc)  # one entry per recipient
    assert copy["to"] == cc and copy["subject"] == "Your email address is being changed"


def test_the_html_part_is_kept_beside_the_text(sesv2, url, sender):
    to = address("both")
    sesv2.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": [to]},
        Content=simple("Both parts", "plain text", "<p>html</p>"),
    )
    [mail] = mailbox(url, to)
    assert (mail["text"], mail["html"]) == ("plain text", "<p>html</p>")

    html_only = address("html-only")
    sesv2.send_email(FromEmailAddress=sender, Destination={"ToAddresses": [html_only]}, Content=simple("Html", None, "<p>x</p>"))
    [mail] = mailbox(url, html_only)
    assert (mail["text"], mail["html"]) == ("", "<p>x</p>")


def test_an_unverified_sender_is_refused_and_nothing_is_recorded(sesv2, url):
    stranger = address("stranger", f"{uuid.uuid4().hex[:8]}.example")
    to = address("nobody")
    with raises_aws("MessageRejected", f"Email address not verified {stranger}"):
        sesv2.send_email(FromEmailAddress=stranger, Destination={"ToAddresses": [to]}, Content=simple("No", "no"))
    assert mailbox(url, to) == []


def test_ses_v1_send_email_lands_in_the_mailbox_too(ses, url):
    sender = address("v1-sender", "sender.example")
    ses.verify_email_identity(EmailAddress=sender)
    to = address("v1")
    ses.send_email(
        Source=sender,
        Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": "Via v1"}, "Body": {"Text": {"Data": "v1 text"}, "Html": {"Data": "<i>v1</i>"}}},
    )
    [mail] = mailbox(url, to)
    assert (mail["purpose"], mail["from"], mail["subject"], mail["text"], mail["html"]) == (
        "notice",
        sender,
        "Via v1",
        "v1 text",
        "<i>v1</i>",
    )

    with raises_aws("MessageRejected"):
        ses.send_email(
            Source=address("unknown", "nowhere.example"),
            Destination={"ToAddresses": [to]},
            Message={"Subject": {"Data": "x"}, "Body": {"Text": {"Data": "x"}}},
        )
    assert len(mailbox(url, to)) == 1


def test_the_view_shows_a_notice_escaped(sesv2, url, sender):
    to = address("viewer")
    subject = "<script>alert('subject')</script> & more"
    text = "Line one\n<img src=x onerror=alert(1)>"
    sesv2.send_email(FromEmailAddress=sender, Destination={"ToAddresses": [to]}, Content=simple(subject, text))

    view = requests.get(f"{url}/_dev/mailbox/view", timeout=5)
    assert view.status_code == 200 and view.headers["Content-Type"].startswith("text/html")
    assert html.escape(subject) in view.text and html.escape(text) in view.text
    assert "<script>alert" not in view.text and "<img src=x" not in view.text
    assert html.escape(to) in view.text and "notice" in view.text
