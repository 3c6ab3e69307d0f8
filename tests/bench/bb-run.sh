#!/bin/sh
# bb-run's throughput: a step writing 200 MB, first straight to /dev/null,
# then through bb-run (its records to /dev/null), for binary and text.
set -eu
: "${BB_BIN:?run through make bench}"
: "${BENCH_DIR:=$(mktemp -d)}"
N=200000000
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
mbs() { awk -v n="$N" -v ms="$1" 'BEGIN { printf "%.0f", ms ? n / 1e3 / ms : 0 }'; }

bench() {	# bench NAME COMMAND
	printf 'step out: %s\n' "$2" > "$BENCH_DIR/bench.recipe"
	t0=$(now)
	sh -c "$2" > /dev/null
	t1=$(now)
	"$BB_BIN/bb-run" -f "$BENCH_DIR/bench.recipe" -C "$BENCH_DIR" \
	    > /dev/null
	t2=$(now)
	a=$(ms "$t0" "$t1")
	b=$(ms "$t1" "$t2")
	printf '%-7s alone %6d ms %5s MB/s   bb-run %6d ms %5s MB/s   ratio %s\n' \
	    "$1" "$a" "$(mbs "$a")" "$b" "$(mbs "$b")" \
	    "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a ? b / a : 0 }')"
}

echo "200 MB of step output: the command alone, and through bb-run"
bench binary "openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 0 -in /dev/zero 2>/dev/null | head -c $N"
bench text "yes 'cc -O2 -Wall -c -o build/lib/record.o lib/record.c' | head -c $N"
