# SPDX-License-Identifier: ISC
"""Installing it: `make install` into a DESTDIR (the files, their modes,
paths that follow PREFIX), `make uninstall`, the systemd unit as
systemd-analyze judges it, the daemon's system calls against the unit's
filter, and the libraries the binary names for packagers."""
import ctypes
import json
import os
import re
import signal
import socket
import stat
import struct
import subprocess

import pytest

from conftest import BIN, ROOT
from daemonenv import Server, created_bodies, wait_until
from daemonenv import emu  # noqa: F401 (fixture)
from repos import commit

UNIT = "dotgit-deploy.service"
# the most `systemd-analyze security` may say of the unit
MAX_EXPOSURE = 1.5


def make(*args, check=True):
    """make in the source tree with the build under test: its goals
    (asan) and the variables it was given (MAKEFLAGS, without the
    parent's jobserver)."""
    env = dict(os.environ)
    flags = env.get("MAKEFLAGS", "")
    env["MAKEFLAGS"] = "-- " + flags.split(" -- ", 1)[1] \
        if " -- " in flags else ""
    goals = os.environ.get("DOTGIT_DEPLOY_MAKEGOALS", "").split()
    r = subprocess.run(["make", "-s", "--no-print-directory", "-C", ROOT,
                        *goals, *args], env=env, capture_output=True,
                       text=True, timeout=600)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def files_under(top):
    """{path relative to top: mode} of every file (not directory)."""
    out = {}
    for d, _, names in os.walk(top):
        for n in names:
            p = os.path.join(d, n)
            out[os.path.relpath(p, top)] = stat.S_IMODE(os.lstat(p).st_mode)
    return out


def expected_files(prefix="usr"):
    """What `make install PREFIX=/<prefix>` must install: everything, the
    man pages and the completion when the tree has them."""
    doc = prefix + "/share/doc/dotgit-deploy/"
    want = {
        prefix + "/bin/dotgit-deploy": 0o755,
        prefix + "/lib/systemd/system/" + UNIT: 0o644,
        prefix + "/lib/sysusers.d/dotgit-deploy.conf": 0o644,
        prefix + "/lib/tmpfiles.d/dotgit-deploy.conf": 0o644,
        "etc/dotgit-deploy/config.ini": 0o640,
        doc + "README.md": 0o644,
        doc + "LICENSE": 0o644,
        doc + "config/README.md": 0o644,
        doc + "hooks/README.md": 0o644,
        doc + "packaging/README.md": 0o644,
        prefix + "/share/dotgit-deploy/notify-webhook.sh": 0o755,
    }
    optional = {
        "packaging/man/dotgit-deploy.1":
            prefix + "/share/man/man1/dotgit-deploy.1",
        "packaging/man/dotgit-deploy.ini.5":
            prefix + "/share/man/man5/dotgit-deploy.ini.5",
        "packaging/bash-completion/dotgit-deploy":
            prefix + "/share/bash-completion/completions/dotgit-deploy",
    }
    for src, dst in optional.items():
        if os.path.exists(os.path.join(ROOT, src)):
            want[dst] = 0o644
    return want


def unit_lines(path, key):
    with open(path) as f:
        return [ln.split("=", 1)[1].strip() for ln in f
                if ln.startswith(key + "=")]


def test_install_puts_every_file_with_its_mode(tmp_path):
    dest = tmp_path / "dest"
    make("install", "DESTDIR=%s" % dest, "PREFIX=/usr")
    assert files_under(dest) == expected_files("usr")
    assert stat.S_IMODE(os.stat(dest / "etc/dotgit-deploy").st_mode) == \
        0o750
    r = subprocess.run([str(dest / "usr/bin/dotgit-deploy"), "--version"],
                       capture_output=True, text=True)
    mine = subprocess.run([BIN, "--version"], capture_output=True,
                          text=True)
    assert r.returncode == 0 and r.stdout == mine.stdout


def test_unit_and_docs_follow_prefix(tmp_path):
    dest = tmp_path / "dest"
    make("install", "DESTDIR=%s" % dest, "PREFIX=/opt/dd")
    assert files_under(dest) == expected_files("opt/dd")
    unit = dest / "opt/dd/lib/systemd/system" / UNIT
    assert unit_lines(unit, "ExecStart") == [
        "/opt/dd/bin/dotgit-deploy -c /etc/dotgit-deploy/config.ini daemon"]
    docs = " ".join(unit_lines(unit, "Documentation"))
    assert "file:///opt/dd/share/doc/dotgit-deploy/packaging/README.md" \
        in docs
    assert "/usr/local" not in unit.read_text()
    assert "@" not in "".join(unit_lines(unit, "ExecStart"))


def test_config_example_has_every_setting_commented_out(tmp_path):
    dest = tmp_path / "dest"
    make("install", "DESTDIR=%s" % dest, "PREFIX=/usr")
    text = (dest / "etc/dotgit-deploy/config.ini").read_text()
    live = [ln for ln in text.splitlines()
            if ln.strip() and not ln.lstrip().startswith(("#", ";"))]
    assert live == []
    assert "#[api]" in text and "#url = https://" in text


def test_install_keeps_the_admins_config(tmp_path):
    dest = tmp_path / "dest"
    conf = dest / "etc/dotgit-deploy/config.ini"
    conf.parent.mkdir(parents=True)
    conf.write_text("[api]\nurl = https://mine.example/v1\n")
    os.chmod(conf.parent, 0o700)
    r = make("install", "DESTDIR=%s" % dest, "PREFIX=/usr")
    assert "config.ini exists: left as it is" in r.stdout
    assert conf.read_text() == "[api]\nurl = https://mine.example/v1\n"
    assert stat.S_IMODE(os.stat(conf.parent).st_mode) == 0o700


def test_uninstall_removes_what_install_put(tmp_path):
    dest = tmp_path / "dest"
    make("install", "DESTDIR=%s" % dest, "PREFIX=/usr")
    make("uninstall", "DESTDIR=%s" % dest, "PREFIX=/usr")
    assert files_under(dest) == {}
    assert not (dest / "etc/dotgit-deploy").exists()
    assert not (dest / "usr/share/doc/dotgit-deploy").exists()


def test_uninstall_leaves_an_edited_config(tmp_path):
    dest = tmp_path / "dest"
    make("install", "DESTDIR=%s" % dest, "PREFIX=/usr")
    conf = dest / "etc/dotgit-deploy/config.ini"
    with open(conf, "a") as f:
        f.write("[api]\nurl = https://mine.example/v1\n")
    r = make("uninstall", "DESTDIR=%s" % dest, "PREFIX=/usr")
    assert "config.ini was changed: left as it is" in r.stdout
    assert list(files_under(dest)) == ["etc/dotgit-deploy/config.ini"]


@pytest.fixture(scope="module")
def installed_unit(tmp_path_factory):
    """The unit as `make install PREFIX=/usr` writes it, in a DESTDIR."""
    dest = tmp_path_factory.mktemp("unit") / "dest"
    make("install", "DESTDIR=%s" % dest, "PREFIX=/usr")
    return dest, dest / "usr/lib/systemd/system" / UNIT


def test_unit_passes_systemd_analyze_verify(installed_unit, tmp_path):
    dest, unit = installed_unit
    # the binary is in DESTDIR, not yet in /usr/bin: point ExecStart there
    text = unit.read_text().replace("ExecStart=/usr/bin/",
                                    "ExecStart=%s/usr/bin/" % dest)
    (tmp_path / UNIT).write_text(text)
    man = dest / "usr/share/man"
    has_man = all((man / p).exists() for p in
                  ("man1/dotgit-deploy.1", "man5/dotgit-deploy.ini.5"))
    env = dict(os.environ, MANPATH=str(man))
    r = subprocess.run(["systemd-analyze", "verify",
                        "--man=%s" % ("yes" if has_man else "no"),
                        str(tmp_path / UNIT)], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", r.stderr


def test_unit_exposure_is_low(installed_unit):
    _, unit = installed_unit
    r = subprocess.run(["systemd-analyze", "security", "--offline=yes",
                        "--no-pager", str(unit)],
                       capture_output=True, text=True)
    m = re.search(r"Overall exposure level for %s: ([0-9.]+)" % UNIT,
                  r.stdout)
    assert m, r.stdout + r.stderr
    print("exposure:", m.group(1))
    assert float(m.group(1)) <= MAX_EXPOSURE, r.stdout


def unit_settings(unit, key):
    out = []
    for v in unit_lines(unit, key):
        out.extend(v.split())
    return out


def syscall_set(name):
    """The system calls of a systemd-analyze syscall-filter group, its
    nested groups expanded."""
    r = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager",
                        name], capture_output=True, text=True, check=True)
    out = set()
    for ln in r.stdout.splitlines()[1:]:
        ln = ln.strip()
        if not ln or ln.startswith("#"):
            continue
        out |= syscall_set(ln) if ln.startswith("@") else {ln}
    return out


def allowed_syscalls(unit):
    """What the unit's SystemCallFilter= lines let through."""
    allowed = None
    for v in unit_lines(unit, "SystemCallFilter"):
        deny = v.startswith("~")
        names = set()
        for n in v.lstrip("~").split():
            names |= syscall_set(n) if n.startswith("@") else {n}
        if deny:
            allowed -= names
        else:
            allowed = names if allowed is None else allowed | names
    return allowed


SYSCALL_RE = re.compile(r"^\d+\s+(?:<\.\.\. )?([a-z_0-9]+)(?:\(| resumed)")


def sanitized(path):
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


@pytest.mark.skipif(sanitized(BIN), reason="the sanitizers make system "
                    "calls of their own: the release build is checked")
def test_daemon_stays_within_the_units_sandbox(installed_unit, tmp_path,
                                               env, emu):
    """The daemon at work (start, a push deployed, a reload, a stop),
    traced: every system call passes the unit's SystemCallFilter=, every
    socket is of RestrictAddressFamilies=, no memory is made writable and
    executable (MemoryDenyWriteExecute=), no set-user/group-id mode is
    set (RestrictSUIDSGID=), nothing is written outside the spool and
    the state directory (ProtectSystem=strict), and it says READY=1."""
    _, unit = installed_unit
    srv = Server(tmp_path, env, emu)
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(30)
    trace = tmp_path / "trace"
    denv = dict(env, STATE_DIRECTORY=str(state),
                NOTIFY_SOCKET=str(tmp_path / "notify"))
    log = open(tmp_path / "daemon.log", "w")
    proc = subprocess.Popen(
        ["strace", "-f", "-qq", "-y", "-s", "256", "-o", str(trace), BIN,
         "-c", srv.daemon_ini, "-v", "daemon"], env=denv,
        stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    pid = None
    try:
        notified(notify, b"READY=1")
        pid = traced_pid(proc)
        head = commit(srv.work, env, msg="traced")
        srv.push("origin", "main")
        wait_until(lambda: created_bodies(emu)[("main", head)] == 1, 30)
        os.kill(pid, signal.SIGHUP)
        notified(notify, b"RELOADING=1")
        notified(notify, b"READY=1")
        os.kill(pid, signal.SIGTERM)
        assert proc.wait(30) == 0       # strace exits as the daemon did
    finally:
        if proc.poll() is None:
            # the daemon first: strace killed would leave it running
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
            proc.kill()
            proc.wait()
        log.close()
        notify.close()
    lines = trace.read_text(errors="replace").splitlines()
    used = {m.group(1) for m in map(SYSCALL_RE.match, lines) if m}
    assert {"inotify_add_watch", "connect", "sendmsg"} <= used
    assert used - allowed_syscalls(unit) == set()
    families = set(unit_settings(unit, "RestrictAddressFamilies"))
    made = set(re.findall(r"\bsocket\((AF_[A-Z0-9]+)", "\n".join(lines)))
    assert made and made <= families
    for ln in lines:
        m = re.search(r"\b(?:mmap|mprotect)\(.*PROT_WRITE\|PROT_EXEC|"
                      r"PROT_EXEC\|PROT_WRITE", ln)
        assert m is None, ln
        m = re.search(r"\b(?:chmod|fchmod|fchmodat)\(.*, (0[0-7]+)\)", ln)
        assert m is None or not int(m.group(1), 8) & 0o6000, ln
    roots = (srv.queue, str(state))
    for path in written_paths(lines):
        assert path.startswith(tuple(r + "/" for r in roots)) or \
            path in roots, path


def notified(sock, field):
    """The next sd_notify message that carries field (others, such as
    STATUS=, are passed over); the socket's timeout bounds the wait."""
    while True:
        msg = sock.recv(4096)
        if field in msg.split(b"\n"):
            return msg


def traced_pid(proc):
    """The process strace (proc) runs."""
    with open("/proc/%d/task/%d/children" % (proc.pid, proc.pid)) as f:
        [pid] = f.read().split()
    return int(pid)


WRITE_RE = re.compile(
    r"^\d+\s+(openat|mkdirat|mkdir|unlinkat|unlink|renameat2?|rename|"
    r"linkat|symlinkat|fchmodat|chmod)\((.*)\)\s+= (\d+|-1)")
FD_RE = re.compile(r"^(?:AT_FDCWD|\d+<([^>]*)>)$")


def written_paths(lines):
    """The paths the trace created, wrote, removed or renamed (calls that
    succeeded); a path relative to a directory descriptor is joined to
    that directory's path (strace -y)."""
    for ln in lines:
        m = WRITE_RE.match(ln)
        if not m or m.group(3) == "-1":
            continue
        call, args = m.group(1), split_args(m.group(2))
        if call == "openat" and not re.search(r"O_WRONLY|O_RDWR|O_CREAT",
                                              args[2]):
            continue
        pairs = []
        if call in ("openat", "mkdirat", "unlinkat", "fchmodat"):
            pairs = [(args[0], args[1])]
        elif call in ("renameat", "renameat2", "linkat"):
            pairs = [(args[0], args[1]), (args[2], args[3])]
        elif call in ("mkdir", "unlink", "chmod"):
            pairs = [("AT_FDCWD", args[0])]
        elif call == "rename":
            pairs = [("AT_FDCWD", args[0]), ("AT_FDCWD", args[1])]
        elif call == "symlinkat":
            pairs = [(args[1], args[2])]
        for fd, name in pairs:
            yield join_at(fd, name)


def split_args(text):
    """strace's argument list: split at the commas outside quotes."""
    out, cur, quoted, esc = [], "", False, False
    for c in text:
        if esc:
            cur, esc = cur + c, False
        elif c == "\\":
            cur, esc = cur + c, True
        elif c == '"':
            cur, quoted = cur + c, not quoted
        elif c == "," and not quoted:
            out.append(cur.strip())
            cur = ""
        else:
            cur += c
    out.append(cur.strip())
    return out


def join_at(fd, name):
    name = json.loads(name) if name.startswith('"') else name
    m = FD_RE.match(fd)
    if name.startswith("/") or m is None or m.group(1) is None:
        return os.path.normpath(name if name.startswith("/") else
                                os.path.join(os.getcwd(), name))
    return os.path.normpath(os.path.join(m.group(1), name))


def read_dlopen_note(path):
    """The JSON of the binary's .note.dlopen (owner FDO, type
    0x407c0c0a)."""
    r = subprocess.run(["objcopy", "-O", "binary", "--only-section",
                        ".note.dlopen", path, "/dev/stdout"],
                       capture_output=True, check=True)
    data, notes = r.stdout, []
    while len(data) >= 12:
        namesz, descsz, ntype = struct.unpack("<III", data[:12])
        name_end = 12 + (namesz + 3) // 4 * 4
        desc = data[name_end:name_end + descsz]
        if data[12:12 + namesz] == b"FDO\0" and ntype == 0x407c0c0a:
            notes.extend(json.loads(desc.rstrip(b"\0")))
        data = data[name_end + (descsz + 3) // 4 * 4:]
    return notes


def test_binary_names_the_libraries_it_loads():
    notes = read_dlopen_note(BIN)
    sonames = [s for n in notes for s in n["soname"]]
    printed = make("sonames").stdout.split()
    assert sonames == printed
    assert [s.split(".so")[0] for s in sonames] == [
        "libgit2", "libcurl", "libsystemd"]
    assert {n["priority"] for n in notes} <= {"required", "recommended",
                                              "suggested"}
    for s in sonames:
        ctypes.CDLL(s)      # this machine has them, by that name
