#!/bin/sh
# bb-run: timeouts stop the whole step, and nothing of a step survives it.
. "${BB_SRC:-.}/tests/lib.sh"
LOGDATA=$BB_BUILD/tests/tools/logdata
W=$T/work
mkdir "$W"
M=300.$$
. "$BB_SRC/tests/cmd/bb-run-lib.sh"

# A step with a background child, over its timeout.
cat > "$T/timeout.recipe" <<EOF
step sleepy timeout=2s: sleep ${M}1 & sleep ${M}1
step next: echo never
step clean always: echo cleaned
EOF
t0=$(now_ms)
run bb-run -f "$T/timeout.recipe" -C "$W"
ms=$(($(now_ms) - t0))
is "$rc" 1 "a timeout: exit 1"
ok "$([ "$ms" -ge 2000 ] && [ "$ms" -lt 12000 ]; echo $?)" \
    "ended after the timeout, within timeout and grace ($ms ms)"
like "$(grep 'step=sleepy state=finished' "$T/out")" \
    ' signal=TERM elapsed=[0-9.]* result=timeout$' "the step: timeout, TERM"
like "$out" 'status step=next state=finished t=[0-9.]* elapsed=0.000 result=skipped' \
    "the next step is skipped"
is "$("$LOGDATA" -s clean < "$T/out")" "cleaned" "the always step runs"
like "$(tail -1 "$T/out")" \
    '^done result=timeout .* step=sleepy reason=step%20sleepy%20timed%20out%20after%202s$' \
    "done: timeout, which step, why"
nothing_left 1 "no sleep is left running"

# A step that ignores SIGTERM gets SIGKILL after the grace period.
printf 'step deaf timeout=1s: trap "" TERM; sleep %s2 & wait\n' "$M" \
    > "$T/deaf.recipe"
t0=$(now_ms)
run bb-run -g 1 -f "$T/deaf.recipe" -C "$W"
ms=$(($(now_ms) - t0))
like "$(grep 'state=finished' "$T/out")" ' signal=KILL .* result=timeout$' \
    "SIGTERM ignored: SIGKILL"
ok "$([ "$ms" -ge 2000 ] && [ "$ms" -lt 10000 ]; echo $?)" \
    "after the timeout and the grace period ($ms ms)"
nothing_left 2 "nothing left"

# The job's timeout.
cat > "$T/job.recipe" <<EOF
timeout 2s
step slow: sleep ${M}3
step after: echo never
step clean always: echo cleaned
EOF
run bb-run -f "$T/job.recipe" -C "$W"
like "$(grep 'step=slow state=finished' "$T/out")" ' result=timeout$' \
    "the job's timeout stops the running step"
like "$out" 'step=after state=finished t=[0-9.]* elapsed=0.000 result=skipped' \
    "and skips the next"
is "$("$LOGDATA" -s clean < "$T/out")" "cleaned" "always steps still run"
like "$(tail -1 "$T/out")" \
    'done result=timeout .* step=slow reason=step%20slow%20was%20stopped%20by%20the%20job.s%20timeout%20of%202s$' \
    "done: the job's timeout"
nothing_left 3 "nothing left"

# Leftovers after a normal end: daemons and double forks.
cat > "$T/daemon.recipe" <<EOF
step daemon: setsid sh -c 'sleep ${M}4' >/dev/null 2>&1 & echo started
step fork: (sh -c 'sleep ${M}5' </dev/null >/dev/null 2>&1 &); echo forked
step bg: sleep ${M}6 &
step check: pgrep -f '${M}[456]' || echo none
EOF
# Without the sandbox (-S none): bb-run finds them as a subreaper.  In
# the sandbox they die with its PID namespace: tests/cmd/bb-run-sandbox.t.
t0=$(now_ms)
run bb-run -S none -f "$T/daemon.recipe" -C "$W"
ms=$(($(now_ms) - t0))
is "$rc" 0 "steps that leave processes behind succeed"
is "$("$LOGDATA" -s check < "$T/out")" "none" \
    "the next step sees none of them"
like "$err" "step daemon: stopped [0-9]* process" "a setsid daemon is stopped"
like "$err" "step fork: stopped [0-9]* process" "a double fork is stopped"
is "$(echo "$err" | grep -c 'step bg: stopped 1 process it left running')" 1 \
    "a background child is stopped"
ok "$([ "$ms" -lt 8000 ]; echo $?)" "SIGHUP ends them at once ($ms ms)"
nothing_left '[456]' "nothing left after the job"

# The step ends once its child has said it ignores SIGHUP.
cat > "$T/stubborn.recipe" <<EOF
step stubborn: (sh -c 'trap "" HUP; echo ready; exec sleep ${M}7 >/dev/null' &) | head -1
EOF
t0=$(now_ms)
run bb-run -S none -g 1 -f "$T/stubborn.recipe" -C "$W"
ms=$(($(now_ms) - t0))
ok "$([ "$ms" -ge 1000 ] && [ "$ms" -lt 8000 ]; echo $?)" \
    "one that ignores SIGHUP gets SIGKILL after the grace period ($ms ms)"
nothing_left 7 "nothing left"

# No output for too long (-w).
printf 'step mute: echo hello; sleep %s8\n' "$M" > "$T/mute.recipe"
run bb-run -w 1s -f "$T/mute.recipe" -C "$W"
like "$(grep 'state=finished' "$T/out")" ' result=timeout$' \
    "-w: a silent step is stopped"
like "$(tail -1 "$T/out")" 'reason=step%20mute%20was%20silent%20for%201s$' \
    "and why"
nothing_left 8 "nothing left"

done_testing
