#!/bin/sh
# bb-hub under load: 2000 idle workers parked in long polls; the hub's
# memory with them, claims a second, and the time from a submit to the
# answer reaching a parked claim.  No stock tool to compare with: the
# numbers stand alone (TECH.md measured the libmicrohttpd prototype).
set -eu
: "${BB_BIN:?}" "${BB_BUILD:?}"
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
    "$NIDLE" "$NJOBS"
kill -TERM "$pid"
wait "$pid"
pid=
grep -v 'listening on\|hello from\|attempt 1 to\|submitted\|stopped' "$D/log" || :
