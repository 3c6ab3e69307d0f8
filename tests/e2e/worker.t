#!/bin/sh
# shellcheck disable=SC2154
# bb-worker against a real bb-hub: a job from submit to success, a failed
# build, and a job the worker lacks a capability for.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

hub_init
hub_start -K 2s
worker_make w1 CAPS=cc,make

# The example project, from submit to success.
JOB=$(bb-hub submit -d "$HUB_DIR" "$BB_SRC/contrib/examples/hello/hello.recipe" \
    "$BB_SRC/contrib/examples/hello")
run bb-worker once "$T/w1"
is "$rc" 0 "bb-worker once: exit 0"
like "$err" "job $JOB (hello), attempt 1: started" "it says which job it runs"
like "$err" "job $JOB: success, delivered" "and how it ended"
is "$(job_state "$JOB")" success "the hub has the job as success"
bb-hub log -r -d "$HUB_DIR" "$JOB" > "$T/log.rec"
like "$(cat "$T/log.rec")" "^status step=test state=finished .*rc=0" \
    "the hub holds the steps' status records"
like "$(bb-hub log -d "$HUB_DIR" "$JOB")" "ok 2 - greets by name" \
    "and the build's output"
art=$(grep '^artifact ' "$T/log.rec" | grep 'name=[^ ]*\.tar\.zst ' | head -1)
name=$(printf '%s\n' "$art" | rec_get name)
sha=$(printf '%s\n' "$art" | rec_get sha256)
ok "$([ -n "$name" ] && [ -n "$sha" ]; echo $?)" \
    "the worker reported its archive: $name"
hub_req GET "/v1/admin/jobs/$JOB/artifacts/$name" \
    -H "Authorization: Bearer $HUB_ADMIN"
is "$code" 200 "the artifact can be fetched from the hub"
is "$(sha256sum < "$T/resp" | cut -c1-64)" "$sha" \
    "and its sha256 is the one the worker computed"
mkdir "$T/x"
tar -x --zstd -f "$T/resp" -C "$T/x"
is "$("$T/x/dist/hello" bb)" "hello, bb (hello 1.0)" \
    "the archive holds the binary the build made"
empty_dirs "the job's work directory and spool are gone" "$T/w1/work" \
    "$T/w1/spool"

# A failed build ends failure and names the step.
hub_submit 'job bad
step one: echo one
step two: echo two >&2; exit 3
step three: echo three
step tidy always: echo tidy'
run bb-worker once "$T/w1"
is "$rc" 0 "a failed build: bb-worker still exits 0"
like "$err" "job $JOB: the build failed, delivered (step two exited with status 3)" \
    "it says the build failed, and where"
is "$(job_state "$JOB")" failure "the hub has the job as failure"
bb-hub log -r -d "$HUB_DIR" "$JOB" > "$T/log.rec"
like "$(grep '^done ' "$T/log.rec")" "result=failure .*step=two" \
    "the done record names the failing step"
like "$(cat "$T/log.rec")" "^status step=three .*result=skipped" \
    "the steps after it are skipped"
unlike "$(cat "$T/log.rec")" "^log step=three" "and print nothing"
like "$(cat "$T/log.rec")" "^log step=tidy fd=1 .*data:tidy" \
    "the always step ran"
like "$(bb-hub show -d "$HUB_DIR" "$JOB")" "two" \
    "bb-hub show names the failing step"

# A job that needs what the worker lacks is never claimed by it.
hub_submit 'require gpu
step a: true'
gpu=$JOB
run bb-worker once "$T/w1"
is "$rc" 0 "no job it can run: exit 0"
like "$err" "no job for this worker" "and says so"
is "$(job_state "$gpu")" queued "the job stays queued"
like "$(bb-hub show -r -d "$HUB_DIR" "$gpu" | head -1)" " attempt=0 " \
    "and was never handed out"
worker_make w2 CAPS=gpu
run bb-worker once "$T/w2"
is "$(job_state "$gpu")" success "a worker with the capability runs it"
# A wrong secret is final: exit 77 and a message that says so.
worker_make w3
echo wrong > "$T/w3/secret"
run bb-worker once "$T/w3"
is "$rc" 77 "a wrong secret: bb-worker exits 77"
like "$err" "refused this worker's name or secret" "and says so"
unlike "$err" "wrong" "without showing the secret"

# A hub it cannot reach: once gives up after a few tries, exit 75.
worker_make w4
worker_set w4 "HUB=http://127.0.0.1:$("$BB_BUILD/tests/tools/freeport")" \
    MAXDELAY=1
run bb-worker once "$T/w4"
is "$rc" 75 "a hub that does not answer: once exits 75"
like "$err" "cannot reach the hub" "and says so"

# SIGTERM stops a worker that is still trying to reach its hub.
worker_start w4
wait_for 20 grep -q "trying again" "$T/w4.log"
ok $? "bb-worker run keeps trying to reach the hub"
kill -TERM "$WORKER_PID"
wait_for 10 sh -c "! kill -0 $WORKER_PID 2>/dev/null"
ok $? "SIGTERM stops it at once, hub or no hub"
wait "$WORKER_PID"
is "$?" 0 "with status 0"
done_testing
