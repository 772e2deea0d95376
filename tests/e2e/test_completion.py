# SPDX-License-Identifier: ISC
"""Bash completion (packaging/bash-completion/dotgit-deploy): what a TAB
offers, computed by bash itself from COMP_WORDS/COMP_CWORD as it would
be for a user."""
import os
import shutil
import subprocess

import pytest

from conftest import BIN, ROOT, git
from queuefiles import init_spool, job_doc, write_job

SCRIPT = os.path.join(ROOT, "packaging", "bash-completion", "dotgit-deploy")
LOADER = "/usr/share/bash-completion/bash_completion"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None,
                                reason="bash is not installed")


def complete(words, env, cwd=None):
    """COMPREPLY for a command line whose last word is being completed
    (as bash splits it: "--opt=val" is "--opt", "=", "val")."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); '
              'COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
              '_dotgit_deploy "$1"; printf "%s\\n" "${COMPREPLY[@]}"')
    r = subprocess.run(["bash", "-c", script, "bash", SCRIPT, BIN, *words],
                       env=env, cwd=cwd, capture_output=True, text=True,
                       timeout=30)
    assert (r.returncode, r.stderr) == (0, "")
    return sorted(line for line in r.stdout.splitlines() if line)


@pytest.fixture
def repo(tmp_path, env):
    path = str(tmp_path / "app")
    git("init", "-q", "-b", "main", path, env=env)
    git("commit", "-q", "--allow-empty", "-m", "x", cwd=path, env=env)
    git("branch", "feature/login", cwd=path, env=env)
    git("tag", "v1.0", cwd=path, env=env)
    return path


def test_registered_for_the_command(env):
    r = subprocess.run(["bash", "-c", 'source "$1"; complete -p '
                        'dotgit-deploy', "bash", SCRIPT], env=env,
                       capture_output=True, text=True)
    assert r.stdout == "complete -F _dotgit_deploy dotgit-deploy\n"


def test_commands_and_subcommands(env):
    assert complete([""], env) == [
        "config", "daemon", "deploy", "help", "history", "hook",
        "install-hook", "projects", "queue", "rollback", "status",
        "uninstall-hook"]
    assert complete(["un"], env) == ["uninstall-hook"]
    assert complete(["queue", ""], env) == [
        "drop", "init", "list", "retry", "show"]
    assert complete(["-q", "config", ""], env) == ["check", "explain",
                                                  "init"]
    assert complete(["help", "q"], env) == ["queue"]
    assert complete(["help", "queue", "s"], env) == ["show"]
    assert complete(["hook", "pre-push", ""], env) == []
    assert complete(["rollback", "p"], env) == ["preview", "production"]
    assert complete(["history", "production", ""], env) == []


def test_options_of_the_command(env):
    opts = complete(["deploy", "--"], env)
    for o in ("--tag", "--commit", "--environment", "--set", "--dry-run",
              "--wait", "--timeout", "--json", "--directory", "--config"):
        assert o in opts
    assert "--all" not in opts
    assert complete(["projects", "--p"], env) == ["--page", "--per-page"]
    # a group's options and its default subcommand's
    assert complete(["queue", "--j"], env) == ["--json"]
    assert complete(["queue", "retry", "--j"], env) == []
    assert complete(["queue", "init", "--g"], env) == ["--group"]


def test_environments(env):
    assert complete(["deploy", "--environment", ""], env) == [
        "preview", "production", "staging"]
    assert complete(["deploy", "-e", "st"], env) == ["staging"]
    # "--environment=pr": bash splits at the '='
    assert complete(["deploy", "--environment", "=", "pr"], env) == [
        "preview", "production"]
    assert complete(["deploy", "--environment", "="], env) == [
        "preview", "production", "staging"]
    assert complete(["config", "explain", "-e", "p"], env) == [
        "preview", "production"]


def test_branches_and_tags_from_git(env, repo, tmp_path):
    assert complete(["deploy", ""], env, cwd=repo) == [
        "feature/login", "main"]
    assert complete(["deploy", "f"], env, cwd=repo) == ["feature/login"]
    assert complete(["deploy", "--tag", ""], env, cwd=repo) == ["v1.0"]
    # the repository -C names, wherever -C stands
    assert complete(["-C", repo, "deploy", "m"], env,
                    cwd=str(tmp_path)) == ["main"]
    assert complete(["config", "explain", "--directory=" + repo, ""], env,
                    cwd=str(tmp_path)) == ["feature/login", "main"]
    assert complete(["deploy", "--commit", "v"], env, cwd=repo) == ["v1.0"]
    # one BRANCH only
    assert complete(["deploy", "main", ""], env, cwd=repo) == []


def test_job_ids_from_the_queue(env, tmp_path):
    qdir = str(tmp_path / "spool")
    init_spool(qdir, env)
    pending = write_job(qdir, "new", job_doc())
    failed = write_job(qdir, "failed", job_doc())
    done = write_job(qdir, "done", job_doc())
    assert complete(["queue", "--queue-dir", qdir, "show", ""], env) == \
        sorted([pending, failed, done])
    assert complete(["queue", "retry", "--queue-dir", qdir, ""], env) == \
        [failed]
    assert complete(["queue", "--queue-dir", "=", qdir, "drop", ""],
                    env) == sorted([pending, failed])
    assert complete(["queue", "--queue-dir", qdir, "show", done[:-1]],
                    env) == [done]
    # the configured queue
    cfg = tmp_path / "c.ini"
    cfg.write_text("[daemon]\nqueue = %s\n" % qdir)
    assert complete(["-c", str(cfg), "queue", "retry", ""], env) == [failed]
    # none: nothing, quietly
    assert complete(["queue", "--queue-dir", str(tmp_path / "no"), "show",
                     ""], env) == []


def test_values_the_shell_lists(env, tmp_path):
    (tmp_path / "dotgit-deploy-bin").write_text("")
    (tmp_path / "dir").mkdir()
    assert complete(["install-hook", "--binary", "dot"], env,
                    cwd=str(tmp_path)) == ["dotgit-deploy-bin"]
    assert complete(["-C", "d"], env, cwd=str(tmp_path)) == ["dir"]
    assert complete(["status", "--timeout", ""], env) == []


@pytest.mark.skipif(not os.path.exists(LOADER),
                    reason="bash-completion is not installed")
def test_bash_completion_loads_it_lazily(env, tmp_path):
    """bash-completion's loader finds the file by the command's name."""
    user = tmp_path / "bc"
    (user / "completions").mkdir(parents=True)
    os.symlink(SCRIPT, str(user / "completions" / "dotgit-deploy"))
    script = ('source %s; complete -p dotgit-deploy >/dev/null 2>&1 && '
              'echo early; __load_completion dotgit-deploy; '
              'complete -p dotgit-deploy' % LOADER)
    r = subprocess.run(["bash", "-c", script],
                       env=dict(env, BASH_COMPLETION_USER_DIR=str(user)),
                       capture_output=True, text=True, timeout=30)
    assert r.stdout == "complete -F _dotgit_deploy dotgit-deploy\n"


@pytest.mark.skipif(shutil.which("strace") is None,
                    reason="strace is not installed")
def test_complete_loads_no_libgit2(env, repo, tmp_path):
    """A TAB costs a process that reads no repository: no libgit2, no
    libcurl."""
    out = str(tmp_path / "trace")
    asan = env.get("ASAN_OPTIONS")
    env = dict(env, ASAN_OPTIONS=(asan + ":" if asan else "") +
               "detect_leaks=0")
    r = subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat",
                        "-o", out, BIN, "__complete", "deploy", ""],
                       cwd=repo, env=env, capture_output=True, text=True)
    assert (r.returncode, r.stdout) == (0, "@branch\n")
    with open(out) as f:
        trace = f.read()
    assert "libinih" in trace
    assert "libgit2" not in trace and "libcurl" not in trace
