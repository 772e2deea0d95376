# SPDX-License-Identifier: ISC
"""What the API may not do to us, and where the key may not go: a key the
API echoes is never stored or shown, a reply cannot make the daemon wait
more than API_WAIT_MAX (900 s), any stored time is shown without
overflow, reply strings put no terminal escapes on a screen or in a log,
and no child we start sees DOTGIT_API_KEY."""
import json
import os
import subprocess
import time

import pytest

from apienv import bodies, config_text, key_file  # noqa: F401
from conftest import BIN, git, run
from daemonenv import Daemon, Emulator, Server, wait_until
from hookfs import push, watchers
from queuefiles import job_doc, write_job
from repos import make_bare, make_repo, write

API_WAIT_MAX = 900
INT64_MAX = 2 ** 63 - 1
INT64_MIN = -2 ** 63
ESC, C1 = "\x1b", "\u009b"


def emulator(tmp_path, *flags):
    return Emulator(tmp_path / "emu", "--queued-secs", "0.1",
                    "--building-secs", "0.1", *flags).start()


def no_sanitizer_report(text):
    assert "runtime error" not in text and "Sanitizer" not in text, text


def leaked(text, key):
    """Any 11 bytes or more of the key (a cut once left 24 of 26)."""
    return any(key[i:i + 11] in text for i in range(len(key) - 10))


class QuietDaemon(Daemon):
    """The daemon at the default log level: what an operator sees."""

    def start(self):
        with open(self.log, "a") as f:
            f.write("=== start\n")
        out = open(self.log, "a")
        self.proc = subprocess.Popen(
            [BIN, "-c", self.config, "daemon"], env=self.env,
            stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        out.close()
        return self


@pytest.fixture
def stop():
    """Things to stop at the end of a test, last first."""
    things = []
    yield things.append
    for t in reversed(things):
        if isinstance(t, Daemon):
            if t.proc is not None and t.proc.poll() is None:
                t.kill()
        else:
            t.stop()


# ------------------------------------------------------------- redaction

@pytest.mark.parametrize("status,straddle", [(500, True), (422, False)])
def test_key_echoed_by_the_api_is_never_stored_or_shown(
        tmp_path, env, stop, status, straddle):
    """The API quotes the key in its error: in the job file, `queue`, and
    the daemon log it is [REDACTED] -- also when it straddles the 200th
    byte of the message, where the message is cut."""
    key = "gl_api_test_key_0123456789"
    at = 200 - len(key) + 2 if straddle else 0
    emu = emulator(tmp_path, "--echo-key-first-post", "1",
                   "--echo-key-status", str(status), "--echo-key-at",
                   str(at))
    stop(emu)
    assert emu.key == key
    srv = Server(tmp_path, env, emu)
    stop(srv.daemon)
    srv.push("origin", "main")
    srv.daemon.start()
    state = "done" if status == 500 else "failed"   # 500: retried
    [job] = wait_until(lambda: srv.jobs(state), 30,
                       message="job not settled:\n" + srv.daemon.text())
    assert srv.daemon.stop() == 0
    [post] = emu.deployment_posts()[:1]
    assert post["fault"] == "echo_key_first_post"
    assert "[REDACTED]" in job["last_error"]
    assert not leaked(json.dumps(job), key)
    table = run("queue", "--queue-dir", srv.queue, env=env)
    doc = run("queue", "--queue-dir", srv.queue, "--json", env=env)
    assert table.returncode == 0 and doc.returncode == 0
    assert "[REDACTED]" in json.loads(doc.stdout)["jobs"][0]["last_error"]
    for text in (table.stdout, table.stderr, doc.stdout, srv.daemon.text()):
        assert not leaked(text, key), text
    assert "[REDACTED]" in srv.daemon.text()
    no_sanitizer_report(srv.daemon.text())


@pytest.mark.parametrize("status,straddle", [(500, True), (422, False)])
def test_key_echoed_by_the_api_is_redacted_in_the_push(
        tmp_path, env, stop, status, straddle):
    """Direct mode: the push output shows the failure, not the key."""
    key = "gl_api_test_key_0123456789"
    at = 200 - len(key) + 2 if straddle else 0
    emu = emulator(tmp_path, "--echo-key-first-post", "100",
                   "--echo-key-status", str(status), "--echo-key-at",
                   str(at))
    stop(emu)
    bare = make_bare(tmp_path / "srv.git", env)
    write(os.path.join(bare, "dotgit-deploy.ini"), config_text(
        emu, key_file=key_file(emu, tmp_path / "key"),
        extra="[hook]\ntimeout = 2\n"))
    assert run("-C", bare, "install-hook", "--server",
               env=env).returncode == 0
    work = str(tmp_path / "work")
    make_repo(work, env)
    git("remote", "add", "origin", bare, cwd=work, env=env)
    r = push(work, env, "origin", "main")
    assert r.returncode == 0, r.stderr
    assert "remote: dotgit-deploy: main -> production: not deployed: " \
        in r.stderr
    if status == 422:
        assert "validation failed: authorization: bearer [REDACTED]" in \
            r.stderr
    assert not leaked(r.stdout + r.stderr, key), r.stderr
    assert bodies(emu) == []


# ------------------------------------------------------------ waits

def test_retry_after_of_years_is_clamped_and_said(tmp_path, env, stop):
    """One 429 with Retry-After: 999999999 holds the job at most
    API_WAIT_MAX and says so at the default log level."""
    emu = emulator(tmp_path, "--429-first", "1", "--retry-after",
                   "999999999")
    stop(emu)
    srv = Server(tmp_path, env, emu)
    srv.daemon = QuietDaemon(srv.daemon_ini, tmp_path / "daemon.log", env)
    stop(srv.daemon)
    srv.push("origin", "main")
    srv.daemon.start()
    why = ("the API asked to wait 999999999 s (Retry-After), clamped to "
           "900 s")
    srv.daemon.wait_log(r"attempt 2 in 9\d\d\.\d s")
    t = time.time()
    [job] = srv.jobs("new")
    assert job["attempts"] == 1
    assert t + API_WAIT_MAX - 60 <= job["next_attempt"] <= \
        t + API_WAIT_MAX + 2
    assert why in job["last_error"]
    log = srv.daemon.text()
    assert "dotgit-deploy: warning: sending no request for 900 s: " + why \
        in log
    assert "debug:" not in log
    assert srv.daemon.stop() == 0       # not stuck in a long sleep
    no_sanitizer_report(srv.daemon.text())
    assert len(emu.deployment_posts()) == 1


def test_reset_past_64_bits_and_any_stored_time(tmp_path, env, stop):
    """X-RateLimit-Reset beyond 64 bits, a job planned at the end of
    time: bounded waits, no overflow; `queue` shows the extremes."""
    emu = emulator(tmp_path, "--429-first", "1", "--no-retry-after",
                   "--retry-after", "99999999999999999999")
    stop(emu)
    srv = Server(tmp_path, env, emu)
    stop(srv.daemon)
    srv.push("origin", "main")
    [job] = srv.jobs("new")
    path = os.path.join(srv.queue, "new", job.pop("id"))
    job.update(planned_at=INT64_MAX, next_attempt=INT64_MIN)
    write(path, json.dumps(job))
    # shown without overflow, whatever the stored times
    write_job(srv.queue, "failed", job_doc(planned_at=INT64_MIN,
                                           next_attempt=INT64_MAX))
    write_job(srv.queue, "done", job_doc(planned_at=INT64_MAX,
                                         next_attempt=INT64_MIN))
    r = run("queue", "--queue-dir", srv.queue, env=env)
    assert r.returncode == 0, r.stderr
    no_sanitizer_report(r.stderr)
    ages = sorted(line.split()[5] for line in r.stdout.splitlines()[1:])
    assert ages == ["0s", "0s", ">10y"]
    r = run("queue", "--queue-dir", srv.queue, "--json", env=env)
    assert r.returncode == 0, r.stderr
    no_sanitizer_report(r.stderr)
    assert sorted(j["age_seconds"] for j in json.loads(r.stdout)["jobs"]) \
        == [0, 0, INT64_MAX]
    # the daemon retries it (planned at the end of time: never gives up)
    srv.daemon.start()
    srv.daemon.wait_log(r"attempt 2 in")
    t = time.time()
    [job] = srv.jobs("new")
    assert t <= job["next_attempt"] <= t + API_WAIT_MAX + 2
    assert "(X-RateLimit-Reset), clamped to 900 s" in job["last_error"]
    assert srv.daemon.stop() == 0
    no_sanitizer_report(srv.daemon.text())


# ------------------------------------------------------------ escapes

def clean(text):
    assert ESC not in text and C1 not in text and "\x07" not in text, \
        repr(text)
    return text


def test_escapes_in_replies_never_reach_the_terminal(tmp_path, env, stop):
    emu = emulator(tmp_path, "--escapes")
    stop(emu)
    repo = str(tmp_path / "app")
    make_repo(repo, env)
    write(os.path.join(repo, ".git", "dotgit-deploy.ini"), config_text(
        emu, key_file=key_file(emu, tmp_path / "key")))
    r = run("-C", repo, "deploy", env=env)
    assert r.returncode == 0, r.stderr
    [dep] = emu.created_deployments()
    assert clean(r.stdout).startswith("main -> production: %s \ufffd[31m"
                                      "queued\ufffd[0m" % dep)
    clean(r.stderr)
    r = run("-C", repo, "status", dep, env=env)
    assert r.returncode == 0, r.stderr
    assert clean(r.stdout).startswith(dep + ": ")
    clean(r.stderr)
    r = run("-C", repo, "status", dep, "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(clean(r.stdout))["id"] == dep
    r = run("-C", repo, "projects", env=env)
    assert r.returncode == 0, r.stderr
    assert "main-app" in clean(r.stdout)
    # an error message with escapes
    emu.set_faults(reject_first_post=1)
    r = run("-C", repo, "deploy", "--set", "X=1", env=env)
    assert r.returncode == 1
    assert "validation failed: environment: " in clean(r.stderr)
    # the same reply through the server hook (deliver.c's outcome)
    bare = make_bare(tmp_path / "srv.git", env)
    write(os.path.join(bare, "dotgit-deploy.ini"), config_text(
        emu, key_file=key_file(emu, tmp_path / "key")))
    assert run("-C", bare, "install-hook", "--server",
               env=env).returncode == 0
    git("remote", "add", "origin", bare, cwd=repo, env=env)
    r = push(repo, env, "origin", "main")
    assert r.returncode == 0, r.stderr
    assert "remote: dotgit-deploy: main -> production: dep_" in \
        clean(r.stderr)


def test_an_id_given_with_escapes_is_shown_escaped(tmp_path, env, stop):
    emu = emulator(tmp_path)
    stop(emu)
    repo = str(tmp_path / "app")
    make_repo(repo, env)
    write(os.path.join(repo, ".git", "dotgit-deploy.ini"), config_text(
        emu, key_file=key_file(emu, tmp_path / "key")))
    r = run("-C", repo, "status", "dep_\x1b[31m", env=env)
    assert r.returncode == 1
    assert "deployment 'dep_\\x1b[31m' not found (404)" in clean(r.stderr)


# ------------------------------------------------------------ children

def test_chained_hook_gets_no_key(tmp_path, env, stop):
    """Direct mode with DOTGIT_API_KEY: the deploy uses it, the chained
    post-receive (the repository's own hook) never sees it."""
    emu = emulator(tmp_path)
    stop(emu)
    bare = make_bare(tmp_path / "srv.git", env)
    write(os.path.join(bare, "dotgit-deploy.ini"), config_text(emu))
    dump = str(tmp_path / "chained.env")
    write(os.path.join(bare, "hooks", "post-receive"),
          "#!/bin/sh\nenv > '%s'\ncat >/dev/null\n" % dump, mode=0o755)
    assert run("-C", bare, "install-hook", "--server",
               env=env).returncode == 0
    work = str(tmp_path / "work")
    make_repo(work, env)
    git("remote", "add", "origin", bare, cwd=work, env=env)
    penv = dict(env, DOTGIT_API_KEY=emu.key)
    r = push(work, penv, "origin", "main")
    assert r.returncode == 0, r.stderr
    assert len(bodies(emu)) == 1                  # the hook had the key
    with open(dump) as f:
        seen = f.read()
    assert "GIT_DIR=" in seen                     # the dump is the hook's
    assert "DOTGIT_API_KEY" not in seen and emu.key not in seen


FAKE_SSH = """#!/bin/sh
# ssh to nowhere: run the git command here, keeping its environment
shift
case "$*" in
git-upload-pack*) env > '%(dir)s/upload-pack.'$$ ;;
git-receive-pack*) env > '%(dir)s/receive-pack.'$$ ;;
esac
exec sh -c "$*"
"""


def test_watcher_keeps_the_key_but_ls_remote_does_not_get_it(
        tmp_path, env, stop):
    """A tag push over ssh: the detached watcher deploys it (so it has
    the key), and the git ls-remote it runs -- and so ssh -- does not."""
    emu = emulator(tmp_path)
    stop(emu)
    bare = make_bare(tmp_path / "srv.git", env)
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    ssh = write(tmp_path / "fake-ssh", FAKE_SSH % {"dir": dumps},
                mode=0o755)
    work = str(tmp_path / "work")
    make_repo(work, env)
    git("remote", "add", "origin", "fakehost:" + bare, cwd=work, env=env)
    write(os.path.join(work, ".git", "dotgit-deploy.ini"), config_text(emu))
    assert run("-C", work, "install-hook", env=env).returncode == 0
    git("tag", "v1.0", cwd=work, env=env)
    penv = dict(env, DOTGIT_API_KEY=emu.key, GIT_SSH_COMMAND=ssh,
                GIT_SSH_VARIANT="simple")
    r = push(work, penv, "origin", "v1.0")
    assert r.returncode == 0, r.stderr
    wait_until(lambda: bodies(emu), 30, message="tag not deployed")
    wait_until(lambda: not watchers(work), 30, message="watcher running")
    assert [b["branch"] for b in bodies(emu)] == ["v1.0"]

    def seen(kind):
        out = []
        for name in os.listdir(dumps):
            if name.startswith(kind + "."):
                with open(os.path.join(dumps, name)) as f:
                    out.append(f.read())
        return out
    [pushed] = seen("receive-pack")
    assert "DOTGIT_API_KEY=" + emu.key in pushed   # the user's own push
    asked = seen("upload-pack")
    assert asked, "the watcher ran no ls-remote"
    for text in asked:
        assert "DOTGIT_API_KEY" not in text and emu.key not in text
        assert "GIT_TERMINAL_PROMPT=0" in text
    log = os.path.join(work, ".git", "dotgit-deploy", "client.log")
    with open(log) as f:
        no_sanitizer_report(f.read())
