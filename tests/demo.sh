#!/bin/sh
# SPDX-License-Identifier: ISC
# make demo: a guided tour on a throwaway repository against the project's
# local HTTPS API emulator. Everything lives in a temp dir, removed at exit.
set -eu

BIN=${DOTGIT_DEPLOY_BIN:-$(pwd)/build/dotgit-deploy}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
T=$(mktemp -d /tmp/dotgit-deploy-demo.XXXXXX)
EMU_PID=
DAEMON_PID=

cleanup() {
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
# wait_for SECONDS CMD...: until CMD succeeds (quietly), or fail
wait_for() {
	n=$(($1 * 10)); shift
	until "$@" >/dev/null 2>&1; do
		n=$((n - 1)); [ $n -gt 0 ] || { echo "timed out: $*"; cat "$T/daemon.log" 2>/dev/null; exit 1; }
		sleep 0.1
	done
}
show() { printf '$ %s\n' "$*"; "$@"; }

export GIT_CONFIG_NOSYSTEM=1 HOME="$T/home" GIT_AUTHOR_NAME=Demo \
    GIT_AUTHOR_EMAIL=demo@example.com GIT_COMMITTER_NAME=Demo \
    GIT_COMMITTER_EMAIL=demo@example.com
mkdir -p "$HOME"

say "Starting the local .git API emulator (HTTPS, throwaway CA)"
"$PY" "$ROOT/tests/emulator/emulator.py" --dir "$T/emu" --queued-secs 1 \
    --building-secs 2 --fail-branch 'broken/*' >"$T/emu.out" 2>&1 &
EMU_PID=$!
i=0
while [ ! -s "$T/emu/port" ]; do
	i=$((i + 1)); [ $i -lt 200 ] || { cat "$T/emu.out"; exit 1; }
	sleep 0.05
done
URL="https://127.0.0.1:$(cat "$T/emu/port")/v1"
echo "emulator listening on $URL"

say "The API key lives in a file only its owner can read (mode 0600)"
printf 'gl_api_test_key_0123456789\n' >"$T/key"
chmod 600 "$T/key"

say "A server repository with a config: main -> production, feature/* -> preview"
git init -q --bare -b main "$T/server.git"
cat >"$T/server.git/dotgit-deploy.ini" <<INI
[api]
url = $URL
key_file = $T/key
ca_file = $T/emu/ca.pem

[project]
name = main-app

[branch "main"]
environment = production

[branch "feature/*"]
environment = preview

[environment "production"]
NEXT_PUBLIC_API_URL = https://api.example.com
INI
show "$BIN" -C "$T/server.git" config check
show "$BIN" -C "$T/server.git" config explain feature/login

say "Your projects on the platform"
show "$BIN" -C "$T/server.git" projects

say "Installing the post-receive hook (a link to this binary, no shell)"
show "$BIN" -C "$T/server.git" install-hook --server

say "A developer clones, commits and pushes main: the push deploys it"
git clone -q "$T/server.git" "$T/app" 2>/dev/null
cd "$T/app"
echo "hello" >index.html
git add index.html && git commit -q -m "first page"
show git push -q origin main

say "A feature branch gets a preview; [skip deploy] skips a commit"
git checkout -q -b feature/login
echo "login" >login.html
git add login.html && git commit -q -m "login form"
show git push -q origin feature/login
echo "typo" >>login.html
git commit -q -am "fix typo [skip deploy]"
show git push -q origin feature/login

say "Deploying by hand, and following it until it is ready"
show "$BIN" -C "$T/app" -c "$T/server.git/dotgit-deploy.ini" deploy main \
    --dry-run
DEP=$("$BIN" -C "$T/app" -c "$T/server.git/dotgit-deploy.ini" deploy main \
    --set DEMO=1 | sed -n 's/.*: \(dep_[A-Za-z0-9]*\) .*/\1/p')
echo "created $DEP"
show "$BIN" -c "$T/server.git/dotgit-deploy.ini" status "$DEP" --wait

say "A monorepo served by the daemon: two projects, one queue, [notify]"
git init -q --bare -b main "$T/mono.git"
git -C "$T/mono.git" config receive.advertisePushOptions true
cat >"$T/mono.git/dotgit-deploy.ini" <<INI
[api]
url = $URL
key_file = $T/key
ca_file = $T/emu/ca.pem

[project "web"]
id = proj_8f2a9c
paths = web/

[project "api"]
id = proj_000002
paths = api/

[branch "main"]
environment = production

[branch "broken/*"]
environment = preview
projects = web

[hook]
mode = queue

[daemon]
queue = $T/spool
state = $T/state
repos = $T/mono.git
poll_interval = 1
INI
cat >"$T/notify.sh" <<SH
#!/bin/sh
# [notify] command: argv, no shell, no API key; what it knows is in DOTGIT_DEPLOY_*
echo "notify: [\$DOTGIT_DEPLOY_PROJECT_KEY] \$DOTGIT_DEPLOY_BRANCH -> \$DOTGIT_DEPLOY_ENVIRONMENT:" \
    "\$DOTGIT_DEPLOY_STATUS (\$DOTGIT_DEPLOY_ID, commit \$(echo \$DOTGIT_DEPLOY_COMMIT | cut -c1-7))" \
    >>"$T/notified"
SH
chmod 755 "$T/notify.sh"
# the daemon's own file: the repository's, and what only it may set
cat "$T/mono.git/dotgit-deploy.ini" - >"$T/daemon.ini" <<INI

[notify]
command = $T/notify.sh
on = error canceled
INI
show "$BIN" -c "$T/daemon.ini" queue init
show "$BIN" -C "$T/mono.git" install-hook --server
"$BIN" -c "$T/daemon.ini" daemon >"$T/daemon.log" 2>&1 &
DAEMON_PID=$!
echo "daemon started (pid $DAEMON_PID), log in $T/daemon.log"

git clone -q "$T/mono.git" "$T/mono" 2>/dev/null
cd "$T/mono"
mkdir web api
echo "<h1>shop</h1>" >web/index.html
echo "print('api')" >api/server.py
git add . && git commit -q -m "web and api"
say "The first push of main deploys both projects"
show git push -q origin main
wait_for 20 grep -q "\\[api\\] -> production: dep_.* ready" "$T/daemon.log"

say "A push that touches only web/ deploys only web"
echo "<p>sale</p>" >>web/index.html
git commit -q -am "web: sale banner"
show git push -q origin main
wait_for 20 sh -c "[ \$(grep -c '\\[web\\] -> production: dep_.* ready' '$T/daemon.log') -ge 2 ]"
echo "the daemon judges each project's paths against its last deployment:"
grep "\\[api\\] -> production: not deployed" "$T/daemon.log" | sed 's/^/  /'


say "A build that fails: the daemon follows it and runs the notify command"
git checkout -q -b broken/css
echo "}" >>web/index.html
git commit -q -am "web: broken css"
show git push -q origin broken/css
wait_for 30 test -s "$T/notified"
show cat "$T/notified"
git checkout -q main

say "What was deployed where (the daemon's history), and what is live"
show "$BIN" -c "$T/daemon.ini" -C "$T/mono.git" history

say "Rolling production's web back to the commit before the sale banner"
show "$BIN" -c "$T/daemon.ini" -C "$T/mono.git" rollback production \
    --project web --wait
show "$BIN" -c "$T/daemon.ini" -C "$T/mono.git" history production \
    --project web

say "Done: every deployment above went to the emulator over HTTPS,"
echo "with the exact pushed commit; nothing is left behind in $T."
