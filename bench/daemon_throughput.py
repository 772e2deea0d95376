#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""How fast the daemon drains its queue: N jobs (one push of N branches
with distinct commits, so neither coalescing nor the per-push key
collapses them) sent to an emulator that never rate-limits. Reports
deploys per second, the daemon's CPU seconds per deploy and its peak RSS,
for a few sizes. Asserts nothing."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
from harness import Emulator  # noqa: E402

BIN = os.environ.get("DOTGIT_DEPLOY_BIN",
                     os.path.join(ROOT, "build", "dotgit-deploy"))
QUICK = os.environ.get("BENCH_QUICK") == "1"
SIZES = [int(s) for s in os.environ.get(
    "BENCH_JOBS", "100 300" if QUICK else "500 1000 2000").split()]
ENV = {k: v for k, v in os.environ.items()
       if not k.startswith(("GIT_", "DOTGIT_", "XDG_"))}
ENV.update(GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="b",
           GIT_AUTHOR_EMAIL="b@x", GIT_COMMITTER_NAME="b",
           GIT_COMMITTER_EMAIL="b@x")


def run(*a, cwd=None, env=None, inp=None):
    return subprocess.run(list(a), cwd=cwd, env=env or ENV, check=True,
                          input=inp, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)


def branches(work, n):
    """n branches feature/bI, each one distinct commit (fast-import)."""
    lines = []
    for i in range(n):
        data = "b%d\n" % i
        lines.append("commit refs/heads/feature/b%d\n"
                     "committer b <b@x> 1767225600 +0000\n"
                     "data 2\nb\n"
                     "M 100644 inline f\ndata %d\n%s\n" % (i, len(data),
                                                          data))
    run("git", "fast-import", "--quiet", cwd=work,
        inp="".join(lines).encode())


def stat_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                rss = int(line.split()[1]) / 1024
    return cpu, rss


def one(base, n):
    emu = Emulator(os.path.join(base, "emu"), "--plan", "100000000",
                   "--queued-secs", "0", "--building-secs", "0",
                   "--save-every", "1").start()
    try:
        return measure(base, emu, n)
    finally:
        emu.stop()


def measure(base, emu, n):
    home = os.path.join(base, "home")
    os.makedirs(home)
    env = dict(ENV, HOME=home)
    bare = os.path.join(base, "srv.git")
    work = os.path.join(base, "work")
    queue = os.path.join(base, "queue")
    run("git", "init", "-q", "--bare", "-b", "main", bare)
    os.symlink(BIN, os.path.join(bare, "hooks", "post-receive"))
    key = os.path.join(base, "key")
    with open(key, "w") as f:
        f.write(emu.key + "\n")
    os.chmod(key, 0o600)
    cfg = ("[api]\nurl = %s\nca_file = %s\nkey_file = %s\nplan = 1000000\n"
           "[project]\nid = proj_8f2a9c\n[branch \"feature/**\"]\n"
           "environment = preview\n[daemon]\nqueue = %s\nrepos = %s\n" % (
               emu.url, emu.ca, key, queue, bare))
    with open(os.path.join(bare, "dotgit-deploy.ini"), "w") as f:
        f.write(cfg)
    ini = os.path.join(base, "daemon.ini")
    with open(ini, "w") as f:
        f.write(cfg)
    run(BIN, "-c", ini, "queue", "init", env=env)
    run("git", "init", "-q", "-b", "main", work)
    branches(work, n)
    run("git", "remote", "add", "origin", bare, cwd=work)
    t = time.perf_counter()
    run("git", "push", "-q", "origin", "refs/heads/*", cwd=work, env=env)
    push_ms = (time.perf_counter() - t) * 1000
    assert len(os.listdir(os.path.join(queue, "new"))) == n
    log = open(os.path.join(base, "daemon.log"), "w")
    t = time.perf_counter()
    d = subprocess.Popen([BIN, "-c", ini, "daemon"], env=env,
                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        while emu.stats()["deployments_created"] < n:
            if d.poll() is not None:
                raise RuntimeError("daemon exited %d" % d.returncode)
            time.sleep(0.02)
        secs = time.perf_counter() - t
        cpu, rss = stat_of(d.pid)
    finally:
        d.terminate()
        d.wait(10)
        log.close()
    return {"jobs": n, "seconds": secs, "per_s": n / secs,
            "cpu_ms_per_deploy": cpu * 1000 / n, "peak_rss_mb": rss,
            "push_ms": push_ms, "push_us_per_ref": push_ms * 1000 / n}


def main():
    rows = []
    for n in SIZES:
        base = tempfile.mkdtemp(prefix="dd-bench-daemon-")
        try:
            rows.append(one(base, n))
        finally:
            shutil.rmtree(base, ignore_errors=True)
    print("Daemon throughput (one push of N branches, then the daemon "
          "drains N jobs to an unlimited emulator):")
    print("| jobs | drain s | deploys/s | daemon CPU ms/deploy | peak RSS MB "
          "| push of N refs ms | µs/ref |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %d | %.2f | %.0f | %.2f | %.1f | %.0f | %.0f |" % (
            r["jobs"], r["seconds"], r["per_s"], r["cpu_ms_per_deploy"],
            r["peak_rss_mb"], r["push_ms"], r["push_us_per_ref"]))
    if os.environ.get("BENCH_JSON"):
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
