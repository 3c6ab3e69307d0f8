#!/bin/sh
# shellcheck disable=SC2154
# The hub stops in the middle of a build that prints 50 000 numbered
# lines and stays away until the worker has the whole job in its spool:
# once it is back, its log has every line once, in order.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

hub_init
hub_start -K 2s
HUB_LISTEN=$HUB_URL	# hub_start reads it: the same address again
export HUB_LISTEN
worker_make w1 CACHE_DIRS="$T/marks"
M=$T/marks
mkdir "$M"
# Half the lines, a mark, a wait for the test, the other half.
hub_submit "job lines
step count: i=1; while [ \$i -le 50000 ]; do echo line \$i; if [ \$i = 25000 ]; then touch $M/half; j=0; until [ -e $M/resume ] || [ \$j -ge 1200 ]; do sleep 0.05; j=\$((j + 1)); done; fi; i=\$((i + 1)); done"
job=$JOB
worker_start w1
wait_for 60 test -e "$M/half"
ok $? "the build printed half its lines"
hub_stop
ok $? "the hub stops"
touch "$M/resume"
# The hub stays away while the build prints the rest and ends.
spooled() { grep -q '^done ' "$T/w1/spool/$job".*/records; }
wait_for 120 spooled
ok $? "the worker spools the whole job while the hub is away"
like "$(cat "$T/w1.log")" "trying again in" "and says that it cannot reach it"
hub_start -K 2s
ok $? "the hub is back, at the same address"
wait_state 120 "$job" success failure
is "$(job_state "$job")" success "the job ends success"
bb-hub log -r -d "$HUB_DIR" "$job" | "$BB_BUILD/tests/tools/logdata" -s count \
    > "$T/got"
seq 1 50000 | sed 's/^/line /' > "$T/want"
is "$(wc -l < "$T/got")" 50000 "the hub holds 50 000 lines"
cmp -s "$T/got" "$T/want"
ok $? "every line exactly once, in order"
like "$(cat "$T/w1.log")" "job $job: success, delivered" \
    "the worker delivered everything"
empty_dirs "and its spool is empty" "$T/w1/spool"
done_testing
