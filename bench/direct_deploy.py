#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""`dotgit-deploy deploy` (direct mode, in a repository) against a bare
`curl` POST of the same body to the same emulator, and where our time
goes:

- hyperfine, side by side: deploy, curl, and the steps on the way
  (--version: start-up; `-c FILE config explain`: + the configuration;
  `-C REPO config explain`: + libgit2 loaded and initialised, the
  repository found; `deploy --dry-run`: + the commit read and planned;
  deploy: + the key, libcurl, TLS and the request);
- curl's own split of its time (-w: connect, TLS, first byte);
- a timeline of one deploy from strace (-ttt, the median of a few runs):
  when each library is opened, the CA bundle libgit2 parses at init, the
  repository's objects, the connect, the exit;
- the system calls of one deploy (strace -c).

Prints the tables; asserts nothing."""
import os
import shutil
import subprocess

import common as c
from common import ms

QUICK = c.QUICK
RUNS = 20 if QUICK else 40
TRACES = 3 if QUICK else 7

BODY = ('{"branch":"main","environment":"production",'
        '"commit_hash":"%s","env_vars":{}}')

# (label, pattern of a traced call, first or last match): the events
# of a timeline
EVENTS = [
    ("exec", r"execve\(", "first"),
    ("libgit2 opened (dlopen)", r'openat\(.*/libgit2\.so', "first"),
    ("system CA bundle opened (git_libgit2_init)",
     r'openat\(.*"/etc/ssl/certs/ca-certificates\.crt"', "first"),
    ("git config read (repository open)", r'openat\(.*/config"', "first"),
    ("our configuration opened", r'openat\(.*dotgit-deploy\.ini"',
     "first"),
    ("commit object read", r'openat\(.*/objects/[0-9a-f]{2}/', "first"),
    ("ledger opened", r'openat\(.*/ledger"', "first"),
    ("key file read", r'openat\(.*/key"', "first"),
    ("libcurl opened (dlopen)", r'openat\(.*/libcurl\.so', "first"),
    ("connect to the API", r"connect\(", "first"),
    ("API CA file read (TLS)", r'openat\(.*/emu/ca\.pem"', "first"),
    ("first fsync (ledger)", r"(fsync|fdatasync|syncfs)\(", "first"),
    ("last fsync", r"(fsync|fdatasync|syncfs)\(", "last"),
    ("exit", r"exit_group\(", "first"),
]


def setup(sc, emu, key):
    work = sc.path("work")
    c.git(sc.env, "init", "-q", "-b", "main", work)
    c.git(sc.env, "commit", "-q", "--allow-empty", "-m", "x", cwd=work)
    commit = c.git(sc.env, "rev-parse", "HEAD", cwd=work)
    cfg = c.api_config(emu, key) + \
        "[branch \"main\"]\nenvironment = production\n"
    c.write(os.path.join(work, ".git", "dotgit-deploy.ini"), cfg)
    ini = c.write(sc.path("plain.ini"), cfg)
    body = c.write(sc.path("body.json"), BODY % commit)
    hdrs = c.write(sc.path("curl-headers"),
                   "Authorization: Bearer %s\n"
                   "Content-Type: application/json\n" % emu.key, 0o600)
    url = "%s/projects/%s/deployments" % (emu.url, c.PROJECT)
    curl = ["curl", "-sS", "-o", "/dev/null", "--cacert", emu.ca,
            "-H", "@" + hdrs, "--data-binary", "@" + body, url]
    return work, ini, curl


def side_by_side(sc, work, ini, curl, rep):
    steps = [
        ("dotgit-deploy --version (start-up)", [c.BIN, "--version"]),
        ("-c FILE config explain main (+ configuration)",
         [c.BIN, "-c", ini, "config", "explain", "main"]),
        ("-C REPO config explain main (+ libgit2 load, init, repository "
         "found)", [c.BIN, "-C", work, "config", "explain", "main"]),
        ("-C REPO deploy --dry-run main (+ commit read, plan)",
         [c.BIN, "-C", work, "deploy", "--dry-run", "main"]),
        ("-C REPO deploy main (+ key, libcurl, TLS, POST)",
         [c.BIN, "-C", work, "deploy", "main"]),
        ("bare curl POST, same body, same emulator", curl),
    ]
    c.progress("direct deploy vs curl: %d commands x %d runs"
               % (len(steps), RUNS))
    t = c.hyperfine([s[1] for s in steps], sc.env, RUNS, warmup=3,
                    rounds=4)
    med = [c.median(x) for x in t]
    rows = []
    for k, (name, _) in enumerate(steps):
        step = ms(med[k] - med[k - 1]) if 0 < k < 5 else "-"
        rows.append([name, ms(med[k]), ms(c.p95(t[k])), step])
    r = c.ratio(med[4], med[5])
    text = c.table(["command", "median ms", "p95 ms",
                    "step over the line above ms"], rows)
    text += ("\n\n**deploy / curl = %.2f** (goal <= 1.1: %s). %d runs "
             "each, the commands taking turns in 4 rounds; curl reads "
             "the emulator's CA file only, deploy its configuration, the "
             "repository and the same CA file." % (r, c.goal(r <= 1.1),
                                                   RUNS))
    rep.add("4. Direct deploy vs a bare curl POST", text)
    rep.headline("deploy (direct) / bare curl POST",
                 "%.2f (%s ms vs %s ms)" % (r, ms(med[4]), ms(med[5])),
                 "<= 1.1", r <= 1.1)
    return med


def curl_split(sc, curl, rep):
    """curl's -w timings: TCP connect, TLS done, first byte, total."""
    fmt = "%{time_connect} %{time_appconnect} %{time_starttransfer} " \
          "%{time_total}\n"
    rows = []
    for _ in range(RUNS // 2):
        out = c.run(curl[:-1] + ["-w", fmt, curl[-1]], sc.env)
        rows.append([float(x) * 1000 for x in out.split()])
    med = [c.median([r[k] for r in rows]) for k in range(4)]
    text = c.table(["curl phase", "median ms"], [
        ["TCP connect", ms(med[0])],
        ["TLS handshake (connect to TLS done)", ms(med[1] - med[0])],
        ["request to first byte of the reply", ms(med[2] - med[1])],
        ["rest of the transfer", ms(med[3] - med[2])],
        ["total inside curl (after its own start-up)", ms(med[3])]])
    rep.add("4b. Where a bare curl spends its time (curl -w, %d runs)"
            % len(rows), text)


def timeline(sc, work, rep):
    """strace -ttt of `deploy main`: when each event happens."""
    if not c.have_strace():
        rep.add("4c. Timeline of one deploy", "(strace is not installed)")
        return
    events = c.strace_timeline([c.BIN, "-C", work, "deploy", "main"],
                               sc.env, EVENTS, TRACES)
    text = c.timeline_table(events)
    text += ("\n\nstrace -f -ttt of `deploy main` (traced: %s), the "
             "first time each happens, median of %d runs; tracing slows "
             "every traced call a little, so read the gaps, not the "
             "total." % (c.TRACED.replace(",", ", "), TRACES))
    rep.add("4c. Timeline of one direct deploy (strace)", text)


def syscalls(sc, work, rep):
    if shutil.which("strace") is None:
        return
    out = sc.path("strace-c.out")
    subprocess.run(["strace", "-f", "-c", "-o", out, c.BIN, "-C", work,
                    "deploy", "main"], env=sc.env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    counts = []
    with open(out) as f:
        for line in f:
            p = line.split()
            if len(p) >= 5 and p[-1] not in ("syscall", "total") and \
                    p[3].isdigit():
                counts.append((int(p[3]), p[-1]))
    counts.sort(reverse=True)
    total = sum(n for n, _ in counts)
    top = ", ".join("%s %d" % (name, n) for n, name in counts[:10])
    rep.add("4d. System calls of one direct deploy (strace -c)",
            "%d calls in all; the most frequent: %s." % (total, top))


def run():
    rep = c.Report()
    with c.Scratch("deploy") as sc:
        emu = c.Emulator(sc.path("emu"), "--plan", "100000000",
                         "--save-every", c.SAVE_EVERY).start()
        try:
            key = c.key_file(emu, sc.path("key"))
            work, ini, curl = setup(sc, emu, key)
            side_by_side(sc, work, ini, curl, rep)
            curl_split(sc, curl, rep)
            timeline(sc, work, rep)
            syscalls(sc, work, rep)
        finally:
            emu.stop()
    return rep


if __name__ == "__main__":
    run()
