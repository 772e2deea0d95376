# SPDX-License-Identifier: ISC
"""Every accepted ref update deploys exactly once: rollbacks, flip-flops,
redeploys, path filters in every mode, coalescing that never loses a
deploy, and one repository never followed both by its hook and by
polling. Real pushes; the emulator counts what it received."""
import os
import subprocess

import pytest

from conftest import BIN, git, run
from apienv import config_text, key_file
from daemonenv import Server, created_bodies, wait_until
from daemonenv import emu, srv  # noqa: F401 (fixtures)
from repos import commit, make_bare, make_repo, write
from test_server_hook import server

PATH_RULES = """\
[branch "main"]
environment = production
paths = web/
"""


def push(work, env, *args):
    r = subprocess.run(["git", "push", *args], cwd=work, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r


def dep_ids(r):
    return [w for l in r.stderr.splitlines() for w in l.split()
            if w.startswith("dep_")]


def sent(emu):
    """(commit, key) of every deployment the emulator created, in order."""
    return [(p["body"]["commit_hash"], p["idempotency_key"])
            for p in emu.deployment_posts() if p["status"] == 201]


def test_rollback_deploys_the_older_commit_again(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    a = git("rev-parse", "HEAD", cwd=work, env=env)
    r1 = push(work, env, "origin", "main")
    b = commit(work, env, msg="b")
    push(work, env, "origin", "main")
    git("reset", "-q", "--hard", a, cwd=work, env=env)
    r3 = push(work, env, "-f", "origin", "main")
    assert [c for c, _ in sent(emu)] == [a, b, a]
    assert len({k for _, k in sent(emu)}) == 3
    # a new deployment, not the first one replayed
    assert dep_ids(r3) and dep_ids(r3) != dep_ids(r1)
    assert not [p for p in emu.deployment_posts() if p["replayed"]]


def test_flip_flop_deploys_every_push(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    a = git("rev-parse", "HEAD", cwd=work, env=env)
    push(work, env, "origin", "main")
    b = commit(work, env, msg="b")
    push(work, env, "origin", "main")
    for target in (a, b):
        git("reset", "-q", "--hard", target, cwd=work, env=env)
        push(work, env, "-f", "origin", "main")
    assert [c for c, _ in sent(emu)] == [a, b, a, b]
    assert len({k for _, k in sent(emu)}) == 4


def test_path_filter_in_direct_mode(tmp_path, env, emu):
    """The server hook without a daemon judges the filter against the
    last commit it deployed, kept in the repository's own ledger."""
    bare, work = server(tmp_path, env, emu, rules=PATH_RULES)
    first = git("rev-parse", "HEAD", cwd=work, env=env)
    push(work, env, "origin", "main")          # never deployed: deploys
    commit(work, env, name="docs/a.md", msg="docs only")
    r = push(work, env, "origin", "main")
    assert ("remote: dotgit-deploy: main -> production: not deployed: no "
            "change under web/ since %s" % first[:7]) in r.stderr
    commit(work, env, name="web/index.html", msg="web")
    third = commit(work, env, name="docs/b.md", msg="more docs")
    r = push(work, env, "origin", "main")
    assert dep_ids(r)
    assert [c for c, _ in sent(emu)] == [first, third]
    st = os.stat(os.path.join(bare, "dotgit-deploy", "ledger", "deployed"))
    assert st.st_mode & 0o022 == 0


def test_path_filter_on_the_client(tmp_path, env, emu):
    bare = make_bare(tmp_path / "srv.git", env)
    work = str(tmp_path / "work")
    make_repo(work, env)
    git("remote", "add", "origin", bare, cwd=work, env=env)
    kf = key_file(emu, tmp_path / "key")
    write(os.path.join(work, ".git", "dotgit-deploy.ini"),
          config_text(emu, key_file=kf, rules=PATH_RULES))
    r = run("-C", work, "install-hook", env=env)
    assert r.returncode == 0, r.stderr
    first = git("rev-parse", "HEAD", cwd=work, env=env)
    push(work, env, "origin", "main")
    commit(work, env, name="docs/a.md", msg="docs only")
    r = push(work, env, "origin", "main")
    assert "not deployed: no change under web/ since %s" % first[:7] \
        in r.stderr
    web = commit(work, env, name="web/app.js", msg="web")
    push(work, env, "origin", "main")
    assert [c for c, _ in sent(emu)] == [first, web]


def test_rollback_and_flip_flop_through_the_daemon(srv, emu):
    srv.daemon.start()
    a = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    srv.push("origin", "main")
    wait_until(lambda: len(sent(emu)) == 1, 15)
    b = commit(srv.work, srv.env, msg="b")
    srv.push("origin", "main")
    wait_until(lambda: len(sent(emu)) == 2, 15)
    for n, target in enumerate((a, b, a), 3):
        git("reset", "-q", "--hard", target, cwd=srv.work, env=srv.env)
        srv.push("-f", "origin", "main")
        wait_until(lambda: len(sent(emu)) == n, 15)
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert [c for c, _ in sent(emu)] == [a, b, a, b, a]
    assert len({k for _, k in sent(emu)}) == 5
    assert "already deployed" not in srv.daemon.text()


def test_newer_skipped_push_does_not_cancel_an_older_one(srv, emu):
    """Daemon stopped; push A; push B whose message says [skip deploy]:
    A is deployed, B is skipped, nothing is superseded."""
    a = commit(srv.work, srv.env, name="web/a.html", msg="web change")
    srv.push("origin", "main")
    commit(srv.work, srv.env, msg="typo [skip deploy]")
    srv.push("origin", "main")
    assert len(srv.jobs("new")) == 2
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert created_bodies(emu) == {("main", a): 1}
    notes = sorted(j["last_error"] or "" for j in srv.jobs("done"))
    assert notes == ["", "skipped: the commit message says [skip deploy]"]
    assert "superseded" not in srv.daemon.text()


def test_newer_filtered_push_judged_against_what_is_live(srv, emu):
    """Coalesced jobs: the newest is judged against the last deployed
    commit, so it carries the older push's change and deploys."""
    srv.write_config(rules=PATH_RULES)
    first = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
    srv.push("origin", "main")
    srv.daemon.start()
    wait_until(lambda: len(sent(emu)) == 1, 15)
    assert srv.daemon.stop() == 0
    commit(srv.work, srv.env, name="web/a.html", msg="web")
    srv.push("origin", "main")
    docs = commit(srv.work, srv.env, name="docs/a.md", msg="docs")
    srv.push("origin", "main")
    srv.daemon.start()
    wait_until(lambda: srv.pending() == 0, 15)
    assert srv.daemon.stop() == 0
    assert [c for c, _ in sent(emu)] == [first, docs]


def test_hooked_repository_is_not_polled(srv, emu):
    """A served repository whose hook is installed is followed by its
    hook only: each push deploys once, the watcher never queues it."""
    srv.write_config(daemon="poll_interval = 1\n")
    srv.daemon.start()
    srv.daemon.wait_log(r"not polling '.*srv\.git/': followed by its hook")
    srv.push("origin", "main")
    wait_until(lambda: len(sent(emu)) == 1, 15)
    two = commit(srv.work, srv.env, msg="two")
    srv.push("origin", "main")
    wait_until(lambda: len(sent(emu)) == 2, 15)
    # two more looks at the repositories: still nothing more
    log = srv.daemon.last_run()
    n = log.count("followed by its hook")
    srv.daemon.wait_log(r"(followed by its hook(.|\n)*){%d}" % (n + 2))
    assert srv.daemon.stop() == 0
    assert len(sent(emu)) == 2 and sent(emu)[1][0] == two
    assert "moved to" not in srv.daemon.text()


def test_polled_repository_refuses_hook_jobs(tmp_path, env, emu):
    """Without our hook, the repository is polled; a job claiming to come
    from its hook is refused, so one push never deploys twice."""
    srv = Server(tmp_path, env, emu)
    os.unlink(os.path.join(srv.bare, "hooks", "post-receive"))
    srv.push("origin", "main")                 # no hook: nothing queued
    assert srv.jobs("new") == []
    # a job as the hook would write it, dropped into the spool
    hook = os.path.join(tmp_path, "hooks", "post-receive")
    os.makedirs(os.path.dirname(hook))
    os.symlink(BIN, hook)
    head = git("rev-parse", "HEAD", cwd=srv.work, env=env)
    r = subprocess.run([hook], cwd=srv.bare,
                       input="%s %s refs/heads/main\n" % ("0" * 40, head),
                       env=dict(env, GIT_DIR="."), capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert len(srv.jobs("new")) == 1
    srv.daemon.start()
    try:
        wait_until(lambda: len(srv.jobs("bad")) == 1, 15)
        srv.daemon.wait_log(r"watching '.*srv\.git/'")
        [bad] = srv.jobs("bad")
        assert "followed by polling, not by its hook" in bad["last_error"]
        two = commit(srv.work, srv.env, msg="two")
        srv.push("origin", "main")
        wait_until(lambda: len(sent(emu)) == 1, 15)
        assert sent(emu)[0][0] == two
        assert srv.daemon.stop() == 0
    finally:
        if srv.daemon.proc.poll() is None:
            srv.daemon.kill()


def test_client_branch_and_tag_in_one_push_deploy_once(tmp_path, env, emu):
    """The branch is confirmed during the push (reference-transaction),
    the annotated tag after it (the watcher): one push, one request, so
    one deployment of the commit they share."""
    from test_client_hook import client, settled
    bare, work = client(tmp_path, env, emu)
    h = commit(work, env, msg="release")
    git("tag", "-a", "v1.0", "-m", "release 1.0", cwd=work, env=env)
    push(work, env, "origin", "main", "v1.0")
    settled(work)
    assert [c for c, _ in sent(emu)] == [h]
    with open(os.path.join(work, ".git", "dotgit-deploy",
                           "client.log")) as f:
        assert "refs/tags/v1.0 -> production: not deployed: already " \
            "deployed as dep_" in f.read()
    # the next push of the same commits is another request: it deploys
    git("tag", "-d", "v1.0", cwd=work, env=env)
    git("push", "-q", "origin", ":refs/tags/v1.0", cwd=work, env=env)
    git("tag", "-a", "v1.0", "-m", "again", cwd=work, env=env)
    push(work, env, "origin", "v1.0")
    settled(work)
    assert [c for c, _ in sent(emu)] == [h, h]


def test_config_check_says_what_a_mode_cannot_do(tmp_path, env, emu):
    """A path filter nobody can judge, a queue the daemon would refuse:
    `config check` says so instead of letting pushes deploy silently."""
    import pathlib
    import shutil
    import tempfile
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is missing")
    top = tempfile.mkdtemp(prefix="dd-check-")    # reachable by others
    os.chmod(top, 0o755)
    try:
        check_modes(pathlib.Path(top), env, emu)
    finally:
        shutil.rmtree(top)


def check_modes(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu, rules=PATH_RULES)
    # nobody's repository, but its record of deployments is root's
    for d, dirs, files in os.walk(bare):
        for n in [d] + [os.path.join(d, f) for f in files]:
            os.lchown(n, 65534, 65534)
    os.chown(os.path.join(bare, "dotgit-deploy"), 0, 0)
    os.chmod(os.path.join(bare, "dotgit-deploy"), 0o755)
    os.chmod(os.path.join(bare, "dotgit-deploy.ini"), 0o644)
    nobody = {k: v for k, v in env.items() if k != "XDG_CONFIG_HOME"}
    nobody["HOME"] = "/nonexistent"
    r = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
         BIN, "-C", bare, "config", "check"],
        env=nobody, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert ("warning: path filters cannot be judged here: '%s/"
            "dotgit-deploy' (the record of the last deployment) is not "
            "writable by you, so such pushes deploy every time"
            % os.path.realpath(bare)) in r.stderr
    # queue mode for a repository the daemon does not serve
    for d, dirs, files in os.walk(bare):
        for n in [d] + [os.path.join(d, f) for f in files]:
            os.lchown(n, 0, 0)
    with open(os.path.join(bare, "dotgit-deploy.ini"), "a") as f:
        f.write("[daemon]\nqueue = %s\nrepos = %s/other/*.git\n" % (
            tmp_path / "queue", tmp_path))
    r = run("-C", bare, "config", "check", env=env)
    assert r.returncode == 0, r.stderr
    assert "is not in [daemon] repos: the daemon would refuse its jobs, " \
        "so pushes queue nothing" in r.stderr
    r = run("-C", work, "config", "check", env=env)
