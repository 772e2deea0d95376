#!/usr/bin/env python3
"""The fault run: pushes to 10 repositories from 4 concurrent pushers
while the API emulator injects faults -- 5xx replies (30 %), connection
resets, garbage bodies, slow replies, an outage -- and the daemon is
killed with SIGKILL at random and reloaded with SIGHUP. At the end every
pushed (branch, commit) must be deployed exactly once (counted by the
emulator, per idempotency key too) and the queue must be empty. Prints
the counts; exits 1 if any is wrong.

    tests/faultrun/faultrun.py [--long] [--seconds N] [--keep]

Short (default, what CI runs): 30 s of pushes, a 5 s outage, 5 kills,
3 reloads. --long: 600 s of pushes, a 60 s outage, 20 kills, 10
reloads, and the daemon's last run (the drain) under valgrind memcheck:
no error, nothing definitely lost; the 5xx and resets go on until the
end (a short run stops them once the pushes are done: a job that has
failed several times waits, and holds back its environment, up to a
minute). Each pusher pauses a random while between pushes (0 to 1 s,
--long 0 to 2 s) so that the emulator keeps up. $DOTGIT_DEPLOY_BIN: the binary
(default build/dotgit-deploy).
"""
import argparse
import collections
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
from harness import Emulator, wait_until  # noqa: E402

BIN = os.path.abspath(os.environ.get(
    "DOTGIT_DEPLOY_BIN", os.path.join(ROOT, "build", "dotgit-deploy")))
REPOS = 10
PUSHERS = 4
RULES = ('[branch "feature/**"]\nenvironment = preview\n'
         '[branch "release/*"]\nenvironment = staging\n')


def git(*args, cwd=None, env=None):
    r = subprocess.run(["git", *args], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("git %s: %s" % (" ".join(args), r.stderr))
    return r.stdout.strip()


def clean_env(home):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "DOTGIT_", "XDG_"))}
    env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="f",
               GIT_AUTHOR_EMAIL="f@x", GIT_COMMITTER_NAME="f",
               GIT_COMMITTER_EMAIL="f@x")
    return env


class Daemon:
    """The daemon, restarted at will; its log appended to one file."""

    def __init__(self, base, config, env):
        self.config = config
        self.env = env
        self.log = os.path.join(base, "daemon.log")
        self.vg_log = os.path.join(base, "valgrind.log")
        self.proc = None
        self.started = 0.0

    def start(self, valgrind=False):
        argv = [BIN, "-c", self.config, "-v", "daemon"]
        if valgrind:
            argv = ["valgrind", "--log-file=" + self.vg_log,
                    "--leak-check=full", "--errors-for-leak-kinds=definite",
                    "--error-exitcode=99"] + argv
        out = open(self.log, "a")
        out.write("=== start%s\n" % (" (valgrind)" if valgrind else ""))
        out.flush()
        self.proc = subprocess.Popen(argv, env=self.env, stdout=out,
                                     stderr=out, stdin=subprocess.DEVNULL)
        self.started = time.monotonic()
        out.close()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(120)


class Run:
    def __init__(self, base, args):
        self.base = base
        self.args = args
        self.env = clean_env(os.path.join(base, "home"))
        os.makedirs(self.env["HOME"])
        self.rnd = random.Random(args.seed)
        self.lock = threading.Lock()
        self.expected = {}          # (branch, commit) -> repository
        self.counts = collections.Counter()
        self.stop_pushing = threading.Event()

    def setup(self):
        flags = ["--plan", "100000", "--queued-secs", "0",
                 "--building-secs", "0", "--fail-rate", "0.3",
                 "--reset-rate", "0.05", "--seed", str(self.args.seed)]
        self.emu = Emulator(os.path.join(self.base, "emu"), *flags)
        self.emu.start()
        key = os.path.join(self.base, "key")
        with open(key, "w") as f:
            f.write(self.emu.key + "\n")
        os.chmod(key, 0o600)
        self.queue = os.path.join(self.base, "queue")
        self.config_text = (
            "[api]\nurl = %s\nca_file = %s\nkey_file = %s\nplan = 100000\n"
            "timeout = 5\n[project]\nid = proj_8f2a9c\n%s"
            "[hook]\nmode = queue\n[daemon]\nqueue = %s\nrepos = %s\n"
            "poll_interval = 1\n" % (
                self.emu.url, self.emu.ca, key, RULES, self.queue,
                os.path.join(self.base, "srv*.git")))
        self.daemon_ini = os.path.join(self.base, "daemon.ini")
        with open(self.daemon_ini, "w") as f:
            f.write(self.config_text)
        subprocess.run([BIN, "-c", self.daemon_ini, "queue", "init"],
                       env=self.env, check=True, capture_output=True)
        self.repos = []
        for r in range(REPOS):
            bare = os.path.join(self.base, "srv%d.git" % r)
            git("init", "-q", "--bare", "-b", "main", bare, env=self.env)
            git("config", "receive.advertisePushOptions", "true", cwd=bare,
                env=self.env)
            os.symlink(BIN, os.path.join(bare, "hooks", "post-receive"))
            with open(os.path.join(bare, "dotgit-deploy.ini"), "w") as f:
                f.write(self.config_text)
            seed = os.path.join(self.base, "seed%d" % r)
            git("init", "-q", "-b", "main", seed, env=self.env)
            git("commit", "-q", "--allow-empty", "-m", "root", cwd=seed,
                env=self.env)
            git("push", "-q", bare, "main", cwd=seed, env=self.env)
            self.repos.append(bare)
        self.clones = {}
        for p in range(PUSHERS):
            for r, bare in enumerate(self.repos):
                work = os.path.join(self.base, "p%d-r%d" % (p, r))
                git("clone", "-q", bare, work, env=self.env)
                self.clones[p, r] = work
        self.daemon = Daemon(self.base, self.daemon_ini, self.env)

    # -- the pushers

    def pusher(self, p):
        rnd = random.Random(self.args.seed * 100 + p)
        n = 0
        while not self.stop_pushing.is_set():
            r = rnd.randrange(REPOS)
            work = self.clones[p, r]
            kind = "release/p%d-%d" if rnd.random() < 0.2 else \
                "feature/p%d/%d"
            branch = kind % (p, n)
            n += 1
            git("checkout", "-q", "-b", branch, "origin/main", cwd=work,
                env=self.env)
            with open(os.path.join(work, "f"), "w") as f:
                f.write("%s %d %d\n" % (branch, r, n))
            git("add", "f", cwd=work, env=self.env)
            git("commit", "-q", "-m", branch, cwd=work, env=self.env)
            head = git("rev-parse", "HEAD", cwd=work, env=self.env)
            git("push", "-q", "origin", branch, cwd=work, env=self.env)
            with self.lock:
                self.expected[branch, head] = r
                self.counts["pushes"] += 1
            time.sleep(rnd.uniform(0, 2 * self.args.pause))

    # -- the faults

    def chaos(self, seconds):
        """Kills, reloads, garbage and slow bursts spread over the run,
        and one outage from 40 % of it."""
        a = self.args
        events = [("kill", i) for i in range(a.kills)] + \
            [("hup", i) for i in range(a.hups)] + \
            [("garbage", i) for i in range(a.bursts)] + \
            [("slow", i) for i in range(a.bursts)]
        plan = sorted((self.rnd.uniform(0.05, 0.95) * seconds, e)
                      for e in events)
        plan.append((0.4 * seconds, ("outage", 0)))
        plan.sort()
        t0 = time.monotonic()
        for at, (what, _) in plan:
            delay = t0 + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            getattr(self, "do_" + what)()

    def alive(self):
        """A daemon that ended by itself is a failure: said, restarted."""
        if not self.daemon.running():
            self.counts["died"] += 1
            self.daemon.start()

    def do_kill(self):
        self.alive()
        self.daemon.kill()
        self.counts["kills"] += 1
        self.daemon.start()

    def do_hup(self):
        # the same configuration rewritten: a reload that keeps it
        with open(self.daemon_ini + ".tmp", "w") as f:
            f.write(self.config_text)
        os.rename(self.daemon_ini + ".tmp", self.daemon_ini)
        self.alive()
        # not in the instant after exec, before it has its handlers
        time.sleep(max(0, self.daemon.started + 1 - time.monotonic()))
        self.daemon.proc.send_signal(signal.SIGHUP)
        self.counts["reloads"] += 1

    def do_garbage(self):
        self.emu.set_faults(bad_body="garbage", bad_body_first=3)

    def do_slow(self):
        self.emu.set_faults(slow=1.0, slow_first=5)

    def do_outage(self):
        self.emu.stop()
        time.sleep(self.args.outage)
        self.emu.start()
        self.counts["outage_s"] = self.args.outage

    # -- the end

    def drain(self):
        """The daemon's last run (under valgrind with --long; the 5xx and
        resets still coming), until every job is deployed and the queue
        is empty."""
        if self.args.long:
            self.emu.set_faults(bad_body=None, slow=0)
        else:
            self.emu.set_faults(clear=True)
        self.alive()
        self.daemon.kill()
        self.daemon.start(valgrind=self.args.long)
        expected = set(self.expected)
        wait_until(lambda: not (expected - set(self.created())) and
                   self.in_queue("new", "cur") == 0,
                   self.args.drain, interval=1,
                   message="not drained: %d of %d deployed, %d queued" % (
                       len(expected & set(self.created())), len(expected),
                       self.in_queue("new", "cur")))
        self.counts["daemon_exit"] = self.daemon.stop()

    def created(self):
        try:
            deps = self.emu.state()["deployments"].values()
        except FileNotFoundError:
            return collections.Counter()
        return collections.Counter((d["branch"], d["commit_hash"])
                                   for d in deps)

    def by_key(self):
        return collections.Counter(d["idempotency_key"] for d in
                                   self.emu.state()["deployments"].values())

    def in_queue(self, *states):
        return sum(len(os.listdir(os.path.join(self.queue, s)))
                   for s in states)

    def valgrind(self):
        """(errors, bytes definitely lost) from the memcheck log."""
        text = open(self.daemon.vg_log).read()
        errors = re.findall(r"ERROR SUMMARY: (\d+) errors", text)
        lost = re.findall(r"definitely lost: ([\d,]+) bytes", text)
        return (int(errors[-1]) if errors else -1,
                int(lost[-1].replace(",", "")) if lost else 0)

    def report(self, seconds):
        created, keys = self.created(), self.by_key()
        posts = self.emu.deployment_posts()
        faults = collections.Counter(r["fault"] for r in self.emu.requests()
                                     if r["fault"])
        exp = self.expected
        c = self.counts
        rows = [
            ("seconds of pushes", seconds),
            ("repositories / pushers", "%d / %d" % (REPOS, PUSHERS)),
            ("pushes (= jobs expected)", c["pushes"]),
            ("deployed exactly once", sum(1 for k in exp if created[k] == 1)),
            ("lost", sum(1 for k in exp if created[k] == 0)),
            ("deployed twice or more", sum(1 for k in exp if created[k] > 1)),
            ("keys created twice or more", sum(1 for n in keys.values()
                                               if n > 1)),
            ("unexpected deployments", sum(1 for k in created
                                           if k not in exp)),
            ("deployment POSTs sent", len(posts)),
            ("  answered from the key (replayed)",
             sum(1 for r in posts if r["replayed"])),
            ("faults: 5xx", faults["fail_rate"]),
            ("faults: connection resets", faults["reset_rate"]),
            ("faults: garbage bodies", faults["bad_body:garbage"]),
            ("faults: slow replies", faults["slow"]),
            ("faults: outage (s)", c["outage_s"]),
            ("daemon SIGKILLs", c["kills"]),
            ("daemon ended by itself", c["died"]),
            ("SIGHUP reloads", c["reloads"]),
            ("queue new+cur / failed / bad", "%d / %d / %d" % (
                self.in_queue("new", "cur"), self.in_queue("failed"),
                self.in_queue("bad"))),
            ("daemon exit status (SIGTERM)", c["daemon_exit"]),
        ]
        if self.args.long:
            errors, lost = self.valgrind()
            rows.append(("valgrind: errors / definitely lost",
                         "%d / %d bytes" % (errors, lost)))
        for name, value in rows:
            print("  %-36s %s" % (name, value))
        bad = [name for name, value in rows if (
            name in ("lost", "deployed twice or more",
                     "keys created twice or more", "unexpected deployments")
            and value != 0)]
        if self.in_queue("new", "cur", "failed", "bad"):
            bad.append("queue not empty")
        if c["died"]:
            bad.append("the daemon ended by itself")
        if c["daemon_exit"] != 0:
            bad.append("daemon exit status")
        if sum(1 for k in exp if created[k] == 1) != len(exp):
            bad.append("not every push deployed once")
        if self.args.long and self.valgrind() != (0, 0):
            bad.append("valgrind")
        return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--long", action="store_true")
    ap.add_argument("--seconds", type=int)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--keep", action="store_true",
                    help="keep the run's directory (logs, queue, state)")
    args = ap.parse_args()
    args.seconds = args.seconds or (600 if args.long else 30)
    args.pause = 1.0 if args.long else 0.5
    args.outage = 60 if args.long else 5
    args.kills = 20 if args.long else 5
    args.hups = 10 if args.long else 3
    args.bursts = 10 if args.long else 3
    args.drain = 1800 if args.long else 300
    base = tempfile.mkdtemp(prefix="dd-faultrun-")
    run = Run(base, args)
    ok = False
    try:
        run.setup()
        run.daemon.start()
        pushers = [threading.Thread(target=run.pusher, args=(p,))
                   for p in range(PUSHERS)]
        for t in pushers:
            t.start()
        try:
            run.chaos(args.seconds)
        finally:
            run.stop_pushing.set()
            for t in pushers:
                t.join()
        run.drain()
        print("fault run (%s, seed %d):" % ("long" if args.long else "short",
                                            args.seed))
        bad = run.report(args.seconds)
        ok = not bad
        print("fault run: %s" % ("ok" if ok else "FAILED: " + ", ".join(bad)))
    finally:
        if getattr(run, "daemon", None) and run.daemon.running():
            run.daemon.kill()
        if getattr(run, "emu", None):
            run.emu.stop()
        if args.keep or not ok:
            print("fault run: its files are in %s" % base)
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
