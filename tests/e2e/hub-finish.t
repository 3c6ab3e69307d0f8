#!/bin/sh
# A job's last records and its finish in one events call (bb-protocol 4):
# the hub stores the batch and finishes the attempt, or refuses as a
# finish would; bb-report sends them so to a hub of version 4, and the
# batch and the finish apart to an older one.
# shellcheck disable=SC2154 # run sets rc, out and err; hub_req code, body
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/report.sh"

metric() {
	curl -sS -H "Authorization: Bearer $HUB_METRICS" "$HUB_URL/metrics" |
	    awk -v m="$1" '$1 == m { print $2 }'
}

report_hub -K 5s -L 30 || { hub_diag; exit 1; }
A="Authorization: Bearer $TOKEN"

# The hub, by hand.
report_claim || { hub_diag; exit 1; }
H="Bb-Lease: $LEASE"
printf 'status step=build state=started t=1.5 seq=1\n' >"$T/ev"
printf 'log step=build fd=1 t=1.6 data=hi%%0A seq=2\n' >>"$T/ev"
printf 'done result=success started=1 elapsed=0.3 seq=3\n' >>"$T/ev"
sha=$(sha256sum <"$T/ev" | cut -c1-64)
hub_req POST "/v1/jobs/$JOB/events" -H "$A" -H "$H" --data-binary \
    "$(cat "$T/ev")
finish result=success last=3 sha256=$sha
log step=build fd=1 t=1.7 data=late%0A seq=4
"
is "$code" 400 "a finish that does not end the batch: 400"
like "$body" "reason=malformed msg=line%204:%20a%20finish%20record%20ends%20the%20batch" \
    "  saying so"
hub_req POST "/v1/jobs/$JOB/events" -H "$A" -H "$H" --data-binary \
    "$(cat "$T/ev")
finish result=maybe last=3 sha256=$sha
"
is "$code" 400 "a bad finish: 400"
like "$body" "line%204:%20result%20is%20one%20of" "  naming its line"
is "$(report_log | wc -l | tr -d ' ')" 0 "  and nothing of the batch is stored"
is "$(report_state)" running "  the job runs on"

# With a record missing, the batch is stored and the finish refused.
sed 1d "$T/ev" >"$T/ev23"
hub_req POST "/v1/jobs/$JOB/events" -H "$A" -H "$H" --data-binary \
    "$(cat "$T/ev23")
finish result=success last=3 sha256=$sha
"
is "$code" 412 "a batch after a gap with its finish: 412"
like "$body" "reason=incomplete .*have= missing=1-3$" "  listing what is missing"
is "$(report_state)" running "  the job runs on"
f0=$(metric 'bb_hub_flushes_total{file="database"}')
l0=$(metric 'bb_hub_flushes_total{file="log"}')
hub_req POST "/v1/jobs/$JOB/events" -H "$A" -H "$H" --data-binary \
    "$(cat "$T/ev")
finish result=success last=3 sha256=$sha reason=all%20good
"
is "$code" 200 "the whole batch with its finish: 200"
is "$body" "ack stored=3 dup=0 upto=3 ttl=30 state=running
finished id=$JOB attempt=$ATTEMPT result=success" "  the ack, then the finished record"
is "$(report_state)" success "  the job is finished"
is "$(report_log | sed 's/ seq=.*//')" "$(sed 's/ seq=.*//' "$T/ev")" \
    "  its log holds the batch"
is "$(($(metric 'bb_hub_flushes_total{file="database"}') - f0))" 1 \
    "  one flush of the database (the finish: the batch is not lazy)"
is "$(($(metric 'bb_hub_flushes_total{file="log"}') - l0))" 1 \
    "  and one of the log"
hub_req POST "/v1/jobs/$JOB/events" -H "$A" -H "$H" --data-binary \
    "finish result=success last=3 sha256=$sha
"
is "$code" 409 "a finish in a batch after the finish: 409, as events are"

# bb-report: one call for the end with a hub of version 4.
B=$T/base
mkdir "$B"
for v in 4 3; do
	report_claim || { hub_diag; exit 1; }
	sed -i "s/ protocol=[0-9]*//; s/^session /session protocol=$v /" \
	    "$T/session.rec"
	{
		echo 'status step=build state=started t=1.000'
		report_lines 1 20
		echo 'status step=build state=finished t=2 rc=0 elapsed=1 result=success'
		echo 'done result=success started=1 elapsed=1'
	} >"$T/build"
	report_input "$T/in" "$T/build"
	r0=$(metric 'bb_hub_requests_total{code="200"}')
	run bb-report -b "$B" <"$T/in"
	r1=$(metric 'bb_hub_requests_total{code="200"}')
	is "$rc.$err" "0." "bb-report, hub of bb-protocol $v: exit 0"
	is "$(report_state)" success "  the job ends success"
	report_want "$T/in" >"$T/want"
	report_log >"$T/got"
	same "$T/want" "$T/got" "  each record once, in order"
	# r1 counts the metrics call that read r0.
	if [ "$v" = 4 ]; then
		is "$((r1 - r0 - 1))" 1 "  one call: the records and the finish"
	else
		is "$((r1 - r0 - 1))" 2 "  two calls: the records, then the finish"
	fi
	is "$(ls -A "$B/spool")" "" "  the spool is removed"
done

hub_done
