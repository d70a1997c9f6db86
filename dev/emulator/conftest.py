"""Fixtures of the emulator's tests (the tests are beside the modules they test: `test_<module>.py`
here and in cognito/): the emulator in-process on a free port for the whole session, boto3 clients,
a fresh user pool per test. Helpers the tests import are in testing.py.

pytest imports this file as `emulator.conftest` (the folder is a package), so `emulator` (which sets
moto's environment switches) is imported before moto.
"""

import os

import boto3
import pytest
from botocore.config import Config

from emulator import clock
from emulator.server import EmulatorServer
from emulator.testing import Pool, set_config


@pytest.fixture(scope="session")
def server():
    # The tests expect the default start-up switches (some change them at runtime, see restore_config).
    os.environ.pop("EMULATOR_UNCONFIRMED_FIRST", None)
    srv = EmulatorServer(port=0, quiet=True).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def url(server):
    return server.url


@pytest.fixture(scope="session")
def idp(url):
    return boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="session")
def s3(url):
    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
    )


@pytest.fixture(autouse=True)
def _restore_clock():
    yield
    clock.reset()


@pytest.fixture
def pool(idp, url):
    return Pool(idp, url)


@pytest.fixture
def restore_config(url):
    """For tests that flip a runtime switch: sets it back afterwards."""
    yield
    set_config(url, unconfirmed_first=False)
