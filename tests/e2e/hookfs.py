# SPDX-License-Identifier: ISC
"""Helpers for the hook tests: directory snapshots, pushes, processes."""
import os
import stat
import subprocess

from conftest import BIN, git


def snapshot(path):
    """Everything under path, recursively: relative name -> (mode, content
    or link target). None when path does not exist."""
    path = str(path)
    if not os.path.lexists(path):
        return None
    out = {".": oct(os.lstat(path).st_mode)}
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            p = os.path.join(root, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, path)
            if stat.S_ISLNK(st.st_mode):
                what = ("link", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                what = ("dir",)
            else:
                with open(p, "rb") as f:
                    what = ("file", f.read())
            out[rel] = (oct(st.st_mode),) + what
    return out


def real_bin():
    return os.path.realpath(BIN)


def push(work, env, *args, timeout=60):
    return subprocess.run(["git", "push", *args], cwd=str(work), env=env,
                          capture_output=True, text=True, timeout=timeout)


def hooks_dir(repo, env):
    """The hooks directory git itself uses (core.hooksPath honored)."""
    return git("rev-parse", "--path-format=absolute", "--git-path", "hooks",
               cwd=str(repo), env=env)


def watchers(cwd=None):
    """Pids of running `dotgit-deploy ... hook post-push` processes (the
    detached client watcher), those working in `cwd` when given."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        try:
            where = os.readlink("/proc/%s/cwd" % pid)
        except PermissionError:
            # once it has read the key, the watcher is not dumpable and
            # its cwd is hidden from other processes of its user: count
            # it (waiting a little longer beats racing it)
            where = os.path.realpath(str(cwd)) if cwd is not None else ""
        except OSError:
            continue
        if b"post-push" not in argv or b"hook" not in argv or \
                not os.path.basename(argv[0].decode()).startswith(
                    "dotgit-deploy"):
            continue
        if cwd is None or os.path.realpath(str(cwd)) == where:
            found.append(int(pid))
    return found
