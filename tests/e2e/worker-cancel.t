#!/bin/sh
# shellcheck disable=SC2154
# A job cancelled on the hub while it builds: the build's processes are
# gone within seconds and the job ends cancelled.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

hub_init
hub_start -K 1s
worker_make w1
mark=bcancel$$
hub_submit "job long
step a: sh -c 'sleep 300; : $mark' & sh -c 'sleep 301; : $mark' & echo started; wait
step tidy always: echo tidied"
job=$JOB
worker_start w1
wait_for 30 pgrep -f "$mark"
ok $? "the build runs"
start=$(date +%s)
bb-hub cancel -d "$HUB_DIR" "$job" >/dev/null
ok $? "bb-hub cancel"
# [b]: the pattern does not match the command line of the sh that runs it.
wait_for 15 sh -c "! pgrep -f '[b]$mark'"
ok $? "the build's processes are gone"
took=$(($(date +%s) - start))
ok "$([ "$took" -le 10 ]; echo $?)" "within a few seconds ($took s)"
is "$(job_state "$job")" cancelled "the job ends cancelled"
wait_for 10 grep -q "job $job: the hub cancelled it" "$T/w1.log"
ok $? "the worker says the hub cancelled it"
kill -0 "$WORKER_PID"
ok $? "and goes on serving"
done_testing
