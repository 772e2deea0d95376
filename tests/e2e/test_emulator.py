# SPDX-License-Identifier: ISC
"""Tests of the HTTPS API emulator itself (tests/emulator/emulator.py).

Run: /usr/bin/python3 -m pytest tests/e2e/test_emulator.py -q
"""
import http.client
import math
import os
import re
import signal
import ssl
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "emulator"))

from harness import Emulator, make_other_ca, wait_until  # noqa: E402

PROJ = "proj_8f2a9c"
SHA = "0123456789abcdef0123456789abcdef01234567"
GOOD = {"branch": "main", "environment": "production", "commit_hash": SHA}
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining",
                "x-ratelimit-reset")
CONN_ERRORS = (ConnectionError, http.client.HTTPException, ssl.SSLError,
               OSError)


@pytest.fixture
def start(tmp_path):
    """start(*flags, name="emu") -> a running Emulator, stopped at the end."""
    emus = []

    def _start(*flags, name="emu"):
        e = Emulator(tmp_path / name, *flags)
        emus.append(e)
        return e.start()

    yield _start
    for e in emus:
        e.stop()


def error_of(reply):
    assert reply.json is not None, reply
    return reply.json["error"]


def has_rate_headers(reply):
    return all(re.fullmatch(r"[0-9]+", reply.headers.get(h, ""))
               for h in RATE_HEADERS)


# ------------------------------------------------------------ start and stop

def test_start_files_banner_and_clean_stop(start, tmp_path):
    emu = start()
    for name in ("ca.pem", "ca.key", "cert.pem", "key.pem", "port"):
        assert os.path.exists(os.path.join(emu.dir, name)), name
    assert emu.url == "https://127.0.0.1:%d/v1" % emu.port
    wait_until(lambda: ("listening on %s\n" % emu.url) in emu.output_text(),
               5)
    with open(emu.ca, "rb") as f:
        ca = f.read()
    port = emu.port
    assert emu.stop() == 0
    assert not os.path.exists(os.path.join(emu.dir, "port"))
    emu.start()
    assert emu.port == port
    with open(emu.ca, "rb") as f:
        assert f.read() == ca               # same CA after a restart
    assert emu.get("/projects").status == 200
    emu.proc.send_signal(signal.SIGINT)
    assert emu.proc.wait(10) == 0


def test_fixed_port_restart(start, tmp_path):
    first = start(name="a")
    port = first.port
    first.stop()
    emu = start("--port", str(port), name="b")
    assert emu.port == port
    assert emu.get("/projects").status == 200
    busy = Emulator(tmp_path / "c", "--port", str(port))
    with pytest.raises(RuntimeError):
        busy.start()
    assert busy.proc.returncode == 2
    assert "cannot listen" in busy.output_text()


def test_tls_ca_wrong_ca_and_keepalive(start, tmp_path):
    emu = start()
    other = make_other_ca(tmp_path / "other")
    with open(other, "rb") as a, open(emu.ca, "rb") as b:
        assert a.read() != b.read()
    with pytest.raises(ssl.SSLCertVerificationError):
        emu.get("/projects", cafile=other)
    auth = "Authorization: Bearer " + emu.key
    url = emu.url + "/projects"
    r = subprocess.run(["curl", "-s", "--cacert", other, "-H", auth, url],
                       capture_output=True, timeout=30)
    assert r.returncode == 60
    # curl: verified by the CA, for 127.0.0.1 and localhost; two URLs in
    # one run share one kept-alive connection.
    r = subprocess.run(["curl", "-s", "--cacert", emu.ca, "-H", auth,
                        "-o", "/dev/null", "-o", "/dev/null",
                        "-w", "%{http_code} %{num_connects}\n",
                        url, url.replace("127.0.0.1", "localhost")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == ["200 1", "200 1"]
    r = subprocess.run(["curl", "-s", "--cacert", emu.ca, "-H", auth,
                        "-o", "/dev/null", "-o", "/dev/null",
                        "-w", "%{http_code} %{num_connects}\n", url, url],
                       capture_output=True, text=True, timeout=30)
    assert r.stdout.split("\n")[:2] == ["200 1", "200 0"]


# ------------------------------------------------------------ auth

def test_auth_401_403_and_log(start):
    emu = start("--readonly-key", "gl_api_ro_key_42", "--plan", "5",
                "--rate-window", "3600")
    for kw in ({"key": None}, {"key": "gl_api_wrong"},
               {"headers": {"Authorization": "Basic Zm9vOmJhcg=="}}):
        r = emu.get("/projects", **kw)
        assert r.status == 401
        assert error_of(r)["code"] == 401
        assert has_rate_headers(r)
        assert r.headers["x-ratelimit-remaining"] == "5"   # not counted
    r = emu.get("/projects")
    assert r.status == 200
    assert r.headers["x-ratelimit-remaining"] == "4"
    r = emu.get("/projects", key="gl_api_ro_key_42")
    assert r.status == 200
    assert r.headers["x-ratelimit-remaining"] == "4"       # own bucket
    r = emu.deploy(GOOD, key="gl_api_ro_key_42")
    assert r.status == 403
    assert error_of(r)["code"] == 403
    assert has_rate_headers(r)
    r = emu.deploy(GOOD, key=None)
    assert r.status == 401
    assert [q["auth"] for q in emu.requests()] == [
        "missing", "invalid", "invalid", "ok", "ok", "forbidden", "missing"]
    assert emu.stats()["deployments_created"] == 0


# ------------------------------------------------------------ projects

def test_pagination(start):
    emu = start("--projects", "45")
    sizes, ids = [], []
    for page in (1, 2, 3):
        r = emu.get("/projects?page=%d" % page)
        assert r.status == 200
        assert r.json["meta"] == {"total": 45, "page": page, "per_page": 20}
        sizes.append(len(r.json["data"]))
        ids += [p["id"] for p in r.json["data"]]
    assert sizes == [20, 20, 5]
    assert len(set(ids)) == 45
    first = emu.get("/projects").json["data"][0]
    assert first == {"id": "proj_8f2a9c", "name": "main-app",
                     "framework": "nextjs",
                     "created_at": "2025-09-12T14:20:00Z"}
    assert ids[1] == "proj_000002"
    r = emu.get("/projects?page=4")
    assert r.status == 200 and r.json["data"] == []
    r = emu.get("/projects?per_page=100&page=1")
    assert len(r.json["data"]) == 45
    assert r.json["meta"]["per_page"] == 100
    for q, word in (("per_page=101", "per_page"), ("per_page=0", "per_page"),
                    ("per_page=x", "per_page"), ("page=abc", "page"),
                    ("page=0", "page")):
        r = emu.get("/projects?" + q)
        assert r.status == 400, q
        assert word in error_of(r)["message"]
        assert has_rate_headers(r)
    logged = emu.requests(path_prefix="/v1/projects")
    assert logged[0]["query"] == {"page": "1"}
    assert logged[0]["path"] == "/v1/projects"


def test_extra_projects_and_duplicate_names(start):
    emu = start("--projects", "1", "--project", "proj_dup1:main-app",
                "--project", "proj_dup2:main-app")
    data = emu.get("/projects").json["data"]
    assert [p["id"] for p in data] == ["proj_8f2a9c", "proj_dup1",
                                       "proj_dup2"]
    assert {p["name"] for p in data} == {"main-app"}
    assert emu.deploy(GOOD, project="proj_dup2").status == 201


# ------------------------------------------------------------ deployments

def test_post_created_logged_exactly_and_key_never_written(start):
    key = "gl_api_secret_key_must_not_leak_77"
    emu = start("--key", key, "--verbose")
    body = {"branch": "feature/x", "environment": "staging",
            "commit_hash": SHA,
            "env_vars": {"NEXT_PUBLIC_API_URL": "https://api.example.com"}}
    r = emu.deploy(body, idempotency_key="idem-1",
                   headers={"User-Agent": "dotgit-deploy/0.1.0"})
    assert r.status == 201
    assert "idempotent-replayed" not in r.headers
    d = r.json
    assert re.fullmatch(r"dep_[a-z0-9]{6,10}", d["id"])
    assert d["status"] == "queued"
    assert d["url"] == emu.url + "/deployments/" + d["id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d["started_at"])
    assert (d["branch"], d["environment"], d["commit_hash"]) == (
        "feature/x", "staging", SHA)
    assert r.headers["content-length"] == str(len(r.body))
    rec = emu.deployment_posts()[-1]
    assert isinstance(rec.pop("t"), float)
    assert rec == {"method": "POST",
                   "path": "/v1/projects/proj_8f2a9c/deployments",
                   "query": {}, "body": body, "auth": "ok",
                   "idempotency_key": "idem-1",
                   "user_agent": "dotgit-deploy/0.1.0", "status": 201,
                   "deployment_id": d["id"], "replayed": False,
                   "fault": None}
    g = emu.get(d["url"][len(emu.url):])
    assert g.status == 200 and g.json["id"] == d["id"]
    assert emu.requests(method="GET")[-1]["deployment_id"] == d["id"]
    assert emu.created_deployments() == [d["id"]]
    emu.stop()
    for name in os.listdir(emu.dir):
        with open(os.path.join(emu.dir, name), "rb") as f:
            assert key.encode() not in f.read(), name
    assert emu.state()["deployments"][d["id"]]["branch"] == "feature/x"


def test_422_lists_every_bad_field(start):
    emu = start()
    r = emu.deploy({"environment": "prod", "commit_hash": SHA.upper(),
                    "env_vars": {"1BAD": "x", "OK": 1, "FINE": "y"},
                    "extra": True, "force": 1})
    assert r.status == 422
    e = error_of(r)
    assert e["code"] == 422 and e["message"] == "Validation failed"
    fields = [x["field"] for x in e["details"]]
    assert fields == ["branch", "environment", "commit_hash",
                      "env_vars.1BAD", "env_vars.OK", "extra", "force"]
    env = [x for x in e["details"] if x["field"] == "environment"][0]
    assert env["message"] == "Must be one of: production, staging, preview"
    r = emu.deploy({"branch": "", "environment": "preview",
                    "commit_hash": "abc", "env_vars": ["A=1"]})
    assert [x["field"] for x in error_of(r)["details"]] == [
        "branch", "commit_hash", "env_vars"]
    r = emu.deploy({"branch": 5})
    assert [x["field"] for x in error_of(r)["details"]] == [
        "branch", "environment"]
    assert has_rate_headers(r)
    assert emu.stats()["deployments_created"] == 0


def test_400_malformed_json(start):
    emu = start()
    for raw in ("{not json", "[1, 2]", "\"main\"", "", b"\xff\xfe"):
        r = emu.post("/projects/%s/deployments" % PROJ, raw=raw)
        assert r.status == 400, raw
        assert "malformed JSON" in error_of(r)["message"]
    bodies = [q["body"] for q in emu.deployment_posts()]
    assert bodies[:4] == ["{not json", [1, 2], "main", None]
    assert emu.stats()["deployments_created"] == 0


def test_404_and_405(start):
    emu = start()
    r = emu.deploy(GOOD, project="proj_nope")
    assert r.status == 404 and error_of(r)["code"] == 404
    assert has_rate_headers(r)
    r = emu.get("/deployments/dep_missing")
    assert r.status == 404 and error_of(r)["code"] == 404
    assert emu.get("/nothing/here").status == 404
    r = emu.call("GET", "/_nope", key=None, prefix=False)
    assert r.status == 404
    r = emu.get("/projects/%s/deployments" % PROJ)
    assert r.status == 405 and r.headers["allow"] == "POST"
    assert error_of(r)["code"] == 405
    r = emu.post("/projects", GOOD)
    assert r.status == 405 and r.headers["allow"] == "GET"
    r = emu.call("DELETE", "/deployments/dep_x")
    assert r.status == 405
    assert emu.stats()["deployments_created"] == 0


def test_idempotency_replay_conflict_and_restart(start):
    emu = start()
    a = emu.deploy(GOOD, idempotency_key="k1")
    assert a.status == 201
    b = emu.deploy(dict(GOOD), idempotency_key="k1")
    assert b.status == 201
    assert b.headers.get("idempotent-replayed") == "true"
    assert b.json["id"] == a.json["id"]
    assert b.json["url"] == a.json["url"]
    # API.md: a repeated key gets the first deployment, whatever the body
    c = emu.deploy(dict(GOOD, branch="v1.0"), idempotency_key="k1")
    assert c.status == 201
    assert c.headers.get("idempotent-replayed") == "true"
    assert c.json["id"] == a.json["id"]
    other = emu.deploy(GOOD, project="proj_000002", idempotency_key="k1")
    assert other.status == 201 and other.json["id"] != a.json["id"]
    plain = emu.deploy(GOOD)
    assert plain.status == 201
    assert emu.stats()["replays"] == 2
    assert emu.stats()["deployments_created"] == 3
    emu.restart()
    d = emu.deploy(GOOD, idempotency_key="k1")
    assert d.status == 201
    assert d.headers.get("idempotent-replayed") == "true"
    assert d.json["id"] == a.json["id"]
    assert emu.get("/deployments/" + plain.json["id"]).status == 200
    assert emu.stats()["deployments_created"] == 0
    posts = emu.deployment_posts()
    assert [p["replayed"] for p in posts] == [False, True, True, False,
                                             False, True]
    assert emu.created_deployments() == [a.json["id"], other.json["id"],
                                         plain.json["id"]]


def test_status_advances_to_ready_and_error(start):
    emu = start("--queued-secs", "0.1", "--building-secs", "0.1",
                "--fail-branch", "fail/*", "--fail-branch", "broken")
    ok = emu.deploy(GOOD).json
    bad = emu.deploy(dict(GOOD, branch="fail/x")).json
    bad2 = emu.deploy(dict(GOOD, branch="broken")).json
    seen = []

    def final(dep):
        s = emu.get("/deployments/" + dep["id"]).json["status"]
        seen.append(s)
        return s if s in ("ready", "error") else None

    assert wait_until(lambda: final(ok), 10) == "ready"
    assert wait_until(lambda: final(bad), 10) == "error"
    assert wait_until(lambda: final(bad2), 10) == "error"
    assert set(seen) <= {"queued", "building", "ready", "error"}
    emu.set_faults(queued_secs=0, building_secs=600)
    d = emu.deploy(dict(GOOD, branch="b2")).json
    assert d["status"] == "queued"          # creation reply
    assert emu.get("/deployments/" + d["id"]).json["status"] == "building"
    emu.set_faults(queued_secs=600)
    d = emu.deploy(dict(GOOD, branch="b3")).json
    assert emu.get("/deployments/" + d["id"]).json["status"] == "queued"


# ------------------------------------------------------------ rate limits

def run_until_429(emu, limit, timeout=10):
    """GET until a 429 arrives; return the replies of that window."""
    replies = []

    def step():
        r = emu.get("/projects")
        assert has_rate_headers(r), r.headers
        assert int(r.headers["x-ratelimit-reset"]) >= math.floor(time.time())
        replies.append(r)
        return r.status == 429

    wait_until(step, timeout, interval=0)
    last = replies[-1]
    window = [r for r in replies
              if r.headers["x-ratelimit-reset"] ==
              last.headers["x-ratelimit-reset"]]
    assert [r.status for r in window] == [200] * limit + [429]
    assert [r.headers["x-ratelimit-remaining"] for r in window] == [
        str(limit - 1 - i) for i in range(limit)] + ["0"]
    assert all(r.headers["x-ratelimit-limit"] == str(limit) for r in window)
    return window


def test_rate_limit_with_retry_after(start):
    emu = start("--plan", "3", "--rate-window", "2")
    window = run_until_429(emu, 3)
    r = window[-1]
    e = error_of(r)
    assert e["code"] == 429
    assert re.fullmatch(r"[12]", r.headers["retry-after"])
    assert emu.stats()["responses_429"] >= 1
    # the next window lets requests through again
    wait_until(lambda: emu.get("/projects").status == 200, 10)


def test_rate_limit_without_retry_after(start):
    emu = start("--plan", "2", "--rate-window", "2", "--no-retry-after")
    r = run_until_429(emu, 2)[-1]
    assert "retry-after" not in r.headers
    assert has_rate_headers(r)


def test_plans_and_headers_on_every_response(start):
    free = start("--plan", "free", name="free")
    assert free.get("/projects").headers["x-ratelimit-limit"] == "60"
    emu = start(name="default")
    replies = [emu.get("/projects"), emu.get("/nope"), emu.get("/x", key=None),
               emu.deploy({}), emu.deploy(GOOD, project="nope"),
               emu.post("/projects"), emu.deploy(GOOD),
               emu.call("GET", "/elsewhere", key=None, prefix=False)]
    assert [r.status for r in replies] == [200, 404, 401, 422, 404, 405,
                                           201, 404]
    for r in replies:
        assert has_rate_headers(r), r
        assert r.headers["x-ratelimit-limit"] == "600"
        assert r.headers["content-length"] == str(len(r.body))


# ------------------------------------------------------------ faults

def test_fail_first(start):
    emu = start("--fail-first", "2")
    r1, r2 = emu.get("/projects"), emu.deploy(GOOD)
    assert (r1.status, r2.status) == (500, 500)
    assert error_of(r1)["code"] == 500 and has_rate_headers(r1)
    assert emu.get("/projects").status == 200
    assert [q["fault"] for q in emu.requests()] == [
        "fail_first", "fail_first", None]
    assert emu.stats()["deployments_created"] == 0


def test_fail_first_post(start):
    emu = start("--fail-first-post", "1")
    assert emu.get("/projects").status == 200
    r = emu.deploy(GOOD, idempotency_key="k")
    assert r.status == 500 and error_of(r)["code"] == 500
    assert emu.stats()["deployments_created"] == 0
    r = emu.deploy(GOOD, idempotency_key="k")
    assert r.status == 201 and "idempotent-replayed" not in r.headers
    assert [q["fault"] for q in emu.deployment_posts()] == [
        "fail_first_post", None]


def test_lose_reply_first_post(start):
    emu = start("--lose-reply-first-post", "1")
    with pytest.raises(CONN_ERRORS):
        emu.deploy(GOOD, idempotency_key="k-lost")
    rec = emu.deployment_posts()[-1]
    assert rec["status"] == "reset"
    assert rec["fault"] == "lose_reply_first_post"
    dep = rec["deployment_id"]
    assert dep in emu.state()["deployments"]
    assert emu.get("/deployments/" + dep).status == 200
    r = emu.deploy(GOOD, idempotency_key="k-lost")
    assert r.status == 201
    assert r.headers["idempotent-replayed"] == "true"
    assert r.json["id"] == dep
    s = emu.stats()
    assert (s["deployments_created"], s["replays"], s["resets"]) == (1, 1, 1)


def test_fail_rate_is_seeded(start):
    seqs = []
    for name in ("a", "b"):
        emu = start("--fail-rate", "0.5", "--seed", "7", name=name)
        seqs.append([emu.get("/projects").status for _ in range(16)])
        emu.stop()
    assert seqs[0] == seqs[1]
    assert 200 in seqs[0]
    assert set(seqs[0]) - {200} and set(seqs[0]) <= {200, 500, 502, 503}
    emu = start("--fail-rate", "1", name="c")
    assert {emu.get("/projects").status for _ in range(6)} <= {500, 502, 503}
    assert {q["fault"] for q in emu.requests()} == {"fail_rate"}


def test_reset_rate(start):
    emu = start("--reset-rate", "1")
    for _ in range(2):
        with pytest.raises(CONN_ERRORS):
            emu.deploy(GOOD)
    assert [q["status"] for q in emu.requests()] == ["reset", "reset"]
    assert [q["fault"] for q in emu.requests()] == ["reset_rate"] * 2
    assert emu.stats()["deployments_created"] == 0
    emu.set_faults(reset_rate=0)
    assert emu.deploy(GOOD).status == 201


def test_429_first(start):
    emu = start("--429-first", "2", "--retry-after", "3")
    for _ in range(2):
        r = emu.get("/projects")
        assert r.status == 429 and error_of(r)["code"] == 429
        assert r.headers["retry-after"] == "3"
        assert r.headers["x-ratelimit-remaining"] == "0"
        assert has_rate_headers(r)
    assert emu.get("/projects").status == 200
    emu2 = start("--429-first", "1", "--no-retry-after", name="b")
    r = emu2.get("/projects")
    assert r.status == 429 and "retry-after" not in r.headers
    assert has_rate_headers(r)
    assert emu2.stats()["responses_429"] == 1


def test_slow(start):
    emu = start("--slow", "0.2", "--slow-first", "1")
    assert emu.get("/projects").status == 200
    assert emu.get("/projects").status == 200
    assert [q["fault"] for q in emu.requests()] == ["slow", None]
    emu.set_faults(slow=0.1, slow_first=None)
    assert emu.deploy(GOOD).status == 201
    assert emu.requests()[-1]["fault"] == "slow"


def test_bad_body_html(start):
    emu = start("--bad-body", "html", "--bad-body-first", "1")
    r = emu.deploy(GOOD)
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.body == b"<html>proxy</html>"
    assert has_rate_headers(r)
    assert emu.stats()["deployments_created"] == 0
    assert emu.deploy(GOOD).status == 201
    assert [q["fault"] for q in emu.requests()] == ["bad_body:html", None]


def test_bad_body_truncated(start):
    emu = start("--bad-body", "truncated", "--bad-body-first", "1")
    cut = emu.get("/projects")
    full = emu.get("/projects")
    assert cut.status == 200 and cut.json is None
    assert full.json is not None
    assert cut.body == full.body[:len(full.body) // 2]
    assert cut.headers["content-length"] == str(len(cut.body))
    emu.set_faults(bad_body="truncated", bad_body_first=1)
    r = emu.deploy({"branch": "main"})
    assert r.status == 422 and r.json is None


def test_bad_body_garbage_and_empty(start):
    emu = start("--bad-body", "garbage")
    r = emu.deploy(GOOD)
    assert r.status == 201 and r.json is None and r.body
    assert emu.stats()["deployments_created"] == 1
    r = emu.get("/projects")
    assert r.status == 201 and r.json is None
    emu.set_faults(bad_body="empty", bad_body_first=None)
    r = emu.get("/projects")
    assert r.status == 200 and r.body == b""
    assert r.headers["content-length"] == "0"
    r = emu.deploy({})
    assert r.status == 422 and r.body == b""
    emu.set_faults(bad_body=None)
    assert emu.get("/projects").json is not None


# ------------------------------------------------------------ admin

def test_admin_faults_and_stats(start):
    emu = start()
    f = emu.faults()
    assert f["fail_first"] == 0 and f["bad_body"] is None
    emu.set_faults(fail_first=1, first_429=1, retry_after=2)
    assert emu.get("/projects").status == 500
    r = emu.get("/projects")
    assert r.status == 429 and r.headers["retry-after"] == "2"
    assert emu.get("/projects").status == 200
    emu.set_faults(fail_first=5)
    emu.set_faults(clear=True)
    assert emu.faults()["fail_first"] == 0
    assert emu.get("/projects").status == 200
    for bad in ({"nope": 1}, {"fail_rate": 2}, {"bad_body": "weird"},
                {"fail_first": -1}, {"slow": "x"}):
        r = emu.call("POST", "/_emulator/faults", body=bad, key=None)
        assert r.status == 400, bad
    r = emu.call("POST", "/_emulator/faults", raw="{", key=None)
    assert r.status == 400
    a = emu.deploy(GOOD, idempotency_key="x").json
    emu.deploy(GOOD, idempotency_key="x")
    s = emu.stats()
    assert s["requests"] == 6
    assert s["deployments_created"] == 1
    assert s["responses_429"] == 1
    assert s["replays"] == 1
    assert s["by_status"] == {"500": 1, "429": 1, "200": 2, "201": 2}
    assert a["id"]
    assert not [q for q in emu.requests() if q["path"].startswith("/_")]
    assert len(emu.requests()) == 6
    assert emu.call("DELETE", "/_emulator/stats", key=None).status == 405


def test_make_ca_only_and_bad_state(start, tmp_path):
    d = tmp_path / "only"
    ca = make_other_ca(d)
    assert os.path.exists(ca)
    assert sorted(os.listdir(d)) == ["ca.key", "ca.pem", "cert.pem",
                                     "key.pem"]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "state.json").write_text("{broken")
    emu = Emulator(bad)
    with pytest.raises(RuntimeError):
        emu.start()
    assert emu.proc.returncode == 2
    assert "state" in emu.output_text()


def test_bad_body_huge(start):
    emu = start("--bad-body", "huge", "--huge-bytes", "300000",
                "--bad-body-first", "1")
    r = emu.get("/projects")
    assert r.status == 200
    assert r.headers["content-length"] == str(len(r.body))
    assert r.body.endswith(b" " * 300000)
    assert r.json is not None and len(r.json["data"]) == 3
    assert emu.requests()[-1]["fault"] == "bad_body:huge"
    assert len(emu.get("/projects").body) < 300000
