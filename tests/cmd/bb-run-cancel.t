#!/bin/sh
# bb-run: cancellation by a signal or by the reader going away; beats.
. "${BB_SRC:-.}/tests/lib.sh"
LOGDATA=$BB_BUILD/tests/tools/logdata
W=$T/work
mkdir "$W"
M=301.$$
. "$BB_SRC/tests/cmd/bb-run-lib.sh"
# start RECIPE [ARGS]: bb-run in the background, output in $T/bg.
start() {
	env -i PATH="$PATH" HOME="$T" bb-run "$@" -C "$W" >"$T/bg" 2>"$T/bgerr" &
	pid=$!
}
has() { grep -q -- "$1" "$T/bg"; }

# SIGTERM: the step is stopped, the always steps run, the job is cancelled.
cat > "$T/term.recipe" <<EOF
step build: echo building; sleep ${M}1 & sleep ${M}1
step test: echo never
step clean always: echo cleaning; sleep 0.2; echo cleaned
EOF
start -f "$T/term.recipe"
wait_for 30 has 'data:building'
ok $? "the step runs"
kill -TERM "$pid"
set +e; wait "$pid"; rc=$?; set -e
is "$rc" 1 "SIGTERM: exit 1"
like "$(grep 'step=build state=finished' "$T/bg")" \
    ' signal=TERM elapsed=[0-9.]* result=cancelled$' "the step is cancelled"
like "$(cat "$T/bg")" 'step=test state=finished t=[0-9.]* elapsed=0.000 result=skipped' \
    "the next step is skipped"
is "$("$LOGDATA" -s clean < "$T/bg")" "cleaning
cleaned" "the always step runs to its end"
like "$(tail -1 "$T/bg")" \
    '^done result=cancelled .* step=build reason=cancelled%20by%20signal%20TERM$' \
    "done: cancelled"
nothing_left 1 "nothing left"

# A second signal stops the always steps too.
cat > "$T/twice.recipe" <<EOF
step build: sleep ${M}2
step clean always: echo cleaning; sleep ${M}2
step last always: echo never
EOF
start -f "$T/twice.recipe"
wait_for 30 has 'step=build state=started'
ok $? "started"
wait_for 30 pgrep -f "${M}2"
kill -INT "$pid"
wait_for 30 has 'data:cleaning'
ok $? "SIGINT: the always step runs"
kill -TERM "$pid"
set +e; wait "$pid"; rc=$?; set -e
is "$rc" 1 "exit 1"
like "$(grep 'step=clean state=finished' "$T/bg")" ' result=cancelled$' \
    "a second signal stops the always step"
like "$(grep 'step=last state=finished' "$T/bg")" ' result=skipped$' \
    "and skips the rest"
like "$(tail -1 "$T/bg")" 'reason=cancelled%20by%20signal%20INT$' \
    "the first signal is the reason"
nothing_left 2 "nothing left"

# The reader goes away: bb-run stops the step and exits.
printf 'step forever: echo first; sleep %s3\n' "$M" > "$T/head.recipe"
t0=$(now_ms)
first=$( { env -i PATH="$PATH" bb-run -f "$T/head.recipe" -C "$W" \
    2>"$T/herr" && r=0 || r=$?; echo $r > "$T/hrc.tmp";
    mv "$T/hrc.tmp" "$T/hrc"; } | head -1)
wait_for 60 test -e "$T/hrc"
ms=$(($(now_ms) - t0))
is "$first" "workdir path=$W" "head -1 gets one record"
is "$(cat "$T/hrc")" 1 "bb-run | head -1: exit 1"
is "$(cat "$T/herr")" "" "quietly"
ok "$([ "$ms" -lt 30000 ]; echo $?)" "at once, not after the step ($ms ms)"
nothing_left 3 "the step is killed, nothing left"

# While a step is silent: beats, and the reader's leaving is seen at once.
printf 'step quiet: sleep 3\n' > "$T/beat.recipe"
run bb-run -b 1 -f "$T/beat.recipe" -C "$W"
n=$(grep -c '^beat step=quiet t=[0-9]*\.[0-9][0-9][0-9]$' "$T/out")
ok "$([ "$n" -ge 1 ] && [ "$n" -le 3 ]; echo $?)" "-b 1: beats ($n)"
run bb-run -b 0 -f "$T/beat.recipe" -C "$W"
is "$(grep -c '^beat' "$T/out"):$(grep -c '^done result=success' "$T/out")" \
    0:1 "-b 0: none, in a job that ran"

mkfifo "$T/fifo"
printf 'step quiet: sleep %s4\n' "$M" > "$T/gone.recipe"
env -i PATH="$PATH" bb-run -b 1h -f "$T/gone.recipe" -C "$W" \
    >"$T/fifo" 2>/dev/null &
pid=$!
exec 3<"$T/fifo"
read -r line <&3
read -r line <&3
like "$line" '^status step=quiet state=started t=' "the step started"
wait_for 30 pgrep -f "${M}4"
exec 3<&-
t0=$(now_ms)
set +e; wait "$pid"; rc=$?; set -e
ms=$(($(now_ms) - t0))
is "$rc" 1 "a silent step, the reader gone: exit 1"
ok "$([ "$ms" -lt 30000 ]; echo $?)" "seen without a write ($ms ms)"
nothing_left 4 "nothing left"

# Records pass through while the input is still open; a signal before
# its end cancels the job.
mkfifo "$T/in"
env -i PATH="$PATH" bb-run -C "$W" <"$T/in" >"$T/bg" 2>"$T/bgerr" &
pid=$!
exec 4>"$T/in"
printf 'session hub=x\n' >&4
wait_for 30 has '^session hub=x$'
ok $? "a record is passed on at once, before the input ends"
printf 'step name=a cmd=touch%%20ran\n' >&4
kill -TERM "$pid"
set +e; wait "$pid"; rc=$?; set -e
exec 4>&-
is "$rc" 1 "a signal while the recipe is read: exit 1"
like "$(tail -1 "$T/bg")" '^done result=cancelled started=[0-9]* elapsed=0.000 reason=cancelled%20before%20the%20recipe%20was%20read$' \
    "done: cancelled"
test ! -e "$W/ran"
ok $? "no step was run"

done_testing
