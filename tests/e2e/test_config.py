# SPDX-License-Identifier: ISC
"""config check / config explain through the real binary."""
import json
import os

import pytest

from conftest import ROOT, run

SAMPLE = """\
[api]
url = https://api.git.dev/v1      ; https only; http:// is refused
key_file = {key}                  ; or env DOTGIT_API_KEY (env wins)
timeout = 10                      ; seconds per request
plan = free                       ; free (60/min), pro (600/min) or a number

[project]
id = proj_8f2a9c                  ; or: name = main-app

[branch "main"]
environment = production

[branch "release/*"]
environment = staging

[branch "feature/**"]
environment = preview
paths = web/ shared/              ; optional: deploy only if these changed

[tag "v*"]
environment = production          ; tags deploy too, peeled to their commit

[environment "production"]
NEXT_PUBLIC_API_URL = https://api.example.com

[environment "preview"]
NEXT_PUBLIC_API_URL = https://staging-api.example.com
DEBUG = 1

[hook]
mode = queue                      ; queue (hand to the daemon) or direct
timeout = 10                      ; seconds, the most a push may wait

[daemon]
queue = /var/spool/dotgit-deploy
repos = /srv/git/*.git            ; watched: a mapped branch that moves deploys
poll_interval = 30
"""


def dd(*args, env, cwd=None, status=None):
    """Run the binary; it must never crash (also under ASan/UBSan)."""
    r = run(*args, env=env, cwd=cwd)
    assert r.returncode >= 0, "killed by signal %d" % -r.returncode
    assert "Sanitizer" not in r.stderr and "runtime error" not in r.stderr
    if status is not None:
        assert r.returncode == status, r.stderr
    return r


@pytest.fixture
def key(tmp_path):
    k = tmp_path / "key"
    k.write_text("gl_api_test_key_123\n")
    k.chmod(0o600)
    return k


@pytest.fixture
def sample(tmp_path, key):
    c = tmp_path / "dotgit-deploy.ini"
    c.write_text(SAMPLE.format(key=key))
    return c


def write(tmp_path, text, name="c.ini", mode="w"):
    c = tmp_path / name
    if isinstance(text, bytes):
        c.write_bytes(text)
    else:
        c.write_text(text)
    return c


# config check

def test_check_ok(env, sample, tmp_path):
    r = dd("-c", str(sample), "config", "check", env=env, cwd=tmp_path,
           status=0)
    assert r.stdout == "trusted %s (-c)\nok\n" % sample
    assert r.stderr == ""


def test_check_ok_with_warnings(env, tmp_path):
    c = write(tmp_path, "[project]\nid = p\n[branch \"main\"]\n"
              "environment = production\n[api]\ntimeout = 3\ntimeout = 4\n")
    r = dd("config", "check", "-c", str(c), env=env, cwd=tmp_path, status=0)
    assert r.stdout == "trusted %s (-c)\nok\n" % c
    assert r.stderr == ("%s:7: warning: duplicate 'timeout' in [api], first "
                        "at %s:6; the later value wins\n" % (c, c))
    # -q hides warnings
    r = dd("-q", "config", "check", "-c", str(c), env=env, cwd=tmp_path,
           status=0)
    assert r.stdout == "ok\n"
    assert r.stderr == ""


def test_shipped_example_passes(env, tmp_path):
    example = os.path.join(ROOT, "config", "dotgit-deploy.ini")
    r = dd("-c", example, "config", "check", env=env, cwd=tmp_path,
           status=0)
    assert r.stdout.endswith("\nok\n")


def test_check_reports_every_problem(env, tmp_path):
    c = write(tmp_path, """\
[api]
url = http://api.git.dev/v1
token = gl_api_do_not_print
timeout = 10x
tiemout = 5
[project]
[branch "main"]
environment = prod
[branch "main"]
environment = production
[branch "a**"]
environment = preview
[environment "qa"]
[environment "preview"]
MY-VAR = 1
A = 1
A = 2
[bogus]
just words
""")
    r = dd("-c", str(c), "config", "check", env=env, cwd=tmp_path, status=2)
    assert r.stdout == "trusted %s (-c)\n" % c
    f = str(c)
    assert r.stderr.splitlines() == [
        f + ":2: error: api url 'http://api.git.dev/v1' is http://; only "
        "https:// is allowed, so the API key never travels in clear text",
        f + ":3: error: never put the API key in the config; use key_file "
        "or DOTGIT_API_KEY",
        f + ":4: error: invalid value '10x' for 'timeout': expected seconds "
        "from 1 to 600, or with a unit (30s, 5m, 2h, 1d)",
        f + ":5: error: unknown key 'tiemout' in [api]; did you mean "
        "'timeout'?",
        f + ":6: error: [project] needs 'id' or 'name'",
        f + ":8: error: invalid value 'prod' for 'environment': expected "
        "production, staging or preview",
        f + ":9: error: duplicate [branch \"main\"], first at " + f + ":7",
        f + ":11: error: invalid pattern in [branch \"a**\"]: '**' must be "
        "a whole path segment (like 'a/**' or 'a/**/b')",
        f + ":13: error: unknown environment 'qa': use production, staging "
        "or preview",
        f + ":15: error: invalid environment variable name 'MY-VAR': use "
        "letters, digits and '_', not starting with a digit",
        f + ":17: warning: duplicate 'A' in [environment \"preview\"], "
        "first at " + f + ":16; the later value wins",
        f + ":18: error: unknown section [bogus]",
        f + ":19: error: expected '[section]' or 'key = value'",
        "dotgit-deploy: config '" + f + "': 12 errors, 1 warning",
    ]
    assert "gl_api_do_not_print" not in r.stderr


def test_check_key_file_mode(env, tmp_path, key):
    key.chmod(0o644)
    c = write(tmp_path, "[project]\nid = p\n[branch \"main\"]\n"
              "environment = production\n[api]\nkey_file = %s\n" % key)
    r = dd("-c", str(c), "config", "check", env=env, cwd=tmp_path, status=2)
    assert r.stderr.splitlines()[0] == (
        "%s:6: error: key file '%s' is open to group or others (mode 0644); "
        "run 'chmod 600 %s'" % (c, key, key))
    assert "gl_api_test_key_123" not in r.stderr + r.stdout


def test_check_empty_file(env, tmp_path):
    c = write(tmp_path, "")
    r = dd("-c", str(c), "config", "check", env=env, cwd=tmp_path, status=2)
    assert r.stderr.splitlines() == [
        "%s: error: missing [project]: add one with 'id = ...' (see "
        "'dotgit-deploy projects') or 'name = ...'" % c,
        "%s: warning: no [branch] or [tag] rules: nothing will be deployed"
        % c,
        "dotgit-deploy: config '%s': 1 error, 1 warning" % c,
    ]


def test_check_garbage_bytes(env, tmp_path):
    garbage = bytes(range(256)) * 40 + b"\n\xff\xfe[\x00]\n=\x1b\n"
    c = write(tmp_path, garbage)
    r = dd("-c", str(c), "config", "check", env=env, cwd=tmp_path, status=2)
    lines = r.stderr.splitlines()
    assert lines[0] == ("%s:1: error: NUL byte in the line: this does not "
                        "look like a text file" % c)
    assert lines[-1].startswith("dotgit-deploy: config '%s': " % c)
    # every line is printable: nothing raw reaches the terminal
    assert all(ch.isprintable() for ch in r.stderr.replace("\n", ""))


def test_check_binary_without_nul(env, tmp_path):
    c = write(tmp_path, b"[api]\nurl = https://x\xff\n\x01\x02 = 3\n"
              b"[br\xc3anch]\n")
    r = dd("-c", str(c), "config", "check", env=env, cwd=tmp_path, status=2)
    assert r.stderr.splitlines()[:3] == [
        "%s:2: error: invalid bytes in the value (control characters or "
        "invalid UTF-8)" % c,
        "%s:3: error: invalid bytes in a key name (control characters or "
        "invalid UTF-8)" % c,
        "%s:4: error: invalid bytes in section name [br\\xc3anch] (control "
        "characters or invalid UTF-8)" % c,
    ]


def test_check_megabyte_line(env, tmp_path):
    c = write(tmp_path, "[project]\nid = p\n[branch \"main\"]\n"
              "environment = production\n"
              "# " + "x" * (1 << 20) + "\n[api]\nbad = 1\n")
    r = dd("-c", str(c), "config", "check", env=env, cwd=tmp_path, status=2)
    assert r.stderr.splitlines() == [
        "%s:5: error: line is 1048578 bytes long, the most is 196: inih "
        "would silently cut it and read the rest as another line" % c,
        "%s:7: error: unknown key 'bad' in [api]" % c,
        "dotgit-deploy: config '%s': 2 errors, 0 warnings" % c,
    ]


def test_check_missing_file(env, tmp_path):
    r = dd("-c", str(tmp_path / "nope.ini"), "config", "check", env=env,
           cwd=tmp_path, status=2)
    assert r.stdout == ""
    assert r.stderr == ("dotgit-deploy: cannot open config '%s': No such "
                        "file or directory\n" % (tmp_path / "nope.ini"))


def test_check_directory(env, tmp_path):
    r = dd("-c", str(tmp_path), "config", "check", env=env, cwd=tmp_path,
           status=2)
    assert r.stderr == ("dotgit-deploy: cannot read config '%s': Is a "
                        "directory\n" % tmp_path)


@pytest.mark.skipif(os.path.exists("/etc/dotgit-deploy/config.ini"),
                    reason="a system-wide config exists")
def test_check_nothing_found(env, tmp_path, home):
    r = dd("config", "check", env=env, cwd=tmp_path, status=2)
    assert r.stderr.splitlines() == [
        "dotgit-deploy: no configuration found; looked for "
        "'/etc/dotgit-deploy/config.ini', "
        "'%s/.config/dotgit-deploy/config.ini'" % home,
        "hint: create one (see config/dotgit-deploy.ini) or name it with "
        "-c FILE",
    ]


def test_check_finds_xdg_config(env, tmp_path, home, sample):
    d = home / ".config" / "dotgit-deploy"
    d.mkdir(parents=True)
    (d / "config.ini").write_text(sample.read_text())
    r = dd("config", "check", env=env, cwd=tmp_path, status=0)
    assert r.stdout == "trusted %s (user)\nok\n" % (d / "config.ini")


def test_config_usage(env, sample, tmp_path):
    r = dd("-c", str(sample), "config", env=env, cwd=tmp_path, status=2)
    assert r.stderr == ("dotgit-deploy: 'config' needs a command: check, "
                        "explain or init\nhint: see 'dotgit-deploy help "
                        "config'\n")
    r = dd("-c", str(sample), "config", "frob", env=env, cwd=tmp_path,
           status=2)
    assert r.stderr == ("dotgit-deploy: unknown config command 'frob'; use "
                        "check, explain or init\n")
    r = dd("-c", str(sample), "config", "check", "x", env=env, cwd=tmp_path,
           status=2)
    assert r.stderr == ("dotgit-deploy: usage: dotgit-deploy config check "
                        "[--daemon]\n")


# config explain

def explain(env, cfg, cwd, *args, status=0):
    return dd("-c", str(cfg), "config", "explain", *args, env=env, cwd=cwd,
              status=status)


def settings(sample, key):
    """The lines explain prints for SAMPLE's settings, with their lines."""
    return ("  project:     proj_8f2a9c (%s:8)\n"
            "  api url:     https://api.git.dev/v1 (%s:2)\n"
            "  key file:    %s (%s:3)\n"
            "  ca file:     none (the system's)\n"
            "  mode:        queue (%s:31)\n"
            % (sample, sample, key, sample, sample))


def test_explain_exact(env, sample, key, tmp_path):
    r = explain(env, sample, tmp_path, "main")
    assert r.stdout == (
        "refs/heads/main: deployed to production\n"
        "  rule:        [branch \"main\"] at %s:10 (exact match)\n"
        "  environment: production\n"
        "  paths:       (no filter: every push deploys)\n"
        "  env vars:    NEXT_PUBLIC_API_URL=https://api.example.com "
        "(%s:24)\n" % (sample, sample) + settings(sample, key))
    assert r.stderr == ""


def test_explain_glob_with_set(env, sample, key, tmp_path):
    r = explain(env, sample, tmp_path, "feature/a/b", "--set", "DEBUG=0",
                "--set", "NEW=x y")
    assert r.stdout == (
        "refs/heads/feature/a/b: deployed to preview\n"
        "  rule:        [branch \"feature/**\"] at %s:16 (glob match)\n"
        "  environment: preview\n"
        "  paths:       web/ shared/\n"
        "  env vars:    NEXT_PUBLIC_API_URL=https://staging-api.example.com "
        "(%s:27)\n"
        "               DEBUG=0 (--set)\n"
        "               NEW=x y (--set)\n" % (sample, sample) +
        settings(sample, key))


def test_explain_environment_override(env, sample, key, tmp_path):
    r = explain(env, sample, tmp_path, "release/2.0", "--environment",
                "production")
    assert r.stdout == (
        "refs/heads/release/2.0: deployed to production\n"
        "  rule:        [branch \"release/*\"] at %s:13 (glob match)\n"
        "  environment: production (--environment; the rule says staging)\n"
        "  paths:       (no filter: every push deploys)\n"
        "  env vars:    NEXT_PUBLIC_API_URL=https://api.example.com "
        "(%s:24)\n" % (sample, sample) + settings(sample, key))


def test_explain_unmapped(env, sample, tmp_path):
    r = explain(env, sample, tmp_path, "release/1/2")
    assert r.stdout == (
        "refs/heads/release/1/2: not deployed: no [branch] rule matches\n"
        "  tried [branch \"main\"] at %s:10 (exact)\n"
        "  tried [branch \"release/*\"] at %s:13 (glob)\n"
        "  tried [branch \"feature/**\"] at %s:16 (glob)\n"
        % (sample, sample, sample))
    # a branch named like a tag rule is still unmapped
    r = explain(env, sample, tmp_path, "v1.0")
    assert r.stdout.startswith("refs/heads/v1.0: not deployed: no [branch] "
                               "rule matches\n")


def test_explain_tag(env, sample, tmp_path):
    r = explain(env, sample, tmp_path, "--tag", "v1.0")
    assert r.stdout.startswith(
        "refs/tags/v1.0: deployed to production\n"
        "  rule:        [tag \"v*\"] at %s:20 (glob match)\n" % sample)
    r2 = explain(env, sample, tmp_path, "refs/tags/v1.0")
    assert r2.stdout == r.stdout
    r = explain(env, sample, tmp_path, "refs/tags/main")
    assert r.stdout == ("refs/tags/main: not deployed: no [tag] rule matches"
                        "\n  tried [tag \"v*\"] at %s:20 (glob)\n" % sample)
    r = explain(env, sample, tmp_path, "refs/heads/main")
    assert r.stdout.startswith("refs/heads/main: deployed to production\n")


def test_explain_no_rules_of_kind(env, tmp_path):
    c = write(tmp_path, "[project]\nid = p\n[branch \"main\"]\n"
              "environment = production\n")
    r = explain(env, c, tmp_path, "--tag", "v1")
    assert r.stdout == ("refs/tags/v1: not deployed: no [tag] rule matches\n"
                        "  (there are no [tag] rules)\n")


def test_explain_odd_names(env, sample, tmp_path):
    r = explain(env, sample, tmp_path, "feature/caf\u00e9 \x1b[31m")
    assert r.stdout.splitlines()[0] == (
        "refs/heads/feature/caf\u00e9 \\x1b[31m: deployed to preview")
    r = explain(env, sample, tmp_path, "feature/" + "a" * 4096)
    assert "               DEBUG=1 (%s:28)\n" % sample in r.stdout
    assert "deployed to preview" in r.stdout


def test_explain_json(env, sample, key, tmp_path):
    r = explain(env, sample, tmp_path, "feature/x", "--json", "--set",
                "A=1")
    doc = json.loads(r.stdout)
    at = str(sample) + ":%d"
    assert doc.pop("env_vars_from") == {
        "NEXT_PUBLIC_API_URL": at % 27, "DEBUG": at % 28, "A": "--set"}
    assert doc.pop("settings") == {
        "project": {"value": "proj_8f2a9c", "from": at % 8},
        "url": {"value": "https://api.git.dev/v1", "from": at % 2},
        "key_file": {"value": str(key), "from": at % 3},
        "ca_file": {"value": None, "from": None},
        "mode": {"value": "queue", "from": at % 31},
    }
    assert doc == {
        "ref": "refs/heads/feature/x", "kind": "branch", "name": "feature/x",
        "deployed": True, "reason": None,
        "rule": {"pattern": "feature/**", "match": "glob",
                 "file": str(sample), "line": 16},
        "environment": "preview", "environment_from": "rule",
        "paths": ["web/", "shared/"],
        "env_vars": {"NEXT_PUBLIC_API_URL": "https://staging-api.example.com",
                     "DEBUG": "1", "A": "1"},
        "tried": [], "projects": [],
    }
    assert list(doc) == ["ref", "kind", "name", "deployed", "reason", "rule",
                         "environment", "environment_from", "paths",
                         "env_vars", "tried", "projects"]


def test_explain_json_unmapped(env, sample, tmp_path):
    r = explain(env, sample, tmp_path, "--json", "--tag", "nope",
                "--environment", "staging")
    doc = json.loads(r.stdout)
    assert doc.pop("env_vars_from") == {}
    assert doc.pop("settings") is None
    assert doc == {
        "ref": "refs/tags/nope", "kind": "tag", "name": "nope",
        "deployed": False, "reason": "no [tag] rule matches", "rule": None,
        "environment": None, "environment_from": None, "paths": [],
        "env_vars": {},
        "tried": [{"pattern": "v*", "match": "glob", "file": str(sample),
                   "line": 20}],
        "projects": [],
    }


def test_explain_json_environment_option(env, sample, tmp_path):
    r = explain(env, sample, tmp_path, "main", "--json", "--environment",
                "preview")
    doc = json.loads(r.stdout)
    assert doc["environment"] == "preview"
    assert doc["environment_from"] == "--environment"
    assert doc["env_vars"] == {
        "NEXT_PUBLIC_API_URL": "https://staging-api.example.com",
        "DEBUG": "1"}


@pytest.mark.parametrize("args, msg", [
    ((), "usage: dotgit-deploy config explain [--tag] [--environment ENV] "
         "[--set KEY=VALUE]... [--json] NAME"),
    (("a", "b"), "usage: dotgit-deploy config explain [--tag] "
                 "[--environment ENV] [--set KEY=VALUE]... [--json] NAME"),
    (("main", "--environment", "qa"),
     "unknown environment 'qa': use production, staging or preview"),
    (("main", "--environment"),
     "option '--environment' needs an environment"),
    (("main", "-e"), "option '-e' needs an environment"),
    (("main", "--set", "NOEQUALS"),
     "invalid assignment 'NOEQUALS': expected NAME=VALUE"),
    (("main", "--set", "1X=2"),
     "invalid environment variable name '1X': use letters, digits and _"),
    (("main", "--bogus"), "unknown option '--bogus' for 'config explain'\n"
     "hint: see 'dotgit-deploy help config explain'"),
    (("main", "-x"), "unknown option '-x' for 'config explain'\n"
     "hint: see 'dotgit-deploy help config explain'"),
    (("refs/heads/main", "--tag"),
     "'refs/heads/main' is a branch, but --tag was given"),
])
def test_explain_usage_errors(env, sample, tmp_path, args, msg):
    r = explain(env, sample, tmp_path, *args, status=2)
    assert r.stdout == ""
    assert r.stderr == "dotgit-deploy: " + msg + "\n"


def test_explain_broken_config(env, tmp_path):
    c = write(tmp_path, "[project]\nid = p\n[api]\nurl = http://x\nfoo = 1\n")
    r = explain(env, c, tmp_path, "main", status=2)
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        "dotgit-deploy: %s:4: api url 'http://x' is http://; only https:// "
        "is allowed, so the API key never travels in clear text" % c,
        "hint: 1 more error; 'dotgit-deploy config check' shows them all",
    ]
    c = write(tmp_path, "[project]\nid = p\n[api]\nfoo = 1\n")
    r = explain(env, c, tmp_path, "main", status=2)
    assert r.stderr.splitlines() == [
        "dotgit-deploy: %s:4: unknown key 'foo' in [api]" % c,
        "hint: 'dotgit-deploy config check' shows every problem",
    ]


# lookup inside a repository (the command opens one when there is one)

RULES = ("[project]\nid = p\n[branch \"main\"]\n"
         "environment = %s\n")

IGNORED = ("warning: [api] %s is ignored in '%s': a tracked file may only "
           "set [project], [branch], [tag] and [environment]")


def user_config(home, text):
    d = home / ".config" / "dotgit-deploy"
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.ini").write_text(text)
    return d / "config.ini"


def test_lookup_in_repository(env, tmp_path):
    from repos import make_bare, make_repo
    repo = tmp_path / "app"
    make_repo(repo, env)
    (repo / "sub").mkdir()
    (repo / ".dotgit-deploy.ini").write_text(RULES % "staging")
    r = dd("config", "explain", "main", env=env, cwd=repo / "sub", status=0)
    assert r.stdout.splitlines()[1] == (
        "  rule:        [branch \"main\"] at %s/.dotgit-deploy.ini:3 "
        "(exact match)" % repo)
    # $GIT_DIR/dotgit-deploy.ini is read too, before the work tree's:
    # the work tree's rules replace its rules
    (repo / ".git" / "dotgit-deploy.ini").write_text(RULES % "preview")
    r = dd("-C", str(repo), "config", "explain", "main", env=env,
           cwd=tmp_path, status=0)
    assert r.stdout.splitlines()[0] == "refs/heads/main: deployed to staging"
    r = dd("-C", str(repo), "config", "check", env=env, cwd=tmp_path,
           status=0)
    assert r.stdout == (
        "trusted %s/.git/dotgit-deploy.ini (repository)\n"
        "tracked %s/.dotgit-deploy.ini (work tree): only [project], "
        "[branch], [tag] and [environment] are read\nok\n" % (repo, repo))
    # -c wins over both, alone
    c = write(tmp_path, RULES % "production")
    r = dd("-c", str(c), "config", "explain", "main", env=env, cwd=repo,
           status=0)
    assert r.stdout.splitlines()[0] == ("refs/heads/main: deployed to "
                                        "production")
    # a bare repository: its own directory is $GIT_DIR
    bare = make_bare(tmp_path / "srv.git", env)
    with open(os.path.join(bare, "dotgit-deploy.ini"), "w") as f:
        f.write(RULES % "staging")
    r = dd("config", "check", env=env, cwd=bare, status=0)
    assert r.stdout.endswith("(repository)\nok\n")


@pytest.mark.skipif(os.path.exists("/etc/dotgit-deploy/config.ini"),
                    reason="a system-wide config exists")
def test_lookup_in_repository_nothing_found(env, tmp_path, home):
    from repos import make_repo
    repo = tmp_path / "app"
    make_repo(repo, env)
    r = dd("config", "check", env=env, cwd=repo, status=2)
    assert r.stderr.splitlines()[0] == (
        "dotgit-deploy: no configuration found; looked for "
        "'/etc/dotgit-deploy/config.ini', "
        "'%s/.config/dotgit-deploy/config.ini', "
        "'%s/.git/dotgit-deploy.ini', '%s/.dotgit-deploy.ini'"
        % (home, repo, repo))


def test_layers_merge_with_origins(env, tmp_path, home, key):
    """Every file is read: the user's [api], the repository's variables,
    the work tree's rules; explain says where each setting came from."""
    from repos import make_repo
    repo = tmp_path / "app"
    make_repo(repo, env)
    user = user_config(home, "[api]\nurl = https://api.example.test/v1\n"
                       "key_file = %s\n[project]\nid = proj_user\n"
                       "[environment \"production\"]\nA = user\nB = user\n"
                       "[branch \"main\"]\nenvironment = staging\n" % key)
    gd = repo / ".git" / "dotgit-deploy.ini"
    gd.write_text("[environment \"production\"]\nB = repo\n[hook]\n"
                  "mode = direct\n")
    wt = repo / ".dotgit-deploy.ini"
    wt.write_text("[branch \"main\"]\nenvironment = production\n"
                  "[environment \"production\"]\nC = tree\n")
    r = dd("config", "explain", "main", env=env, cwd=repo, status=0)
    assert r.stdout == (
        "refs/heads/main: deployed to production\n"
        "  rule:        [branch \"main\"] at %s:1 (exact match)\n"
        "  environment: production\n"
        "  paths:       (no filter: every push deploys)\n"
        "  env vars:    A=user (%s:7)\n"
        "               B=repo (%s:2)\n"
        "               C=tree (%s:4)\n"
        "  project:     proj_user (%s:5)\n"
        "  api url:     https://api.example.test/v1 (%s:2)\n"
        "  key file:    %s (%s:3)\n"
        "  ca file:     none (the system's)\n"
        "  mode:        direct (%s:4)\n"
        % (wt, user, gd, wt, user, user, key, user, gd))
    r = dd("config", "check", env=env, cwd=repo, status=0)
    assert r.stdout.splitlines() == [
        "trusted %s (user)" % user,
        "trusted %s (repository)" % gd,
        "tracked %s (work tree): only [project], [branch], [tag] and "
        "[environment] are read" % wt,
        "ok"]
    assert r.stderr == ""


def test_tracked_file_never_chooses_where_the_key_goes(env, tmp_path, home):
    """A cloned repository's .dotgit-deploy.ini names another API, CA and
    key file: check warns (file:line, no value), deploy goes to the API
    of the user's own file, and the other API receives nothing."""
    from apienv import key_file
    from harness import Emulator
    from repos import make_repo
    good = Emulator(tmp_path / "good", "--queued-secs", "0.1").start()
    evil = Emulator(tmp_path / "evil").start()
    try:
        repo = tmp_path / "app"
        head = make_repo(repo, env)
        kf = key_file(good, tmp_path / "key")
        creds = home / ".git-credentials"
        creds.write_text("https://me:gl_api_credential@example.com\n")
        creds.chmod(0o600)
        user = user_config(home, "[api]\nurl = %s\nca_file = %s\n"
                           "key_file = %s\n" % (good.url, good.ca, kf))
        with open(evil.ca) as f:
            (repo / "evil-ca.pem").write_text(f.read())
        wt = repo / ".dotgit-deploy.ini"
        wt.write_text("[project]\nid = proj_8f2a9c\n[branch \"main\"]\n"
                      "environment = production\n"
                      "[api]\nurl = %s\nca_file = evil-ca.pem\n"
                      "key_file = ~/.git-credentials\n" % evil.url)
        r = dd("config", "check", env=env, cwd=repo, status=0)
        assert r.stderr.splitlines() == [
            "%s:6: %s" % (wt, IGNORED % ("url", wt)),
            "%s:7: %s" % (wt, IGNORED % ("ca_file", wt)),
            "%s:8: %s" % (wt, IGNORED % ("key_file", wt))]
        assert evil.url not in r.stderr and "evil-ca" not in r.stderr
        assert "credentials" not in r.stderr
        r = dd("config", "explain", "main", env=env, cwd=repo, status=0)
        assert "  api url:     %s (%s:2)\n" % (good.url, user) in r.stdout
        assert "  key file:    %s (%s:4)\n" % (kf, user) in r.stdout

        r = dd("deploy", env=env, cwd=repo, status=0)
        [post] = good.deployment_posts()
        assert post["auth"] == "ok"
        assert post["body"]["commit_hash"] == head
        assert evil.requests() == []
    finally:
        good.stop()
        evil.stop()


def test_tracked_config_false(env, tmp_path, home):
    from repos import make_repo
    repo = tmp_path / "app"
    make_repo(repo, env)
    user = user_config(home, RULES % "staging" +
                       "[policy]\ntracked_config = false\n")
    wt = repo / ".dotgit-deploy.ini"
    wt.write_text("[project]\nid = theirs\n[branch \"main\"]\n"
                  "environment = production\n")
    r = dd("config", "explain", "main", env=env, cwd=repo, status=0)
    assert r.stdout.splitlines()[:2] == [
        "refs/heads/main: deployed to staging",
        "  rule:        [branch \"main\"] at %s:3 (exact match)" % user]
    assert "  project:     p (%s:2)\n" % user in r.stdout
    r = dd("config", "check", env=env, cwd=repo, status=0)
    assert r.stdout.splitlines() == [
        "trusted %s (user)" % user,
        "ignored %s (work tree): [policy] tracked_config = false at %s:6"
        % (wt, user),
        "ok"]


def test_group_writable_repository_file_is_tracked(env, tmp_path, home):
    from repos import make_repo
    repo = tmp_path / "app"
    make_repo(repo, env)
    user = user_config(home, "[api]\nurl = https://mine.example/v1\n")
    gd = repo / ".git" / "dotgit-deploy.ini"
    gd.write_text(RULES % "preview" + "[api]\nurl = https://theirs.example\n")
    gd.chmod(0o664)
    r = dd("config", "check", env=env, cwd=repo, status=0)
    assert r.stdout.splitlines() == [
        "trusted %s (user)" % user,
        "tracked %s (repository): writable by group or others (mode "
        "0664); only [project], [branch], [tag] and [environment] are read"
        % gd,
        "ok"]
    assert r.stderr == (
        "%s:6: warning: [api] url is ignored in '%s': it is writable by "
        "group or others (mode 0664), so it may only set [project], "
        "[branch], [tag] and [environment]\n" % (gd, gd))
    r = dd("config", "explain", "main", env=env, cwd=repo, status=0)
    assert "  api url:     https://mine.example/v1 (%s:2)\n" % user \
        in r.stdout
    assert r.stdout.startswith("refs/heads/main: deployed to preview\n")
    # once only its owner may write it, it is trusted
    gd.chmod(0o644)
    r = dd("config", "explain", "main", env=env, cwd=repo, status=0)
    assert "  api url:     https://theirs.example (%s:6)\n" % gd in r.stdout


@pytest.mark.parametrize("line, shown", [
    ("url = https://user:gl_api_s3cr3t@api.example.test/v1",
     "invalid value 'https://***@api.example.test/v1' for 'url': a user "
     "name or password does not belong in the URL"),
    ("url = https://api.example.test/v1?api_key=s3cr3t",
     "invalid value 'https://api.example.test/v1?***' for 'url': a query "
     "or fragment is not allowed"),
    ("url = http://me:s3cr3t@api.example.test",
     "api url 'http://***@api.example.test' is http://; only https:// is "
     "allowed, so the API key never travels in clear text"),
    ("key_file = \"gl_api_s3cr3t\"",
     "key_file holds what looks like an API key: never put the API key in "
     "the config; use key_file or DOTGIT_API_KEY"),
])
def test_secrets_are_never_printed(env, tmp_path, line, shown):
    c = write(tmp_path, RULES % "production" + "[api]\n" + line + "\n")
    r = dd("-c", str(c), "config", "check", env=env, cwd=tmp_path, status=2)
    assert r.stderr.splitlines()[0] == "%s:6: error: %s" % (c, shown)
    assert "s3cr3t" not in r.stdout + r.stderr
    # every command that loads it says the same
    r = dd("-c", str(c), "projects", env=env, cwd=tmp_path, status=2)
    assert r.stderr.splitlines()[0] == "dotgit-deploy: %s:6: %s" % (c, shown)
    assert "s3cr3t" not in r.stdout + r.stderr


def test_sha256_repository_says_one_thing(env, tmp_path, home):
    from conftest import git
    repo = tmp_path / "s"
    git("init", "-q", "--object-format=sha256", str(repo), env=env)
    user_config(home, RULES % "production")
    for args in (("config", "check"), ("config", "explain", "main")):
        r = dd(*args, env=env, cwd=repo, status=2)
        assert r.stdout == ""
        assert r.stderr == (
            "dotgit-deploy: '%s/.git' is a sha256 repository; dotgit-deploy "
            "(libgit2 1.5) supports sha1 repositories only\n"
            "hint: name a configuration file with -c FILE to use it "
            "without the repository\n" % repo)
    # -c FILE does not need the repository
    c = write(tmp_path, RULES % "production")
    r = dd("-c", str(c), "config", "check", env=env, cwd=repo, status=0)
    assert r.stdout.endswith("ok\n")
