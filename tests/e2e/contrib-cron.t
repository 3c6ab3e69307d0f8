#!/bin/sh
# shellcheck disable=SC2154
# contrib/cron/crontab as make install puts it, its command run as cron
# runs it (/bin/sh -c, PATH=/usr/bin:/bin, nothing else): bb-worker once
# finds its stages in the default PREFIX layout and builds a job.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

contrib_install
ok $? "make install-files PREFIX=$PREFIX"
hub_init
hub_start -K 2s
worker_make w1
hub_submit 'job fromcron
step a: echo built by cron'

line=$(grep -v '^#' "$PREFIX/share/bb/contrib/cron/crontab")
is "$(printf '%s\n' "$line" | wc -l)" 1 "the crontab has one entry"
# Five time fields, then the command; cron turns a bare % into a newline.
cmd=$(printf '%s\n' "$line" | sed 's/^[^ ]* [^ ]* [^ ]* [^ ]* [^ ]* //')
unlike "$cmd" '\(^\|[^\\]\)%' "no bare % in the command"
like "$cmd" "$PREFIX/bin/bb-worker once /var/lib/bb" \
    "it names bb-worker by its installed path"
grep -qxF "$(printf '%s\n' "$line" | sed "s|$PREFIX|/usr/local|g")" \
    "$BB_SRC/man/bb-worker.8"
ok $? "bb-worker(8) shows the same line"
cmd=$(printf '%s\n' "$cmd" | sed "s|/var/lib/bb|$T/w1|g")
env -i PATH=/usr/bin:/bin /bin/sh -c 'command -v bb-claim || exit 1' >/dev/null
is "$?" 1 "the stages are not in cron's PATH"

env -i PATH=/usr/bin:/bin SHELL=/bin/sh HOME="$T" LOGNAME="$(id -un)" \
    /bin/sh -c "$cmd" > "$T/mail" 2>&1
is "$?" 0 "the cron command exits 0"
is "$(cat "$T/mail")" "" "and mails nothing"
is "$(job_state "$JOB")" success "the job is built"
like "$(bb-hub log -d "$HUB_DIR" "$JOB")" "built by cron" "with its output"
log=$(cat "$T/w1/worker.log")
like "$(printf '%s\n' "$log" | head -1)" "UTC" "the log says when the run began"
like "$log" "job $JOB: success, delivered" "and how the job ended"
done_testing
