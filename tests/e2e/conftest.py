# SPDX-License-Identifier: ISC
"""Shared fixtures for the end-to-end tests: the binary, real git repos."""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
sys.path.insert(0, HERE)

BIN = os.environ.get("DOTGIT_DEPLOY_BIN",
                     os.path.join(ROOT, "build", "dotgit-deploy"))

# Files the tests write must not depend on the caller's umask: a
# $GIT_DIR/dotgit-deploy.ini that group may write is only read like a
# tracked file (tests that need that chmod it themselves).
os.umask(0o022)


def clean_env(**extra):
    """A predictable environment: no user git config, no API key."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "DOTGIT_", "XDG_"))}
    env.update({
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    })
    env.update(extra)
    return env


@pytest.fixture
def home(tmp_path):
    h = tmp_path / "home"
    h.mkdir()
    return h


@pytest.fixture
def env(home):
    return clean_env(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))


def git(*args, cwd=None, env=None, check=True, input=None):
    r = subprocess.run(["git", *args], cwd=cwd, env=env, input=input,
                       capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError("git %s failed: %s" % (args, r.stderr))
    return r.stdout.strip()


def run(*args, cwd=None, env=None, input=None, timeout=60):
    return subprocess.run([BIN, *args], cwd=cwd, env=env, input=input,
                          capture_output=True, text=True, timeout=timeout)
