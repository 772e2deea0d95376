# SPDX-License-Identifier: ISC
"""The command line itself: help, version, unknown commands and options,
exit codes."""
import re

import pytest

from conftest import run

COMMANDS = ("config", "daemon", "deploy", "help", "history", "hook",
            "install-hook", "projects", "queue", "rollback", "status",
            "uninstall-hook")


def test_version(env):
    r = run("--version", env=env)
    assert r.returncode == 0
    assert r.stdout.startswith("dotgit-deploy ")


def listed_commands(text):
    """The names in the "commands:" part of the overall help."""
    part = text.split("\ncommands:\n")[1].split("\n\n")[0]
    return [m.group(1) for m in re.finditer(r"^   (\S+)", part, re.M)]


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["help"]])
def test_help_lists_commands(env, args):
    r = run(*args, env=env)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout.startswith("usage: dotgit-deploy ")
    assert listed_commands(r.stdout) == list(COMMANDS)
    assert "__complete" not in r.stdout
    for opt in ("--directory DIR", "--config FILE", "--quiet", "--verbose",
                "--version"):
        assert opt in r.stdout


def test_help_cmd_is_cmd_help(env):
    """`help CMD`, `CMD --help` and `CMD -h` print the same full usage,
    wherever --help stands."""
    for cmd in COMMANDS:
        r = run("help", cmd, env=env)
        assert (r.returncode, r.stderr) == (0, ""), cmd
        assert r.stdout.startswith("usage: dotgit-deploy %s" % cmd)
        assert run(cmd, "--help", env=env).stdout == r.stdout
        assert run("-h", cmd, env=env).stdout == r.stdout
    r = run("help", "queue", "show", env=env)
    assert r.returncode == 0
    assert r.stdout == run("queue", "show", "--help", env=env).stdout
    assert r.stdout.startswith("usage: dotgit-deploy queue show "
                               "[--queue-dir DIR] [--json] ID\n")
    # --help wins over missing arguments
    assert run("status", "--help", env=env).returncode == 0


def test_command_help_has_every_option_with_a_line(env):
    r = run("help", "deploy", env=env)
    text = r.stdout
    for opt, words in (("--tag", "names a tag"),
                       ("--commit REV", "deploy this commit"),
                       ("-e, --environment ENV", "deploy to ENV"),
                       ("-s, --set KEY=VALUE", "environment variable"),
                       ("-n, --dry-run", "send nothing"),
                       ("--wait", "follow the deployment"),
                       ("--timeout SECONDS", "give up after SECONDS"),
                       ("--json", "as JSON")):
        [line] = [ln for ln in text.splitlines()
                  if ln.lstrip().startswith(opt)]
        assert words in line, line
    assert "global options: -C DIR, -c FILE" in text


def test_help_of_a_group_shows_each_subcommand(env):
    r = run("help", "queue", env=env)
    assert r.returncode == 0
    usage = [ln.split(None, 3)[2:] for ln in r.stdout.splitlines()[:5]]
    assert [u[0] for u in usage] == ["queue"] * 5
    for sub in ("show", "retry", "drop", "init"):
        assert "\n%s: " % sub in r.stdout
    assert "--queue-dir DIR" in r.stdout and "--group GROUP" in r.stdout


def test_help_of_nothing(env):
    r = run("help", "bogus", env=env)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == ("dotgit-deploy: no help for 'bogus': not a command\n"
                        "hint: 'dotgit-deploy help' lists them\n")


def test_unknown_command_is_usage_error(env):
    r = run("deplyo", env=env)
    assert r.returncode == 2
    assert r.stderr == ("dotgit-deploy: unknown command 'deplyo'; see "
                        "'dotgit-deploy help'\n")


def test_no_command_is_usage_error(env):
    r = run(env=env)
    assert r.returncode == 2
    assert r.stderr.startswith("usage:")
    assert r.stderr.endswith("dotgit-deploy: no command given\n")


@pytest.mark.parametrize("args, msg", [
    (["deploy", "--bogus"],
     "unknown option '--bogus' for 'deploy'\n"
     "hint: see 'dotgit-deploy help deploy'"),
    (["status", "x", "-z"],
     "unknown option '-z' for 'status'\n"
     "hint: see 'dotgit-deploy help status'"),
    (["--bogus", "status"], "unknown option '--bogus'\n"
     "hint: see 'dotgit-deploy help'"),
    (["config", "explain", "--bogus=1", "main"],
     "unknown option '--bogus' for 'config explain'\n"
     "hint: see 'dotgit-deploy help config explain'"),
    (["install-hook", "--client", "--binary"],
     "option '--binary' needs a path"),
    (["deploy", "--timeout"], "option '--timeout' needs a number of seconds"),
    (["-c"], "option '-c' needs a file"),
    (["status", "--wait=1", "x"], "option '--wait' takes no value"),
    (["daemon", "x"], "usage: dotgit-deploy daemon"),
    (["uninstall-hook", "x"],
     "usage: dotgit-deploy uninstall-hook [--server] [--client]"),
])
def test_option_errors_are_usage_errors(env, tmp_path, args, msg):
    r = run(*args, env=env, cwd=str(tmp_path))
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == "dotgit-deploy: %s\n" % msg


def test_global_options_anywhere(env, tmp_path):
    """-c before the command, after it, or after its arguments."""
    missing = str(tmp_path / "none.ini")
    for args in (["-c", missing, "config", "check"],
                 ["config", "-c", missing, "check"],
                 ["config", "check", "--config=" + missing]):
        r = run(*args, env=env, cwd=str(tmp_path))
        assert r.returncode == 2
        assert missing in r.stderr
