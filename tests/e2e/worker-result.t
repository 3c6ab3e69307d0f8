#!/bin/sh
# shellcheck disable=SC2154
# A job's result is the worst of its stages: a build that succeeds but
# whose sign, pack or upload stage fails ends the job error, with the
# stage and the cause in its reason, on the hub (bb-hub show, bb-hub log,
# the status page) as in the worker's log.  Whole jobs through a real
# hub and bb-worker.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"
. "$BB_SRC/tests/fakehub.sh"

hub_init
hub_start -K 2s
AUTH="Authorization: Bearer $HUB_ADMIN"
bb-sign -G -p "$T/s.pub" -s "$T/s.sec"

RECIPE='job nested
step build: mkdir -p a/b && echo x > a/b/x && echo y > y
collect a/b/x y'

# reason JOB: the job's reason as bb-hub jobs -r gives it, decoded.
reason() {
	bb-hub jobs -r -d "$HUB_DIR" | grep "^job id=$1 " | rec_get reason |
	    sed 's/%20/ /g'
}

# shown JOB STAGE WHAT: bb-hub show, bb-hub log, the status page and the
# job's page say the job is error, and name the stage with its cause.
shown() {
	_show=$(bb-hub show -d "$HUB_DIR" "$1")
	like "$_show" "^state *error\$" "$3: bb-hub show says error"
	like "$_show" "^reason *$2" "$3: and names the stage and the cause"
	like "$(bb-hub log -d "$HUB_DIR" "$1")" "^== error $2" \
	    "$3: bb-hub log has the stage's error"
	like "$(bb-hub log -d "$HUB_DIR" "$1" | tail -n 1)" \
	    "^== \(done\|job\) error $2" \
	    "$3: and ends with the job's result, error"
	hub_req GET / -H "$AUTH"
	like "$body" "<a href=\"jobs/$1\">$1</a></td><td data-label=\"name\" class=\"wrap\">[^<]*</td><td data-label=\"result\"><span class=\"badge error\">error" \
	    "$3: the status page lists the job as error"
	hub_req GET "/jobs/$1" -H "$AUTH"
	like "$body" "<dt>reason</dt><dd>$2" \
	    "$3: the job's page names the stage and the cause"
}

# A key that cannot sign: the worker checked it at start, then its mode
# let others read it, which bb-sign refuses.
worker_make w1 PACK=0 "SIGN_KEY=$T/s.sec"
worker_start w1
wait_for 30 grep -q "worker w1 of" "$T/w1.log"
ok $? "the worker started: its key signed at start"
chmod 644 "$T/s.sec"
hub_submit "$RECIPE"
wait_state 60 "$JOB" success failure error timeout cancelled
is "$(job_state "$JOB")" error "sign stage failed: the job is error on the hub"
like "$(reason "$JOB")" "^bb-sign: .*s.sec.*" \
    "its reason names the stage and the key"
shown "$JOB" bb-sign "sign"
wait_for 30 grep -q "job $JOB: error, delivered" "$T/w1.log"
ok $? "the worker's log says error too"
like "$(cat "$T/w1.log")" "job $JOB: error, delivered (bb-sign: .*s.sec" \
    "with the same reason"
unlike "$(cat "$T/w1.log")" "job $JOB: success" "and never success"
is "$(bb-hub show -r -d "$HUB_DIR" "$JOB" | grep -c '^artifact .*\.sig ')" 0 \
    "no signature reached the hub"
is "$(bb-hub show -r -d "$HUB_DIR" "$JOB" | grep -c '^artifact ')" 2 \
    "the artifacts did, unsigned: nothing is lost"
worker_kill "$WORKER_PID"
chmod 600 "$T/s.sec"

# A pack stage that fails: a template with an unknown {field}.
worker_make w2 "PACK_TEMPLATE={name}-{nope}"
hub_submit "$RECIPE"
run bb-worker once "$T/w2"
is "$rc" 0 "pack stage failed: bb-worker once exits 0 (the job is delivered)"
is "$(job_state "$JOB")" error "the job is error on the hub"
like "$(reason "$JOB")" "^bb-pack: {name}-{nope}: unknown placeholder {nope}" \
    "its reason names the stage and the cause"
shown "$JOB" "bb-pack: {name}-{nope}" "pack"
like "$err" "job $JOB: error, delivered (bb-pack: {name}-{nope}: unknown placeholder" \
    "the worker's log says the same"
unlike "$err" "job $JOB: success" "and not success"
is "$(bb-hub show -r -d "$HUB_DIR" "$JOB" | sed -n 's/^artifact .* name=\([^ ]*\).*/\1/p' | sort | tr '\n' ' ')" \
    "a/b/x y " "the artifacts reached the hub unpacked"

# A build that fails keeps its result: a stage after it does not hide it.
hub_submit 'job broken
step build: echo y > y; exit 3
collect y'
run bb-worker once "$T/w2"
is "$(job_state "$JOB")" failure "a failed build with a failing pack: failure"
like "$(reason "$JOB")" "build" "its reason is the build's"
like "$err" "job $JOB: the build failed, delivered" "the worker says so"

# An upload refused on its way to the hub: nginx in front of the hub
# refuses one file as the hub refuses one too large.
command -v nginx >/dev/null 2>&1 || { skip "no nginx"; hub_done; exit; }
fakehub_start front <<EOF || { hub_diag; exit 1; }
location ~ ^/v1/jobs/[0-9]+/artifacts/big\$ {
	return 413 "error status=413 reason=too-large msg=at%20most%201%20KiB%20here\n";
}
location /v1/ {
	proxy_pass $HUB_URL;
	proxy_buffering off;
	proxy_request_buffering off;
	client_max_body_size 0;
}
EOF
worker_make w3 PACK=0 "HUB=$FAKEHUB"
hub_submit 'job upload
step build: echo small > small && head -c 4096 /dev/zero > big
collect small big'
run bb-worker once "$T/w3"
is "$rc" 0 "upload refused: bb-worker once exits 0"
is "$(job_state "$JOB")" error "the job is error on the hub"
like "$(reason "$JOB")" "^bb-report: artifact big: refused by the hub: .*413: at most 1 KiB here" \
    "its reason names the stage, the file and the cause"
shown "$JOB" "bb-report: artifact big" "upload"
like "$err" "job $JOB: error, delivered (bb-report: artifact big: refused by the hub" \
    "the worker's log says the same"
unlike "$err" "job $JOB: success" "and not success"
is "$(bb-hub show -r -d "$HUB_DIR" "$JOB" | sed -n 's/^artifact .* name=\([^ ]*\).*/\1/p')" \
    small "the other file reached the hub"
hub_done
