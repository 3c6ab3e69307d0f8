#!/bin/sh
# shellcheck disable=SC2154
# bb-claim gives up on its own terms: a claim parked on a hub that stops
# ends with 75 after --maxretries or when -t's time is over, and a claim
# that the hub answers with no job ends with 69 when its time is over.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"

hub_init
hub_start
hub_add_worker w1
bb-connect -p -H "$HUB_URL" -n w1 -s "$T/w1.secret" > "$T/session" 2>"$T/connect.err"
ok $? "bb-connect"

# claim_bg ARGS...: bb-claim in the background, its stderr in $T/claim.err;
# sets $CLAIM and $START.
claim_bg() {
	START=$(date +%s)
	bb-claim "$@" < "$T/session" > "$T/job" 2> "$T/claim.err" &
	CLAIM=$!
}

# claim_end SECONDS: waits for the claim; sets $crc and $took.
claim_end() {
	wait_for "$1" sh -c "! kill -0 $CLAIM 2>/dev/null"
	ok $? "bb-claim ends within $1 s"
	wait "$CLAIM"
	crc=$?
	took=$(($(date +%s) - START))
}

# A hub that answers, with no job: -t ends the waiting with 69.
claim_bg -w 30 -t 3s
claim_end 20
is "$crc" 69 "-t 3s and no job: exit 69"
ok "$([ "$took" -ge 2 ] && [ "$took" -le 8 ]; echo $?)" \
    "after its time, not the 30 s wait ($took s)"
is "$(cat "$T/job")" "" "nothing printed"

# A hub that stops answering (SIGSTOP) while the claim is parked: the
# try is cut when -t's time is over, whatever --maxretries allows.
claim_bg --once --maxretries 2 -w 30 -t 6s
hub_wait_parked 1
ok $? "the claim is parked on the hub"
kill -STOP "$HUB_PID"
cleanup "kill -CONT $HUB_PID 2>/dev/null"
claim_end 30
kill -CONT "$HUB_PID"
is "$crc" 75 "a hub that stopped answering: exit 75"
ok "$([ "$took" -ge 5 ] && [ "$took" -le 11 ]; echo $?)" \
    "within its 6 s deadline ($took s)"
like "$(cat "$T/claim.err")" "no job within 6s, giving up" \
    "and says why it gave up"

# The hub stops (SIGTERM) with a claim parked: --maxretries 2 ends it,
# long before its deadline (the wait and a minute, with --once).
claim_bg --once --maxretries 2 -w 30
hub_wait_parked 1
ok $? "parked again"
hub_stop
claim_end 30
is "$crc" 75 "the hub stopped: bb-claim --once --maxretries 2 exits 75"
ok "$([ "$took" -le 20 ]; echo $?)" "well within its deadline ($took s)"
is "$(grep -c 'trying again' "$T/claim.err")" 2 "after two more tries"

# Without --once, the same.
claim_bg --maxretries 1 -w 30
claim_end 30
is "$crc" 75 "no hub: bb-claim --maxretries 1 exits 75"
is "$(grep -c 'trying again' "$T/claim.err")" 1 "after one more try"
hub_done
