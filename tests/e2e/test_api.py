# SPDX-License-Identifier: ISC
"""The API client end to end: `projects`, `status`, project names, error
replies, retries and TLS, against the HTTPS emulator."""
import http.server
import json
import os
import re
import ssl
import threading

import pytest

from conftest import git, run
from apienv import config_text, emu, key_file  # noqa: F401
from harness import Emulator, make_other_ca
from repos import make_repo, write

WRONG_KEY = "gl_api_wrong_key_4242"
RO_KEY = "gl_api_readonly_key_77"


@pytest.fixture
def make_emu(tmp_path):
    """Start emulators with extra flags; all are stopped at the end."""
    started = []

    def make(*flags):
        e = Emulator(tmp_path / ("emu-%d" % len(started)), "--queued-secs",
                     "0.1", "--building-secs", "0.2", *flags)
        e.start()
        started.append(e)
        return e

    yield make
    for e in started:
        e.stop()


def configure(tmp_path, emu, project="id = proj_8f2a9c", url=None, ca=None):
    """A config for the emulator with the key in a key file; its path."""
    kf = key_file(emu, tmp_path / "key")
    text = config_text(emu, project=project, key_file=kf)
    if url is not None:
        text = text.replace("url = %s\n" % emu.url, "url = %s\n" % url)
    if ca is not None:
        text = text.replace("ca_file = %s\n" % emu.ca, "ca_file = %s\n" % ca)
    return write(tmp_path / "dotgit-deploy.ini", text)


def dd(cfg, *args, env, cwd=None, timeout=60):
    return run("-c", cfg, *args, env=env, cwd=cwd, timeout=timeout)


def api_requests(emu):
    return [r for r in emu.requests() if r["path"].startswith("/v1")]


def deploy_in_repo(tmp_path, cfg, env, *extra):
    """`deploy main` from a fresh repository; (result, commit)."""
    repo = str(tmp_path / "repo")
    if not os.path.isdir(repo):
        make_repo(repo, env)
    head = git("rev-parse", "HEAD", cwd=repo, env=env)
    r = dd(cfg, "-C", repo, "deploy", "--environment", "production",
           *extra, "main", env=env)
    return r, head


def errors(r):
    """stderr lines, without the progress of a retry."""
    return r.stderr.splitlines()


# -- projects

def test_projects_all_json_returns_every_project(tmp_path, env, make_emu):
    emu = make_emu("--projects", "45")
    cfg = configure(tmp_path, emu)
    r = dd(cfg, "projects", "--all", "--json", env=env)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["meta"] == {"total": 45}
    assert len(doc["projects"]) == 45
    assert len({p["id"] for p in doc["projects"]}) == 45
    assert doc["projects"][0] == {"id": "proj_8f2a9c", "name": "main-app",
                              "framework": "nextjs",
                              "created_at": doc["projects"][0]["created_at"]}
    assert set(doc["projects"][44]) == {"id", "name", "framework", "created_at"}
    pages = [r["query"] for r in api_requests(emu)]
    assert pages == [{"page": "1", "per_page": "100"}]


def test_projects_all_follows_pages(tmp_path, env, make_emu):
    emu = make_emu("--projects", "45")
    cfg = configure(tmp_path, emu)
    r = dd(cfg, "projects", "--all", "--per-page", "7", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["projects"]) == 45
    pages = [r["query"]["page"] for r in api_requests(emu)]
    assert pages == [str(i) for i in range(1, 8)]


def test_projects_page_3_table_shows_5(tmp_path, env, make_emu):
    emu = make_emu("--projects", "45")
    cfg = configure(tmp_path, emu)
    r = dd(cfg, "projects", "--page", "3", env=env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert re.match(r"^ID +NAME +FRAMEWORK +CREATED$", lines[0])
    assert len(lines) == 6
    assert [l.split()[1] for l in lines[1:]] == [
        "app-41", "app-42", "app-43", "app-44", "app-45"]
    # aligned: every column starts where its heading does
    for col in ("NAME", "FRAMEWORK", "CREATED"):
        at = lines[0].index(col)
        for l in lines[1:]:
            assert l[at - 2:at] == "  " and l[at] != " ", (col, l)
    assert r.stderr == ""


def test_projects_first_page_says_there_are_more(tmp_path, env, make_emu):
    emu = make_emu("--projects", "45")
    cfg = configure(tmp_path, emu)
    r = dd(cfg, "projects", env=env)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 21
    assert r.stderr == ("dotgit-deploy: page 1 of 3 (45 projects); "
                        "see --page N or --all\n")
    r = dd(cfg, "projects", "--page", "9", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert r.stderr == "dotgit-deploy: no projects on page 9 (45 in all)\n"
    r = dd(cfg, "projects", "--page", "9", "--json", env=env)
    assert json.loads(r.stdout) == {"projects": [],
                                    "meta": {"total": 45, "page": 9}}


@pytest.mark.parametrize("args,msg", [
    (["--page", "0"], "invalid --page '0': a positive whole number is "
     "needed"),
    (["--page", "x"], "invalid --page 'x': a positive whole number is "
     "needed"),
    (["--page=-2"], "invalid --page '-2': a positive whole number is "
     "needed"),
    (["--per-page", "101"], "invalid --per-page '101': a whole number "
     "from 1 to 100 is needed"),
    (["--per-page", "1e2"], "invalid --per-page '1e2': a whole number "
     "from 1 to 100 is needed"),
    (["--page"], "option '--page' needs a number"),
    (["--all", "--page", "2"], "--all and --page cannot be used together"),
    (["--bogus"], "unknown option '--bogus' for 'projects'\n"
     "hint: see 'dotgit-deploy help projects'"),
    (["--json=1"], "option '--json' takes no value"),
    (["extra"], "usage: dotgit-deploy projects [--all] [--page N] "
     "[--per-page N] [--json]"),
])
def test_projects_bad_arguments(tmp_path, env, emu, args, msg):
    cfg = configure(tmp_path, emu)
    r = dd(cfg, "projects", *args, env=env)
    assert r.returncode == 2
    assert r.stderr == "dotgit-deploy: %s\n" % msg
    assert r.stdout == ""
    assert api_requests(emu) == []


class FakeAPI:
    """An HTTPS server that answers every /v1/projects with pages(n)."""

    def __init__(self, directory, pages):
        ca = make_other_ca(directory)
        self.ca = ca
        self.pages = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self):
                q = dict(p.split("=", 1) for p in
                         self.path.split("?", 1)[1].split("&"))
                outer.pages.append(int(q["page"]))
                body = json.dumps(pages(int(q["page"]))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        d = os.path.dirname(ca)
        ctx.load_cert_chain(os.path.join(d, "cert.pem"),
                            os.path.join(d, "key.pem"))
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket,
                                            server_side=True)
        self.url = "https://127.0.0.1:%d/v1" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def projects(first, count):
    return [{"id": "proj_%06d" % i, "name": "p%d" % i, "framework": None,
             "created_at": None} for i in range(first, first + count)]


def test_projects_all_stops_on_empty_page(tmp_path, env, emu):
    fake = FakeAPI(tmp_path / "fake",
                   lambda page: {"data": projects(1, 2) if page == 1 else [],
                                 "meta": {"total": 45, "page": page}})
    try:
        cfg = configure(tmp_path, emu, url=fake.url, ca=fake.ca)
        r = dd(cfg, "projects", "--all", "--per-page", "2", "--json",
               env=env)
    finally:
        fake.stop()
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [p["id"] for p in doc["projects"]] == ["proj_000001", "proj_000002"]
    assert fake.pages == [1, 2]


def test_projects_all_refuses_repeated_pages(tmp_path, env, emu):
    fake = FakeAPI(tmp_path / "fake",
                   lambda page: {"data": projects(1, 3),
                                 "meta": {"total": 1000000, "page": 1}})
    try:
        cfg = configure(tmp_path, emu, url=fake.url, ca=fake.ca)
        r = dd(cfg, "projects", "--all", env=env)
    finally:
        fake.stop()
    assert r.returncode == 1
    assert errors(r) == ["dotgit-deploy: the API sent page 2 the same as "
                         "page 1; it may ignore 'page'"]
    assert fake.pages == [1, 2]


def test_projects_all_needs_no_more_pages_than_total(tmp_path, env, emu):
    # thin pages: 10 a page where 100 were asked, total 150
    fake = FakeAPI(tmp_path / "fake",
                   lambda page: {"data": projects(page * 10, 10),
                                 "meta": {"total": 150, "page": page}})
    try:
        cfg = configure(tmp_path, emu, url=fake.url, ca=fake.ca)
        r = dd(cfg, "projects", "--all", "--json", env=env)
    finally:
        fake.stop()
    assert r.returncode == 0, r.stderr
    assert fake.pages == [1, 2]
    assert len(json.loads(r.stdout)["projects"]) == 20


# -- [project] name

def test_project_name_is_looked_up(tmp_path, env, make_emu):
    emu = make_emu("--projects", "150")
    cfg = configure(tmp_path, emu, project="name = app-142")
    r, head = deploy_in_repo(tmp_path, cfg, env)
    assert r.returncode == 0, r.stderr
    posts = emu.deployment_posts()
    assert [p["path"] for p in posts] == [
        "/v1/projects/proj_000142/deployments"]
    assert posts[0]["body"]["commit_hash"] == head


def test_project_name_unknown(tmp_path, env, emu):
    cfg = configure(tmp_path, emu, project="name = ghost")
    r, _ = deploy_in_repo(tmp_path, cfg, env)
    assert r.returncode == 1
    assert errors(r) == [
        "dotgit-deploy: no project named 'ghost'",
        "hint: run 'dotgit-deploy projects' to list them"]
    assert emu.deployment_posts() == []


def test_project_name_ambiguous(tmp_path, env, make_emu):
    emu = make_emu("--project", "proj_twin1:twin",
                   "--project", "proj_twin2:twin")
    cfg = configure(tmp_path, emu, project="name = twin")
    r, _ = deploy_in_repo(tmp_path, cfg, env)
    assert r.returncode == 1
    assert errors(r) == ["dotgit-deploy: 2 projects are named 'twin': "
                         "proj_twin1, proj_twin2; set [project] id"]
    assert emu.deployment_posts() == []


# -- error replies

def test_wrong_key_401(tmp_path, env, emu):
    cfg = configure(tmp_path, emu)
    env["DOTGIT_API_KEY"] = WRONG_KEY
    r = dd(cfg, "projects", env=env)
    assert r.returncode == 1
    assert errors(r) == ["dotgit-deploy: the API refused the key (401)",
                         "hint: check DOTGIT_API_KEY or [api] key_file"]
    reqs = api_requests(emu)
    assert [q["status"] for q in reqs] == [401]     # never retried
    assert reqs[0]["auth"] == "invalid"


def test_readonly_key_403(tmp_path, env, make_emu):
    emu = make_emu("--readonly-key", RO_KEY)
    cfg = configure(tmp_path, emu)
    env["DOTGIT_API_KEY"] = RO_KEY
    assert dd(cfg, "projects", env=env).returncode == 0
    r, _ = deploy_in_repo(tmp_path, cfg, env)
    assert r.returncode == 1
    assert errors(r)[0] == ("dotgit-deploy: the key lacks permission for "
                            "this project (403)")
    assert errors(r)[1].startswith("hint: ")
    assert [p["status"] for p in emu.deployment_posts()] == [403]


def test_unknown_project_and_deployment_404(tmp_path, env, emu):
    cfg = configure(tmp_path, emu, project="id = proj_nope")
    r, _ = deploy_in_repo(tmp_path, cfg, env)
    assert r.returncode == 1
    assert errors(r) == [
        "dotgit-deploy: project 'proj_nope' not found (404)",
        "hint: run 'dotgit-deploy projects' to list the project ids"]
    r = dd(cfg, "status", "dep_nope", env=env)
    assert r.returncode == 1
    assert errors(r) == [
        "dotgit-deploy: deployment 'dep_nope' not found (404)",
        "hint: check the deployment id"]


def test_validation_422_shows_every_detail(tmp_path, env, make_emu):
    emu = make_emu("--reject-first-post", "1")
    cfg = configure(tmp_path, emu)
    r, _ = deploy_in_repo(tmp_path, cfg, env)
    assert r.returncode == 1
    assert errors(r) == [
        "dotgit-deploy: validation failed: environment: Must be one of: "
        "production, staging, preview; commit_hash: Unknown commit"]
    assert [p["status"] for p in emu.deployment_posts()] == [422]


# -- transport

def test_http_url_refused_before_any_request(tmp_path, env, emu):
    url = emu.url.replace("https://", "http://")
    cfg = configure(tmp_path, emu, url=url)
    # The config check or api_open refuses it (test_api.c has the
    # latter's message); either way before any connection.
    for args in (["projects"], ["status", "dep_x"]):
        r = dd(cfg, *args, env=env)
        assert r.returncode == 2
        assert r.stderr.startswith("dotgit-deploy: ")
        assert url in r.stderr and "https" in r.stderr.replace(url, "")
        assert r.stdout == ""
    r, _ = deploy_in_repo(tmp_path, cfg, env)
    assert r.returncode == 2
    assert url in r.stderr
    assert emu.requests() == []


def test_wrong_ca_refused(tmp_path, env, emu):
    other = make_other_ca(tmp_path / "other-ca")
    cfg = configure(tmp_path, emu, ca=other)
    r = dd(cfg, "projects", env=env)
    assert r.returncode == 1
    lines = errors(r)
    assert lines[0].startswith("dotgit-deploy: cannot reach %s: SSL "
                               "certificate problem" % emu.url)
    assert lines[1:] == ["hint: set [api] ca_file for a private CA"]
    assert emu.requests() == []


def test_unreachable_api(tmp_path, env, emu):
    port = emu.port
    emu.stop()
    cfg = configure(tmp_path, emu)
    r = dd(cfg, "status", "dep_x", env=env)
    assert r.returncode == 1
    assert errors(r) == ["dotgit-deploy: cannot reach "
                         "https://127.0.0.1:%d/v1: Connection refused"
                         % port]


def test_key_never_shown_or_logged(tmp_path, env, make_emu):
    emu = make_emu("--readonly-key", RO_KEY, "--fail-first", "1")
    cfg = configure(tmp_path, emu)
    outputs = []
    for key in (None, WRONG_KEY, RO_KEY):
        e = dict(env)
        if key:
            e["DOTGIT_API_KEY"] = key
        outputs.append(dd(cfg, "-vv", "projects", "--all", env=e))
        outputs.append(dd(cfg, "-vv", "status", "dep_x", env=e))
        outputs.append(deploy_in_repo(tmp_path, cfg, e, "-vv")[0])
    http = configure(tmp_path, emu, url=emu.url.replace("https", "http"))
    outputs.append(dd(http, "-vv", "projects", env=env))
    assert outputs[0].returncode == 0           # a retry and a success
    assert "retrying in" in outputs[0].stderr
    for r in outputs:
        for key in (emu.key, WRONG_KEY, RO_KEY):
            assert key not in r.stdout
            assert key not in r.stderr
    for root, _, files in os.walk(emu.dir):
        for name in files:
            if name.endswith(".key") or name == "key.pem":
                continue
            with open(os.path.join(root, name), "rb") as f:
                data = f.read()
            for key in (emu.key, WRONG_KEY, RO_KEY):
                assert key.encode() not in data, name


# -- retries

def test_429_waits_retry_after_then_succeeds(tmp_path, env, make_emu):
    emu = make_emu("--429-first", "1", "--retry-after", "1")
    cfg = configure(tmp_path, emu)
    r = dd(cfg, "projects", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["projects"]) == 3
    reqs = api_requests(emu)
    assert [q["status"] for q in reqs] == [429, 200]
    assert reqs[1]["t"] - reqs[0]["t"] >= 0.9     # it did wait


def test_5xx_retried_then_succeeds(tmp_path, env, make_emu):
    emu = make_emu("--fail-first", "2")
    cfg = configure(tmp_path, emu)
    r = dd(cfg, "projects", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert [q["status"] for q in api_requests(emu)] == [500, 500, 200]


def test_5xx_gives_up_after_five_attempts(tmp_path, env, make_emu):
    emu = make_emu("--fail-first", "99")
    cfg = configure(tmp_path, emu)
    r = dd(cfg, "projects", env=env)
    assert r.returncode == 1
    assert errors(r) == ["dotgit-deploy: the API failed (HTTP 500): "
                         "Internal server error"]
    assert len(api_requests(emu)) == 5


def test_deploy_after_lost_reply_creates_one(tmp_path, env, make_emu):
    emu = make_emu("--lose-reply-first-post", "1")
    cfg = configure(tmp_path, emu)
    r, head = deploy_in_repo(tmp_path, cfg, env)
    assert r.returncode == 0, r.stderr
    assert len(emu.created_deployments()) == 1
    posts = emu.deployment_posts()
    assert len({p["idempotency_key"] for p in posts}) == 1
    assert posts[-1]["replayed"]


# -- status

def new_deployment(emu, branch="main"):
    r = emu.deploy({"branch": branch, "environment": "production"})
    assert r.status == 201
    return r.json


def test_status_once(tmp_path, env, emu):
    cfg = configure(tmp_path, emu)
    d = new_deployment(emu)
    r = dd(cfg, "status", d["id"], env=env)
    assert r.returncode == 0, r.stderr
    assert re.match(r"^%s: (queued|building|ready) \(%s\)\n$"
                    % (d["id"], re.escape(d["url"])), r.stdout)
    r = dd(cfg, "status", d["id"], "--json", env=env)
    doc = json.loads(r.stdout)
    assert sorted(doc) == ["branch", "commit_hash", "environment", "id",
                           "started_at", "status", "url"]
    assert doc["id"] == d["id"] and doc["branch"] == "main"


def test_status_wait_follows_to_ready(tmp_path, env, emu):
    cfg = configure(tmp_path, emu)
    d = new_deployment(emu)
    r = dd(cfg, "status", d["id"], "--wait", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "%s: ready (%s)\n" % (d["id"], d["url"])
    polls = [q for q in api_requests(emu) if q["method"] == "GET"]
    assert len(polls) >= 2
    r = dd(cfg, "status", d["id"], "--wait", "--json", env=env)
    assert r.returncode == 0
    assert json.loads(r.stdout)["status"] == "ready"


def test_status_wait_error_fails(tmp_path, env, make_emu):
    emu = make_emu("--fail-branch", "broken/*")
    cfg = configure(tmp_path, emu)
    d = new_deployment(emu, branch="broken/x")
    r = dd(cfg, "status", d["id"], "--wait", env=env)
    assert r.returncode == 1
    assert r.stdout == "%s: error (%s)\n" % (d["id"], d["url"])
    assert errors(r)[-1] == ("dotgit-deploy: deployment '%s' ended in "
                             "error" % d["id"])
    # without --wait the status is shown and that is a success
    r = dd(cfg, "status", d["id"], env=env)
    assert r.returncode == 0
    assert r.stdout == "%s: error (%s)\n" % (d["id"], d["url"])


def test_status_wait_times_out(tmp_path, env, make_emu):
    emu = make_emu("--building-secs", "60")
    cfg = configure(tmp_path, emu)
    d = new_deployment(emu)
    r = dd(cfg, "status", d["id"], "--wait", "--timeout", "1", env=env)
    assert r.returncode == 1
    assert r.stdout == ""
    assert re.search(r"dotgit-deploy: deployment '%s' is still "
                     r"(queued|building) after 1 s\n$" % d["id"], r.stderr)


@pytest.mark.parametrize("args", [
    [], ["--wait"], ["a", "b"], ["dep_x", "--timeout", "0"],
    ["dep_x", "--timeout", "x"], ["dep_x", "--timeout"], ["dep_x", "--bad"],
])
def test_status_bad_arguments(tmp_path, env, emu, args):
    cfg = configure(tmp_path, emu)
    r = dd(cfg, "status", *args, env=env)
    assert r.returncode == 2
    assert r.stdout == ""
    assert api_requests(emu) == []


def test_reply_larger_than_the_cap(tmp_path, env, make_emu):
    """A 100 MiB reply (--bad-body huge) is cut off at 8 MiB and said;
    nothing is parsed from it."""
    emu = make_emu("--bad-body", "huge")
    cfg = configure(tmp_path, emu)
    d = new_deployment(emu)
    r = dd(cfg, "status", d["id"], env=env)
    assert r.returncode == 1
    assert errors(r)[-1] == ("dotgit-deploy: the API's reply is larger "
                             "than 8 MiB")
    assert r.stdout == ""
