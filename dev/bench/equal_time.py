"""Equal answers in equal time (issue 7, item 9): runs each pair of cases 30 times against a
running leptos-cognito and prints the status, the page it lands on and the median time of each.
Not a test: timings depend on the machine. `make bench-equal-time` starts everything it needs.

Pairs: sign-up with a new vs an existing (confirmed) vs an existing unconfirmed email; forgot
password for an unknown vs a known email; resend for an unknown vs a known unconfirmed email;
"Email me a sign-in code" for an unknown vs a known vs an unconfirmed email; a wrong code on the
confirm page after a sign-up with a new vs an already registered email (issue 23).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid

import boto3
import requests

SITE = os.environ["BENCH_SITE_URL"]
EMULATOR = os.environ["EMULATOR_URL"]
POOL = os.environ["LC_COGNITO_USER_POOL_ID"]
TRIES = int(os.environ.get("BENCH_TRIES", "30"))
PASSWORD = "Correct-Horse-9"

idp = boto3.client(
    "cognito-idp",
    region_name="us-east-1",
    endpoint_url=EMULATOR,
    aws_access_key_id="bench",
    aws_secret_access_key="bench",
)


def email(tag: str) -> str:
    return f"bench-{tag}-{uuid.uuid4().hex[:12]}@example.com"


def confirmed_user() -> str:
    e = email("known")
    idp.admin_create_user(
        UserPoolId=POOL,
        Username=e,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": e}, {"Name": "email_verified", "Value": "true"}],
    )
    idp.admin_set_user_password(UserPoolId=POOL, Username=e, Password=PASSWORD, Permanent=True)
    return e


def unconfirmed_user() -> str:
    e = email("unconfirmed")
    post("/api/sign_up", {"email": e, "password": PASSWORD, "given_name": "Un", "family_name": "Confirmed"})
    return e


def post(path: str, form: dict[str, str]) -> tuple[int, str, float]:
    started = time.perf_counter()
    r = requests.post(
        SITE + path, data=form, allow_redirects=False, headers={"Sec-Fetch-Site": "same-origin", "Accept": "text/html"}
    )
    elapsed = time.perf_counter() - started
    return r.status_code, r.headers.get("location", ""), elapsed


def wrong_code_after_sign_up(make_email) -> tuple[int, str, float]:
    """Signs up `make_email()` in a browser of its own, then times a wrong code on its confirm page."""
    browser = requests.Session()
    headers = {"Sec-Fetch-Site": "same-origin", "Accept": "text/html"}
    e = make_email()
    browser.post(SITE + "/api/sign_up", data=sign_up_form(e), allow_redirects=False, headers=headers)
    started = time.perf_counter()
    r = browser.post(SITE + "/api/confirm_sign_up", data={"email": e, "code": "000000"}, allow_redirects=False, headers=headers)
    return r.status_code, r.headers.get("location", ""), time.perf_counter() - started


def run_confirm(label: str, make_email) -> tuple[str, set[tuple[int, str]], float]:
    answers, times = set(), []
    for _ in range(TRIES):
        status, location, elapsed = wrong_code_after_sign_up(make_email)
        answers.add((status, location))
        times.append(elapsed)
    return label, answers, statistics.median(times)


def run(label: str, make_email, path: str, form) -> tuple[str, set[tuple[int, str]], float]:
    answers, times = set(), []
    for _ in range(TRIES):
        e = make_email()
        status, location, elapsed = post(path, form(e))
        answers.add((status, location))
        times.append(elapsed)
    return label, answers, statistics.median(times)


def sign_up_form(e: str) -> dict[str, str]:
    return {"email": e, "password": "Another-Long-Pass-3", "given_name": "Bench", "family_name": "Mark"}


PAIRS = [
    (
        "a wrong code on the confirm page",
        [
            run_confirm("after a new sign-up", lambda: email("new")),
            run_confirm("after an existing email", confirmed_user),
        ],
    ),
    (
        "sign-up",
        [
            run("new email", lambda: email("new"), "/api/sign_up", sign_up_form),
            run("existing, confirmed", confirmed_user, "/api/sign_up", sign_up_form),
            run("existing, unconfirmed", unconfirmed_user, "/api/sign_up", sign_up_form),
        ],
    ),
    (
        "forgot password",
        [
            run("unknown email", lambda: email("unknown"), "/api/forgot_password", lambda e: {"email": e}),
            run("known email", confirmed_user, "/api/forgot_password", lambda e: {"email": e}),
        ],
    ),
    (
        "resend code",
        [
            run("unknown email", lambda: email("unknown"), "/api/resend_code", lambda e: {"email": e}),
            run("known, unconfirmed", unconfirmed_user, "/api/resend_code", lambda e: {"email": e}),
        ],
    ),
    (
        "email me a sign-in code",
        [
            run("unknown email", lambda: email("unknown"), "/api/email_sign_in_code", lambda e: {"email": e}),
            run("known email", confirmed_user, "/api/email_sign_in_code", lambda e: {"email": e}),
            run("known, unconfirmed", unconfirmed_user, "/api/email_sign_in_code", lambda e: {"email": e}),
        ],
    ),
]

worst = 0.0
print(f"{TRIES} tries each; status and Location of every answer, and the median time\n")
for flow, cases in PAIRS:
    print(flow)
    medians = [m for _, _, m in cases]
    answers = {a for _, ans, _ in cases for a in ans}
    for label, ans, m in cases:
        print(f"  {label:<24} {sorted(ans)}  median {m * 1000:7.1f} ms")
    spread = (max(medians) - min(medians)) / min(medians)
    worst = max(worst, spread)
    same = "same answer" if len(answers) == 1 else "DIFFERENT ANSWERS"
    print(f"  -> {same}; medians differ by {spread * 100:.1f}% (target < 10%)\n")
print(f"largest difference between medians: {worst * 100:.1f}%")
sys.exit(0)
