"""`make bench`, part 5: the server's own cost on a sign-in. Times the app's sign-in POST
(form post to the server function, answered with a redirect and the session cookies) and a
direct InitiateAuth to the same emulator with the same parameters, 30 of each, interleaved,
over kept-alive connections. The difference of the medians (and of the 99th percentiles) is
what the server adds: cookie sealing, token verification, limits, middleware.

Usage: sign_in_overhead.py <site-url> <emulator-url> <local-config.toml> <client-secret>"""

import base64
import hashlib
import hmac
import statistics
import sys
import time

import requests
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

    app_http, direct_http = requests.Session(), requests.Session()

    def app() -> float:
        app_http.cookies.clear()
        t = time.perf_counter()
        r = app_http.post(
            f"{site}/api/sign_in",
            data={"email": email, "password": PASSWORD},
            headers={"Sec-Fetch-Site": "same-origin", "Accept": "text/html"},
            allow_redirects=False,
        )
        elapsed = time.perf_counter() - t
        if r.status_code not in (302, 303) or r.headers.get("location") != "/":
            sys.exit(f"the app's sign-in did not succeed: {r.status_code} {r.headers.get('location')}")
        return elapsed * 1000

    def direct() -> float:
        t = time.perf_counter()
        r = direct_http.post(emulator + "/", json=direct_body, headers=direct_headers)
        elapsed = time.perf_counter() - t
        if r.status_code != 200 or "AuthenticationResult" not in r.json():
            sys.exit(f"InitiateAuth did not succeed: {r.status_code} {r.text[:200]}")
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
