#!/bin/sh
# shellcheck disable=SC2154
# Retention: bb-hub gc, run while the hub serves, removes the jobs the
# policy lets go with their logs, and every blob nothing refers to once it
# is an hour old; pinned, queued and newer jobs stay with their blobs, and
# /metrics counts what went.  The server runs the same at start (and then
# daily).
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

hub_init
hub_start -K 2s
worker_make w1 PACK=0
A="Authorization: Bearer $HUB_ADMIN"

# build NAME TEXT: a job named NAME whose source and artifact hold TEXT,
# run to its end; sets JOB.
build() {
	mkdir -p "$T/src-$2"
	echo "$2" >"$T/src-$2/in.txt"
	printf 'job %s\nstep copy: cp in.txt out.txt\ncollect out.txt\n' \
	    "$1" >"$T/$2.recipe"
	JOB=$(bb-hub submit -d "$HUB_DIR" "$T/$2.recipe" "$T/src-$2") &&
	    bb-worker once "$T/w1" 2>>"$T/w1.log"
}
# blobs JOB: the digests of the job's source and artifacts, a line each.
blobs() {
	bb-hub show -r -d "$HUB_DIR" "$1" |
	    sed -n 's/^job .* source=\([^ ]*\).*/\1/p;
	    s/^artifact .* sha256=\([^ ]*\).*/\1/p'
}
# have HEX...: how many of the blobs the store holds.
have() {
	_n=0
	for _h in "$@"; do
		[ ! -f "$HUB_DIR/blobs/$(echo "$_h" | cut -c1-2)/$_h" ] ||
		    _n=$((_n + 1))
	done
	echo "$_n"
}

build a one && A1=$JOB
build a two && A2=$JOB
build a three && A3=$JOB
build b shared && B1=$JOB
build a shared && A4=$JOB
hub_submit 'job a
step never: true'
Q=$JOB
is "$(bb-hub jobs -d "$HUB_DIR" | awk 'NR > 1 { print $2 }' | sort |
    uniq -c | tr -s ' ')" " 1 queued
 5 success" "five builds and a queued job"
run bb-hub pin -d "$HUB_DIR" "$A1"
is "$rc:$err" "0:" "bb-hub pin"
like "$(bb-hub show -d "$HUB_DIR" "$A1")" "^pinned  *1$" "  show says pinned"
B_A1=$(blobs "$A1") B_A2=$(blobs "$A2") B_A3=$(blobs "$A3")
B_B1=$(blobs "$B1") B_A4=$(blobs "$A4")
# shellcheck disable=SC2086
is "$(have $B_A1 $B_A2 $B_A3 $B_B1 $B_A4)" 10 \
    "each holds a source and an artifact in the store"
is "$(echo "$B_B1" | sed -n 2p)" "$(echo "$B_A4" | sed -n 2p)" \
    "b's artifact and a's last one are the same blob"

# An upload nothing refers to, and everything an hour old or more but it.
hub_req POST /v1/admin/sources -H "$A" --data-binary 'nobody wants this'
ORPHAN=$(printf '%s\n' "$body" | rec_get sha256)
find "$HUB_DIR/blobs" -type f -exec touch -d '2 hours ago' {} +
hub_req POST /v1/admin/sources -H "$A" --data-binary 'just uploaded'
YOUNG=$(printf '%s\n' "$body" | rec_get sha256)
: >"$HUB_DIR/blobs/tmp/leftover"
touch -d '2 hours ago' "$HUB_DIR/blobs/tmp/leftover"

# Keep the newest build of each name: a2 and a3 go (a1 is pinned, a4 is
# a's newest, b1 b's, the queued job is no build yet).
run bb-hub gc -d "$HUB_DIR" -D 0 -N 1
is "$rc" 0 "bb-hub gc while the hub serves: exit 0"
like "$out" "^removed 2 jobs and 5 blobs, [0-9]* bytes (kept: the last 1 \
builds of each name, 0 days)$" "  says what it removed"
is "$(bb-hub jobs -d "$HUB_DIR" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" \
    "$Q $A4 $B1 $A1 " "the jobs that stay"
run bb-hub show -d "$HUB_DIR" "$A2"
is "$rc:$err" "65:bb-hub: no job $A2" "a removed job is gone"
run bb-hub log -d "$HUB_DIR" "$A3"
is "$rc" 65 "  with its log"
# shellcheck disable=SC2086
is "$(have $B_A2 $B_A3)" 0 "their sources and artifacts are gone"
is "$(have "$ORPHAN")" 0 "so is an old upload nothing refers to"
is "$(have "$YOUNG")" 1 "a young one stays (an hour's grace)"
# shellcheck disable=SC2086
is "$(have $B_A1 $B_B1 $B_A4)" 6 "the blobs of the jobs that stay stay"
ok "$([ ! -e "$HUB_DIR/blobs/tmp/leftover" ]; echo $?)" \
    "an old leftover of an upload is removed"
hub_req GET "/v1/admin/jobs/$A4/artifacts/out.txt" -H "$A"
is "$code $body" "200 shared" "a kept artifact downloads"
m=$(curl -s -H "Authorization: Bearer $HUB_METRICS" "$HUB_URL/metrics")
like "$m" "^bb_hub_gc_jobs_removed_total 2$" "/metrics counts the jobs"
like "$m" "^bb_hub_gc_blobs_removed_total 5$" "  and the blobs"
like "$m" "^bb_hub_gc_removed_bytes_total [1-9][0-9]*$" "  and the bytes"
run bb-hub gc -d "$HUB_DIR" -D 0 -N 1
like "$out" "^removed 0 jobs and 0 blobs" "gc again: nothing more"
unlike "$out" "log files" "  and no log file"

# Log files that no job attempt owns (the hub crashed between removing a
# job and its files, or an old log of a removed attempt) go once they are
# an hour old; a young one, those of the jobs that stay and other files
# in logs/ stay.
ls "$HUB_DIR/logs" >"$T/logs.before"
cp "$HUB_DIR/logs/$A1.1" "$HUB_DIR/logs/$A2.1"
cp "$HUB_DIR/logs/$A1.1" "$HUB_DIR/logs/$A1.7"
cp "$HUB_DIR/logs/$A1.1" "$HUB_DIR/logs/$A3.1"
echo notes >"$HUB_DIR/logs/README"
touch -d '2 hours ago' "$HUB_DIR/logs/$A2.1" "$HUB_DIR/logs/$A1.7" \
    "$HUB_DIR/logs/$A1.1" "$HUB_DIR/logs/README"
run bb-hub gc -d "$HUB_DIR" -D 0 -N 1
is "$rc" 0 "gc with log files no attempt owns: exit 0"
like "$out" "^removed 0 jobs and 0 blobs, [1-9][0-9]* bytes" \
    "  counting their bytes"
like "$out" "^removed 2 log files that no job attempt owned$" "  and saying so"
ok "$([ ! -e "$HUB_DIR/logs/$A2.1" ] && [ ! -e "$HUB_DIR/logs/$A1.7" ]; \
    echo $?)" "  an old log of a removed job, and of no attempt, are gone"
ok "$([ -e "$HUB_DIR/logs/$A3.1" ]; echo $?)" "  a young one stays"
ok "$([ -e "$HUB_DIR/logs/README" ]; echo $?)" "  a file not named as a log stays"
rm "$HUB_DIR/logs/$A3.1" "$HUB_DIR/logs/README"
is "$(ls "$HUB_DIR/logs")" "$(cat "$T/logs.before")" \
    "  the logs of the jobs that stay stay"
like "$(bb-hub log -d "$HUB_DIR" "$A1")" "copy" "  and read as before"

# The server runs it at start, with its -D and -N: all that is not pinned
# or queued goes.  bb-hub gc then keeps to the server's policy.
hub_stop
run bb-hub unpin -d "$HUB_DIR" "$Q"
is "$rc" 0 "unpin a job that is not pinned: fine"
hub_start -K 2s -D 0 -N 0
wait_for 20 sh -c "curl -s -H 'Authorization: Bearer $HUB_METRICS' \
    '$HUB_URL/metrics' | grep -q '^bb_hub_gc_jobs_removed_total 4$'"
ok $? "at start the server removes the two more builds"
is "$(bb-hub jobs -d "$HUB_DIR" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" \
    "$Q $A1 " "  the pinned and the queued job stay"
wait_for 20 grep -q "gc: removed 2 jobs and [0-9]* blobs" "$HUB_LOG"
ok $? "  its log says so when the run ends"
bb-hub unpin -d "$HUB_DIR" "$A1"
run bb-hub gc -d "$HUB_DIR"
like "$out" "^removed 1 jobs .*(kept: the last 0 builds of each name, 0 \
days)" "bb-hub gc without -D and -N uses the server's policy"

run bb-hub pin -d "$HUB_DIR" 999
is "$rc:$err" "65:bb-hub: no job 999" "pin an unknown job: exit 65"
run bb-hub pin -d "$HUB_DIR" x
is "$rc" 64 "pin x: exit 64"
like "$err" "^bb-hub: pin: 'x' is not a job number$" "  naming it"
run bb-hub gc -d "$HUB_DIR" -D -1
is "$rc" 64 "gc -D -1: exit 64"
like "$err" "^bb-hub: gc: -D -1: too small" "  naming it"
hub_done
