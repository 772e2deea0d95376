# SPDX-License-Identifier: ISC
"""The command line itself: help, version, unknown commands, exit codes."""
from conftest import run


def test_version(env):
    r = run("--version", env=env)
    assert r.returncode == 0
    assert r.stdout.startswith("dotgit-deploy ")


def test_help_lists_commands(env):
    r = run("--help", env=env)
    assert r.returncode == 0
    for cmd in ("deploy", "hook", "install-hook", "daemon", "queue",
                "status", "projects", "config"):
        assert cmd in r.stdout


def test_unknown_command_is_usage_error(env):
    r = run("deplyo", env=env)
    assert r.returncode == 2
    assert "unknown command 'deplyo'" in r.stderr


def test_no_command_is_usage_error(env):
    r = run(env=env)
    assert r.returncode == 2
    assert "usage:" in r.stderr
