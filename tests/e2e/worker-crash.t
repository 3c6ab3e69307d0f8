#!/bin/sh
# shellcheck disable=SC2154
# The whole worker killed by SIGKILL during a step that runs sleep 300
# and a grandchild in a session of its own (issue 15): once restarted, no
# process of the old job is alive within 2 s, with the sandbox (its PID
# namespace ends them) and without it (the new bb-worker ends what
# bb-run noted), and the job runs again within 5 s.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

hub_init
hub_start -K 60s

# Where the steps mark that they run, shared with them (CACHE_DIRS).
M=$T/marks
mkdir -m 1777 "$M"
chmod 711 "$T"	# RUN_AS=nobody reaches $M

# crash NAME N [SETTINGS...]: one worker, one job that leaves processes,
# the worker killed with everything in its session, then restarted.
crash() {
	_w=$1
	# Sleeps told apart by their time (300.PID N 1 seconds and so on).
	_n=300.$$$2
	shift 2
	worker_make "$_w" CACHE_DIRS="$M" "$@" || return 1
	hub_submit "job crash-$_w
step hold: touch $M/$_w.started; setsid sleep ${_n}2 & sh -c 'sleep ${_n}3 & wait' & sleep ${_n}1"
	_job=$JOB
	# A session of its own, so that all of the worker can be killed.
	setsid env --default-signal=INT bb-worker run "$T/$_w" \
	    2>>"$T/$_w.log" &
	wait_for 30 test -e "$M/$_w.started"
	ok $? "$_w: the step runs"
	wait_for 5 sh -c "[ \$(pgrep -f '^sleep ${_n}[1-3]' | wc -l) = 3 ]"
	ok $? "$_w: sleep 300, a child and a grandchild in its own session"
	_sid=$(ps -o sid= -p "$(pgrep -f "bb-worker run $T/$_w" | head -1)" |
	    tr -d ' ')
	pkill -9 -s "$_sid"
	wait_for 5 sh -c "! pgrep -s $_sid >/dev/null"
	ok $? "$_w: every process of the worker killed with SIGKILL"
	# Without the sandbox they are still there: only a restart ends them.
	pgrep -af "${_n}[1-3]" | sed "s/^/# $_w left: /"
	worker_start "$_w"
	_t0=$(now_ms)
	_gone=1
	while [ "$(($(now_ms) - _t0))" -lt 2000 ]; do
		pgrep -f "${_n}[1-3]" >/dev/null || { _gone=0; break; }
		sleep 0.05
	done
	ok "$_gone" "$_w: no process of the old job alive within 2 s of the restart"
	pgrep -af "${_n}[1-3]" | sed "s/^/#   left: /"
	# The restarted worker tells the hub that attempt 1 died, and the
	# hub queues the job again at once, not after the lease (60 s).
	_t0=$(now_ms)
	_again=1
	while [ "$(($(now_ms) - _t0))" -lt 5000 ]; do
		bb-hub show -r -d "$HUB_DIR" "$_job" | head -1 |
		    grep -q ' attempt=2 ' && { _again=0; break; }
		sleep 0.1
	done
	ok "$_again" "$_w: the job runs again within 5 s, not after the lease"
	bb-hub show -d "$HUB_DIR" "$_job" | grep '^attempt' | sed 's/^/# /'
	like "$(bb-hub show -d "$HUB_DIR" "$_job")" \
	    "attempt  *1 by $_w: abandoned worker restarted, attempt 1 died" \
	    "$_w: bb-hub show says why attempt 1 ended"
	worker_kill "$WORKER_PID"
}

crash w1 1
crash w2 2 SANDBOX=none RUN_AS=nobody
like "$(cat "$T/w2.log")" "stopped [0-9]* process.* left by bb-run" \
    "w2: without the sandbox the new bb-worker says what it ended"
like "$(cat "$T/w2.log")" "WARNING: SANDBOX=none" "w2: and warned at start"

hub_done
