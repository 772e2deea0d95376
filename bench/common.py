# SPDX-License-Identifier: ISC
"""What every benchmark here shares: where the binary is, a clean
environment, git, hyperfine, statistics and markdown tables.

Nothing here asserts anything: speed lives in bench/, never in tests."""
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
from harness import Emulator  # noqa: E402,F401

BIN = os.environ.get("DOTGIT_DEPLOY_BIN",
                     os.path.join(ROOT, "build", "dotgit-deploy"))
QUICK = os.environ.get("BENCH_QUICK") == "1"
PROJECT = "proj_8f2a9c"
# The emulators here write their state.json at most this often (and at
# exit): rewriting thousands of deployments holds its lock for a while.
SAVE_EVERY = "60"


def environment(home):
    """The environment every command runs in: none of the caller's git,
    dotgit-deploy or XDG settings, HOME a directory of the bench's own
    (no user configuration is read), a fixed author."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "DOTGIT_", "XDG_", "NOTIFY_"))}
    env.update(HOME=home, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="b",
               GIT_AUTHOR_EMAIL="b@x", GIT_COMMITTER_NAME="b",
               GIT_COMMITTER_EMAIL="b@x")
    return env


def tmpfs():
    """/dev/shm when it is a writable tmpfs, else None."""
    try:
        with open("/proc/mounts") as f:
            shm = any(line.split()[1:3] == ["/dev/shm", "tmpfs"]
                      for line in f)
    except OSError:
        return None
    return "/dev/shm" if shm and os.access("/dev/shm", os.W_OK) else None


class Scratch:
    """A temporary directory with its environment, removed on exit; in
    `base` (default: the system's temporary directory)."""

    def __init__(self, prefix, base=None):
        self.prefix = prefix
        self.base = base

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="dd-bench-%s-" % self.prefix,
                                    dir=self.base)
        home = os.path.join(self.dir, "home")
        os.makedirs(home)
        self.env = environment(home)
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def path(self, *names):
        return os.path.join(self.dir, *names)


def run(argv, env, cwd=None, inp=None, check=True):
    """Run argv; its stdout as text."""
    p = subprocess.run(argv, cwd=cwd, env=env, check=check,
                       input=inp.encode() if isinstance(inp, str) else inp,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.stdout.decode("utf-8", "replace").strip()


def git(env, *a, cwd=None, inp=None):
    return run(["git", *a], env, cwd=cwd, inp=inp)


def write(path, text, mode=None):
    with open(path, "w") as f:
        f.write(text)
    if mode is not None:
        os.chmod(path, mode)
    return path


def branches(env, work, names, prefix="feature/b"):
    """One branch per name, each its own commit on no parent, made by
    git fast-import (distinct commits: neither coalescing nor a shared
    commit collapses their deploys)."""
    lines = []
    for i in names:
        data = "%s%s\n" % (prefix, i)
        lines.append("commit refs/heads/%s%s\n"
                     "committer b <b@x> 1767225600 +0000\n"
                     "data 2\nb\n"
                     "M 100644 inline f\ndata %d\n%s\n"
                     % (prefix, i, len(data), data))
    git(env, "fast-import", "--quiet", cwd=work, inp="".join(lines))


def api_config(emu, key_file):
    return ("[api]\nurl = %s\nca_file = %s\nkey_file = %s\n"
            "[project]\nid = %s\n" % (emu.url, emu.ca, key_file, PROJECT))


def key_file(emu, path):
    return write(path, emu.key + "\n", 0o600)


# -- numbers

def median(ts):
    return statistics.median(ts)


def p95(ts):
    """Nearest-rank 95th percentile."""
    s = sorted(ts)
    return s[max(0, -(-95 * len(s) // 100) - 1)]


def ratio(a, b):
    return a / b if b > 0 else float("nan")


# -- hyperfine

def have_hyperfine():
    return shutil.which("hyperfine") is not None


def hyperfine(cmds, env, runs, warmup=2, prepares=None, rounds=1):
    """Wall times in ms of each command (a list of argv lists), run by
    hyperfine (-N: no shell). The runs are split in `rounds` calls that
    take the commands in turn, reversed every other round, and pooled:
    a load that comes and goes on the machine weighs on all commands
    alike (`warmup` runs before the first round, one before each
    other). prepares: one shell command per command (or None), run before
    each of its timed runs and not timed. Without hyperfine, a loop
    here does the same."""
    times = [[] for _ in cmds]
    per = [runs // rounds + (1 if r < runs % rounds else 0)
           for r in range(rounds)]
    for r, n in enumerate(per):
        if n == 0:
            continue
        order = list(range(len(cmds)))
        if r % 2:
            order.reverse()
        got = (_hyperfine if have_hyperfine() else _loop)(
            [cmds[k] for k in order], env, n, warmup if r == 0 else 1,
            [prepares[k] for k in order] if prepares else None)
        for k, t in zip(order, got):
            times[k].extend(t)
    return times


def _hyperfine(cmds, env, runs, warmup, prepares):
    fd, out = tempfile.mkstemp(prefix="dd-bench-hf-", suffix=".json")
    os.close(fd)
    argv = ["hyperfine", "-N", "--style", "none", "--warmup", str(warmup),
            "--runs", str(runs), "--export-json", out]
    if prepares:
        for p in prepares:
            argv += ["--prepare", "sh -c %s" % shlex.quote(p or ":")]
    argv += [" ".join(shlex.quote(a) for a in c) for c in cmds]
    try:
        p = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise RuntimeError("hyperfine failed: %s" % p.stderr.decode(
                "utf-8", "replace").strip())
        with open(out) as f:
            return [[t * 1000 for t in r["times"]]
                    for r in json.load(f)["results"]]
    finally:
        os.unlink(out)


def _loop(cmds, env, runs, warmup, prepares):
    times = [[] for _ in cmds]
    for i in range(warmup + runs):
        for k, cmd in enumerate(cmds):
            if prepares and prepares[k]:
                subprocess.run(prepares[k], shell=True, env=env, check=True)
            t = time.perf_counter()
            subprocess.run(cmd, env=env, check=True,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            if i >= warmup:
                times[k].append((time.perf_counter() - t) * 1000)
    return times


def timer_name():
    if not have_hyperfine():
        return "a timing loop (hyperfine is not installed)"
    return run(["hyperfine", "--version"], os.environ)


# -- processes

def proc_stat(pid):
    """(CPU seconds, VmRSS MB, VmHWM MB) of a running process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rss = hwm = 0.0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return cpu, rss, hwm


def cpu_ns(pid):
    """CPU time of all a process's threads in ns (schedstat: finer than
    the clock ticks of /proc/PID/stat)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def wait_for(pred, timeout, what, proc=None, interval=0.01):
    """Poll pred() until true; RuntimeError naming `what` on timeout or
    when proc (a Popen) exits first."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s: process exited %d" % (what,
                                                          proc.returncode))
        if time.monotonic() > deadline:
            raise RuntimeError("%s: not within %g s" % (what, timeout))
        time.sleep(interval)


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


class Daemon:
    """dotgit-deploy daemon -c INI, its output in LOG."""

    def __init__(self, ini, env, log, extra=(), wrap=()):
        self.log_path = log
        self.wrap = wrap
        self.log = open(log, "w")
        self.proc = subprocess.Popen(
            [*wrap, BIN, *extra, "-c", ini, "daemon"], env=env,
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)

    @property
    def pid(self):
        return self.proc.pid

    def stat(self):
        return proc_stat(self.proc.pid)

    def stop(self):
        if self.wrap and self.proc.poll() is None:
            # SIGTERM to the daemon under the wrapper (strace): the
            # wrapper ends with it, and strace -c writes its summary
            for pid in children(self.proc.pid):
                os.kill(pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def output(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


def daemon_config(emu, key, queue, repos, plan="1000000", extra=""):
    """A daemon's configuration: every feature/** branch to preview."""
    return ("[api]\nurl = %s\nca_file = %s\nkey_file = %s\nplan = %s\n"
            "[project]\nid = %s\n[branch \"feature/**\"]\n"
            "environment = preview\n[daemon]\nqueue = %s\nrepos = %s\n%s"
            % (emu.url, emu.ca, key, plan, PROJECT, queue, repos, extra))


# -- strace

TRACED = "execve,openat,connect,fsync,fdatasync,syncfs,renameat,exit_group"


def have_strace():
    return shutil.which("strace") is not None


def strace_timeline(argv, env, events, runs, cwd=None, stdin=None):
    """strace -f -ttt of argv, `runs` times: for each event (label,
    pattern of a traced call, "first" or "last"), its time in ms after
    exec, the median over the runs; [(ms, label)] in time order. Calls
    that failed with ENOENT are not events."""
    seen = {label: [] for label, _, _ in events}
    fd, out = tempfile.mkstemp(prefix="dd-bench-strace-")
    os.close(fd)
    try:
        for _ in range(runs):
            subprocess.run(["strace", "-f", "-ttt", "-o", out, "-e",
                            "trace=" + TRACED, *argv], env=env, cwd=cwd,
                           input=stdin.encode() if stdin else None,
                           check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            at = _events(out, events)
            for label, t in at.items():
                seen[label].append((t - at["exec"]) * 1000)
    finally:
        os.unlink(out)
    return sorted(((median(v), label) for label, v in seen.items() if v),
                  key=lambda e: e[0])


def _events(path, events):
    at = {}
    with open(path) as f:
        for line in f:
            parts = line.split(None, 2)
            if len(parts) < 3 or "ENOENT" in line:
                continue
            for label, pat, which in events:
                if (which == "last" or label not in at) and \
                        re.match(pat, parts[2]):
                    at[label] = float(parts[1])
    return at


def timeline_table(events):
    rows = []
    prev = 0.0
    for t, label in events:
        rows.append([label, ms(t), plus(t - prev)])
        prev = t
    return table(["event", "ms after exec", "since the event above"], rows)


# -- reporting

def machine():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d CPUs, %s %s" % (cpu, os.cpu_count() or 0,
                                   platform.system(), platform.release())


def load():
    return "%.2f %.2f %.2f" % os.getloadavg()


def now_text():
    return datetime.datetime.now().astimezone().strftime(
        "%Y-%m-%d %H:%M %z")


def table(head, rows):
    """A markdown table: head a list of column names, rows lists of
    cells (already text)."""
    out = ["| " + " | ".join(head) + " |",
           "|" + "---|" * len(head)]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


def ms(x):
    return "%.2f" % x if abs(x) < 10 else "%.1f" % x


def plus(x):
    """A signed difference in ms: +1.59, -0.42."""
    return ("+" if x >= 0 else "-") + ms(abs(x))


def within(x, limit):
    """x <= limit; None when x is no number (a baseline too small to
    divide by)."""
    return None if x != x else x <= limit


def num(x):
    return "n/a" if x != x else "%.2f" % x


def goal(met):
    if met is None:
        return "n/a"
    return "met" if met else "**not met**"


class Report:
    """What one benchmark found: markdown parts (a heading, then text)
    and headline figures (name, figure, goal, met or None)."""

    def __init__(self):
        self.parts = []
        self.headlines = []
        self.series = []

    def growth(self, item, name, unit, points):
        """A cost at several sizes, for the cost-growth tables: points
        are (size, cost per unit of size) with the unit named."""
        self.series.append((item, name, unit, points))

    def add(self, heading, text):
        self.parts.append((heading, text))
        print("\n### %s\n\n%s" % (heading, text), flush=True)

    def headline(self, name, figure, target=None, met=None):
        self.headlines.append((name, figure, target, met))

    def extend(self, other):
        self.parts += other.parts
        self.headlines += other.headlines
        self.series += other.series


START = time.monotonic()


def progress(text):
    print("bench: %3.0f s: %s" % (time.monotonic() - START, text),
          file=sys.stderr, flush=True)
