#!/bin/sh
# shellcheck disable=SC2154
# The hub killed with SIGKILL in the middle of a long log (bb-hub(8),
# Durability): every record it acknowledged is in its log after a
# restart, as it was sent; the rest comes again, and the job finishes
# with the whole log.  Then the same with a real worker: the hub killed
# while a build prints 100 000 lines, started again at once, and the log
# of the job holds every line once, in order.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

N=200000	# records of the long log, 500 a batch
hub_init
hub_add_worker w1
hub_start -K 30
HUB_LISTEN=$HUB_URL	# hub_start reads it: the same address again
export HUB_LISTEN
hub_hello w1 linux
A="Authorization: Bearer $TOKEN"
hub_submit 'job long
require linux
step big: true'
J=$JOB
hub_claim "$A"
is "$code" 200 "claimed"
H="Bb-Lease: $LEASE"

# The records, as bb-report sends them: raw text, a tab, a seq each.
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++) printf "log step=big fd=1 " \
    "t=1.000 seq=%d data:line %d of a long log\twith a tab%%0A\n", i, i }' \
    >"$T/all"
mkdir "$T/b"
(cd "$T/b" && split -a 4 -l 500 "$T/all" b.)
# send: the batches in order, each answer's upto noted, until one fails.
send() {
	for _b in "$T"/b/b.*; do
		curl -sfS -H "$A" -H "$H" --data-binary @"$_b" \
		    "$HUB_URL/v1/jobs/$J/events" >"$T/ack" 2>/dev/null || return
		sed -n 's/.* upto=\([0-9]*\) .*/\1/p' "$T/ack" >>"$T/acks"
	done
}
: >"$T/acks"
send &
spid=$!
upto() { tail -1 "$T/acks"; }
past() { [ "$(upto)" -ge "$1" ] 2>/dev/null; }
wait_for 60 past 20000
ok $? "the hub takes the long log"
kill -KILL "$HUB_PID"
wait "$HUB_PID" 2>/dev/null
wait "$spid"
acked=$(upto)
ok "$([ "$acked" -lt $N ] && echo 0 || echo 1)" \
    "killed with SIGKILL in the middle, after acknowledging $acked records"

hub_start -K 30
ok $? "the hub starts again"
bb-hub log -r -d "$HUB_DIR" "$J" >"$T/held"
held=$(wc -l <"$T/held")
ok "$([ "$held" -ge "$acked" ] && echo 0 || echo 1)" \
    "it holds $held records, every one it acknowledged"
head -n "$acked" "$T/all" >"$T/want"
head -n "$acked" "$T/held" | cmp -s - "$T/want"
ok $? "each as it was sent, in order"
head -n "$held" "$T/all" | cmp -s - "$T/held"
ok $? "and those it took after its last answer whole too"

# The rest comes again from where the hub is; then the finish.
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary ''
like "$body" "^ack .* upto=$held " "it says it holds $held"
tail -n +"$((held + 1))" "$T/all" >"$T/rest"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" \
    --data-binary @"$T/b/b.aaaa"
like "$body" "^ack stored=0 dup=500 upto=$held " "a batch it holds: duplicates"
: >"$T/acks"
rm -f "$T/b"/b.*
(cd "$T/b" && split -a 4 -l 500 "$T/rest" b.)
send
is "$(upto)" $N "the rest is stored"
sha=$(sha256sum <"$T/all" | cut -c1-64)
hub_req POST "/v1/jobs/$J/finish" -H "$A" -H "$H" \
    --data-binary "finish result=success last=$N sha256=$sha
"
is "$code" 200 "the job finishes with the whole log's digest"
hub_req GET "/v1/admin/jobs/$J/log" -H "Authorization: Bearer $HUB_ADMIN"
cmp -s "$T/resp" "$T/all"
ok $? "the admin API gives back every record as sent"

# A real worker, the hub killed in the middle of its build's log: half
# the lines, a mark, a wait for the test, the other half.
worker_make w2 CACHE_DIRS="$T/marks"
M=$T/marks
mkdir "$M"
hub_submit "job lines
step count: seq 1 50000 | sed 's/^/line /'; touch $M/half; j=0; until [ -e $M/go ] || [ \$j -ge 1200 ]; do sleep 0.05; j=\$((j + 1)); done; seq 50001 100000 | sed 's/^/line /'"
job=$JOB
worker_start w2
half() {	# the hub holds some 300 KB of it
	[ -e "$M/half" ] &&
	    [ "$(cat "$HUB_DIR/logs/$job".* 2>/dev/null | wc -c)" -ge 300000 ]
}
wait_for 120 half
ok $? "the build's log comes in"
kill -KILL "$HUB_PID"
wait "$HUB_PID" 2>/dev/null
touch "$M/go"
hub_start -K 30
ok $? "the hub killed with SIGKILL as the build goes on, started again"
wait_state 120 "$job" success failure
is "$(job_state "$job")" success "the job ends success"
bb-hub log -r -d "$HUB_DIR" "$job" | "$BB_BUILD/tests/tools/logdata" -s count \
    >"$T/got"
seq 1 100000 | sed 's/^/line /' >"$T/want"
cmp -s "$T/got" "$T/want"
ok $? "every line once, in order"
hub_done
