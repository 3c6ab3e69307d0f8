#!/bin/sh
# bb-claim against a canned hub (nginx): jobs, no job, declines, disk,
# shellcheck disable=SC2154,SC2034  # rc, out, err, body, RUN_ENV: tests/lib.sh, hub.sh
# refused tokens, a hub that is down or silent, signals.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/fakehub.sh"

SHA=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
JOB="job id=7 lease=L7 name=hello attempt=1 source=/v1/jobs/7/source size=10 sha256=$SHA ttl=90 keepalive=30"
A='if ($http_authorization != "Bearer T0K3N") { return 401 "error status=401 reason=unauthorized msg=unknown%20session\n"; }'
fakehub_start hub <<EOF || exit 1
location = /job/v1/claim {
	$A
	return 200 "$JOB\nrecipe name=hello require=linux,cc\nstep name=build cmd=make\ncollect glob=hello\n";
}
location = /gpu/v1/claim {
	$A
	return 200 "$JOB\nrecipe name=hello require=linux,gpu\nstep name=build cmd=make\n";
}
location = /gpu/v1/jobs/7/decline {
	$A
	if (\$http_bb_lease != "L7") { return 409 "error status=409\n"; }
	proxy_pass http://127.0.0.1:@PORT@/canned/declined;
}
location = /none/v1/claim { $A return 204; }
location = /garbage/v1/claim { $A return 200 "job id=7\n"; }
location = /canned/declined { return 200 "declined id=7\n"; }
EOF
H=$FAKEHUB
session() {	# session PREFIX [extra keys]
	printf 'session hub=%s/%s worker=w1 token=T0K3N keepalive=30 ttl=90 wait=1 slots=1 caps=linux,cc%s\n' \
	    "$H" "$1" "${2:-}"
}
claims() { grep -c "^POST /$1/v1/claim" "$FAKEHUB_LOG"; }

run bb-claim -x
is "$rc" 64 "unknown option: exit 64"
like "$err" "^usage: bb-claim \[-b basedir\]" "usage on stderr"

# A job: the job record, its recipe, then the input.
session job > "$T/s"
printf 'note x=1\n' >> "$T/s"
run sh -c 'exec bb-claim < "$1"' sh "$T/s"
is "$rc" 0 "a job: exit 0"
is "$out" "$JOB
recipe name=hello require=linux,cc
step name=build cmd=make
collect glob=hello
$(cat "$T/s")" "the job, its recipe, then the input passed on"
is "$err" "" "a job: nothing on stderr"
fakehub_wait '^POST /job/v1/claim' 1
like "$(grep '^POST /job/v1/claim' "$FAKEHUB_LOG" | tail -1)" \
    "^POST /job/v1/claim?wait=1 200 auth=Bearer T0K3N lease=-" \
    "claimed with the session's wait and token, no lease"
run sh -c 'exec bb-claim -w 2m --once < "$1"' sh "$T/s"
is "$rc" 0 "-w 2m --once: exit 0"
fakehub_wait '^POST /job/v1/claim' 2
like "$(grep '^POST /job/v1/claim' "$FAKEHUB_LOG" | tail -1)" \
    "^POST /job/v1/claim?wait=120 " "-w sets the wait"
run sh -c 'bb-claim < "$1" > /dev/full' sh "$T/s"
is "$rc $err" "74 bb-claim: stdout: No space left on device" \
    "stdout on /dev/full: exit 74"

# Bad input.
run sh -c 'echo "note x=1" | bb-claim'
is "$rc $err" "65 bb-claim: stdin: no session record (bb-connect(1) prints one)" \
    "no session record: exit 65"
run sh -c 'printf "note x=1\nBAD\n" | bb-claim'
is "$rc" 65 "a malformed line: exit 65"
like "$err" "line 2" "a malformed line: named"
run sh -c 'echo "session hub=http://127.0.0.1:1 wait=1" | bb-claim'
is "$rc $err" "65 bb-claim: stdin: session record: no token" \
    "a session without a token: exit 65"

# No job.
session none > "$T/none"
t0=$(now_ms)
run sh -c 'exec bb-claim --once < "$1"' sh "$T/none"
t1=$(now_ms)
is "$rc" 69 "--once and no job: exit 69"
is "$out$err" "" "--once and no job: no output"
ok "$([ $((t1 - t0)) -lt 10000 ]; echo $?)" "--once and no job: quickly ($((t1 - t0)) ms)"
fakehub_wait '^POST /none/v1/claim' 1
is "$(claims none)" 1 "--once polls once"

# Without --once it polls again; TERM stops it, printing nothing.
n0=$(claims none)
bb-claim < "$T/none" > "$T/bg.out" 2> "$T/bg.err" &
pid=$!
wait_for 30 sh -c "[ \$(grep -c '^POST /none/v1/claim' '$FAKEHUB_LOG') -ge $((n0 + 3)) ]" &&
    r=0 || r=1
ok $r "a 204 is not an error: it polls again"
kill -TERM "$pid"
wait "$pid" 2>/dev/null && rc=0 || rc=$?
is "$rc" 143 "TERM between polls: killed by TERM"
is "$(cat "$T/bg.out" "$T/bg.err")" "" "TERM between polls: no output"

# A refused token.
session job | sed 's/T0K3N/WRONG/' > "$T/bad"
run sh -c 'exec bb-claim --once < "$1"' sh "$T/bad"
is "$rc" 77 "a refused token: exit 77"
is "$err" "bb-claim: POST $H/job/v1/claim: status 401: unknown session (the session ended: connect again)" \
    "a refused token: the message says to connect again"
is "$out" "" "a refused token: nothing on stdout"

# The hub answers garbage.
session garbage > "$T/g"
run sh -c 'exec bb-claim --once < "$1"' sh "$T/g"
is "$rc" 76 "a job record without a lease: exit 76"
like "$err" "claim answer line 1: job record without size" \
    "the message says what"

# Requirements the worker lacks: declined, with the lease, and why.
session gpu > "$T/gpu"
run sh -c 'exec bb-claim --once < "$1"' sh "$T/gpu"
is "$rc" 69 "a job needing gpu, --once: exit 69"
is "$out" "" "a declined job is not printed"
is "$err" "bb-claim: declining job 7 (hello): lacks capability gpu" \
    "the decline says why"
fakehub_wait '^POST /gpu/v1/jobs/7/decline' 1
like "$(grep '^POST /gpu/v1/jobs/7/decline' "$FAKEHUB_LOG" | tail -1)" \
    "^POST /gpu/v1/jobs/7/decline 200 auth=Bearer T0K3N lease=L7 body=decline reason=lacks%20capability%20gpu" \
    "declined under the job's lease, with the reason"
run sh -c 'exec bb-claim --once -c gpu < "$1"' sh "$T/gpu"
is "$rc" 0 "-c gpu: the job is taken"
like "$out" "^job id=7 " "-c gpu: the job is printed"
fakehub_wait '^POST /gpu/v1/claim' 2
n0=$(claims gpu)
bb-claim < "$T/gpu" > "$T/bg.out" 2> "$T/bg.err" &
pid=$!
wait_for 30 sh -c "[ \$(grep -c '^POST /gpu/v1/claim' '$FAKEHUB_LOG') -ge $((n0 + 2)) ]" &&
    r=0 || r=1
ok $r "without --once, it polls again after a decline"
kill -INT "$pid"
wait "$pid" 2>/dev/null && rc=0 || rc=$?
is "$rc" 130 "INT: killed by INT"
is "$(cat "$T/bg.out")" "" "INT: nothing on stdout"

# Too little disk: no claim at all.
fakehub_wait '^POST /job/v1/claim' 3
n0=$(claims job)
run sh -c 'exec bb-claim --once -b "$2" --min-free 1000T < "$1"' sh \
    "$T/s" "$T"
is "$rc" 69 "--min-free not met, --once: exit 69"
like "$err" "^bb-claim: not claiming: .* free under $T, at least 1.0P wanted\$" \
    "--min-free: says why"
is "$(claims job)" "$n0" "--min-free: the hub was not asked"
if [ "$(stat -f -c %c "$T")" != 0 ]; then
	run sh -c 'exec bb-claim --once -b "$2" --min-inodes 999999999999 \
	    < "$1"' sh "$T/s" "$T"
	is "$rc" 69 "--min-inodes not met: exit 69"
	like "$err" "free inodes under $T, at least 999999999999 wanted" \
	    "--min-inodes: says why"
else
	ok 0 "# SKIP $T does not count inodes"
	ok 0 "# SKIP $T does not count inodes"
fi
run sh -c 'exec bb-claim --once -b "$2" --min-free 1K < "$1"' sh \
    "$T/s" "$T"
is "$rc" 0 "--min-free met: the job is taken"
run bb-claim --min-free 1X
is "$rc" 64 "--min-free 1X: exit 64"
run sh -c 'exec bb-claim --once -b /nonexistent/bb < "$1"' sh "$T/s"
is "$rc" 74 "a basedir that does not exist: exit 74"

# The hub is down: --once tries a few times, then 75.
port=$(freeport)
printf 'session hub=http://127.0.0.1:%s token=T wait=1\n' "$port" > "$T/down"
run sh -c 'exec bb-claim --once --maxdelay 1 < "$1"' sh "$T/down"
is "$rc" 75 "hub down, --once: exit 75"
is "$(grep -c 'trying again in 1 s' "$T/err")" 3 "hub down, --once: 3 retries"
run sh -c 'exec bb-claim --maxretries 1 --maxdelay 1 < "$1"' sh "$T/down"
is "$rc" 75 "hub down, --maxretries 1: exit 75"
is "$(grep -c 'trying again' "$T/err")" 1 "hub down, --maxretries 1: 1 retry"

# A hub that holds the poll: TERM ends it at once, with no output.
blackhole || exit 1
printf 'session hub=%s token=T wait=60\n' "$BLACKHOLE" > "$T/hold"
bb-claim < "$T/hold" > "$T/bg.out" 2> "$T/bg.err" &
pid=$!
wait_for 30 grep -q accepted "$BLACKHOLE_LOG" && r=0 || r=1
ok $r "the poll is under way"
t0=$(now_ms)
kill -TERM "$pid"
wait "$pid" 2>/dev/null && rc=0 || rc=$?
t1=$(now_ms)
is "$rc" 143 "TERM while polling: killed by TERM"
is "$(cat "$T/bg.out" "$T/bg.err")" "" "TERM while polling: no output"
ok "$([ $((t1 - t0)) -lt 5000 ]; echo $?)" "TERM while polling: at once ($((t1 - t0)) ms)"

# TLS: the session's ca is used.
fakehub_start tls tls <<EOF || exit 1
location = /v1/claim { return 200 "$JOB\nstep name=build cmd=make\n"; }
EOF
printf 'session hub=%s token=T wait=1 caps=linux ca=%s\n' "$FAKEHUB" \
    "$T/ca.pem" > "$T/tls"
run sh -c 'exec bb-claim --once < "$1"' sh "$T/tls"
is "$rc" 0 "https with the session's ca: exit 0"
printf 'session hub=%s token=T wait=1 caps=linux\n' "$FAKEHUB" > "$T/tls2"
run sh -c 'exec bb-claim --once --maxretries 0 < "$1"' sh "$T/tls2"
is "$rc" 75 "https without the ca: exit 75"
like "$err" "the TLS certificate of 127.0.0.1 cannot be verified" \
    "https without the ca: the message names the host"
run sh -c 'exec bb-claim --once --ca "$2" < "$1"' sh "$T/tls2" "$T/ca.pem"
is "$rc" 0 "--ca: exit 0"

done_testing
