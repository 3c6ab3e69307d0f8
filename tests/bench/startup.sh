#!/bin/sh
# The start-up cost of each stage: $STARTUP_BENCH_N (200) runs of a usage
# error (an unknown option) in a shell loop, against /bin/true spawned the
# same way, in ms a run; and the shared libraries each loads at start
# (ldd's, the dynamic loader and the vDSO left out), against /bin/true's.
# Target: every stage within 2x of /bin/true.
set -eu
: "${BB_BIN:?run through make bench}"
. "$BB_SRC/tests/bench/lib.sh"
N=${STARTUP_BENCH_N:-200}
STAGES="bb-connect bb-claim bb-unpack bb-run bb-sign bb-pack bb-report"

spawn() {	# spawn CMD: N runs of CMD -Z, one after the other
	_i=0
	while [ "$_i" -lt "$N" ]; do
		"$1" -Z </dev/null >/dev/null 2>&1 || :
		_i=$((_i + 1))
	done
}

echo "$N runs of each command with a bad option, ms a run"
r=0
while [ "$r" -lt "$BENCH_RUNS" ]; do
	for c in /bin/true $STAGES; do
		[ "$c" = /bin/true ] || c=$BB_BIN/$c
		t0=$(now_ns)
		spawn "$c"
		t1=$(now_ns)
		sample "startup.${c##*/}" "$(ns_ms $(((t1 - t0) / N)))"
	done
	r=$((r + 1))
done

libs() { ldd "$1" 2>/dev/null | grep -c '=>' || :; }
sample libs.true "$(libs /bin/true)"
for c in $STAGES; do
	sample "libs.$c" "$(libs "$BB_BIN/$c")"
done

for c in $STAGES; do
	figure "startup.$c" ms "startup.$c" startup.true '<=2'
done
for c in $STAGES; do
	figure "libs.$c" libs "libs.$c" libs.true -
done
