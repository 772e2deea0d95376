#!/bin/sh
# SPDX-License-Identifier: ISC
# make lint: the layout rules of the project's C style that a script can
# check: 80 columns (tabs at 8), no trailing whitespace, no system()/popen(),
# and the licence: every source starts with its SPDX line (LICENSE).
spdx='/* SPDX-License-Identifier: ISC */'
rc=0
for f in src/*.c src/*.h; do
	expand "$f" | awk -v f="$f" 'length > 80 {
		printf "%s:%d: longer than 80 columns\n", f, NR; bad = 1 }
	END { exit bad }' || rc=1
	grep -n '[[:space:]]$' "$f" | sed "s|^|$f:|;s|$| trailing whitespace|" |
	    grep . && rc=1
	grep -nE '\b(system|popen)\(' "$f" | sed "s|^|$f:|" | grep . && rc=1
	if [ "$(head -n 1 "$f")" != "$spdx" ]; then
		echo "$f:1: the first line is not '$spdx'"
		rc=1
	fi
done
[ $rc -eq 0 ] && echo "lint: ok"
exit $rc
