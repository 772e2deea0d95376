# SPDX-License-Identifier: ISC
"""A job file is a claim that a push happened, which the daemon checks:
forged jobs, a parked job and writes where the daemon keeps its state.
Every member of the spool's group can write new/; what the emulator
receives must still be what the configuration and the repository say."""
import json
import os
import stat


from conftest import git
from daemonenv import created_bodies, wait_until
from daemonenv import emu, srv  # noqa: F401 (fixtures)
from repos import commit

EVIL = {"NODE_OPTIONS": "--require ./evil.js"}




def forge(srv, job, **changes):
    """Write a copy of `job` with changes into new/, as a member could."""
    doc = {k: v for k, v in job.items() if k != "id"}
    doc.update(changes)
    doc["request"] = os.urandom(16).hex()
    name = "%016d.%d.1" % (int(job["id"].split(".")[0]) + 1, os.getpid())
    path = os.path.join(srv.queue, "new", name)
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f)
    os.rename(path + ".tmp", path)
    return name


def posted(emu):
    return [(p["path"], p["body"]) for p in emu.deployment_posts()
            if p["status"] == 201]


def test_forged_fields_are_not_believed(srv, emu):
    """Another project, production, any env vars: the daemon plans the
    claim from its own configuration and sends only that."""
    head = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    git("branch", "release/1", cwd=srv.work, env=srv.env)
    srv.push("origin", "release/1")
    [job] = srv.jobs("new")
    forge(srv, job, project="proj_000002", environment="production",
          branch="main", env_vars=EVIL, paths=[],
          idempotency_key="0" * 64)
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    # the copy, newer, coalesced the push's job: one request, and only
    # what the configuration says
    assert posted(emu) == [("/v1/projects/proj_8f2a9c/deployments",
                            {"branch": "release/1", "environment": "staging",
                             "commit_hash": head, "env_vars": {}})]


def test_a_commit_the_ref_never_had_is_refused(srv, emu):
    """A member pushes a preview branch, then claims its commit was pushed
    to main: refused, never sent."""
    main = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    srv.push("origin", "main")
    os.unlink(os.path.join(srv.queue, "new", srv.jobs("new")[0]["id"]))
    git("checkout", "-q", "-b", "feature/x", cwd=srv.work, env=srv.env)
    evil = commit(srv.work, srv.env, name="web/evil.js", msg="evil")
    srv.push("origin", "feature/x")
    [job] = srv.jobs("new")
    name = forge(srv, job, ref="refs/heads/main", new=evil, commit=evil,
                 branch="main", environment="production", env_vars=EVIL)
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert created_bodies(emu) == {("feature/x", evil): 1}
    assert main != evil
    [bad] = srv.jobs("bad")
    assert bad["id"] == name
    assert bad["last_error"] == ("refs/heads/main does not hold %s: the "
                                 "claim is refused" % evil[:12])
    assert "refused: refs/heads/main does not hold" in srv.daemon.text()


def test_a_parked_job_does_not_hold_back_the_queue(srv, emu):
    head = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    srv.push("origin", "main")
    [job] = srv.jobs("new")
    path = os.path.join(srv.queue, "new", job["id"])
    doc = dict(job)
    del doc["id"]
    doc.update(next_attempt=9223372036854775807, attempts=2147483647,
               planned_at=9223372036854775807)
    os.unlink(path)
    with open(path, "w") as f:
        json.dump(doc, f)
    two = commit(srv.work, srv.env, msg="two")
    git("branch", "release/2", cwd=srv.work, env=srv.env)
    srv.push("origin", "release/2")
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert created_bodies(emu) == {("main", head): 1, ("release/2", two): 1}
    assert "its times or tries are out of bounds: taken as due now" in \
        srv.daemon.text()


def test_the_daemon_keeps_its_state_to_itself(srv, emu):
    """The ledger is not in the spool: what a member writes there changes
    nothing; the state directory is the daemon's alone."""
    fake = os.path.join(srv.queue, "ledger", "idem")
    os.makedirs(fake, exist_ok=True)
    head = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    srv.push("origin", "main")
    [job] = srv.jobs("new")
    with open(os.path.join(fake, job["idempotency_key"]), "w") as f:
        f.write("sent 1767225600 dep_FAKE\n")
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert created_bodies(emu) == {("main", head): 1}
    assert "dep_FAKE" not in srv.daemon.text()
    state = os.path.join(srv.env["HOME"], ".local", "state",
                         "dotgit-deploy")
    st = os.stat(state)
    assert stat.S_IMODE(st.st_mode) == 0o700
    assert st.st_uid == os.geteuid()
    [key] = os.listdir(os.path.join(state, "ledger", "idem"))
    assert key == emu.deployment_posts()[0]["idempotency_key"]


def test_a_state_directory_others_may_write_is_refused(srv, emu):
    state = os.path.join(srv.env["HOME"], ".local", "state",
                         "dotgit-deploy")
    os.makedirs(state)
    os.chmod(state, 0o777)
    srv.daemon.start()
    assert srv.daemon.proc.wait(10) == 2
    assert ("dotgit-deploy: state directory '%s' is not the daemon's alone"
            % state) in srv.daemon.text()
    assert "not writable by group or others" in srv.daemon.text()


def test_push_options_follow_the_policy(srv, emu):
    """deploy.environment never moves a preview branch into production
    unless [policy] allow_options says `production`: not from a push, not
    from a job file that carries the option."""
    git("checkout", "-q", "-b", "feature/x", cwd=srv.work, env=srv.env)
    head = commit(srv.work, srv.env, msg="x")
    r = srv.push("-o", "deploy.environment=production", "origin",
                 "feature/x")
    assert ("remote: dotgit-deploy: feature/x: not deployed: push option "
            "deploy.environment=production is not allowed: the rule says "
            "preview, and [policy] allow_options does not include "
            "'production'") in r.stderr
    assert srv.jobs("new") == []
    head = commit(srv.work, srv.env, msg="x2")
    r = srv.push("-o", "deploy.environment=staging", "origin", "feature/x")
    [job] = srv.jobs("new")
    assert job["options"] == ["deploy.environment=staging"]
    name = forge(srv, job, options=["deploy.environment=production",
                                    "deploy.env.NODE_OPTIONS=x"])
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert [b["environment"] for _, b in posted(emu)] == ["staging"]
    [bad] = srv.jobs("bad")
    assert bad["id"] == name
    assert "deploy.environment=production is not allowed" in \
        bad["last_error"]
    # the admin allows it
    text = open(srv.daemon_ini).read() + \
        "\n[policy]\nallow_options = skip env environment production\n"
    for f in (srv.daemon_ini, srv.hook_ini):
        with open(f, "w") as fp:
            fp.write(text)
    commit(srv.work, srv.env, msg="y")
    srv.push("-o", "deploy.environment=production", "origin", "feature/x")
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert [b["environment"] for _, b in posted(emu)] == [
        "staging", "production"]
    assert posted(emu)[0][1]["commit_hash"] == head


def test_each_served_repository_brings_its_project(tmp_path, env, emu):
    """One daemon, its own file without [project], two repositories each
    naming theirs; a repository file others may write is refused."""
    from conftest import BIN, run
    from daemonenv import Daemon
    from repos import RULES, make_bare, make_repo, write
    key = write(tmp_path / "key", emu.key + "\n", mode=0o600)
    queue = str(tmp_path / "queue")
    daemon_ini = write(tmp_path / "daemon.ini", (
        "[api]\nurl = %s\nca_file = %s\nkey_file = %s\nplan = 100000\n"
        "[daemon]\nqueue = %s\nrepos = %s/*.git\npoll_interval = 1\n" % (
            emu.url, emu.ca, key, queue, tmp_path)))
    assert run("-c", daemon_ini, "queue", "init", env=env).returncode == 0
    works = {}
    for name, project in (("a", "proj_8f2a9c"), ("b", "proj_000002"),
                          ("c", "proj_000003")):
        bare = make_bare(tmp_path / ("%s.git" % name), env)
        os.symlink(BIN, os.path.join(bare, "hooks", "post-receive"))
        # the hook finds no -c: the repository file says it all
        write(os.path.join(bare, "dotgit-deploy.ini"), open(daemon_ini).read()
              + "[project]\nid = %s\n%s" % (project, RULES), mode=0o644)
        work = str(tmp_path / ("w" + name))
        make_repo(work, env)
        git("remote", "add", "origin", bare, cwd=work, env=env)
        works[name] = (bare, work)
    os.chmod(os.path.join(works["c"][0], "dotgit-deploy.ini"), 0o666)
    for name in "ab":
        git("push", "-q", "origin", "main", cwd=works[name][1], env=env)
    # c's file is writable by others: its hook does not trust it either,
    # so queue c's job as a member could
    a_job = os.listdir(os.path.join(queue, "new"))[0]
    with open(os.path.join(queue, "new", a_job)) as f:
        doc = json.load(f)
    git("push", "-q", "origin", "main", cwd=works["c"][1], env=env)
    doc.update(repo=os.path.realpath(works["c"][0]) + "/",
               new=git("rev-parse", "HEAD", cwd=works["c"][1], env=env),
               request=os.urandom(16).hex())
    write(os.path.join(queue, "new", "9" * 16 + ".1.1"), json.dumps(doc))
    d = Daemon(daemon_ini, tmp_path / "daemon.log", env).start()
    try:
        wait_until(lambda: len(os.listdir(os.path.join(queue, "new"))) == 0
                   and not os.listdir(os.path.join(queue, "cur")), 15)
        assert d.stop() == 0
    finally:
        if d.proc.poll() is None:
            d.kill()
    assert sorted(p for p, _ in posted(emu)) == [
        "/v1/projects/proj_000002/deployments",
        "/v1/projects/proj_8f2a9c/deployments"]
    [failed] = os.listdir(os.path.join(queue, "failed"))
    with open(os.path.join(queue, "failed", failed)) as f:
        why = json.load(f)["last_error"]
    assert "c.git/dotgit-deploy.ini' is writable by group or others" in why


def test_served_repositories_of_another_user(srv, emu):
    """The daemon serves other users' repositories: [daemon] repos is its
    safe.directory, so libgit2's owner check does not stop it."""
    for d, dirs, files in os.walk(srv.bare):
        for n in [d] + [os.path.join(d, f) for f in files]:
            os.lchown(n, 65534, 65534)
    os.chown(os.path.join(srv.bare, "dotgit-deploy.ini"), 0, 0)
    from repos import write
    home = os.path.join(str(srv.tmp), "pusher")
    write(os.path.join(home, ".gitconfig"), "[safe]\n\tdirectory = *\n")
    env = dict(srv.env, HOME=home)
    head = git("rev-parse", "HEAD", cwd=srv.work, env=env)
    git("push", "-q", "origin", "main", cwd=srv.work, env=env)
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert created_bodies(emu) == {("main", head): 1}
