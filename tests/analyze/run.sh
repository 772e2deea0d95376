#!/bin/sh
# run.sh [cppcheck | scan-build]... -- what `make analyze` runs (both
# when none is named). $ANALYZE_CFLAGS: the project's compiler flags
# (the Makefile passes them). A report not in cppcheck.supp or
# scan-build.supp fails the run, and so does an entry there that no
# longer matches anything.
set -u
cd "$(dirname "$0")/../.."
here=tests/analyze
out=build-analyze
rc=0
mkdir -p "$out"

# Entries of a suppression file: its lines that are not comments.
entries() {
	grep -v '^#' "$1" | grep -v '^[[:space:]]*$'
}

run_cppcheck() {
	cppcheck --std=c11 -q -D_GNU_SOURCE -Isrc \
	    --enable=warning,style,performance,portability,information \
	    --suppressions-list="$here/cppcheck.supp" \
	    --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
	    src/ >"$out/cppcheck.log" 2>&1
	if grep -E '^[^ ]+:[0-9-]+:[0-9]+: ' "$out/cppcheck.log"; then
		echo "analyze: cppcheck: the reports above are new: fix them," \
		    "or say in $here/cppcheck.supp why they are not defects"
		return 1
	fi
	echo "analyze: cppcheck: nothing to report"
}

run_scan_build() {
	rm -rf "$out/scan"
	# each file compiled on its own through scan-build's compiler
	scan-build-14 -o "$out/scan" --use-cc=clang-14 sh -c '
	    for f; do
		"$CC" $ANALYZE_CFLAGS -c -o /dev/null "$f" || exit 1
	    done' sh src/*.c >"$out/scan-build.log" 2>&1 || {
		cat "$out/scan-build.log"
		echo "analyze: scan-build: the build failed"
		return 1
	}
	sed -n 's/^\([^ :]*\):[0-9]*:[0-9]*: warning: \(.*\)$/\1: \2/p' \
	    "$out/scan-build.log" | sort -u >"$out/scan-build.found"
	entries "$here/scan-build.supp" | sort -u >"$out/scan-build.known"
	new=$(comm -23 "$out/scan-build.found" "$out/scan-build.known")
	gone=$(comm -13 "$out/scan-build.found" "$out/scan-build.known")
	if [ -n "$new" ]; then
		grep -F "$new" "$out/scan-build.log"
		echo "analyze: scan-build: the reports above are new (details:" \
		    "scan-view $out/scan/*): fix them, or say in" \
		    "$here/scan-build.supp why they are not defects"
		return 1
	fi
	if [ -n "$gone" ]; then
		echo "$gone"
		echo "analyze: scan-build: $here/scan-build.supp lists what" \
		    "is no longer reported: remove it"
		return 1
	fi
	echo "analyze: scan-build: $(wc -l <"$out/scan-build.known")" \
	    "known report(s), nothing new"
}

[ $# -eq 0 ] && set -- cppcheck scan-build
for tool; do
	case $tool in
	cppcheck)	run_cppcheck || rc=1 ;;
	scan-build)	run_scan_build || rc=1 ;;
	*)		echo "usage: run.sh [cppcheck | scan-build]..."; exit 2 ;;
	esac
done
exit $rc
