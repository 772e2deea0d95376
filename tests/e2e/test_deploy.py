# SPDX-License-Identifier: ISC
"""`deploy` for real against the emulator: the exact body it received,
what the user sees, --json and --wait."""
import json
import re

from apienv import bodies, config_text, emu, key_file  # noqa: F401
from conftest import git, run
from repos import make_repo, write


def make_app(tmp_path, env, emu, **kw):
    repo = str(tmp_path / "app")
    head = make_repo(repo, env)
    kf = key_file(emu, tmp_path / "key")
    write(tmp_path / "app" / ".git" / "dotgit-deploy.ini",
          config_text(emu, key_file=kf, **kw))
    return repo, head


def test_deploy_sends_exact_body_and_says_so(tmp_path, env, emu):
    repo, head = make_app(tmp_path, env, emu)
    r = run("-C", repo, "deploy", "--set", "EXTRA=1", env=env)
    assert r.returncode == 0, r.stderr
    assert bodies(emu) == [{
        "branch": "main", "environment": "production", "commit_hash": head,
        "env_vars": {"NEXT_PUBLIC_API_URL": "https://api.example.com",
                     "EXTRA": "1"}}]
    [post] = emu.deployment_posts()
    assert post["path"] == "/v1/projects/proj_8f2a9c/deployments"
    assert post["auth"] == "ok"
    assert post["user_agent"].startswith("dotgit-deploy/")
    assert len(post["idempotency_key"]) == 64
    dep = post["deployment_id"]
    assert r.stdout == "main -> production: %s queued (%s/deployments/%s)\n" \
        % (dep, emu.url, dep)


def test_global_options_after_the_command(tmp_path, env, emu):
    repo, head = make_app(tmp_path, env, emu)
    cfg = str(tmp_path / "app" / ".git" / "dotgit-deploy.ini")
    r = run("deploy", "main", "-C", repo, "-c", cfg, "--json", env=env)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["id"].startswith("dep_") and doc["status"] == "queued"


def test_deploy_by_project_name(tmp_path, env, emu):
    repo, head = make_app(tmp_path, env, emu, project="name = main-app")
    r = run("-C", repo, "deploy", env=env)
    assert r.returncode == 0, r.stderr
    [post] = emu.deployment_posts()
    assert post["path"] == "/v1/projects/proj_8f2a9c/deployments"


def test_deploy_wait_follows_to_ready(tmp_path, env, emu):
    repo, head = make_app(tmp_path, env, emu)
    r = run("-C", repo, "deploy", "--wait", env=env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("main -> production: dep_")
    assert lines[-1].endswith(")") and ": ready (" in lines[-1]


def test_deploy_wait_error_exits_1(tmp_path, env, tmp_path_factory):
    from harness import Emulator
    e = Emulator(tmp_path / "emu2", "--queued-secs", "0.1",
                 "--building-secs", "0.1", "--fail-branch", "main")
    e.start()
    try:
        repo, head = make_app(tmp_path, env, e)
        r = run("-C", repo, "deploy", "--wait", "--json", env=env)
        assert r.returncode == 1
        assert json.loads(r.stdout)["status"] == "error"
        assert "ended in error" in r.stderr
    finally:
        e.stop()


def test_deploy_again_is_a_redeploy(tmp_path, env, emu):
    """Like `vercel redeploy`: each run is a new deployment of the same
    commit, and retries inside one run reuse its key."""
    repo, head = make_app(tmp_path, env, emu)
    r1 = run("-C", repo, "deploy", env=env)
    r2 = run("-C", repo, "deploy", env=env)
    assert r1.returncode == 0 and r2.returncode == 0
    created = emu.created_deployments()
    assert len(created) == 2
    assert r1.stdout != r2.stdout
    posts = emu.deployment_posts()
    assert len({p["idempotency_key"] for p in posts}) == 2
    assert all(p["body"]["commit_hash"] == head for p in posts)
    # a retry within one run: the same key, one deployment
    emu.set_faults(fail_first_post=1)
    r3 = run("-C", repo, "deploy", env=env)
    assert r3.returncode == 0, r3.stderr
    posts = emu.deployment_posts()[2:]
    assert [p["status"] for p in posts] == [500, 201]
    assert posts[0]["idempotency_key"] == posts[1]["idempotency_key"]
    assert len(emu.created_deployments()) == 3


def test_deploy_wait_timeout(tmp_path, env):
    """--timeout bounds --wait as it does for `status --wait`."""
    from harness import Emulator
    e = Emulator(tmp_path / "emu2", "--queued-secs", "0.1",
                 "--building-secs", "60")
    e.start()
    try:
        repo, head = make_app(tmp_path, env, e)
        r = run("-C", repo, "deploy", "--wait", "--timeout", "1", env=env)
        assert r.returncode == 1
        dep = e.deployment_posts()[0]["deployment_id"]
        assert r.stdout.startswith("main -> production: %s queued" % dep)
        assert re.search(r"dotgit-deploy: deployment '%s' is still "
                         r"(queued|building) after 1 s\n$" % dep, r.stderr)
    finally:
        e.stop()


def test_deploy_bad_timeout_sends_nothing(tmp_path, env, emu):
    repo, head = make_app(tmp_path, env, emu)
    r = run("-C", repo, "deploy", "--wait", "--timeout", "0", env=env)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == ("dotgit-deploy: invalid --timeout '0': a number of "
                        "seconds from 1 to 86400 is needed\n")
    assert emu.deployment_posts() == []
