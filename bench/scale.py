#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""How the costs grow with the size of what dotgit-deploy handles:

a. branch rules: `config explain NAME` with 1, 10, 100 and 1000 rules
   (hyperfine; NAME matches the last rule, a glob: every rule is tried);
b. watched repositories ([daemon] repos, no hook of ours, so polled
   every second): 1, 10 and 100 -- the daemon's idle RSS and CPU per
   poll;
c. memory over time: jobs written to the queue 1000 at a time and
   drained, RSS after 1 000, 3 000 and 10 000 jobs (BENCH_QUICK: 500,
   1 000, 2 000);
d. a big queue: 1 000, 10 000 and 100 000 pending job files (BENCH_QUICK:
   up to 10 000) -- `dotgit-deploy queue` listing time, the daemon's
   start-up (READY=1 through NOTIFY_SOCKET) and its first deploy.

Job files are written here directly, in the job JSON format of
src/job.c (version 2), as the hook writes them: tmp/, then a rename into
new/. Prints the tables; asserts nothing."""
import json
import os
import shutil
import socket
import threading
import time

import common as c
from common import ms, plus

QUICK = c.QUICK
RULES = [1, 10, 100, 1000]
REPOS = [1, 10, 100]
POLLS = 3 if QUICK else 5
RSS_AT = [int(s) for s in os.environ.get(
    "BENCH_RSS_JOBS", "500 1000 2000" if QUICK else "1000 3000 10000").split()]
BATCH = 500 if QUICK else 1000
QUEUES = [1000, 3000, 10000] if QUICK else [1000, 10000, 100000]
BRANCHES = 1000         # jobs cycle over these (coalescing off)
ZERO = "0" * 40


# -- a. rules

def rules_file(sc, emu_url, n):
    lines = ["[api]", "url = %s" % emu_url, "[project]",
             "id = %s" % c.PROJECT]
    for i in range(n):
        lines += ["[branch \"team%04d/*\"]" % i, "environment = preview"]
    return c.write(sc.path("rules-%d.ini" % n), "\n".join(lines) + "\n")


def rules(sc, rep):
    cmds = [[c.BIN, "-c", rules_file(sc, "https://127.0.0.1:9/v1", n),
             "config", "explain", "team%04d/x" % (n - 1)] for n in RULES]
    runs = 20 if QUICK else 40
    c.progress("branch rules: %s rules x %d runs" % (RULES, runs))
    t = c.hyperfine(cmds, sc.env, runs, warmup=3, rounds=2)
    med = [c.median(x) for x in t]
    rows = []
    for k, n in enumerate(RULES):
        over = med[k] - med[0]
        rows.append([n, ms(med[k]), ms(c.p95(t[k])),
                     plus(over) if k else "-",
                     "%.2f" % (over * 1000 / (n - 1)) if k else "-"])
    over = med[-1] - med[0]
    text = c.table(["branch rules", "config explain median ms", "p95 ms",
                    "over 1 rule ms", "µs per extra rule"], rows)
    text += ("\n\n`dotgit-deploy -c FILE config explain teamNNNN/x`, the "
             "name matching the file's last rule (`[branch "
             "\"teamNNNN/*\"]`), so every rule before it is tried: "
             "configuration load and one match, as each ref of a push "
             "pays. Goal: %d rules < 1 ms over 1 rule: %s."
             % (RULES[-1], c.goal(over < 1)))
    rep.add("7a. Scale: branch rules", text)
    rep.growth(7, "config load + match, over 1 rule", "µs per rule",
               [(n, (med[k] - med[0]) * 1000 / (n - 1))
                for k, n in enumerate(RULES) if k])
    rep.headline("%d branch rules: config load + match over 1 rule"
                 % RULES[-1], "%s ms" % plus(over), "< 1 ms", over < 1)


# -- b. watched repositories

def watched(sc, emu, key, rep):
    seed = sc.path("seed.git")
    c.git(sc.env, "init", "-q", "--bare", "-b", "main", seed)
    c.branches(sc.env, seed, range(5))
    for n in REPOS:
        top = sc.path("watched-%d" % n)
        os.makedirs(top)
        for i in range(n):
            shutil.copytree(seed, os.path.join(top, "r%03d.git" % i),
                            symlinks=True)
    # the daemons run at once: CPU time and RSS are each their own
    c.progress("watching %s repositories: %d polls" % (REPOS, POLLS))
    out = {}
    threads = [threading.Thread(target=poll, args=(
        sc, emu, key, n, sc.path("watched-%d" % n), out)) for n in REPOS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n in REPOS:
        if isinstance(out[n], Exception):
            raise out[n]
    rows = [out[n] for n in REPOS]
    text = c.table(["repositories", "idle RSS MB", "CPU ms per poll",
                    "CPU µs per repository and poll", "polls measured"],
                   [[r[0], "%.1f" % r[1], "%.2f" % r[2],
                     "%.0f" % (r[2] * 1000 / r[0]), r[3]] for r in rows])
    text += ("\n\nBare repositories with 6 branches each and no hook of "
             "ours, matched by one `[daemon] repos` glob, `poll_interval "
             "= 1`. After the first look (which records their refs) "
             "the daemon's CPU time (all threads, schedstat) over %d "
             "polls is divided by the polls; idle RSS is VmRSS then "
             "(libgit2 loaded, nothing sent yet, libcurl not loaded). "
             "Goal: idle <= 16 MB." % POLLS)
    rep.add("7b. Scale: watched repositories", text)
    rep.growth(7, "daemon CPU per poll", "µs per repository",
               [(r[0], r[2] * 1000 / r[0]) for r in rows])
    big = rows[-1]
    rep.headline("daemon watching %d repositories: idle RSS, CPU per poll"
                 % big[0], "%.1f MB, %.2f ms" % (big[1], big[2]),
                 "idle <= 16 MB", big[1] <= 16)


def poll(sc, emu, key, n, top, out):
    """out[n]: (repositories, idle RSS MB, CPU ms per poll, polls) for a
    daemon watching the n repositories under top (or the exception)."""
    try:
        out[n] = poll_one(sc, emu, key, n, top)
    except Exception as e:          # raised again in the main thread
        out[n] = e


def poll_one(sc, emu, key, n, top):
    queue = sc.path("queue-watch-%d" % n)
    ini = c.write(sc.path("watch-%d.ini" % n), c.daemon_config(
        emu, key, queue, os.path.join(top, "*.git"),
        extra="poll_interval = 1\nstate = %s\n"
        % sc.path("state-watch-%d" % n)))
    c.run([c.BIN, "-c", ini, "queue", "init"], sc.env)
    log = sc.path("watch-%d.log" % n)
    d = c.Daemon(ini, sc.env, log, extra=["-vv"])

    def looks():
        with open(log, errors="replace") as f:
            return f.read().count("looked at '")
    try:
        # the first look records the refs; measure from the next one
        c.wait_for(lambda: looks() >= 2 * n, 60, "first polls", d.proc)
        start_looks, cpu0 = looks(), c.cpu_ns(d.pid)
        c.wait_for(lambda: looks() >= start_looks + POLLS * n, 60 + POLLS,
                   "polls", d.proc)
        cpu1, done = c.cpu_ns(d.pid), looks()
        _, rss, _ = d.stat()
    finally:
        d.stop()
    polls = (done - start_looks) / n
    return (n, rss, (cpu1 - cpu0) / 1e6 / polls, int(polls))


# -- job files

class Spool:
    """Writes job files into a queue as the hook does."""

    def __init__(self, queue, repo, commits):
        self.queue = queue
        self.repo = repo.rstrip("/") + "/"
        self.commits = commits      # [(branch, commit)]
        self.seq = 0

    def job(self, i):
        branch, commit = self.commits[i % len(self.commits)]
        return {"attempts": 0, "branch": branch, "commit": commit,
                "deployment_id": None, "env_vars": {},
                "environment": "preview", "idempotency_key": "",
                "last_error": None, "new": commit, "next_attempt": 0,
                "old": ZERO, "options": [], "paths": [],
                "planned_at": int(time.time()), "project": c.PROJECT,
                "project_is_name": False,
                "ref": "refs/heads/" + branch, "repo": self.repo,
                "request": os.urandom(16).hex(), "source": "push",
                "version": 2}

    def refused(self):
        """Job files the daemon or `queue` moved to bad/: a bench whose
        jobs were refused would measure nothing."""
        bad = os.listdir(os.path.join(self.queue, "bad"))
        if bad:
            raise RuntimeError("%d job files refused, e.g. %s"
                               % (len(bad), bad[0]))

    def put(self, n):
        tmp = os.path.join(self.queue, "tmp")
        new = os.path.join(self.queue, "new")
        for i in range(n):
            self.seq += 1
            name = "%016d.%d.%d" % (time.time_ns() // 1000, os.getpid(),
                                    self.seq)
            path = os.path.join(tmp, name)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            with os.fdopen(fd, "w") as f:
                json.dump(self.job(self.seq), f, sort_keys=True,
                          separators=(",", ":"))
            os.rename(path, os.path.join(new, name))


def served(sc, emu, key, name, extra=""):
    """A bare repository with our hook and BRANCHES branches (distinct
    commits), the daemon's configuration (coalescing off: the jobs cycle
    over the branches), its queue; (ini, Spool)."""
    bare = sc.path(name + ".git")
    queue = sc.path(name + "-queue")
    c.git(sc.env, "init", "-q", "--bare", "-b", "main", bare)
    os.symlink(c.BIN, os.path.join(bare, "hooks", "post-receive"))
    c.branches(sc.env, bare, range(BRANCHES))
    refs = c.git(sc.env, "for-each-ref", "--format=%(refname:short) "
                 "%(objectname)", "refs/heads/", cwd=bare)
    commits = [tuple(line.split()) for line in refs.splitlines()]
    cfg = c.daemon_config(emu, key, queue, bare, extra="coalesce = false\n"
                          "state = %s\n%s" % (sc.path(name + "-state"),
                                              extra))
    c.write(os.path.join(bare, "dotgit-deploy.ini"), cfg)
    ini = c.write(sc.path(name + ".ini"), cfg)
    c.run([c.BIN, "-c", ini, "queue", "init"], sc.env)
    return ini, Spool(queue, bare, commits)


def fast_emulator(sc, name):
    return c.Emulator(sc.path(name), "--plan", "100000000",
                      "--queued-secs", "0", "--building-secs", "0",
                      "--save-every", c.SAVE_EVERY).start()


# -- c. memory over time

def memory(sc, rep):
    emu = fast_emulator(sc, "emu-mem")
    try:
        key = c.key_file(emu, sc.path("key-mem"))
        ini, spool = served(sc, emu, key, "mem")
        d = c.Daemon(ini, sc.env, sc.path("mem.log"))
        rows = []
        try:
            sent = 0
            c.progress("memory: %d jobs, %d at a time" % (RSS_AT[-1],
                                                         BATCH))
            t = time.perf_counter()
            while sent < RSS_AT[-1]:
                spool.put(BATCH)
                sent += BATCH
                c.wait_for(lambda: emu.stats()["deployments_created"] >=
                           sent, 120, "draining %d jobs" % sent, d.proc,
                           interval=0.02)
                if sent in RSS_AT:
                    cpu, rss, hwm = d.stat()
                    rows.append([sent, rss, hwm, cpu * 1000 / sent,
                                 time.perf_counter() - t])
        finally:
            d.stop()
        spool.refused()
    finally:
        emu.stop()
    base = rows[0][1]
    text = c.table(["jobs sent", "RSS MB", "peak RSS MB",
                    "vs after %d" % rows[0][0], "CPU ms/deploy", "s"],
                   [[r[0], "%.1f" % r[1], "%.1f" % r[2],
                     "%+.1f %%" % ((r[1] - base) * 100 / base),
                     "%.2f" % r[3], "%.1f" % r[4]] for r in rows])
    text += ("\n\nOne daemon; %d job files at a time written to its queue, "
             "each batch drained before the next; VmRSS and VmHWM after "
             "each size. Goal: RSS after many jobs within 10 %% of after "
             "%d (no growth). %s"
             % (BATCH, rows[0][0], "" if QUICK else
                "100 000 jobs would take about 2 minutes more than the "
                "5-minute budget of `make bench` allows; BENCH_RSS_JOBS "
                "sets the sizes for a longer run."))
    rep.add("7c. Scale: memory after many jobs", text)
    rep.growth(7, "daemon RSS after N jobs", "MB (total, not per job)",
               [(r[0], r[1]) for r in rows])
    growth = (rows[-1][1] - base) * 100 / base
    rep.headline("daemon RSS after %d jobs vs after %d"
                 % (rows[-1][0], rows[0][0]),
                 "%+.1f %% (%.1f MB vs %.1f MB)" % (growth, rows[-1][1],
                                                    base),
                 "within 10 %", abs(growth) <= 10)


# -- d. a big queue

class Notify:
    """A NOTIFY_SOCKET for the daemon's sd_notify: the time of READY=1."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)

    def ready(self, timeout):
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.sock.recv(4096).decode("utf-8", "replace")
            if "READY=1" in msg.split("\n"):
                return time.perf_counter()
        raise RuntimeError("no READY=1 within %g s" % timeout)

    def close(self):
        self.sock.close()
        os.unlink(self.path)


def startup(sc, emu, ini, n):
    """Seconds from exec to READY=1 and to the first deployment."""
    note = Notify(sc.path("notify-%d" % n))
    env = dict(sc.env, NOTIFY_SOCKET=note.path)
    before = emu.stats()["deployments_created"]
    t = time.perf_counter()
    d = c.Daemon(ini, env, sc.path("start-%d.log" % n))
    try:
        ready = note.ready(120) - t
        c.wait_for(lambda: emu.stats()["deployments_created"] > before,
                   300, "first deploy of %d" % n, d.proc, interval=0.005)
        first = time.perf_counter() - t
        hwm = d.stat()[2]
    finally:
        d.stop()
        note.close()
    return ready, first, hwm


def big_queue(sc0, rep):
    with c.Scratch("queue", base=c.tmpfs()) as sc:
        big_queue_in(sc, rep)


def big_queue_in(sc, rep):
    emu = fast_emulator(sc, "emu-queue")
    rows = []
    try:
        key = c.key_file(emu, sc.path("key-queue"))
        # one queue grown from one size to the next: no file is
        # written (or removed) twice
        ini, spool = served(sc, emu, key, "big")
        have = 0
        for n in QUEUES:
            c.progress("queue of %d jobs: writing" % n)
            spool.put(n - have)
            have = n
            runs = max(3, min(20, 20000 // n))
            c.progress("queue of %d jobs: listing, %d runs" % (n, runs))
            t = c.hyperfine([[c.BIN, "-c", ini, "queue"]], sc.env, runs,
                            warmup=1)[0]
            c.progress("queue of %d jobs: daemon start-up" % n)
            ready, first, hwm = startup(sc, emu, ini, n)
            spool.refused()
            rows.append([n, c.median(t), c.p95(t), ready, first, hwm])
    finally:
        emu.stop()
    text = c.table(["pending jobs", "`queue` listing median ms", "p95 ms",
                    "µs per job", "daemon start to READY=1 ms",
                    "daemon start to first deploy ms", "µs per job",
                    "daemon peak RSS MB"],
                   [[r[0], ms(r[1]), ms(r[2]),
                     "%.0f" % (r[1] * 1000 / r[0]), ms(r[3] * 1000),
                     ms(r[4] * 1000), "%.0f" % (r[4] * 1e6 / r[0]),
                     "%.1f" % r[5]] for r in rows])
    text += ("\n\nJob files written directly to new/ (job JSON version 2, "
             "for a repository the daemon serves, cycling over %d "
             "branches, coalescing off so none supersedes another), one "
             "queue grown from size to size (each start-up sends a job or "
             "two), %s. "
             "`dotgit-deploy -c FILE queue` under hyperfine; the daemon "
             "started once per size, timed to its READY=1 (NOTIFY_SOCKET) "
             "and to the emulator's first deployment."
             % (BRANCHES, "on tmpfs (/dev/shm): removing 100 000 files "
                "from a disk mounted with `discard`, as here, takes a "
                "minute of the bench's 5; reading them (listing, start-up) "
                "is served by the page cache on either" if c.tmpfs() else
                "on disk"))
    rep.add("7d. Scale: a big queue", text)
    rep.growth(7, "`queue` listing", "µs per job",
               [(r[0], r[1] * 1000 / r[0]) for r in rows])
    rep.growth(7, "daemon start to first deploy", "µs per job",
               [(r[0], r[4] * 1e6 / r[0]) for r in rows])
    rep.growth(7, "daemon peak RSS with N jobs pending", "MB (total)",
               [(r[0], r[5]) for r in rows])
    big = rows[-1]
    rep.headline("queue of %d jobs: `queue` listing, daemon start to "
                 "first deploy, its peak RSS" % big[0],
                 "%s ms, %s ms, %.0f MB" % (ms(big[1]), ms(big[4] * 1000),
                                            big[5]))


def run():
    rep = c.Report()
    with c.Scratch("scale") as sc:
        rules(sc, rep)
        emu = fast_emulator(sc, "emu-watch")
        try:
            watched(sc, emu, c.key_file(emu, sc.path("key-watch")), rep)
        finally:
            emu.stop()
        memory(sc, rep)
        big_queue(sc, rep)
    return rep


if __name__ == "__main__":
    run()
