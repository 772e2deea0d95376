#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""What a hook adds to `git push`, measured in one run, same machine:
no hook vs an empty shell hook vs dotgit-deploy (queue mode, and direct
mode against the local emulator). Prints medians and ratios; asserts
nothing (speed lives here, never in tests)."""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
from harness import Emulator  # noqa: E402

BIN = os.environ.get("DOTGIT_DEPLOY_BIN",
                     os.path.join(ROOT, "build", "dotgit-deploy"))
RUNS = int(os.environ.get("BENCH_RUNS", "40"))
ENV = {k: v for k, v in os.environ.items()
       if not k.startswith(("GIT_", "DOTGIT_"))}
ENV.update(GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="b",
           GIT_AUTHOR_EMAIL="b@x", GIT_COMMITTER_NAME="b",
           GIT_COMMITTER_EMAIL="b@x")


def git(*a, cwd=None):
    subprocess.run(["git", *a], cwd=cwd, env=ENV, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def setup(base, name, hook):
    bare = os.path.join(base, name + ".git")
    work = os.path.join(base, name)
    git("init", "-q", "--bare", "-b", "main", bare)
    git("init", "-q", "-b", "main", work)
    git("remote", "add", "origin", bare, cwd=work)
    hook(bare)
    return work


def push_once(work, i):
    with open(os.path.join(work, "f"), "a") as f:
        f.write("%d\n" % i)
    git("add", "f", cwd=work)
    git("commit", "-q", "-m", "c%d" % i, cwd=work)
    t = time.perf_counter()
    subprocess.run(["git", "push", "-q", "origin", "main"], cwd=work,
                   env=ENV, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return (time.perf_counter() - t) * 1000


def measure(works):
    """Median push time of each work tree. The cases take turns, push
    by push, so a load that comes and goes on the machine weighs on
    all of them alike."""
    times = {name: [] for name in works}
    for i in range(RUNS + 3):
        for name, work in works.items():
            ms = push_once(work, i)
            if i >= 3:      # warm-up pushes are not counted
                times[name].append(ms)
    return {name: statistics.median(t) for name, t in times.items()}


def no_hook(bare):
    pass


def shell_hook(bare):
    p = os.path.join(bare, "hooks", "post-receive")
    with open(p, "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(p, 0o755)


def ours(extra):
    def install(bare):
        with open(os.path.join(bare, "dotgit-deploy.ini"), "w") as f:
            f.write(extra)
        subprocess.run([BIN, "-C", bare, "install-hook", "--server"],
                       env=ENV, check=True, stdout=subprocess.DEVNULL)
    return install


def main():
    base = tempfile.mkdtemp(prefix="dd-bench-")
    emu = Emulator(os.path.join(base, "emu"), "--plan", "100000")
    emu.start()
    key = os.path.join(base, "key")
    with open(key, "w") as f:
        f.write(emu.key + "\n")
    os.chmod(key, 0o600)
    common = ("[api]\nurl = %s\nca_file = %s\nkey_file = %s\n"
              "[project]\nid = proj_8f2a9c\n"
              "[branch \"main\"]\nenvironment = production\n"
              % (emu.url, emu.ca, key))
    # the daemon's part: hooks never make the spool
    subprocess.run([BIN, "queue", "--queue-dir", os.path.join(base, "queue"),
                    "init"], env=ENV, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    cases = [
        ("no hook", no_hook),
        ("empty shell hook", shell_hook),
        ("dotgit-deploy, queue mode", ours(
            common + "[hook]\nmode = queue\n[daemon]\nqueue = %s\n"
            % os.path.join(base, "queue"))),
        ("dotgit-deploy, direct mode (emulator)", ours(
            common + "[hook]\nmode = direct\n")),
    ]
    try:
        works = {}
        for name, hook in cases:
            works[name] = setup(base, name.split()[0] + str(len(works)),
                                hook)
        res = measure(works)
        base_ms = res["no hook"]
        shell_add = res["empty shell hook"] - base_ms
        print("git push -q of one new commit, median of %d runs:" % RUNS)
        for name, ms in res.items():
            print("  %-40s %7.2f ms  (+%5.2f ms over no hook)"
                  % (name, ms, ms - base_ms))
        q = res["dotgit-deploy, queue mode"] - base_ms
        print("queue-mode hook adds %.2f ms; empty shell hook adds %.2f ms;"
              " ratio %.2f" % (q, shell_add, q / shell_add
                               if shell_add > 0 else float("nan")))
    finally:
        emu.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
