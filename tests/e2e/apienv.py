# SPDX-License-Identifier: ISC
"""An emulator plus a config pointing at it: the platform for e2e tests."""
import os

import pytest

from harness import Emulator
from repos import PRODUCTION_ENV, RULES, write


def config_text(emu, extra="", project="id = proj_8f2a9c", key_file=None,
                rules=None):
    if rules is None:
        rules = RULES + "\n" + PRODUCTION_ENV
    api = "[api]\nurl = %s\nca_file = %s\n" % (emu.url, emu.ca)
    if key_file:
        api += "key_file = %s\n" % key_file
    return "%s\n[project]\n%s\n\n%s\n%s" % (api, project, rules, extra)


def key_file(emu, path):
    return write(path, emu.key + "\n", mode=0o600)


@pytest.fixture
def emu(tmp_path):
    e = Emulator(tmp_path / "emu", "--queued-secs", "0.1",
                 "--building-secs", "0.2")
    e.start()
    yield e
    e.stop()


def bodies(emu):
    """Bodies of the deployment POSTs the emulator accepted (201)."""
    return [r["body"] for r in emu.deployment_posts() if r["status"] == 201]
