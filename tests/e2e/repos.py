# SPDX-License-Identifier: ISC
"""Real repositories made with real git, for the end-to-end tests."""
import os

from conftest import git

# The branch rules most tests deploy with.
RULES = """\
[branch "main"]
environment = production

[branch "release/*"]
environment = staging

[branch "feature/**"]
environment = preview

[tag "v*"]
environment = production
"""

PRODUCTION_ENV = """\
[environment "production"]
NEXT_PUBLIC_API_URL = https://api.example.com
"""

CONFIG = """\
[api]
url = https://api.example.test/v1

[project]
id = proj_8f2a9c

%s
%s
[environment "preview"]
NEXT_PUBLIC_API_URL = https://staging-api.example.com
""" % (RULES, PRODUCTION_ENV)


def write(path, text, mode=None):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    if mode is not None:
        os.chmod(path, mode)
    return str(path)


def commit(repo, env, name="file.txt", text=None, msg="change"):
    """Write a file and commit it; return the new commit id."""
    p = os.path.join(repo, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "a") as f:
        f.write(text if text is not None else msg + "\n")
    git("add", name, cwd=repo, env=env)
    git("commit", "-q", "-m", msg, cwd=repo, env=env)
    return git("rev-parse", "HEAD", cwd=repo, env=env)


def make_repo(path, env, branch="main", commits=1):
    """A non-bare repository on `branch` with `commits` commits."""
    os.makedirs(path, exist_ok=True)
    git("init", "-q", "-b", branch, str(path), env=env)
    head = None
    for i in range(commits):
        head = commit(str(path), env, msg="commit %d" % (i + 1))
    return head


def make_bare(path, env):
    git("init", "-q", "--bare", "-b", "main", str(path), env=env)
    return str(path)
