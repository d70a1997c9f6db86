"""The `unconfirmed_first` switch: Cognito's order for an unconfirmed user signing in; /_dev/config."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from helpers import raises_aws
from test_devapi import free_port

WRONG_PASSWORD = "Wr0ng-password"
INCORRECT = "Incorrect username or password."
NOT_CONFIRMED = "User is not confirmed."


def set_config(url, **values):
    resp = requests.post(f"{url}/_dev/config", json=values, timeout=5)
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture
def restore_config(url):
    yield
    set_config(url, unconfirmed_first=False)


def test_default_order_checks_the_password_first(pool, url):
    assert requests.get(f"{url}/_dev/config", timeout=5).json() == {"unconfirmed_first": False}
    email, _ = pool.sign_up()
    with raises_aws("NotAuthorizedException", INCORRECT):
        pool.password_login(email, password=WRONG_PASSWORD)
    with raises_aws("UserNotConfirmedException", NOT_CONFIRMED):
        pool.password_login(email)


def test_unconfirmed_first_answers_before_the_password(pool, url, restore_config):
    assert set_config(url, unconfirmed_first=True) == {"unconfirmed_first": True}
    assert requests.get(f"{url}/_dev/config", timeout=5).json() == {"unconfirmed_first": True}
    email, _ = pool.sign_up()
    with raises_aws("UserNotConfirmedException", NOT_CONFIRMED):
        pool.password_login(email, password=WRONG_PASSWORD)
    with raises_aws("UserNotConfirmedException", NOT_CONFIRMED):
        pool.password_login(email)

    # Confirmed and unknown users are unaffected.
    confirmed = pool.confirmed_user()
    with raises_aws("NotAuthorizedException", INCORRECT):
        pool.password_login(confirmed, password=WRONG_PASSWORD)
    pool.password_login(confirmed)
    with raises_aws("NotAuthorizedException", INCORRECT):
        pool.password_login("nobody@example.com", password=WRONG_PASSWORD)

    # Switched back at runtime: moto's order again, same emulator.
    assert set_config(url, unconfirmed_first=False) == {"unconfirmed_first": False}
    with raises_aws("NotAuthorizedException", INCORRECT):
        pool.password_login(email, password=WRONG_PASSWORD)


def test_config_rejects_bad_input(url):
    for body in ('{"unconfirmed_first": "yes"}', '{"unconfirmed_first": 1}', '{"nope": true}', "[true]", "not json"):
        resp = requests.post(f"{url}/_dev/config", data=body, headers={"Content-Type": "application/json"}, timeout=5)
        assert resp.status_code == 400, body
        assert "error" in resp.json()
    assert requests.get(f"{url}/_dev/config", timeout=5).json() == {"unconfirmed_first": False}
    # An empty object changes nothing and answers the config.
    assert requests.post(f"{url}/_dev/config", json={}, timeout=5).json() == {"unconfirmed_first": False}


def test_moto_reset_restores_the_start_up_value(url, restore_config):
    set_config(url, unconfirmed_first=True)
    assert requests.post(f"{url}/moto-api/reset", timeout=5).status_code == 200
    assert requests.get(f"{url}/_dev/config", timeout=5).json() == {"unconfirmed_first": False}


def start_emulator(**env):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator"],
        cwd=Path(__file__).resolve().parents[1],
        env=dict(os.environ, EMULATOR_PORT=str(port), EMULATOR_LOG_REQUESTS="0", **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, f"http://127.0.0.1:{port}"


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=10)
    proc.stdout.close()
    proc.stderr.close()


def test_environment_variable_sets_the_start_up_value():
    proc, url = start_emulator(EMULATOR_UNCONFIRMED_FIRST="1")
    try:
        assert proc.stdout.readline().strip() == f"emulator ready on {url}"
        assert requests.get(f"{url}/_dev/config", timeout=5).json() == {"unconfirmed_first": True}
        assert set_config(url, unconfirmed_first=False) == {"unconfirmed_first": False}
        requests.post(f"{url}/moto-api/reset", timeout=5).raise_for_status()
        assert requests.get(f"{url}/_dev/config", timeout=5).json() == {"unconfirmed_first": True}
    finally:
        stop(proc)


def test_malformed_environment_variable_stops_the_start():
    proc, _ = start_emulator(EMULATOR_UNCONFIRMED_FIRST="maybe")
    try:
        assert proc.wait(timeout=30) == 2
        assert "EMULATOR_UNCONFIRMED_FIRST" in proc.stderr.read()
    finally:
        stop(proc)
