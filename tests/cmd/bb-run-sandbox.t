#!/bin/sh
# shellcheck disable=SC2154 # rc, out and err are set by run (tests/lib.sh)
# bb-run's sandbox: a step sees its work tree read-write, the system
# read-only, a private /tmp, and nothing of what -H hides; what it leaves
# ends with it; "network off" leaves it the loopback alone.  Credentials
# of the input and of -M files are masked.  Without the sandbox, -R notes
# what a step started and -K ends what a killed bb-run left.
. "${BB_SRC:-.}/tests/lib.sh"
LOGDATA=$BB_BUILD/tests/tools/logdata

B=$T/base
W=$B/work/slot1/job-1
mkdir -p "$W" "$B/spool"
SECRET=worker-secret-$$-value
printf '%s\n' "$SECRET" > "$B/secret"
chmod 600 "$B/secret"
echo session-data > "$B/spool/s"
echo precious > "$T/outside"

# step NAME: the data the step wrote on its standard output.
step() { "$LOGDATA" -s "$1" -d 1 < "$T/out"; }

cat > "$T/probe.recipe" <<EOF
step rel: cat ../../../secret 2>/dev/null && echo LEAK || echo denied
step abs: cat $B/secret $B/spool/s 2>/dev/null && echo LEAK || echo denied
step find: find / -xdev \\( -name secret -o -name s \\) -path '$B/*' -print 2>/dev/null; find $B -maxdepth 1 2>/dev/null | sort
step outside: cat $T/outside 2>/dev/null || echo denied
step tree: echo built > out.txt && cat out.txt
step tmp: echo mine > /tmp/t && cat /tmp/t && ls /tmp | grep -c bb-test
step sys: touch /usr/bb-x 2>/dev/null && echo LEAK || echo read-only; test -r /etc/passwd && echo etc
step ps: ps -e -o pid= | wc -l
EOF
# A TMPDIR of this test's, where nothing may appear.
mkdir "$T/scratch"
RUN_ENV="TMPDIR=$T/scratch" run bb-run -S on -H "$B" -f "$T/probe.recipe" -C "$W"
is "$rc" 0 "the probing steps ran in the sandbox"
is "$(step rel)" denied "the secret by a relative path: not there"
is "$(step abs)" denied "the secret and the spool by absolute paths: not there"
is "$(step find)" "$B
$B/work" "find: of BASEDIR only the way to the work tree"
is "$(step outside)" denied "a file of the host's /tmp: not there"
is "$(step tree)" built "the work tree is writable"
is "$(cat "$W/out.txt")" built "and what the step wrote stays in it"
is "$(step tmp)" "mine
1" "a private /tmp, empty but for the way to the work tree"
[ ! -e /tmp/t ] || [ "$(cat /tmp/t)" != mine ]
ok $? "which the host's /tmp does not see"
is "$(step sys)" "read-only
etc" "the system is read-only, and readable"
is "$(step ps)" 4 "a PID namespace of its own: its first process, its \
shell, ps and wc alone"
is "$(ls -A "$T/scratch")" "" "nothing of the job in TMPDIR"

# /tmp and HOME are the job's: kept from one step to the next, private,
# fresh for the next job, and nowhere on the host.
cat > "$T/keep.recipe" <<'EOF'
step first: ls -A "$HOME"; ls -A /tmp | grep -v '^bb-test'; echo kept > /tmp/k; echo mine > "$HOME/h"
step later: cat /tmp/k "$HOME/h"; stat -c %a "$HOME"
EOF
for n in 1 2; do
	RUN_ENV="TMPDIR=$T/scratch HOME=$T/home" run bb-run -S on \
	    -f "$T/keep.recipe" -C "$W"
	is "$rc:$(step first)" "0:" "job $n: HOME and /tmp empty at its start"
	is "$(step later)" "kept
mine
700" "job $n: what a step put in /tmp and HOME is there for the next one"
done
ok "$([ ! -e "$T/home" ] && [ -z "$(ls -A "$T/scratch")" ]; echo $?)" \
    "none of it on the host"

# A shared directory (-B) that holds what -H hides: hidden all the same,
# and the work tree inside the hidden directory is still there.
mkdir -p "$T/cache"
echo key-data > "$T/cache/key"
cp -R "$B" "$T/cache/base"
C=$T/cache/base
cat > "$T/share.recipe" <<EOF
step see: echo "key=\$(cat $T/cache/key)"; cat $C/secret 2>/dev/null || echo denied; echo x > $T/cache/new && cat $T/cache/new out.txt
EOF
RUN_ENV="TMPDIR=$T/scratch" run bb-run -S on -B "$T/cache" \
    -H "$T/cache/key" -H "$C" -f "$T/share.recipe" -C "$C/work/slot1/job-1"
is "$rc:$(step see)" "0:key=
denied
x
built" "-H inside a -B directory: a file empty, a directory gone but for the work tree"

# What a step leaves ends with it, at once, even in a session of its own.
# Sleeps told apart by their time: 300.PID1 seconds and so on.
M=300.$$
cat > "$T/leave.recipe" <<EOF
step leave: sleep ${M}1 & setsid sleep ${M}2 & (sleep ${M}3 &) ; echo left
step check: pgrep -f '${M}[1-3]' || echo none
EOF
run bb-run -S on -f "$T/leave.recipe" -C "$W"
is "$rc:$(step check)" "0:none" "the next step finds nothing left"
pgrep -f "${M}[1-3]" >/dev/null
ok "$([ $? -ne 0 ]; echo $?)" "nothing left after the job"
is "$err" "" "nothing to stop one by one (nothing said): the namespace did"

# network off: the loopback alone, and it is up.
cat > "$T/net.recipe" <<'EOF'
network off
step ifs: sed -n 's/^ *\([^ ]*\):.*/\1/p' /proc/net/dev; cat /sys/class/net/lo/operstate
EOF
run bb-run -S on -f "$T/net.recipe" -C "$W"
is "$(step ifs)" "lo
unknown" "network off: the loopback alone, and up"
run bb-run -S none -f "$T/net.recipe" -C "$W"
like "$err" "network off: not kept without the sandbox" \
    "-S none says it cannot keep network off"

# Credentials masked: the session's token from the input, -M files.
TOKEN=session-token-$$-abcdef
printf 'session hub=http://h token=%s\nworkdir path=%s\nstep name=t cmd=echo%%20%s;echo%%20%s;cat%%20%s\n' \
    "$TOKEN" "$W" "$TOKEN" "$SECRET" "$B/secret" > "$T/in.rec"
run sh -c 'bb-run -S none -M "$1" < "$2"' sh "$B/secret" "$T/in.rec"
is "$(step t)" "[masked]
[masked]
[masked]" "the token and the -M file's secret are masked in the log"
like "$out" "^session hub=http://h token=$TOKEN$" \
    "the session record itself goes on unchanged"
run bb-run -M "$T/outside" -f "$T/net.recipe" -C "$W"
chmod 644 "$B/secret"
run bb-run -M "$B/secret" -f "$T/net.recipe" -C "$W"
is "$rc" 77 "-M: a file others can read is refused"

# Without the sandbox: bb-run killed, the shell dies with it; what it
# started in the background or in a session of its own is ended by -K.
cat > "$T/crash.recipe" <<EOF
step crash: sleep ${M}4 & setsid sleep ${M}5 & sleep ${M}6
EOF
bb-run -S none -R "$T/procs" -f "$T/crash.recipe" -C "$W" >/dev/null 2>&1 &
bp=$!
wait_for 10 pgrep -f "${M}[5]"
ok $? "the step runs"
is "$(sed 's/=[0-9][0-9]*/=N/g' "$T/procs/run.$bp")" "track pid=N start=N workdir=$W
step pgid=N start=N" "-R: the run and its step's group are noted"
kill -9 "$bp"
wait "$bp" 2>/dev/null
wait_for 5 sh -c "! pgrep -f '^sh -c sleep $M'"
ok $? "the step's shell died with bb-run (PR_SET_PDEATHSIG)"
is "$(pgrep -f "${M}[4-6]" | wc -l)" 3 "what it started is still there"
run bb-run -K "$T/procs"
is "$rc:$err" "0:bb-run: stopped 3 processes left by bb-run $bp, which died (work tree $W)" \
    "-K ends them and says so"
wait_for 5 sh -c "! pgrep -f '${M}[4-6]'"
ok $? "nothing of the job is left"
is "$(ls "$T/procs")" "" "and the note is gone"

# A sandbox that cannot be made (a -B directory that is not there):
# with -S on the job ends "error" before any step's command runs, exit 69;
# with -S auto the steps run without one, after a warning.
printf 'step first: echo ran > ran.txt\nstep second: echo ran >> ran.txt\n' \
    > "$T/nosb.recipe"
rm -f "$W/ran.txt"
RUN_ENV="TMPDIR=$T/scratch" run bb-run -S on -B "$T/missing" \
    -f "$T/nosb.recipe" -C "$W"
is "$rc" 69 "-S on, no sandbox: exit 69"
like "$out" "^error tool=bb-run msg=step%20first:%20sandbox:%20$(printf %s "$T" | sed 's/ /%20/g')/missing:%20No%20such%20file" \
    "an error record names the step and the path at fault"
like "$out" '^done result=error .*step=first ' "the job ends error"
ok "$([ ! -e "$W/ran.txt" ] && echo 0 || echo 1)" "no step's command ran"
like "$err" "no sandbox (-S none runs the steps without one)" \
    "standard error says how to go without"
is "$(ls -A "$T/scratch")" "" "nothing of it in TMPDIR"
RUN_ENV="TMPDIR=$T/scratch" run bb-run -S auto -B "$T/missing" \
    -f "$T/nosb.recipe" -C "$W"
is "$rc:$(cat "$W/ran.txt")" "0:ran
ran" "-S auto, no sandbox: the steps run without one"
like "$err" "no sandbox, the steps run without one: sandbox: $T/missing" \
    "after a warning"
rm -f "$W/ran.txt"

# Unprivileged, in a user namespace of its own.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	U=$T/u
	mkdir -p "$U/base/w"
	echo "$SECRET" > "$U/base/secret"
	chmod 600 "$U/base/secret"
	chown -R nobody "$U"
	chmod 755 "$T"
	printf 'step u: id -u; cat ../secret 2>/dev/null || echo denied; echo x > f && cat f\n' \
	    > "$U/u.recipe"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    bb-run -S on -H "$U/base" -f "$U/u.recipe" -C "$U/base/w"
	is "$rc:$(step u)" "0:$(id -u nobody)
denied
x" "an unprivileged user gets the same sandbox"
else
	ok 0 "# SKIP needs root to become nobody"
fi

done_testing
