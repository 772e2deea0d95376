# SPDX-License-Identifier: ISC
"""The hook in queue mode opens no repository: it maps refs to jobs and
leaves the objects to the daemon, which peels annotated tags and honors
[skip deploy] before it sends anything."""
import json
import os
import subprocess


from conftest import BIN, git, run
from daemonenv import Server, created_bodies, daemon_config, wait_until
from daemonenv import emu, srv  # noqa: F401 (fixtures)
from queuefiles import init_spool
from repos import commit, make_repo, write

SKIP_REASON = "skipped: the commit message says [skip deploy]"




def queued_line(ref, env, job):
    return "remote: dotgit-deploy: %s -> %s: queued (job %s)" % (
        ref, env, job["id"])


def queue_json(srv):
    r = run("-c", srv.daemon_ini, "queue", "--json", env=srv.env)
    assert r.returncode == 0, r.stderr
    return {j["id"]: j for j in json.loads(r.stdout)["jobs"]}


def test_annotated_tag_deploys_the_peeled_commit(srv, emu):
    head = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    git("tag", "-a", "v1.0", "-m", "release", cwd=srv.work, env=srv.env)
    tag = git("rev-parse", "v1.0", cwd=srv.work, env=srv.env)
    assert tag != head
    r = srv.push("origin", "v1.0")
    [job] = srv.jobs("new")
    assert queued_line("refs/tags/v1.0", "production", job) in r.stderr
    # the hook read no object: the job carries what was pushed
    assert job["new"] == tag and job["commit"] == tag
    assert emu.requests() == []
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert created_bodies(emu) == {("v1.0", head): 1}
    [done] = srv.jobs("done")
    assert done["commit"] == head and done["new"] == tag
    assert done["deployment_id"].startswith("dep_")


def test_skip_marker_is_honored_by_the_daemon(srv, emu):
    commit(srv.work, srv.env, msg="docs only [skip deploy]")
    r = srv.push("origin", "main")
    [job] = srv.jobs("new")
    assert queued_line("main", "production", job) in r.stderr
    srv.daemon.start()
    wait_until(lambda: len(srv.jobs("done")) == 1, 15)
    srv.daemon.wait_log(r"main -> production: [0-9a-f]{7} not deployed: "
                        r"skipped: the commit message says \[skip deploy\]")
    assert srv.daemon.stop() == 0
    assert emu.deployment_posts() == []
    shown = queue_json(srv)[job["id"]]
    assert shown["state"] == "done"
    assert shown["last_error"] == SKIP_REASON
    assert shown["deployment_id"] is None


def test_skip_marker_on_an_annotated_tag_commit(srv, emu):
    head = commit(srv.work, srv.env, msg="typo [deploy skip]")
    git("tag", "-a", "v2.0", "-m", "release", cwd=srv.work, env=srv.env)
    srv.push("origin", "v2.0")
    srv.daemon.start()
    wait_until(lambda: len(srv.jobs("done")) == 1, 15)
    assert srv.daemon.stop() == 0
    [done] = srv.jobs("done")
    assert done["last_error"] == SKIP_REASON and done["commit"] == head
    assert emu.deployment_posts() == []


def test_queue_mode_push_makes_no_request(srv, emu):
    os.unlink(srv.key)          # no key needed to queue
    git("tag", "-a", "v3.0", "-m", "release", cwd=srv.work, env=srv.env)
    git("branch", "release/1", cwd=srv.work, env=srv.env)
    r = srv.push("-o", "deploy.env.X=1", "origin", "main", "release/1",
                 "v3.0")
    jobs = srv.jobs("new")
    assert sorted(j["ref"] for j in jobs) == [
        "refs/heads/main", "refs/heads/release/1", "refs/tags/v3.0"]
    assert all(j["env_vars"] == {"X": "1"} for j in jobs)
    assert r.stderr.count(": queued (job ") == 3
    assert emu.requests() == []


def test_branch_and_annotated_tag_on_one_commit_deploy_once(srv, emu):
    head = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    git("tag", "-a", "v4.0", "-m", "release", cwd=srv.work, env=srv.env)
    srv.push("origin", "main", "v4.0")
    assert len(srv.jobs("new")) == 2
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert len(emu.deployment_posts()) == 1
    assert list(created_bodies(emu).values()) == [1]
    assert [c for _, c in created_bodies(emu)] == [head]
    notes = sorted(j["last_error"] or "" for j in srv.jobs("done"))
    assert notes[0] == "" and notes[1].startswith("already deployed as dep_")


def test_push_options_still_work(srv, emu):
    r = srv.push("-o", "deploy.environment=staging", "-o",
                 "deploy.env.X=1", "origin", "main")
    [job] = srv.jobs("new")
    assert queued_line("main", "staging", job) in r.stderr
    assert job["environment"] == "staging" and job["env_vars"] == {"X": "1"}
    commit(srv.work, srv.env, msg="two")
    r = srv.push("-o", "deploy.skip", "origin", "main")
    assert "remote: dotgit-deploy: main: skipped by push option " \
        "deploy.skip" in r.stderr
    commit(srv.work, srv.env, msg="three")
    r = srv.push("-o", "deploy.environment=prod", "origin", "main")
    assert "remote: dotgit-deploy: main: not deployed: invalid push " \
        "option 'deploy.environment=prod'" in r.stderr
    assert len(srv.jobs("new")) == 1
    assert emu.requests() == []


def test_unmapped_and_deleted_queue_nothing(srv, emu):
    git("checkout", "-q", "-b", "experiment", cwd=srv.work, env=srv.env)
    r = srv.push("origin", "experiment")
    assert "dotgit-deploy" not in r.stderr
    git("checkout", "-q", "main", cwd=srv.work, env=srv.env)
    git("branch", "release/9", cwd=srv.work, env=srv.env)
    srv.push("origin", "release/9")
    assert len(srv.jobs("new")) == 1
    r = srv.push("origin", "--delete", "release/9")
    assert len(srv.jobs("new")) == 1
    assert "dotgit-deploy" not in r.stderr


def test_missing_commit_fails_with_a_clear_reason(srv, emu):
    missing = "1234567890abcdef1234567890abcdef12345678"
    # as git runs it: the hook link, in the git dir, GIT_DIR=.
    hook = os.path.join(srv.bare, "hooks", "post-receive")
    r = subprocess.run([hook], cwd=srv.bare,
                       input="%s %s refs/heads/main\n" % ("0" * 40, missing),
                       env=dict(srv.env, GIT_DIR="."), capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    [job] = srv.jobs("new")
    assert "main -> production: queued (job %s)" % job["id"] in r.stderr
    srv.daemon.start()
    wait_until(lambda: len(srv.jobs("bad")) == 1, 15)
    assert srv.daemon.stop() == 0
    [bad] = srv.jobs("bad")
    real = os.path.realpath(srv.bare)
    assert bad["last_error"] == (
        "the pushed object %s is not in '%s/'" % (missing, real))
    assert emu.requests() == []


def test_queued_job_from_a_repository_not_served_is_refused(srv, emu):
    head = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    srv.push("origin", "main")
    [job] = srv.jobs("new")
    path = os.path.join(srv.queue, "new", job["id"])
    with open(path) as f:
        doc = json.load(f)
    doc["repo"] = str(srv.tmp / "gone.git") + "/"
    with open(path, "w") as f:
        json.dump(doc, f)
    srv.daemon.start()
    wait_until(lambda: len(srv.jobs("bad")) == 1, 15)
    assert srv.daemon.stop() == 0
    [bad] = srv.jobs("bad")
    assert bad["last_error"] == ("the repository is not one this daemon "
                                 "serves ([daemon] repos)")
    assert bad["commit"] == head
    assert "refused: the repository is not one" in srv.daemon.text()
    assert emu.requests() == []


def test_direct_mode_still_plans_in_the_hook(srv, emu):
    srv.write_config(hook="direct")
    commit(srv.work, srv.env, msg="docs only [skip deploy]")
    r = srv.push("origin", "main")
    assert "remote: dotgit-deploy: main: " + SKIP_REASON in r.stderr
    assert srv.jobs("new") == [] and emu.requests() == []


def test_non_bare_server_finds_the_work_tree_config(tmp_path, env, emu):
    """A non-bare repository receiving pushes: the hook runs in its .git
    with GIT_DIR=. and still finds <work tree>/.dotgit-deploy.ini (the
    project and rules, which only it has; [api] and [daemon] come from
    the repository's own $GIT_DIR/dotgit-deploy.ini)."""
    site = str(tmp_path / "site")
    make_repo(site, env)
    os.symlink(BIN, os.path.join(site, ".git", "hooks", "post-receive"))
    key = write(tmp_path / "key", emu.key + "\n", mode=0o600)
    queue = str(tmp_path / "queue")
    api, rest = daemon_config(emu, key, queue, repos=site).split("[project]")
    tracked, daemon = rest.split("[hook]")
    write(os.path.join(site, ".git", "dotgit-deploy.ini"),
          api + "[hook]" + daemon)
    write(os.path.join(site, ".dotgit-deploy.ini"), "[project]" + tracked)
    init_spool(queue, env)
    work = str(tmp_path / "work")
    git("clone", "-q", site, work, env=env)
    git("checkout", "-q", "-b", "release/1", cwd=work, env=env)
    head = commit(work, env, msg="r1")
    r = subprocess.run(["git", "push", "origin", "release/1"], cwd=work,
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    [name] = os.listdir(os.path.join(queue, "new"))
    assert "release/1 -> staging: queued (job %s)" % name in r.stderr
    with open(os.path.join(queue, "new", name)) as f:
        job = json.load(f)
    assert job["commit"] == head
    assert job["repo"] == os.path.realpath(site) + "/.git/"


def test_repository_not_served_queues_nothing(srv, emu):
    """The daemon takes jobs only from [daemon] repos: the hook says so
    instead of queueing a job it would refuse."""
    srv.write_config(repos=str(srv.tmp / "elsewhere" / "*.git"))
    r = srv.push("origin", "main")
    assert ("remote: dotgit-deploy: main -> production: not deployed: "
            "nothing queued: this repository is not in [daemon] repos, so "
            "the daemon would refuse its jobs") in r.stderr
    assert "remote: hint: add it to [daemon] repos in '" in r.stderr
    assert srv.jobs("new") == []
