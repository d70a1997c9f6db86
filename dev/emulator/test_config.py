"""config.py: the runtime switches (`unconfirmed_first`), read at start-up from the environment and
changed by /_dev/config. What the switch does to sign-in is tested in cognito/test_sign_in.py."""

import os
import subprocess
import sys
from pathlib import Path

import requests

from emulator.testing import free_port, set_config


def test_config_rejects_bad_input(url):
    for body in ('{"unconfirmed_first": "yes"}', '{"unconfirmed_first": 1}', '{"nope": true}', "[true]", "not json"):
        resp = requests.post(f"{url}/_dev/config", data=body, headers={"Content-Type": "application/json"}, timeout=5)
        assert resp.status_code == 400, body
        assert "error" in resp.json()
    assert requests.get(f"{url}/_dev/config", timeout=5).json() == {"unconfirmed_first": False}
    # An empty object changes nothing and answers the config.
    assert requests.post(f"{url}/_dev/config", json={}, timeout=5).json() == {"unconfirmed_first": False}


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
