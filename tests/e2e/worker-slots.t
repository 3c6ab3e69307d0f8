#!/bin/sh
# shellcheck disable=SC2154
# bb-worker run: two slots build two jobs at once; SIGTERM and the
# shutdown stamp stop it gracefully; SIGINT cancels the running builds.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

hub_init
hub_start -K 2s
worker_make w1 SLOTS=2 CACHE_DIRS="$T/marks"
M=$T/marks
mkdir "$M"

# wait_mark NAME: a step that waits (20 s at most) until NAME is marked.
wait_mark() {
	printf 'i=0; until [ -e %s/%s ] || [ $i -ge 400 ]; do sleep 0.05; i=$((i + 1)); done; [ -e %s/%s ]' \
	    "$M" "$1" "$M" "$1"
}

# Each job marks its start and waits for the other's: they overlap, or
# both fail.  Then they wait for the test to have looked at the hub.
hub_submit "job one
step meet: touch $M/one; $(wait_mark two)
step stay: $(wait_mark seen)"
one=$JOB
hub_submit "job two
step meet: touch $M/two; $(wait_mark one)
step stay: $(wait_mark seen)"
two=$JOB
hub_submit "job three
step hold: touch $M/three; $(wait_mark go)"
three=$JOB
worker_start w1
wait_for 60 test -e "$M/one" -a -e "$M/two"
ok $? "both jobs started"
running=$(bb-hub jobs -r -d "$HUB_DIR" -s running)
like "$running" "^job id=$one .*state=running .*worker=w1" \
    "the hub shows job one running on w1"
like "$running" "^job id=$two .*state=running .*worker=w1" \
    "and job two running on w1 at the same time"
touch "$M/seen"
wait_state 60 "$one" success failure
wait_state 60 "$two" success failure
is "$(job_state "$one") $(job_state "$two")" "success success" \
    "two slots ran two jobs at the same time (each waited for the other)"
is "$(bb-hub show -r -d "$HUB_DIR" "$one" | rec_get worker) $(
    bb-hub show -r -d "$HUB_DIR" "$two" | rec_get worker)" "w1 w1" \
    "both on the one worker"

# SIGTERM while job three runs lets three end and claims nothing more: a
# fourth job, queued once the idle slot has stopped waiting, stays queued.
# (Queued before, the idle slot could claim it before the signal.)
wait_state 30 "$three" running
wait_for 20 test -e "$M/three"
like "$(bb-hub jobs -r -d "$HUB_DIR" -s running)" "id=$three .*worker=w1" \
    "the hub shows the running job and its worker"
kill -TERM "$WORKER_PID"
wait_for 20 grep -q 'stopping: no new jobs' "$T/w1.log"
ok $? "SIGTERM: it stops claiming"
hub_wait_parked 0
ok $? "the idle slot stops waiting for a job"
hub_submit "job four
step a: true"
four=$JOB
is "$(job_state "$three")" running "the running job goes on"
touch "$M/go"
wait_for 30 sh -c "! kill -0 $WORKER_PID 2>/dev/null"
ok $? "then it exits"
wait "$WORKER_PID"
is "$?" 0 "with status 0"
is "$(job_state "$three")" success "the running job finished and was delivered"
is "$(job_state "$four")" queued "the queued job was left for others"

# The shutdown stamp does the same as SIGTERM.
worker_start w1
wait_state 30 "$four" success
touch "$T/w1/shutdown.stamp"
wait_for 20 sh -c "! kill -0 $WORKER_PID 2>/dev/null"
ok $? "BASEDIR/shutdown.stamp stops an idle worker"
wait "$WORKER_PID"
is "$?" 0 "with status 0"

# SIGINT cancels the running build; it is reported cancelled.
hub_submit "job five
step hold: touch $M/five; $(wait_mark never)
step tidy always: echo tidied"
five=$JOB
worker_start w1
wait_for 30 test -e "$M/five"
kill -INT "$WORKER_PID"
wait_for 30 sh -c "! kill -0 $WORKER_PID 2>/dev/null"
ok $? "SIGINT: the worker exits"
is "$(job_state "$five")" cancelled "the running job is reported cancelled"
like "$(bb-hub log -r -d "$HUB_DIR" "$five")" "^log step=tidy fd=1 .*data:tidied" \
    "its always step ran"
empty_dirs "nothing is left in work/ and spool/" "$T/w1/work" "$T/w1/spool"
done_testing
