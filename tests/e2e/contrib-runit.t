#!/bin/sh
# shellcheck disable=SC2154
# contrib/runit as make install puts it: bb-worker under runsv builds a
# job, `sv -w 600 stop` lets the running job finish and returns once the
# worker is down, and svlogd keeps the log with times, size and count.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

for c in runsv sv svlogd chpst; do
	command -v "$c" >/dev/null ||
	    skip_all "$c is not installed (apt-get install runit)"
done
contrib_install
ok $? "make install-files PREFIX=$PREFIX"
hub_init
hub_start -K 2s
M=$T/marks
mkdir "$M"
# The build marks that it runs in a directory shared with it (CACHE_DIRS).
worker_make w1 CACHE_DIRS="$M"
hub_submit "job svjob
step a: touch $M/started; i=0; until [ -e $M/go ] || [ \$i -ge 1200 ]; do sleep 0.05; i=\$((i + 1)); done; echo finished"
job=$JOB

# The service as shipped, its settings set for the test.
S=$T/sv/bb-worker
mkdir -p "$T/sv"
cp -R "$PREFIX/share/bb/contrib/runit" "$S"
sed -e "s|^BASEDIR=.*|BASEDIR=$T/w1|" -e "s|^USER=.*|USER=$(id -un)|" \
    "$S/run" > "$S/run.new"
# Only root may change users, even to itself.
[ "$(id -u)" = 0 ] || sed -i 's|chpst -u "$USER" ||' "$S/run.new"
mv "$S/run.new" "$S/run"
sed "s|^LOGDIR=.*|LOGDIR=$T/log|" "$S/log/run" > "$S/log/run.new"
mv "$S/log/run.new" "$S/log/run"
chmod 755 "$S/run" "$S/log/run"
like "$(cat "$S/run")" "$PREFIX/bin/bb-worker run" \
    "the run script names the installed bb-worker"

# runsv as a service manager starts it: no PATH to the stages.
env -i PATH=/usr/bin:/bin runsv "$S" &
RUNSV=$!
cleanup "sv -w 10 force-shutdown $S >/dev/null 2>&1; kill $RUNSV 2>/dev/null; wait $RUNSV"
wait_for 30 sh -c "sv status $S | grep -q '^run:'"
ok $? "runsv runs the worker"
wait_for 60 test -e "$M/started"
ok $? "the worker under runit builds a job"

sv -w 600 stop "$S" > "$T/sv.out" 2>&1 &
SV=$!
wait_for 20 grep -q 'stopping: no new jobs' "$T/log/current"
ok $? "sv stop: the worker stops claiming"
kill -0 "$SV" 2>/dev/null
ok $? "sv -w 600 stop waits while the job runs"
is "$(job_state "$job")" running "and the job goes on"
touch "$M/go"
wait_for 60 sh -c "! kill -0 $SV 2>/dev/null"
ok $? "sv returns once the job finished"
wait "$SV"
is "$?" 0 "with status 0"
like "$(cat "$T/sv.out")" "^ok: down: $S" "and says the worker is down"
is "$(job_state "$job")" success "the job finished and was delivered"
like "$(bb-hub log -d "$HUB_DIR" "$job")" "finished" "with all its output"

like "$(cat "$T/log/current")" \
    "^20[0-9][0-9]-[0-1][0-9]-[0-3][0-9]_[0-9:.]* bb-worker\[1\]: job $job (svjob), attempt 1: started" \
    "svlogd keeps the worker's lines with their times"
like "$(cat "$T/log/config")" "^s10000000$" "log files of 10 MB"
like "$(cat "$T/log/config")" "^n10$" "10 of them"

sv -w 30 exit "$S" > /dev/null 2>&1
wait_for 30 sh -c "! kill -0 $RUNSV 2>/dev/null"
ok $? "runsv exits when told"
done_testing
