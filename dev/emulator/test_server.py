"""server.py and __main__.py: moto's services (S3 here) on the emulator's one port; `python -m emulator`
starts, announces itself and stops on SIGTERM."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from emulator.testing import free_port


def test_s3_on_the_same_port(s3):
    s3.create_bucket(Bucket="emulator-test-bucket")
    s3.put_object(Bucket="emulator-test-bucket", Key="a.txt", Body=b"hi", ContentType="text/plain")
    head = s3.head_object(Bucket="emulator-test-bucket", Key="a.txt")
    assert head["ContentLength"] == 2 and head["ContentType"] == "text/plain"


def test_command_line_start_and_stop():
    dev = Path(__file__).resolve().parents[1]
    port = free_port()
    env = dict(os.environ, EMULATOR_PORT=str(port), EMULATOR_LOG_REQUESTS="0")
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator"], cwd=dev, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline().strip()
        assert line == f"emulator ready on http://127.0.0.1:{port}"
        assert requests.get(f"http://127.0.0.1:{port}/_dev/health", timeout=5).text == "ok"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
