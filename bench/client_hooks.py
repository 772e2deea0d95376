#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""What the client hooks cost the git commands that push nothing: a
`git commit`, a 20-commit rebase and a `git fetch` creating 100 tracking
refs, each with no hooks / an empty shell reference-transaction hook
(`#!/bin/sh` + `cat >/dev/null`) / dotgit-deploy's client hooks
(`install-hook --client`). The goal: ours no dearer than the shell hook.

Prints median and p95 of each and appends the table to bench/results.md
with the machine and the date. Timed by hyperfine when it is installed
(Debian: `apt-get install hyperfine`), else by a timing loop here. Asserts
nothing (speed lives here, never in tests). BENCH_RUNS sets the runs;
BENCH_RESULTS another file to append to (bench/run.py, `make bench`,
takes the note into its own section)."""
import datetime
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from common import machine, p95

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("DOTGIT_DEPLOY_BIN",
                     os.path.join(ROOT, "build", "dotgit-deploy"))
RESULTS = os.environ.get("BENCH_RESULTS",
                         os.path.join(ROOT, "bench", "results.md"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
WARMUP = 3
BRANCHES = 100          # tracking refs the fetch creates
PICKS = 20              # commits the rebase replays

HOOKS = ["no hooks", "empty shell hook", "dotgit-deploy --client"]
SHELL_HOOK = "#!/bin/sh\ncat >/dev/null\n"
CONFIG = """[api]
url = https://127.0.0.1:9/v1

[project]
id = proj_8f2a9c

[branch "main"]
environment = production

[branch "feature/**"]
environment = preview
"""


def environment(home):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "DOTGIT_", "XDG_"))}
    env.update(HOME=home, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="b",
               GIT_AUTHOR_EMAIL="b@x", GIT_COMMITTER_NAME="b",
               GIT_COMMITTER_EMAIL="b@x")
    return env


def git(env, *a, cwd=None, input=None):
    return subprocess.run(["git", *a], cwd=cwd, env=env, check=True,
                          input=input, capture_output=True,
                          text=True).stdout.strip()


def make_remote(env, base):
    """A bare repository with BRANCHES branches (main among them)."""
    bare = os.path.join(base, "srv.git")
    seed = os.path.join(base, "seed")
    git(env, "init", "-q", "--bare", "-b", "main", bare)
    git(env, "init", "-q", "-b", "main", seed)
    git(env, "commit", "-q", "--allow-empty", "-m", "seed", cwd=seed)
    git(env, "update-ref", "--stdin", cwd=seed,
        input="".join("create refs/heads/b%03d HEAD\n" % i
                      for i in range(1, BRANCHES)))
    git(env, "push", "-q", bare, "refs/heads/*:refs/heads/*", cwd=seed)
    return bare


def make_work(env, base, name, bare):
    """A clone-like work tree: main, `onto` (one commit past main) and
    `topic` (PICKS commits past main); returns (path, topic's tip)."""
    work = os.path.join(base, name)
    git(env, "init", "-q", "-b", "main", work)
    for k, v in (("gc.auto", "0"), ("maintenance.auto", "false")):
        git(env, "config", k, v, cwd=work)
    git(env, "remote", "add", "origin", bare, cwd=work)
    git(env, "commit", "-q", "--allow-empty", "-m", "base", cwd=work)
    git(env, "checkout", "-q", "-b", "topic", cwd=work)
    for i in range(PICKS):
        with open(os.path.join(work, "t%02d" % i), "w") as f:
            f.write("%d\n" % i)
        git(env, "add", "t%02d" % i, cwd=work)
        git(env, "commit", "-q", "-m", "topic %d" % i, cwd=work)
    tip = git(env, "rev-parse", "HEAD", cwd=work)
    git(env, "checkout", "-q", "-b", "onto", "main", cwd=work)
    with open(os.path.join(work, "o"), "w") as f:
        f.write("onto\n")
    git(env, "add", "o", cwd=work)
    git(env, "commit", "-q", "-m", "onto", cwd=work)
    git(env, "checkout", "-q", "main", cwd=work)
    return work, tip


def install(env, work, hook):
    if hook == "empty shell hook":
        p = os.path.join(work, ".git", "hooks", "reference-transaction")
        with open(p, "w") as f:
            f.write(SHELL_HOOK)
        os.chmod(p, 0o755)
    elif hook == "dotgit-deploy --client":
        with open(os.path.join(work, ".git", "dotgit-deploy.ini"),
                  "w") as f:
            f.write(CONFIG)
        subprocess.run([BIN, "-C", work, "install-hook", "--client"],
                       env=env, check=True, stdout=subprocess.DEVNULL)


def operations(work, tip):
    """(name, command, preparation) for one work tree; the preparation
    is not timed."""
    q = shlex.quote(work)
    return [
        ("git commit",
         "git -C %s commit -q --allow-empty -m bench" % q,
         None),
        ("rebase of %d commits" % PICKS,
         "git -C %s rebase -q onto" % q,
         "git -C %s checkout -q -f topic && git -C %s reset -q --hard %s"
         % (q, q, tip)),
        ("git fetch creating %d tracking refs" % BRANCHES,
         "git -C %s fetch -q origin" % q,
         "git -C %s for-each-ref --format='delete %%(refname)' "
         "refs/remotes/ | git -C %s update-ref --stdin" % (q, q)),
    ]


def hyperfine(env, cmds, preps, tmp):
    """Times in ms of each command, by hyperfine."""
    out = os.path.join(tmp, "hyperfine.json")
    argv = ["hyperfine", "-N", "--style", "none", "--warmup", str(WARMUP),
            "--runs", str(RUNS), "--export-json", out]
    if any(preps):
        for p in preps:
            argv += ["--prepare", "sh -c %s" % shlex.quote(p or ":")]
    subprocess.run(argv + cmds, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    with open(out) as f:
        return [[t * 1000 for t in r["times"]]
                for r in json.load(f)["results"]]


def loop(env, cmds, preps):
    """Times in ms of each command, taking turns run by run."""
    times = [[] for _ in cmds]
    for i in range(WARMUP + RUNS):
        for k, (cmd, prep) in enumerate(zip(cmds, preps)):
            if prep:
                subprocess.run(prep, shell=True, env=env, check=True)
            t = time.perf_counter()
            subprocess.run(shlex.split(cmd), env=env, check=True)
            if i >= WARMUP:
                times[k].append((time.perf_counter() - t) * 1000)
    return times


def table(rows):
    head = "| command | " + " | ".join(HOOKS) + " | ours / shell |"
    lines = [head, "|" + "---|" * (len(HOOKS) + 2)]
    for name, stats in rows:
        cells = ["%.1f / %.1f" % s for s in stats]
        ratio = stats[2][0] / stats[1][0] if stats[1][0] else float("nan")
        lines.append("| %s | %s | %.2f |" % (name, " | ".join(cells),
                                             ratio))
    return "\n".join(lines)


def main():
    tool = "hyperfine" if shutil.which("hyperfine") else None
    base = tempfile.mkdtemp(prefix="dd-bench-client-")
    env = environment(base)
    try:
        bare = make_remote(env, base)
        works = []
        for i, hook in enumerate(HOOKS):
            work, tip = make_work(env, base, "w%d" % i, bare)
            install(env, work, hook)
            works.append(operations(work, tip))
        rows = []
        for k in range(len(works[0])):
            name = works[0][k][0]
            cmds = [w[k][1] for w in works]
            preps = [w[k][2] for w in works]
            print("timing %s ..." % name, file=sys.stderr)
            times = hyperfine(env, cmds, preps, base) if tool else \
                loop(env, cmds, preps)
            rows.append((name, [(statistics.median(t), p95(t))
                                for t in times]))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    version = subprocess.run([tool, "--version"], capture_output=True,
                             text=True).stdout.strip() if tool else \
        "a timing loop (hyperfine is not installed)"
    note = ("### Client hooks on commands that push nothing: %s\n\n"
            "Machine: %s; %s; timed by %s, %d runs after %d warm-ups. "
            "Each cell: median / p95 in ms.\n\n%s\n"
            % (datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %z"),
               machine(), git(env, "--version"), version, RUNS, WARMUP,
               table(rows)))
    print(note)
    fresh = not os.path.exists(RESULTS)
    with open(RESULTS, "a") as f:
        if fresh:
            f.write("# make bench results\n\nOne section per run of "
                    "bench/client_hooks.py, newest last.\n")
        f.write("\n" + note)
    print("appended to %s" % os.path.relpath(RESULTS, ROOT))


if __name__ == "__main__":
    main()
