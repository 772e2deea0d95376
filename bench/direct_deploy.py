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
import re
import shutil
import subprocess

import common as c
from common import ms

QUICK = c.QUICK
RUNS = 20 if QUICK else 40
TRACES = 3 if QUICK else 7

BODY = ('{"branch":"main","environment":"production",'
        '"commit_hash":"%s","env_vars":{}}')

# (label, pattern of an strace line): the first match of each is an
# event of the timeline
EVENTS = [
    ("exec", r"execve\("),
    ("our configuration opened", r'openat\(.*dotgit-deploy\.ini"'),
    ("libgit2 opened (dlopen)", r'openat\(.*/libgit2\.so'),
    ("system CA bundle opened (git_libgit2_init)",
     r'openat\(.*"/etc/ssl/certs/ca-certificates\.crt"'),
    ("git config read (repository open)", r'openat\(.*/\.git/config"'),
    ("commit object read", r'openat\(.*/\.git/objects/[0-9a-f]{2}/'),
    ("key file read", r'openat\(.*/key"'),
    ("libcurl opened (dlopen)", r'openat\(.*/libcurl\.so'),
    ("connect to the API", r"connect\("),
    ("API CA file read (TLS)", r'openat\(.*/emu/ca\.pem"'),
    ("exit", r"exit_group\("),
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
    """strace -ttt of `deploy main`, TRACES times: when each event
    first happens, in ms after exec (median)."""
    if shutil.which("strace") is None:
        rep.add("4c. Timeline of one deploy", "(strace is not installed)")
        return
    seen = {name: [] for name, _ in EVENTS}
    out = sc.path("strace.out")
    for _ in range(TRACES):
        subprocess.run(["strace", "-f", "-ttt", "-o", out, "-e",
                        "trace=execve,openat,connect,exit_group",
                        c.BIN, "-C", work, "deploy", "main"], env=sc.env,
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        first = {}
        with open(out) as f:
            for line in f:
                parts = line.split(None, 2)
                if len(parts) < 3 or "ENOENT" in line:
                    continue
                for name, pat in EVENTS:
                    if name not in first and re.match(pat, parts[2]):
                        first[name] = float(parts[1])
        t0 = first.get("exec")
        for name, t in first.items():
            seen[name].append((t - t0) * 1000)
    events = sorted(((c.median(v), name) for name, v in seen.items()
                     if v), key=lambda e: e[0])
    rows = []
    prev = 0.0
    for t, name in events:
        rows.append([name, ms(t), "+" + ms(t - prev)])
        prev = t
    text = c.table(["event (first time it happens)", "ms after exec",
                    "since the event above"], rows)
    text += ("\n\nstrace -f -ttt of `deploy main` (traced: execve, "
             "openat, connect, exit_group), median of %d runs; tracing "
             "slows every traced call a little, so read the gaps, not "
             "the total." % TRACES)
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
