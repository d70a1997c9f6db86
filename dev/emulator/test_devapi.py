"""devapi.py (patch 10): the /_dev endpoints (health, mailbox, sessions, config), same origin only."""

import re

import requests


def test_health(url):
    resp = requests.get(f"{url}/_dev/health", timeout=5)
    assert resp.status_code == 200 and resp.text == "ok"


def test_mailbox_json_view_and_delete(pool, url):
    a, _ = pool.sign_up("Alice.Mail@Example.com")
    b, _ = pool.sign_up()
    pool.idp.resend_confirmation_code(ClientId=pool.client_id, Username=a)

    alice = requests.get(f"{url}/_dev/mailbox", params={"to": "alice.mail@example.com"}, timeout=5).json()
    assert [m["purpose"] for m in alice] == ["sign-up", "resend"]  # newest last
    for m in alice:
        assert set(m) == {"to", "purpose", "code", "sent_at", "pool_id"}
        assert m["to"] == "Alice.Mail@Example.com" and m["pool_id"] == pool.id
        assert re.fullmatch(r"\d{6}", m["code"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", m["sent_at"])
    everything = requests.get(f"{url}/_dev/mailbox", timeout=5).json()
    assert [m["to"] for m in everything][-3:] == [a, b, a]

    view = requests.get(f"{url}/_dev/mailbox/view", timeout=5)
    assert view.status_code == 200 and view.headers["Content-Type"].startswith("text/html")
    assert view.text.index(alice[1]["code"]) < view.text.index(alice[0]["code"])  # newest first
    assert "Alice.Mail@Example.com" in view.text and "resend" in view.text

    assert requests.delete(f"{url}/_dev/mailbox", timeout=5).status_code == 204
    assert requests.get(f"{url}/_dev/mailbox", timeout=5).json() == []
    assert requests.get(f"{url}/_dev/nothing-here", timeout=5).status_code == 404
    assert requests.post(f"{url}/_dev/health", timeout=5).status_code == 405


def cors_headers(resp):
    return {k for k in resp.headers if k.lower().startswith("access-control-")}


def test_no_cors_headers(url):
    for resp in (
        requests.get(f"{url}/_dev/health", timeout=5),
        requests.get(f"{url}/_dev/mailbox", timeout=5),
        requests.get(f"{url}/_dev/config", timeout=5),
        requests.delete(f"{url}/_dev/mailbox", params={"to": "nobody@example.com"}, timeout=5),
        requests.options(f"{url}/_dev/mailbox", timeout=5),
        requests.get(f"{url}/_dev/mailbox", headers={"Origin": url}, timeout=5),
    ):
        assert resp.status_code in (200, 204), resp
        assert cors_headers(resp) == set(), resp.headers


def test_foreign_origins_are_refused(pool, url):
    email, _ = pool.sign_up()
    for origin in ("https://evil.example", "null", "http://localhost:3000", url.replace("http:", "https:"), f"{url}1"):
        for method in ("GET", "DELETE", "OPTIONS"):
            headers = {"Origin": origin}
            if method == "OPTIONS":
                headers["Access-Control-Request-Method"] = "DELETE"
            resp = requests.request(method, f"{url}/_dev/mailbox", headers=headers, timeout=5)
            assert resp.status_code == 403, (origin, method)
            assert resp.headers["Content-Type"].startswith("text/plain")
            assert cors_headers(resp) == set()
        resp = requests.post(f"{url}/_dev/config", json={"unconfirmed_first": True}, headers={"Origin": origin}, timeout=5)
        assert resp.status_code == 403
    # Nothing happened: the mail is still there, the switch unchanged.
    assert len(pool.mailbox(email)) == 1
    assert requests.get(f"{url}/_dev/config", timeout=5).json() == {"unconfirmed_first": False}
    # The other routes and unknown ones too.
    for path in ("/_dev/health", "/_dev/mailbox/view", "/_dev/config", "/_dev/nothing-here"):
        assert requests.get(f"{url}{path}", headers={"Origin": "https://evil.example"}, timeout=5).status_code == 403


def test_same_origin_requests_are_served(url):
    # Origin equal to scheme://host:port of the request's Host (an explicit default port is the same origin).
    assert requests.get(f"{url}/_dev/health", headers={"Origin": url}, timeout=5).text == "ok"
    assert requests.get(f"{url}/_dev/health", headers={"Origin": url.upper()}, timeout=5).status_code == 200
    explicit_port = {"Host": "localhost", "Origin": "http://localhost:80"}
    assert requests.get(f"{url}/_dev/health", headers=explicit_port, timeout=5).status_code == 200
    resp = requests.get(f"{url}/_dev/health", headers={"Host": "localhost", "Origin": url}, timeout=5)
    assert resp.status_code == 403  # 127.0.0.1 is not the origin of a request for localhost
    options = requests.options(f"{url}/_dev/mailbox", headers={"Origin": url}, timeout=5)
    assert options.status_code == 204 and "DELETE" in options.headers["Allow"]


def test_sec_fetch_site(url):
    for site, status in (("cross-site", 403), ("same-site", 403), ("same-origin", 200), ("none", 200)):
        resp = requests.get(f"{url}/_dev/mailbox/view", headers={"Sec-Fetch-Site": site}, timeout=5)
        assert resp.status_code == status, site
    resp = requests.get(f"{url}/_dev/health", headers={"Sec-Fetch-Site": "cross-site", "Origin": url}, timeout=5)
    assert resp.status_code == 403 and resp.headers["Content-Type"].startswith("text/plain")


def test_sessions_counts_the_live_refresh_tokens_of_a_user(url, pool, idp):
    email = pool.confirmed_user()

    def live():
        return requests.get(f"{url}/_dev/sessions", params={"email": email}, timeout=5).json()["live_refresh_tokens"]

    assert live() == 0
    first = pool.password_login(email)
    pool.password_login(email)
    assert live() == 2
    idp.revoke_token(Token=first["AuthenticationResult"]["RefreshToken"], ClientId=pool.client_id)
    assert live() == 1
    assert requests.get(f"{url}/_dev/sessions").status_code == 400
