#!/bin/sh
# The worker's disk fills during a job (issue 15): the job ends in state
# error in its first attempt, with the cause in bb-hub show, instead of
# going through lease expiries; the build is stopped; what was delivered
# stays; the spool is empty afterwards; the next job runs.  A worker's
# home is a small tmpfs, which needs root (or a user namespace's root).
# shellcheck disable=SC2154
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

[ "$(id -u)" = 0 ] ||
    skip_all "mounts a small tmpfs as the worker's home: needs root"
for _w in w1 w2; do
	mkdir "$T/$_w"
	mount -t tmpfs -o size=4m,mode=0755 bb-test "$T/$_w" \
	    2>"$T/mount.err" ||
	    skip_all "cannot mount a tmpfs here: $(cat "$T/mount.err")"
	cleanup "umount '$T/$_w' 2>/dev/null || umount -l '$T/$_w'"
done

hub_init
hub_start -K 20s -A 3

# Where the steps mark that they run, outside the full disk.
M=$T/marks
mkdir -m 1777 "$M"
chmod 711 "$T"	# RUN_AS=nobody reaches $M

attempt_of() {
	bb-hub show -r -d "$HUB_DIR" "$1" |
	    sed -n '1s/.* attempt=\([^ ]*\).*/\1/p'
}

spool_empty() {
	[ -z "$(ls -A "$T/$1/spool")" ]
}

# fill NAME DIR [SETTINGS...]: worker NAME's build starts a long sleep,
# fills the disk (a file in DIR), then goes on printing: bb-report cannot
# spool its records, stops the build and finishes the job as an error.
fill() {
	_w=$1 _d=$2
	shift 2
	worker_make "$_w" CACHE_DIRS="$M" "$@" || return 1
	worker_start "$_w"
	# The disk fills once the first record is on the hub: a step that
	# starts at once could otherwise fill it before bb-report spools it.
	hub_submit "job fill-$_w
step fill: sleep 300.$$ & touch $M/$_w.sleeping; i=0; while [ ! -e $M/$_w.go ] && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i + 1)); done; dd if=/dev/zero of=$_d/big bs=64k; i=0; while [ \$i -lt 5000 ]; do echo \"line \$i: the build goes on\"; i=\$((i + 1)); done; wait"
	wait_for 30 sh -c "bb-hub log -r -d '$HUB_DIR' $JOB 2>/dev/null |
	    grep -q '^workdir '"
	touch "$M/$_w.go"
	wait_state 60 "$JOB" success failure timeout cancelled error
	is "$(job_state "$JOB")" error \
	    "$_w: the build fills the disk: the job ends in error"
	is "$(attempt_of "$JOB")" 1 "  in its first attempt"
	like "$(bb-hub show -d "$HUB_DIR" "$JOB")" \
	    "^reason  *no space left on device in $T/$_w/spool$" \
	    "  bb-hub show gives the cause"
	bb-hub log -r -d "$HUB_DIR" "$JOB" >"$T/$_w.hublog"
	is "$(tail -1 "$T/$_w.hublog" | cut -d' ' -f1-3)" \
	    "error tool=bb-report msg=no%20space%20left%20on%20device%20in%20$T/$_w/spool" \
	    "  and the log says it, last"
	# Which records came before the disk was full is a race; the first
	# was on the hub before the disk filled.
	is "$(head -1 "$T/$_w.hublog" | cut -d' ' -f1)" workdir \
	    "  what was delivered stays"
	wait_for 20 spool_empty "$_w"
	ok $? "  the spool is empty afterwards"
	ok "$([ -e "$M/$_w.sleeping" ] && echo 0 || echo 1)" \
	    "  the build had begun"
	wait_for 20 sh -c "! pgrep -f '^sleep 300[.]$$' >/dev/null"
	ok $? "  and is stopped"
	like "$(cat "$T/$_w.log")" "no space left on device in $T/$_w/spool" \
	    "  the worker says so"
}

fill w1 .

# bb-unpack cannot unpack the source: 8 MiB of zeros on a 4 MiB disk.
mkdir "$T/big"
head -c 8388608 /dev/zero >"$T/big/zeros"
hub_submit "job unpack
step never: touch $M/unpack.ran" "$T/big"
wait_state 60 "$JOB" success failure timeout cancelled error
is "$(job_state "$JOB")" error "the source does not fit: the job ends in error"
is "$(attempt_of "$JOB")" 1 "  in its first attempt"
like "$(bb-hub show -d "$HUB_DIR" "$JOB")" \
    "^reason  *bb-unpack: .*: no space left on device in $T/w1/work/$JOB-1$" \
    "  bb-hub show gives the cause"
ok "$([ ! -e "$M/unpack.ran" ] && echo 0 || echo 1)" "  no step ran"
wait_for 20 spool_empty w1
ok $? "  the spool is empty afterwards"

# The space is back: the next job runs.
hub_submit "job after
step ok: echo fine"
wait_state 60 "$JOB" success failure timeout cancelled error
is "$(job_state "$JOB")" success "the next job runs and succeeds"
worker_kill "$WORKER_PID"

# Without the sandbox, bb-run ends the build's processes itself.
mkdir -m 1777 "$T/w2/scratch"
fill w2 "$T/w2/scratch" SANDBOX=none RUN_AS=nobody

hub_done
