# SPDX-License-Identifier: ISC
"""A push over smart HTTP (git-http-backend) as an unprivileged user with a
thin environment: no DOTGIT_API_KEY, no HOME, a minimal PATH. The hook must
find its config in $GIT_DIR, its key in key_file, and say clearly when the
key file is missing or too open."""
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

import pytest

from apienv import bodies, config_text, emu  # noqa: F401
from conftest import ROOT, git, run
from harness import wait_until
from repos import make_bare, make_repo, write

BACKEND = "/usr/lib/git-core/git-http-backend"
PYTHON = "/usr/bin/python3"


def as_user():
    """argv prefix to drop to `nobody` when we are root, else nothing."""
    if os.getuid() != 0:
        return [], None
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to drop privileges")
    nobody = pwd.getpwnam("nobody")
    return (["setpriv", "--reuid=%d" % nobody.pw_uid,
             "--regid=%d" % nobody.pw_gid, "--clear-groups", "--"],
            nobody)


@pytest.fixture
def http_server(env, emu):
    if not os.access(BACKEND, os.X_OK):
        pytest.skip("git-http-backend not found")
    base = tempfile.mkdtemp(prefix="dd-http-")
    os.chmod(base, 0o755)
    prefix, user = as_user()
    bare = make_bare(os.path.join(base, "srv.git"), env)
    git("config", "http.receivepack", "true", cwd=bare, env=env)
    ca = shutil.copy(emu.ca, os.path.join(base, "ca.pem"))
    kf = write(os.path.join(base, "key"), emu.key + "\n", mode=0o600)
    cfg = config_text(emu, key_file=kf).replace(emu.ca, ca)
    write(os.path.join(bare, "dotgit-deploy.ini"), cfg)
    r = run("-C", bare, "install-hook", "--server", env=env)
    assert r.returncode == 0, r.stderr
    os.makedirs(os.path.join(base, "cgi-bin"))
    os.symlink(BACKEND, os.path.join(base, "cgi-bin", "git-http-backend"))
    if user is not None:
        for d, dirs, files in os.walk(base):
            for n in [d] + [os.path.join(d, x) for x in dirs + files]:
                os.lchown(n, user.pw_uid, user.pw_gid)
    port_file = os.path.join(base, "port")
    thin = {"PATH": "/usr/bin:/bin", "GIT_PROJECT_ROOT": base,
            "GIT_HTTP_EXPORT_ALL": "1"}
    proc = subprocess.Popen(
        prefix + [PYTHON, os.path.join(ROOT, "tests", "e2e",
                                       "cgi_server.py"), base, port_file],
        env=thin, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        port = wait_until(lambda: os.path.exists(port_file) and
                          open(port_file).read(), 10)
        yield {"url": "http://127.0.0.1:%s/cgi-bin/git-http-backend/srv.git"
               % port, "bare": bare, "key": kf, "user": user}
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(base, ignore_errors=True)


def push(work, env, url):
    return subprocess.run(["git", "push", url, "main"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=60)


def test_push_over_http_deploys(tmp_path, env, emu, http_server):
    work = str(tmp_path / "work")
    head = make_repo(work, env)
    r = push(work, env, http_server["url"])
    assert r.returncode == 0, r.stderr
    assert [b["commit_hash"] for b in bodies(emu)] == [head]
    assert "remote: dotgit-deploy: main -> production: dep_" in r.stderr


def test_key_file_too_open_is_explained(tmp_path, env, emu, http_server):
    os.chmod(http_server["key"], 0o644)
    work = str(tmp_path / "work")
    make_repo(work, env)
    r = push(work, env, http_server["url"])
    assert r.returncode == 0, r.stderr
    assert bodies(emu) == []
    assert "remote: dotgit-deploy: nothing deployed: " in r.stderr
    assert "key file '%s'" % http_server["key"] in r.stderr
    assert "chmod 600" in r.stderr


def test_key_file_missing_is_explained(tmp_path, env, emu, http_server):
    os.unlink(http_server["key"])
    work = str(tmp_path / "work")
    make_repo(work, env)
    r = push(work, env, http_server["url"])
    assert r.returncode == 0, r.stderr
    assert bodies(emu) == []
    assert "remote: dotgit-deploy: main -> production: not deployed:" \
        in r.stderr
    assert http_server["key"] in r.stderr
