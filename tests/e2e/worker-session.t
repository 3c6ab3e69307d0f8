#!/bin/sh
# shellcheck disable=SC2154
# bb-worker leaves no process behind on any way out: run in a session of
# its own (setsid), nothing is left in that session once it exited, after
# a job, no job, an absent hub, SIGTERM, SIGINT during a job or the
# shutdown stamp.  One bb-worker a home: a second one is refused.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

# in_session ARGS...: runs bb-worker ARGS in a new session, its stderr in
# $T/session.log; the session's id goes to $T/sid.
in_session() {
	setsid -w sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$T/sid" \
	    env --default-signal=INT bb-worker "$@" 2>>"$T/session.log"
}

# left: the processes still in the last session, one a line.
left() {
	ps -s "$(cat "$T/sid")" -o pid=,args=
}

hub_init
hub_start -K 2s
M=$T/marks
mkdir "$M"
# Builds mark that they run in a directory shared with them (CACHE_DIRS).
worker_make w1 CACHE_DIRS="$M"

hub_submit 'job quick
step a: echo quick'
in_session once -v "$T/w1"
is "$?" 0 "setsid bb-worker once -v: a job, exit 0"
is "$(job_state "$JOB")" success "the job is built"
is "$(left)" "" "nothing is left in its session"

in_session once "$T/w1"
is "$?" 0 "no job: exit 0"
is "$(left)" "" "nothing is left in its session"

worker_make w2
worker_set w2 "HUB=http://127.0.0.1:$("$BB_BUILD/tests/tools/freeport")" \
    MAXDELAY=1
in_session once "$T/w2"
is "$?" 75 "no hub: exit 75"
is "$(left)" "" "nothing is left in its session"

# bb-worker run, stopped by SIGTERM while its claims are parked.
worker_set w1 SLOTS=2
in_session run "$T/w1" &
S=$!
cleanup "kill $S 2>/dev/null"
hub_wait_parked 2
ok $? "bb-worker run parks a claim a slot"
run bb-worker once "$T/w1"
is "$rc" 75 "a second bb-worker on the home is refused: 75"
like "$err" "already served by process $(cat "$T/sid")" \
    "and names the one that serves it"
run bb-worker stop "$T/w1"
is "$rc" 0 "bb-worker stop"
wait "$S"
is "$?" 0 "stops it: exit 0"
is "$(left)" "" "nothing is left in its session"
run bb-worker stop "$T/w1"
is "$rc" 69 "bb-worker stop with none running: 69"

# Stopped by the shutdown stamp: its own sleep is gone too.  The hub
# first lets go of the claims of the worker that stopped (it notices
# within a second), else their count would pass for the new one's and
# the stamp be made before the new worker, which removes an old stamp
# as it starts, is up.
hub_wait_parked 0
ok $? "the stopped worker's claims are gone from the hub"
in_session run "$T/w1" &
S=$!
hub_wait_parked 2
touch "$T/w1/shutdown.stamp"
wait_for 20 sh -c "! kill -0 $S 2>/dev/null"
ok $? "the shutdown stamp stops bb-worker run"
wait "$S"
is "$?" 0 "exit 0"
is "$(left)" "" "nothing is left in its session"

# SIGINT cancels the running job; the worker and its stages are gone.
# KEEPALIVE, shorter than the hub's, is the session's and the job's.
worker_set w1 SLOTS=1 KEEPALIVE=1
hub_submit "job hold
step hold: touch $M/hold; i=0; until [ \$i -ge 600 ]; do sleep 0.05; i=\$((i + 1)); done"
in_session run "$T/w1" &
S=$!
wait_for 30 test -e "$M/hold"
ok $? "a job runs"
like "$(cat "$T/w1/run/slot1/session")" " keepalive=1 " \
    "KEEPALIVE=1: the session's keepalive"
like "$(head -1 "$T/w1/run/slot1/job")" " keepalive=1\\( \\|$\\)" \
    "and the job's"
kill -INT "$(cat "$T/sid")"
wait_for 30 sh -c "! kill -0 $S 2>/dev/null"
ok $? "SIGINT stops the worker"
is "$(job_state "$JOB")" cancelled "the job is cancelled"
is "$(left)" "" "nothing is left in its session"

# Two started at once: one serves, the other is refused.
worker_set w1 SLOTS=1
bb-worker run "$T/w1" 2>"$T/a.log" &
A=$!
bb-worker run "$T/w1" 2>"$T/b.log" &
B=$!
cleanup "kill $A $B 2>/dev/null"
wait_for 20 sh -c "grep -q 'already served' '$T/a.log' '$T/b.log'"
ok $? "of two started together, one is refused"
is "$(cat "$T/a.log" "$T/b.log" | grep -c 'already served')" 1 \
    "and only one"
kill -TERM "$A" "$B" 2>/dev/null
wait "$A" "$B"
done_testing
