import base64
import json
from contextlib import contextmanager

import pytest
from botocore.exceptions import ClientError


@contextmanager
def raises_aws(code, message=None):
    """Asserts a botocore ClientError with this error code (and exact message, when given)."""
    with pytest.raises(ClientError) as info:
        yield info
    error = info.value.response["Error"]
    assert error["Code"] == code, error
    if message is not None:
        assert error["Message"] == message, error


def claims(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
