#!/bin/sh
# bb-report when the disk fails its spool (issue 15): with its basedir on
# a tiny tmpfs (in a user namespace, which needs no root), it tells the
# hub from memory, finishes the job as an error with the cause in one
# attempt, keeps what it delivered and leaves no spool.
# shellcheck disable=SC2154 # run sets rc, out and err
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/report.sh"

B=$T/base
mkdir "$B"
unshare -rm sh -c "mount -t tmpfs -o size=64k bb-test '$B'" \
    2>"$T/unshare.err" || skip_all "cannot mount a tmpfs in a user" \
    "namespace here: $(cat "$T/unshare.err")"
report_hub -K 20s || { hub_diag; exit 1; }

# small_disk FILL: bb-report -b $B with $B a tmpfs of 64 KiB (FILL 1:
# filled up first), in a mount namespace of its own, reading $T/in; sets
# rc and err, as run does, and lists what it leaves in $B/spool in
# $T/left.
small_disk() {
	unshare -rm sh -c 'mount -t tmpfs -o size=64k bb-test "$1" || exit 125
	[ "$2" = 0 ] || dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null
	bb-report -b "$1"
	rc=$?
	ls -A "$1/spool" >"$3/left"
	exit $rc' sh "$B" "$1" "$T" <"$T/in" >"$T/out" 2>"$T/err"
	rc=$?
	err=$(cat "$T/err")
}

# The spool fills in the middle of the job: 3000 lines are more than
# 64 KiB.
report_claim || { hub_diag; exit 1; }
report_input "$T/in" /dev/null
report_lines 1 3000 >>"$T/in"
echo 'done result=success started=1 elapsed=1' >>"$T/in"
small_disk 0
is "$rc" 74 "the spool fails: exit 74, once the job is finished"
like "$err" "^bb-report: job $JOB: write spool/$JOB.1/records: No space left on device: the spool is held in memory from now on; the build is stopped and the job finished as an error$" \
    "it says what failed"
like "$err" "^bb-report: job $JOB: no space left on device in $B/spool: the job is finished as an error; the build must stop$" \
    "and what it did"
is "$(report_state)" error "the job ends in error"
like "$(bb-hub show -d "$HUB_DIR" "$JOB")" \
    "^reason  *no space left on device in $B/spool$" "bb-hub show gives the cause"
like "$(bb-hub show -d "$HUB_DIR" "$JOB")" "^attempt  *1 by w1: finished error" \
    "in one attempt"
report_log >"$T/got"
n=$(wc -l <"$T/got")
like "$n" "^[1-9][0-9]*$" "the hub holds $n records"
is "$(tail -1 "$T/got")" \
    "error tool=bb-report msg=no%20space%20left%20on%20device%20in%20$B/spool seq=$n" \
    "the last is the cause"
head -n $((n - 1)) "$T/got" >"$T/kept"
report_want "$T/in" | head -n $((n - 1)) >"$T/want"
same "$T/want" "$T/kept" "the others are the input's first ones, in order"
is "$(cat "$T/left")" "" "no spool is left"

# No room for the spool at all: its context cannot be written.
report_claim || { hub_diag; exit 1; }
report_input "$T/in" /dev/null
report_lines 1 10 >>"$T/in"
small_disk 1
is "$rc" 74 "no room for the spool: exit 74"
like "$err" "no space left on device in $B/spool: the job is finished as an error" \
    "  says so"
is "$(report_state)" error "  the job ends in error"
like "$(bb-hub show -d "$HUB_DIR" "$JOB")" "^reason  *no space left on device in $B/spool$" \
    "  with the cause"
is "$(report_log | cut -d' ' -f1-2)" "error tool=bb-report" \
    "  told from memory"
is "$(cat "$T/left")" "" "  no spool is left"

hub_done
