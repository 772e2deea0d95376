#!/bin/sh
# SPDX-License-Identifier: ISC
# make smoke: the package for real, on a throwaway machine, as root.
# `apt-get install ./DEB`, then boot systemd in a container
# (systemd-nspawn --volatile=yes: a fresh /etc and /var, this machine's
# /usr with the package in it) into a target that wants only
# dotgit-deploy.service, and check that the daemon, under its unit's
# sandbox, becomes ready, deploys a polled repository's new commit and a
# hooked repository's push (the job a git user of the group queued) to the
# API emulator, reloads and stops cleanly. Then `apt-get purge`.
set -eu

DEB=${1:?usage: systemd-smoke.sh dotgit-deploy_VERSION_ARCH.deb}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KEY=gl_api_test_key_0123456789
S=$(mktemp -d /tmp/dotgit-deploy-smoke.XXXXXX)
EMU= NS= LEADER= INSTALLED=

fail() { echo "smoke: $*" >&2; exit 1; }
say() { echo "smoke: $*"; }
inside() { nsenter -t "$LEADER" -a "$@"; }

cleanup() {
	[ -n "$NS" ] && kill "$NS" 2>/dev/null && wait "$NS" 2>/dev/null
	[ -n "$EMU" ] && kill "$EMU" 2>/dev/null && wait "$EMU" 2>/dev/null
	[ -n "$INSTALLED" ] && DEBIAN_FRONTEND=noninteractive \
	    apt-get purge -y -q dotgit-deploy >/dev/null 2>&1
	rm -rf "$S"
}
trap cleanup EXIT INT TERM

# wait_for SECONDS COMMAND...: until COMMAND succeeds
wait_for() {
	n=$(($1 * 5)); shift
	until "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.2
	done
}

journal() { inside journalctl -u dotgit-deploy --no-pager -o cat; }
logged() { journal | grep -q "$1"; }
deployed() { grep -q "\"$1\"" "$S/emu/state.json"; }

[ "$(id -u)" = 0 ] || fail "run as root (it installs the package)"
command -v systemd-nspawn >/dev/null ||
	fail "no systemd-nspawn: apt-get install systemd-container"
! dpkg-query -W -f='${Status}' dotgit-deploy 2>/dev/null |
    grep -q 'ok installed' ||
	fail "dotgit-deploy is installed: this test installs and purges its own"

say "apt-get install $DEB"
INSTALLED=yes
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$(realpath "$DEB")" \
    >"$S/apt.log" 2>&1 || { cat "$S/apt.log"; fail "cannot install $DEB"; }
getent passwd dotgit-deploy >/dev/null || fail "no dotgit-deploy user"
[ "$(stat -c '%a %U %G' /etc/dotgit-deploy/config.ini)" = \
    "640 root dotgit-deploy" ] || fail "config.ini: $(stat -c '%a %U %G' \
    /etc/dotgit-deploy/config.ini)"
for m in dotgit-deploy dotgit-deploy.ini; do
	p=$(man -w "$m" 2>/dev/null) || continue
	w=$(man -l "$p" 2>&1 >/dev/null)
	[ -z "$w" ] || fail "man -l $p: $w"
	say "man -l $p: no warnings"
done

say "the emulator, two repositories, the daemon's configuration"
export HOME="$S/home" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=smoke \
    GIT_AUTHOR_EMAIL=smoke@example.com GIT_COMMITTER_NAME=smoke \
    GIT_COMMITTER_EMAIL=smoke@example.com
mkdir -p "$HOME" "$S/git" "$S/emu" "$S/conf" \
    "$S/system/dotgit-deploy.service.d"
/usr/bin/python3 "$ROOT/tests/emulator/emulator.py" --dir "$S/emu" \
    --queued-secs 0.1 --building-secs 0.1 >"$S/emu.log" 2>&1 &
EMU=$!
wait_for 20 test -s "$S/emu/port" || fail "the emulator did not start"
git init -q --bare -b main "$S/git/polled.git"
git clone -q "$S/git/polled.git" "$S/work" 2>/dev/null
echo 1 >"$S/work/f" && git -C "$S/work" add f
git -C "$S/work" commit -qm one && git -C "$S/work" push -q origin main
chmod -R a+rX "$S"
cat >"$S/conf/config.ini" <<EOF
[api]
url = https://127.0.0.1:$(cat "$S/emu/port")/v1
ca_file = /srv/emu/ca.pem
plan = 100000

[project]
id = proj_8f2a9c

[branch "main"]
environment = production

[daemon]
queue = /var/spool/dotgit-deploy
repos = /srv/git/*.git
poll_interval = 1
EOF
chmod 0644 "$S/conf/config.ini"
# the key from the environment: no key file to give to the container's
# dotgit-deploy user (its uid is the container's)
printf '[Service]\nEnvironment=DOTGIT_API_KEY=%s\n' "$KEY" \
    >"$S/system/dotgit-deploy.service.d/smoke.conf"
printf '[Unit]\nRequires=dotgit-deploy.service\n' >"$S/system/smoke.target"
ln -s /dev/null "$S/system/systemd-firstboot.service"

say "booting systemd (nspawn) into smoke.target"
systemd-nspawn -D / --volatile=yes --register=no --keep-unit -q \
    --machine=dotgit-deploy-smoke \
    --bind="$S/conf:/etc/dotgit-deploy" --bind="$S/git:/srv/git" \
    --bind-ro="$S/emu:/srv/emu" --bind="$S/system:/etc/systemd/system" \
    -b -- --unit=smoke.target >"$S/boot.log" 2>&1 &
NS=$!
# The container's PID 1 once it runs systemd: nspawn's first child can be
# its transient outer child, gone a moment later.
leader() {
	for p in $(pgrep -P "$NS"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd ] || continue
		LEADER=$p
		return 0
	done
	return 1
}
wait_for 20 leader || { cat "$S/boot.log"; fail "nspawn did not start"; }
wait_for 60 inside systemctl is-active -q dotgit-deploy || {
	inside systemctl status --no-pager dotgit-deploy || cat "$S/boot.log"
	fail "dotgit-deploy.service never became active (ready)"
}
pid=$(inside systemctl show -p MainPID --value dotgit-deploy)
say "active (ready), pid $pid"
status=$(inside cat "/proc/$pid/status")
for want in "Seccomp:	2" "NoNewPrivs:	1" "CapEff:	0000000000000000"; do
	echo "$status" | grep -q "^$want\$" || fail "not '$want'"
done
[ "$(inside cat "/proc/$pid/uid_map" | wc -l)" = 2 ] ||
	fail "no private users: $(inside cat "/proc/$pid/uid_map")"
say "sandboxed: seccomp filter, no new privileges, no capabilities," \
    "private users"

say "a commit pushed to a polled repository"
wait_for 20 logged "watching '/srv/git/polled.git" || { journal; fail \
    "polled.git not watched"; }
echo 2 >"$S/work/f" && git -C "$S/work" commit -qam two
git -C "$S/work" push -q origin main
head=$(git -C "$S/work" rev-parse HEAD)
wait_for 30 deployed "$head" || { journal; fail "$head not deployed"; }
say "deployed $head"

say "a push by a git user of the group, to a repository with the hook"
inside useradd -m -G dotgit-deploy gituser
gid=$(inside id -g gituser)
asgit() {
	inside setpriv --reuid=gituser --regid="$gid" --init-groups \
	    env HOME=/home/gituser GIT_AUTHOR_NAME=g GIT_COMMITTER_NAME=g \
	    GIT_AUTHOR_EMAIL=g@example.com GIT_COMMITTER_EMAIL=g@example.com \
	    "$@"
}
inside install -d -o gituser -g "$gid" /srv/git/hooked.git
asgit git init -q --bare -b main /srv/git/hooked.git
asgit sh -c 'cd /srv/git/hooked.git && dotgit-deploy install-hook --server'
inside systemctl reload dotgit-deploy
wait_for 20 logged "configuration reloaded" || { journal; fail "no reload"; }
asgit sh -c 'cd && git clone -q /srv/git/hooked.git work 2>/dev/null &&
    cd work && echo 1 >f && git add f && git commit -qm hooked &&
    git push origin main' >"$S/push.out" 2>&1
grep -q "main -> production: queued (job" "$S/push.out" ||
	{ cat "$S/push.out"; fail "the hook queued nothing"; }
head=$(asgit git -C /home/gituser/work rev-parse HEAD)
wait_for 30 deployed "$head" || { journal; fail "$head not deployed"; }
say "deployed $head"

inside systemctl stop dotgit-deploy
[ "$(inside systemctl show -p Result --value dotgit-deploy)" = success ] &&
    [ "$(inside systemctl show -p ExecMainStatus --value dotgit-deploy)" = 0 ] ||
	{ journal; fail "did not stop cleanly"; }
say "stopped cleanly; exposure:" \
    "$(inside systemd-analyze security --no-pager dotgit-deploy.service |
    sed -n 's/.*exposure level for [^:]*: //p')"

kill "$NS" && wait "$NS" 2>/dev/null || :
NS=
say "apt-get purge dotgit-deploy"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q dotgit-deploy \
    >"$S/apt.log" 2>&1 || { cat "$S/apt.log"; fail "cannot purge"; }
INSTALLED=
for p in /usr/bin/dotgit-deploy /etc/dotgit-deploy /var/spool/dotgit-deploy
do
	[ ! -e "$p" ] || fail "$p is left after purge"
done
say "ok"
