#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""What a server hook adds to `git push`, measured side by side in one
run (hyperfine, the cases taking turns in rounds):

1. a push of one new commit with no hook, an empty shell hook, the
   hand-written hook people use today (`git rev-parse` + `curl` POST of
   the same body to the same emulator), dotgit-deploy in queue mode and
   in direct mode (against the local emulator): median and p95, and
   what each adds over no hook;
2. one push of 1, 10, 100 and 1000 new refs (BENCH_QUICK: up to 100),
   no hook vs queue mode: what each ref adds, in microseconds.

Prints the tables; asserts nothing. BENCH_RUNS sets the runs of (1)."""
import os
import shlex

import common as c
from common import ms, plus

QUICK = c.QUICK
RUNS = int(os.environ.get("BENCH_RUNS", "20" if QUICK else "40"))
REF_SIZES = [1, 10, 100] if QUICK else [1, 10, 100, 1000]
TRACES = 3 if QUICK else 7
REF_RUNS = {1: 20, 10: 20, 100: 10, 1000: 5}
if QUICK:
    REF_RUNS = {1: 10, 10: 10, 100: 6}

SHELL_HOOK = "#!/bin/sh\nexit 0\n"
# The hook people write by hand: per ref, one rev-parse and one curl.
CURL_HOOK = """#!/bin/sh
# post-receive: deploy each pushed branch (written by hand)
while read -r old new ref; do
	commit=$(git rev-parse "$new^{commit}") || continue
	curl -sS -o /dev/null --max-time 10 --cacert %(ca)s -H @%(hdrs)s \\
	    --data-binary "{\\"branch\\":\\"${ref#refs/heads/}\\",\\
\\"environment\\":\\"production\\",\\"commit_hash\\":\\"$commit\\",\\
\\"env_vars\\":{}}" %(url)s/projects/%(project)s/deployments
done
"""


def curl_headers(sc, emu):
    """Authorization and Content-Type for curl -H @FILE (0600: the key
    stays off command lines)."""
    return c.write(sc.path("curl-headers"),
                   "Authorization: Bearer %s\n"
                   "Content-Type: application/json\n" % emu.key, 0o600)


def install_script(bare, text):
    c.write(os.path.join(bare, "hooks", "post-receive"), text, 0o755)


def install_ours(sc, bare, cfg):
    c.write(os.path.join(bare, "dotgit-deploy.ini"), cfg)
    c.run([c.BIN, "-C", bare, "install-hook", "--server"], sc.env)


def one_commit_cases(sc, emu, key):
    """(name, installer) of the five cases of a one-commit push."""
    common = c.api_config(emu, key) + \
        "[branch \"main\"]\nenvironment = production\n"
    queue = sc.path("queue")
    hdrs = curl_headers(sc, emu)
    curl_hook = CURL_HOOK % {"ca": shlex.quote(emu.ca),
                             "hdrs": shlex.quote(hdrs), "url": emu.url,
                             "project": c.PROJECT}
    return [
        ("no hook", lambda bare: None),
        ("empty shell hook", lambda bare: install_script(bare, SHELL_HOOK)),
        ("rev-parse + curl hook",
         lambda bare: install_script(bare, curl_hook)),
        # [daemon] repos: the hook queues only for a repository the
        # daemon serves (else it says so and queues nothing)
        ("dotgit-deploy, queue mode", lambda bare: install_ours(
            sc, bare, common + "[hook]\nmode = queue\n[daemon]\n"
            "queue = %s\nrepos = %s\n" % (queue, bare))),
        ("dotgit-deploy, direct mode", lambda bare: install_ours(
            sc, bare, common + "[hook]\nmode = direct\n")),
    ]


def setup_push(sc, name, install):
    bare = sc.path(name + ".git")
    work = sc.path(name)
    c.git(sc.env, "init", "-q", "--bare", "-b", "main", bare)
    c.git(sc.env, "init", "-q", "-b", "main", work)
    for k, v in (("gc.auto", "0"), ("maintenance.auto", "false")):
        c.git(sc.env, "config", k, v, cwd=work)
        c.git(sc.env, "config", k, v, cwd=bare)
    c.git(sc.env, "remote", "add", "origin", bare, cwd=work)
    c.git(sc.env, "commit", "-q", "--allow-empty", "-m", "0", cwd=work)
    install(bare)
    c.git(sc.env, "push", "-q", "origin", "main", cwd=work)
    return work


def received(emu):
    """Deployment POSTs the emulator got, by client; a case that sent
    nothing (or another body) would make the figures meaningless."""
    n = {"curl": 0, "dotgit-deploy": 0}
    for r in emu.deployment_posts():
        who = (r["user_agent"] or "").split("/")[0]
        if who in n and r["status"] == 201:
            n[who] += 1
        if sorted(r["body"]) != ["branch", "commit_hash", "env_vars",
                                 "environment"]:
            raise RuntimeError("unexpected deployment body: %r"
                               % r["body"])
    if 0 in n.values():
        raise RuntimeError("a hook sent no deployment: %r" % n)
    return n


def queued(queue, least):
    """The jobs in queue/new; fewer than `least` means the hook did not
    queue what it was timed for."""
    n = len(os.listdir(os.path.join(queue, "new")))
    if n < least:
        raise RuntimeError("the queue-mode hook queued %d jobs, not %d"
                           % (n, least))
    return n


def push_overhead(sc, emu, key, rep):
    cases = one_commit_cases(sc, emu, key)
    c.run([c.BIN, "queue", "--queue-dir", sc.path("queue"), "init"],
          sc.env)
    works = [setup_push(sc, "p%d" % i, inst)
             for i, (_, inst) in enumerate(cases)]
    cmds = [["git", "-C", w, "push", "-q", "origin", "main"] for w in works]
    preps = ["git -C %s commit -q --allow-empty -m x" % shlex.quote(w)
             for w in works]
    c.progress("push overhead: %d cases x %d pushes" % (len(cmds), RUNS))
    times = c.hyperfine(cmds, sc.env, RUNS, warmup=3, prepares=preps,
                        rounds=4)
    med = [c.median(t) for t in times]
    hi = [c.p95(t) for t in times]
    rows = []
    for k, (name, _) in enumerate(cases):
        rows.append([name, ms(med[k]), ms(hi[k]),
                     plus(med[k] - med[0]) if k else "-",
                     plus(hi[k] - hi[0]) if k else "-"])
    add = {name: med[k] - med[0] for k, (name, _) in enumerate(cases)}
    sent = received(emu)
    sent["queued"] = queued(sc.path("queue"), RUNS)
    q = c.ratio(add["dotgit-deploy, queue mode"], add["empty shell hook"])
    d = c.ratio(add["dotgit-deploy, direct mode"],
                add["rev-parse + curl hook"])
    text = c.table(["hook", "push median ms", "p95 ms",
                    "added (median) ms", "added (p95) ms"], rows)
    text += ("\n\nGoals, on the median added time: queue mode adds no more "
             "than the empty shell hook (ratio %s, goal <= 1: %s); "
             "direct mode adds <= 0.8x what the rev-parse + curl hook "
             "adds (ratio %s: %s). %d pushes of one new commit per "
             "case, the cases taking turns in 4 rounds; the rev-parse + "
             "curl hook posts the same body to the same emulator as "
             "direct mode (the emulator received %d deployment POSTs "
             "from curl, %d from dotgit-deploy; queue mode queued %d "
             "jobs)." % (c.num(q), c.goal(c.within(q, 1)), c.num(d),
                         c.goal(c.within(d, 0.8)), RUNS,
                         sent["curl"], sent["dotgit-deploy"],
                         sent["queued"]))
    rep.add("1. Push overhead: what a post-receive hook adds to git push",
            text)
    rep.headline("queue-mode hook added / empty shell hook added",
                 "%s (%s ms vs %s ms)" % (
                     c.num(q), plus(add["dotgit-deploy, queue mode"]),
                     plus(add["empty shell hook"])), "<= 1", c.within(q, 1))
    rep.headline("direct-mode hook added / rev-parse + curl hook added",
                 "%s (%s ms vs %s ms)" % (
                     c.num(d), plus(add["dotgit-deploy, direct mode"]),
                     plus(add["rev-parse + curl hook"])), "<= 0.8",
                 c.within(d, 0.8))


def hook_timeline(sc, rep):
    """strace -ttt of the direct-mode hook run as git runs it (in the
    bare repository, GIT_DIR=., one ref on stdin)."""
    if not c.have_strace():
        return
    import direct_deploy
    bare = sc.path("p4.git")         # the direct-mode case
    commit = c.git(sc.env, "rev-parse", "main", cwd=bare)
    events = c.strace_timeline(
        [os.path.join(bare, "hooks", "post-receive")],
        dict(sc.env, GIT_DIR="."), direct_deploy.EVENTS, TRACES, cwd=bare,
        stdin="%s %s refs/heads/main\n" % (commit, commit))
    rep.add("1b. Timeline of one direct-mode hook run (strace)",
            c.timeline_table(events) +
            "\n\nThe post-receive hook (our binary) run as git runs it, "
            "in the bare repository with GIT_DIR=. and one ref on stdin; "
            "strace -f -ttt (traced: %s), median of %d runs. The fsyncs "
            "after the request are the repository's ledger (what was "
            "sent, what was deployed)."
            % (c.TRACED.replace(",", ", "), TRACES))


def refs_setup(sc, emu, key):
    """A work tree with nN/bI branches for each size (distinct commits)
    and two bare repositories: no hook, and ours in queue mode."""
    work = sc.path("refs-work")
    c.git(sc.env, "init", "-q", "-b", "main", work)
    for n in REF_SIZES:
        c.branches(sc.env, work, range(n), prefix="n%d/b" % n)
    queue = sc.path("refs-queue")
    c.run([c.BIN, "queue", "--queue-dir", queue, "init"], sc.env)
    bares = []
    for name in ("nohook", "queue"):
        bare = sc.path("refs-%s.git" % name)
        c.git(sc.env, "init", "-q", "--bare", "-b", "main", bare)
        c.git(sc.env, "config", "gc.auto", "0", cwd=bare)
        bares.append(bare)
    install_ours(sc, bares[1], c.api_config(emu, key) +
                 "[branch \"**\"]\nenvironment = preview\n"
                 "[daemon]\nqueue = %s\nrepos = %s\n" % (queue, bares[1]))
    return work, bares, queue


def many_refs(sc, emu, key, rep):
    work, bares, queue = refs_setup(sc, emu, key)
    rows = []
    growth = {}
    for n in REF_SIZES:
        spec = "refs/heads/n%d/*:refs/heads/n%d/*" % (n, n)
        cmds = [["git", "-C", work, "push", "-q", b, spec] for b in bares]
        # each timed push creates the N refs again: the preparation
        # deletes them on the server (and the jobs the last one queued)
        preps = ["git -C {b} for-each-ref --format='delete %(refname)' "
                 "refs/heads/n{n}/ | git -C {b} update-ref --stdin".format(
                     b=shlex.quote(b), n=n) for b in bares]
        preps[1] += " && find %s/new -type f -delete" % shlex.quote(queue)
        c.progress("push of %d refs: %d pushes each" % (n, REF_RUNS[n]))
        t = c.hyperfine(cmds, sc.env, REF_RUNS[n], warmup=1,
                        prepares=preps, rounds=2)
        queued(queue, n)            # the last timed push's jobs
        m = [c.median(x) for x in t]
        h = [c.p95(x) for x in t]
        per = (m[1] - m[0]) * 1000 / n
        growth[n] = per
        rows.append([n, "%s / %s" % (ms(m[0]), ms(h[0])),
                     "%s / %s" % (ms(m[1]), ms(h[1])),
                     plus(m[1] - m[0]), "%.0f" % per,
                     "%.0f" % (m[0] * 1000 / n)])
    text = c.table(["refs in one push", "no hook ms (median / p95)",
                    "queue mode ms (median / p95)", "added ms",
                    "added µs per ref", "push µs per ref (no hook)"], rows)
    text += ("\n\nEach ref is a new branch with its own commit; the server "
             "refs (and queued jobs) are deleted before every timed push, "
             "so each push creates N refs and the hook queues N jobs. "
             "Growth: the added µs per ref stays flat when the cost is "
             "linear in the refs.")
    rep.add("2. Pushes of many refs: queue mode vs no hook", text)
    rep.growth(2, "push in queue mode: added time", "µs per ref",
               sorted(growth.items()))
    big = REF_SIZES[-1]
    rep.headline("queue mode, push of %d refs: added per ref" % big,
                 "%.0f µs" % growth[big])


def run():
    rep = c.Report()
    with c.Scratch("push") as sc:
        emu = c.Emulator(sc.path("emu"), "--plan", "100000000",
                         "--save-every", c.SAVE_EVERY).start()
        try:
            key = c.key_file(emu, sc.path("key"))
            push_overhead(sc, emu, key, rep)
            hook_timeline(sc, rep)
            many_refs(sc, emu, key, rep)
        finally:
            emu.stop()
    return rep


if __name__ == "__main__":
    run()
