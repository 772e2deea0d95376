# SPDX-License-Identifier: ISC
"""Real pushes into a bare repository with the installed post-receive hook,
checked against what the API emulator received."""
import os

from conftest import BIN, git, run
from apienv import bodies, config_text, emu, key_file  # noqa: F401
from repos import commit, make_bare, make_repo, write

ZERO = "0" * 40


def server(tmp_path, env, emu, extra="", rules=None):
    """A bare repo with the hook installed and a config for the emulator;
    a clone `work` with one commit on main (not pushed yet)."""
    bare = make_bare(tmp_path / "srv.git", env)
    kf = key_file(emu, tmp_path / "key")
    write(os.path.join(bare, "dotgit-deploy.ini"),
          config_text(emu, extra=extra, key_file=kf, rules=rules))
    r = run("-C", bare, "install-hook", "--server", env=env)
    assert r.returncode == 0, r.stderr
    work = str(tmp_path / "work")
    make_repo(work, env)
    git("remote", "add", "origin", bare, cwd=work, env=env)
    return bare, work


def push_r(work, env, *args):
    import subprocess
    return subprocess.run(["git", "push", *args], cwd=work, env=env,
                          capture_output=True, text=True, timeout=60)


def test_push_main_deploys_that_exact_commit_once(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    head = git("rev-parse", "HEAD", cwd=work, env=env)
    r = push_r(work, env, "origin", "main")
    assert r.returncode == 0, r.stderr
    assert bodies(emu) == [{
        "branch": "main", "environment": "production", "commit_hash": head,
        "env_vars": {"NEXT_PUBLIC_API_URL": "https://api.example.com"}}]
    lines = [l for l in r.stderr.splitlines() if "dotgit-deploy:" in l]
    assert len(lines) == 1
    assert lines[0].startswith("remote: dotgit-deploy: main -> production: "
                               "dep_")
    assert " queued (https://127.0.0.1:" in lines[0]


def test_ten_branches_in_one_push_deploy_ten_times(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    heads = {}
    for i in range(10):
        b = "feature/f%d" % i
        git("checkout", "-q", "-b", b, "main", cwd=work, env=env)
        heads[b] = commit(work, env, name="f%d" % i, msg="f%d" % i)
    r = push_r(work, env, "origin", *heads)
    assert r.returncode == 0, r.stderr
    got = {b["branch"]: b["commit_hash"] for b in bodies(emu)}
    assert got == heads
    assert all(b["environment"] == "preview" for b in bodies(emu))


def test_unmapped_and_deleted_deploy_nothing(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    git("checkout", "-q", "-b", "experiment", cwd=work, env=env)
    r = push_r(work, env, "origin", "experiment")
    assert r.returncode == 0
    assert bodies(emu) == []
    assert "dotgit-deploy" not in r.stderr  # unmapped: silent by default
    git("branch", "release/1", cwd=work, env=env)
    r = push_r(work, env, "origin", "main", "release/1")
    n = len(bodies(emu))
    assert n == 2
    r = push_r(work, env, "origin", "--delete", "release/1")
    assert r.returncode == 0, r.stderr
    assert len(bodies(emu)) == n


def test_verbose_push_option_explains_unmapped(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    git("checkout", "-q", "-b", "experiment", cwd=work, env=env)
    r = push_r(work, env, "-o", "deploy.verbose", "origin", "experiment")
    assert r.returncode == 0, r.stderr
    assert ("remote: dotgit-deploy: experiment: not deployed: no [branch] "
            "rule matches") in r.stderr
    assert bodies(emu) == []


def test_force_push_deploys_new_head(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    commit(work, env, msg="second")
    assert push_r(work, env, "origin", "main").returncode == 0
    git("reset", "-q", "--hard", "HEAD~1", cwd=work, env=env)
    new = commit(work, env, name="other", msg="rewritten")
    r = push_r(work, env, "--force", "origin", "main")
    assert r.returncode == 0, r.stderr
    assert bodies(emu)[-1]["commit_hash"] == new
    assert len(bodies(emu)) == 2


def test_annotated_tag_deploys_its_commit(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    head = git("rev-parse", "HEAD", cwd=work, env=env)
    git("tag", "-a", "v1.0", "-m", "release", cwd=work, env=env)
    git("tag", "nodeploy", cwd=work, env=env)
    r = push_r(work, env, "origin", "v1.0", "nodeploy")
    assert r.returncode == 0, r.stderr
    assert bodies(emu) == [{
        "branch": "v1.0", "environment": "production", "commit_hash": head,
        "env_vars": {"NEXT_PUBLIC_API_URL": "https://api.example.com"}}]


def test_push_option_skip(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    r = push_r(work, env, "-o", "deploy.skip", "origin", "main")
    assert r.returncode == 0, r.stderr
    assert bodies(emu) == []
    assert "skipped by push option deploy.skip" in r.stderr


def test_push_option_skip_one_branch(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    git("branch", "release/2", cwd=work, env=env)
    r = push_r(work, env, "-o", "deploy.skip=main", "origin", "main",
               "release/2")
    assert r.returncode == 0, r.stderr
    assert [b["branch"] for b in bodies(emu)] == ["release/2"]


def test_push_option_env_and_environment(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    r = push_r(work, env, "-o", "deploy.env.X=1", "-o",
               "deploy.environment=staging", "origin", "main")
    assert r.returncode == 0, r.stderr
    [b] = bodies(emu)
    assert b["environment"] == "staging"
    assert b["env_vars"] == {"X": "1"}


def test_invalid_push_option_deploys_nothing_and_says_so(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    r = push_r(work, env, "-o", "deploy.environment=prod", "origin", "main")
    assert r.returncode == 0, r.stderr
    assert bodies(emu) == []
    assert "remote: dotgit-deploy: main: not deployed: invalid push option " \
           "'deploy.environment=prod'" in r.stderr


def test_skip_marker_in_commit_message(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    commit(work, env, msg="docs only [skip deploy]")
    r = push_r(work, env, "origin", "main")
    assert r.returncode == 0, r.stderr
    assert bodies(emu) == []
    assert "[skip deploy]" in r.stderr
    commit(work, env, msg="typo [deploy skip]")
    push_r(work, env, "origin", "main")
    assert bodies(emu) == []


def test_existing_hook_still_runs_with_its_stdin(tmp_path, env, emu):
    bare = make_bare(tmp_path / "srv.git", env)
    seen = tmp_path / "seen"
    write(os.path.join(bare, "hooks", "post-receive"),
          "#!/bin/sh\ncat > %s\necho user hook ran\nexit 3\n" % seen,
          mode=0o755)
    kf = key_file(emu, tmp_path / "key")
    write(os.path.join(bare, "dotgit-deploy.ini"),
          config_text(emu, key_file=kf))
    assert run("-C", bare, "install-hook", "--server",
               env=env).returncode == 0
    work = str(tmp_path / "work")
    head = make_repo(work, env)
    r = push_r(work, env, bare, "main")
    assert r.returncode == 0, r.stderr
    assert "remote: user hook ran" in r.stderr
    assert open(seen).read() == "%s %s refs/heads/main\n" % (ZERO, head)
    assert len(bodies(emu)) == 1


def test_garbage_stdin_exits_cleanly(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    junk = b"garbage\n\x00\xff\xfe not a line\n" + b"x" * 100000 + b"\n"
    junk += b"%s %s refs/heads/\xff\xfe\n" % (b"a" * 40, b"b" * 40)
    junk += b"".join(b"%d\n" % i for i in range(10000))
    import subprocess
    e = dict(env, GIT_DIR=bare)
    r = subprocess.run([BIN, "hook", "post-receive"], input=junk,
                       cwd=bare, env=e, capture_output=True, timeout=60)
    assert r.returncode in (0, 1)
    err = r.stderr.decode("utf-8", "replace")
    assert "hook input line 1 ignored" in err
    assert "more bad hook input lines ignored" in err
    assert err.count("\n") < 20
    assert bodies(emu) == []


def test_api_down_does_not_hang_the_push(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu, extra="[hook]\ntimeout = 2\n")
    emu.stop()
    r = push_r(work, env, "origin", "main")
    assert r.returncode == 0
    assert "remote: dotgit-deploy: main -> production: not deployed:" \
        in r.stderr


def test_missing_key_file_is_explained(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    os.unlink(tmp_path / "key")
    r = push_r(work, env, "origin", "main")
    assert r.returncode == 0
    assert "remote: dotgit-deploy: main -> production: not deployed:" \
        in r.stderr
    assert bodies(emu) == []


def test_branch_and_tag_on_one_commit_deploy_once(tmp_path, env, emu):
    bare, work = server(tmp_path, env, emu)
    git("tag", "v2.0", cwd=work, env=env)
    r = push_r(work, env, "origin", "main", "v2.0")
    assert r.returncode == 0, r.stderr
    assert len(bodies(emu)) == 1
    assert ("remote: dotgit-deploy: refs/tags/v2.0 -> production: same "
            "commit as main, deployed once") in r.stderr


def test_slow_api_does_not_hold_the_push(tmp_path, env, emu):
    """A reply that never comes in time: the hook gives up at its budget
    ([hook] timeout = 2) and the push finishes (the 60 s subprocess limit
    is only a guard against a hang, not a timing assertion)."""
    bare, work = server(tmp_path, env, emu, extra="[hook]\ntimeout = 2\n")
    emu.set_faults(slow=60)
    r = push_r(work, env, "origin", "main")
    assert r.returncode == 0
    assert "remote: dotgit-deploy: main -> production: not deployed:" \
        in r.stderr
