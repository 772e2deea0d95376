# SPDX-License-Identifier: ISC
"""deploy --dry-run on real repositories of every shape git makes."""
import json
import os

from conftest import git, run
from repos import CONFIG, commit, make_bare, make_repo, write


def dry(repo, env, *args, cfg=None):
    argv = ["-C", str(repo)]
    if cfg is not None:
        argv += ["-c", cfg]
    return run(*argv, "deploy", *args, "--dry-run", "--json", env=env)


def body_of(r):
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["method"] == "POST"
    return doc


def test_dry_run_body_field_by_field(tmp_path, env):
    repo = tmp_path / "app"
    head = make_repo(repo, env)
    write(repo / ".git" / "dotgit-deploy.ini", CONFIG)
    doc = body_of(dry(repo, env))
    assert doc["url"] == \
        "https://api.example.test/v1/projects/proj_8f2a9c/deployments"
    assert doc["body"] == {
        "branch": "main", "environment": "production",
        "commit_hash": head,
        "env_vars": {"NEXT_PUBLIC_API_URL": "https://api.example.com"},
    }
    assert len(doc["headers"]["Idempotency-Key"]) == 64


def test_dry_run_text_shows_method_url_body(tmp_path, env):
    repo = tmp_path / "app"
    head = make_repo(repo, env)
    write(repo / ".git" / "dotgit-deploy.ini", CONFIG)
    r = run("-C", str(repo), "deploy", "--dry-run", env=env)
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert first == ("POST https://api.example.test/v1/projects/"
                     "proj_8f2a9c/deployments")
    assert '"commit_hash": "%s"' % head in r.stdout


def test_set_and_environment_override(tmp_path, env):
    repo = tmp_path / "app"
    make_repo(repo, env)
    write(repo / ".dotgit-deploy.ini", CONFIG)
    doc = body_of(dry(repo, env, "--set", "NEXT_PUBLIC_API_URL=https://o",
                      "--set", "EXTRA=1", "--environment", "staging"))
    assert doc["body"]["environment"] == "staging"
    # staging has no [environment] section: only --set values
    assert doc["body"]["env_vars"] == {"NEXT_PUBLIC_API_URL": "https://o",
                                       "EXTRA": "1"}


def test_set_overrides_config_vars(tmp_path, env):
    repo = tmp_path / "app"
    make_repo(repo, env)
    write(repo / ".dotgit-deploy.ini", CONFIG)
    doc = body_of(dry(repo, env, "--set", "NEXT_PUBLIC_API_URL=https://o"))
    assert doc["body"]["env_vars"] == {"NEXT_PUBLIC_API_URL": "https://o"}


def test_bad_environment_is_usage_error(tmp_path, env):
    repo = tmp_path / "app"
    make_repo(repo, env)
    write(repo / ".dotgit-deploy.ini", CONFIG)
    r = dry(repo, env, "--environment", "prod")
    assert r.returncode == 2
    assert "unknown environment 'prod'" in r.stderr


def test_bad_set_is_usage_error(tmp_path, env):
    repo = tmp_path / "app"
    make_repo(repo, env)
    write(repo / ".dotgit-deploy.ini", CONFIG)
    r = dry(repo, env, "--set", "1BAD=x")
    assert r.returncode == 2
    assert "invalid environment variable name" in r.stderr


def test_named_branch_with_slash_and_glob(tmp_path, env):
    repo = tmp_path / "app"
    make_repo(repo, env)
    write(repo / ".dotgit-deploy.ini", CONFIG)
    git("checkout", "-q", "-b", "feature/login/form", cwd=repo, env=env)
    head = commit(str(repo), env, msg="form")
    git("checkout", "-q", "main", cwd=repo, env=env)
    doc = body_of(dry(repo, env, "feature/login/form"))
    assert doc["body"]["branch"] == "feature/login/form"
    assert doc["body"]["environment"] == "preview"
    assert doc["body"]["commit_hash"] == head


def test_commit_option_deploys_that_commit(tmp_path, env):
    repo = tmp_path / "app"
    make_repo(repo, env, commits=3)
    write(repo / ".dotgit-deploy.ini", CONFIG)
    older = git("rev-parse", "HEAD~2", cwd=repo, env=env)
    doc = body_of(dry(repo, env, "--commit", "HEAD~2"))
    assert doc["body"]["commit_hash"] == older
    assert doc["body"]["branch"] == "main"


def test_unmapped_branch_says_why(tmp_path, env):
    repo = tmp_path / "app"
    make_repo(repo, env)
    write(repo / ".dotgit-deploy.ini", CONFIG)
    git("branch", "experiment", cwd=repo, env=env)
    r = dry(repo, env, "experiment")
    assert r.returncode == 1
    assert "refs/heads/experiment: not deployed: no [branch] rule" in r.stderr
    assert "--environment" in r.stderr
    doc = body_of(dry(repo, env, "experiment", "--environment", "preview"))
    assert doc["body"]["environment"] == "preview"


def test_bare_repository(tmp_path, env):
    src = tmp_path / "src"
    head = make_repo(src, env)
    bare = make_bare(tmp_path / "srv.git", env)
    git("push", "-q", bare, "main", cwd=src, env=env)
    cfg = write(tmp_path / "srv.git" / "dotgit-deploy.ini", CONFIG)
    doc = body_of(dry(bare, env))  # found in $GIT_DIR
    assert doc["body"]["commit_hash"] == head
    doc = body_of(dry(bare, env, "main", cfg=cfg))
    assert doc["body"]["commit_hash"] == head


def test_worktree(tmp_path, env):
    repo = tmp_path / "app"
    make_repo(repo, env)
    cfg = write(tmp_path / "deploy.ini", CONFIG)
    wt = tmp_path / "wt"
    git("worktree", "add", "-q", "-b", "release/1.0", str(wt), cwd=repo,
        env=env)
    head = commit(str(wt), env, msg="release fix")
    doc = body_of(dry(wt, env, cfg=cfg))
    assert doc["body"]["branch"] == "release/1.0"
    assert doc["body"]["environment"] == "staging"
    assert doc["body"]["commit_hash"] == head


def test_detached_head_is_clear(tmp_path, env):
    repo = tmp_path / "app"
    make_repo(repo, env, commits=2)
    write(repo / ".dotgit-deploy.ini", CONFIG)
    git("checkout", "-q", "--detach", "HEAD~1", cwd=repo, env=env)
    r = dry(repo, env)
    assert r.returncode == 1
    assert "detached" in r.stderr
    assert body_of(dry(repo, env, "main"))["body"]["branch"] == "main"


def test_unborn_branch_is_clear(tmp_path, env):
    repo = tmp_path / "empty"
    git("init", "-q", "-b", "main", str(repo), env=env)
    write(repo / ".dotgit-deploy.ini", CONFIG)
    r = dry(repo, env)
    assert r.returncode == 1
    assert "no commits yet" in r.stderr


def test_annotated_tag_is_peeled(tmp_path, env):
    repo = tmp_path / "app"
    head = make_repo(repo, env)
    write(repo / ".dotgit-deploy.ini", CONFIG)
    git("tag", "-a", "v1.0", "-m", "release 1.0", cwd=repo, env=env)
    tag_obj = git("rev-parse", "v1.0", cwd=repo, env=env)
    assert tag_obj != head
    doc = body_of(dry(repo, env, "--tag", "v1.0"))
    assert doc["body"]["commit_hash"] == head
    assert doc["body"]["branch"] == "v1.0"
    doc = body_of(dry(repo, env, "--commit", "v1.0"))
    assert doc["body"]["commit_hash"] == head


def test_no_network_in_dry_run(tmp_path, env):
    """A dry run needs no key and never connects (the URL is unroutable)."""
    repo = tmp_path / "app"
    make_repo(repo, env)
    write(repo / ".git" / "dotgit-deploy.ini",
          CONFIG.replace("https://api.example.test/v1",
                         "https://127.0.0.1:1/v1"))
    r = dry(repo, env)
    assert r.returncode == 0, r.stderr


def test_not_a_repository(tmp_path, env):
    r = run("-C", str(tmp_path), "deploy", "--dry-run", env=env)
    assert r.returncode == 1
    assert "not a git repository" in r.stderr


def test_sha256_repository_refused(tmp_path, env):
    repo = tmp_path / "s"
    git("init", "-q", "--object-format=sha256", str(repo), env=env)
    r = run("-C", str(repo), "deploy", "--dry-run", env=env)
    assert r.returncode == 1
    assert "sha256" in r.stderr
