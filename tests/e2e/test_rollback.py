# SPDX-License-Identifier: ISC
"""`history` lists what was deployed where and what each environment
runs; `rollback ENV` deploys again, exactly, what ran before: the commit,
branch and variables of that deployment, as a new request. Real pushes
through the server hook (direct mode: no daemon follows the statuses, so
the commands ask the API), the emulator counts what it received."""
import json
import os
import subprocess

from conftest import git, run
from daemonenv import emu, wait_until  # noqa: F401 (fixture)
from repos import commit, write
from test_history import monorepo
from test_server_hook import server


def push(work, env, *args):
    r = subprocess.run(["git", "push", *args], cwd=work, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r


def posts(emu):
    """(commit, branch, idempotency key) of each deployment created."""
    return [(p["body"]["commit_hash"], p["body"]["branch"],
             p["idempotency_key"])
            for p in emu.deployment_posts() if p["status"] == 201]


def history(bare, env, *args):
    r = run("-C", bare, "history", "--json", *args, env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def all_ready(bare, env, n):
    """Wait until the history holds n deployments, every one final."""
    def done():
        h = history(bare, env)["deployments"]
        return len(h) == n and all(d["status"] == "ready" for d in h) \
            and h
    return wait_until(done, 15)


def two_deploys(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    a = git("rev-parse", "HEAD", cwd=work, env=env)
    push(work, env, "origin", "main")
    b = commit(work, env, msg="b")
    push(work, env, "origin", "main")
    all_ready(bare, env, 2)
    return bare, work, a, b


def test_history_shows_what_each_environment_runs(tmp_path, env, emu):
    bare, work, a, b = two_deploys(tmp_path, env, emu)
    h = history(bare, env)
    assert h["meta"]["count"] == 2
    assert h["meta"]["ledger"] == os.path.join(bare, "dotgit-deploy")
    newest, older = h["deployments"]
    assert (newest["commit"], newest["live"], newest["source"]) == \
        (b, True, "push")
    assert (older["commit"], older["live"], older["source"]) == \
        (a, False, "push")
    assert newest["branch"] == "main" and newest["environment"] == \
        "production"
    assert newest["deployment_id"].startswith("dep_")
    assert newest["deployed_at"].endswith("Z")
    # the table: a heading, newest first, the live one marked
    r = run("-C", bare, "history", env=env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["WHEN", "ENV", "BRANCH", "COMMIT",
                                "DEPLOYMENT", "STATUS", "SOURCE"]
    assert b[:7] in lines[1] and "ready (live)" in lines[1]
    assert a[:7] in lines[2] and "(live)" not in lines[2]
    assert "PROJECT" not in lines[0]
    # filters
    assert history(bare, env, "staging")["deployments"] == []
    assert len(history(bare, env, "-n", "1")["deployments"]) == 1
    r = run("-C", bare, "history", "nowhere", env=env)
    assert r.returncode == 2
    assert "unknown environment 'nowhere'" in r.stderr


def test_rollback_deploys_the_previous_commit_as_a_new_request(
        tmp_path, env, emu):
    bare, work, a, b = two_deploys(tmp_path, env, emu)
    r = run("-C", bare, "rollback", "production", env=env)
    assert r.returncode == 0, r.stderr
    assert "production: rolling back from %s (dep_" % b[:7] in r.stderr
    assert "to %s, deployed " % a[:7] in r.stderr
    assert "main -> production: dep_" in r.stdout
    sent = posts(emu)
    assert [(c, br) for c, br, _ in sent] == \
        [(a, "main"), (b, "main"), (a, "main")]
    assert len({k for _, _, k in sent}) == 3      # a new request
    h = all_ready(bare, env, 3)
    assert (h[0]["commit"], h[0]["source"], h[0]["live"]) == \
        (a, "rollback", True)
    # rolling back again undoes the rollback: b is the one before
    r = run("-C", bare, "rollback", "production", env=env)
    assert r.returncode == 0, r.stderr
    assert posts(emu)[-1][0] == b


def test_rollback_to_a_commit_and_what_cannot_be_rolled_back(
        tmp_path, env, emu):
    bare, work, a, b = two_deploys(tmp_path, env, emu)
    r = run("-C", bare, "rollback", "production", "--to", b[:10], env=env)
    assert r.returncode == 1
    assert "production already runs %s" % b[:7] in r.stderr
    r = run("-C", bare, "rollback", "production", "--steps", "2", env=env)
    assert r.returncode == 1
    assert "nothing to roll back to" in r.stderr
    r = run("-C", bare, "rollback", "production", "--to", "main",
            "--steps", "1", env=env)
    assert r.returncode == 2
    r = run("-C", bare, "rollback", "staging", env=env)
    assert r.returncode == 1
    assert "no deployment to staging is recorded" in r.stderr
    assert len(posts(emu)) == 2                   # nothing sent
    r = run("-C", bare, "rollback", "production", "--to", a, env=env)
    assert r.returncode == 0, r.stderr
    assert posts(emu)[-1][0] == a


def test_rollback_dry_run_shows_the_request_and_sends_nothing(
        tmp_path, env, emu):
    bare, work, a, b = two_deploys(tmp_path, env, emu)
    r = run("-C", bare, "rollback", "production", "--dry-run", "--json",
            env=env)
    assert r.returncode == 0, r.stderr
    req = json.loads(r.stdout)
    assert req["body"]["commit_hash"] == a
    assert req["body"]["branch"] == "main"
    assert req["body"]["env_vars"] == \
        {"NEXT_PUBLIC_API_URL": "https://api.example.com"}
    assert "would roll back from %s" % b[:7] in r.stderr
    assert len(posts(emu)) == 2


def test_rollback_in_a_fresh_repository_says_there_is_nothing(
        tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    r = run("-C", bare, "history", env=env)
    assert r.returncode == 0 and r.stdout == ""
    assert "no deployment recorded in" in r.stderr
    r = run("-C", bare, "rollback", "production", env=env)
    assert r.returncode == 1
    assert "nothing to roll back: no deployment to production is " \
        "recorded" in r.stderr
    assert not os.path.exists(os.path.join(bare, "dotgit-deploy", "ledger"))


def test_deploy_wait_records_the_final_status(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    push(work, env, "origin", "main")
    r = run("-C", bare, "deploy", "main", "--wait", env=env)
    assert r.returncode == 0, r.stderr
    h = history(bare, env, "--offline")["deployments"]
    assert (h[0]["source"], h[0]["status"]) == ("manual", "ready")


def test_monorepo_rollback_names_its_project(tmp_path, env, emu):
    bare, work = monorepo(tmp_path, env, emu)
    push(work, env, "origin", "main")             # both projects
    commit(work, env, name="web/index.html", msg="web")
    push(work, env, "origin", "main")             # web only
    all_ready(bare, env, 3)
    r = run("-C", bare, "history", env=env)
    assert r.stdout.splitlines()[0].split()[1] == "PROJECT"
    r = run("-C", bare, "rollback", "production", env=env)
    assert r.returncode == 2
    assert "several projects deploy to production: name one with " \
        "--project" in r.stderr
    r = run("-C", bare, "rollback", "production", "--project", "web",
            env=env)
    assert r.returncode == 0, r.stderr
    last = emu.deployment_posts()[-1]
    assert last["path"].split("/")[3] == "proj_8f2a9c"
    first = git("rev-list", "--max-parents=0", "HEAD", cwd=work, env=env)
    assert last["body"]["commit_hash"] == first
    r = run("-C", bare, "rollback", "production", "--project", "api",
            env=env)
    assert r.returncode == 1
    assert "nothing to roll back to" in r.stderr
    r = run("-C", bare, "config", "explain", "release/1", env=env)
    assert "  projects:    web (proj_8f2a9c): deploys when a change is " \
        "under web/\n               api (proj_000002): not for this " \
        "rule\n" in r.stdout
    r = run("-C", bare, "config", "explain", "--json", "main", env=env)
    assert [(p["name"], p["deployed"]) for p in
            json.loads(r.stdout)["projects"]] == [("web", True),
                                                  ("api", True)]
    r = run("-C", bare, "history", "--project", "nope", env=env)
    assert r.returncode == 2
    assert "no project 'nope' in the configuration" in r.stderr
