# SPDX-License-Identifier: ISC
"""Drive the HTTPS API emulator (emulator.py) from pytest.

    from harness import Emulator, wait_until

    with Emulator(tmp_path / "emu", "--plan", "5") as emu:
        r = emu.get("/projects")            # -> Reply(status, headers, ...)
        assert r.status == 200 and r.json["meta"]["total"] == 3
        emu.set_faults(fail_first=2)
        posts = emu.deployment_posts()

Standard library only; runs emulator.py with /usr/bin/python3.
"""

import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "emulator.py")
PYTHON = "/usr/bin/python3"
DEFAULT_KEY = "gl_api_test_key_0123456789"
DEPLOY_POST_RE = re.compile(r"^/v1/projects/[^/]+/deployments$")


def wait_until(pred, timeout, interval=0.05, message=None):
    """Call pred() until it returns a true value; return that value.

    Raises TimeoutError after `timeout` seconds (pred is always tried once
    more at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TimeoutError(message or "condition not met within %gs"
                               % timeout)
        time.sleep(interval)


def make_other_ca(directory):
    """Create a CA (and server cert) in `directory` that differs from any
    emulator's; return the path of its ca.pem (for wrong-CA tests)."""
    os.makedirs(str(directory), exist_ok=True)
    subprocess.run([PYTHON, EMULATOR, "--make-ca-only", str(directory)],
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, timeout=60)
    return os.path.join(str(directory), "ca.pem")


class Reply:
    """status (int), headers (dict, lower-case names), body (bytes),
    json (parsed body, or None if not JSON)."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self.json = None

    def __repr__(self):
        return "Reply(%d, %r)" % (self.status, self.body[:200])


def _flag_values(flags, name):
    out = []
    for i, f in enumerate(flags):
        if f == name and i + 1 < len(flags):
            out.append(flags[i + 1])
        elif f.startswith(name + "="):
            out.append(f.split("=", 1)[1])
    return out


class Emulator:
    """One emulator process with its state directory `workdir`.

    Attributes once started: url (https://127.0.0.1:PORT/v1), port, ca
    (path of ca.pem), key (first --key, or the default key), readonly_keys,
    dir, proc.
    """

    def __init__(self, workdir, *flags):
        self.dir = os.path.abspath(str(workdir))
        self.flags = [str(f) for f in flags]
        self.proc = None
        self.port = None
        self.url = None
        self.ca = os.path.join(self.dir, "ca.pem")
        self.output = os.path.join(self.dir, "emulator.out")
        self._apply_flags()

    def _apply_flags(self):
        keys = _flag_values(self.flags, "--key")
        self.key = keys[0] if keys else DEFAULT_KEY
        self.readonly_keys = _flag_values(self.flags, "--readonly-key")

    # -- lifecycle

    def start(self, timeout=10):
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("emulator already running")
        os.makedirs(self.dir, exist_ok=True)
        port_file = os.path.join(self.dir, "port")
        try:
            os.unlink(port_file)
        except FileNotFoundError:
            pass
        argv = [PYTHON, EMULATOR, "--dir", self.dir]
        if self.port is not None and not _flag_values(self.flags, "--port"):
            argv += ["--port", str(self.port)]
        argv += self.flags
        with open(self.output, "ab") as out:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=out)

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("emulator exited with %s:\n%s" % (
                    self.proc.returncode, self.output_text()[-4000:]))
            try:
                with open(port_file) as f:
                    text = f.read().strip()
            except FileNotFoundError:
                return None
            return int(text) if text else None

        try:
            self.port = wait_until(ready, timeout, interval=0.02,
                                   message="emulator did not start")
        except BaseException:
            self._kill()
            raise
        self.url = "https://127.0.0.1:%d/v1" % self.port
        return self

    def stop(self, timeout=10):
        """SIGTERM and wait; returns the exit code (None if never started)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._kill()
                raise
        return self.proc.returncode

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self, *new_flags, timeout=10):
        """Stop and start again on the same directory and port.  With
        new_flags, they replace the old flags; without, the old ones stay."""
        self.stop()
        if new_flags:
            self.flags = [str(f) for f in new_flags]
            self._apply_flags()
        return self.start(timeout=timeout)

    def __enter__(self):
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def output_text(self):
        """What the emulator printed (stdout and stderr) so far."""
        try:
            with open(self.output, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    # -- HTTP

    def ssl_context(self, cafile=None):
        return ssl.create_default_context(cafile=cafile or self.ca)

    def call(self, method, path, body=None, key=DEFAULT_KEY, headers=None,
             raw=None, timeout=10, cafile=None, prefix=True):
        """One request on a fresh connection.  `path` is relative to /v1
        unless it starts with /v1 or /_emulator.  body is JSON-encoded; raw
        (bytes or str) is sent as is; prefix=False sends path unchanged.
        key=DEFAULT_KEY means self.key;
        key=None sends no Authorization header.  Connection errors
        (resets) propagate."""
        if prefix and not (path.startswith("/v1")
                           or path.startswith("/_emulator")):
            path = "/v1" + (path if path.startswith("/") else "/" + path)
        hdrs = {"User-Agent": "emulator-harness"}
        if key is DEFAULT_KEY:
            key = self.key
        if key is not None:
            hdrs["Authorization"] = "Bearer " + key
        data = None
        if raw is not None:
            data = raw.encode("utf-8") if isinstance(raw, str) else raw
        elif body is not None:
            data = json.dumps(body).encode("utf-8")
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.port, timeout=timeout,
            context=self.ssl_context(cafile))
        try:
            conn.request(method, path, body=data, headers=hdrs)
            r = conn.getresponse()
            body_bytes = r.read()
            return Reply(r.status, {k.lower(): v for k, v in
                                    r.getheaders()}, body_bytes)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body=body, **kw)

    def deploy(self, body, project="proj_8f2a9c", idempotency_key=None,
               **kw):
        """POST a deployment request; returns the Reply."""
        headers = dict(kw.pop("headers", None) or {})
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return self.post("/projects/%s/deployments" % project, body,
                         headers=headers, **kw)

    # -- admin and logs

    def set_faults(self, **kw):
        """Change faults at run time (POST /_emulator/faults).  Names as the
        flags with underscores; 429_first can be passed as first_429.
        clear=True resets every fault first.  Returns the new settings."""
        if "first_429" in kw:
            kw["429_first"] = kw.pop("first_429")
        r = self.call("POST", "/_emulator/faults", body=kw, key=None)
        if r.status != 200:
            raise ValueError("set_faults: %d %s" % (r.status, r.body))
        return r.json

    def faults(self):
        return self.call("GET", "/_emulator/faults", key=None).json

    def stats(self):
        return self.call("GET", "/_emulator/stats", key=None).json

    def requests(self, method=None, path_prefix=None):
        """Parsed lines of requests.jsonl (all runs on this directory)."""
        out = []
        try:
            with open(os.path.join(self.dir, "requests.jsonl"),
                      encoding="utf-8") as f:
                for line in f:
                    if not line.endswith("\n"):
                        break       # a line still being written
                    rec = json.loads(line)
                    if method is not None and rec["method"] != method:
                        continue
                    if path_prefix is not None and not rec["path"].startswith(
                            path_prefix):
                        continue
                    out.append(rec)
        except FileNotFoundError:
            pass
        return out

    def deployment_posts(self):
        """Logged POSTs to /v1/projects/*/deployments (any outcome)."""
        return [r for r in self.requests(method="POST")
                if DEPLOY_POST_RE.match(r["path"])]

    def created_deployments(self):
        """IDs of deployments this emulator created (not replays)."""
        return [r["deployment_id"] for r in self.deployment_posts()
                if r["deployment_id"] and not r["replayed"]
                and r["status"] in (201, "reset")]

    def state(self):
        with open(os.path.join(self.dir, "state.json"),
                  encoding="utf-8") as f:
            return json.load(f)
