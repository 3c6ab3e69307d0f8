#!/bin/sh
# bb-report against curl: the same 200 000 log records (about 20 MB) to a
# bb-hub on the loopback.  curl posts them already numbered, in 1 MiB
# bodies, with nothing on disk; bb-report numbers them, writes and
# fsyncs its spool, and sends 256 KiB batches as they come; alternating,
# $BENCH_RUNS times.  Also its peak memory (maxrss).
set -eu
: "${BB_BIN:?run through make bench}"
. "$BB_SRC/tests/bench/lib.sh"
N=${REPORT_BENCH_LINES:-200000}
D=$(mktemp -d "${BENCH_DIR:-/tmp}/bb-report-bench.XXXXXX")
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT
PATH=$BB_BIN:$PATH

bb-hub init "$D/hub" >/dev/null
bb-hub add-worker -d "$D/hub" w >"$D/w.secret"
bb-hub serve -l http://127.0.0.1:0 -w "$D/url" -K 1m "$D/hub" 2>"$D/log" &
pid=$!
i=0
while [ ! -s "$D/url" ]; do
	i=$((i + 1))
	[ "$i" -lt 200 ] || { cat "$D/log"; exit 1; }
	sleep 0.05
done
U=$(cat "$D/url")
printf 'hello\n' | curl -sS -u "w:$(cat "$D/w.secret")" --data-binary @- \
    "$U/v1/hello" | sed "s|^session |session hub=$U |" >"$D/session"
T=$(sed -n 's/.* token=\([^ ]*\).*/\1/p' "$D/session")
mkdir "$D/src"
echo hi >"$D/src/f"
printf 'step build: true\n' >"$D/recipe"
claim() {
	bb-hub submit -f -d "$D/hub" "$D/recipe" "$D/src" >/dev/null
	curl -sS -X POST -H "Authorization: Bearer $T" "$U/v1/claim?wait=5" |
	    sed -n 1p >"$D/job"
}
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) printf "log step=build " \
    "fd=1 t=%d.%03d data=line%%20%d%%20of%%20a%%20build%%20log%%20that%%20" \
    "goes%%20on%%20for%%20a%%20while%%0A\n", i / 1000, i % 1000, i }' \
    >"$D/lines"
echo 'done result=success started=1 elapsed=1' >>"$D/lines"
echo "records: $((N + 1)), $(($(wc -c <"$D/lines") / 1048576)) MB"

awk '{ print $0 " seq=" NR }' "$D/lines" >"$D/numbered"
split -C 1000000 -d -a 4 "$D/numbered" "$D/body."
sum=$(sha256sum <"$D/numbered" | cut -c1-64)

# curl: numbered bodies of at most 1 MiB, then the finish.
by_curl() {
	for b in "$D"/body.*; do
		curl -sS -o /dev/null -H "Authorization: Bearer $T" \
		    -H "Bb-Lease: $lease" --data-binary @"$b" \
		    "$U/v1/jobs/$id/events"
	done
	printf 'finish result=success last=%d sha256=%s\n' $((N + 1)) "$sum" |
	    curl -sS -o /dev/null -H "Authorization: Bearer $T" \
	    -H "Bb-Lease: $lease" --data-binary @- "$U/v1/jobs/$id/finish"
}

r=0
while [ "$r" -lt "$BENCH_RUNS" ]; do
	claim
	id=$(sed -n 's/.* id=\([0-9]*\).*/\1/p' "$D/job")
	lease=$(sed -n 's/.* lease=\([^ ]*\).*/\1/p' "$D/job")
	timed curl.report by_curl

	claim
	rm -rf "$D/base"
	mkdir "$D/base"
	cat "$D/job" "$D/session" "$D/lines" >"$D/in"
	t0=$(now_ns)
	/usr/bin/time -f %M -o "$D/rss" bb-report -b "$D/base" <"$D/in" >/dev/null
	t1=$(now_ns)
	sample bb-report "$(ns_s $((t1 - t0)))"
	sample bb-report.records-per-s \
	    "$(awk -v n="$N" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }')"
	sample bb-report.maxrss "$(awk '{ printf "%.1f", $1 / 1024 }' "$D/rss")"
	r=$((r + 1))
done
kill -TERM "$pid"
wait "$pid" || :
pid=
figure bb-report.200k:curl s bb-report curl.report -
figure bb-report.records-per-s rec/s bb-report.records-per-s - -
figure bb-report.maxrss MiB bb-report.maxrss - -
