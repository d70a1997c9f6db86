"""`make bench`, part 5: the server's own cost on a sign-in. Times the app's sign-in POST
(form post to the server function, answered with a redirect and the session cookies) and a
direct InitiateAuth to the same emulator with the same parameters, 30 of each, interleaved,
over kept-alive connections. The difference of the medians (and of the 99th percentiles) is
what the server adds: cookie sealing, limits, middleware, its AWS SDK call.

Both are sent with `http.client`, which reads the answer and nothing more: `requests` parsing
the session's Set-Cookie headers into its cookie jar took ~2 ms of Python per sign-in, which
earlier runs counted as the server's.

Usage: sign_in_overhead.py <site-url> <emulator-url> <local-config.toml> <client-secret>"""

import base64
import hashlib
import hmac
import statistics
import sys
import time

import http.client
import json
import urllib.parse

from accounts import PASSWORD, cognito_ids, confirmed_account

RUNS = 30


def percentile(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p * (len(s) - 1)))]


def main() -> None:
    site, emulator, config_path, secret = sys.argv[1:5]
    ids = cognito_ids(config_path)
    client_id = ids["client_id"]
    email = confirmed_account(emulator, ids["user_pool_id"], "overhead")
    secret_hash = base64.b64encode(hmac.new(secret.encode(), (email + client_id).encode(), hashlib.sha256).digest()).decode()
    direct_body = {
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": client_id,
        "AuthParameters": {"USERNAME": email, "PASSWORD": PASSWORD, "SECRET_HASH": secret_hash},
    }
    direct_headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
    }

    def connect(url: str) -> http.client.HTTPConnection:
        u = urllib.parse.urlsplit(url)
        return http.client.HTTPConnection(u.hostname, u.port)

    app_http, direct_http = connect(site), connect(emulator)
    app_form = urllib.parse.urlencode({"email": email, "password": PASSWORD})
    app_headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Sec-Fetch-Site": "same-origin",
        "Accept": "text/html",
    }
    direct_json = json.dumps(direct_body)

    def app() -> float:
        t = time.perf_counter()
        app_http.request("POST", "/api/sign_in", body=app_form, headers=app_headers)
        r = app_http.getresponse()
        r.read()
        elapsed = time.perf_counter() - t
        if r.status not in (302, 303) or r.getheader("location") != "/":
            sys.exit(f"the app's sign-in did not succeed: {r.status} {r.getheader('location')}")
        if not any(v.startswith(("lc-access=", "__Host-lc-access=")) for k, v in r.getheaders() if k.lower() == "set-cookie"):
            sys.exit("the app's sign-in answered without a session cookie")
        return elapsed * 1000

    def direct() -> float:
        t = time.perf_counter()
        direct_http.request("POST", "/", body=direct_json, headers=direct_headers)
        r = direct_http.getresponse()
        body = r.read()
        elapsed = time.perf_counter() - t
        if r.status != 200 or b"AuthenticationResult" not in body:
            sys.exit(f"InitiateAuth did not succeed: {r.status} {body[:200]!r}")
        return elapsed * 1000

    app(), direct()  # warm both connections and caches (JWKS)
    app_ms, direct_ms = [], []
    for _ in range(RUNS):
        app_ms.append(app())
        direct_ms.append(direct())

    print(f"\n5. Sign-in: the app's POST vs a direct InitiateAuth to the same emulator, {RUNS} each, ms")
    print("                          p50      p99")
    for name, xs in (("app sign-in POST", app_ms), ("direct InitiateAuth", direct_ms)):
        print(f"{name:<22}{statistics.median(xs):>8.2f} {percentile(xs, 0.99):>8.2f}")
    p50 = statistics.median(app_ms) - statistics.median(direct_ms)
    p99 = percentile(app_ms, 0.99) - percentile(direct_ms, 0.99)
    print(f"{'server overhead':<22}{p50:>8.2f} {p99:>8.2f}   (target <= 1 ms p50, <= 5 ms p99)")


if __name__ == "__main__":
    main()
