# SPDX-License-Identifier: ISC
"""The daemon under test: a server repository whose post-receive hook
queues jobs, the daemon draining that queue into the API emulator, and
ways to count what the emulator received."""
import collections
import json
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import BIN, git
from harness import Emulator, wait_until
from repos import RULES, commit, make_bare, make_repo, write


def daemon_config(emu, key, queue, plan=100000, daemon="", hook="queue",
                  rules=RULES, url=None, ca=None, hook_timeout=3,
                  project="id = proj_8f2a9c", repos=None):
    """A configuration for the emulator with a queue; `repos` is what the
    daemon serves, `daemon` adds lines to [daemon]."""
    if repos:
        daemon = "repos = %s\n%s" % (repos, daemon)
    return ("[api]\nurl = %s\nca_file = %s\nkey_file = %s\nplan = %s\n"
            "timeout = 10\n\n[project]\n%s\n\n%s\n"
            "[hook]\nmode = %s\ntimeout = %d\n\n"
            "[daemon]\nqueue = %s\npoll_interval = 1\n%s" % (
                url or emu.url, ca or emu.ca, key, plan, project, rules,
                hook, hook_timeout, queue, daemon))


class Daemon:
    """`dotgit-deploy -c CONFIG -vv daemon`, its log in a file."""

    def __init__(self, config, log, env):
        self.config = str(config)
        self.log = str(log)
        self.env = env
        self.proc = None

    def start(self):
        assert self.proc is None or self.proc.poll() is not None
        with open(self.log, "a") as f:
            f.write("=== start\n")
        out = open(self.log, "a")
        self.proc = subprocess.Popen(
            [BIN, "-c", self.config, "-vv", "daemon"], env=self.env,
            stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        out.close()
        return self

    def text(self):
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return f.read()

    def last_run(self):
        return self.text().rsplit("=== start\n", 1)[-1]

    def wait_log(self, pattern, timeout=15, run_only=True):
        """Wait for a line matching the regex in this run's log."""
        rx = re.compile(pattern)

        def seen():
            if self.proc.poll() is not None:
                raise AssertionError("daemon exited %s:\n%s" % (
                    self.proc.returncode, self.last_run()[-3000:]))
            return rx.search(self.last_run() if run_only else self.text())
        return wait_until(seen, timeout, message="no %r in the daemon log:"
                          "\n%s" % (pattern, self.last_run()[-3000:]))

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10):
        """SIGTERM; returns the exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self):
        self.proc.kill()
        self.proc.wait()


class Server:
    """A bare repository with the hook (a link to the binary) and its
    config, a clone `work` of it, a queue and a daemon config."""

    def __init__(self, tmp_path, env, emu, plan=100000, daemon="",
                 hook="queue", rules=RULES, init=True):
        self.tmp = tmp_path
        self.env = env
        self.emu = emu
        self.queue = str(tmp_path / "queue")
        self.key = write(tmp_path / "key", emu.key + "\n", mode=0o600)
        self.bare = make_bare(tmp_path / "srv.git", env)
        # what install-hook --server does: the hook, push options on
        os.symlink(BIN, os.path.join(self.bare, "hooks", "post-receive"))
        git("config", "receive.advertisePushOptions", "true",
            cwd=self.bare, env=env)
        self.hook_ini = os.path.join(self.bare, "dotgit-deploy.ini")
        self.daemon_ini = str(tmp_path / "daemon.ini")
        self.write_config(plan=plan, daemon=daemon, hook=hook, rules=rules)
        self.work = str(tmp_path / "work")
        make_repo(self.work, env)
        git("remote", "add", "origin", self.bare, cwd=self.work, env=env)
        self.daemon = Daemon(self.daemon_ini, tmp_path / "daemon.log", env)
        if init:
            self.init_queue()

    def init_queue(self):
        """`queue init` as the daemon's user: hooks never make the
        spool."""
        r = subprocess.run([BIN, "-c", self.daemon_ini, "queue", "init"],
                           env=self.env, capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, r.stderr
        return r

    def write_config(self, hook_only=False, **kw):
        kw.setdefault("hook", "queue")
        kw.setdefault("repos", self.bare)
        text = daemon_config(self.emu, self.key, self.queue, **kw)
        write(self.hook_ini, text)
        if not hook_only:
            write(self.daemon_ini, text)

    def push(self, *args, check=True):
        r = subprocess.run(["git", "push", *args], cwd=self.work,
                           env=self.env, capture_output=True, text=True,
                           timeout=60)
        if check:
            assert r.returncode == 0, r.stderr
        return r

    def branch_commits(self, names, prefix="feature/f"):
        """One commit on each new branch `prefix<name>`; {branch: id}."""
        heads = {}
        for n in names:
            b = "%s%s" % (prefix, n)
            git("checkout", "-q", "-b", b, "main", cwd=self.work,
                env=self.env)
            heads[b] = commit(self.work, self.env, name="f-%s" % n,
                              msg="on %s" % b)
        git("checkout", "-q", "main", cwd=self.work, env=self.env)
        return heads

    def jobs(self, state):
        d = os.path.join(self.queue, state)
        out = []
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            try:
                with open(os.path.join(d, name)) as f:
                    j = json.load(f)
            except FileNotFoundError:
                continue    # the daemon moved it on meanwhile
            j["id"] = name
            out.append(j)
        return out

    def pending(self):
        """Jobs in new/ or cur/ (names only: the daemon moves them)."""
        return sum(len(os.listdir(os.path.join(self.queue, s)))
                   for s in ("new", "cur")
                   if os.path.isdir(os.path.join(self.queue, s)))


def emulator(tmp_path, *flags, name="emu"):
    """The emulator with short status times (flags add to them)."""
    return Emulator(tmp_path / name, "--queued-secs", "0.1",
                    "--building-secs", "0.1", *flags).start()


@pytest.fixture
def emu(tmp_path):
    """An emulator that never rate-limits the daemon under test."""
    e = emulator(tmp_path, "--plan", "100000")
    yield e
    e.stop()


@pytest.fixture
def srv(tmp_path, env, emu):
    s = Server(tmp_path, env, emu)
    yield s
    if s.daemon.proc is not None and s.daemon.proc.poll() is None:
        s.daemon.kill()


def _deployments(emu):
    try:
        return list(emu.state()["deployments"].values())
    except FileNotFoundError:
        return []


def created_by_key(emu):
    """{idempotency key: number of deployments the emulator created with
    it} (from its state, which a slow reply does not delay)."""
    return collections.Counter(d["idempotency_key"]
                               for d in _deployments(emu))


def created_bodies(emu):
    """{(branch, commit): number of deployments created}."""
    return collections.Counter((d["branch"], d["commit_hash"])
                               for d in _deployments(emu))


def fault_counts(emu, expected):
    """The figures the fault runs report: `expected` maps (branch,
    commit) of every job that must be deployed."""
    created = created_bodies(emu)
    posts = emu.deployment_posts()
    return {
        "jobs": len(expected),
        "posts_sent": len(posts),
        "deployed": sum(1 for k in expected if created[k] >= 1),
        "duplicated": sum(n - 1 for n in created.values() if n > 1),
        "lost": sum(1 for k in expected if created[k] == 0),
        "unexpected": sum(1 for k in created if k not in expected),
        "replayed": sum(1 for r in posts if r["replayed"]),
        "responses_429": emu.stats()["responses_429"],
    }


def report(name, counts):
    """Print the counts (pytest -s shows them; kept in the log too)."""
    line = "%s: %s" % (name, " ".join("%s=%s" % kv for kv in
                                      counts.items()))
    print(line)
    out = os.environ.get("DD_FAULT_REPORT")
    if out:
        with open(out, "a") as f:
            f.write(line + "\n")
    return counts


__all__ = ["Daemon", "Emulator", "Server", "created_by_key",
           "created_bodies", "fault_counts", "report", "wait_until",
           "time", "commit", "emulator", "emu", "srv"]
