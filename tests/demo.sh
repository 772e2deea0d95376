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

cleanup() {
	[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

export GIT_CONFIG_NOSYSTEM=1 HOME="$T/home" GIT_AUTHOR_NAME=Demo \
    GIT_AUTHOR_EMAIL=demo@example.com GIT_COMMITTER_NAME=Demo \
    GIT_COMMITTER_EMAIL=demo@example.com
mkdir -p "$HOME"

say "Starting the local .git API emulator (HTTPS, throwaway CA)"
"$PY" "$ROOT/tests/emulator/emulator.py" --dir "$T/emu" --queued-secs 1 \
    --building-secs 2 >"$T/emu.out" 2>&1 &
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

say "Done: every deployment above went to the emulator over HTTPS,"
echo "with the exact pushed commit; nothing is left behind in $T."
