# SPDX-License-Identifier: ISC
"""install-hook / uninstall-hook on real repositories: links, chaining,
core.hooksPath, the push-options setting, and an exact restore."""
import os

from conftest import git, run
from hookfs import hooks_dir, push, real_bin, snapshot
from repos import commit, make_bare, make_repo, write

SUFFIX = ".dotgit-deploy-chained"

# Maps nothing: the hook runs, plans, and stays quiet.
QUIET_CONFIG = """\
[api]
url = https://api.example.test/v1

[project]
id = proj_8f2a9c

[branch "nothing-is-called-this"]
environment = production
"""

RECORDER = """\
#!/bin/sh
# an existing hook: records its arguments and input, talks, exits {status}
printf '%s\\n' "$*" > "{out}.args"
cat > "{out}.stdin"
echo "old {name} hook says hi"
echo "old {name} hook on stderr" >&2
exit {status}
"""


def recorder(path, out, name, status=0):
    return write(path, RECORDER.format(out=out, name=name, status=status),
                 mode=0o750)


def install(repo, env, *args):
    return run("-C", str(repo), "install-hook", *args, env=env)


def uninstall(repo, env, *args):
    return run("-C", str(repo), "uninstall-hook", *args, env=env)


def config_get(repo, env, key):
    return git("config", "--local", "--get", key, cwd=str(repo), env=env,
               check=False) or None


def test_server_install_links_and_uninstall_restores(tmp_path, env):
    bare = make_bare(tmp_path / "srv.git", env)
    hooks = os.path.join(bare, "hooks")
    before = snapshot(hooks)
    r = install(bare, env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "installed post-receive in '%s': a link to '%s'" % (hooks,
                                                            real_bin()),
        "set receive.advertisePushOptions=true (was unset) so that "
        "'git push -o deploy...' reaches the hook",
    ]
    link = os.path.join(hooks, "post-receive")
    assert os.readlink(link) == real_bin()
    assert config_get(bare, env, "receive.advertisePushOptions") == "true"
    r = uninstall(bare, env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "removed post-receive from '%s'" % hooks,
        "restored receive.advertisePushOptions: unset again",
    ]
    assert snapshot(hooks) == before
    assert config_get(bare, env, "receive.advertisePushOptions") is None
    assert not os.path.exists(os.path.join(bare, "dotgit-deploy"))


def test_install_twice_changes_nothing(tmp_path, env):
    bare = make_bare(tmp_path / "srv.git", env)
    assert install(bare, env).returncode == 0
    hooks, cfg = snapshot(os.path.join(bare, "hooks")), \
        open(os.path.join(bare, "config")).read()
    state = snapshot(os.path.join(bare, "dotgit-deploy"))
    r = install(bare, env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "post-receive already installed in '%s'\n" % \
        os.path.join(bare, "hooks")
    assert snapshot(os.path.join(bare, "hooks")) == hooks
    assert open(os.path.join(bare, "config")).read() == cfg
    assert snapshot(os.path.join(bare, "dotgit-deploy")) == state
    # the client side too
    work = tmp_path / "work"
    make_repo(work, env)
    assert install(work, env).returncode == 0
    before = snapshot(work / ".git" / "hooks")
    r = install(work, env, "--client")
    assert r.returncode == 0
    assert "already installed" in r.stdout
    assert snapshot(work / ".git" / "hooks") == before


def test_server_chains_existing_hook_stdin_and_output(tmp_path, env):
    bare = make_bare(tmp_path / "srv.git", env)
    write(os.path.join(bare, "dotgit-deploy.ini"), QUIET_CONFIG)
    out = str(tmp_path / "rec")
    recorder(os.path.join(bare, "hooks", "post-receive"), out,
             "post-receive")
    before = snapshot(os.path.join(bare, "hooks"))
    r = install(bare, env)
    assert r.returncode == 0, r.stderr
    chained = os.path.join(bare, "hooks", "post-receive" + SUFFIX)
    assert r.stdout.splitlines()[0] == (
        "kept the existing post-receive hook as '%s': it runs first, "
        "with the same arguments and input" % chained)
    assert os.stat(chained).st_mode & 0o777 == 0o750
    work = tmp_path / "work"
    head = make_repo(work, env)
    git("remote", "add", "origin", bare, cwd=str(work), env=env)
    r = push(work, env, "origin", "main")
    assert r.returncode == 0, r.stderr
    # the old hook ran with git's input, and its output reached the pusher
    with open(out + ".stdin") as f:
        assert f.read() == "%s %s refs/heads/main\n" % ("0" * 40, head)
    assert "remote: old post-receive hook says hi" in r.stderr
    assert "remote: old post-receive hook on stderr" in r.stderr
    r = uninstall(bare, env)
    assert r.returncode == 0, r.stderr
    assert "restored the earlier post-receive hook (kept as '%s')" % \
        chained in r.stdout
    assert snapshot(os.path.join(bare, "hooks")) == before


def test_client_install_is_default_in_a_clone(tmp_path, env):
    work = tmp_path / "work"
    make_repo(work, env)
    hooks = str(work / ".git" / "hooks")
    before = snapshot(hooks)
    r = install(work, env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "installed pre-push in '%s': a link to '%s'" % (hooks, real_bin()),
        "installed reference-transaction in '%s': a link to '%s'" % (
            hooks, real_bin()),
    ]
    assert config_get(work, env, "receive.advertisePushOptions") is None
    # a commit still works, and the hook says nothing
    r2 = git("commit", "-q", "--allow-empty", "-m", "x", cwd=str(work),
             env=env)
    assert r2 == ""
    r = uninstall(work, env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "removed pre-push from '%s'" % hooks,
        "removed reference-transaction from '%s'" % hooks,
    ]
    assert snapshot(hooks) == before


def test_client_chains_pre_push_and_its_status(tmp_path, env):
    bare = make_bare(tmp_path / "srv.git", env)
    work = tmp_path / "work"
    head = make_repo(work, env)
    git("remote", "add", "origin", bare, cwd=str(work), env=env)
    write(work / ".git" / "dotgit-deploy.ini", QUIET_CONFIG)
    out = str(tmp_path / "rec")
    recorder(work / ".git" / "hooks" / "pre-push", out, "pre-push")
    before = snapshot(work / ".git" / "hooks")
    assert install(work, env).returncode == 0
    r = push(work, env, "origin", "main")
    assert r.returncode == 0, r.stderr
    with open(out + ".args") as f:
        assert f.read() == "origin %s\n" % bare
    with open(out + ".stdin") as f:
        assert f.read() == "refs/heads/main %s refs/heads/main %s\n" % (
            head, "0" * 40)
    assert "old pre-push hook says hi" in r.stdout + r.stderr
    assert "old pre-push hook on stderr" in r.stderr
    # a chained hook that refuses still stops the push
    recorder(work / ".git" / "hooks" / ("pre-push" + SUFFIX), out,
             "pre-push", status=1)
    commit(str(work), env, msg="two")
    r = push(work, env, "origin", "main")
    assert r.returncode != 0
    assert "failed to push some refs" in r.stderr
    assert git("rev-parse", "main", cwd=bare, env=env) == head
    recorder(work / ".git" / "hooks" / ("pre-push" + SUFFIX), out,
             "pre-push")
    assert uninstall(work, env).returncode == 0
    assert snapshot(work / ".git" / "hooks") == before


def test_chained_reference_transaction_sees_every_state(tmp_path, env):
    work = tmp_path / "work"
    make_repo(work, env)
    log = tmp_path / "states"
    write(work / ".git" / "hooks" / "reference-transaction",
          '#!/bin/sh\ncat >/dev/null\necho "$1" >> "%s"\n' % log,
          mode=0o755)
    assert install(work, env).returncode == 0
    commit(str(work), env, msg="two")
    with open(log) as f:
        assert f.read().split() == ["prepared", "committed"]
    # refusing in `prepared` still aborts the transaction
    write(work / ".git" / "hooks" / ("reference-transaction" + SUFFIX),
          "#!/bin/sh\ncat >/dev/null\n[ \"$1\" != prepared ]\n", mode=0o755)
    r = git("branch", "nope", cwd=str(work), env=env, check=False)
    assert git("branch", "--list", "nope", cwd=str(work), env=env) == ""
    del r


def test_relative_hooks_path_created_and_removed(tmp_path, env):
    work = tmp_path / "work"
    make_repo(work, env)
    git("config", "core.hooksPath", "tools/git/hooks", cwd=str(work),
        env=env)
    where = hooks_dir(work, env)
    assert where == str(work / "tools" / "git" / "hooks")
    before = snapshot(work)
    r = install(work, env)
    assert r.returncode == 0, r.stderr
    assert "installed pre-push in '%s'" % where in r.stdout
    assert os.readlink(os.path.join(where, "pre-push")) == real_bin()
    assert not os.path.lexists(work / ".git" / "hooks" / "pre-push")
    r = uninstall(work, env)
    assert r.returncode == 0, r.stderr
    assert not os.path.exists(work / "tools")
    after = snapshot(work)
    # only the git directory's own files may differ (index, logs, ...)
    strip = lambda s: {k: v for k, v in s.items()
                       if not k.startswith(".git/")}
    assert strip(after) == strip(before)


def test_absolute_hooks_path_with_existing_hook(tmp_path, env):
    shared = tmp_path / "shared-hooks"
    out = str(tmp_path / "rec")
    recorder(shared / "post-receive", out, "post-receive")
    write(shared / "README", "team hooks\n", mode=0o640)
    os.chmod(shared, 0o750)
    bare = make_bare(tmp_path / "srv.git", env)
    git("config", "core.hooksPath", str(shared), cwd=bare, env=env)
    before, default = snapshot(shared), snapshot(os.path.join(bare, "hooks"))
    assert install(bare, env).returncode == 0
    assert os.readlink(shared / "post-receive") == real_bin()
    assert os.path.isfile(shared / ("post-receive" + SUFFIX))
    assert snapshot(os.path.join(bare, "hooks")) == default
    assert uninstall(bare, env).returncode == 0
    assert snapshot(shared) == before


def test_no_hooks_directory_at_all(tmp_path, env):
    bare = tmp_path / "srv.git"
    git("init", "-q", "--bare", "--template=", str(bare), env=env)
    assert not os.path.exists(bare / "hooks")
    r = install(bare, env)
    assert r.returncode == 0, r.stderr
    assert os.path.islink(bare / "hooks" / "post-receive")
    r = uninstall(bare, env)
    assert r.returncode == 0, r.stderr
    assert not os.path.exists(bare / "hooks")


def test_previous_push_options_value_is_restored(tmp_path, env):
    bare = make_bare(tmp_path / "srv.git", env)
    git("config", "receive.advertisePushOptions", "false", cwd=bare,
        env=env)
    r = install(bare, env)
    assert "set receive.advertisePushOptions=true (was 'false')" in r.stdout
    assert config_get(bare, env, "receive.advertisePushOptions") == "true"
    r = uninstall(bare, env)
    assert "restored receive.advertisePushOptions='false'" in r.stdout
    assert config_get(bare, env, "receive.advertisePushOptions") == "false"
    # already true: left as it is, and as it is after uninstall
    git("config", "receive.advertisePushOptions", "true", cwd=bare, env=env)
    r = install(bare, env)
    assert "advertisePushOptions" not in r.stdout
    assert uninstall(bare, env).returncode == 0
    assert config_get(bare, env, "receive.advertisePushOptions") == "true"


def test_client_hook_refused_in_bare_repository(tmp_path, env):
    bare = make_bare(tmp_path / "srv.git", env)
    before = snapshot(bare)
    r = install(bare, env, "--client")
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        "dotgit-deploy: '%s/' is a bare repository: the client hooks "
        "deploy what you push from a clone, and nobody pushes from a bare "
        "repository" % bare,
        "hint: use --server to deploy what others push to it, or run "
        "install-hook --client in your clone",
    ]
    assert snapshot(bare) == before


def test_link_to_another_build_is_updated(tmp_path, env):
    other = tmp_path / "old" / "dotgit-deploy"
    write(other, "#!/bin/sh\nexit 0\n", mode=0o755)
    bare = make_bare(tmp_path / "srv.git", env)
    before = snapshot(os.path.join(bare, "hooks"))
    r = install(bare, env, "--binary", str(other))
    assert r.returncode == 0, r.stderr
    link = os.path.join(bare, "hooks", "post-receive")
    assert os.readlink(link) == str(other)
    r = install(bare, env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == (
        "updated post-receive in '%s': '%s' (was '%s')" % (
            os.path.join(bare, "hooks"), real_bin(), other))
    assert os.readlink(link) == real_bin()
    assert not os.path.lexists(link + SUFFIX)
    assert uninstall(bare, env).returncode == 0
    assert snapshot(os.path.join(bare, "hooks")) == before


def test_both_sides_in_one_repository_uninstall_one(tmp_path, env):
    work = tmp_path / "work"
    make_repo(work, env)
    hooks = str(work / ".git" / "hooks")
    before = snapshot(hooks)
    assert install(work, env, "--server").returncode == 0
    assert install(work, env, "--client").returncode == 0
    r = uninstall(work, env, "--client")
    assert r.returncode == 0, r.stderr
    assert os.path.islink(os.path.join(hooks, "post-receive"))
    assert not os.path.lexists(os.path.join(hooks, "pre-push"))
    assert config_get(work, env, "receive.advertisePushOptions") == "true"
    assert uninstall(work, env).returncode == 0
    assert snapshot(hooks) == before
    assert config_get(work, env, "receive.advertisePushOptions") is None


def test_chained_name_taken_refuses(tmp_path, env):
    bare = make_bare(tmp_path / "srv.git", env)
    hooks = os.path.join(bare, "hooks")
    write(os.path.join(hooks, "post-receive"), "#!/bin/sh\n", mode=0o755)
    write(os.path.join(hooks, "post-receive" + SUFFIX), "#!/bin/sh\n",
          mode=0o755)
    before = snapshot(hooks)
    r = install(bare, env)
    assert r.returncode == 1
    assert r.stderr == (
        "dotgit-deploy: cannot keep the existing '%s/post-receive': "
        "'%s/post-receive%s' is already there\n" % (hooks, hooks, SUFFIX))
    assert snapshot(hooks) == before


def test_uninstall_with_nothing_installed(tmp_path, env):
    bare = make_bare(tmp_path / "srv.git", env)
    before = snapshot(bare)
    r = uninstall(bare, env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "no dotgit-deploy hook in '%s/hooks': nothing to " \
        "undo\n" % bare
    assert snapshot(bare) == before


def test_usage_errors(tmp_path, env):
    bare = make_bare(tmp_path / "srv.git", env)
    r = install(bare, env, "--server", "--client")
    assert r.returncode == 2
    assert "choose one of --server and --client" in r.stderr
    r = install(bare, env, "--binary", str(tmp_path / "missing"))
    assert r.returncode == 2
    assert r.stderr == "dotgit-deploy: '%s' is not an executable file\n" % (
        tmp_path / "missing")
    r = install(bare, env, "extra")
    assert r.returncode == 2
    assert "usage: dotgit-deploy install-hook" in r.stderr
    r = run("-C", str(tmp_path), "install-hook", env=env)
    assert r.returncode != 0
    assert "not a git repository" in r.stderr


def test_client_replaces_an_old_reftx_link(tmp_path, env):
    # earlier versions linked reference-transaction to a second program,
    # dotgit-deploy-reftx: installing again points it at the binary, and
    # uninstalling removes it either way
    work = tmp_path / "work"
    make_repo(work, env)
    hooks = str(work / ".git" / "hooks")
    before = snapshot(hooks)
    old = str(tmp_path / "opt" / "dotgit-deploy-reftx")
    os.symlink(old, os.path.join(hooks, "reference-transaction"))
    r = install(work, env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1:] == [
        "updated reference-transaction in '%s': '%s' (was '%s')" % (
            hooks, real_bin(), old),
    ]
    assert os.readlink(os.path.join(hooks, "reference-transaction")) == \
        real_bin()
    commit(str(work), env, msg="two")
    os.symlink(old, os.path.join(hooks, "reference-transaction.tmp"))
    os.replace(os.path.join(hooks, "reference-transaction.tmp"),
               os.path.join(hooks, "reference-transaction"))
    r = uninstall(work, env)
    assert r.returncode == 0, r.stderr
    assert "removed reference-transaction from '%s'" % hooks in \
        r.stdout.splitlines()
    assert snapshot(hooks) == before


def test_install_says_when_pushes_would_deploy_nothing(tmp_path, env):
    """No configuration: installed, but the admin is told, with the
    command that writes a starter; the starter then loads."""
    bare = make_bare(tmp_path / "srv.git", env)
    r = run("-C", bare, "install-hook", "--server", env=env)
    assert r.returncode == 0, r.stderr
    assert "warning: pushes deploy nothing until the configuration " \
        "loads: no configuration found" in r.stderr
    assert "config init --server' writes a starter" in r.stderr
    r = run("-C", bare, "config", "init", "--project", "proj_8f2a9c",
            env=env)
    assert r.returncode == 0, r.stderr
    ini = os.path.join(bare, "dotgit-deploy.ini")
    assert r.stdout == "wrote %s\n" % ini
    assert oct(os.stat(ini).st_mode & 0o777) == "0o644"
    with open(ini) as f:
        text = f.read()
    assert "id = proj_8f2a9c\n" in text and "key_file = " in text
    r = run("-C", bare, "config", "check", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith("ok\n")
    # never over an existing file, unless asked
    r = run("-C", bare, "config", "init", env=env)
    assert r.returncode == 1
    assert "exists: left as it is" in r.stderr
    with open(ini) as f:
        assert f.read() == text
    os.chmod(ini, 0o640)
    r = run("-C", bare, "config", "init", "--force", env=env)
    assert r.returncode == 0, r.stderr
    with open(ini) as f:
        assert "id = proj_CHANGE_ME" in f.read()
    assert oct(os.stat(ini).st_mode & 0o777) == "0o640"   # as it was


def test_config_init_for_the_daemon_and_queue_mode_warnings(tmp_path,
                                                            env):
    daemon_ini = str(tmp_path / "etc" / "config.ini")
    os.mkdir(tmp_path / "etc")
    r = run("-c", daemon_ini, "config", "init", "--daemon", env=env)
    assert r.returncode == 0, r.stderr
    assert oct(os.stat(daemon_ini).st_mode & 0o777) == "0o640"
    r = run("-c", daemon_ini, "config", "check", "--daemon", env=env)
    assert r.returncode == 0, r.stderr
    r = run("-c", daemon_ini, "config", "check", env=env)
    assert r.returncode == 2                  # a hook needs a [project]
    assert "missing [project]" in r.stderr
    # a repository in queue mode the daemon does not serve
    bare = make_bare(tmp_path / "srv.git", env)
    with open(daemon_ini) as f:
        text = f.read()
    write(os.path.join(bare, "dotgit-deploy.ini"),
          text + "\n[project]\nid = proj_8f2a9c\n")
    r = run("-C", bare, "install-hook", "--server", env=env)
    assert r.returncode == 0, r.stderr
    assert "is not in [daemon] repos: the daemon will refuse its jobs" \
        in r.stderr
    assert "queue mode: the daemon deploys what pushes queue" in r.stderr


def test_state_file_hook_line_without_target(tmp_path, env):
    """A "hook NAME" line missing its target (a damaged state file) is
    skipped; it used to make the next comparison read a NULL pointer
    (found by scan-build and cppcheck: `make analyze`)."""
    bare = make_bare(tmp_path / "srv.git", env)
    hooks = os.path.join(bare, "hooks")
    before = snapshot(hooks)
    assert install(bare, env).returncode == 0
    state = os.path.join(bare, "dotgit-deploy", "install.state")
    with open(state, "a") as f:
        f.write("hook post-receive\n")
    r = uninstall(bare, env)
    assert r.returncode == 0, r.stderr
    assert "removed post-receive from '%s'" % hooks in r.stdout
    assert snapshot(hooks) == before
