#!/usr/bin/env python3
"""Resource limits, measured: wall time and peak memory (max RSS) of
dotgit-deploy on inputs far past the ordinary -- a 100 000-line hook
stdin, 1 MB of push options and of --set values (Linux passes no one
string past 128 KiB), 10 000 branch rules, 100 000
queued jobs (listed, and drained by the daemon), a 100 MiB API reply.
Prints one table row per case; asserts nothing (speed lives here, never
in tests).

    bench/limits.py [--quick] [BINARY...]

BINARY defaults to build/dotgit-deploy and build-asan/dotgit-deploy
(`make all asan` first). --quick: 10 000 lines and jobs instead of
100 000. config/README.md ("Resource limits") says what the limits are.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
from harness import Emulator, wait_until  # noqa: E402

ENV = {k: v for k, v in os.environ.items()
       if not k.startswith(("GIT_", "DOTGIT_"))}
ENV.update(GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="b",
           GIT_AUTHOR_EMAIL="b@x", GIT_COMMITTER_NAME="b",
           GIT_COMMITTER_EMAIL="b@x",
           ASAN_OPTIONS="detect_leaks=0")      # a leak report is no limit
ZERO = "0" * 40
MB = 1 << 20
ARG_MAX = 128 << 10     # bytes of one argument or variable (Linux)


def measure(argv, cwd=None, env=None, stdin=None):
    """Run argv; (seconds, max RSS in MB, exit status, stderr's last
    line). GNU time reads the peak memory: the rusage of a child of this
    (large) Python process would count what it had before exec."""
    with tempfile.NamedTemporaryFile() as rss, \
            tempfile.TemporaryFile() as err:
        t = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name,
                            *argv], cwd=cwd, env=env or ENV, stdin=stdin,
                           stdout=subprocess.DEVNULL, stderr=err)
        secs = time.monotonic() - t
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()
        kb = int(open(rss.name).read().split()[-1])
    return secs, kb / 1024, p.returncode, tail[-1] if tail else ""


class Bench:
    def __init__(self, base, binary, n):
        self.base = base
        self.bin = binary
        self.n = n
        self.rows = []

    def row(self, case, res, note=""):
        secs, rss, rc, tail = res
        self.rows.append((case, secs, rss, rc, note or tail))
        print("| %-34s | %-22s | %8.2f | %8.1f | %3d | %s" % (
            case, os.path.relpath(self.bin, ROOT), secs, rss, rc,
            (note or tail)[:90]), flush=True)

    def git(self, *a, cwd=None, input=None):
        return subprocess.run(["git", *a], cwd=cwd, env=ENV, check=True,
                              input=input, capture_output=True).stdout

    def repo(self, name, commits):
        """A bare repository with `commits` commits, each alone on its
        branch b/<i> (git fast-import); {i: commit id}."""
        bare = os.path.join(self.base, name + ".git")
        self.git("init", "-q", "--bare", "-b", "main", bare)
        stream = "".join(
            "commit refs/heads/b/%d\ncommitter b <b@x> %d +0000\n"
            "data %d\n%s\n" % (i, 1700000000 + i, len("c%d" % i), "c%d" % i)
            for i in range(commits)).encode()
        self.git("fast-import", "--quiet", cwd=bare, input=stream)
        out = self.git("for-each-ref", "--format=%(objectname) %(refname)",
                       "refs/heads/b/", cwd=bare).decode()
        ids = {}
        for line in out.splitlines():
            oid, ref = line.split()
            ids[int(ref.rsplit("/", 1)[1])] = oid
        return bare, ids

    def hook(self, bare, config):
        with open(os.path.join(bare, "dotgit-deploy.ini"), "w") as f:
            f.write(config)
        link = os.path.join(bare, "hooks", "post-receive")
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(self.bin, link)
        return link

    def run_hook(self, bare, lines, env=None):
        path = os.path.join(self.base, "stdin")
        with open(path, "w") as f:
            f.writelines(lines)
        e = dict(env or ENV, GIT_DIR=".")
        with open(path) as stdin:
            return measure([os.path.join(bare, "hooks", "post-receive")],
                           cwd=bare, env=e, stdin=stdin)


def config(emu, key, queue, repos, rules='[branch "b/*"]\n'
           'environment = preview\n'):
    return ("[api]\nurl = %s\nca_file = %s\nkey_file = %s\nplan = 100000\n"
            "[project]\nid = proj_8f2a9c\n%s[hook]\nmode = queue\n"
            "[daemon]\nqueue = %s\nrepos = %s\npoll_interval = 1\n"
            % (emu.url, emu.ca, key, rules, queue, repos))


def hook_cases(b, emu, key):
    n = b.n
    queue = os.path.join(b.base, "q")
    subprocess.run([b.bin, "queue", "--queue-dir", queue, "init"],
                   env=ENV, check=True, capture_output=True)
    bare, ids = b.repo("big", n)
    cfg = config(emu, key, queue, bare)
    b.hook(bare, cfg)
    lines = ["%s %040x refs/heads/x/%d\n" % (ZERO, i + 1, i)
             for i in range(n)]
    b.row("hook stdin: %d lines, unmapped" % n, b.run_hook(bare, lines))
    # Linux takes no environment string past 128 KiB (MAX_ARG_STRLEN):
    # 1 MB of push options is 8 of them
    e = dict(ENV, GIT_PUSH_OPTION_COUNT="8")
    for i in range(8):
        e["GIT_PUSH_OPTION_%d" % i] = "deploy.env.X%d=%s" % (
            i, "v" * (ARG_MAX - 64))
    b.row("hook: 1 MB of push options (8)", b.run_hook(
        bare, ["%s %s refs/heads/b/0\n" % (ZERO, ids[0])], env=e))
    lines = ["%s %s refs/heads/b/%d\n" % (ZERO, ids[i], i)
             for i in range(n)]
    res = b.run_hook(bare, lines)
    jobs = len(os.listdir(os.path.join(queue, "new")))
    b.row("hook stdin: %d lines, queued" % n, res, "%d jobs queued" % jobs)
    dcfg = os.path.join(b.base, "daemon.ini")
    with open(dcfg, "w") as f:
        f.write(cfg)
    res = measure([b.bin, "-c", dcfg, "queue"])
    b.row("queue: list %d jobs" % jobs, res)
    daemon_case(b, emu, dcfg, jobs)


def daemon_case(b, emu, dcfg, jobs):
    """The daemon over the spool: time until the emulator has the first
    deployment, how many it has 30 s later, and its peak memory."""
    before = emu.stats()["deployments_created"]
    log = open(os.path.join(b.base, "daemon.log"), "w")
    t = time.monotonic()
    p = subprocess.Popen([b.bin, "-c", dcfg, "daemon"], env=ENV,
                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        wait_until(lambda: emu.stats()["deployments_created"] > before,
                   3600, interval=0.2)
        first = time.monotonic() - t
        time.sleep(30)
        done = emu.stats()["deployments_created"] - before
        with open("/proc/%d/status" % p.pid) as f:
            hwm = [int(l.split()[1]) for l in f if l.startswith("VmHWM")][0]
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(60)
        log.close()
    b.row("daemon: %d jobs queued" % jobs, (first, hwm / 1024, 0, ""),
          "first deployment after %.1f s, %d after 30 s more"
          % (first, done))


def rules_cases(b, emu, key):
    rules = "".join('[branch "r%d/*"]\nenvironment = preview\n' % i
                    for i in range(10000))
    path = os.path.join(b.base, "rules.ini")
    with open(path, "w") as f:
        f.write(config(emu, key, os.path.join(b.base, "q"), "/none",
                       rules=rules))
    b.row("config check: 10 000 rules", measure([b.bin, "-c", path,
                                                  "config", "check"]))
    b.row("config explain: 10 000 rules", measure(
        [b.bin, "-c", path, "config", "explain", "r9999/x"]))
    b.row("config explain --set: 1 MB (8 x)", measure(
        [b.bin, "-c", path, "config", "explain"] +
        ["--set=X%d=%s" % (i, "v" * (ARG_MAX - 64)) for i in range(8)] +
        ["r1/x"]))
    bare = os.path.join(b.base, "rules.git")
    b.git("init", "-q", "--bare", bare)
    b.hook(bare, open(path).read().replace("repos = /none",
                                           "repos = " + bare))
    lines = ["%s %040x refs/heads/x/%d\n" % (ZERO, i + 1, i)
             for i in range(1000)]
    b.row("hook: 1000 refs x 10 000 rules", b.run_hook(bare, lines))


def reply_case(b, base, key):
    emu = Emulator(os.path.join(base, "emu-huge"), "--bad-body", "huge")
    emu.start()
    try:
        d = emu.deploy({"branch": "main", "environment": "production"}).json
        path = os.path.join(base, "huge.ini")
        with open(path, "w") as f:
            f.write("[api]\nurl = %s\nca_file = %s\nkey_file = %s\n"
                    "[project]\nid = proj_8f2a9c\n" % (emu.url, emu.ca, key))
        b.row("status: a 100 MiB reply", measure([b.bin, "-c", path,
                                                  "status", d["id"]]))
    finally:
        emu.stop()


def main():
    args = sys.argv[1:]
    n = 100000
    if args[:1] == ["--quick"]:
        n, args = 10000, args[1:]
    bins = args or [os.path.join(ROOT, "build", "dotgit-deploy"),
                    os.path.join(ROOT, "build-asan", "dotgit-deploy")]
    print("| %-34s | %-22s | %8s | %8s | %3s | %s" % (
        "case", "binary", "seconds", "max MB", "rc", "result"))
    for binary in bins:
        base = tempfile.mkdtemp(prefix="dd-limits-")
        emu = Emulator(os.path.join(base, "emu"), "--plan", "100000",
                       "--queued-secs", "0", "--building-secs", "0")
        emu.start()
        key = os.path.join(base, "key")
        with open(key, "w") as f:
            f.write(emu.key + "\n")
        os.chmod(key, 0o600)
        b = Bench(base, os.path.abspath(binary), n)
        try:
            hook_cases(b, emu, key)
            rules_cases(b, emu, key)
            reply_case(b, base, key)
        finally:
            emu.stop()
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
