#!/bin/sh
# shellcheck disable=SC2154
# Caches (issue 13): the same recipe built twice from two sources with
# "cache ccache" finds in its cache what the first build wrote (and
# ccache's hits rise when ccache is here); a cache over its max goes when
# the job ends; bb-worker cache lists and clears them; a worker short of
# room removes the caches no job uses before it gives up a claim.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

hub_init
hub_start
worker_make w1
W=$T/w1

have_ccache=0
command -v ccache >/dev/null && command -v cc >/dev/null && have_ccache=1
RECIPE='job cached
cache ccache
cache big max 64K
step stamp: if [ -f "$BB_CACHE_CCACHE/stamp" ]; then echo "seen $(cat "$BB_CACHE_CCACHE/stamp")"; else echo fresh; cat src.txt > "$BB_CACHE_CCACHE/stamp"; fi
step big: head -c 200000 /dev/zero > "$BB_CACHE_BIG/blob"; echo "big=$BB_CACHE_BIG"'
if [ "$have_ccache" = 1 ]; then
	RECIPE="$RECIPE
step cc: CCACHE_DIR=\$BB_CACHE_CCACHE ccache cc -c hello.c -o hello.o && CCACHE_DIR=\$BB_CACHE_CCACHE ccache --print-stats | grep -E '^(direct|preprocessed)_cache_hit'"
fi

# build N: a source of its own (so no "built already"), the same recipe.
build() {
	mkdir -p "$T/src$1"
	echo "source $1" > "$T/src$1/src.txt"
	echo 'int main(void) { return 0; }' > "$T/src$1/hello.c"
	hub_submit "$RECIPE" "$T/src$1"
	_job=$JOB
	wait_state 90 "$_job" success failure error
	is "$(job_state "$_job")" success "build $1 ran"
	LOG=$(bb-hub log -d "$HUB_DIR" "$_job")
}

# hits LOG: ccache's hits, direct and preprocessed, in the log.
hits() {
	printf '%s\n' "$1" | awk '/^(direct|preprocessed)_cache_hit/ { n += $2 }
	    END { print n + 0 }'
}

worker_start w1
build 1
like "$LOG" "^fresh$" "build 1: the cache is empty"
h1=$(hits "$LOG")
build 2
like "$LOG" "^seen source 1$" "build 2 sees the file build 1 wrote in the cache"
if [ "$have_ccache" = 1 ]; then
	h2=$(hits "$LOG")
	ok "$([ "$h2" -gt "$h1" ] && echo 0 || echo 1)" \
	    "ccache's hits rose from $h1 to $h2"
else
	skip "no ccache here"
fi
like "$LOG" "big=$W/cache/" "a cache is a directory under BASEDIR/cache"

list=$(bb-worker cache "$W")
like "$list" "cached/ccache of $HUB_URL" "bb-worker cache lists the ccache"
unlike "$list" "cached/big" "the one over its max of 64K is gone"
like "$(cat "$T/w1.log")" "cache big: .*over its max of 64K: removed" \
    "the worker's log says why"
big_dir=$(printf '%s\n' "$LOG" | sed -n 's/^big=//p' | head -1)
ok "$([ -n "$big_dir" ] && [ ! -e "$big_dir" ] && echo 0 || echo 1)" \
    "and its directory is gone"

# Short of room, the worker removes caches no job uses before it
# declines to claim.
worker_kill "$WORKER_PID"
worker_set w1 MIN_FREE=1024T
worker_start w1
wait_for 30 grep -q "removed 1 cache in $W/cache for room" "$T/w1.log"
ok $? "short of room (MIN_FREE=1024T), the worker removed the cache"
like "$(cat "$T/w1.log")" "not claiming: .*free under $W" \
    "and, still short, claims nothing"
is "$(bb-worker cache "$W" | sed 1d)" "" "no cache is left"
worker_kill "$WORKER_PID"

# bb-worker cache -x removes the caches named; an unknown name is an error.
worker_set w1 MIN_FREE=1M
worker_start w1
build 3
like "$LOG" "^fresh$" "build 3 starts from an empty cache again"
worker_kill "$WORKER_PID"
run bb-worker cache -x "$W" cached/nothing
is "$rc" 65 "bb-worker cache -x of an unknown cache exits 65"
like "$err" "cached/nothing: no such cache" "and says which"
run bb-worker cache -x "$W" cached/
is "$rc" 0 "bb-worker cache -x RECIPE/ clears the recipe's caches"
like "$out" "removed cached/ccache" "and says what it removed"
is "$(bb-worker cache "$W" | sed 1d)" "" "none left"

hub_done
