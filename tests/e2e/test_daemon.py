# SPDX-License-Identifier: ISC
"""The daemon end to end: real pushes into a bare repository whose hook
queues jobs, the daemon draining the queue into the API emulator, faults
injected on the way, and what the emulator created counted."""
import os
import random
import signal
import subprocess
import time


from conftest import BIN, git
from daemonenv import (Daemon, Server, created_bodies, created_by_key,
                       daemon_config, emulator, fault_counts, report,
                       wait_until)
from daemonenv import emu, srv  # noqa: F401 (fixtures)
from repos import commit, write




def all_deployed_once(emu, expected, timeout):
    """Wait until every (branch, commit) of expected was created."""
    wait_until(lambda: all(created_bodies(emu)[k] >= 1 for k in expected),
               timeout, interval=0.1,
               message="not all deployed: %s" % fault_counts(emu, expected))
    counts = fault_counts(emu, expected)
    assert counts["lost"] == 0 and counts["duplicated"] == 0, counts
    assert counts["unexpected"] == 0, counts
    assert all(n == 1 for n in created_by_key(emu).values())
    return counts


def test_hook_in_queue_mode_queues_and_sends_nothing(srv, emu):
    os.unlink(srv.key)          # no key needed to queue
    head = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    r = srv.push("origin", "main")
    [job] = srv.jobs("new")
    assert ("remote: dotgit-deploy: main -> production: queued (job %s)"
            % job["id"]) in r.stderr
    assert job["commit"] == head and job["branch"] == "main"
    assert emu.requests() == []
    raw = open(os.path.join(srv.queue, "new", job["id"])).read()
    assert emu.key not in raw


def test_outage_pushes_all_deployed_once_when_api_returns(srv, emu):
    srv.daemon.start()
    srv.daemon.wait_log("started")
    emu.stop()
    n = 100
    heads = {}
    for i in range(n):
        h = srv.branch_commits([i])
        srv.push("origin", *h)
        heads.update(h)
    assert emu.requests() == [] or all(
        r["status"] != 201 for r in emu.deployment_posts())
    emu.start()
    expected = {(b, c) for b, c in heads.items()}
    counts = all_deployed_once(emu, expected, timeout=40)
    counts["tries_while_down"] = srv.daemon.text().count(": cannot reach ")
    report("outage %d pushes" % n, counts)
    wait_until(lambda: srv.pending() == 0, 5)
    assert srv.daemon.stop() == 0


def test_sigkill_twenty_times_loses_and_doubles_nothing(tmp_path, env):
    emu = emulator(tmp_path, "--plan", "100000", "--slow", "0.02")
    try:
        srv = Server(tmp_path, env, emu)
        heads = srv.branch_commits(range(60))
        srv.push("origin", *heads)
        assert len(srv.jobs("new")) == 60
        rnd = random.Random(5)
        kills = 0
        while kills < 20:
            srv.daemon.start()
            time.sleep(rnd.uniform(0.01, 0.25))   # a random point
            srv.daemon.kill()
            kills += 1
        srv.daemon.start()
        counts = all_deployed_once(emu, set(heads.items()), timeout=40)
        counts["kills"] = kills
        report("sigkill x20", counts)
        wait_until(lambda: srv.pending() == 0, 5)
        assert srv.daemon.stop() == 0
    finally:
        emu.stop()


def test_random_5xx_and_resets_all_deployed_once(tmp_path, env):
    emu = emulator(tmp_path, "--plan", "100000", "--fail-rate", "0.3",
                   "--reset-rate", "0.1", "--seed", "3")
    try:
        srv = Server(tmp_path, env, emu)
        heads = srv.branch_commits(range(20), prefix="feature/f")
        heads.update(srv.branch_commits(range(20), prefix="release/r"))
        srv.push("origin", *heads)
        srv.daemon.start()
        counts = all_deployed_once(emu, set(heads.items()), timeout=60)
        stats = emu.stats()
        counts["faults_injected"] = stats["faults_injected"]
        counts["resets"] = stats["resets"]
        report("30% 5xx + 10% resets", counts)
        assert stats["faults_injected"] > 0
        assert srv.daemon.stop() == 0
    finally:
        emu.stop()


def test_rate_limit_paced_without_a_single_429(tmp_path, env):
    # 20 requests per 2 s window (600/min scaled down 30x); plan = 600
    emu = emulator(tmp_path, "--plan", "20", "--rate-window", "2")
    try:
        srv = Server(tmp_path, env, emu, plan=600)
        heads = srv.branch_commits(range(200))
        srv.push("origin", *heads)
        assert len(srv.jobs("new")) == 200
        srv.daemon.start()
        counts = all_deployed_once(emu, set(heads.items()), timeout=60)
        report("rate limit 20/2s, 200 jobs", counts)
        assert counts["responses_429"] == 0
        assert "pacing: next request in" in srv.daemon.text()
        assert srv.daemon.stop() == 0
    finally:
        emu.stop()


def test_coalescing_sends_only_the_newest(srv, emu):
    heads = []
    for i in range(5):
        heads.append(commit(srv.work, srv.env, msg="c%d" % i))
        srv.push("origin", "main")
    assert len(srv.jobs("new")) == 5
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert created_bodies(emu) == {("main", heads[-1]): 1}
    done = srv.jobs("done")
    superseded = [j for j in done if (j["last_error"] or "").startswith(
        "superseded by ")]
    assert sorted(j["commit"] for j in superseded) == sorted(heads[:-1])
    assert srv.daemon.text().count(" superseded by job ") == 4


def test_coalescing_keeps_the_newest_of_each_ref(srv, emu):
    """Pushes to two branches of one environment, taking turns: each
    job is superseded by the newest job of its own branch (coalescing
    groups the queue by target, not by position)."""
    heads = {"feature/a": [], "feature/b": []}
    git("checkout", "-q", "-b", "feature/a", cwd=srv.work, env=srv.env)
    git("checkout", "-q", "-b", "feature/b", cwd=srv.work, env=srv.env)
    for i in range(3):
        for b in ("feature/a", "feature/b"):
            git("checkout", "-q", b, cwd=srv.work, env=srv.env)
            heads[b].append(commit(srv.work, srv.env, name="%s-%d" % (
                b.replace("/", "-"), i), msg="%s %d" % (b, i)))
            srv.push("origin", b)
    jobs = {j["commit"]: j["id"] for j in srv.jobs("new")}
    assert len(jobs) == 6
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert created_bodies(emu) == {("feature/a", heads["feature/a"][-1]): 1,
                                   ("feature/b", heads["feature/b"][-1]): 1}
    done = {j["commit"]: j["last_error"] or "" for j in srv.jobs("done")}
    for b, commits in heads.items():
        for c in commits[:-1]:
            assert done[c].startswith("superseded by %s" % jobs[commits[-1]])


def test_coalescing_off_sends_all_in_order(srv, emu):
    srv.write_config(daemon="coalesce = false\n")
    heads = []
    for i in range(3):
        heads.append(commit(srv.work, srv.env, msg="c%d" % i))
        srv.push("origin", "main")
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    sent = [r["body"]["commit_hash"] for r in emu.deployment_posts()]
    assert sent == heads


PATH_RULES = """\
[branch "main"]
environment = production
paths = web/
"""


def test_path_filter_judges_a_push_against_the_last_deploy(srv, emu):
    srv.write_config(rules=PATH_RULES)
    first = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    srv.push("origin", "main")
    srv.daemon.start()
    wait_until(lambda: len(emu.created_deployments()) == 1, 15)
    # three commits in one push: only the middle one touches web/
    commit(srv.work, srv.env, name="docs/a.md", msg="docs 1")
    commit(srv.work, srv.env, name="web/index.html", msg="web")
    third = commit(srv.work, srv.env, name="docs/b.md", msg="docs 2")
    srv.push("origin", "main")
    wait_until(lambda: len(emu.created_deployments()) == 2, 15)
    assert created_bodies(emu) == {("main", first): 1, ("main", third): 1}
    # then a push that does not touch web/: judged against `third`
    fourth = commit(srv.work, srv.env, name="docs/c.md", msg="docs 3")
    srv.push("origin", "main")
    srv.daemon.wait_log(r"main -> production: not deployed: no change "
                        r"under web/ since %s" % third[:7])
    assert len(emu.created_deployments()) == 2
    # the log line comes just before the job file moves to done/
    wait_until(lambda: [j for j in srv.jobs("done")
                        if j["commit"] == fourth], 5)
    [job] = [j for j in srv.jobs("done") if j["commit"] == fourth]
    assert job["last_error"].startswith("no change under web/")
    assert srv.daemon.stop() == 0


def test_corrupt_queue_file_is_moved_aside(srv, emu):
    srv.daemon.start()
    srv.daemon.wait_log("started")
    os.makedirs(os.path.join(srv.queue, "new"), exist_ok=True)
    bad = os.path.join(srv.queue, "tmp", "0000000000000001.1.1")
    write(bad, "{not json")
    os.rename(bad, os.path.join(srv.queue, "new", "0000000000000001.1.1"))
    srv.daemon.wait_log(r"0000000000000001\.1\.1")
    assert os.listdir(os.path.join(srv.queue, "bad")) == [
        "0000000000000001.1.1"]
    head = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    srv.push("origin", "main")
    wait_until(lambda: created_bodies(emu) == {("main", head): 1}, 15)
    assert srv.daemon.stop() == 0


def test_sighup_bad_config_kept_good_config_applied(tmp_path, srv, emu):
    srv.daemon.start()
    srv.daemon.wait_log("started")
    good = open(srv.daemon_ini).read()
    write(srv.daemon_ini, good + "\n[daemon]\nbogus_key = 1\n")
    srv.daemon.signal(signal.SIGHUP)
    srv.daemon.wait_log(r"reloading the configuration: .*bogus_key.*; "
                        r"keeping the old one")
    head = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    srv.push("origin", "main")
    wait_until(lambda: len(emu.created_deployments()) == 1, 15)
    # a good one: another platform
    emu2 = emulator(tmp_path, "--plan", "100000", name="emu2")
    try:
        write(srv.daemon_ini, daemon_config(
            emu2, srv.key, srv.queue, url=emu2.url, ca=emu2.ca,
            repos=srv.bare))
        srv.daemon.signal(signal.SIGHUP)
        srv.daemon.wait_log("configuration reloaded from ")
        second = commit(srv.work, srv.env, msg="after reload")
        srv.push("origin", "main")
        wait_until(lambda: len(emu2.created_deployments()) == 1, 15)
        assert created_bodies(emu2) == {("main", second): 1}
        assert created_bodies(emu) == {("main", head): 1}
        assert srv.daemon.stop() == 0
    finally:
        emu2.stop()


def test_sigterm_with_a_slow_request_exits_and_loses_nothing(srv, emu):
    emu.set_faults(slow=30)
    head = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    srv.push("origin", "main")
    srv.daemon.start()
    wait_until(lambda: len(srv.jobs("cur")) == 1, 10)
    # the emulator made the deployment and sits on the reply for 30 s
    wait_until(lambda: len(created_by_key(emu)) == 1, 10)
    t = time.monotonic()
    srv.daemon.signal(signal.SIGTERM)
    assert srv.daemon.proc.wait(10) == 0
    assert time.monotonic() - t < 5
    assert "request abandoned" in srv.daemon.last_run()
    assert len(srv.jobs("new")) == 1 and srv.jobs("cur") == []
    emu.set_faults(slow=0)
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert created_bodies(emu) == {("main", head): 1}
    assert list(created_by_key(emu).values()) == [1]
    # the second request carried the same key: answered with the first
    assert [r["replayed"] for r in emu.deployment_posts()] == [True]


def test_repository_watch_deploys_moves_once(tmp_path, env, emu):
    up = str(tmp_path / "upstream")
    git("init", "-q", "-b", "main", up, env=env)
    commit(up, env, msg="one")
    mirrors = tmp_path / "mirrors"
    mirrors.mkdir()
    mirror = str(mirrors / "app.git")
    git("clone", "-q", "--mirror", up, mirror, env=env)
    key = write(tmp_path / "key", emu.key + "\n", mode=0o600)
    cfg = write(tmp_path / "daemon.ini", daemon_config(
        emu, key, str(tmp_path / "queue"),
        daemon="repos = %s/*.git\n" % mirrors))
    d = Daemon(cfg, tmp_path / "daemon.log", env).start()
    try:
        d.wait_log(r"watching '.*app\.git/': 1 branches and tags recorded")
        d.wait_log(r"looked at '.*app\.git/'")
        assert emu.requests() == []          # first sight: nothing sent
        two = commit(up, env, msg="two")
        git("fetch", "-q", cwd=mirror, env=env)
        wait_until(lambda: len(emu.created_deployments()) == 1, 15)
        assert created_bodies(emu) == {("main", two): 1}
        # a new branch in a repository already watched deploys too
        git("branch", "feature/x", cwd=up, env=env)
        git("fetch", "-q", cwd=mirror, env=env)
        wait_until(lambda: len(emu.created_deployments()) == 2, 15)
        assert d.stop() == 0
        d.start()
        d.wait_log(r"looked at '.*app\.git/'")
        d.wait_log(r"looked at '.*app\.git/'(.|\n)*looked at")
        assert len(emu.deployment_posts()) == 2
        assert d.stop() == 0
    finally:
        if d.proc.poll() is None:
            d.kill()


def test_direct_mode_api_down_leaves_the_job_queued(srv, emu):
    srv.write_config(hook="direct")
    emu.stop()
    r = srv.push("origin", "main")
    [job] = srv.jobs("new")
    assert ("remote: dotgit-deploy: main -> production: API unreachable, "
            "queued for retry (job %s)" % job["id"]) in r.stderr
    emu.start()
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert len(emu.created_deployments()) == 1
    assert srv.daemon.stop() == 0


def test_direct_mode_deploys_and_records_in_the_ledger(srv, emu):
    """Direct mode keeps what it deployed in the repository's own
    ledger; the hook run again by hand is a new request and deploys."""
    srv.write_config(hook="direct")
    r = srv.push("origin", "main")
    assert "remote: dotgit-deploy: main -> production: dep_" in r.stderr
    assert srv.jobs("new") == []
    ledger = os.path.join(srv.bare, "dotgit-deploy", "ledger")
    [sent] = os.listdir(os.path.join(ledger, "idem"))
    assert sent == emu.deployment_posts()[0]["idempotency_key"]
    head = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    [last] = os.listdir(os.path.join(ledger, "deployed"))
    with open(os.path.join(ledger, "deployed", last)) as f:
        assert f.read() == head + "\n"
    r = subprocess.run([BIN, "hook", "post-receive"], cwd=srv.bare,
                       input="%s %s refs/heads/main\n" % ("0" * 40, head),
                       env=dict(srv.env, GIT_DIR="."), capture_output=True,
                       text=True, timeout=30)
    assert "main -> production: dep_" in r.stderr
    posts = emu.deployment_posts()
    assert len(posts) == 2 and posts[0]["idempotency_key"] != \
        posts[1]["idempotency_key"]


def test_proxy_html_200_is_not_a_deployment(srv, emu):
    emu.set_faults(bad_body="html", bad_body_first=1)
    head = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    srv.push("origin", "main")
    srv.daemon.start()
    wait_until(lambda: created_bodies(emu) == {("main", head): 1}, 15)
    wait_until(lambda: srv.pending() == 0, 5)
    assert srv.daemon.stop() == 0
    assert "not a deployment" in srv.daemon.text()
    [job] = srv.jobs("done")
    assert job["attempts"] == 1 and job["deployment_id"].startswith("dep_")


def test_permanent_failure_goes_to_failed(srv, emu):
    srv.write_config()
    text = open(srv.daemon_ini).read().replace("proj_8f2a9c", "proj_nope")
    write(srv.daemon_ini, text)
    write(srv.hook_ini, text)
    srv.push("origin", "main")
    srv.daemon.start()
    wait_until(lambda: len(srv.jobs("failed")) == 1, 15)
    [job] = srv.jobs("failed")
    assert "project 'proj_nope' not found (404)" in job["last_error"]
    assert len(emu.deployment_posts()) == 1
    assert srv.daemon.stop() == 0


def test_gives_up_after_give_up_after(srv, emu):
    srv.write_config(daemon="give_up_after = 2\n")
    emu.stop()
    srv.push("origin", "main")
    srv.daemon.start()
    wait_until(lambda: len(srv.jobs("failed")) == 1, 15)
    [job] = srv.jobs("failed")
    assert job["last_error"].startswith("gave up after ")
    assert "cannot reach" in job["last_error"]
    assert srv.daemon.stop() == 0


def test_daemon_without_a_queue_is_a_config_error(tmp_path, env, emu):
    key = write(tmp_path / "key", emu.key + "\n", mode=0o600)
    cfg = write(tmp_path / "c.ini", "[api]\nurl = %s\nkey_file = %s\n"
                "[project]\nid = p\n" % (emu.url, key))
    r = subprocess.run([BIN, "-c", cfg, "daemon"], env=env,
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert "the daemon needs [daemon] queue = DIR" in r.stderr


def test_project_name_is_looked_up_once(srv, emu):
    srv.write_config(project="name = main-app")
    heads = srv.branch_commits(range(3))
    srv.push("origin", *heads)
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert set(created_bodies(emu)) == set(heads.items())
    assert {r["path"] for r in emu.deployment_posts()} == {
        "/v1/projects/proj_8f2a9c/deployments"}
    assert len(emu.requests(method="GET")) == 1


def test_journal_priorities_and_status(tmp_path, srv, emu):
    """Under systemd: each line carries its syslog priority when stderr is
    the journal, and STATUS= says what the daemon is doing."""
    import socket
    sock_path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(15)
    with open(srv.daemon.log, "a"):
        pass
    st = os.stat(srv.daemon.log)
    srv.daemon.env = dict(srv.env, NOTIFY_SOCKET=sock_path,
                          JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
    emu.stop()
    srv.push("origin", "main")
    try:
        srv.daemon.start()
        seen = []
        while not any(m.startswith("STATUS=1 job waiting; next attempt "
                                   "in ") for m in seen):
            seen += sock.recv(4096).decode().split("\n")
        assert "READY=1" in seen
        srv.daemon.wait_log(r"<4>dotgit-deploy: warning: job .*: cannot "
                            r"reach https://127\.0\.0\.1")
        assert "<6>dotgit-deploy: started: queue '" in srv.daemon.text()
        emu.start()
        while "STATUS=idle: nothing queued" not in seen:
            seen += sock.recv(4096).decode().split("\n")
        assert srv.daemon.stop() == 0
        assert len(emu.created_deployments()) == 1
    finally:
        sock.close()
