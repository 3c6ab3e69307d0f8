#!/bin/sh
# bb-run's throughput: a step writing 200 MB, straight to /dev/null, then
# through bb-run (its records to /dev/null), alternating, for binary and
# text.  The ratio is bb-run's time over the step's alone (target 1.5).
set -eu
: "${BB_BIN:?run through make bench}"
. "$BB_SRC/tests/bench/lib.sh"
N=${RUN_BENCH_BYTES:-200000000}
BIN="openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 0 -in /dev/zero 2>/dev/null | head -c $N"
TEXT="yes 'cc -O2 -Wall -c -o build/lib/record.o lib/record.c' | head -c $N"

echo "$((N / 1000000)) MB of step output: the command alone, and through bb-run"
r=0
while [ "$r" -lt "$BENCH_RUNS" ]; do
	for k in binary text; do
		if [ "$k" = binary ]; then cmd=$BIN; else cmd=$TEXT; fi
		printf 'step out: %s\n' "$cmd" >"$BENCH_DIR/bench.recipe"
		timed "alone.$k" sh -c "$cmd"
		timed "bb-run.$k" "$BB_BIN/bb-run" -f "$BENCH_DIR/bench.recipe" \
		    -C "$BENCH_DIR"
	done
	r=$((r + 1))
done
figure bb-run.200MB.text s bb-run.text alone.text '<=1.5'
figure bb-run.200MB.binary s bb-run.binary alone.binary '<=1.5'
