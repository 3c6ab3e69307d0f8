#!/bin/sh
# shellcheck disable=SC2154
# Stages (issue 13): stage 1 builds and collects a file on a worker with
# CAPS=cc; the hub packs what it kept into stage 2's source, digest and
# all; stage 2, no steps, runs on a worker with CAPS=signer that probes
# no compiler, which signs and packs the file; the final archive verifies
# with stock signify, the file still executable.  The hub shows one
# pipeline of two stages.  A stage that fails stops the chain, with its
# reason in the stage after it.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

command -v signify-openbsd >/dev/null 2>&1 ||
    skip_all "signify-openbsd is not installed"
hub_init
hub_start
bb-sign -G -p "$T/s.pub" -s "$T/s.sec" >/dev/null 2>&1 || exit 1
worker_make builder CAPS=cc
worker_make signer CAPS=signer PROBE= SIGN_KEY="$T/s.sec"

cat > "$T/hello.recipe" <<'EOF'
job hello
require cc
env VERSION=1.0
step build: printf '#!/bin/sh\necho hello\n' > hello && chmod 755 hello
collect hello

stage sign
require signer
collect hello
EOF
mkdir -p "$T/src"
echo source > "$T/src/README"
run bb-hub submit -d "$HUB_DIR" "$T/hello.recipe" "$T/src"
is "$rc" 0 "a recipe of two stages is submitted"
J1=$out
J2=$((J1 + 1))
is "$(job_state "$J2")" waiting "stage 2 waits for stage 1"
worker_start builder
BUILDER=$WORKER_PID
worker_start signer
SIGNER=$WORKER_PID
wait_state 90 "$J2" success failure error cancelled
is "$(job_state "$J1"):$(job_state "$J2")" success:success \
    "both stages succeeded"

show=$(bb-hub show -d "$HUB_DIR" "$J1")
like "$show" "^stage      1 job $J1 hello: success on builder" \
    "bb-hub show: stage 1, built on the cc worker"
like "$show" "^stage      2 job $J2 sign: success on signer" \
    "stage 2, on the signer"
is "$(bb-hub show -r -d "$HUB_DIR" "$J2" | grep -c '^pipeline ')" 2 \
    "one pipeline of two stages, from either job"
like "$(bb-hub show -r -d "$HUB_DIR" "$J2" | head -1)" \
    " pipeline=$J1 stage=2 stages=2" "stage 2 knows its pipeline"

# The status page shows the pipeline on each stage's page.
hub_req GET "/jobs/$J2" -H "Authorization: Bearer $HUB_ADMIN"
is "$code" 200 "stage 2's page"
like "$body" '<section id="pipeline"><h2>Pipeline' "has a pipeline section"
like "$body" "<a href=\"$J1\">$J1</a>.*hello.*badge success" \
    "with stage 1, linked, and its state"
like "$body" "<tr class=\"current\">.*<a href=\"$J2\">$J2</a>.*sign" \
    "and stage 2, this one"
hub_req GET "/" -H "Authorization: Bearer $HUB_ADMIN"
like "$body" "sign <span class=\"dim\">stage 2 of 2</span>" \
    "the status page says which stage a job is"

# Stage 2's source: what stage 1 kept, checked by its digest.
src=$(bb-hub show -r -d "$HUB_DIR" "$J2" | head -1 | rec_get source)
hub_req GET "/v1/admin/jobs/$J2/source" -H "Authorization: Bearer $HUB_ADMIN"
is "$code" 200 "stage 2's source can be fetched"
is "$(sha256sum < "$T/resp" | cut -d' ' -f1)" "$src" \
    "its digest is the one the job has"
like "$(tar -tvzf "$T/resp")" "^-rwxr-xr-x root/root .* hello$" \
    "it holds stage 1's file, executable"
is "$(tar -tzf "$T/resp")" hello \
    "and nothing else: a stage that feeds another is not packed"

# The signer ran no step: no shell, no compiler.
log=$(bb-hub log -r -d "$HUB_DIR" "$J2")
unlike "$log" "^status " "stage 2 ran no step"
like "$log" "^artifact .*name=hello-1.0-linux-[^ ]*\.tar\.zst .*members=4" \
    "stage 2 packed hello, its signature and the signed list, under the \
pipeline's name and version"

# The final archive, from stage 2, verifies with the stock tool.
run bb-hub fetch -d "$HUB_DIR" -o "$T/fetched" "$J2"
is "$rc" 0 "bb-hub fetch gets stage 2's artifacts"
arch=$(cd "$T/fetched" && ls hello-1.0-*.tar.zst)
mkdir -p "$T/x"
tar --zstd -xf "$T/fetched/$arch" -C "$T/x"
run sh -c "cd '$T/x' && signify-openbsd -C -p '$T/s.pub' -x SHA256.sig"
is "$rc:$out" "0:Signature Verified
hello: OK" "the final archive verifies with signify -C"
ok "$([ -x "$T/x/hello" ] && echo 0 || echo 1)" "hello is still executable"
is "$("$T/x/hello")" hello "and runs"

# A stage that fails stops the chain, with its reason.
cat > "$T/bad.recipe" <<'EOF'
job bad
require cc
step build: echo broken; exit 3
collect hello

stage sign
require signer
collect hello
EOF
run bb-hub submit -d "$HUB_DIR" "$T/bad.recipe" "$T/src"
B1=$out
B2=$((B1 + 1))
wait_state 60 "$B2" success failure error cancelled
is "$(job_state "$B1"):$(job_state "$B2")" failure:cancelled \
    "stage 1 failed: stage 2 is cancelled"
like "$(bb-hub show -d "$HUB_DIR" "$B2")" \
    "^reason     stage bad (job $B1) ended failure: .*exited with status 3$" \
    "with the reason of stage 1"
like "$(cat "$HUB_LOG")" "job $B2: cancelled: stage bad" "the hub's log says so"

# Cancelling a stage cancels those after it.
worker_kill "$BUILDER"
worker_kill "$SIGNER"
run bb-hub submit -f -d "$HUB_DIR" "$T/bad.recipe" "$T/src"
C1=$out
run bb-hub cancel -d "$HUB_DIR" "$C1"
is "$rc" 0 "a pipeline's first stage is cancelled"
is "$(job_state "$((C1 + 1))")" cancelled "and the stage after it too"

hub_done
