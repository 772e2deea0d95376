# SPDX-License-Identifier: ISC
"""The man pages: they render without warnings, dotgit-deploy(1) documents
every option each command's --help prints (in that command's part), and
dotgit-deploy.ini(5) every key of the configuration's key table."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, run

MAN1 = os.path.join(ROOT, "packaging", "man", "dotgit-deploy.1")
MAN5 = os.path.join(ROOT, "packaging", "man", "dotgit-deploy.ini.5")
# "  -e, --environment ENV  ..." or "      --json  ..."
OPTION = re.compile(r"^(?:  -(\w), |      )--([\w-]+)", re.M)


def read(path):
    with open(path) as f:
        return f.read()


def sections(text):
    """{".Sh/.Ss title": its source up to the next title}."""
    parts = re.split(r"^\.S[hs] (.*)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1]
            for i in range(1, len(parts), 2)}


def helps(env):
    """{command path ("" for the program, "queue show"): --help text},
    for the program and each command that is not a group of
    subcommands."""
    out = {"": run("--help", env=env).stdout}
    part = out[""].split("\ncommands:\n")[1].split("\n\n")[0]
    for cmd in re.findall(r"^   (\S+)", part, re.M):
        text = run("help", cmd, env=env).stdout
        if not re.search(r"^   or: ", text, re.M):
            out[cmd] = text
            continue
        for sub in re.findall(r"^(?:usage|   or): dotgit-deploy %s "
                              r"\[?([\w-]+)" % re.escape(cmd), text, re.M):
            out["%s %s" % (cmd, sub)] = run("help", cmd, sub,
                                            env=env).stdout
    return out


def options(text):
    """[(letter or None, long name)] listed in a help text."""
    return [(m.group(1), m.group(2)) for m in OPTION.finditer(text)]


def documented(src, letter, name):
    long_ok = re.search(r"\bFl -%s(?![\w-])" % re.escape(name), src)
    short_ok = letter is None or re.search(r"\bFl %s\b" % letter, src)
    return bool(long_ok and short_ok)


def test_every_option_of_every_command_is_in_the_man_page(env):
    man = sections(read(MAN1))
    all_help = helps(env)
    assert {"deploy", "queue show", "config explain",
            "hook pre-push"} <= set(all_help)
    checked = 0
    for path, text in all_help.items():
        words = path.split()
        # the command's part, or its group's; the program's: DESCRIPTION
        names = [" ".join(words[:i]) for i in range(len(words), 0, -1)]
        parts = [man["DESCRIPTION"]] if not words else \
            [man[n] for n in names if n in man]
        assert parts, "no part of dotgit-deploy.1 for '%s'" % path
        for letter, name in options(text):
            assert any(documented(p, letter, name) for p in parts), \
                "%s: %s%s is not in dotgit-deploy.1's '%s'" % (
                    path or "dotgit-deploy", "-%s, " % letter if letter
                    else "", "--" + name, path or "DESCRIPTION")
            checked += 1
    assert checked > 30


def test_the_man_page_documents_no_option_that_is_gone(env):
    known = {name for text in helps(env).values()
             for _, name in options(text)}
    src = read(MAN1)
    mentioned = set(re.findall(r"\bFl -([a-z][\w-]*)", src))
    assert mentioned - known == set()


def test_every_config_key_is_in_the_ini_page(env):
    r = run("config", "keys", env=env)
    assert r.returncode == 0, r.stderr
    keys = [line.split(".", 1) for line in r.stdout.splitlines()]
    assert ["api", "url"] in keys and ["daemon", "coalesce"] in keys
    assert ["tag", "paths"] in keys and ["policy", "tracked_config"] in keys
    man = sections(read(MAN5))
    for section, key in keys:
        parts = [text for title, text in man.items()
                 if re.match(r"\[%s[] ]" % section, title) or
                 (" and [%s " % section) in title]
        assert parts, "no [%s] in dotgit-deploy.ini.5" % section
        assert any(re.search(r"^\.It Cm %s$" % re.escape(key), part, re.M)
                   for part in parts), \
            "[%s] %s is not in dotgit-deploy.ini.5" % (section, key)


@pytest.mark.parametrize("page", [MAN1, MAN5])
def test_mandoc_lint_is_clean(page):
    if shutil.which("mandoc") is None:
        pytest.skip("mandoc is not installed")
    r = subprocess.run(["mandoc", "-T", "lint", "-W", "warning", page],
                       capture_output=True, text=True)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


@pytest.mark.parametrize("page", [MAN1, MAN5])
def test_man_renders_without_warnings(page, tmp_path):
    if shutil.which("man") is None or shutil.which("groff") is None:
        pytest.skip("man or groff is not installed")
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8",
               HOME=str(tmp_path))
    r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", page],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0
    assert r.stderr == ""
    assert "dotgit-deploy" in r.stdout
