#!/bin/sh
# shellcheck disable=SC2154
# A build cannot reach what it must not (issue 11): a job whose steps try
# to read the worker's secret, its session token, the signing key and the
# spool, by relative path, absolute path and find /, finds none of them;
# the secret is nowhere on the hub (status page, log API, database); and
# no process the build left is alive a second after the job ends.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

hub_init
hub_start
W=$T/w1
bb-sign -G -p "$T/sign.pub" -s "$T/sign.sec" >/dev/null 2>&1 || exit 1
worker_make w1
mv "$T/sign.sec" "$W/sign.sec"
worker_set w1 SIGN_KEY="$W/sign.sec"
SECRET=$(cat "$W/secret")
mkdir -p "$W/spool/planted"
echo "spooled-$$" > "$W/spool/planted/context"

# Sleeps told apart by their time (300.PID1 seconds and so on).
N=300.$$
# try NAME PATH...: LEAK-NAME if any of the paths can be read, else
# denied-NAME.
try='try() { _n=$1; shift; for _p; do cat "$_p" 2>/dev/null && { echo "LEAK-$_n"; return; }; done; echo "denied-$_n"; }'
hub_submit "job probe
step rel: $try; try rel ../../../secret ../../../sign.sec ../../../spool/planted/context ../../../run/slot1/session ../../slot2
step abs: $try; try abs $W/secret $W/sign.sec $W/spool/planted/context $W/run/slot1/session $W/worker.conf
step find: find / \\( -path /proc -o -path /sys \\) -prune -o \\( -name sign.sec -o -path '*/w1/*' \\) -print 2>/dev/null | grep -v '$W/work' || echo found-nothing
step leave: sleep ${N}1 & setsid sleep ${N}2 & (setsid sleep ${N}3 &); echo left"
job=$JOB
worker_start w1
wait_state 60 "$job" success failure error
is "$(job_state "$job")" success "the probing job ran"
t_end=$(now_ms)

# No process of the job a second after it ended.
gone=1
while [ "$(($(now_ms) - t_end))" -lt 1000 ]; do
	pgrep -f "${N}[1-3]" >/dev/null || { gone=0; break; }
	sleep 0.05
done
ok "$gone" "no process of the job is alive a second after it ended"
pgrep -af "${N}[1-3]" | sed 's/^/#   left: /'

log=$(bb-hub log -d "$HUB_DIR" "$job")
like "$log" "^denied-rel$" "relative paths: secret, key, spool, session, the other slot unreadable"
like "$log" "^denied-abs$" "absolute paths: the same, and worker.conf"
like "$log" "^found-nothing$" "find / finds none of them"
unlike "$log" "LEAK-" "no read succeeded"
like "$log" "^left$" "the last step ran"

# The secret is nowhere on the hub.
hub_req GET "/jobs/$job" -H "Authorization: Bearer $HUB_ADMIN"
is "$code" 200 "the status page of the job"
unlike "$body" "$SECRET" "does not show the secret"
hub_req GET "/v1/admin/jobs/$job/log" -H "Authorization: Bearer $HUB_ADMIN"
is "$code" 200 "the log API"
unlike "$body" "$SECRET" "does not hold it"
like "$body" "denied-abs" "(and is the job's log)"
like "$(cat "$HUB_DIR/logs/$job".*)" "denied-rel" \
    "the job's log file has the log (the grep below reads it)"
# Blobs in the database: look for the hex of the bytes too.
hex() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }
dump=$(sqlite3 "$HUB_DIR/hub.db" .dump)
unlike "$dump" "$SECRET" "the database does not hold the secret"
unlike "$dump" "$(hex "$SECRET")" "not even as the bytes of a blob"
is "$(grep -rlF -- "$SECRET" "$HUB_DIR")" "" "no file of the hub holds it"
unlike "$(cat "$T/w1.log")" "$SECRET" "nor the worker's log"

hub_done
