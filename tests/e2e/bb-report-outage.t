#!/bin/sh
# bb-report when things break: the hub stopped for seconds in the middle
# of a build (every record arrives once and in order, the input is read
# all along); bb-report killed -9 (--resend sends the rest); a hub that
# lost records it had acknowledged (the finish is refused with 412 and
# the spool repairs it); acknowledgements lost (the records sent again
# are stored once).
# shellcheck disable=SC2154 # run sets rc, out and err
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/report.sh"

B=$T/base
W=$T/work
mkdir "$B" "$W"
report_hub -K 2s || { hub_diag; exit 1; }

# feed FILE: writes FILE to standard output 100 lines every 0.1 s.
feed() {
	_n=$(wc -l <"$1")
	_i=1
	while [ "$_i" -le "$_n" ]; do
		sed -n "$_i,$((_i + 99))p" "$1"
		_i=$((_i + 100))
		sleep 0.1
	done
}

acked() {
	sed -n 's/^acked seq=\([0-9]*\) .*/\1/p' "$1/acked" 2>/dev/null
}

# acked_over DIR N: the spool DIR has more than N records acknowledged.
acked_over() {
	[ "$(acked "$1")" -gt "$2" ] 2>/dev/null
}

restart_hub() {
	HUB_LISTEN=$HUB_URL hub_start -K 2s || { hub_diag; exit 1; }
}

# The hub stops while 4000 lines stream, until bb-report has said that
# it cannot reach it and has read on.
report_claim || { hub_diag; exit 1; }
S=$B/spool/$JOB.1
{ echo "workdir path=$W"; report_lines 1 4000
  echo 'done result=success started=1 elapsed=5'; } >"$T/build"
report_input "$T/in" "$T/build"
mkfifo "$T/fifo"
bb-report -b "$B" <"$T/fifo" 2>"$T/err" &
rpid=$!
feed "$T/in" >"$T/fifo" &
fpid=$!
cleanup "kill $rpid $fpid 2>/dev/null"
wait_for 30 acked_over "$S" 0
ok $? "records are acknowledged"
hub_stop || true
before=$(wc -l <"$S/records")
# over N CMD...: the number CMD prints is over N.
over() { _n=$1; shift; [ "$("$@")" -gt "$_n" ]; }
retries() { grep -c 'trying again in' "$T/err"; }
spooled() { wc -l <"$S/records"; }
wait_for 30 over "$(retries)" retries
ok $? "bb-report finds the hub away"
wait_for 30 over "$before" spooled && r=0 || r=1
ok $r "the input is read while the hub is away ($before, then $(spooled) records)"
restart_hub
rc=0
wait $rpid || rc=$?
is "$rc" 0 "bb-report ends 0 once the hub is back"
like "$(cat "$T/err")" 'job [0-9]*: POST .*/events: .*; trying again in' \
    "the failures are said"
like "$(cat "$T/err")" 'the hub answers again' "and the recovery"
unlike "$(cat "$T/err")" "$TOKEN" "the token is not said"
report_want "$T/in" >"$T/want"
report_log >"$T/got"
same "$T/want" "$T/got" "every record arrived once and in order"
is "$(report_state)" success "the job ends success"
ok "$([ ! -e "$S" ] && echo 0 || echo 1)" "the spool is removed"
wait $fpid || true

# Killed -9 in the middle of a job, while the hub is away: --resend, with
# a fresh session, sends the rest, uploads the file and finishes.
report_claim || { hub_diag; exit 1; }
S=$B/spool/$JOB.1
head -c 5000 /dev/urandom >"$W/art"
sha=$(sha256sum <"$W/art" | cut -c1-64)
{ echo "workdir path=$W"; report_lines 1 500; } >"$T/build1"
{ report_lines 501 1000
  echo "artifact path=art size=5000 sha256=$sha"
  echo 'done result=success started=1 elapsed=5'; } >"$T/build2"
report_input "$T/in1" "$T/build1"
bb-report -b "$B" <"$T/fifo" 2>"$T/err" &
rpid=$!
exec 3>"$T/fifo"
cat "$T/in1" >&3
wait_for 30 acked_over "$S" 500
ok $? "the first half is acknowledged"
hub_stop || true
cat "$T/build2" >&3
wait_for 30 spool_done "$S"
ok $? "the second half is in the spool"
kill -KILL $rpid
wait $rpid || true
exec 3>&-
is "$(acked "$S")" 501 "the second half is not acknowledged"
restart_hub
hub_hello w1
sed "s|^session |session hub=$HUB_URL |" "$T/w1.session" >"$T/session2.rec"
run bb-report -b "$B" --resend <"$T/session2.rec"
is "$rc" 0 "--resend: exit 0"
is "$err" "bb-report: job $JOB: finished, result success" "--resend: says so"
cat "$T/in1" "$T/build2" >"$T/in"
report_want "$T/in" >"$T/want"
report_log >"$T/got"
same "$T/want" "$T/got" "--resend: every record arrived once and in order"
is "$(report_state)" success "--resend: the job ends success"
hub_req GET "/v1/admin/jobs/$JOB/artifacts/art" \
    -H "Authorization: Bearer $HUB_ADMIN"
is "$code.$(sha256sum <"$T/resp" | cut -c1-64)" "200.$sha" \
    "--resend: the artifact is uploaded"
ok "$([ ! -e "$S" ] && echo 0 || echo 1)" "--resend: the spool is removed"

# A hub that lost records it acknowledged: the finish is refused (412)
# and the missing ones are sent again from the spool.
report_claim || { hub_diag; exit 1; }
S=$B/spool/$JOB.1
{ echo "workdir path=$W"; report_lines 1 100; } >"$T/build"
report_input "$T/in" "$T/build"
run bb-report -b "$B" <"$T/in"
is "$rc" 75 "the input ends without done: exit 75"
like "$err" 'the input ended before a done record: 101 records delivered, job not finished (kept in spool/' \
    "... says so"
is "$(acked "$S")" 101 "everything is acknowledged"
{ report_lines 101 110; echo 'done result=success started=1 elapsed=1'; } |
    awk '{ print $0 " seq=" NR + 101 }' >>"$S/records"
echo "acked seq=112 offset=$(wc -c <"$S/records")" >"$S/acked"
run bb-report -b "$B" --resend <"$T/session2.rec"
is "$rc" 0 "--resend after a cut log: exit 0"
like "$err" "bb-report: job $JOB: the hub misses records 102-112: sending them again" \
    "the 412 path is said"
like "$err" "job $JOB: finished, result success" "then the job is finished"
{ cat "$T/in"; report_lines 101 110
  echo 'done result=success started=1 elapsed=1'; } >"$T/in2"
report_want "$T/in2" >"$T/want"
report_log >"$T/got"
same "$T/want" "$T/got" "the hub's log is whole again"
is "$(report_state)" success "the job ends success"

# Acknowledgements lost: everything is sent again, and stored once.
report_claim || { hub_diag; exit 1; }
S=$B/spool/$JOB.1
report_input "$T/in" "$T/build"
run bb-report -b "$B" <"$T/in"
is "$rc" 75 "again without done: exit 75"
echo 'done result=success started=1 elapsed=1 seq=102' >>"$S/records"
echo 'acked seq=0 offset=0' >"$S/acked"
run bb-report -b "$B" --resend <"$T/session2.rec"
is "$rc" 0 "--resend of acknowledged records: exit 0"
{ cat "$T/in"; echo 'done result=success started=1 elapsed=1'; } >"$T/in3"
report_want "$T/in3" >"$T/want"
report_log >"$T/got"
same "$T/want" "$T/got" "records sent twice are stored once"
is "$(report_state)" success "the job ends success"

done_testing
