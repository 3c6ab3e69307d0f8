#!/bin/sh
# shellcheck disable=SC2154
# A worker killed -9 in the middle of a build: the hub hands the job to
# another worker once the lease runs out, and the first worker's late
# reports are refused when it comes back.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

# tree PID: PID and all its descendants.
tree() {
	echo "$1"
	for _c in $(ps -o pid= --ppid "$1"); do
		tree "$_c"
	done
}

hub_init
hub_start -K 1s -L 3s
worker_make w1 CACHE_DIRS="$T/marks"
worker_make w2 CACHE_DIRS="$T/marks"
M=$T/marks
mkdir "$M"
hub_submit "job slow
step a: echo attempt \$(cat $M/count 2>/dev/null); echo x >> $M/count; touch $M/started.\$(wc -l < $M/count); i=0; until [ -e $M/go ] || [ \$i -ge 600 ]; do sleep 0.05; i=\$((i + 1)); done; echo finished"
job=$JOB
worker_start w1
wait_for 30 test -e "$M/started.1"
ok $? "the first worker started the build"
wait_for 10 sh -c "bb-hub log -r -d '$HUB_DIR' $job | grep -q '^log step=a'"
ok $? "and reported its first output"
pids=$(tree "$WORKER_PID")
# shellcheck disable=SC2086
kill -9 $pids 2>/dev/null
wait "$WORKER_PID" 2>/dev/null
# alive: how many of $pids still run (a zombie waiting to be reaped is
# dead).
alive() {
	_n=0
	for _p in $pids; do
		_s=$(ps -o stat= -p "$_p" 2>/dev/null) || continue
		case $_s in Z*) ;; *) _n=$((_n + 1)) ;; esac
	done
	[ "$_n" = 0 ]
}
wait_for 10 alive
ok $? "kill -9: every process of the worker is gone, the build too"
is "$(job_state "$job")" running "the hub still has the job running"

touch "$M/go"
wait_for 30 sh -c "bb-hub show -r -d '$HUB_DIR' $job | head -1 | grep -q ' state=queued attempt=1 '"
ok $? "once the lease ran out, the job is queued again"
run bb-worker once "$T/w2"
is "$rc" 0 "a second worker builds it"
is "$(job_state "$job")" success "the job succeeds"
like "$(bb-hub show -r -d "$HUB_DIR" "$job" | head -1)" " attempt=2 worker=w2 " \
    "as attempt 2, on the second worker"
log2=$(bb-hub log -d "$HUB_DIR" "$job")
like "$log2" "finished" "the hub has attempt 2's log"

# A late report from the first worker, with the token and lease it had
# (its spool keeps them), is refused.
spooled=$(ls "$T/w1/spool")
ok "$([ -n "$spooled" ]; echo $?)" "the killed worker left its spool: $spooled"
ctx=$T/w1/spool/$spooled/context
token=$(grep '^session ' "$ctx" | rec_get token)
lease=$(grep '^job ' "$ctx" | rec_get lease)
printf 'log step=a fd=1 t=1.000 data=late seq=99\n' > "$T/late"
hub_req POST "/v1/jobs/$job/events" -H "Authorization: Bearer $token" \
    -H "Bb-Lease: $lease" --data-binary @"$T/late"
is "$code" 409 "a late report under the old lease is refused: 409"
like "$body" "reason=stale-lease" "as a stale lease"
printf 'finish result=failure last=0 sha256=%s\n' \
    "$(printf '' | sha256sum | cut -c1-64)" > "$T/late"
hub_req POST "/v1/jobs/$job/finish" -H "Authorization: Bearer $token" \
    -H "Bb-Lease: $lease" --data-binary @"$T/late"
is "$code" 409 "and so is a late finish"
run bb-worker once "$T/w1"
is "$rc" 0 "the first worker comes back"
empty_dirs "and its spool is cleared" "$T/w1/spool"
is "$(job_state "$job")" success "the job is still a success"
like "$(bb-hub show -r -d "$HUB_DIR" "$job" | head -1)" " attempt=2 worker=w2 " \
    "of attempt 2"
is "$(bb-hub log -d "$HUB_DIR" "$job")" "$log2" \
    "and its log is attempt 2's, untouched"
done_testing
