#!/bin/sh
# run.sh SECONDS FUZZER... -- what `make fuzz` runs. For each target, one
# at a time: replay its corpus (tests/fuzz/corpus/<name>: seeds and the
# reproducers of bugs found; a crash there fails at once), then fuzz it
# SECONDS (0: replay only), new inputs kept in build-fuzz/corpus/<name>.
# A crash leaves build-fuzz/artifacts/<name>-crash-*; the log of each run
# is build-fuzz/logs/<name>.log. Prints execs and coverage per target.
# $FUZZ_OUT: another directory than build-fuzz for all that.
set -u
secs=${1:?usage: run.sh SECONDS FUZZER...}
shift
here=$(dirname "$0")
out=${FUZZ_OUT:-build-fuzz}
rc=0
mkdir -p "$out/logs" "$out/artifacts"
printf '%-10s %10s %6s %7s  %s\n' target execs cov ft result
for bin in "$@"; do
	name=${bin##*/fuzz_}
	log=$out/logs/$name.log
	mkdir -p "$out/corpus/$name"
	set -- -artifact_prefix="$out/artifacts/$name-" -timeout=10 \
	    -close_fd_mask=2 -print_final_stats=1
	[ -f "$here/$name.dict" ] && set -- "$@" -dict="$here/$name.dict"
	if [ "$secs" -gt 0 ]; then
		set -- "$@" -max_total_time="$secs"
	else
		set -- "$@" -runs=0
	fi
	"$bin" "$@" "$out/corpus/$name" "$here/corpus/$name" >"$log" 2>&1
	status=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
	result=ok
	if [ $status -ne 0 ]; then
		result="FAILED (exit $status): see $log"
		rc=1
	fi
	printf '%-10s %10s %6s %7s  %s\n' "$name" "${execs:-?}" \
	    "$(echo "$cov" | awk '{print $2}')" \
	    "$(echo "$cov" | awk '{print $4}')" "$result"
	[ $status -ne 0 ] && grep -E 'SUMMARY|property broken' "$log" |
	    head -3
done
exit $rc
