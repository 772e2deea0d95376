#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""`make bench`: every benchmark of bench/ in one run, each measured
against its baseline in that same run, every table printed, and one
section written to bench/results.md with the machine and the date (a
full run also rewrites the headline figures at the top of the file).

    make bench                  # the full run, under 5 minutes
    make bench BENCH_QUICK=1    # a CI-size run (smaller sizes, fewer runs)

BENCH_RESULTS=FILE writes the section to FILE instead ("-": nowhere).
BENCH_ONLY="1 4" runs only those items (1-2 push, 3 client hooks,
4 direct deploy, 5 throughput, 6 pacing, 7 scale). Asserts nothing:
speed lives here, never in the tests."""
import os
import re
import subprocess
import sys
import tempfile
import time

import common as c

RESULTS = os.environ.get("BENCH_RESULTS",
                         os.path.join(c.ROOT, "bench", "results.md"))
ONLY = os.environ.get("BENCH_ONLY", "").split()
HEAD_START = "<!-- headlines: rewritten by each full run of make bench -->"
HEAD_END = "<!-- /headlines -->"
TITLE = ("# make bench results\n\nOne section per run of `make bench` "
         "(bench/run.py), newest last; older sections are the runs of "
         "the single benchmarks before it.\n")


def wanted(*items):
    return not ONLY or any(str(i) in ONLY for i in items)


def client_hooks(rep):
    """Item 3: bench/client_hooks.py as it is, its note taken in."""
    fd, tmp = tempfile.mkstemp(prefix="dd-bench-client-", suffix=".md")
    os.close(fd)
    os.unlink(tmp)
    env = dict(os.environ, BENCH_RESULTS=tmp,
               BENCH_RUNS=os.environ.get("BENCH_CLIENT_RUNS",
                                         "10" if c.QUICK else "15"))
    c.progress("client hooks (bench/client_hooks.py)")
    subprocess.run([sys.executable, os.path.join(c.ROOT, "bench",
                                                 "client_hooks.py")],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    try:
        with open(tmp) as f:
            note = f.read()
    finally:
        os.unlink(tmp)
    # the machine is in the section's header already
    body = re.sub(r"^Machine: .*?; (timed by)", r"\1",
                  note[note.index("\nMachine:") + 1:].strip())
    body = body[0].upper() + body[1:]
    rep.add("3. Client hooks on commands that push nothing", body)
    for line in body.splitlines():
        cells = [x.strip() for x in line.strip("|").split("|")]
        if len(cells) == 5 and re.match(r"^\d", cells[4]):
            r = float(cells[4])
            rep.headline("client hooks, %s: ours / empty shell hook"
                         % cells[0], "%.2f" % r, "<= 1", r <= 1)


def verdict(unit, points):
    """How a cost grows, from its last two sizes."""
    (s0, v0), (s1, v1) = points[-2], points[-1]
    if "total" in unit:
        g = (v1 - points[0][1]) / points[0][1] if points[0][1] else 0
        return "flat (%+.0f %%)" % (g * 100) if abs(g) <= 0.1 else \
            "grows (%+.0f %%)" % (g * 100)
    if v0 <= 0 or v1 <= 0:
        return "too small to tell"
    r = v1 / v0
    if r > 1.25:
        return "worse than linear (x%.2f per unit from %d to %d)" % (
            r, s0, s1)
    if r < 0.8:
        return "better than linear (a fixed cost spread)"
    return "linear"


def growth_tables(rep):
    out = []
    for item in (2, 5, 7):
        series = [s for s in rep.series if s[0] == item]
        if not series:
            continue
        rows = []
        for _, name, unit, points in series:
            rows.append(["%s (%s)" % (name, unit),
                         " / ".join("%d" % p[0] for p in points),
                         " / ".join(fmt(p[1]) for p in points),
                         verdict(unit, points)])
        out.append("Item %d:\n\n%s" % (item, c.table(
            ["cost", "at sizes", "figures", "growth"], rows)))
    if out:
        rep.add("8. Cost growth", "\n\n".join(out) + "\n\nGrowth reads the "
                "cost per unit at the two largest sizes: the same (within "
                "25 %) is linear.")


def fmt(v):
    return "%.0f" % v if abs(v) >= 100 else "%.2f" % v


def headline_table(rep):
    return c.table(["figure", "measured", "goal", ""],
                   [[name, fig, target or "-",
                     c.goal(met) if target else "-"]
                    for name, fig, target, met in rep.headlines])


def headlines_md(rep, when):
    return "%s\n## Headline figures\n\nFrom the full run of %s (section " \
           "below).\n\n%s\n%s\n" % (HEAD_START, when, headline_table(rep),
                                    HEAD_END)


def write_results(rep, section, when):
    if RESULTS == "-":
        return
    text = ""
    if os.path.exists(RESULTS):
        with open(RESULTS) as f:
            text = f.read()
    if not text.startswith(TITLE):
        text = TITLE + re.sub(r"^# make bench results\n\n[^\n]*\n", "",
                              text)
    if HEAD_START not in text:
        text = TITLE + "\n" + HEAD_START + "\n" + HEAD_END + "\n" + \
            text[len(TITLE):]
    if not c.QUICK:
        a = text.index(HEAD_START)
        b = text.index(HEAD_END) + len(HEAD_END) + 1
        text = text[:a] + headlines_md(rep, when) + text[b:]
    with open(RESULTS, "w") as f:
        f.write(text.rstrip("\n") + "\n\n" + section)
    print("\nwritten to %s" % os.path.relpath(RESULTS, c.ROOT))


def section(rep, when, header, secs):
    parts = ["## make bench%s: %s\n\n%s\n\nTook %.0f s.\n" % (
        " (BENCH_QUICK=1)" if c.QUICK else "", when, header, secs)]
    if rep.headlines:
        parts.append("### Headline figures\n\n" + headline_table(rep) +
                     "\n")
    for heading, text in rep.parts:
        parts.append("### %s\n\n%s\n" % (heading, text))
    return "\n".join(parts)


def main():
    import hook_overhead
    import direct_deploy
    import daemon_throughput
    import pacing
    import scale

    when = c.now_text()
    env = c.environment(tempfile.gettempdir())
    header = ("Machine: %s; load average at the start %s; %s; %s; "
              "timed by %s. Medians and p95 in ms unless said "
              "otherwise." % (c.machine(), c.load(),
                              c.run(["git", "--version"], env),
                              c.run([c.BIN, "--version"], env).splitlines()[0],
                              c.timer_name()))
    print("make bench%s: %s\n%s" % (" (quick)" if c.QUICK else "", when,
                                    header), flush=True)
    t = time.monotonic()
    rep = c.Report()
    steps = [((1, 2), hook_overhead.run), ((3,), None),
             ((4,), direct_deploy.run), ((5,), daemon_throughput.run),
             ((6,), pacing.run), ((7,), scale.run)]
    for items, fn in steps:
        if not wanted(*items):
            continue
        if fn is None:
            client_hooks(rep)
        else:
            rep.extend(fn())
    growth_tables(rep)
    secs = time.monotonic() - t
    print("\n### Headline figures\n\n" + headline_table(rep))
    print("\nmake bench took %.0f s" % secs)
    write_results(rep, section(rep, when, header, secs), when)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
