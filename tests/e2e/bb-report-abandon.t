#!/bin/sh
# bb-report --resend tells the hub which attempts died (issue 15): a
# spool without a done record, and a job record with no spool at all (a
# worker killed before bb-report made one), are abandoned: the hub
# queues the job again at once and says why.  The lease fences it: an
# attempt already given out again, or finished, is not touched.  A hub of
# version 1 of bb-protocol(7), which has no abandon, is left to the lease.
# shellcheck disable=SC2154 # run sets rc, out and err
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/report.sh"

B=$T/base
mkdir "$B"
# hello2 NAME: hub_hello, in version 2 of bb-protocol(7), which has
# abandon.
hello2() {
	printf 'hello version=test os=Linux arch=x86_64 slots=1 protocol=2 protocol_min=1\n' |
	    curl -sS -u "$1:$(cat "$T/$1.secret")" --data-binary @- \
	    "$HUB_URL/v1/hello" >"$T/$1.session" || return 1
	TOKEN=$(rec_get token <"$T/$1.session")
	grep -q ' protocol=2' "$T/$1.session"
}

# Leases of a minute: nothing here waits for one to run out.
report_hub -K 20s && hello2 w1 || { hub_diag; exit 1; }

# attempts ID: the attempt lines of bb-hub show.
attempts() {
	bb-hub show -d "$HUB_DIR" "$1" | grep '^attempt'
}

# A run killed after it spooled some records: the spool has no done
# record.  --resend delivers them, then abandons the attempt.
report_claim || { hub_diag; exit 1; }
S=$B/spool/$JOB.1
report_input "$T/in" /dev/null
report_lines 1 20 >>"$T/in"
run bb-report -b "$B" <"$T/in"
is "$rc" 75 "the input ends without a done record: exit 75"
ok "$([ -d "$S" ] && echo 0 || echo 1)" "  the spool is kept"
is "$(report_state)" running "  the job still runs on the hub"
run bb-report -b "$B" --resend -r "worker restarted" <"$T/session.rec"
is "$rc" 0 "--resend: exit 0"
is "$err" "bb-report: job $JOB: no done record: the hub was told that attempt 1 died (worker restarted, attempt 1 died); the job is queued now" \
    "--resend: says that it told the hub"
is "$(report_state)" queued "the job is queued again at once"
like "$(attempts "$JOB")" \
    "^attempt  *1 by w1: abandoned worker restarted, attempt 1 died$" \
    "bb-hub show says why attempt 1 ended"
is "$(report_log | wc -l)" 20 "the records are delivered"
ok "$([ ! -e "$S" ] && echo 0 || echo 1)" "the spool is removed"
hub_req POST "/v1/claim?wait=5" -H "Authorization: Bearer $TOKEN"
is "$code.$(printf '%s\n' "$body" | sed -n 1p | rec_get attempt)" 200.2 \
    "the same worker may claim it again: attempt 2"

# Without -r, the reason is a default.
report_claim || { hub_diag; exit 1; }
report_input "$T/in" /dev/null
run bb-report -b "$B" <"$T/in"
is "$rc" 75 "a second job, no records: exit 75"
run bb-report -b "$B" --resend <"$T/session.rec"
is "$rc" 0 "--resend without -r: exit 0"
like "$(attempts "$JOB")" "abandoned its worker stopped, attempt 1 died$" \
    "  a default reason"
bb-hub cancel -d "$HUB_DIR" "$JOB" >/dev/null

# Killed before bb-report made a spool: the job record (bb-worker keeps
# it in run/slotN/job) follows the session on standard input.
report_claim || { hub_diag; exit 1; }
cp "$T/job.rec" "$T/dead.rec"
DEAD=$JOB
cat "$T/session.rec" "$T/job.rec" >"$T/in"
run bb-report -b "$B" --resend -r "worker restarted" <"$T/in"
is "$rc" 0 "a job record without a spool: exit 0"
is "$err" "bb-report: job $DEAD: no done record: the hub was told that attempt 1 died (worker restarted, attempt 1 died); the job is queued now" \
    "  it is abandoned"
is "$(report_state)" queued "  the job is queued again"
is "$(ls -A "$B/spool")" "" "  no spool is left"

# Fencing: the same job record again, once the job is another worker's
# attempt 2, changes nothing.
hub_add_worker w2 && hello2 w2 || { hub_diag; exit 1; }
hub_req POST "/v1/claim?wait=5" -H "Authorization: Bearer $TOKEN"
is "$code.$(printf '%s\n' "$body" | sed -n 1p | rec_get attempt)" 200.2 \
    "w2 claims attempt 2"
hello2 w1 || { hub_diag; exit 1; }
sed "s|^session |session hub=$HUB_URL |" "$T/w1.session" >"$T/session.rec"
cat "$T/session.rec" "$T/dead.rec" >"$T/in"
run bb-report -b "$B" --resend -r "worker restarted" <"$T/in"
is "$rc" 0 "w1's late word: exit 0"
like "$err" "attempt 1 died (worker restarted, attempt 1 died); the job is running now" \
    "  the hub had heard it: the same call again changes nothing"
JOB=$DEAD
is "$(report_state)" running "  w2's attempt runs on"
like "$(attempts "$DEAD")" "^attempt  *2 by w2: " "  as attempt 2"
is "$(ls -A "$B/spool")" "" "  and no spool is left"

# A finished job: its record, given again, changes nothing.
report_claim || { hub_diag; exit 1; }
report_input "$T/in" /dev/null
echo 'done result=success started=1 elapsed=1' >>"$T/in"
run bb-report -b "$B" <"$T/in"
is "$rc" 0 "a job finished"
cat "$T/session.rec" "$T/job.rec" >"$T/in"
run bb-report -b "$B" --resend -r "worker restarted" <"$T/in"
is "$rc" 0 "its record given again: exit 0"
like "$err" "lease lost (409)" "  refused: the job finished under it"
is "$(report_state)" success "  the job stays a success"

# A session of version 1 of the protocol, which has no abandon: the
# attempt is left to its lease, as before.
hub_hello w1 || { hub_diag; exit 1; }
report_claim || { hub_diag; exit 1; }
report_input "$T/in" /dev/null
run bb-report -b "$B" <"$T/in"
is "$rc" 75 "version 1: the input ends without a done record: exit 75"
run bb-report -b "$B" --resend -r "worker restarted" <"$T/session.rec"
is "$rc" 0 "  --resend: exit 0"
like "$err" "no done record: the hub (of bb-protocol 1) gives the job out again when its lease expires" \
    "  the job is left to its lease"
is "$(report_state)" running "  and runs on the hub until it runs out"

# -r goes only with --resend.
run bb-report -b "$B" -r x </dev/null
is "$rc" 64 "-r without --resend: exit 64"

hub_done
