# Helpers for the bb-report tests with a real hub: source after
# tests/lib.sh and tests/hub.sh.
# shellcheck shell=sh
# shellcheck disable=SC2034,SC2154 # sets variables for the tests; hub_req
# sets code and body
#
#	report_hub [SERVE-OPTIONS]	a hub with a worker w1 that said hello
#	report_claim [RECIPE-TEXT]	submit a job and claim one as w1 (the
#					oldest queued): sets $JOB, $ATTEMPT
#					and $LEASE, writes $T/job.rec
#					(the job record) and $T/session.rec
#					(the session record, with hub=)
#	report_input FILE RECORDS...	FILE: the job and session records,
#					then the RECORDS files' lines
#	report_want FILE		what the hub's log must be for the
#					input FILE: its records but session
#					and job, with seq= appended
#	report_log			the hub's log of $JOB (log -r)
#	report_state			the state of $JOB on the hub
#	report_lines N M		log records numbered N to M
#	spool_done DIR			the spool DIR holds a done record
#	same FILE1 FILE2 DESCRIPTION	a test that the files are the same

report_hub() {
	hub_init && hub_add_worker w1 && hub_start "$@" && hub_hello w1
}

report_claim() {
	hub_submit "${1:-step build: true}" || return 1
	hub_req POST "/v1/claim?wait=5" -H "Authorization: Bearer $TOKEN"
	[ "$code" = 200 ] || return 1
	printf '%s\n' "$body" | sed -n 1p >"$T/job.rec"
	sed "s|^session |session hub=$HUB_URL |" "$T/w1.session" \
	    >"$T/session.rec"
	LEASE=$(rec_get lease <"$T/job.rec")
	JOB=$(rec_get id <"$T/job.rec")
	ATTEMPT=$(rec_get attempt <"$T/job.rec")
	[ -n "$JOB" ]
}

report_input() {
	_f=$1
	shift
	cat "$T/job.rec" "$T/session.rec" "$@" >"$_f"
}

report_want() {
	grep -v '^session \|^job ' "$1" | awk '{ print $0 " seq=" NR }'
}

report_log() {
	bb-hub log -r -d "$HUB_DIR" "$JOB"
}

report_state() {
	bb-hub jobs -r -d "$HUB_DIR" -n 1000 | grep "^job id=$JOB " |
	    rec_get state
}

report_lines() {
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++)
	    printf "log step=build fd=1 t=%d.%03d data=line%%20%d%%0A\n",
	    i / 1000, i % 1000, i }'
}

spool_done() {
	grep -q '^done ' "$1/records"
}

same() {
	if cmp -s "$1" "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diff "$1" "$2" | head -10 | sed 's/^/#   /'
	fi
}
