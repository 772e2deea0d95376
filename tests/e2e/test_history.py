# SPDX-License-Identifier: ISC
"""Beyond the push: the daemon follows each deployment it created to its
final status, records it, and runs the [notify] command; history and
rollback read what was recorded; a monorepo deploys only the projects a
push touched."""
import json
import os

from conftest import git
from daemonenv import created_bodies, emulator, wait_until
from daemonenv import srv  # noqa: F401 (fixture)
from repos import commit, write

import pytest

NOTIFY = """\
#!/bin/sh
env | grep -E '^(DOTGIT_|PATH=)' | sort > "{out}/$DOTGIT_DEPLOY_ID.$DOTGIT_DEPLOY_STATUS"
"""


@pytest.fixture
def emu(tmp_path):
    """Deployments of feature/* end in error."""
    e = emulator(tmp_path, "--plan", "100000", "--fail-branch", "feature/*")
    yield e
    e.stop()


def state_dir(srv):
    return os.path.join(srv.env["HOME"], ".local", "state", "dotgit-deploy")


def history(srv):
    d = os.path.join(state_dir(srv), "ledger", "history")
    out = []
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name)) as f:
            out.append(json.load(f))
    return out


def notify_setup(srv, tmp_path, on="all"):
    out = tmp_path / "notified"
    out.mkdir()
    script = write(tmp_path / "notify.sh", NOTIFY.format(out=out),
                   mode=0o755)
    srv.write_config(daemon="", hook="queue")
    with open(srv.daemon_ini, "a") as f:
        f.write("\n[notify]\ncommand = %s\non = %s\ntimeout = 5\n" % (
            script, on))
    return str(out)


def notified(out):
    return sorted(os.listdir(out))


def test_final_status_is_followed_recorded_and_notified(tmp_path, srv, emu):
    out = notify_setup(srv, tmp_path)
    # the key is in the daemon's environment: the command never sees it
    srv.daemon.env = dict(srv.env, DOTGIT_API_KEY=emu.key)
    head = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    srv.push("origin", "main")
    git("checkout", "-q", "-b", "feature/x", cwd=srv.work, env=srv.env)
    bad = commit(srv.work, srv.env, msg="breaks the build")
    srv.push("origin", "feature/x")
    srv.daemon.start()
    wait_until(lambda: len(notified(out)) == 2, 30)
    deps = {d["branch"]: d["id"] for d in emu.state()["deployments"]
            .values()}
    assert notified(out) == sorted([deps["main"] + ".ready",
                                    deps["feature/x"] + ".error"])
    with open(os.path.join(out, deps["feature/x"] + ".error")) as f:
        env = dict(line.rstrip("\n").split("=", 1) for line in f)
    assert env["DOTGIT_DEPLOY_ID"] == deps["feature/x"]
    assert env["DOTGIT_DEPLOY_STATUS"] == "error"
    assert env["DOTGIT_DEPLOY_PROJECT"] == "proj_8f2a9c"
    assert env["DOTGIT_DEPLOY_ENVIRONMENT"] == "preview"
    assert env["DOTGIT_DEPLOY_BRANCH"] == "feature/x"
    assert env["DOTGIT_DEPLOY_COMMIT"] == bad
    assert env["DOTGIT_DEPLOY_URL"].endswith("/deployments/" +
                                              deps["feature/x"])
    assert env["DOTGIT_DEPLOY_REPOSITORY"] == \
        os.path.realpath(srv.bare) + "/"
    assert "DOTGIT_API_KEY" not in env
    srv.daemon.wait_log(r"dotgit-deploy: feature/x -> preview: %s ended "
                        r"in error \(%s\)" % (deps["feature/x"], bad[:7]))
    assert srv.daemon.stop() == 0
    recs = {r["branch"]: r for r in history(srv)}
    assert recs["main"]["status"] == "ready"
    assert recs["main"]["commit"] == head
    assert recs["main"]["source"] == "push"
    assert recs["feature/x"]["status"] == "error"
    assert created_bodies(emu) == {("main", head): 1, ("feature/x", bad): 1}


def test_followed_again_after_a_restart(tmp_path, srv, emu):
    """A deployment still building when the daemon stops is followed to
    its end after the restart; by default only errors are notified."""
    out = notify_setup(srv, tmp_path, on="error canceled")
    emu.set_faults(queued_secs=1, building_secs=1)
    git("checkout", "-q", "-b", "feature/y", cwd=srv.work, env=srv.env)
    commit(srv.work, srv.env, msg="y")
    srv.push("origin", "feature/y")
    srv.daemon.start()
    wait_until(lambda: len(emu.created_deployments()) == 1, 15)
    srv.daemon.wait_log(r"feature/y -> preview: dep_\w+ queued")
    assert srv.daemon.stop() == 0
    assert [r["status"] for r in history(srv)] == ["queued"]
    srv.daemon.start()
    srv.daemon.wait_log(r"following 1 deployment to their final status")
    wait_until(lambda: len(notified(out)) == 1, 30)
    assert notified(out)[0].endswith(".error")
    assert srv.daemon.stop() == 0
    assert [r["status"] for r in history(srv)] == ["error"]


MONOREPO = """\
[api]
url = {url}
ca_file = {ca}
key_file = {key}

[project "web"]
id = proj_8f2a9c
paths = web/

[project "api"]
id = proj_000002
paths = api/

[branch "main"]
environment = production

[branch "release/*"]
environment = staging
projects = web
"""


def monorepo(tmp_path, env, emu):
    from conftest import run
    from repos import make_bare, make_repo
    bare = make_bare(tmp_path / "mono.git", env)
    git("config", "receive.advertisePushOptions", "true", cwd=bare,
        env=env)
    key = write(tmp_path / "key", emu.key + "\n", mode=0o600)
    write(os.path.join(bare, "dotgit-deploy.ini"),
          MONOREPO.format(url=emu.url, ca=emu.ca, key=key))
    assert run("-C", bare, "install-hook", "--server",
               env=env).returncode == 0
    work = str(tmp_path / "mono")
    make_repo(work, env)
    git("remote", "add", "origin", bare, cwd=work, env=env)
    return bare, work


def pushed(work, env, *args):
    import subprocess
    r = subprocess.run(["git", "push", *args], cwd=work, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stderr


def projects_sent(emu):
    return [p["path"].split("/")[3] for p in emu.deployment_posts()
            if p["status"] == 201]


def test_monorepo_deploys_only_the_touched_projects(tmp_path, env, emu):
    bare, work = monorepo(tmp_path, env, emu)
    out = pushed(work, env, "origin", "main")     # a new branch: both
    assert sorted(projects_sent(emu)) == ["proj_000002", "proj_8f2a9c"]
    assert "remote: dotgit-deploy: main [web] -> production: dep_" in out
    assert "remote: dotgit-deploy: main [api] -> production: dep_" in out
    web = commit(work, env, name="web/index.html", msg="web")
    out = pushed(work, env, "origin", "main")
    assert projects_sent(emu)[2:] == ["proj_8f2a9c"]
    assert "main [api] -> production: not deployed: no change under " \
        "api/ since" in out
    commit(work, env, name="api/server.py", msg="api")
    commit(work, env, name="web/app.js", msg="web again")
    out = pushed(work, env, "-o", "deploy.project=api", "origin", "main")
    assert projects_sent(emu)[3:] == ["proj_000002"]
    assert "[web]" not in out
    # a rule for some projects only
    git("checkout", "-q", "-b", "release/1", cwd=work, env=env)
    commit(work, env, name="api/more.py", msg="api")
    commit(work, env, name="web/more.js", msg="web")
    pushed(work, env, "origin", "release/1")
    assert projects_sent(emu)[4:] == ["proj_8f2a9c"]
    bodies = [p["body"] for p in emu.deployment_posts()
              if p["status"] == 201]
    assert bodies[2]["commit_hash"] == web
    out = pushed(work, env, "-o", "deploy.project=nope", "origin",
                 "HEAD:refs/heads/main")
    assert "deploy.project=nope: no [project \"nope\"] in the " \
        "configuration" in out


def test_monorepo_through_the_daemon(tmp_path, srv, emu):
    """The hook queues one job per project; the daemon checks each
    claim's project against its configuration."""
    text = MONOREPO.format(url=emu.url, ca=emu.ca, key=srv.key) + (
        "[hook]\nmode = queue\n[daemon]\nqueue = %s\nrepos = %s\n" % (
            srv.queue, srv.bare))
    write(srv.hook_ini, text)
    write(srv.daemon_ini, text)
    srv.push("origin", "main")
    jobs = srv.jobs("new")
    assert sorted(j["project_key"] for j in jobs) == ["api", "web"]
    commit(srv.work, srv.env, name="web/index.html", msg="web")
    srv.push("origin", "main")
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    # coalesced per project: web's newest, and api's first (its second
    # job is the one the second push queued, with no api change)
    assert sorted(projects_sent(emu)) == ["proj_000002", "proj_8f2a9c"]
    notes = [j["last_error"] or "" for j in srv.jobs("done")]
    assert any(n.startswith("superseded by ") for n in notes)
