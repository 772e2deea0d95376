#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Local HTTPS emulator of the .git REST API (see README.md here).

Used by the end-to-end tests and by `make demo`.  Python 3 standard library
only; certificates are made with the `openssl` command.  Run with
`/usr/bin/python3 tests/emulator/emulator.py --dir DIR [options]`; see
README.md beside this file for the flags, the request log and the admin
endpoints.

The API key is never written anywhere: not to the request log, not to
state.json, not to stdout or stderr.
"""

import argparse
import datetime
import fnmatch
import http.server
import json
import math
import os
import random
import re
import secrets
import signal
import socket
import socketserver
import ssl
import string
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

DEFAULT_KEY = "gl_api_test_key_0123456789"
PLANS = {"free": 60, "pro": 600}
ENVIRONMENTS = ("production", "staging", "preview")
FRAMEWORKS = ("nextjs", "vite", "astro", "remix")
FIRST_PROJECT = {
    "id": "proj_8f2a9c",
    "name": "main-app",
    "framework": "nextjs",
    "created_at": "2025-09-12T14:20:00Z",
}
PROJECT_EPOCH = datetime.datetime(2025, 9, 12, 14, 20, 0,
                                  tzinfo=datetime.timezone.utc)
BAD_BODY_MODES = ("html", "truncated", "garbage", "empty", "huge")
HUGE_CHUNK = 1 << 20
HTML_BODY = b"<html>proxy</html>"
GARBAGE_BODY = b"\xde\xad\xbe\xef <<not json>> \x00\xff{{{"
COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DEPLOY_PATH_RE = re.compile(r"^/v1/projects/([^/]+)/deployments$")
DEPLOYMENT_PATH_RE = re.compile(r"^/v1/deployments/([^/]+)$")
DEPLOY_FIELDS = ("branch", "environment", "commit_hash", "env_vars")
LISTEN_HOST = "127.0.0.1"


def utc_iso(t):
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def atomic_write(path, data):
    """Write bytes or str to path via a temp file in the same directory."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".",
                               dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# ---------------------------------------------------------------- certificates

CA_CONF = """\
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = dotgit-deploy emulator test CA {tag}
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""

SERVER_CONF = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = 127.0.0.1
[v3_srv]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
"""

EC_ARGS = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
           "-nodes"]


def run_openssl(args):
    p = subprocess.run(["openssl"] + args, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (
            args[0], p.stderr.decode("utf-8", "replace").strip()))


def ensure_certs(d):
    """Create (or reuse) ca.pem/ca.key and cert.pem/key.pem in d."""
    os.makedirs(d, exist_ok=True)
    p = {n: os.path.join(d, n)
         for n in ("ca.pem", "ca.key", "cert.pem", "key.pem")}
    have_ca = os.path.exists(p["ca.pem"]) and os.path.exists(p["ca.key"])
    have_srv = os.path.exists(p["cert.pem"]) and os.path.exists(p["key.pem"])
    if have_ca and have_srv:
        return p
    tmp = tempfile.mkdtemp(prefix=".certgen-", dir=d)
    try:
        if not have_ca:
            conf = os.path.join(tmp, "ca.cnf")
            with open(conf, "w") as f:
                f.write(CA_CONF.format(tag=secrets.token_hex(4)))
            run_openssl(["req", "-x509"] + EC_ARGS + [
                "-keyout", os.path.join(tmp, "ca.key"),
                "-out", os.path.join(tmp, "ca.pem"),
                "-days", "3650", "-config", conf])
            os.chmod(os.path.join(tmp, "ca.key"), 0o600)
            os.replace(os.path.join(tmp, "ca.key"), p["ca.key"])
            os.replace(os.path.join(tmp, "ca.pem"), p["ca.pem"])
        conf = os.path.join(tmp, "server.cnf")
        with open(conf, "w") as f:
            f.write(SERVER_CONF)
        csr = os.path.join(tmp, "server.csr")
        run_openssl(["req", "-new"] + EC_ARGS + [
            "-keyout", os.path.join(tmp, "key.pem"), "-out", csr,
            "-config", conf])
        run_openssl(["x509", "-req", "-in", csr,
                     "-CA", p["ca.pem"], "-CAkey", p["ca.key"],
                     "-set_serial", "0x" + secrets.token_hex(16),
                     "-days", "825", "-out", os.path.join(tmp, "cert.pem"),
                     "-extfile", conf, "-extensions", "v3_srv"])
        os.chmod(os.path.join(tmp, "key.pem"), 0o600)
        os.replace(os.path.join(tmp, "key.pem"), p["key.pem"])
        os.replace(os.path.join(tmp, "cert.pem"), p["cert.pem"])
    finally:
        for n in os.listdir(tmp):
            os.unlink(os.path.join(tmp, n))
        os.rmdir(tmp)
    return p


# ---------------------------------------------------------------- projects

def build_projects(count, extra):
    projects = []
    for i in range(1, count + 1):
        if i == 1:
            projects.append(dict(FIRST_PROJECT))
            continue
        projects.append({
            "id": "proj_%06d" % i,
            "name": "app-%d" % i,
            "framework": FRAMEWORKS[(i - 1) % len(FRAMEWORKS)],
            "created_at": utc_iso((PROJECT_EPOCH + datetime.timedelta(
                days=i - 1, hours=i % 24)).timestamp()),
        })
    n = count
    for pid, name in extra:
        n += 1
        projects.append({
            "id": pid,
            "name": name,
            "framework": FRAMEWORKS[(n - 1) % len(FRAMEWORKS)],
            "created_at": utc_iso((PROJECT_EPOCH + datetime.timedelta(
                days=n - 1, hours=n % 24)).timestamp()),
        })
    return projects


# ---------------------------------------------------------------- faults

class Faults:
    """Fault settings plus the remaining budgets of the "first N" faults.

    A "first N" fault is a budget: each request it hits uses one.  Setting it
    again (at start or through POST /_emulator/faults) refills the budget, so
    at run time it means "the next N".  None means unlimited.
    """

    # name -> (kind, default)
    FIELDS = {
        "fail_first": ("count", 0),
        "fail_first_post": ("count", 0),
        "reject_first_post": ("count", 0),
        "lose_reply_first_post": ("count", 0),
        "echo_key_first_post": ("count", 0),
        "echo_key_status": ("errstatus", 500),
        "echo_key_at": ("posint", 0),
        "escapes": ("bool", False),
        "fail_rate": ("rate", 0.0),
        "reset_rate": ("rate", 0.0),
        "seed": ("int", 0),
        "429_first": ("count", 0),
        "retry_after": ("posint", 1),
        "no_retry_after": ("bool", False),
        "slow": ("secs", 0.0),
        "slow_first": ("count_or_all", None),
        "bad_body": ("mode", None),
        "bad_body_first": ("count_or_all", None),
        "huge_bytes": ("posint", 100 << 20),
        "fail_branch": ("globs", []),
        "queued_secs": ("secs", 0.2),
        "building_secs": ("secs", 0.5),
    }

    def __init__(self):
        self.lock = threading.Lock()
        self.values = {k: (list(v[1]) if isinstance(v[1], list) else v[1])
                       for k, v in self.FIELDS.items()}
        self.rng = random.Random(0)

    @classmethod
    def check(cls, name, value):
        if name not in cls.FIELDS:
            raise ValueError("unknown fault '%s'" % name)
        kind = cls.FIELDS[name][0]
        isnum = (isinstance(value, (int, float))
                 and not isinstance(value, bool))
        isint = isinstance(value, int) and not isinstance(value, bool)
        if kind in ("count", "int") and isint and (kind == "int"
                                                   or value >= 0):
            return value
        if kind == "posint" and isint and value >= 0:
            return value
        if kind == "errstatus" and isint and 400 <= value <= 599:
            return value
        if kind == "count_or_all" and (value is None
                                       or (isint and value >= 0)):
            return value
        if kind == "rate" and isnum and 0 <= value <= 1:
            return float(value)
        if kind == "secs" and isnum and value >= 0:
            return float(value)
        if kind == "bool" and isinstance(value, bool):
            return value
        if kind == "mode" and (value is None or value in BAD_BODY_MODES
                               or value == "none"):
            return None if value == "none" else value
        if kind == "globs" and isinstance(value, list) and all(
                isinstance(g, str) for g in value):
            return list(value)
        raise ValueError("bad value for fault '%s': %s" % (
            name, json.dumps(value)))

    def update(self, changes, clear=False):
        checked = {k: self.check(k, v) for k, v in changes.items()}
        with self.lock:
            if clear:
                fresh = Faults()
                self.values = fresh.values
                self.rng = random.Random(self.values["seed"])
            self.values.update(checked)
            if "seed" in checked:
                self.rng = random.Random(checked["seed"])

    def snapshot(self):
        with self.lock:
            return json.loads(json.dumps(self.values))

    def _take(self, name):
        """Use one unit of a budget; True if the fault applies."""
        v = self.values[name]
        if v is None:
            return True
        if v > 0:
            self.values[name] = v - 1
            return True
        return False

    def pre(self):
        """Decide the faults hitting a /v1 request before it is processed.

        Returns a dict: slow (seconds), action (None, "reset", or a status
        code), fault (name of the action's fault), bad_body (mode or None).
        """
        with self.lock:
            v = self.values
            out = {"slow": 0.0, "action": None, "fault": None,
                   "bad_body": None}
            if v["slow"] > 0 and self._take("slow_first"):
                out["slow"] = v["slow"]
            if v["reset_rate"] > 0 and self.rng.random() < v["reset_rate"]:
                out["action"], out["fault"] = "reset", "reset_rate"
                return out
            if v["fail_first"] > 0 and self._take("fail_first"):
                out["action"], out["fault"] = 500, "fail_first"
                return out
            if v["fail_rate"] > 0 and self.rng.random() < v["fail_rate"]:
                code = self.rng.choice((500, 502, 503))
                out["action"], out["fault"] = code, "fail_rate"
                return out
            if v["429_first"] > 0 and self._take("429_first"):
                out["action"], out["fault"] = 429, "429_first"
                return out
            if v["bad_body"] and self._take("bad_body_first"):
                out["bad_body"] = v["bad_body"]
            return out

    def post_fault(self):
        """Faults of a deployment POST that passed auth and rate limit:
        None, "fail_first_post", "reject_first_post",
        "lose_reply_first_post" or "echo_key_first_post"."""
        with self.lock:
            if self.values["fail_first_post"] > 0 and self._take(
                    "fail_first_post"):
                return "fail_first_post"
            if self.values["reject_first_post"] > 0 and self._take(
                    "reject_first_post"):
                return "reject_first_post"
            if self.values["lose_reply_first_post"] > 0 and self._take(
                    "lose_reply_first_post"):
                return "lose_reply_first_post"
            if self.values["echo_key_first_post"] > 0 and self._take(
                    "echo_key_first_post"):
                return "echo_key_first_post"
            return None

    def get(self, name):
        with self.lock:
            v = self.values[name]
            return list(v) if isinstance(v, list) else v


# ---------------------------------------------------------------- rate limit

class RateLimiter:
    """Fixed windows aligned on multiples of the window length (Unix time)."""

    def __init__(self, limit, window):
        self.limit = limit
        self.window = window
        self.lock = threading.Lock()
        self.buckets = {}   # key -> [window_start, count]

    def _window(self, now):
        start = math.floor(now / self.window) * self.window
        return start, start + self.window

    def hit(self, key, now, consume=True):
        """Return (allowed, limit, remaining, reset, retry_after)."""
        with self.lock:
            start, end = self._window(now)
            count = 0
            if key is not None:
                b = self.buckets.get(key)
                if b is None or b[0] != start:
                    b = self.buckets[key] = [start, 0]
                if consume:
                    b[1] += 1
                count = b[1]
            allowed = count <= self.limit
            remaining = max(0, self.limit - count)
            reset = int(math.ceil(end))
            retry = max(1, int(math.ceil(end - now)))
            return allowed, self.limit, remaining, reset, retry


# ---------------------------------------------------------------- state

class State:
    """Deployments and idempotency records, persisted in DIR/state.json."""

    def __init__(self, path, save_every=0.0):
        self.path = path
        self.save_every = save_every    # 0: write at every change
        self.dirty = False
        self.saved_at = 0.0
        self.lock = threading.RLock()
        self.deployments = {}
        self.idempotency = {}   # project_id -> {key: {body, deployment_id}}
        if os.path.exists(path):
            with open(path, "rb") as f:
                data = json.loads(f.read().decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            self.deployments = data.get("deployments", {})
            self.idempotency = data.get("idempotency", {})

    def save(self, force=False):
        """Write state.json; with --save-every, at most that often (the
        main loop writes what is left), so a bench with thousands of
        deployments does not rewrite the whole file for each."""
        now = time.monotonic()
        if not force and self.save_every > 0 and \
                now - self.saved_at < self.save_every:
            self.dirty = True
            return
        self.dirty = False
        self.saved_at = now
        data = {"version": 1, "deployments": self.deployments,
                "idempotency": self.idempotency}
        atomic_write(self.path, json.dumps(data, indent=1, sort_keys=True)
                     + "\n")


class Stats:
    NAMES = ("requests", "deployments_created", "responses_429", "replays",
             "resets", "faults_injected")

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {n: 0 for n in self.NAMES}
        self.by_status = {}
        self.started_at = time.time()

    def add(self, name, n=1):
        with self.lock:
            self.counts[name] += n

    def status(self, status):
        with self.lock:
            k = str(status)
            self.by_status[k] = self.by_status.get(k, 0) + 1
            if status == 429:
                self.counts["responses_429"] += 1
            if status == "reset":
                self.counts["resets"] += 1

    def snapshot(self):
        with self.lock:
            d = dict(self.counts)
            d["by_status"] = dict(self.by_status)
            d["started_at"] = self.started_at
            return d


# ---------------------------------------------------------------- responses

class Reply:
    def __init__(self, status, obj=None, body=None, ctype="application/json",
                 headers=None):
        self.status = status
        if obj is not None:
            body = (json.dumps(obj) + "\n").encode("utf-8")
        self.body = body if body is not None else b""
        self.ctype = ctype
        self.headers = list(headers or [])
        self.pad = 0    # blanks sent after the body (--bad-body huge)


def error_reply(code, message, details=None, headers=None):
    e = {"code": code, "message": message}
    if details is not None:
        e["details"] = details
    return Reply(code, {"error": e}, headers=headers)


def echo_key_reply(faults, key, headers):
    """An error that quotes the caller's key (a server echoing what it
    got): in the message, `echo_key_at` bytes in, and in a detail."""
    msg = "%s%s: not accepted here" % ("x" * faults.get("echo_key_at"),
                                       key)
    return error_reply(faults.get("echo_key_status"), msg, [
        {"field": "authorization", "message": "bearer %s" % key}],
        headers=headers)


# Terminal escapes the --escapes fault puts around reply strings: a
# colour (CSI), a window title (OSC ... BEL) and an 8-bit CSI (C1).
ESCAPES = ("\x1b[31m", "\x1b[0m\x1b]0;pwned\x07\u009b2J")


def dirty(s):
    return ESCAPES[0] + s + ESCAPES[1] if isinstance(s, str) else s


def add_escapes(body):
    """The reply body with escapes in its human strings (ids stay)."""
    try:
        obj = json.loads(body)
    except ValueError:
        return body
    if not isinstance(obj, dict):
        return body
    err = obj.get("error")
    if isinstance(err, dict):
        err["message"] = dirty(err.get("message"))
        for d in err.get("details") or []:
            if isinstance(d, dict):
                d["message"] = dirty(d.get("message"))
    if "id" in obj and "status" in obj:
        for k in ("status", "url", "started_at", "branch", "environment",
                  "commit_hash"):
            obj[k] = dirty(obj.get(k))
    for p in obj.get("data") or []:
        if isinstance(p, dict):
            for k in ("name", "framework", "created_at"):
                p[k] = dirty(p.get(k))
    return (json.dumps(obj) + "\n").encode("utf-8")


def validate_deploy(body):
    """Return the list of 422 details for a deployment request object."""
    details = []

    def bad(field, message):
        details.append({"field": field, "message": message})

    if "branch" not in body:
        bad("branch", "Required")
    elif not isinstance(body["branch"], str) or body["branch"] == "":
        bad("branch", "Must be a non-empty string")
    if "environment" not in body:
        bad("environment", "Required")
    elif body["environment"] not in ENVIRONMENTS or not isinstance(
            body["environment"], str):
        bad("environment", "Must be one of: " + ", ".join(ENVIRONMENTS))
    if "commit_hash" in body:
        c = body["commit_hash"]
        if not isinstance(c, str) or not COMMIT_RE.match(c):
            bad("commit_hash",
                "Must be 40 lowercase hexadecimal characters")
    if "env_vars" in body:
        ev = body["env_vars"]
        if not isinstance(ev, dict):
            bad("env_vars", "Must be an object")
        else:
            for k in sorted(ev):
                if not ENV_NAME_RE.match(k):
                    bad("env_vars." + k,
                        "Invalid variable name: must match "
                        "^[A-Za-z_][A-Za-z0-9_]*$")
                elif not isinstance(ev[k], str):
                    bad("env_vars." + k, "Must be a string")
    for k in sorted(body):
        if k not in DEPLOY_FIELDS:
            bad(k, "Unknown field")
    return details


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def new_deployment_id(existing):
    alphabet = string.ascii_lowercase + string.digits
    while True:
        n = 6 + secrets.randbelow(5)
        i = "dep_" + "".join(secrets.choice(alphabet) for _ in range(n))
        if i not in existing:
            return i


# ---------------------------------------------------------------- server

class Emulator:
    def __init__(self, args):
        self.args = args
        self.dir = os.path.abspath(args.dir)
        self.keys = set(args.key or [DEFAULT_KEY])
        self.readonly_keys = set(args.readonly_key or []) - self.keys
        self.projects = build_projects(args.projects, args.project or [])
        self.project_ids = {p["id"] for p in self.projects}
        self.ratelimit = RateLimiter(args.plan, args.rate_window)
        self.faults = Faults()
        init = {
            "fail_first": args.fail_first,
            "fail_first_post": args.fail_first_post,
            "reject_first_post": args.reject_first_post,
            "lose_reply_first_post": args.lose_reply_first_post,
            "echo_key_first_post": args.echo_key_first_post,
            "echo_key_status": args.echo_key_status,
            "echo_key_at": args.echo_key_at,
            "escapes": args.escapes,
            "fail_rate": args.fail_rate,
            "reset_rate": args.reset_rate,
            "seed": args.seed,
            "429_first": args.first_429,
            "retry_after": args.retry_after,
            "no_retry_after": args.no_retry_after,
            "slow": args.slow,
            "slow_first": args.slow_first,
            "bad_body": args.bad_body,
            "bad_body_first": args.bad_body_first,
            "huge_bytes": args.huge_bytes,
            "fail_branch": args.fail_branch or [],
            "queued_secs": args.queued_secs,
            "building_secs": args.building_secs,
        }
        self.faults.update(init)
        self.state = State(os.path.join(self.dir, "state.json"),
                           args.save_every)
        self.stats = Stats()
        self.log_lock = threading.Lock()
        self.log_file = open(os.path.join(self.dir, "requests.jsonl"), "a",
                             encoding="utf-8")
        self.port = None
        self.verbose = args.verbose

    # -- logging

    def log_request(self, rec):
        line = json.dumps(rec, sort_keys=False) + "\n"
        with self.log_lock:
            self.log_file.write(line)
            self.log_file.flush()
        self.stats.status(rec["status"])
        if self.verbose:
            sys.stderr.write("%s %s -> %s%s\n" % (
                rec["method"], rec["path"], rec["status"],
                " [%s]" % rec["fault"] if rec["fault"] else ""))
            sys.stderr.flush()

    # -- auth

    def auth_of(self, header):
        """Return (auth, key) where auth is ok/missing/invalid."""
        if header is None:
            return "missing", None
        parts = header.strip().split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "bearer":
            return "invalid", None
        key = parts[1].strip()
        if key in self.keys or key in self.readonly_keys:
            return "ok", key
        return "invalid", None

    def rate_headers(self, rl):
        _, limit, remaining, reset, _ = rl
        return [("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", str(remaining)),
                ("X-RateLimit-Reset", str(reset))]

    # -- endpoints

    def list_projects(self, query):
        def intparam(name, default):
            if name not in query:
                return default
            v = query[name][-1]
            if not re.match(r"^[0-9]+$", v.strip()):
                raise ValueError(name)
            return int(v)

        try:
            page = intparam("page", 1)
        except ValueError:
            return error_reply(400, "page must be an integer >= 1")
        try:
            per_page = intparam("per_page", 20)
        except ValueError:
            per_page = -1
        if page < 1:
            return error_reply(400, "page must be an integer >= 1")
        if per_page < 1 or per_page > 100:
            return error_reply(
                400, "per_page must be an integer between 1 and 100")
        start = (page - 1) * per_page
        data = self.projects[start:start + per_page]
        return Reply(200, {"data": data, "meta": {
            "total": len(self.projects), "page": page,
            "per_page": per_page}})

    def deployment_view(self, d, now, force_status=None):
        el = now - d["created"]
        if force_status:
            status = force_status
        elif el < d["queued_secs"]:
            status = "queued"
        elif el < d["queued_secs"] + d["building_secs"]:
            status = "building"
        else:
            status = d["final"]
        return {"id": d["id"], "status": status, "url": d["url"],
                "started_at": d["started_at"], "branch": d["branch"],
                "environment": d["environment"],
                "commit_hash": d["commit_hash"]}

    def get_deployment(self, dep_id, rec):
        with self.state.lock:
            d = self.state.deployments.get(dep_id)
            if d is None:
                return error_reply(404, "Deployment '%s' not found" % dep_id)
            rec["deployment_id"] = dep_id
            return Reply(200, self.deployment_view(d, time.time()))

    def create_deployment(self, project_id, raw, rec, idem_key):
        if project_id not in self.project_ids:
            return error_reply(404, "Project '%s' not found" % project_id)
        body, err = parse_json_body(raw)
        if err:
            return error_reply(400, "malformed JSON: " + err)
        if not isinstance(body, dict):
            return error_reply(
                400, "malformed JSON: the body must be a JSON object")
        canon = canonical(body)
        with self.state.lock:
            known = None
            if idem_key is not None:
                known = self.state.idempotency.get(project_id, {}).get(
                    idem_key)
            if known is not None:
                # a repeated key is answered with the deployment
                # the first request created, whatever the body says.
                d = self.state.deployments[known["deployment_id"]]
                rec["deployment_id"] = d["id"]
                rec["replayed"] = True
                self.stats.add("replays")
                return Reply(201, self.deployment_view(d, time.time()),
                             headers=[("Idempotent-Replayed", "true")])
            details = validate_deploy(body)
            if details:
                return error_reply(422, "Validation failed", details)
            now = time.time()
            dep_id = new_deployment_id(self.state.deployments)
            globs = self.faults.get("fail_branch")
            failing = any(fnmatch.fnmatchcase(body["branch"], g)
                          for g in globs)
            d = {
                "id": dep_id,
                "project_id": project_id,
                "branch": body["branch"],
                "environment": body["environment"],
                "commit_hash": body.get("commit_hash"),
                "env_vars": body.get("env_vars"),
                "created": now,
                "started_at": utc_iso(now),
                "url": "https://%s:%d/v1/deployments/%s" % (
                    LISTEN_HOST, self.port, dep_id),
                "queued_secs": self.faults.get("queued_secs"),
                "building_secs": self.faults.get("building_secs"),
                "final": "error" if failing else "ready",
                "idempotency_key": idem_key,
            }
            self.state.deployments[dep_id] = d
            if idem_key is not None:
                self.state.idempotency.setdefault(project_id, {})[
                    idem_key] = {"body": canon, "deployment_id": dep_id}
            self.state.save()
            self.stats.add("deployments_created")
            rec["deployment_id"] = dep_id
            return Reply(201, self.deployment_view(d, now,
                                                   force_status="queued"))

    # -- admin

    def admin(self, method, path, raw):
        if path == "/_emulator/stats":
            if method != "GET":
                return error_reply(405, "Method not allowed",
                                   headers=[("Allow", "GET")])
            return Reply(200, self.stats.snapshot())
        if path == "/_emulator/faults":
            if method == "GET":
                return Reply(200, self.faults.snapshot())
            if method != "POST":
                return error_reply(405, "Method not allowed",
                                   headers=[("Allow", "GET, POST")])
            body, err = parse_json_body(raw)
            if err or not isinstance(body, dict):
                return error_reply(400, "malformed JSON: "
                                   + (err or "expected an object"))
            clear = body.pop("clear", False)
            try:
                self.faults.update(body, clear=bool(clear))
            except ValueError as e:
                return error_reply(400, str(e))
            return Reply(200, self.faults.snapshot())
        return error_reply(404, "Not found")


def parse_json_body(raw):
    """Return (object, None) or (None, error message)."""
    if not raw:
        return None, "empty body"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "body is not valid UTF-8"

    def no_constants(name):
        raise ValueError("invalid constant " + name)

    try:
        return json.loads(text, parse_constant=no_constants), None
    except ValueError as e:
        return None, str(e)


def body_for_log(raw):
    if not raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "dotgit-emulator/1"
    sys_version = ""
    timeout = 60
    error_content_type = "application/json"
    error_message_format = ('{"error": {"code": %(code)d, '
                            '"message": "%(message)s"}}\n')

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *a):   # quiet: requests go to requests.jsonl
        pass

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def do_HEAD(self):
        self.dispatch()

    # -- transport helpers

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ConnectionError("eof in chunked body")
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n",
                                                             b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        n = self.headers.get("Content-Length")
        if n is None:
            return b""
        n = int(n)
        if n < 0:
            raise ValueError("negative Content-Length")
        data = self.rfile.read(n)
        if len(data) != n:
            raise ConnectionError("short body")
        return data

    def reset_connection(self):
        """Abort: RST instead of a reply (SO_LINGER 0, then close)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.rfile.close()
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass

    def send_reply(self, reply):
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.ctype)
        self.send_header("Content-Length", str(len(reply.body) + reply.pad))
        for k, v in reply.headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD" and reply.body:
            self.wfile.write(reply.body)
        if self.command != "HEAD" and reply.pad:
            self.send_padding(reply.pad)

    def send_padding(self, n):
        """n blanks, a chunk at a time; a client that stops reading (it
        caps what it keeps) ends the connection."""
        chunk = b" " * HUGE_CHUNK
        try:
            while n > 0:
                self.wfile.write(chunk[:min(n, HUGE_CHUNK)])
                n -= min(n, HUGE_CHUNK)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- request processing

    def dispatch(self):
        emu = self.server.emu
        t = time.time()
        split = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(split.path)
        try:
            raw = self.read_body()
        except (ValueError, ConnectionError):
            self.close_connection = True
            self.send_reply(error_reply(400, "unreadable request body"))
            return
        if path == "/_emulator" or path.startswith("/_emulator/"):
            self.send_reply(emu.admin(self.command, path, raw))
            return
        query = {}
        for k, vs in urllib.parse.parse_qs(split.query,
                                           keep_blank_values=True).items():
            query[k] = vs[-1] if len(vs) == 1 else vs
        auth, key = emu.auth_of(self.headers.get("Authorization"))
        rec = {
            "t": t,
            "method": self.command,
            "path": path,
            "query": query,
            "body": body_for_log(raw),
            "auth": auth,
            "idempotency_key": self.headers.get("Idempotency-Key"),
            "user_agent": self.headers.get("User-Agent"),
            "status": None,
            "deployment_id": None,
            "replayed": False,
            "fault": None,
        }
        emu.stats.add("requests")
        faults = []
        post_mode = None
        is_v1 = path == "/v1" or path.startswith("/v1/")
        pre = {"slow": 0.0, "action": None, "fault": None, "bad_body": None}
        if is_v1:
            pre = emu.faults.pre()
        if pre["slow"]:
            faults.append("slow")
        if pre["action"] is not None:
            faults.append(pre["fault"])
            emu.stats.add("faults_injected")
            rl = emu.ratelimit.hit(key, time.time(), consume=False)
            action = pre["action"]
            if action == "reset":
                return self.finish_reset(rec, faults, pre["slow"])
            if action == 429:
                retry = emu.faults.get("retry_after")
                hdrs = [("X-RateLimit-Limit", str(rl[1])),
                        ("X-RateLimit-Remaining", "0"),
                        ("X-RateLimit-Reset",
                         str(int(math.ceil(time.time() + retry))))]
                if not emu.faults.get("no_retry_after"):
                    hdrs.append(("Retry-After", str(retry)))
                reply = error_reply(429, "Rate limit exceeded, retry after "
                                    "%ds" % retry, headers=hdrs)
            else:
                reply = error_reply(action, {
                    500: "Internal server error",
                    502: "Bad gateway",
                    503: "Service unavailable"}[action],
                    headers=emu.rate_headers(rl))
            return self.finish_reply(rec, faults, reply, pre["slow"])
        if pre["bad_body"] == "html":
            faults.append("bad_body:html")
            emu.stats.add("faults_injected")
            rl = emu.ratelimit.hit(key, time.time(), consume=False)
            reply = Reply(200, body=HTML_BODY, ctype="text/html",
                          headers=emu.rate_headers(rl))
            return self.finish_reply(rec, faults, reply, pre["slow"])
        if pre["bad_body"]:
            post_mode = pre["bad_body"]
        reply, lose = self.process(emu, path, query, raw, rec, auth, key,
                                   is_v1, faults)
        if lose:
            return self.finish_reset(rec, faults, pre["slow"])
        if post_mode:
            faults.append("bad_body:" + post_mode)
            emu.stats.add("faults_injected")
            if post_mode == "truncated":
                reply.body = reply.body[:len(reply.body) // 2]
            elif post_mode == "garbage":
                reply.status = 201
                reply.body = GARBAGE_BODY
            elif post_mode == "empty":
                reply.body = b""
            elif post_mode == "huge":
                reply.pad = emu.faults.get("huge_bytes")
        return self.finish_reply(rec, faults, reply, pre["slow"])

    def process(self, emu, path, query, raw, rec, auth, key, is_v1, faults):
        """The API proper.  Returns (reply, lose_reply)."""
        now = time.time()
        if not is_v1:
            rl = emu.ratelimit.hit(key, now, consume=False)
            return error_reply(404, "Not found",
                               headers=emu.rate_headers(rl)), False
        if auth != "ok":
            rl = emu.ratelimit.hit(None, now, consume=False)
            msg = ("Missing API key" if auth == "missing"
                   else "Invalid API key")
            return error_reply(401, msg, headers=emu.rate_headers(rl) + [
                ("WWW-Authenticate", 'Bearer realm="api"')]), False
        rl = emu.ratelimit.hit(key, now)
        hdrs = emu.rate_headers(rl)
        if not rl[0]:
            if not emu.faults.get("no_retry_after"):
                hdrs.append(("Retry-After", str(rl[4])))
            return error_reply(
                429, "Rate limit exceeded, retry after %ds" % rl[4],
                headers=hdrs), False
        method = self.command
        m_deploy = DEPLOY_PATH_RE.match(path)
        m_dep = DEPLOYMENT_PATH_RE.match(path)
        if path == "/v1/projects":
            allow = "GET"
        elif m_deploy:
            allow = "POST"
        elif m_dep:
            allow = "GET"
        else:
            return error_reply(404, "Not found", headers=hdrs), False
        if method != allow:
            return error_reply(405, "Method %s not allowed on %s" % (
                method, path), headers=hdrs + [("Allow", allow)]), False
        if method == "POST" and key in emu.readonly_keys:
            rec["auth"] = "forbidden"
            return error_reply(403, "API key lacks the permission to "
                               "create deployments", headers=hdrs), False
        if path == "/v1/projects":
            reply = emu.list_projects(
                urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query,
                                      keep_blank_values=True))
        elif m_dep:
            reply = emu.get_deployment(m_dep.group(1), rec)
        else:
            pf = emu.faults.post_fault()
            if pf == "fail_first_post":
                faults.append(pf)
                emu.stats.add("faults_injected")
                return error_reply(500, "Internal server error",
                                   headers=hdrs), False
            if pf == "reject_first_post":
                faults.append(pf)
                emu.stats.add("faults_injected")
                return error_reply(422, "Validation failed", [
                    {"field": "environment", "message": "Must be one of: "
                     "production, staging, preview"},
                    {"field": "commit_hash", "message": "Unknown commit"}],
                    headers=hdrs), False
            if pf == "echo_key_first_post":
                faults.append(pf)
                emu.stats.add("faults_injected")
                return echo_key_reply(emu.faults, key, hdrs), False
            reply = emu.create_deployment(
                m_deploy.group(1), raw, rec,
                self.headers.get("Idempotency-Key"))
            if pf == "lose_reply_first_post":
                faults.append(pf)
                emu.stats.add("faults_injected")
                reply.headers = hdrs + reply.headers
                return reply, True
        reply.headers = hdrs + reply.headers
        return reply, False

    def finish_reset(self, rec, faults, slow):
        if slow:
            time.sleep(slow)
        rec["status"] = "reset"
        rec["fault"] = "+".join(faults) or None
        self.server.emu.log_request(rec)
        self.reset_connection()

    def finish_reply(self, rec, faults, reply, slow):
        if slow:
            time.sleep(slow)
        if self.server.emu.faults.get("escapes") and reply.body and \
                reply.ctype == "application/json":
            faults.append("escapes")
            reply.body = add_escapes(reply.body)
        rec["status"] = reply.status
        rec["fault"] = "+".join(faults) or None
        self.server.emu.log_request(rec)
        self.send_reply(reply)


class Server(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, addr, emu, sslctx):
        self.emu = emu
        self.sslctx = sslctx
        super().__init__(addr, Handler)

    def server_bind(self):
        # skip HTTPServer's getfqdn() lookup
        socketserver.TCPServer.server_bind(self)
        self.server_name = LISTEN_HOST
        self.server_port = self.server_address[1]

    def finish_request(self, request, client_address):
        request.settimeout(10)
        try:
            conn = self.sslctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            try:
                request.close()
            except OSError:
                pass
            return
        try:
            conn.settimeout(Handler.timeout)
            Handler(conn, client_address, self)
        except (ConnectionError, ssl.SSLError, socket.timeout, OSError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout)):
            return
        super().handle_error(request, client_address)


# ---------------------------------------------------------------- main

def plan_arg(v):
    if v in PLANS:
        return PLANS[v]
    try:
        n = int(v)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "plan must be free, pro or a number, not '%s'" % v)
    if n < 1:
        raise argparse.ArgumentTypeError("plan limit must be >= 1")
    return n


def rate_arg(v):
    f = float(v)
    if not 0 <= f <= 1:
        raise argparse.ArgumentTypeError("rate must be between 0 and 1")
    return f


def nonneg_int(v):
    n = int(v)
    if n < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return n


def error_status(v):
    n = nonneg_int(v)
    if not 400 <= n <= 599:
        raise argparse.ArgumentTypeError("not an error status: %s" % v)
    return n


def nonneg_float(v):
    f = float(v)
    if f < 0 or f != f:
        raise argparse.ArgumentTypeError("must be >= 0")
    return f


def pos_float(v):
    f = nonneg_float(v)
    if f == 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return f


def project_arg(v):
    pid, sep, name = v.partition(":")
    if not sep or not pid or not name:
        raise argparse.ArgumentTypeError("expected ID:NAME, not '%s'" % v)
    return pid, name


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Local HTTPS emulator of the .git REST API")
    p.add_argument("--dir", help="state directory (certs, port, logs)")
    p.add_argument("--make-ca-only", metavar="OTHERDIR",
                   help="create a CA and server cert in OTHERDIR and exit")
    p.add_argument("--port", type=nonneg_int, default=0)
    p.add_argument("--key", action="append", metavar="KEY")
    p.add_argument("--readonly-key", action="append", metavar="KEY")
    p.add_argument("--plan", type=plan_arg, default=PLANS["pro"])
    p.add_argument("--rate-window", type=pos_float, default=60.0)
    p.add_argument("--projects", type=nonneg_int, default=3)
    p.add_argument("--project", action="append", type=project_arg,
                   metavar="ID:NAME")
    p.add_argument("--queued-secs", type=nonneg_float, default=0.2)
    p.add_argument("--building-secs", type=nonneg_float, default=0.5)
    p.add_argument("--fail-branch", action="append", metavar="GLOB")
    p.add_argument("--fail-first", type=nonneg_int, default=0)
    p.add_argument("--fail-first-post", type=nonneg_int, default=0)
    p.add_argument("--reject-first-post", type=nonneg_int, default=0)
    p.add_argument("--lose-reply-first-post", type=nonneg_int, default=0)
    p.add_argument("--echo-key-first-post", type=nonneg_int, default=0)
    p.add_argument("--echo-key-status", type=error_status, default=500)
    p.add_argument("--echo-key-at", type=nonneg_int, default=0)
    p.add_argument("--escapes", action="store_true")
    p.add_argument("--fail-rate", type=rate_arg, default=0.0)
    p.add_argument("--reset-rate", type=rate_arg, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--429-first", dest="first_429", type=nonneg_int,
                   default=0)
    p.add_argument("--retry-after", type=nonneg_int, default=1)
    p.add_argument("--no-retry-after", action="store_true")
    p.add_argument("--slow", type=nonneg_float, default=0.0)
    p.add_argument("--slow-first", type=nonneg_int, default=None)
    p.add_argument("--bad-body", choices=BAD_BODY_MODES)
    p.add_argument("--bad-body-first", type=nonneg_int, default=None)
    p.add_argument("--save-every", type=nonneg_float, default=0.0,
                   metavar="SECS")
    p.add_argument("--huge-bytes", type=nonneg_int, default=100 << 20)
    p.add_argument("--verbose", action="store_true",
                   help="one line per request on stderr")
    a = p.parse_args(argv)
    if not a.make_ca_only and not a.dir:
        p.error("--dir is required")
    return a


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.make_ca_only:
        paths = ensure_certs(os.path.abspath(args.make_ca_only))
        print(paths["ca.pem"], flush=True)
        return 0
    d = os.path.abspath(args.dir)
    paths = ensure_certs(d)
    sslctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sslctx.load_cert_chain(paths["cert.pem"], paths["key.pem"])
    try:
        emu = Emulator(args)
    except (ValueError, OSError) as e:
        sys.stderr.write("emulator: cannot load state in '%s': %s\n" % (d, e))
        return 2
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        server = Server((LISTEN_HOST, args.port), emu, sslctx)
    except OSError as e:
        sys.stderr.write("emulator: cannot listen on %s:%d: %s\n" % (
            LISTEN_HOST, args.port, e.strerror or e))
        return 2
    emu.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    port_file = os.path.join(d, "port")
    atomic_write(os.path.join(d, "pid"), "%d\n" % os.getpid())
    atomic_write(port_file, "%d\n" % emu.port)
    print("listening on https://%s:%d/v1" % (LISTEN_HOST, emu.port),
          flush=True)
    while not stop.wait(0.2):
        with emu.state.lock:
            if emu.state.dirty:     # changes --save-every held back
                emu.state.save()
    server.shutdown()
    server.server_close()
    with emu.state.lock:
        if emu.state.dirty:
            emu.state.save(force=True)
    for name in ("port", "pid"):
        try:
            os.unlink(os.path.join(d, name))
        except OSError:
            pass
    emu.log_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
