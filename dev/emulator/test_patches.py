"""patches.py: moto's reset (POST /moto-api/reset) also clears the mailbox and sets the runtime
switches back to their start-up values."""

import requests

from emulator.testing import set_config


def test_moto_reset_clears_our_state_too(pool, url):
    email, resp = pool.sign_up()
    assert requests.get(f"{url}/_dev/mailbox", timeout=5).json()
    assert requests.post(f"{url}/moto-api/reset", timeout=5).status_code == 200
    assert requests.get(f"{url}/_dev/mailbox", timeout=5).json() == []
    assert pool.idp.list_user_pools(MaxResults=10)["UserPools"] == []


def test_moto_reset_restores_the_start_up_value(url, restore_config):
    set_config(url, unconfirmed_first=True)
    assert requests.post(f"{url}/moto-api/reset", timeout=5).status_code == 200
    assert requests.get(f"{url}/_dev/config", timeout=5).json() == {"unconfirmed_first": False}
