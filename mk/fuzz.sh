#!/bin/sh
# make fuzz: runs each libFuzzer target for $1 seconds on its corpus in
# tests/fuzz/corpus/NAME (seeds are kept in git; new finds go to a copy).
set -eu
secs=${1:?usage: mk/fuzz.sh SECONDS TARGET...}
shift
top=$(cd "$(dirname "$0")/.." && pwd)
for t in "$@"; do
	n=$(basename "$t")
	work=$top/build-fuzz/corpus-$n
	mkdir -p "$work"
	[ -d "$top/tests/fuzz/corpus/$n" ] &&
	    cp -n "$top/tests/fuzz/corpus/$n"/* "$work"/ 2>/dev/null || :
	echo "== $n for ${secs}s"
	"$t" -max_total_time="$secs" -max_len=70000 -timeout=10 \
	    -artifact_prefix="$top/build-fuzz/$n-" \
	    -print_final_stats=1 "$work" 2>&1 | tail -12
done
