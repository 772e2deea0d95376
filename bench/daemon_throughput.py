#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""How fast the daemon drains its queue: N jobs (one push of N branches
with distinct commits, so neither coalescing nor the per-push key
collapses them) sent to an emulator that never rate-limits. Reports
deploys per second, the daemon's CPU seconds per deploy and its peak RSS,
at three sizes (BENCH_JOBS="500 1000 2000"; BENCH_QUICK: 100 300), then
the system calls per deploy of one more drain under strace -c. Asserts
nothing."""
import os
import shutil
import time

import common as c

QUICK = c.QUICK
SIZES = [int(s) for s in os.environ.get(
    "BENCH_JOBS", "100 300" if QUICK else "500 1000 2000").split()]
TRACED_JOBS = 100 if QUICK else 300
# the calls a deploy's bookkeeping makes: durability and the spool
COUNTED = ["fsync", "fdatasync", "syncfs", "renameat", "renameat2", "rename",
           "openat", "unlinkat", "getdents64", "write", "sendto",
           "recvfrom", "connect"]


def setup(sc, emu, n):
    """A served bare repository with our hook, its queue holding the n
    jobs of one push (timed: the push), the daemon's configuration."""
    bare = sc.path("srv.git")
    work = sc.path("work")
    queue = sc.path("queue")
    c.git(sc.env, "init", "-q", "--bare", "-b", "main", bare)
    os.symlink(c.BIN, os.path.join(bare, "hooks", "post-receive"))
    key = c.key_file(emu, sc.path("key"))
    cfg = c.daemon_config(emu, key, queue, bare)
    c.write(os.path.join(bare, "dotgit-deploy.ini"), cfg)
    ini = c.write(sc.path("daemon.ini"), cfg)
    c.run([c.BIN, "-c", ini, "queue", "init"], sc.env)
    c.git(sc.env, "init", "-q", "-b", "main", work)
    c.branches(sc.env, work, range(n))
    c.git(sc.env, "remote", "add", "origin", bare, cwd=work)
    t = time.perf_counter()
    c.git(sc.env, "push", "-q", "origin", "refs/heads/*", cwd=work)
    push_ms = (time.perf_counter() - t) * 1000
    queued = len(os.listdir(os.path.join(queue, "new")))
    if queued != n:
        raise RuntimeError("the push queued %d jobs, not %d" % (queued, n))
    return ini, push_ms


def emulator(sc):
    return c.Emulator(sc.path("emu"), "--plan", "100000000",
                      "--queued-secs", "0", "--building-secs", "0",
                      "--save-every", c.SAVE_EVERY).start()


def drain(sc, emu, ini, n, wrap=()):
    """Start the daemon, wait until the emulator has n deployments;
    (seconds, CPU s, peak RSS MB) of the daemon."""
    emu_cpu = c.proc_stat(emu.proc.pid)[0]     # its threads come and go
    t = time.perf_counter()
    d = c.Daemon(ini, sc.env, sc.path("daemon.log"), wrap=wrap)
    try:
        c.wait_for(lambda: emu.stats()["deployments_created"] >= n,
                   120 + n / 10, "draining %d jobs" % n, d.proc,
                   interval=0.02)
        secs = time.perf_counter() - t
        cpu, _, hwm = d.stat() if not wrap else (0, 0, 0)
        emu_cpu = c.proc_stat(emu.proc.pid)[0] - emu_cpu
    finally:
        d.stop()
    return secs, cpu, hwm, emu_cpu


def one(n):
    with c.Scratch("daemon") as sc:
        emu = emulator(sc)
        try:
            ini, push_ms = setup(sc, emu, n)
            c.progress("daemon throughput: draining %d jobs" % n)
            secs, cpu, rss, emu_cpu = drain(sc, emu, ini, n)
        finally:
            emu.stop()
    return {"jobs": n, "seconds": secs, "per_s": n / secs,
            "cpu_ms_per_deploy": cpu * 1000 / n, "peak_rss_mb": rss,
            "emu_ms_per_deploy": emu_cpu * 1000 / n,
            "push_ms": push_ms, "push_us_per_ref": push_ms * 1000 / n}


def traced(n):
    """System calls per deploy: the same drain under strace -f -c."""
    if shutil.which("strace") is None:
        return None
    with c.Scratch("daemon-strace") as sc:
        emu = emulator(sc)
        try:
            ini, _ = setup(sc, emu, n)
            out = sc.path("strace.out")
            c.progress("daemon system calls: draining %d jobs under "
                       "strace" % n)
            # strace writes its summary when the daemon (its child)
            # exits: SIGTERM goes to strace, which passes it on
            drain(sc, emu, ini, n, wrap=("strace", "-f", "-c", "-o", out,
                                         "-e", "trace=" + ",".join(
                                             COUNTED)))
            counts = {}
            with open(out) as f:
                for line in f:
                    p = line.split()
                    if len(p) >= 5 and p[-1] in COUNTED and p[3].isdigit():
                        counts[p[-1]] = int(p[3])
        finally:
            emu.stop()
    return counts


def run():
    rep = c.Report()
    rows = []
    for n in SIZES:
        r = one(n)
        rows.append([r["jobs"], "%.2f" % r["seconds"], "%.0f" % r["per_s"],
                     "%.2f" % r["cpu_ms_per_deploy"],
                     "%.1f" % r["peak_rss_mb"], "%.0f" % r["push_ms"],
                     "%.0f" % r["push_us_per_ref"],
                     "%.2f" % r["emu_ms_per_deploy"]])
    text = c.table(["jobs", "drain s", "deploys/s",
                    "daemon CPU ms/deploy", "peak RSS MB",
                    "push of N refs ms", "push µs/ref",
                    "emulator CPU ms/deploy"], rows)
    text += ("\n\nOne push of N branches (distinct commits) queues N jobs; "
             "the daemon then drains them to an emulator that never "
             "rate-limits (`--plan 100000000`, deployments ready at once, "
             "state.json written at most every minute). Drain time runs "
             "from the daemon's start to the emulator's Nth deployment; the "
             "emulator's CPU (Python, one process) is shown too: when it "
             "nears the drain time per deploy, the emulator is the "
             "bottleneck, not the daemon. Goal: >= 500 deploys/s. "
             "Growth: CPU ms/deploy stays flat when the cost is linear in "
             "the jobs.")
    rep.add("5. Daemon throughput", text)
    rep.growth(5, "daemon CPU", "ms per deploy",
               [(int(r[0]), float(r[3])) for r in rows])
    rep.growth(5, "drain time", "ms per deploy",
               [(int(r[0]), float(r[1]) * 1000 / int(r[0])) for r in rows])
    rep.growth(5, "push of N refs (queue mode)", "µs per ref",
               [(int(r[0]), float(r[6])) for r in rows])
    best = rows[-1]
    rep.headline("daemon throughput, %s jobs" % best[0],
                 "%s deploys/s, %s ms CPU/deploy, %s MB peak RSS"
                 % (best[2], best[3], best[4]), ">= 500/s",
                 float(best[2]) >= 500)
    counts = traced(TRACED_JOBS)
    if counts:
        cells = [[name, "%.2f" % (counts[name] / TRACED_JOBS)]
                 for name in COUNTED if counts.get(name)]
        rep.add("5b. System calls per deploy (strace -f -c, %d jobs)"
                % TRACED_JOBS,
                c.table(["call", "per deploy"], cells) +
                "\n\nThe daemon's calls over the whole drain (start-up "
                "included) divided by the jobs; strace slows the daemon, "
                "so this run is not timed.")
        sync = sum(counts.get(k, 0) for k in ("fsync", "fdatasync",
                                              "syncfs"))
        rep.headline("daemon fsync + fdatasync + syncfs per deploy",
                     "%.2f" % (sync / TRACED_JOBS))
    return rep


if __name__ == "__main__":
    run()
