#!/bin/sh
# bb-report when the hub says no: a job cancelled on the hub (410) and a
# lost lease (409) end it at once with 69 and drop the spool, which stops
# the stages above; a refused token (401) ends it with 77 and keeps the
# spool.
# shellcheck disable=SC2154 # run sets rc, out and err
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/report.sh"

B=$T/base
mkdir "$B"
report_hub -K 1s -L 3s || { hub_diag; exit 1; }

# gen: the job's records, then a line every 0.2 s, forever; a stage that
# dies of SIGPIPE when its reader goes.
gen() {
	cat "$T/job.rec" "$T/session.rec"
	i=1
	while echo "log step=build fd=1 t=1.000 data=line%20$i%0A"; do
		i=$((i + 1))
		sleep 0.2
	done
}

has_acked() {
	test -s "$1/acked"
}

# Cancelled on the hub while the build runs: the whole pipeline ends.
report_claim || { hub_diag; exit 1; }
S=$B/spool/$JOB.1
(gen | bb-report -b "$B" 2>"$T/err"; echo $? >"$T/rc") &
ppid=$!
cleanup "kill $ppid 2>/dev/null"
wait_for 30 has_acked "$S"
ok $? "the running job's records are acknowledged"
t0=$(now_ms)
bb-hub cancel -d "$HUB_DIR" "$JOB" >/dev/null
wait_for 30 test -s "$T/rc"
t1=$(now_ms)
is "$(cat "$T/rc")" 69 "cancelled: exit 69"
ok "$([ $((t1 - t0)) -lt 10000 ] && echo 0 || echo 1)" \
    "cancelled: the pipeline ends within seconds ($((t1 - t0)) ms)"
wait $ppid || true
like "$(cat "$T/err")" "^bb-report: job $JOB: cancelled on the hub (410)" \
    "cancelled: says so"
ok "$([ ! -e "$S" ] && echo 0 || echo 1)" "cancelled: the spool is dropped"
is "$(report_state)" cancelled "the job is cancelled"

# The lease ran out before bb-report came: 409.
report_claim || { hub_diag; exit 1; }
S=$B/spool/$JOB.1
expired() {
	bb-hub show -d "$HUB_DIR" "$JOB" | grep -q "attempt *$ATTEMPT .*expired"
}
wait_for 30 expired
ok $? "the lease expires"
report_input "$T/in" /dev/null
echo 'done result=success started=1 elapsed=1' >>"$T/in"
run bb-report -b "$B" <"$T/in"
is "$rc" 69 "lease lost: exit 69"
like "$err" "^bb-report: job $JOB: lease lost (409): POST .*/v1/jobs/$JOB/events: " \
    "lease lost: says so"
ok "$([ ! -e "$S" ] && echo 0 || echo 1)" "lease lost: the spool is dropped"

# Late reports of a worker that was away: --resend is refused (409) and
# drops the spool; the job was given out again.
report_claim || { hub_diag; exit 1; }
S=$B/spool/$JOB.$ATTEMPT
hub_stop || true
report_input "$T/in" /dev/null
echo 'done result=success started=1 elapsed=1' >>"$T/in"
run bb-report -b "$B" -t 1s <"$T/in"
is "$rc" 75 "the hub away: exit 75, spool kept"
HUB_LISTEN=$HUB_URL hub_start -K 1s -L 3s || { hub_diag; exit 1; }
wait_for 30 expired
ok $? "the lease expires while the worker is away"
run bb-report -b "$B" --resend <"$T/session.rec"
is "$rc" 0 "--resend of a job given out again: exit 0"
like "$err" "^bb-report: job $JOB: lease lost (409): " "--resend: says so"
ok "$([ ! -e "$S" ] && echo 0 || echo 1)" "--resend: the spool is dropped"
is "$(bb-hub log -r -d "$HUB_DIR" -a "$ATTEMPT" "$JOB")" "" \
    "the late records are not in the hub's log"

# The worker is removed: its token is refused.
report_claim || { hub_diag; exit 1; }
S=$B/spool/$JOB.1
S=$B/spool/$JOB.$ATTEMPT
bb-hub remove-worker -d "$HUB_DIR" w1 >/dev/null 2>&1
report_input "$T/in" /dev/null
echo 'log step=build fd=1 t=1.000 data=hi%0A' >>"$T/in"
run bb-report -b "$B" <"$T/in"
is "$rc" 77 "token refused: exit 77"
like "$err" "^bb-report: job $JOB: token refused: " "token refused: says so"
unlike "$err" "$TOKEN" "the token is not said"
ok "$([ -s "$S/records" ] && echo 0 || echo 1)" "token refused: spool kept"
run bb-report -b "$B" --resend <"$T/session.rec"
is "$rc" 77 "--resend with the refused token: exit 77"
ok "$([ -s "$S/records" ] && echo 0 || echo 1)" "... spool kept"

done_testing
