# SPDX-License-Identifier: ISC
"""dotgit-deploy queue: listing, retry and drop on a spool directory."""
import json
import os

import pytest

from conftest import run
from queuefiles import init_spool, job_doc, names, read_job, write_job

C1 = "0123456789abcdef0123456789abcdef01234567"
C2 = "89abcdef0123456789abcdef0123456789abcdef"
C3 = "fedcba9876543210fedcba9876543210fedcba98"
C4 = "00112233445566778899aabbccddeeff00112233"


@pytest.fixture
def qdir(tmp_path, env):
    """A spool made by `queue init`, as the daemon does."""
    d = str(tmp_path / "spool")
    init_spool(d, env)
    return d


def queue(qdir, *args, env=None):
    return run("queue", "--queue-dir", qdir, *args, env=env)


def fill(qdir):
    """One job in each state, and each outcome of done/; their ids."""
    ids = {}
    ids["pending"] = write_job(qdir, "new", job_doc(
        branch="main", commit=C1, age=180))
    ids["in-flight"] = write_job(qdir, "cur", job_doc(
        branch="release/1", environment="staging", commit=C2, age=30,
        attempts=1))
    ids["failed"] = write_job(qdir, "failed", job_doc(
        branch="feat/\x1b[2J", environment="preview", commit=C3,
        age=7200, attempts=5, next_attempt=1767225660,
        last_error="HTTP 422: Validation failed\n\x1b[31mred"))
    # deployed after a retry: its last error stays, the deployment wins
    ids["deployed"] = write_job(qdir, "done", job_doc(
        branch="main", commit=C4, age=3 * 86400, attempts=2,
        deployment_id="dep_9x2k4m", last_error="HTTP 503: try later"))
    ids["skipped"] = write_job(qdir, "done", job_doc(
        branch="web", commit=C4, age=86400, attempts=1,
        last_error="no change under web/ since 0123456"))
    ids["superseded"] = write_job(qdir, "done", job_doc(
        branch="main", commit=C2, age=600,
        last_error="superseded by " + ids["pending"]))
    ids["refused"] = write_job(qdir, "bad", job_doc(
        branch="main", commit=C1, age=60,
        last_error="'/srv/git/app.git/' is not in [daemon] repos"))
    return ids


MISSING = ("dotgit-deploy: queue directory '%s' does not exist: nothing "
           "queued\nhint: start the daemon (systemctl start dotgit-deploy) "
           "or run 'dotgit-deploy queue init' as its user\n")


@pytest.mark.parametrize("args", [[], ["--json"], ["drop", "x"],
                                  ["retry", "x"]])
def test_missing_queue_is_not_created(env, tmp_path, args):
    missing = str(tmp_path / "none")
    r = queue(missing, *args, env=env)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", MISSING % missing)
    assert not os.path.exists(missing)


def test_empty_queue(env, qdir):
    r = queue(qdir, env=env)
    assert (r.returncode, r.stdout, r.stderr) == (
        0, "queue '%s' is empty\n" % qdir, "")
    r = queue(qdir, "--json", env=env)
    assert r.returncode == 0
    assert json.loads(r.stdout) == {
        "jobs": [], "bad_files": [],
        "meta": {"queue": qdir, "counts": {
            "in-flight": 0, "pending": 0, "failed": 0, "done": 0,
            "bad": 0}, "done_shown_max": 10}}
    r = queue(qdir, "list", "--json", env=env)
    assert json.loads(r.stdout)["jobs"] == []


def test_table_shows_every_state_and_outcome(env, qdir):
    ids = fill(qdir)
    with open(os.path.join(qdir, "bad", "notes.txt"), "w") as f:
        f.write("hello")
    r = queue(qdir, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "STATE", "BRANCH", "ENVIRONMENT",
                                "COMMIT", "AGE", "ATTEMPTS", "DETAIL"]
    rows = [line.split(None, 7) for line in lines[1:]]
    assert [row[1] for row in rows] == [
        "in-flight", "pending", "failed", "deployed", "skipped",
        "superseded", "refused", "bad"]
    # the job was planned 30 s before `fill` ran; a second may pass since
    assert rows[0][5] in ("30s", "31s", "32s")
    rows[0][5] = "30s"
    assert rows[0] == [ids["in-flight"], "in-flight", "release/1",
                       "staging", C2, "30s", "1", "-"]
    assert rows[1] == [ids["pending"], "pending", "main", "production",
                       C1, "3m", "0", "-"]
    assert rows[2] == [ids["failed"], "failed", "feat/\\x1b[2J", "preview",
                       C3, "2h", "5",
                       "HTTP 422: Validation failed\\x0a\\x1b[31mred"]
    assert rows[3] == [ids["deployed"], "deployed", "main", "production",
                       C4, "3d", "2", "dep_9x2k4m"]
    assert rows[4] == [ids["skipped"], "skipped", "web", "production", C4,
                       "1d", "1", "no change under web/ since 0123456"]
    assert rows[5] == [ids["superseded"], "superseded", "main",
                       "production", C2, "10m", "0",
                       "by " + ids["pending"]]
    assert rows[6][:5] == [ids["refused"], "refused", "main", "production",
                           C1]
    assert rows[6][7] == "'/srv/git/app.git/' is not in [daemon] repos"
    assert rows[7] == ["notes.txt", "bad", "-", "-", "-", "-", "-",
                       "not a job: not a job file name"]
    # columns line up: every row's COMMIT starts where the header's does
    col = lines[0].index("COMMIT")
    assert all(line[col:col + 40] in (C1, C2, C3, C4)
               for line in lines[1:-1])
    assert "\x1b" not in r.stdout
    # looking changed nothing
    assert names(qdir, "bad") == sorted([ids["refused"], "notes.txt"])


def test_json_document(env, qdir):
    ids = fill(qdir)
    with open(os.path.join(qdir, "bad", "1767225600000000.1.1"), "w") as f:
        f.write("{not json")
    r = queue(qdir, "--json", env=env)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert list(doc) == ["jobs", "bad_files", "meta"]
    jobs = doc["jobs"]
    assert [j["state"] for j in jobs] == ["in-flight", "pending", "failed",
                                          "done", "done", "done", "bad"]
    assert [j["outcome"] for j in jobs] == [
        None, None, "failed", "deployed", "skipped", "superseded",
        "refused"]
    keys = ["id", "state", "project", "project_name", "branch", "ref",
            "environment", "commit", "age_seconds", "attempts", "last_error", "outcome",
            "reason", "superseded_by", "deployment_id"]
    assert all(list(j) == keys for j in jobs)
    failed = jobs[2]
    assert failed["id"] == ids["failed"]
    assert failed["branch"] == "feat/\x1b[2J"
    assert failed["ref"] == "refs/heads/feat/\x1b[2J"
    assert failed["last_error"] == "HTTP 422: Validation failed\n\x1b[31mred"
    assert failed["reason"] == failed["last_error"]
    assert failed["attempts"] == 5
    assert 7200 <= failed["age_seconds"] < 7260
    assert jobs[3]["deployment_id"] == "dep_9x2k4m"
    assert jobs[3]["reason"] is None
    assert jobs[4]["reason"] == "no change under web/ since 0123456"
    assert jobs[5]["superseded_by"] == ids["pending"]
    assert jobs[6]["reason"] == ("'/srv/git/app.git/' is not in [daemon] "
                                 "repos")
    assert jobs[1]["deployment_id"] is None
    assert jobs[1]["project"] == "proj_8f2a9c"
    [bad] = doc["bad_files"]
    assert bad["name"] == "1767225600000000.1.1"
    assert bad["reason"].startswith("not JSON")
    assert doc["meta"] == {"queue": qdir, "counts": {
        "in-flight": 1, "pending": 1, "failed": 1, "done": 3, "bad": 1},
        "done_shown_max": 10}


def test_only_the_newest_done_jobs_are_listed(env, qdir):
    done = [write_job(qdir, "done", job_doc(commit=C4)) for _ in range(12)]
    r = queue(qdir, "--json", env=env)
    doc = json.loads(r.stdout)
    assert [j["id"] for j in doc["jobs"]] == done[2:]
    assert doc["meta"]["counts"]["done"] == 12


def test_show_a_deployed_job(env, qdir):
    ids = fill(qdir)
    r = queue(qdir, "show", ids["deployed"][:-1], env=env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:4] == [
        "job:            " + ids["deployed"],
        "state:          done",
        "outcome:        deployed as dep_9x2k4m",
        "claim:"]
    assert "  ref:          refs/heads/main" in lines
    assert "  repository:   /srv/git/app.git" in lines
    assert "  push options: none" in lines
    assert "  commit:       " + C4 in lines
    assert "  environment:  production" in lines
    assert "attempts:       2" in lines
    assert "last error:     HTTP 503: try later" in lines
    assert any(line.startswith("  planned:      ") and
               line.endswith(" (3d ago)") for line in lines)


def test_show_outcomes(env, qdir):
    ids = fill(qdir)
    want = {
        "skipped": "skipped: no change under web/ since 0123456",
        "superseded": "superseded by job " + ids["pending"],
        "refused": "refused: '/srv/git/app.git/' is not in [daemon] repos",
        "failed": "failed: HTTP 422: Validation failed\\x0a\\x1b[31mred",
        "pending": "none yet",
    }
    for name, outcome in want.items():
        r = queue(qdir, "show", ids[name], env=env)
        assert r.returncode == 0, r.stderr
        assert "outcome:        %s\n" % outcome in r.stdout
        assert "\x1b" not in r.stdout


def test_show_json(env, qdir):
    ids = fill(qdir)
    write_job(qdir, "new", job_doc(
        commit=C3, env_vars={"A": "1", "B": "x y"}, paths=["web/", "lib/"],
        options=["deploy.env.A=1"], request="ab" * 16, source="push",
        old="0" * 40, new=C3, version=2), job_id="1767225600000000.7.7")
    r = queue(qdir, "show", "1767225600000000.7.7", "--json", env=env)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert list(doc) == ["id", "state", "outcome", "reason",
                         "superseded_by", "deployment_id", "claim", "plan",
                         "attempts", "next_attempt", "last_error"]
    assert doc["state"] == "pending" and doc["outcome"] is None
    assert doc["claim"]["push_options"] == ["deploy.env.A=1"]
    assert doc["claim"]["request"] == "ab" * 16
    assert doc["claim"]["old"] == "0" * 40
    assert doc["plan"]["env_vars"] == {"A": "1", "B": "x y"}
    assert doc["plan"]["paths"] == ["web/", "lib/"]
    assert doc["plan"]["commit"] == C3
    r = queue(qdir, "show", ids["superseded"], "--json", env=env)
    doc = json.loads(r.stdout)
    assert (doc["outcome"], doc["superseded_by"]) == (
        "superseded", ids["pending"])


def test_retry_failed_job_by_prefix(env, qdir):
    ids = fill(qdir)
    job_id = ids["failed"]
    r = queue(qdir, "retry", job_id[:-1], env=env)
    assert (r.returncode, r.stdout, r.stderr) == (
        0, "retrying %s\n" % job_id, "")
    assert names(qdir, "failed") == []
    doc = read_job(qdir, "new", job_id)
    assert (doc["attempts"], doc["next_attempt"]) == (0, 0)
    assert doc["commit"] == C3
    r = queue(qdir, "--json", env=env)
    states = {j["id"]: j["state"] for j in json.loads(r.stdout)["jobs"]}
    assert states[job_id] == "pending"


def test_retry_refuses_pending_and_in_flight(env, qdir):
    ids = fill(qdir)
    r = queue(qdir, "retry", ids["pending"], env=env)
    assert r.returncode == 1
    assert r.stderr == ("dotgit-deploy: cannot retry job '%s': it is "
                        "pending\nhint: only failed jobs can be retried\n"
                        % ids["pending"])
    r = queue(qdir, "retry", ids["in-flight"], env=env)
    assert r.returncode == 1
    assert r.stderr == ("dotgit-deploy: cannot retry job '%s': it is "
                        "in-flight\nhint: the daemon is sending it now\n"
                        % ids["in-flight"])


def test_drop_pending_and_failed(env, qdir):
    ids = fill(qdir)
    for state in ("pending", "failed"):
        r = queue(qdir, "drop", ids[state], env=env)
        assert (r.returncode, r.stdout, r.stderr) == (
            0, "dropped %s\n" % ids[state], "")
    assert names(qdir, "new") == names(qdir, "failed") == []
    r = queue(qdir, "drop", ids["in-flight"], env=env)
    assert r.returncode == 1
    assert r.stderr.startswith("dotgit-deploy: cannot drop job '%s': it is "
                               "in-flight\n" % ids["in-flight"])
    assert names(qdir, "cur") == [ids["in-flight"]]


def test_unknown_and_ambiguous_ids(env, qdir):
    fill(qdir)
    r = queue(qdir, "drop", "nope", env=env)
    assert (r.returncode, r.stdout, r.stderr) == (
        1, "", "dotgit-deploy: no job 'nope' in the queue\n")
    r = queue(qdir, "retry", "1", env=env)
    assert r.returncode == 2
    assert r.stderr == ("dotgit-deploy: job id '1' is ambiguous: 7 jobs "
                        "start with it\n")


def test_corrupt_file_is_moved_aside(env, qdir):
    good = write_job(qdir, "new", job_doc())
    with open(os.path.join(qdir, "new", "1767225600000000.1.1"), "w") as f:
        f.write("{not json")
    r = queue(qdir, "--json", env=env)
    assert r.returncode == 0
    assert [j["id"] for j in json.loads(r.stdout)["jobs"]] == [good]
    assert r.stderr.startswith(
        "dotgit-deploy: warning: queue: moved '%s/new/1767225600000000.1.1'"
        " to '%s/bad': not JSON: " % (qdir, qdir))
    assert names(qdir, "bad") == ["1767225600000000.1.1"]
    # a second look is quiet
    r = queue(qdir, env=env)
    assert r.stderr == ""


USAGE = "dotgit-deploy: usage: dotgit-deploy queue "
HELP = "\nhint: see 'dotgit-deploy help queue%s'\n"


@pytest.mark.parametrize("args, msg", [
    (["retry"], USAGE + "retry [--queue-dir DIR] ID\n"),
    (["drop", "a", "b"], USAGE + "drop [--queue-dir DIR] ID\n"),
    (["show"], USAGE + "show [--queue-dir DIR] [--json] ID\n"),
    (["init", "x"], USAGE + "init [--queue-dir DIR] [--group GROUP]\n"),
    (["list", "x"], USAGE + "[list] [--queue-dir DIR] [--json]\n"),
    (["bogus", "x"], "dotgit-deploy: unknown queue command 'bogus'; use "
     "list, show, retry, drop or init\n"),
    (["--json", "retry", "x"], "dotgit-deploy: unknown option '--json' for "
     "'queue retry'" + HELP % " retry"),
    (["--json", "init"], "dotgit-deploy: unknown option '--json' for "
     "'queue init'" + HELP % " init"),
    (["--group", "g"], "dotgit-deploy: unknown option '--group' for "
     "'queue'" + HELP % ""),
    (["drop", "x", "--group", "g"], "dotgit-deploy: unknown option "
     "'--group' for 'queue drop'" + HELP % " drop"),
])
def test_usage(env, qdir, args, msg):
    r = queue(qdir, *args, env=env)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", msg)


def test_bad_options(env, qdir):
    r = queue(qdir, "--bogus", env=env)
    assert (r.returncode, r.stderr) == (
        2, "dotgit-deploy: unknown option '--bogus' for 'queue'\n"
        "hint: see 'dotgit-deploy help queue'\n")
    r = run("queue", "--queue-dir", env=env)
    assert (r.returncode, r.stderr) == (
        2, "dotgit-deploy: option '--queue-dir' needs a directory\n")
    r = queue(qdir, "init", "--group", env=env)
    assert (r.returncode, r.stderr) == (
        2, "dotgit-deploy: option '--group' needs a group\n")
    r = queue(qdir, "init", "--group", "no-such-group-x", env=env)
    assert (r.returncode, r.stderr) == (
        2, "dotgit-deploy: unknown group 'no-such-group-x'\n")


def test_options_before_or_after_the_subcommand(env, qdir):
    ids = fill(qdir)
    for args in (["--queue-dir", qdir, "show", ids["failed"], "--json"],
                 ["show", "--json", ids["failed"], "--queue-dir", qdir],
                 ["show", ids["failed"], "--queue-dir=" + qdir, "--json"]):
        r = run("queue", *args, env=env)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["id"] == ids["failed"]


def test_bad_job_cannot_be_retried(env, qdir):
    ids = fill(qdir)
    r = queue(qdir, "retry", ids["refused"], env=env)
    assert (r.returncode, r.stderr) == (
        1, "dotgit-deploy: cannot retry job '%s': it is bad\nhint: the "
        "daemon refused it; 'dotgit-deploy queue show %s' says why\n"
        % (ids["refused"], ids["refused"]))
    assert names(qdir, "bad") == [ids["refused"]]


def write_config(tmp_path, daemon=""):
    path = tmp_path / "dotgit-deploy.ini"
    path.write_text("[api]\nurl = https://api.git.dev/v1\n\n"
                    "[project]\nid = proj_8f2a9c\n\n"
                    "[branch \"main\"]\nenvironment = production\n"
                    + daemon)
    return str(path)


def skip_without_config(r):
    if "not implemented" in r.stderr:
        pytest.skip("the config module has not landed yet")


def test_queue_dir_from_config(env, tmp_path, qdir):
    ids = fill(qdir)
    cfg = write_config(tmp_path, "\n[daemon]\nqueue = %s\n" % qdir)
    r = run("-c", cfg, "queue", "--json", env=env, cwd=str(tmp_path))
    skip_without_config(r)
    assert r.returncode == 0, r.stderr
    assert ({j["id"] for j in json.loads(r.stdout)["jobs"]}
            == set(ids.values()))
    r = run("queue", "-c", cfg, "drop", ids["pending"], env=env,
            cwd=str(tmp_path))
    assert (r.returncode, r.stdout) == (0, "dropped %s\n" % ids["pending"])


def test_no_queue_configured(env, tmp_path):
    cfg = write_config(tmp_path)
    r = run("-c", cfg, "queue", env=env, cwd=str(tmp_path))
    skip_without_config(r)
    assert r.returncode == 2
    assert r.stderr == (
        "dotgit-deploy: no [daemon] queue configured\n"
        "hint: set 'queue = DIR' in the [daemon] section of '%s'\n" % cfg)
