#!/bin/sh
# bb-run: records, steps, environment, artifacts, input, errors.
. "${BB_SRC:-.}/tests/lib.sh"
LOGDATA=$BB_BUILD/tests/tools/logdata
W=$T/work
mkdir "$W"

# The three-step recipe of the issue: stdout and stderr, a failing
# continue step, a collected file.
cat > "$T/three.recipe" <<'EOF'
job three
step hello: echo "hello world"; echo "to stderr" >&2
step broken continue: echo trying; exit 3
step pack: mkdir -p dist && printf 'artifact\n' > dist/hello-1.0.tar.gz
collect dist/*.tar.gz
EOF
run bb-run -f "$T/three.recipe" -C "$W"
is "$rc" 1 "three steps, one failed: exit 1"
is "$err" "" "nothing on stderr"
is "$(awk '{ print $1 }' "$T/out" | tr '\n' ' ')" \
    "workdir recipe status log log status status log status status status \
artifact done " "the records, in order"
is "$(sed -n 2p "$T/out")" "recipe name=three" \
    "the recipe's name, for the stages after (bb-pack names archives)"
is "$(head -1 "$T/out")" "workdir path=$W" "workdir first, absolute"
is "$(awk '$1 == "status" { print $2, $3 }' "$T/out" | tr '\n' ,)" \
    "step=hello state=started,step=hello state=finished,\
step=broken state=started,step=broken state=finished,\
step=pack state=started,step=pack state=finished," "status: before and after"
like "$(grep '^status step=hello state=finished' "$T/out")" \
    '^status step=hello state=finished t=[0-9]*\.[0-9][0-9][0-9] rc=0 elapsed=[0-9]*\.[0-9][0-9][0-9] result=success$' \
    "a finished status: t, rc, elapsed, result"
like "$(grep '^status step=broken state=finished' "$T/out")" \
    ' rc=3 elapsed=[0-9.]* result=failure$' "the continue step failed"
like "$(grep '^log step=hello fd=1' "$T/out")" \
    '^log step=hello fd=1 t=[0-9]*\.[0-9][0-9][0-9] data:hello world%0A$' \
    "stdout as a log record: step fd t data"
like "$(grep '^log step=hello fd=2' "$T/out")" ' data:to stderr%0A$' \
    "stderr as a log record"
is "$("$LOGDATA" -s broken < "$T/out")" "trying" "the failing step's output"
a=$(grep '^artifact ' "$T/out")
sum=$(sha256sum "$W/dist/hello-1.0.tar.gz" | cut -d' ' -f1)
is "$a" "artifact path=dist/hello-1.0.tar.gz name=dist/hello-1.0.tar.gz size=9 \
sha256=$sum" "the artifact: path, name (its path), size, sha256 as sha256sum"
is "$(echo "$a" | awk '{ sub("sha256=", "", $5); print $5 }')" "$sum" \
    "awk takes the digest out"
like "$(tail -1 "$T/out")" \
    '^done result=failure started=[0-9]* elapsed=[0-9.]* step=broken reason=step%20broken%20exited%20with%20status%203$' \
    "done: failure, the step and why"

# Success, skipping, always.
cat > "$T/skip.recipe" <<'EOF'
step one: true
step two: false
step three: echo never
step four always: echo cleanup
EOF
run bb-run -f "$T/skip.recipe" -C "$W"
is "$rc" 1 "a failed step: exit 1"
like "$out" 'status step=three state=finished t=[0-9.]* elapsed=0.000 result=skipped' \
    "a step after a failure is skipped"
is "$("$LOGDATA" -s four < "$T/out")" "cleanup" "an always step runs"
like "$(tail -1 "$T/out")" '^done result=failure .* step=two ' \
    "the first failure decides"
printf 'step ok: true\n' > "$T/ok.recipe"
run bb-run -f "$T/ok.recipe" -C "$W"
is "$rc" 0 "success: exit 0"
like "$(tail -1 "$T/out")" '^done result=success started=[0-9]* elapsed=[0-9.]*$' \
    "done: success, no step, no reason"
printf 'step ko: kill -USR1 $$\n' > "$T/sig.recipe"
run bb-run -f "$T/sig.recipe" -C "$W"
like "$out" 'status step=ko state=finished t=[0-9.]* signal=USR1 elapsed=[0-9.]* result=failure' \
    "a step killed by a signal: signal=NAME"
like "$(tail -1 "$T/out")" 'reason=step%20ko%20was%20killed%20by%20signal%20USR1$' \
    "and why"

# The environment of a step, exactly.
cat > "$T/env.recipe" <<'EOF'
job envjob
env GREETING=hello  world
env CFLAGS=-O2
secret DEPLOY_TOKEN
step env: env | LC_ALL=C sort
EOF
RUN_ENV="DEPLOY_TOKEN=abcd1234 OTHER=leak" run bb-run -f "$T/env.recipe" -C "$W"
is "$("$LOGDATA" < "$T/out")" "BB_JOB=envjob
BB_JOBS=$(nproc)
BB_STEP=env
BB_WORKDIR=$W
CFLAGS=-O2
DEPLOY_TOKEN=[masked]
GREETING=hello  world
HOME=$T
PATH=/usr/local/bin:/usr/bin:/bin
PWD=$W" "the environment: PATH, HOME, env, secrets, BB_* (and the shell's PWD)"
cat > "$T/path.recipe" <<'EOF'
env PATH=/bin
env HOME=/nonexistent
step p: echo "$PATH $HOME"; ls /proc/self/fd; cat
EOF
run bb-run -f "$T/path.recipe" -C "$W"
is "$("$LOGDATA" < "$T/out")" "/bin /nonexistent
0
1
2
3" "the recipe may set PATH and HOME; fds 0-2 only; stdin is empty"

# Step directories stay in the work tree.
mkdir -p "$W/src/sub"
ln -s /etc "$W/etc"
cat > "$T/dir.recipe" <<'EOF'
step in dir=src/sub: pwd
step out continue dir=etc: pwd
EOF
run bb-run -f "$T/dir.recipe" -C "$W"
is "$("$LOGDATA" -s in < "$T/out")" "$W/src/sub" "dir= is below the work tree"
like "$(grep 'step=out state=finished' "$T/out")" ' rc=126 ' \
    "a dir that leads out of the tree: status 126"
like "$("$LOGDATA" -s out -d 2 < "$T/out")" \
    'bb-run: step directory etc: Invalid cross-device link' "and why"

# Artifacts: only regular files, only inside the tree.
A=$T/art
mkdir -p "$A/out" "$A/out/d.bin"
echo secret > "$T/outside"
printf 'b' > "$A/out/b.bin"
printf 'a' > "$A/out/a.bin"
printf 'h' > "$A/out/.h.bin"
ln -s ../../outside "$A/out/esc.bin"
ln -s a.bin "$A/out/in.bin"
ln -s "$T" "$A/up"
cat > "$T/collect.recipe" <<'EOF'
step s: true
collect out/*.bin up/outside out/a.bin nothing/*
EOF
run bb-run -f "$T/collect.recipe" -C "$A"
is "$(awk '$1 == "artifact" { print $2, $3, $4 }' "$T/out")" \
    "path=out/a.bin name=out/a.bin size=1
path=out/b.bin name=out/b.bin size=1
path=out/in.bin name=out/in.bin size=1" \
    "sorted regular files, links inside followed, no dot files, no dirs, once"
is "$err" "bb-run: collect: out/esc.bin leads out of the work tree: not collected
bb-run: collect: up/outside leads out of the work tree: not collected" \
    "what leads out of the tree is refused, with a warning"
is "$rc" 0 "refused artifacts do not fail the job"
mkdir "$A/odd"
printf 'b' > "$A/odd/back\\slash"
printf 'g' > "$A/odd/good"
printf 'step s: true\ncollect odd/*\n' > "$T/odd.recipe"
run bb-run -f "$T/odd.recipe" -C "$A"
is "$(awk '$1 == "artifact" { print $2, $3 }' "$T/out")" \
    "path=odd/good name=odd/good" "a path that is no artifact name is not collected"
is "$err" "bb-run: collect: odd/back\\slash: not an artifact name (at most 1000 bytes, no backslashes or control characters): not collected" \
    "with a warning"

# Records on standard input: the recipe consumed, the rest passed on.
cat > "$T/in.rec" <<EOF
session hub=https://hub.example:8443 token=abc%20def
job id=42 name=from-job lease=L1
recipe timeout=600
env name=X value=1%202
env name=PROFILE value=dev
env name=VERSION value=2.0
step name=first cmd=echo%20\$X%20\$BB_JOB
newtype a=%00%25 b=\xc3\xa9
step name=second always=1 cmd=pwd
workdir path=$W
EOF
run sh -c "bb-run < '$T/in.rec'"
is "$rc" 0 "a recipe from records"
is "$(sed -n 1,4p "$T/out")" "$(grep -v -e '^recipe' -e '^env' -e '^step' "$T/in.rec")" \
    "other records passed on unchanged, in order, first"
is "$(grep -c '^workdir' "$T/out")" 1 "the workdir record is not repeated"
is "$(sed -n 5,6p "$T/out")" "env name=VERSION value=2.0
env name=PROFILE value=dev" \
    "VERSION and PROFILE passed on after them, for bb-pack"
is "$(grep -c '^env name=X\|^recipe\|^step' "$T/out")" 0 \
    "no other recipe record: the rest of the recipe is bb-run's"
is "$("$LOGDATA" < "$T/out")" "1 2 from-job
$W" "the job record names the job; the workdir record the tree"
sed "s|^workdir.*|workdir path=/nonexistent extra=1|" "$T/in.rec" > "$T/in2.rec"
run sh -c "bb-run -C '$W' < '$T/in2.rec'"
is "$(grep '^workdir' "$T/out")" "workdir path=$W extra=1" \
    "-C replaces the workdir record's path, keeps its other keys"
grep -v '^workdir' "$T/in.rec" > "$T/in3.rec"
(cd "$W" && run sh -c "bb-run < '$T/in3.rec'")
is "$(grep -n '^workdir' "$T/out")" "4:workdir path=$W" \
    "no workdir record: bb-run writes one before its own records"

# Human output.
printf 'step show: printf "\\033[31mred\\r\\n"; printf "caf\\303\\251\\n"; exit 2\ncollect a.bin\n' \
    > "$T/human.recipe"
printf x > "$W/a.bin"
run bb-run -v -f "$T/human.recipe" -C "$W"
is "$(sed -n 1,4p "$T/out")" "==> work tree $W
==> show
\\033[31mred\\r
caf\\303\\251" "-v: for people, escapes made visible"
like "$(sed -n 5p "$T/out")" '^==> show: failure, exit status 2 ([0-9.]*s)$' \
    "-v: the step's result"
like "$out" "==> artifact a.bin: 1 bytes, sha256 $(sha256sum "$W/a.bin" | cut -c1-64)" \
    "-v: the artifact"
like "$out" '==> done: failure, step show exited with status 2 ([0-9.]*s)$' \
    "-v: the result"
unlike "$out" "$(printf '\033')" "no escape byte reaches the terminal"
is "$rc" 1 "-v: exit status as without"

# Bad usage and bad input.
run bb-run -y
is "$rc" 64 "an unknown option: exit 64"
is "$err" "bb-run: invalid option -- 'y'
usage: bb-run [-v] [-B dir] [-b interval] [-C dir] [-c dir] [-f recipe]
              [-g grace] [-H path] [-M file] [-m pattern] [-R dir] [-S sandbox]
              [-u user] [-w silence]
       bb-run -K dir
       bb-run -c dir -l
       bb-run -c dir -x [cache ...]" "usage"
run bb-run -x
is "$rc" 64 "-x without -c: exit 64"
run bb-run -f "$T/ok.recipe" extra
is "$rc" 64 "an operand: exit 64"
run bb-run -g 5x -f "$T/ok.recipe"
is "$rc:$err" "64:bb-run: -g: bad duration \"5x\" (expected e.g. 90s, 10m, 2h, 1h30m)" \
    "a bad duration: exit 64"
run bb-run -f "$T/missing.recipe"
is "$rc" 66 "a missing recipe file: exit 66"
like "$err" "missing.recipe" "names it"
run bb-run -f "$T/ok.recipe" -C "$T/nowhere"
is "$rc:$err" "66:bb-run: -C $T/nowhere: No such file or directory" \
    "a missing work tree: exit 66"
run bb-run -u nosuchuser -f "$T/ok.recipe"
is "$rc:$err" "67:bb-run: -u nosuchuser: no such user" "-u unknown: exit 67"
printf 'job x\nstep a: true\nstep a: true\n' > "$T/dup.recipe"
run bb-run -f "$T/dup.recipe" -C "$W"
is "$rc" 65 "a bad recipe: exit 65"
is "$err" "bb-run: $T/dup.recipe:3: step a: step name used twice" \
    "the file and the line"
is "$(head -1 "$T/out")" "error tool=bb-run msg=$(printf '%s' "$T/dup.recipe:3:" | sed 's/%/%25/g')%20step%20a:%20step%20name%20used%20twice" \
    "an error record"
like "$(tail -1 "$T/out")" '^done result=error started=[0-9]* elapsed=0.000 reason=' \
    "then done result=error"
printf 'job x\n' > "$T/nostep.recipe"
run bb-run -f "$T/nostep.recipe" -C "$W"
is "$rc:$err" "65:bb-run: $T/nostep.recipe: recipe has no steps" \
    "a recipe without steps: exit 65"
run sh -c "printf 'job id=1\nstep name=a cmd=true\nstep name=b cmd=x  y\n' | bb-run"
is "$rc" 65 "a malformed record: exit 65"
is "$err" "bb-run: stdin: line 3: bad field at byte 19: \" y\"" \
    "the line number"
is "$(head -1 "$T/out")" "job id=1" "records before it were passed on"
run sh -c "printf 'step name=a\n' | bb-run"
is "$rc:$err" "65:bb-run: stdin: line 1: step record: needs name and cmd" \
    "a bad recipe record: exit 65"
run sh -c "printf 'step name=a cmd=true\nworkdir path=/\nworkdir path=/\n' | bb-run"
is "$rc:$err" "65:bb-run: stdin: line 3: a second workdir record" \
    "a second workdir record: exit 65"
run sh -c "printf 'step name=a cmd=true' | bb-run"
is "$rc:$err" "65:bb-run: stdin: line 1: incomplete last line (no newline)" \
    "a cut last line: exit 65"
{ printf 'status data='; head -c 70000 /dev/zero | tr '\0' x; echo; } \
    > "$T/long.rec"
run sh -c "bb-run < '$T/long.rec'"
is "$rc:$err" "65:bb-run: stdin: line 1: longer than 65536 bytes" \
    "an over-long line: exit 65"
run sh -c "bb-run < /dev/null"
is "$rc:$err" "65:bb-run: stdin: recipe has no steps" "no recipe at all: exit 65"

# Steps as another user.
printf 'step who: id -u; id -g; echo "$HOME"; touch mine\n' > "$T/user.recipe"
mkdir "$T/u"
chmod 777 "$T/u"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	run bb-run -u nobody -f "$T/user.recipe" -C "$T/u"
	is "$("$LOGDATA" < "$T/out")" "$(id -u nobody)
$(id -g nobody)
$(getent passwd nobody | cut -d: -f6)" "-u: the user's ids and home"
	is "$(stat -c %U "$T/u/mine")" nobody "-u: files are the user's"
else
	ok 0 "# SKIP -u needs root"
	ok 0 "# SKIP -u needs root"
fi
if [ "$(id -u)" != 0 ]; then
	run bb-run -u root -f "$T/user.recipe" -C "$T/u"
	is "$rc:$err" "77:bb-run: -u root: only root can run steps as another user" \
	    "-u without root: exit 77"
else
	run su nobody -s /bin/sh -c "PATH='$PATH' bb-run -u root -f '$T/user.recipe' -C '$T/u'"
	is "$rc:$err" "77:bb-run: -u root: only root can run steps as another user" \
	    "-u without root: exit 77"
fi

# Standard output that cannot be written.
printf 'step touch: touch ran\n' > "$T/touch.recipe"
run sh -c "bb-run -f '$T/touch.recipe' -C '$W' > /dev/full"
is "$rc:$err" "74:bb-run: stdout: No space left on device" \
    "stdout on /dev/full: exit 74"
test ! -e "$W/ran"
ok $? "and no step was run"

# A stage above failed (bb-unpack made no work tree): no step runs, here
# or anywhere, and the job is an error with that stage's message.
mkdir "$T/cwd"
printf '%s\n' 'job id=1 lease=L attempt=1' 'step name=touch cmd=touch%20ran' \
    'error tool=bb-unpack msg=job%201:%20source:%20no%20space' >"$T/failed.in"
run sh -c "cd '$T/cwd' && bb-run -S none < '$T/failed.in'"
is "$rc" 1 "an error from a stage above: exit 1"
is "$(tail -1 "$T/out" | sed 's/ started=[0-9]* / /')" \
    "done result=error elapsed=0.000 reason=bb-unpack:%20job%201:%20source:%20no%20space" \
    "  done result=error, with its message as the reason"
is "$(awk '{ print $1 }' "$T/out" | tr '\n' ' ')" "job error done " \
    "  the records passed on, then done"
is "$(ls -A "$T/cwd")" "" "  no step ran in the current directory"

done_testing
