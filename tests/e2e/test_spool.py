# SPDX-License-Identifier: ISC
"""The spool's trust boundary: hooks of the group's members drop job files
into tmp/ and new/, the daemon alone writes the rest. A link or a foreign
directory in the spool is refused by everyone, never followed; only the
daemon and `queue init` make or fix the spool."""
import os
import shutil
import stat
import subprocess
import tempfile

import pytest

from conftest import BIN, git, run
from daemonenv import (Daemon, Server, created_bodies, daemon_config,
                       wait_until)
from daemonenv import emu, srv  # noqa: F401 (fixtures)
from queuefiles import init_spool, job_doc, write_job
from repos import commit, make_bare, make_repo, write

MEMBER = 65534      # nobody:nogroup, a git user of the spool's group
SUBDIRS = ("tmp", "new", "cur", "failed", "done", "bad")
LAYOUT = {"": 0o2750, "tmp": 0o3770, "new": 0o3770, "cur": 0o2750,
          "failed": 0o2750, "done": 0o2750, "bad": 0o2750}
HINT_START = ("start the daemon (systemctl start dotgit-deploy) or run "
              "'dotgit-deploy queue init' as its user")
HINT_INIT = ("run 'dotgit-deploy queue init' as the daemon's user (or "
             "root) to set the modes")




def modes(qdir):
    return {d: stat.S_IMODE(os.lstat(os.path.join(qdir, d)).st_mode)
            for d in LAYOUT}


def walk(top):
    """Every path below top, with what a write would change: type and
    mode, owner, inode, size and times of change (reading a directory
    changes its access time, which tells nothing)."""
    out = []
    for dirpath, dirs, files in os.walk(top):
        for n in dirs + files:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            out.append((os.path.relpath(p, top), st.st_mode, st.st_uid,
                        st.st_gid, st.st_ino, st.st_size, st.st_mtime_ns,
                        st.st_ctime_ns))
    return sorted(out)


def queue_cmd(srv, *args):
    return run("-c", srv.daemon_ini, "queue", *args, env=srv.env)


def start_daemon_fails(srv):
    """The daemon refuses to start: its exit status and stderr."""
    r = run("-c", srv.daemon_ini, "daemon", env=srv.env, timeout=30)
    return r.returncode, r.stderr


def test_push_without_a_spool_queues_nothing_and_makes_none(
        tmp_path, env, emu):
    srv = Server(tmp_path, env, emu, init=False)
    r = srv.push("origin", "main")
    assert ("remote: dotgit-deploy: main -> production: not deployed: "
            "queue directory '%s' does not exist: nothing queued"
            % srv.queue) in r.stderr
    assert "remote: hint: %s" % HINT_START in r.stderr
    assert not os.path.exists(srv.queue)
    assert emu.requests() == []


def test_the_daemon_makes_a_missing_spool(tmp_path, env, emu):
    srv = Server(tmp_path, env, emu, init=False)
    try:
        srv.daemon.start()
        srv.daemon.wait_log("started")
        assert modes(srv.queue) == LAYOUT
        assert ("queue: created '%s/new' (mode 3770)" % srv.queue
                in srv.daemon.text())
        head = git("rev-parse", "HEAD", cwd=srv.work, env=srv.env)
        srv.push("origin", "main")
        wait_until(lambda: created_bodies(emu) == {("main", head): 1}, 15)
        assert srv.daemon.stop() == 0
    finally:
        if srv.daemon.proc.poll() is None:
            srv.daemon.kill()


def test_init_makes_the_documented_layout(tmp_path, env):
    qdir = str(tmp_path / "spool")
    r = init_spool(qdir, env, "--group", "nogroup")
    assert r.stdout == "queue '%s' is ready: owner root, group nogroup\n" % (
        qdir)
    assert modes(qdir) == LAYOUT
    assert {os.lstat(os.path.join(qdir, d)).st_gid for d in LAYOUT} == {
        MEMBER}
    assert {os.lstat(os.path.join(qdir, d)).st_uid for d in LAYOUT} == {0}
    # once made, init has nothing to change and says nothing
    r = init_spool(qdir, env)
    assert r.stderr == ""
    assert r.stdout == "queue '%s' is ready: owner root, group nogroup\n" % (
        qdir)


def test_init_fixes_the_old_shared_layout(srv, emu):
    """The layout before: 2770 everywhere; hooks refuse it until init."""
    for d in LAYOUT:
        os.chmod(os.path.join(srv.queue, d), 0o2770)
    r = srv.push("origin", "main")
    assert ("not deployed: queue directory '%s' is writable by its group "
            "(mode 2770): members could replace its subdirectories"
            % srv.queue) in r.stderr
    assert "remote: hint: %s" % HINT_INIT in r.stderr
    assert all(os.listdir(os.path.join(srv.queue, d)) == [] for d in SUBDIRS)
    r = srv.init_queue()
    assert modes(srv.queue) == LAYOUT
    assert r.stderr.splitlines() == [
        "dotgit-deploy: queue: '%s%s': mode 2770 -> %04o" % (
            srv.queue, "/" + d if d else "", LAYOUT[d])
        for d in ("",) + SUBDIRS]
    commit(srv.work, srv.env, msg="after init")
    r = srv.push("origin", "main")
    [job] = srv.jobs("new")
    assert "main -> production: queued (job %s)" % job["id"] in r.stderr


@pytest.mark.parametrize("name", ["bad", "cur", "done", "failed"])
def test_a_linked_subdirectory_is_never_followed(tmp_path, srv, emu, name):
    # a job the daemon would take (cur/) and send (done/), a corrupt
    # file `queue` would move to bad/
    srv.push("origin", "main")
    [job] = srv.jobs("new")
    corrupt = os.path.join(srv.queue, "new", "0000000000000001.1.1")
    write(corrupt, "{not json")
    target = tmp_path / "target"
    target.mkdir()
    link = os.path.join(srv.queue, name)
    os.rmdir(link)
    os.symlink(str(target), link)
    msg = ("dotgit-deploy: queue directory '%s' is a symbolic link: "
           "refusing to use it\nhint: someone replaced it: remove it, then "
           "run 'dotgit-deploy queue init' as the daemon's user\n" % link)
    r = queue_cmd(srv)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", msg)
    r = queue_cmd(srv, "drop", job["id"])
    assert (r.returncode, r.stderr) == (1, msg)
    assert start_daemon_fails(srv) == (1, msg)
    r = srv.push("origin", "HEAD:refs/heads/release/1")
    assert ("release/1 -> staging: not deployed: queue directory '%s' is a "
            "symbolic link" % link) in r.stderr
    r = queue_cmd(srv, "init")
    assert (r.returncode, r.stderr) == (1, msg)
    # nothing was written where the link points, nothing was sent
    assert os.listdir(str(target)) == []
    assert os.path.islink(link)
    assert sorted(os.listdir(os.path.join(srv.queue, "new"))) == sorted(
        [job["id"], "0000000000000001.1.1"])
    assert emu.requests() == []


def test_a_subdirectory_of_another_user_is_refused(srv, emu):
    srv.push("origin", "main")
    bad = os.path.join(srv.queue, "bad")
    os.chown(bad, MEMBER, -1)
    before = walk(srv.queue)
    msg = ("dotgit-deploy: queue directory '%s' belongs to user nobody, not "
           "to root, the owner of '%s'\nhint: remove it (or chown -R root "
           "it), then run 'dotgit-deploy queue init' as the daemon's user\n"
           % (bad, srv.queue))
    r = queue_cmd(srv)
    assert (r.returncode, r.stderr) == (1, msg)
    # the daemon (and init) neither adopt it nor change anything else
    assert start_daemon_fails(srv) == (1, msg)
    assert queue_cmd(srv, "init").stderr == msg
    r = srv.push("origin", "HEAD:refs/heads/release/1")
    assert ("release/1 -> staging: not deployed: queue directory '%s' "
            "belongs to user nobody" % bad) in r.stderr
    assert walk(srv.queue) == before
    assert emu.requests() == []


def test_a_sticky_less_new_dir_is_refused(srv):
    new = os.path.join(srv.queue, "new")
    os.chmod(new, 0o2770)
    r = srv.push("origin", "main")
    assert ("not deployed: queue directory '%s' is group-writable without "
            "the sticky bit (mode 2770): members could remove each other's "
            "jobs" % new) in r.stderr
    assert os.listdir(new) == []


def chown_tree(top, uid, gid):
    os.lchown(top, uid, gid)
    for dirpath, dirs, files in os.walk(top):
        for n in dirs + files:
            os.lchown(os.path.join(dirpath, n), uid, gid)


def open_to_all(top):
    """Let another user push into a repository of ours."""
    for dirpath, dirs, files in os.walk(top):
        os.chmod(dirpath, 0o777)
        for n in files:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p):
                os.chmod(p, 0o666 | (os.stat(p).st_mode & 0o111))


@pytest.fixture
def shared(env):
    """A directory other users can reach (pytest's is root's alone)."""
    base = tempfile.mkdtemp(prefix="dd-spool-", dir="/tmp")
    os.chmod(base, 0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def as_member(*args, cwd, env):
    return subprocess.run(
        ["setpriv", "--reuid=%d" % MEMBER, "--regid=%d" % MEMBER,
         "--clear-groups", *args], cwd=cwd, env=env, capture_output=True,
        text=True, timeout=60)


def test_a_member_queues_and_the_daemon_sends(shared, env, emu):
    """A git user of the spool's group pushes: its job file, its own,
    is taken and sent by the daemon; it cannot retry or drop."""
    home = os.path.join(shared, "home")
    write(os.path.join(home, ".gitconfig"),
          "[safe]\n\tdirectory = *\n")
    chown_tree(home, MEMBER, MEMBER)
    menv = dict(env, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".c"))
    ca = write(os.path.join(shared, "ca.pem"), open(emu.ca).read(),
               mode=0o644)
    key = write(os.path.join(shared, "key"), emu.key + "\n", mode=0o600)
    qdir = os.path.join(shared, "queue")
    bare = make_bare(os.path.join(shared, "srv.git"), env)
    cfg = daemon_config(emu, key, qdir, ca=ca, repos=bare)
    os.symlink(BIN, os.path.join(bare, "hooks", "post-receive"))
    open_to_all(bare)
    # the admin's file: trusted only while no one else may write it
    write(os.path.join(bare, "dotgit-deploy.ini"), cfg, mode=0o644)
    work = os.path.join(shared, "work")
    head = make_repo(work, env)
    git("remote", "add", "origin", bare, cwd=work, env=env)
    chown_tree(work, MEMBER, MEMBER)
    daemon_ini = write(os.path.join(shared, "daemon.ini"), cfg)
    # not (yet) in the spool's group
    init_spool(qdir, env)
    r = as_member(BIN, "queue", "--queue-dir", qdir, cwd=shared, env=menv)
    assert (r.returncode, r.stderr) == (
        1, "dotgit-deploy: cannot open queue directory '%s': Permission "
        "denied\nhint: add this user to the group of '%s' (usermod -aG "
        "GROUP USER)\n" % (qdir, qdir))
    r = init_spool(qdir, env, "--group", "nogroup")
    assert "queue: '%s/new': group root -> nogroup" % qdir in r.stderr

    r = as_member("git", "push", "origin", "main", cwd=work, env=menv)
    assert r.returncode == 0, r.stderr
    [name] = os.listdir(os.path.join(qdir, "new"))
    assert "main -> production: queued (job %s)" % name in r.stderr
    st = os.lstat(os.path.join(qdir, "new", name))
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (
        MEMBER, MEMBER, 0o640)

    failed = write_job(qdir, "failed", job_doc())
    os.chown(os.path.join(qdir, "failed", failed), 0, MEMBER)
    for verb in ("retry", "drop"):
        r = as_member(BIN, "queue", "--queue-dir", qdir, verb, failed,
                      cwd=shared, env=menv)
        assert (r.returncode, r.stdout, r.stderr) == (
            1, "", "dotgit-deploy: cannot %s job '%s': '%s/failed' is "
            "written by the daemon's user (root) only\nhint: run as the "
            "daemon's user (root) or root\n" % (verb, failed, qdir))
    assert os.listdir(os.path.join(qdir, "failed")) == [failed]
    r = as_member(BIN, "queue", "--queue-dir", qdir, "--json", cwd=shared,
                  env=menv)
    assert r.returncode == 0, r.stderr

    d = Daemon(daemon_ini, os.path.join(shared, "daemon.log"), env).start()
    try:
        wait_until(lambda: created_bodies(emu) == {("main", head): 1}, 15)
        wait_until(lambda: os.listdir(os.path.join(qdir, "done")) == [name],
                   5)
        assert d.stop() == 0
    finally:
        if d.proc.poll() is None:
            d.kill()
    # the daemon's own file replaced the member's
    assert os.lstat(os.path.join(qdir, "done", name)).st_uid == 0
