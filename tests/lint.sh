#!/bin/sh
# make lint: the layout rules of STYLE.md that a script can check:
# 80 columns (tabs at 8), no trailing whitespace, no system()/popen().
rc=0
for f in src/*.c src/*.h; do
	expand "$f" | awk -v f="$f" 'length > 80 {
		printf "%s:%d: longer than 80 columns\n", f, NR; bad = 1 }
	END { exit bad }' || rc=1
	grep -n '[[:space:]]$' "$f" | sed "s|^|$f:|;s|$| trailing whitespace|" |
	    grep . && rc=1
	grep -nE '\b(system|popen)\(' "$f" | sed "s|^|$f:|" | grep . && rc=1
done
[ $rc -eq 0 ] && echo "lint: ok"
exit $rc
