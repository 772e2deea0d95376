# SPDX-License-Identifier: ISC
"""The client hooks in a clone: real pushes to a bare remote, checked
against what the API emulator received. git 2.39 has no post-push hook:
pre-push records, reference-transaction confirms branch pushes during the
push, a detached watcher settles tags and URL pushes after it."""
import os
import shutil
import subprocess
import time

import pytest

from conftest import git, run
from apienv import bodies, config_text, emu, key_file  # noqa: F401
from harness import wait_until
from hookfs import push, snapshot, watchers
from repos import commit, make_bare, make_repo, write

PROD = {"NEXT_PUBLIC_API_URL": "https://api.example.com"}


def client(tmp_path, env, emu, extra="", rules=None):
    """A bare remote (push options on, no hooks) and a clone `work` with
    the client hooks installed and a config for the emulator."""
    bare = make_bare(tmp_path / "srv.git", env)
    git("config", "receive.advertisePushOptions", "true", cwd=bare,
        env=env)
    work = str(tmp_path / "work")
    make_repo(work, env)
    git("remote", "add", "origin", bare, cwd=work, env=env)
    kf = key_file(emu, tmp_path / "key")
    write(os.path.join(work, ".git", "dotgit-deploy.ini"),
          config_text(emu, extra=extra, key_file=kf, rules=rules))
    r = run("-C", work, "install-hook", env=env)
    assert r.returncode == 0, r.stderr
    return bare, work


def head(repo, env, rev="HEAD"):
    return git("rev-parse", rev, cwd=repo, env=env)


def settled(work, timeout=30):
    """Wait until this clone's post-push watchers have finished and no
    push is left recorded."""
    pushes = os.path.join(work, ".git", "dotgit-deploy", "pushes")

    def done():
        left = [f for f in os.listdir(pushes) if f.isdigit()] \
            if os.path.isdir(pushes) else []
        return not left and not watchers(work)
    wait_until(done, timeout, message="post-push watcher still running")
    # the watcher's stderr is the log: a sanitizer report would land there
    text = client_log(work)
    assert "Sanitizer" not in text and "runtime error" not in text, text


def client_log(work):
    p = os.path.join(work, ".git", "dotgit-deploy", "client.log")
    if not os.path.exists(p):
        return ""
    with open(p) as f:
        return f.read()


def deploy_lines(r):
    return [l for l in r.stderr.splitlines() if "dotgit-deploy:" in l]


def test_successful_push_deploys_that_commit_once(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu)
    h = head(work, env)
    r = push(work, env, "origin", "main")
    assert r.returncode == 0, r.stderr
    # deployed during the push, and said so in its output
    assert bodies(emu) == [{"branch": "main", "environment": "production",
                            "commit_hash": h, "env_vars": PROD}]
    lines = deploy_lines(r)
    assert len(lines) == 1
    assert lines[0].startswith("dotgit-deploy: main -> production: dep_")
    assert " queued (https://127.0.0.1:" in lines[0]
    settled(work)
    assert len(bodies(emu)) == 1
    # the next push deploys the next commit, exactly
    h2 = commit(work, env, msg="two")
    r = push(work, env, "-q", "origin", "main")
    assert r.returncode == 0, r.stderr
    settled(work)
    assert [b["commit_hash"] for b in bodies(emu)] == [h, h2]


def test_rejected_push_deploys_nothing(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu)
    assert push(work, env, "origin", "main").returncode == 0
    other = str(tmp_path / "other")
    git("clone", "-q", bare, other, env=env)
    commit(other, env, name="o.txt", msg="theirs")
    assert push(other, env, "-q", "origin", "main").returncode == 0
    n = len(bodies(emu))
    # the remote has work we lack: rejected ("fetch first"), after pre-push
    mine = commit(work, env, msg="mine")
    r = push(work, env, "origin", "main")
    assert r.returncode == 1
    assert "[rejected]" in r.stderr
    settled(work)
    assert len(bodies(emu)) == n
    assert "main: not deployed: '%s' has" % bare in client_log(work)
    assert "not the pushed %s (the push did not succeed)" % mine[:7] in \
        client_log(work)
    # known non-fast-forward: git rejects before telling pre-push anything
    git("fetch", "-q", "origin", cwd=work, env=env)
    r = push(work, env, "origin", "main")
    assert r.returncode == 1
    assert "non-fast-forward" in r.stderr
    settled(work)
    assert len(bodies(emu)) == n


def test_fetch_pull_commit_branch_deploy_nothing(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu)
    assert push(work, env, "-q", "origin", "main").returncode == 0
    settled(work)
    n = len(bodies(emu))
    other = str(tmp_path / "other")
    git("clone", "-q", bare, other, env=env)
    commit(other, env, name="o.txt", msg="theirs")
    git("push", "-q", "origin", "main", cwd=other, env=env)
    git("fetch", "origin", cwd=work, env=env)
    git("pull", "-q", "--ff-only", "origin", "main", cwd=work, env=env)
    commit(work, env, msg="local only")
    git("branch", "feature/x", cwd=work, env=env)
    git("tag", "v9", cwd=work, env=env)
    settled(work)
    assert len(bodies(emu)) == n


def test_unmapped_branch_deploys_nothing(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu)
    git("checkout", "-q", "-b", "experiment", cwd=work, env=env)
    r = push(work, env, "origin", "experiment")
    assert r.returncode == 0, r.stderr
    assert deploy_lines(r) == []
    settled(work)
    assert bodies(emu) == []
    assert not os.path.exists(os.path.join(work, ".git", "dotgit-deploy",
                                           "client.log"))


def test_annotated_tag_deploys_peeled_commit_after_push(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu)
    h = commit(work, env, msg="release")
    git("tag", "-a", "v1.0", "-m", "release 1.0", cwd=work, env=env)
    assert head(work, env, "v1.0") != h  # the tag object, not the commit
    r = push(work, env, "origin", "v1.0")
    assert r.returncode == 0, r.stderr
    log = os.path.join(work, ".git", "dotgit-deploy", "client.log")
    assert deploy_lines(r) == [
        "dotgit-deploy: refs/tags/v1.0: deploys once the push has "
        "succeeded (see '%s')" % log]
    got = wait_until(lambda: bodies(emu), 30,
                     message="the tag was not deployed")
    assert got == [{"branch": "v1.0", "environment": "production",
                    "commit_hash": h, "env_vars": PROD}]
    settled(work)
    assert len(bodies(emu)) == 1
    text = client_log(work)
    assert "git push " in text and " ended: checking 1 ref on the remote" \
        in text
    assert "dotgit-deploy: refs/tags/v1.0 -> production: dep_" in text


def test_push_to_the_remote_url_deploys(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu)
    h = head(work, env)
    r = push(work, env, bare, "main")
    assert r.returncode == 0, r.stderr
    wait_until(lambda: bodies(emu), 30, message="URL push not deployed")
    settled(work)
    assert [b["commit_hash"] for b in bodies(emu)] == [h]
    assert "main -> production: dep_" in client_log(work)


def test_push_to_another_remote_deploys_nothing(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu)
    mirror = make_bare(tmp_path / "mirror.git", env)
    git("remote", "add", "backup", mirror, cwd=work, env=env)
    assert push(work, env, "backup", "main").returncode == 0
    assert push(work, env, mirror, "main:refs/heads/other").returncode == 0
    settled(work)
    assert bodies(emu) == []


def test_configured_remote_name(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu, extra="[hook]\nremote = up\n")
    git("remote", "rename", "origin", "up", cwd=work, env=env)
    r = push(work, env, "up", "main")
    assert r.returncode == 0, r.stderr
    assert len(bodies(emu)) == 1
    settled(work)
    assert len(bodies(emu)) == 1


def test_delete_push_deploys_nothing(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu)
    git("checkout", "-q", "-b", "release/1", cwd=work, env=env)
    assert push(work, env, "-q", "origin", "release/1").returncode == 0
    settled(work)
    n = len(bodies(emu))
    assert n == 1
    r = push(work, env, "origin", "--delete", "release/1")
    assert r.returncode == 0, r.stderr
    assert deploy_lines(r) == []
    settled(work)
    assert len(bodies(emu)) == n


def test_push_options_reach_the_plan(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu)
    h = head(work, env)
    r = push(work, env, "-o", "deploy.env.FEATURE=on",
             "--push-option=deploy.environment=staging", "origin", "main")
    assert r.returncode == 0, r.stderr
    assert bodies(emu) == [{"branch": "main", "environment": "staging",
                            "commit_hash": h,
                            "env_vars": {"FEATURE": "on"}}]
    h2 = commit(work, env, msg="skipped")
    r = push(work, env, "-o", "deploy.skip", "origin", "main")
    assert r.returncode == 0, r.stderr
    settled(work)
    assert len(bodies(emu)) == 1
    # push.pushOption config stands in for -o
    git("config", "push.pushOption", "deploy.env.FROM=config", cwd=work,
        env=env)
    h3 = commit(work, env, msg="three")
    assert push(work, env, "-q", "origin", "main").returncode == 0
    assert bodies(emu)[-1]["commit_hash"] == h3
    assert bodies(emu)[-1]["env_vars"] == dict(PROD, FROM="config")
    del h2


def test_dry_run_and_no_verify_deploy_nothing(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu)
    r = push(work, env, "--dry-run", "origin", "main")
    assert r.returncode == 0, r.stderr
    r = push(work, env, "-n", "origin", "main")
    assert r.returncode == 0, r.stderr
    settled(work)
    assert bodies(emu) == []
    # --no-verify skips pre-push: nothing recorded, nothing deployed
    r = push(work, env, "--no-verify", "origin", "main")
    assert r.returncode == 0, r.stderr
    settled(work)
    assert bodies(emu) == []


def test_remote_with_two_push_urls_deploys_once(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu)
    mirror = make_bare(tmp_path / "mirror.git", env)
    git("remote", "set-url", "--add", "--push", "origin", bare, cwd=work,
        env=env)
    git("remote", "set-url", "--add", "--push", "origin", mirror, cwd=work,
        env=env)
    h = head(work, env)
    r = push(work, env, "origin", "main")
    assert r.returncode == 0, r.stderr
    settled(work)
    assert [b["commit_hash"] for b in bodies(emu)] == [h]


def test_branch_without_tracking_ref_settled_after_push(tmp_path, env, emu):
    """A remote whose fetch refspec does not cover the branch: no tracking
    ref moves, so the watcher confirms it with ls-remote."""
    bare, work = client(tmp_path, env, emu)
    git("config", "--unset-all", "remote.origin.fetch", cwd=work, env=env)
    h = head(work, env)
    r = push(work, env, "origin", "main")
    assert r.returncode == 0, r.stderr
    assert bodies(emu) == []  # not during the push
    wait_until(lambda: bodies(emu), 30, message="not deployed after push")
    settled(work)
    assert [b["commit_hash"] for b in bodies(emu)] == [h]


def test_many_branches_in_one_push(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu)
    heads = {}
    for i in range(5):
        b = "feature/f%d" % i
        git("checkout", "-q", "-b", b, "main", cwd=work, env=env)
        heads[b] = commit(work, env, name="f%d" % i, msg="f%d" % i)
    r = push(work, env, "origin", *heads)
    assert r.returncode == 0, r.stderr
    assert len(deploy_lines(r)) == 5
    settled(work)
    assert {b["branch"]: b["commit_hash"] for b in bodies(emu)} == heads


def test_api_down_does_not_stop_the_push(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu, extra="[hook]\ntimeout = 3\n")
    emu.stop()
    h = head(work, env)
    t0 = time.monotonic()
    r = push(work, env, "origin", "main")
    assert r.returncode == 0, r.stderr
    assert head(bare, env, "main") == h
    assert time.monotonic() - t0 < 20
    assert any("main -> production: not deployed" in l
               for l in deploy_lines(r)), r.stderr
    settled(work)


def test_stale_records_are_cleaned(tmp_path, env, emu):
    bare, work = client(tmp_path, env, emu)
    pushes = os.path.join(work, ".git", "dotgit-deploy", "pushes")
    os.makedirs(pushes, exist_ok=True)
    stale = write(os.path.join(pushes, "4194000"), "dotgit-deploy push 1\n")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    assert push(work, env, "-q", "origin", "main").returncode == 0
    settled(work)
    assert not os.path.exists(stale)
    assert len(bodies(emu)) == 1


def test_push_still_running_is_settled_later(tmp_path, env, emu):
    """A record whose `git push` still runs is not settled (the watcher
    that gave up waiting leaves it so); `hook post-push` without a pid
    deploys it once that process has ended."""
    bare, work = client(tmp_path, env, emu)
    h = head(work, env)
    git("tag", "v1", cwd=work, env=env)
    r = push(work, env, "--no-verify", "-q", "origin", "v1")
    assert r.returncode == 0, r.stderr
    fake = subprocess.Popen(["sleep", "600"])  # the push that goes on
    try:
        pushes = os.path.join(work, ".git", "dotgit-deploy", "pushes")
        os.makedirs(pushes, exist_ok=True)
        record = write(os.path.join(pushes, str(fake.pid)),
                       "dotgit-deploy push 1\npid %d %d\npush origin\n"
                       "url %s\nref pending %s %s refs/tags/v1\n"
                       % (fake.pid, proc_start(fake.pid), bare, h,
                          "0" * 40))
        r = run("-C", work, "hook", "post-push", env=env)
        assert r.returncode == 0, r.stderr
        assert os.path.exists(record)
        assert bodies(emu) == []
    finally:
        fake.kill()
        fake.wait()
    r = run("-C", work, "hook", "post-push", env=env)
    assert r.returncode == 0, r.stderr
    assert "refs/tags/v1 -> production: dep_" in r.stderr
    assert not os.path.exists(record)
    assert bodies(emu) == [{"branch": "v1", "environment": "production",
                            "commit_hash": h, "env_vars": PROD}]


def proc_start(pid):
    """A process's start time as /proc/PID/stat has it (field 22)."""
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def test_push_from_a_linked_worktree_deploys_during_the_push(tmp_path, env,
                                                            emu):
    """git gives the hooks of a linked worktree its own GIT_DIR; the
    record lives in the common git dir (commondir)."""
    bare, work = client(tmp_path, env, emu)
    linked = str(tmp_path / "linked")
    git("worktree", "add", "-q", "-b", "feature/wt", linked, cwd=work,
        env=env)
    h = commit(linked, env, msg="in the linked worktree")
    r = push(linked, env, "origin", "feature/wt")
    assert r.returncode == 0, r.stderr
    assert bodies(emu) == [{"branch": "feature/wt", "environment": "preview",
                            "commit_hash": h, "env_vars": {}}]
    assert [l for l in deploy_lines(r) if " -> preview: dep_" in l]
    settled(work)
    assert len(bodies(emu)) == 1


def remote_with_branches(tmp_path, env, bare, n):
    """Give `bare` n more branches, pushed from another clone."""
    other = str(tmp_path / "other")
    make_repo(other, env)
    git("remote", "add", "origin", bare, cwd=other, env=env)
    git("update-ref", "--stdin", cwd=other, env=env,
        input="".join("create refs/heads/b%03d HEAD\n" % i
                      for i in range(n)))
    git("push", "-q", "origin", "refs/heads/*:refs/heads/*", cwd=other,
        env=env)


def traced(tmp_path, env, name, *args, cwd):
    """Run `git args` under strace -f; the files opened and the programs
    run, one line each."""
    out = str(tmp_path / ("strace-%s.txt" % name))
    # LeakSanitizer (make asan) cannot work under ptrace
    asan = env.get("ASAN_OPTIONS")
    env = dict(env, ASAN_OPTIONS=(asan + ":" if asan else "") +
               "detect_leaks=0")
    r = subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat,execve",
                        "-o", out, "git", *args], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    with open(out) as f:
        return r, f.read()


def hook_runs(trace, state):
    return len([l for l in trace.splitlines() if "execve(" in l and
                "hooks/reference-transaction\", [" in l and
                "\"%s\"]" % state in l])


@pytest.mark.skipif(shutil.which("strace") is None,
                    reason="strace is not installed")
def test_fetch_commit_rebase_cost_no_libgit2(tmp_path, env, emu):
    """A fetch creating tracking refs, a commit and a rebase with the
    client hooks installed: nothing deployed, nothing written under
    .git/dotgit-deploy, and no libgit2 loaded -- strace sees every file
    the hooks open. A push, traced the same way, does load it."""
    bare, work = client(tmp_path, env, emu)
    state = os.path.join(work, ".git", "dotgit-deploy")
    installed = snapshot(state)
    remote_with_branches(tmp_path, env, bare, 30)

    r, trace = traced(tmp_path, env, "fetch", "fetch", "origin", cwd=work)
    assert len(git("branch", "-r", cwd=work, env=env).splitlines()) == 31
    assert hook_runs(trace, "committed") >= 1
    assert "libinih" in trace  # our binary ran as the hook
    assert "libgit2" not in trace

    git("checkout", "-q", "-b", "topic", cwd=work, env=env)
    for i in range(3):
        commit(work, env, name="t%d" % i, msg="topic %d" % i)
    git("checkout", "-q", "main", cwd=work, env=env)
    r, trace = traced(tmp_path, env, "commit", "commit", "-q",
                      "--allow-empty", "-m", "on main", cwd=work)
    assert hook_runs(trace, "committed") >= 1
    assert "libgit2" not in trace
    r, trace = traced(tmp_path, env, "rebase", "rebase", "-q", "main",
                      "topic", cwd=work)
    assert hook_runs(trace, "committed") >= 3
    assert "libgit2" not in trace

    assert bodies(emu) == []
    assert watchers(work) == []
    assert snapshot(state) == installed

    # the control: a push that deploys is seen loading libgit2
    r, trace = traced(tmp_path, env, "push", "push", "origin", "main",
                      cwd=work)
    assert "main -> production: dep_" in r.stderr
    assert "libgit2" in trace
    settled(work)
