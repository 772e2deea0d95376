# SPDX-License-Identifier: ISC
"""Write queue files the way queue_put does, for tests of the queue command
and the daemon: DIR/{tmp,new,cur,failed,done,bad}/ID, ID being
<16-digit unix usec>.<pid>.<counter>, contents the job as compact JSON with
sorted keys, written to tmp/ and renamed into place."""
import hashlib
import itertools
import json
import os
import subprocess
import time

from conftest import BIN

STATES = ("tmp", "new", "cur", "failed", "done", "bad")
_counter = itertools.count(1)


def make_id():
    return "%016d.%d.%d" % (time.time_ns() // 1000, os.getpid(),
                            next(_counter))


def idem_key(project, environment, commit):
    data = "%s\n%s\n%s" % (project, environment, commit)
    return hashlib.sha256(data.encode()).hexdigest()


def job_doc(branch="main", environment="production",
            commit="0123456789abcdef0123456789abcdef01234567",
            project="proj_8f2a9c", age=0, **fields):
    doc = {
        "version": 1, "project": project, "project_is_name": False,
        "repo": "/srv/git/app.git", "ref": "refs/heads/" + branch,
        "branch": branch, "environment": environment, "commit": commit,
        "env_vars": {}, "paths": [],
        "idempotency_key": idem_key(project, environment, commit),
        "planned_at": int(time.time()) - age, "attempts": 0,
        "next_attempt": 0, "last_error": None, "deployment_id": None,
    }
    doc.update(fields)
    return doc


def init_spool(qdir, env, *args):
    """`dotgit-deploy queue --queue-dir DIR init ARGS`, as the daemon's
    user would; the CompletedProcess."""
    r = subprocess.run([BIN, "queue", "--queue-dir", qdir, "init", *args],
                       env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r


def write_job(qdir, state, doc, job_id=None):
    """Put doc in DIR/state/ (state: new, cur, failed, done) of a spool
    made by init_spool; its id."""
    job_id = job_id or make_id()
    tmp = os.path.join(qdir, "tmp", job_id)
    with open(tmp, "w") as f:
        f.write(json.dumps(doc, separators=(",", ":"), sort_keys=True))
    os.chmod(tmp, 0o640)
    os.rename(tmp, os.path.join(qdir, state, job_id))
    return job_id


def read_job(qdir, state, job_id):
    with open(os.path.join(qdir, state, job_id)) as f:
        return json.load(f)


def names(qdir, state):
    return sorted(os.listdir(os.path.join(qdir, state)))
