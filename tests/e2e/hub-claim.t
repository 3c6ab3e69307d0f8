#!/bin/sh
# shellcheck disable=SC2154  # rc, out, err: set by run in tests/lib.sh
# bb-hub: hello, claims matched on capabilities, long polls, decline.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"

hub_init
hub_add_worker w1
hub_add_worker w2
hub_start -K 2 -L 6 -W 10
test -p "$HUB_DIR/wake"
ok $? "serve makes its doorbell, a FIFO, for bb-hub submit to ring"
is "$(stat -c %a "$HUB_DIR/wake")" 600 "mode 0600"

# The version of bb-protocol(7): the newest both speak, or a refusal that
# says what to upgrade.
W1="w1:$(cat "$T/w1.secret")"
hub_req POST /v1/hello -u "$W1" --data-binary 'hello caps=linux
'
like "$body" ' protocol=1$' "a worker of the first release (no protocol): 1"
hub_req POST /v1/hello -u "$W1" --data-binary 'hello protocol=2 protocol_min=1
'
like "$body" ' protocol=2$' "a worker of an older release: 2"
hub_req POST /v1/hello -u "$W1" --data-binary 'hello protocol=3 protocol_min=1
'
like "$body" ' protocol=3$' "a worker of the release before: 3"
hub_req POST /v1/hello -u "$W1" --data-binary 'hello protocol=4 protocol_min=1
'
like "$body" ' protocol=4$' "a worker of this release: 4"
hub_req POST /v1/hello -u "$W1" --data-binary 'hello protocol=5 protocol_min=4
'
like "$body" ' protocol=4$' "a worker of the next release: 4, its oldest"
hub_req POST /v1/hello -u "$W1" --data-binary 'hello protocol=9 protocol_min=8
'
is "$code" 400 "a worker that speaks only newer versions: 400"
is "$body" "error status=400 reason=protocol msg=the%20worker%20speaks\
%20bb-protocol%208%20to%209,%20this%20hub%201%20to%204:%20upgrade%20the%20hub" \
    "  which says to upgrade the hub"
like "$(cat "$HUB_LOG")" "hello from w1 refused: .*upgrade the hub" \
    "  in the hub's log too"
hub_req POST /v1/hello -u "$W1" --data-binary 'hello protocol=1 protocol_min=2
'
like "$code $body" "^400 .*reason=malformed .*protocol_min=2%20is%20above" \
    "an empty range: 400"
hub_req POST /v1/hello -u "$W1" --data-binary 'hello protocol=x
'
is "$code" 400 "protocol=x: 400"

# hello
hub_hello w1 linux,x86_64
ok $? "hello with the right secret gives a session"
like "$(cat "$T/w1.session")" '^session worker=w1 token=[0-9a-f]\{64\} keepalive=2 ttl=6 wait=10' \
    "the session record has token, keepalive, ttl and wait"
A1="Authorization: Bearer $TOKEN"
hub_hello w2 linux,x86_64,docker
A2="Authorization: Bearer $TOKEN"
hub_req POST /v1/hello -u w1:0000 --data-binary 'hello caps=linux
'
is "$code" 401 "hello with a wrong secret: 401"
like "$body" '^error status=401 reason=unauthorized msg=' "as an error record"
hub_req POST /v1/hello -u nobody:x --data-binary 'hello
'
is "$code" 401 "hello as an unknown worker: 401"
hub_req POST /v1/hello --data-binary 'hello
'
is "$code" 401 "hello without credentials: 401"
hub_req POST /v1/claim -H "Authorization: Bearer 0123"
is "$code" 401 "a claim with an unknown token: 401"

# Capabilities: w1 lacks docker.
hub_submit 'job needsdocker
require linux docker
step build: make'
J1=$JOB
hub_req POST "/v1/claim?wait=0" -H "$A1"
is "$code" 204 "a job that needs docker is not given to w1 (204)"
hub_req POST "/v1/claim?wait=0" -H "$A2"
is "$code" 200 "it is given to w2, which has docker"
like "$body" "^job id=$J1 lease=[0-9a-f]* name=needsdocker attempt=1 size=[0-9]* sha256=[0-9a-f]\{64\} source=/v1/jobs/$J1/source" \
    "the job record: id, lease, name, attempt, size, sha256, source"
like "$body" '^step name=build cmd=make$' "the recipe follows as records"

# A long poll answers within a second of a submit (generous bound: 5 s).
curl -sS -o "$T/poll" -w '%{http_code}' -X POST -H "$A1" \
    "$HUB_URL/v1/claim?wait=10" >"$T/poll.code" &
P=$!
hub_wait_parked 1 && r=0 || r=1
ok $r "the claim is parked"
t0=$(now_ms)
hub_submit 'job quick
require linux
step build: true'
J2=$JOB
wait $P
t1=$(now_ms)
is "$(cat "$T/poll.code")" 200 "the parked claim gets the new job"
like "$(head -1 "$T/poll")" "^job id=$J2 " "the job just submitted"
ok $(( t1 - t0 < 5000 ? 0 : 1 )) "within a second or so of the submit ($((t1 - t0)) ms)"
diag "submit to answer: $((t1 - t0)) ms"
L2=$(rec_get lease <"$T/poll")

# A wait with nothing ends with 204.
t0=$(now_ms)
hub_req POST "/v1/claim?wait=1" -H "$A1"
t1=$(now_ms)
is "$code" 204 "a wait that ends with nothing: 204"
ok $(( t1 - t0 >= 900 ? 0 : 1 )) "after the wait ($((t1 - t0)) ms)"

# Decline: the job goes to another worker, never back to w1.
hub_req POST "/v1/jobs/$J2/decline" -H "$A1" -H "Bb-Lease: $L2" \
    --data-binary 'decline reason=no%20disk
'
is "$code" 200 "w1 declines the job"
is "$body" "declined id=$J2" "declined record"
hub_req POST "/v1/jobs/$J2/decline" -H "$A1" -H "Bb-Lease: $L2"
is "$code" 200 "declining again is harmless"
hub_req POST "/v1/claim?wait=0" -H "$A1"
is "$code" 204 "the declined job is not offered to w1 again"
hub_req POST "/v1/claim?wait=0" -H "$A2"
is "$code" 200 "it goes to w2"
like "$body" "^job id=$J2 .*attempt=2" "as attempt 2"
hub_req POST "/v1/jobs/$J2/events" -H "$A1" -H "Bb-Lease: $L2" \
    --data-binary ''
is "$code" 409 "w1's old lease is refused (409)"
like "$body" 'reason=stale-lease' "as a stale lease"

# A claim whose client went away before the answer: the job is not lost.
curl -sS -o /dev/null -X POST -H "$A1" "$HUB_URL/v1/claim?wait=10" &
P=$!
hub_wait_parked 1 || diag "no claim parked"
kill "$P"
wait "$P" 2>/dev/null
hub_wait_parked 0 && r=0 || r=1
ok $r "the hub drops a parked claim whose client has gone"
hub_submit 'job orphan
require linux
step build: true'
J3=$JOB
hub_req POST "/v1/claim?wait=5" -H "$A1"
is "$code" 200 "the next claim gets the job"
like "$body" "^job id=$J3 .*attempt=1 " "as its first attempt"

# A submit through the admin API with a claim parked: the job is handed
# out in the submit's own transaction, so one flush to disk serves both,
# and both answers come after it.
flushes() {
	curl -sS -H "Authorization: Bearer $HUB_METRICS" "$HUB_URL/metrics" |
	    awk '$1 == "bb_hub_flushes_total{file=\"database\"}" { print $2 }'
}
hub_add_worker w3
hub_hello w3 linux,api
A3="Authorization: Bearer $TOKEN"
tar -czf "$T/src.tar.gz" -C "$T/src" .
hub_req POST /v1/admin/sources -H "Authorization: Bearer $HUB_ADMIN" \
    --data-binary @"$T/src.tar.gz"
SRC=$(printf '%s\n' "$body" | rec_get sha256)
curl -sS -o "$T/poll" -w '%{http_code}' -X POST -H "$A3" \
    "$HUB_URL/v1/claim?wait=10" >"$T/poll.code" &
P=$!
hub_wait_parked 1 && r=0 || r=1
ok $r "a claim is parked"
f0=$(flushes)
hub_req POST /v1/admin/jobs -H "Authorization: Bearer $HUB_ADMIN" \
    --data-binary "submit source=$SRC force=1
recipe name=api require=api
step name=build cmd=true
"
is "$code" 201 "a submit through the admin API"
J4=$(printf '%s\n' "$body" | rec_get id)
wait $P
is "$(cat "$T/poll.code")" 200 "  the parked claim gets its job"
like "$(head -1 "$T/poll")" "^job id=$J4 " "  the job just submitted"
is "$(($(flushes) - f0))" 1 "  one flush to disk for the submit and the claim"

# What a worker said at hello, for people: bb-hub workers.
hub_req POST /v1/hello -u "w2:$(cat "$T/w2.secret")" --data-binary \
    'hello version=9.8.7 os=Linux arch=x86_64 slots=4 caps=linux,x86_64,docker
info name=access_uri value=ssh://builder.example.org
info name=admin value=Ada%20<ada@example.org>
tool name=cc version=12.2.0 path=/usr/bin/cc
tool name=make version=4.3
'
is "$code" 200 "a hello with info and tools"
run bb-hub workers -d "$HUB_DIR"
like "$out" "^w2  *yes  *4  *9.8.7  *20[0-9-]* [0-9:]*Z  *[0-9,-]*  *linux,x86_64,docker$" \
    "bb-hub workers: slots, version, last seen, caps"
like "$out" "^    access_uri ssh://builder.example.org$" "  the access_uri"
like "$out" "^    admin      Ada <ada@example.org>$" "  the admin"
like "$out" "^    tools      cc=12.2.0,make=4.3$" "  the tools' versions"
run bb-hub workers -r -d "$HUB_DIR"
like "$out" "^worker name=w2 .* info.access_uri=ssh://builder.example.org .*tools=cc=12.2.0,make=4.3" \
    "  and as records"

# Another hub on the same port.
set +e
bb-hub serve -l "$HUB_URL" "$T/hub" 2>"$T/busy"
is "$?" 69 "serving on a port in use: exit 69"
like "$(cat "$T/busy")" "cannot listen on $HUB_URL" "saying so"

# Shut down with a parked claim: it is answered, the hub exits 0.
curl -sS -o "$T/stop" -w '%{http_code}' -X POST -H "$A2" \
    "$HUB_URL/v1/claim?wait=10" >"$T/stop.code" &
P=$!
hub_wait_parked 1 || diag "no claim parked"
r=0
hub_stop || r=$?
is "$r" 0 "bb-hub exits 0 on SIGTERM"
wait "$P"
is "$(cat "$T/stop.code")" 503 "the parked claim is answered 503 at stop"
like "$(cat "$HUB_LOG")" 'bb-hub: stopped' "and it says so"
hub_done
