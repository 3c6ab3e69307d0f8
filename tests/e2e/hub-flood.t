#!/bin/sh
# shellcheck disable=SC2154  # code, body: set by hub_req in tests/hub.sh
# One client cannot make bb-hub silent (bb-hub(8) SECURITY): an address
# that holds its limit of idle and header-trickling connections gets 503
# for more, while /healthz and a worker's claim from another address, or
# with credentials from the same one, are answered within a second; slow
# connections are dropped at their deadline; at the cap on connections
# in all, a client gets a fast 503 with Retry-After and the log says so.
# All of 127.0.0.0/8 is the loopback on Linux: the flood comes from
# 127.0.0.1, 127.0.0.3 and 127.0.0.5, the others from 127.0.0.2 and
# 127.0.0.4.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"

FLOOD=$BB_BUILD/tests/tools/flood
[ -x "$FLOOD" ] || skip_all "no $FLOOD (make all)"
curl -sS --interface 127.0.0.2 -o /dev/null http://127.0.0.1:1/ 2>&1 |
    grep -q 'bind\|interface' && skip_all "cannot bind to 127.0.0.2"

hub_init
hub_add_worker w1

# flood NAME ADDR FLOOD-ARGS...: a flood from ADDR in the background,
# its output in $T/NAME; waits until it has sent its extra requests.
flood() {
	_n=$1 _a=$2
	shift 2
	"$FLOOD" -b "$_a" "$@" 127.0.0.1 "${HUB_URL##*:}" >"$T/$_n" 2>&1 &
	cleanup "kill $! 2>/dev/null"
	eval "PID_$_n=$!"
	wait_for 30 grep -q '^extras done$' "$T/$_n"
}
# timed METHOD PATH CURL-ARGS...: one request; sets code, body and secs
# (the time it took, in seconds).
timed() {
	_m=$1 _p=$2
	shift 2
	_w=$(curl -sS -X "$_m" -o "$T/resp" -D "$T/head" \
	    -w '%{http_code} %{time_total}' "$@" "$HUB_URL$_p") || _w="000 99"
	code=${_w% *} secs=${_w#* }
	body=$(cat "$T/resp" 2>/dev/null)
}
# within SECS LIMIT: SECS is under LIMIT seconds.
within() { awk -v s="$1" -v l="$2" 'BEGIN { exit !(s < l) }'; }
# hello_from ADDR: a session of w1 from ADDR; sets TOKEN.
hello_from() {
	HUB_CURL_OPTS="--interface $1" hub_hello w1 linux
}

# 1. The per-address limit (64, the default): 32 idle and 32 trickling
# connections from 127.0.0.1, then 3 more with whole requests.
hub_start -t 60s
hub_submit 'job flooded
require linux
step build: true'
J=$JOB
flood f1 127.0.0.1 -i 32 -s 32 -x 3 -w 120
ok $? "64 idle and trickling connections open from 127.0.0.1"
is "$(grep -c '^answer 503$' "$T/f1")" 3 "connections over the limit get 503"
is "$(grep -c '^retry-after 5$' "$T/f1")" 3 "with Retry-After: 5"

timed GET /healthz --interface 127.0.0.2
is "$code:$body" "200:ok" "/healthz from another address is answered"
within "$secs" 1 && r=0 || r=1
ok $r "within a second ($secs s)"

hello_from 127.0.0.2
ok $? "a worker says hello from another address"
timed POST "/v1/claim?wait=0" --interface 127.0.0.2 \
    -H "Authorization: Bearer $TOKEN"
is "$code" 200 "its claim is answered"
like "$body" "^job id=$J " "with the job"
within "$secs" 1 && r=0 || r=1
ok $r "within a second ($secs s)"

hello_from 127.0.0.1
ok $? "a worker with credentials says hello from the flooding address"
timed POST "/v1/claim?wait=0" --interface 127.0.0.1 \
    -H "Authorization: Bearer $TOKEN"
is "$code" 204 "its claim is answered (no job left)"
within "$secs" 1 && r=0 || r=1
ok $r "within a second ($secs s)"

timed GET /healthz --interface 127.0.0.1
is "$code" 503 "/healthz without credentials from the flooding address: 503"
like "$body" "^error status=503 reason=unavailable msg=too%20many%20connections:%20from%20127.0.0.1" \
    "saying why"
like "$(tr -d '\r' <"$T/head")" "^Retry-After: 5$" "with Retry-After"
like "$(tr -d '\r' <"$T/head")" "^Connection: close$" "and the connection closes"
# The log tells once a second.
wait_for 5 grep -q "connections: [0-9]* refused (503), the last from 127.0.0.1 with 6[5-9] open (at most 64 an address)" \
    "$HUB_LOG"
ok $? "the hub's log says so"
is "$(grep -c '^closed' "$T/f1")" 0 "the flood's connections are still open"
hub_req GET /metrics --interface 127.0.0.2 \
    -H "Authorization: Bearer $HUB_METRICS"
like "$body" '^bb_hub_connections_refused_total{why="limit"} [3-9]$' \
    "/metrics counts the refusals"
kill "$PID_f1"
wait_for 10 sh -c "curl -sS --interface 127.0.0.1 '$HUB_URL/healthz' |
    grep -q '^ok\$'"
ok $? "once they close, 127.0.0.1 is served again"
hub_stop

# 2. Deadlines: a request head within -t of connecting, else dropped.
hub_start -t 1s
flood f2 127.0.0.1 -i 4 -s 4 -w 30
wait_for 10 grep -q '^closed 8$' "$T/f2"
ok $? "idle and trickling connections are dropped at the deadline"
wait_for 5 grep -q "connections: [0-9]* dropped: no request within 1s" \
    "$HUB_LOG"
ok $? "the hub's log says so"
timed GET /healthz --interface 127.0.0.1
is "$code:$body" "200:ok" "and the address is served again"
hub_stop

# 3. The cap on connections in all (-n 16): 16 idle connections from
# 127.0.0.3, well under its address's limit.
hub_start -n 16 -t 60s
flood f3 127.0.0.3 -i 16 -w 120
ok $? "16 idle connections from 127.0.0.3"
timed GET /healthz --interface 127.0.0.4
is "$code" 503 "at the cap, /healthz from another address: 503"
like "$(tr -d '\r' <"$T/head")" "^Retry-After: 5$" "with Retry-After"
within "$secs" 1 && r=0 || r=1
ok $r "fast ($secs s)"
wait_for 5 grep -q 'connections: [0-9]* refused (503).* open in all now (at most 16)' \
    "$HUB_LOG"
ok $? "the hub's log says so"
hello_from 127.0.0.4
ok $? "a worker with credentials is still served at the cap"
timed POST "/v1/claim?wait=0" --interface 127.0.0.4 \
    -H "Authorization: Bearer $TOKEN"
is "$code" 204 "its claim too"
# Beyond the reserve kept for answers (16/8 + 16 = 18 more): shed at
# once, with a 503 written as the connection comes.
flood f4 127.0.0.5 -i 18 -x 2 -w 120
is "$(grep -c '^answer 503$' "$T/f4")" 2 "beyond the reserve: 503 at once"
is "$(grep -c '^retry-after 5$' "$T/f4")" 2 "with Retry-After"
wait_for 5 grep -q 'connections: [0-9]* shed at once: 34 open' "$HUB_LOG"
ok $? "the hub's log says so"
kill "$PID_f3" "$PID_f4"
wait_for 10 sh -c "curl -sS --interface 127.0.0.4 '$HUB_URL/healthz' |
    grep -q '^ok\$'"
ok $? "once the flood ends, the hub serves everyone again"
hub_req GET /metrics --interface 127.0.0.4 \
    -H "Authorization: Bearer $HUB_METRICS"
like "$body" '^bb_hub_connections_refused_total{why="shed"} 2$' \
    "/metrics counts the connections shed, once it serves again"
hub_stop
is "$?" 0 "the hub stops cleanly"
hub_done
