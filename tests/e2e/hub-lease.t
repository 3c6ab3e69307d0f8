#!/bin/sh
# shellcheck disable=SC2154  # rc, out, err: set by run in tests/lib.sh
# bb-hub: leases renewed by reports, expired leases fenced off, attempts,
# cancel, and a restart in the middle of a job.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"

hub_init
hub_add_worker w1
hub_add_worker w2
hub_start -K 1 -L 4 -A 2
hub_hello w1 linux
A1="Authorization: Bearer $TOKEN"
hub_hello w2 linux
A2="Authorization: Bearer $TOKEN"

state() {	# state JOB: the job's state and attempt
	bb-hub jobs -r -d "$HUB_DIR" -n 1000 |
	    awk -v id="id=$1" '$2 == id { print $4, $5 }'
}

# Reports renew the lease: a worker that reports whenever half of its
# lease is spent (the ttl of the hub's last answer) keeps its job 1 s past
# the end of the first lease (4 s).  That an unrenewed lease runs out is
# the next test.
hub_submit 'job renewed
require linux
step build: true'
J=$JOB
end=$(($(now_ms) + 5000))
hub_claim "$A1" 0
L=$LEASE
next=$(now_ms)
n=0
while [ "$(now_ms)" -lt "$end" ]; do
	wait_for 30 past "$((next < end ? next : end))"
	n=$((n + 1))
	hub_req POST "/v1/jobs/$J/events" -H "$A1" -H "Bb-Lease: $L" \
	    --data-binary "beat step=build t=$n seq=$n
"
	[ "$code" = 200 ] || break
	ttl=$(printf '%s\n' "$body" | rec_get ttl)
	next=$(($(now_ms) + ${ttl:-0} * 500))
done
is "$code" 200 "reports kept being accepted ($n reports)"
is "$ttl" 4 "each renews the lease for 4 s"
is "$(state "$J")" "state=running attempt=1" "the lease did not run out while renewed"
sha=$(bb-hub log -r -d "$HUB_DIR" "$J" | sha256sum | cut -c1-64)
hub_req POST "/v1/jobs/$J/finish" -H "$A1" -H "Bb-Lease: $L" \
    --data-binary "finish result=success last=$n sha256=$sha
"
is "$code" 200 "and the job finished"
hub_req GET /metrics -H "Authorization: Bearer $HUB_METRICS"
like "$body" '^bb_hub_lease_expiries_total 0$' "no lease ran out"
hub_stop
hub_start -K 1 -L 2 -A 2

# A lease that runs out: attempt 2, the old lease fenced off.
hub_submit 'job flaky
require linux
step build: true'
J=$JOB
hub_claim "$A1" 0
L1=$LEASE
hub_req POST "/v1/jobs/$J/events" -H "$A1" -H "Bb-Lease: $L1" \
    --data-binary 'log step=build fd=1 t=1 data=first seq=1
'
is "$code" 200 "attempt 1 reports"
wait_for 20 sh -c "bb-hub jobs -r -d '$HUB_DIR' -s queued | grep -q 'id=$J '" && r=0 || r=1
ok $r "its lease runs out: the job is back in the queue"
hub_req POST "/v1/claim?wait=5" -H "$A2"
is "$code" 200 "w2 claims it"
like "$body" "^job id=$J .*attempt=2" "as attempt 2"
L2=$(printf '%s\n' "$body" | rec_get lease)
ok "$([ "$L1" != "$L2" ]; echo $?)" "under a new lease"
hub_req POST "/v1/jobs/$J/events" -H "$A1" -H "Bb-Lease: $L1" \
    --data-binary 'log step=build fd=1 t=2 data=late seq=2
'
is "$code" 409 "a late report under the old lease: 409"
like "$body" '^error status=409 reason=stale-lease msg=' "refused as a stale lease"
sha=$(printf 'log step=build fd=1 t=1 data=first seq=1\n' | sha256sum | cut -c1-64)
hub_req POST "/v1/jobs/$J/finish" -H "$A1" -H "Bb-Lease: $L1" \
    --data-binary "finish result=success last=1 sha256=$sha
"
is "$code" 409 "the old lease cannot finish the job"
is "$(bb-hub log -r -d "$HUB_DIR" "$J")" "" "attempt 2's log is its own"
is "$(bb-hub log -r -a 1 -d "$HUB_DIR" "$J")" \
    "log step=build fd=1 t=1 data=first seq=1" "attempt 1's log is kept"
wait_for 20 sh -c "bb-hub jobs -r -d '$HUB_DIR' -s error | grep -q 'id=$J '" && r=0 || r=1
ok $r "attempt 2 of 2 runs out too: the job fails"
like "$(bb-hub show -r -d "$HUB_DIR" "$J" | head -1)" 'reason=lease%20expired%20on%20attempt%202%20of%202' \
    "with a clear reason"
hub_req GET /metrics -H "Authorization: Bearer $HUB_METRICS"
like "$body" '^bb_hub_lease_expiries_total 2$' "metrics count the expiries"

# Cancel: seen by the worker's next report.
hub_submit 'job cancelme
require linux
step build: sleep 100'
J=$JOB
hub_claim "$A1" 0
L=$LEASE
run bb-hub cancel -d "$HUB_DIR" "$J"
is "$rc:$err" "0:" "bb-hub cancel"
hub_req POST "/v1/jobs/$J/events" -H "$A1" -H "Bb-Lease: $L" \
    --data-binary 'beat step=build t=1 seq=1
'
is "$code" 410 "the next report is refused: 410"
like "$body" '^error status=410 reason=cancelled msg=job%20' "as cancelled"
is "$(state "$J")" "state=cancelled attempt=1" "the job is cancelled"
run bb-hub cancel -d "$HUB_DIR" "$J"
is "$rc" 0 "cancelling it again is harmless"
hub_req POST "/v1/admin/jobs/1/cancel" -H "Authorization: Bearer $HUB_ADMIN"
is "$code" 409 "cancelling a finished job through the API: 409"
run bb-hub cancel -d "$HUB_DIR" 1
is "$rc" 65 "and with bb-hub cancel: exit 65"
like "$err" "^bb-hub: job 1 has ended already (success)$" "saying why"

# A restart in the middle of a job: nothing is lost, the worker goes on.
hub_stop
hub_start -K 1 -L 10
hub_submit 'job survivor
require linux
step build: true'
J=$JOB
hub_submit 'job waiting
require linux
step build: true'
Q=$JOB
hub_claim "$A1" 0
L=$LEASE
printf 'log step=build fd=1 t=1 data=before seq=1\n' >"$T/r1"
printf 'log step=build fd=1 t=2 data=after seq=2\n' >"$T/r2"
hub_req POST "/v1/jobs/$J/events" -H "$A1" -H "Bb-Lease: $L" \
    --data-binary @"$T/r1"
before=$(bb-hub jobs -r -d "$HUB_DIR" -n 1000)
r=0
hub_stop || r=$?
is "$r" 0 "the hub stops"
hub_start -K 1 -L 10
is "$(bb-hub jobs -r -d "$HUB_DIR" -n 1000)" "$before" \
    "every job is kept, as it was"
hub_req POST "/v1/jobs/$J/events" -H "$A1" -H "Bb-Lease: $L" \
    --data-binary @"$T/r2"
is "$code:$body" "200:ack stored=1 dup=0 upto=2 ttl=10 state=running" \
    "the worker goes on with its session and lease"
sha=$(cat "$T/r1" "$T/r2" | sha256sum | cut -c1-64)
hub_req POST "/v1/jobs/$J/finish" -H "$A1" -H "Bb-Lease: $L" \
    --data-binary "finish result=success last=2 sha256=$sha
"
is "$code:$body" "200:finished id=$J attempt=1 result=success" "and finishes it"
hub_req POST "/v1/claim?wait=0" -H "$A2"
like "$body" "^job id=$Q " "the queued job is still queued and handed out"
hub_done
