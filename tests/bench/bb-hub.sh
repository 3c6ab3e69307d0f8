#!/bin/sh
# bb-hub under load: 2000 idle workers parked in long polls; the hub's
# memory with them, claims a second, and the time from a submit to the
# answer reaching a parked claim.  No stock tool to compare with: the
# numbers stand alone (TECH.md measured the libmicrohttpd prototype), from
# one run.
set -eu
: "${BB_BIN:?run through make bench}" "${BB_BUILD:?}"
. "$BB_SRC/tests/bench/lib.sh"
NIDLE=${HUB_BENCH_IDLE:-2000}
NJOBS=${HUB_BENCH_JOBS:-2000}
D=$(mktemp -d "${BENCH_DIR:-/tmp}/bb-hub-bench.XXXXXX")
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT
PATH=$BB_BIN:$PATH

bb-hub init "$D/hub"
bb-hub add-worker -d "$D/hub" idle >"$D/idle.secret"
bb-hub add-worker -d "$D/hub" busy >"$D/busy.secret"
bb-hub serve -l http://127.0.0.1:0 -w "$D/url" -W 10m -K 1m -n 8000 \
    "$D/hub" 2>"$D/log" &
pid=$!
i=0
while [ ! -s "$D/url" ]; do
	i=$((i + 1))
	[ "$i" -lt 200 ] || { cat "$D/log"; exit 1; }
	sleep 0.05
done
U=$(cat "$D/url")
hello() {
	printf 'hello caps=%s\n' "$2" |
	    curl -sS -u "$1:$(cat "$D/$1.secret")" --data-binary @- "$U/v1/hello" |
	    sed -n 's/.* token=\([^ ]*\).*/\1/p'
}
TI=$(hello idle idle)
TB=$(hello busy bench)
A=$(cat "$D/hub/admin.token")
echo hello >"$D/src"
SRC=$(curl -sS -H "Authorization: Bearer $A" --data-binary @"$D/src" \
    "$U/v1/admin/sources" | sed -n 's/.* sha256=\([^ ]*\).*/\1/p')
echo "bb-hub: $NIDLE idle workers, $NJOBS jobs, synchronous=FULL on $(df -P "$D" | awk 'NR == 2 { print $1 }')"
"$BB_BUILD/tests/bench/hubload" "$U" "$TI" "$TB" "$A" "$SRC" "$pid" \
    "$NIDLE" "$NJOBS" >"$D/out"
cat "$D/out"
kill -TERM "$pid"
wait "$pid"
pid=
grep -v 'listening on\|hello from\|attempt 1 to\|submitted\|stopped' "$D/log" || :
# get PATTERN: the first match of sed's \1 in hubload's output.
get() { sed -n "s/$1/\\1/p" "$D/out" | head -1; }
sample hub.claims-per-s "$(get '^claims: .* = \([0-9.]*\) claims\/s.*')"
sample hub.reports-per-s "$(get '^reports: .* = \([0-9.]*\) batches\/s.*')"
sample hub.kib-per-parked "$(get '^hub RSS: .*(\([0-9.]*\) KiB each)')"
sample hub.submit-to-parked "$(get '^submit to .*: median \([0-9.]*\) ms.*')"
figure hub.claims-per-s claims/s hub.claims-per-s - -
figure hub.reports-per-s batch/s hub.reports-per-s - -
figure hub.rss-per-parked-claim KiB hub.kib-per-parked - -
figure hub.submit-to-parked-claim ms hub.submit-to-parked - -
