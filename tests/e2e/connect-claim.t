#!/bin/sh
# bb-connect and bb-claim against a real bb-hub on the loopback: hello,
# shellcheck disable=SC2154,SC2034  # rc, out, err, body, RUN_ENV: tests/lib.sh, hub.sh
# secrets, tokens, jobs with their recipes, declines, the disk, signals,
# TLS with a CA made here.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/fakehub.sh"

hub_init
hub_add_worker w1
hub_add_worker w2
hub_start -K 5 -L 15 -W 5
ADM="Authorization: Bearer $HUB_ADMIN"
state() {	# state JOB: the job's state on the hub
	hub_req GET "/v1/admin/jobs/$1" -H "$ADM"
	printf '%s\n' "$body" | head -1 | rec_get state
}

# Hello: a good secret, a wrong one.
run bb-connect -p -H "$HUB_URL/" -n w1 -s "$T/w1.secret" -c cc -j 2
is "$rc" 0 "hello with the right secret: exit 0"
like "$out" "^session hub=$HUB_URL worker=w1 token=[0-9a-f]* keepalive=5 ttl=15 wait=5 .*slots=2 caps=linux,.*,cc\$" \
    "the session record"
printf '%s\n' "$out" > "$T/w1.s"
hub_req GET /v1/admin/workers -H "$ADM"
like "$(printf '%s\n' "$body" | grep 'name=w1')" \
    "caps=linux,.*,cc slots=2 version=[0-9.]* os=linux arch=" \
    "the hub knows the worker's caps, slots, version, os, arch"
printf 'not-the-secret\n' > "$T/wrong"
chmod 600 "$T/wrong"
run bb-connect -p -H "$HUB_URL" -n w1 -s "$T/wrong"
is "$rc" 77 "a wrong secret: exit 77"
like "$err" "^bb-connect: worker w1: name or secret refused: POST $HUB_URL/v1/hello: status 401" \
    "a wrong secret: a clear message"
is "$out" "" "a wrong secret: no session"
run bb-connect -p -H "$HUB_URL" -n nobody -s "$T/w1.secret"
is "$rc" 77 "an unknown worker: exit 77"
nowhere "the secret is in no output and not in the hub's log" \
    "$(cat "$T/w1.secret")" "$T/out" "$T/err" "$HUB_LOG"

# No job: --once returns 69 after one poll.
run sh -c 'exec bb-claim --once -w 1 < "$1"' sh "$T/w1.s"
is "$rc" 69 "--once, no job: exit 69"
is "$out$err" "" "--once, no job: no output"

# A job with its recipe, then the input.
hub_submit 'job hello
require linux cc
env CFLAGS=-O2 -Wall
step build: make
collect hello'
J1=$JOB
run sh -c 'exec bb-claim --once < "$1"' sh "$T/w1.s"
is "$rc" 0 "a job: exit 0"
line1=$(printf '%s\n' "$out" | sed -n 1p)
like "$line1" "^job id=$J1 lease=[^ ]* name=hello attempt=1 " "the job record"
like "$line1" " source=/v1/jobs/$J1/source" "  with its source"
like "$line1" " size=[0-9]* sha256=[0-9a-f]\{64\}" "  its size and sha256"
is "$(printf '%s\n' "$out" | sed 1d)" "recipe name=hello require=linux,cc
env name=CFLAGS value=-O2%20-Wall
step name=build cmd=make
collect glob=hello
$(cat "$T/w1.s")" "its recipe, then the session passed on"
is "$(state "$J1")" running "the job runs under the claim's lease"

# The stages fit: bb-connect | bb-claim.
hub_submit 'job piped
step build: true'
run sh -c 'bb-connect -p -H "$1" -n w1 -s "$2" | bb-claim --once' sh \
    "$HUB_URL" "$T/w1.secret"
is "$rc" 0 "bb-connect | bb-claim: exit 0"
like "$out" "^job id=$JOB .* name=piped " "bb-connect | bb-claim: the job"

# A job that needs what the worker does not offer: declined, and it
# stays queued for another worker.
hub_submit 'job gpu
require linux gpu
step build: true'
J2=$JOB
run bb-connect -p -H "$HUB_URL" -n w1 -s "$T/w1.secret" -c gpu
printf '%s\n' "$out" > "$T/w1gpu.s"
run sh -c 'exec bb-claim --once -c "" < "$1"' sh "$T/w1gpu.s"
is "$rc" 69 "lacking gpu, --once: exit 69"
is "$err" "bb-claim: declining job $J2 (gpu): lacks capability gpu" \
    "lacking gpu: says why"
is "$out" "" "lacking gpu: nothing on stdout"
is "$(state "$J2")" queued "the declined job is queued again"
hub_req GET "/v1/admin/jobs/$J2" -H "$ADM"
like "$body" "attempt n=1 worker=w1 .*end=declined" "the hub saw the decline"
run sh -c 'exec bb-claim --once -w 1 < "$1"' sh "$T/w1gpu.s"
is "$rc" 69 "the job is not offered again to the worker that declined it"
run bb-connect -p -H "$HUB_URL" -n w2 -s "$T/w2.secret" -c gpu
printf '%s\n' "$out" > "$T/w2.s"
run sh -c 'exec bb-claim --once < "$1"' sh "$T/w2.s"
is "$rc" 0 "another worker with gpu takes it"
like "$out" "^job id=$J2 .* attempt=2 " "as its second attempt"

# Too little disk: no claim, the job stays queued for later.
hub_submit 'job disk
step build: true'
J3=$JOB
run sh -c 'exec bb-claim --once -b "$2" --min-free 1000T < "$1"' sh \
    "$T/w2.s" "$T"
is "$rc" 69 "--min-free not met: exit 69"
like "$err" "not claiming: .* free under $T, at least 1.0P wanted" \
    "--min-free: says why"
is "$(state "$J3")" queued "--min-free: the job stays queued"
run sh -c 'exec bb-claim --once -b "$2" < "$1"' sh "$T/w2.s" "$T"
is "$rc" 0 "with room on the disk, the same worker takes it"
like "$out" "^job id=$J3 " "the job"

# TERM while the claim is parked on the hub: exits at once, no output,
# and a job queued afterwards is not lost.
bb-claim < "$T/w2.s" > "$T/bg.out" 2> "$T/bg.err" &
pid=$!
hub_wait_parked 1
ok $? "the claim is parked on the hub"
t0=$(now_ms)
kill -TERM "$pid"
wait "$pid" 2>/dev/null && rc=0 || rc=$?
t1=$(now_ms)
is "$rc" 143 "TERM while parked: killed by TERM"
ok "$([ $((t1 - t0)) -lt 5000 ]; echo $?)" "TERM while parked: at once ($((t1 - t0)) ms)"
is "$(cat "$T/bg.out" "$T/bg.err")" "" "TERM while parked: no output"
# The worker's shutdown stamp in -b ends the parked claim as TERM does.
mkdir "$T/home"
bb-claim -b "$T/home" --min-free 1 < "$T/w2.s" > "$T/bg.out" 2> "$T/bg.err" &
pid=$!
hub_wait_parked 1
ok $? "a claim with -b is parked on the hub"
t0=$(now_ms)
touch "$T/home/shutdown.stamp"
wait "$pid" 2>/dev/null && rc=0 || rc=$?
t1=$(now_ms)
is "$rc" 143 "the shutdown stamp: ended as by TERM"
ok "$([ $((t1 - t0)) -lt 5000 ]; echo $?)" \
    "the shutdown stamp: within seconds ($((t1 - t0)) ms)"
is "$(cat "$T/bg.out" "$T/bg.err")" "" "the shutdown stamp: no output"
# And bb-connect that waits for an absent hub.
bb-connect -p -H "http://127.0.0.1:$("$BB_BUILD/tests/tools/freeport")" \
    -n w1 -s "$T/w1.secret" -b "$T/home" --maxdelay 60 \
    > "$T/bg.out" 2> "$T/bg.err" &
pid=$!
wait_for 10 grep -q 'trying again' "$T/bg.err"
ok $? "bb-connect waits for an absent hub"
wait "$pid" 2>/dev/null && rc=0 || rc=$?
is "$rc:$(cat "$T/bg.out")" "143:" "the shutdown stamp ends it as TERM does"
rm -f "$T/home/shutdown.stamp"
hub_submit 'job after
step build: true'
J4=$JOB
run sh -c 'exec bb-claim --once < "$1"' sh "$T/w2.s"
is "$rc" 0 "the next claim works"
like "$out" "^job id=$J4 .* attempt=1 " "and gets the job, attempt 1"

# Without --once, a claim waits for a job that comes later.
bb-claim < "$T/w2.s" > "$T/bg.out" 2> "$T/bg.err" &
pid=$!
hub_wait_parked 1
hub_submit 'job later
step build: true'
J5=$JOB
wait "$pid" 2>/dev/null && rc=0 || rc=$?
is "$rc" 0 "a waiting claim gets the job submitted later"
like "$(head -1 "$T/bg.out")" "^job id=$J5 " "the later job"

# An unknown or ended session: 77.
sed 's/token=[^ ]*/token=0123abcd/' "$T/w2.s" > "$T/bad.s"
run sh -c 'exec bb-claim --once < "$1"' sh "$T/bad.s"
is "$rc" 77 "an unknown token: exit 77"
like "$err" "status 401: .*(the session ended: connect again)" \
    "an unknown token: says to connect again"
hub_req DELETE /v1/admin/workers/w2 -H "$ADM"
is "$code" 200 "w2 removed"
run sh -c 'exec bb-claim --once < "$1"' sh "$T/w2.s"
is "$rc" 77 "the session of a removed worker: exit 77"

# The hub is down: 75 after the retries.
hub_stop
run sh -c 'exec bb-claim --once --maxdelay 1 < "$1"' sh "$T/w1.s"
is "$rc" 75 "hub down, --once: exit 75"
run bb-connect -p -H "$HUB_URL" -n w1 -s "$T/w1.secret" --maxretries 1 \
    --maxdelay 1
is "$rc" 75 "hub down, bb-connect: exit 75"
like "$err" "trying again in 1 s" "hub down, bb-connect: retried"

# TLS: a CA made here.
fakehub_ca
ok $? "a test CA and a hub certificate"
HUB_LISTEN=https://127.0.0.1:0
hub_start -c "$T/srv.pem" -k "$T/srv.key" -K 5 -W 5
run bb-connect -H "$HUB_URL" -n w1 -s "$T/w1.secret" --maxretries 0
is "$rc" 75 "https, a CA the worker does not trust: exit 75"
like "$err" "the TLS certificate of 127.0.0.1 cannot be verified" \
    "https, untrusted: the message names the host"
run bb-connect -H "$HUB_URL" -n w1 -s "$T/w1.secret" --ca "$T/ca.pem"
is "$rc" 0 "https with --ca: exit 0"
printf '%s\n' "$out" > "$T/tls.s"
hub_submit 'job tls
step build: true'
run sh -c 'exec bb-claim --once < "$1"' sh "$T/tls.s"
is "$rc" 0 "bb-claim over https with the session's ca: exit 0"
like "$out" "^job id=[0-9]* lease=" "a job over https (the removed worker's went back to the queue)"

done_testing
