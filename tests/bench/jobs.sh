#!/bin/sh
# Whole jobs, bb against Buildbot: a bb-hub and a bb-worker (one slot, the
# default pipeline) on 127.0.0.1, and, when Debian's buildbot and
# buildbot-worker are installed, a Buildbot master and worker (PB on the
# loopback, tests/bench/buildbot-master.cfg) running the same jobs:
#
#   trivial   one step, `true', $JOBS_BENCH_TRIVIAL (4) a round: submit to
#             finished, in s; the worker's CPU time a job (all its
#             processes, from idle to idle, from /proc/PID/stat: utime,
#             stime and the children's), in ms, and the hub's; the RSS of
#             all the worker's processes once idle again, in MiB
#   steps10   ten steps, each printing (bb) or appending to a file
#             (Buildbot) the time it started, T1..T10: submit to T1, in s,
#             and a step's cost, (T10 - T1) / 9, in ms
#   log50     one step printing 50 MiB of text, submit to stored on the
#             hub, in MB/s, against the same command into /dev/null; the
#             idle workers' RSS after it
#
# and, for bb alone, a trivial job submitted with `bb-hub submit' rather
# than the admin API.  The trivial jobs run first, all rounds of them.
#
# A job is submitted with curl in both (bb: POST /v1/admin/jobs with a
# source sent before; Buildbot: a trigger service in the master, since
# Debian ships no buildbot-www for its REST API).  bb's job has ended when
# the hub logs its result, Buildbot's when the trigger answers.  The runs
# of bb and Buildbot alternate, bb first in odd rounds.
set -eu
: "${BB_BIN:?run through make bench}"
. "$BB_SRC/tests/bench/lib.sh"
LOG_BYTES=${JOBS_BENCH_LOG_BYTES:-52428800}
LOG_CMD="yes 'cc -O2 -Wall -c -o build/lib/record.o lib/record.c' | head -c $LOG_BYTES"
STAMP_CMD='date +%s.%N'
JOB_SECS=300			# the most one job may take
TRIVIAL=${JOBS_BENCH_TRIVIAL:-4}	# trivial jobs a round
HZ=$(getconf CLK_TCK)

D=$(mktemp -d "$BENCH_DIR/jobs.XXXXXX")
hub_pid='' w_pid='' bm_pid='' bw_pid='' tail_pid=''
stop() {	# stop PID...: SIGTERM, then wait at most 30 s for each
	for _p in "$@"; do
		[ -n "$_p" ] || continue
		kill -TERM "$_p" 2>/dev/null || continue
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ "$_i" -lt 1500 ]; do
			sleep 0.02
			_i=$((_i + 1))
		done
		kill -KILL "$_p" 2>/dev/null || :
	done
	wait 2>/dev/null || :
}
trap 'stop "$tail_pid" "$w_pid" "$bw_pid" "$hub_pid" "$bm_pid"' EXIT
trap 'exit 1' INT TERM HUP

# The process tree of PID, one pid a line.
tree() {
	ps -e -o pid=,ppid= | awk -v r="$1" '{ p[NR] = $1; pp[NR] = $2 }
	END {
		print r
		want[r] = 1
		for (more = 1; more; ) {
			more = 0
			for (i = 1; i <= NR; i++)
				if (!(p[i] in want) && (pp[i] in want)) {
					want[p[i]] = 1
					print p[i]
					more = 1
				}
		}
	}'
}

# CPU time of PID's tree in ms: each process's own and that of its children
# that it waited for.
tree_cpu() {
	for _p in $(tree "$1"); do
		cat "/proc/$_p/stat" 2>/dev/null || :
	done | awk -v hz="$HZ" '{ sub(/^.*\) /, ""); t += $12 + $13 + $14 + $15 }
	    END { printf "%.0f", t * 1000 / hz }'
}

# The RSS of PID's tree, in MiB.
tree_rss() {
	for _p in $(tree "$1"); do
		cat "/proc/$_p/status" 2>/dev/null || :
	done | awk '$1 == "VmRSS:" { kb += $2 } END { printf "%.1f", kb / 1024 }'
}

# per NOW BEFORE: the CPU time of one trivial job, in ms.
per() { awk -v a="$1" -v b="$2" -v k="$TRIVIAL" 'BEGIN { printf "%.1f", (a - b) / k }'; }

mbs() { awk -v b="$LOG_BYTES" -v ns="$1" 'BEGIN { printf "%.2f", b / 1e3 / (ns / 1e6) }'; }

# A value as bb-record(5) writes it (the commands here hold no other
# bytes that need it).
enc() { printf '%s' "$1" | sed -e 's/%/%25/g' -e 's/ /%20/g'; }

# ---- bb: a hub and a worker

bb-hub init "$D/hub" >/dev/null
bb-hub serve -l http://127.0.0.1:0 -w "$D/hub.url" "$D/hub" 2>"$D/hub.log" &
hub_pid=$!
deadline 30 "bb-hub to listen" test -s "$D/hub.url"
U=$(cat "$D/hub.url")
A=$(cat "$D/hub/admin.token")
bb-hub add-worker -d "$D/hub" bench |
    bb-worker create-worker "$D/w" "$U" bench 2>/dev/null
# The defaults, but for a hub on the loopback: plain http, one slot, no
# probing of tools, little free space needed.
sed -i -e 's/^ALLOW_HTTP=.*/ALLOW_HTTP=1/' -e 's/^SLOTS=.*/SLOTS=1/' \
    -e 's/^PROBE=.*/PROBE=/' -e 's/^MIN_FREE=.*/MIN_FREE=1M/' \
    "$D/w/worker.conf"
mkdir "$D/src"
echo hello >"$D/src/README"
tar -czf "$D/src.tar.gz" -C "$D/src" .
SRC=$(curl -sS -H "Authorization: Bearer $A" --data-binary @"$D/src.tar.gz" \
    "$U/v1/admin/sources" | sed -n 's/^source sha256=\([0-9a-f]*\).*/\1/p')
[ -n "$SRC" ] || { echo "** could not send the source" >&2; exit 1; }
env --default-signal=INT bb-worker run "$D/w" 2>"$D/w.log" &
w_pid=$!

bb_idle() {
	curl -sS -H "Authorization: Bearer $A" "$U/metrics" 2>/dev/null |
	    grep -q '^bb_hub_claims_parked 1$'
}

# bb_watch: follows the hub's log from here on, for bb_wait (before the
# clock starts: it costs a few ms).
bb_watch() {
	rm -f "$D/fifo"
	mkfifo "$D/fifo"
	timeout "$JOB_SECS" tail -c +$(($(wc -c <"$D/hub.log") + 1)) \
	    -f "$D/hub.log" >"$D/fifo" &
	tail_pid=$!
}

# bb_submit NAME STEP-RECORD...: queues a job (force=1: the hub refuses
# to build again what it built from the same source); sets $job.
bb_submit() {
	{
		printf 'submit source=%s force=1\nrecipe name=%s\n' "$SRC" "$1"
		shift
		printf '%s\n' "$@"
	} | curl -sS -H "Authorization: Bearer $A" --data-binary @- \
	    "$U/v1/admin/jobs" >"$D/submit.out"
	job=$(sed -n 's/^job id=\([0-9]*\).*/\1/p' "$D/submit.out")
	[ -n "$job" ] || { cat "$D/submit.out" >&2; return 1; }
}

# bb_wait: until the hub logs the end of $job, which must be a success.
bb_wait() {
	_state=
	while IFS= read -r _l; do
		case $_l in
		"bb-hub: job $job: "*) ;;
		*) continue ;;
		esac
		_state=${_l#"bb-hub: job $job: "}
		_state=${_state%% *}
		case $_state in
		success | failure | timeout | cancelled | error) break ;;
		esac
		_state=
	done <"$D/fifo"
	kill "$tail_pid" 2>/dev/null || :
	wait "$tail_pid" 2>/dev/null || :
	tail_pid=
	[ "$_state" = success ] && return 0
	echo "** bb job $job: ${_state:-no result within ${JOB_SECS}s}" >&2
	tail -5 "$D/w.log" >&2
	return 1
}

# ---- Buildbot: a master and a worker

have_bbot=0
if [ "${BENCH_BUILDBOT:-}" = 0 ]; then
	why="BENCH_BUILDBOT=0"
elif ! command -v buildbot >/dev/null || ! command -v buildbot-worker >/dev/null; then
	why="buildbot not installed (apt-get install buildbot buildbot-worker, or make bench BENCH_BUILDBOT=1)"
else
	have_bbot=1
fi
if [ "$have_bbot" = 1 ]; then
	mkdir "$D/bbot"
	buildbot create-master -r "$D/bbot/master" >"$D/bbot/create.log" 2>&1 ||
	    { cat "$D/bbot/create.log" >&2; exit 1; }
	cp "$BB_SRC/tests/bench/buildbot-master.cfg" "$D/bbot/master/master.cfg"
	PB=$("$BB_BUILD/tests/tools/freeport")
	printf 'pb_port=%s\nstamps=%s\nlog_bytes=%s\nportfile=%s\n' "$PB" \
	    "$D/bbot/stamps" "$LOG_BYTES" "$D/bbot/url" \
	    >"$D/bbot/master/bench.conf"
	buildbot start --nodaemon "$D/bbot/master" >"$D/bbot/master.out" 2>&1 &
	bm_pid=$!
	master_up() {
		[ ! -s "$D/bbot/url" ] || return 0
		kill -0 "$bm_pid" 2>/dev/null && return 1
		echo "** the Buildbot master stopped:" >&2
		tail -20 "$D/bbot/master/twistd.log" >&2
		exit 1
	}
	deadline 120 "the Buildbot master" master_up
	BU=$(cat "$D/bbot/url")
	buildbot-worker create-worker -r "$D/bbot/worker" "127.0.0.1:$PB" \
	    bench bench >"$D/bbot/create.log" 2>&1 ||
	    { cat "$D/bbot/create.log" >&2; exit 1; }
	buildbot-worker start --nodaemon "$D/bbot/worker" \
	    >"$D/bbot/worker.out" 2>&1 &
	bw_pid=$!
	echo "Buildbot $(buildbot --version | sed -n 's/^Buildbot version: //p'):" \
	    "master and worker on 127.0.0.1, PB port $PB"
else
	echo "Buildbot: skipped: $why"
	for n in trivial first-step per-step cpu-per-job idle-rss log50 \
	    rss-after-log50 hub-cpu-per-job; do
		skip "buildbot.$n" "$why"
	done
fi

buildbot_idle() { [ -z "$(ps -o pid= --ppid "$bw_pid")" ]; }

# buildbot_job NAME: runs Buildbot's job NAME, which must succeed.
buildbot_job() {
	_r=$(curl -sS -m "$JOB_SECS" -X POST "$BU/$1") || return 1
	[ "$_r" = 0 ] && return 0
	echo "** Buildbot job $1: result $_r" >&2
	return 1
}

# ---- the jobs, each as bb and as Buildbot

# steps_figures SIDE T0 STAMP-FILE: the samples of the stamps T1..T10.
steps_figures() {
	_v=$(awk -v t0="$2" 'NR == 1 { t1 = $1 } { tn = $1; n++ }
	    END { if (n != 10) exit 1
		printf "%.6f %.3f", t1 - t0 / 1e9, (tn - t1) / 9 * 1000 }' "$3") ||
	    { echo "** $1: not 10 stamps in $3" >&2; return 1; }
	sample "$1.first-step" "${_v% *}"
	sample "$1.per-step" "${_v#* }"
}

# trivial SIDE [warm]: $TRIVIAL jobs of one `true' step on SIDE (bb or
# buildbot), one after the other: a sample of the time of each, and of the
# CPU time a job on average (/proc counts in ticks of 10 ms: a sample over
# several jobs is finer), and of the idle worker's RSS.  warm: one job.
trivial() {
	if [ "$1" = bb ]; then
		_w=$w_pid _h=$hub_pid
	else
		_w=$bw_pid _h=$bm_pid
	fi
	deadline 30 "the $1 worker to be idle" "$1_idle"
	_c0=$(tree_cpu "$_w")
	_h0=$(tree_cpu "$_h")
	_k=0 _n=$TRIVIAL
	[ "${2:-}" != warm ] || _n=1
	while [ "$_k" -lt "$_n" ]; do
		[ "$1" != bb ] || bb_watch
		_t0=$(now_ns)
		"$1_job" trivial
		_t1=$(now_ns)
		deadline 30 "the $1 worker to be idle again" "$1_idle"
		[ "${2:-}" = warm ] || sample "$1.trivial" "$(ns_s $((_t1 - _t0)))"
		_k=$((_k + 1))
	done
	[ "${2:-}" != warm ] || return 0
	sample "$1.cpu-per-job" "$(per "$(tree_cpu "$_w")" "$_c0")"
	sample "$1.hub-cpu-per-job" "$(per "$(tree_cpu "$_h")" "$_h0")"
	sample "$1.idle-rss" "$(tree_rss "$_w")"
}

bb_trivial() { trivial bb; }
buildbot_trivial() { trivial buildbot; }

# bb_job trivial: runs bb's trivial job.
bb_job() {
	bb_submit trivial "step name=true cmd=true"
	bb_wait
}

bb_steps10() {
	deadline 30 "the bb worker to claim" bb_idle
	set -- steps10
	_i=1
	while [ "$_i" -le 10 ]; do
		set -- "$@" "step name=s$_i cmd=$(enc "$STAMP_CMD")"
		_i=$((_i + 1))
	done
	bb_watch
	_t0=$(now_ns)
	bb_submit "$@"
	bb_wait
	bb-hub log -r -d "$D/hub" "$job" |
	    sed -n 's/^log .* data:\([0-9.]*\)%0A.*/\1/p' >"$D/stamps"
	steps_figures bb "$_t0" "$D/stamps"
}

buildbot_steps10() {
	deadline 30 "the Buildbot worker to be idle" buildbot_idle
	rm -f "$D/bbot/stamps"
	_t0=$(now_ns)
	buildbot_job steps10
	steps_figures buildbot "$_t0" "$D/bbot/stamps"
}

bb_log50() {
	deadline 30 "the bb worker to claim" bb_idle
	bb_watch
	_t0=$(now_ns)
	bb_submit log50 "step name=out cmd=$(enc "$LOG_CMD")"
	bb_wait
	_t1=$(now_ns)
	sample bb.log50 "$(mbs $((_t1 - _t0)))"
	deadline 30 "the bb worker to claim again" bb_idle
	sample bb.rss-after-log50 "$(tree_rss "$w_pid")"
}

buildbot_log50() {
	deadline 30 "the Buildbot worker to be idle" buildbot_idle
	_t0=$(now_ns)
	buildbot_job log50
	_t1=$(now_ns)
	sample buildbot.log50 "$(mbs $((_t1 - _t0)))"
	deadline 30 "the Buildbot worker to be idle again" buildbot_idle
	sample buildbot.rss-after-log50 "$(tree_rss "$bw_pid")"
}

# bb_cli: a trivial job submitted with bb-hub submit on the hub's
# directory instead of the admin API (the hub notices such a job within a
# fifth of a second).
bb_cli() {
	deadline 30 "the bb worker to claim" bb_idle
	bb_watch
	_t0=$(now_ns)
	job=$(bb-hub submit -f -d "$D/hub" "$D/true.recipe" "$D/src")
	bb_wait
	_t1=$(now_ns)
	sample bb.trivial-cli "$(ns_s $((_t1 - _t0)))"
}

devnull_log50() {
	_t0=$(now_ns)
	sh -c "$LOG_CMD" >/dev/null
	_t1=$(now_ns)
	sample devnull.log50 "$(mbs $((_t1 - _t0)))"
}

# side KIND: one job of KIND on each side, bb first in odd rounds.
side() {
	if [ $((r % 2)) = 1 ] || [ "$have_bbot" = 0 ]; then
		"bb_$1"
		[ "$have_bbot" = 0 ] || "buildbot_$1"
	else
		"buildbot_$1"
		"bb_$1"
	fi
}

# The trivial jobs first, so that the idle workers' RSS is that of
# workers that ran only those; then the others.
echo "jobs: trivial, 10 steps, $((LOG_BYTES >> 20)) MiB of log; $BENCH_RUNS rounds"
printf 'step true: true\n' >"$D/true.recipe"
trivial bb warm
[ "$have_bbot" = 0 ] || trivial buildbot warm
r=1
while [ "$r" -le "$BENCH_RUNS" ]; do
	side trivial
	bb_cli
	r=$((r + 1))
done
echo "trivial jobs done (load $(cut -d' ' -f1 /proc/loadavg))"
r=1
while [ "$r" -le "$BENCH_RUNS" ]; do
	side steps10
	devnull_log50
	side log50
	echo "round $r done (load $(cut -d' ' -f1 /proc/loadavg))"
	r=$((r + 1))
done

figure job.log50:devnull MB/s bb.log50 devnull.log50 '>=0.25'
figure job.log50:buildbot MB/s bb.log50 buildbot.log50 '>=50'
figure job.trivial:buildbot s bb.trivial buildbot.trivial '<=0.1'
figure job.first-step:buildbot s bb.first-step buildbot.first-step -
figure job.per-step:buildbot ms bb.per-step buildbot.per-step '<=0.01'
figure worker.cpu-per-job:buildbot ms bb.cpu-per-job buildbot.cpu-per-job '<=0.25'
figure worker.idle-rss:buildbot MiB bb.idle-rss buildbot.idle-rss '<=0.2'
figure worker.rss-after-log50:buildbot MiB bb.rss-after-log50 \
    buildbot.rss-after-log50 -
figure job.trivial-cli:admin-api s bb.trivial-cli bb.trivial -
figure hub.cpu-per-job:buildbot ms bb.hub-cpu-per-job \
    buildbot.hub-cpu-per-job -	# Buildbot's master
for n in log50:MB/s trivial:s first-step:s per-step:ms cpu-per-job:ms \
    idle-rss:MiB rss-after-log50:MiB hub-cpu-per-job:ms; do
	figure "buildbot.${n%:*}" "${n#*:}" "buildbot.${n%:*}" - -
done
