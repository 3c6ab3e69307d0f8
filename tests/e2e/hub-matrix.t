#!/bin/sh
# shellcheck disable=SC2154
# One submit, many builds (issue 13): a 2x2 matrix less one excluded
# combination makes three jobs, each with its values in its steps'
# environment and in its archive's name; the same submit again is refused
# as built already, naming the jobs, and -f queues it anyway; -m adds an
# axis at submit.  With -e, three workers of two distinct platforms make
# two jobs, each of which only a worker of its platform may claim.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

hub_init
hub_start
worker_make w1

cat > "$T/mx.recipe" <<'EOF'
job mx
env VERSION=1.0
matrix CC=gcc,clang
matrix OPT=O0,O2
exclude CC=clang OPT=O0
step build: echo "$CC -$OPT" > out.txt
collect out.txt
EOF
mkdir -p "$T/src"
echo source > "$T/src/README"
run bb-hub submit -d "$HUB_DIR" "$T/mx.recipe" "$T/src"
is "$rc" 0 "a 2x2 matrix is submitted"
is "$(printf '%s\n' "$out" | cut -d' ' -f2- | tr '\n' ';')" \
    "CC=gcc OPT=O0;CC=gcc OPT=O2;CC=clang OPT=O2;" \
    "three jobs, the excluded combination left out"
JOBS=$(printf '%s\n' "$out" | cut -d' ' -f1)
worker_start w1
for j in $JOBS; do
	wait_state 60 "$j" success failure error
	is "$(job_state "$j")" success "job $j built"
done

# names JOB: the job's artifact names, one a line.
names() {
	bb-hub show -r -d "$HUB_DIR" "$1" |
	    sed -n 's/^artifact .* name=\([^ ]*\).*/\1/p'
}
all=$(for j in $JOBS; do names "$j"; done | grep '\.tar\.zst$' | sort)
arch=$(uname -m)
is "$all" "mx-1.0-linux-$arch-clang-O2.tar.zst
mx-1.0-linux-$arch-gcc-O0.tar.zst
mx-1.0-linux-$arch-gcc-O2.tar.zst" "each archive carries its axis values"
last=$(printf '%s\n' "$JOBS" | tail -1)
run bb-hub fetch -d "$HUB_DIR" -o "$T/f" "$last"
tar --zstd -xf "$T/f/mx-1.0-linux-$arch-clang-O2.tar.zst" -C "$T/f"
is "$(cat "$T/f/out.txt")" "clang -O2" "the steps had the values as variables"
like "$(bb-hub show -d "$HUB_DIR" "$last")" "^config     CC=clang OPT=O2$" \
    "bb-hub show gives a job's configuration"

# The same again: built already.
run bb-hub submit -d "$HUB_DIR" "$T/mx.recipe" "$T/src"
is "$rc" 65 "the same submit again is refused (exit 65)"
first=$(printf '%s\n' "$JOBS" | head -1)
like "$err" "job $first built mx CC=gcc OPT=O0 from this source already: not queued (-f queues it)" \
    "and says which job built each"
is "$(printf '%s\n' "$err" | grep -c 'built mx')" 3 "all three of them"
is "$(bb-hub jobs -d "$HUB_DIR" -s queued | sed 1d)" "" "nothing was queued"
{
	printf 'submit source=%s\n' "$(bb-hub show -r -d "$HUB_DIR" "$first" |
	    rec_get source)"
	bb-hub show -r -d "$HUB_DIR" "$first" | sed '1d; /^attempt /,$d'
} > "$T/again"
hub_req POST /v1/admin/jobs -H "Authorization: Bearer $HUB_ADMIN" \
    --data-binary @"$T/again"
is "$code" 409 "the admin API refuses it too (409)"
like "$body" "reason=built msg=job%20$first%20built%20it" "naming the job"

# A changed matrix builds what is new only.
run bb-hub submit -d "$HUB_DIR" -m OPT=O2,O3 "$T/mx.recipe" "$T/src"
is "$rc" 0 "-m OPT=O2,O3: queued what is new"
is "$(printf '%s\n' "$out" | cut -d' ' -f2- | tr '\n' ';')" \
    "CC=gcc OPT=O3;CC=clang OPT=O3;" "O3 only, O2 was built"
NEW=$(printf '%s\n' "$out" | cut -d' ' -f1)
for j in $NEW; do
	wait_state 60 "$j" success failure error
done
run bb-hub submit -f -d "$HUB_DIR" "$T/mx.recipe" "$T/src"
is "$rc:$(printf '%s\n' "$out" | wc -l)" "0:3" "-f queues all three again"
for j in $(printf '%s\n' "$out" | cut -d' ' -f1); do
	wait_state 60 "$j" success failure error
done
worker_kill "$WORKER_PID"
bb-hub remove-worker -d "$HUB_DIR" w1

# One job a distinct platform of the workers: three, of two platforms.
hub_add_worker pa && hub_hello pa "linux,x86_64,cc" && TA=$TOKEN
hub_add_worker pb && hub_hello pb "cc,x86_64,linux" && TB=$TOKEN
hub_add_worker pc && hub_hello pc "linux,x86_64,cc,gpu" && TC=$TOKEN
cat > "$T/each.recipe" <<'EOF'
job each
require cc
step build: true
EOF
run bb-hub submit -e -d "$HUB_DIR" "$T/each.recipe" "$T/src"
is "$rc" 0 "submit -e"
like "$out" "on .*gpu" "a job for the gpu workers"
is "$(printf '%s\n' "$out" | wc -l)" 2 "three workers, two platforms: two jobs"
gpu=$(printf '%s\n' "$out" | grep gpu | cut -d' ' -f1)
plain=$(printf '%s\n' "$out" | grep -v gpu | cut -d' ' -f1)
like "$(bb-hub show -d "$HUB_DIR" "$gpu")" "^platform   .*gpu" \
    "bb-hub show gives its platform"
hub_claim "Authorization: Bearer $TC"
like "$body" "^job id=$gpu " "the gpu worker claims the gpu job"
hub_claim "Authorization: Bearer $TC"
is "$code" 204 "and not the other: it is not of that platform"
hub_claim "Authorization: Bearer $TB"
like "$body" "^job id=$plain " "a worker of the other platform claims it"
hub_claim "Authorization: Bearer $TA"
is "$code" 204 "one job a platform, not one a worker"
run bb-hub submit -e -d "$HUB_DIR" "$T/mx.recipe" "$T/src"
is "$rc" 0 "submit -e of a matrix"
is "$(printf '%s\n' "$out" | wc -l)" 6 "three combinations on each of two platforms"
cat > "$T/none.recipe" <<'EOF'
job none
require docker
step build: true
EOF
run bb-hub submit -e -d "$HUB_DIR" "$T/none.recipe" "$T/src"
is "$rc" 65 "submit -e with no worker of the requirements: exit 65"
like "$err" "no worker that has said hello meets the requirements \"docker\"" \
    "says so"

hub_done
