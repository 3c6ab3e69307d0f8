#!/bin/sh
# shellcheck disable=SC2154 # rc, out, err: set by run in tests/lib.sh
# bb-pack as a filter: records pass at once, artifact and sig records are
# held until done, then packed into one archive described by a new
# artifact record; failures become error records; malformed input.
. "${BB_SRC:-.}/tests/lib.sh"
umask 022
t() { if "$@" >/dev/null 2>&1; then echo 0; else echo 1; fi; }
os=$(uname -s | tr A-Z a-z); arch=$(uname -m)

W=$T/work
mkdir -p "$W/dist" "$W/other"
echo binary > "$W/dist/hello"
chmod 755 "$W/dist/hello"
echo sig > "$W/dist/hello.sig"
echo unrelated > "$W/other/file"

job() {	# job [VERSION]: a job's records, as bb-run and bb-sign write them
	echo "job id=42 name=hello-job lease=60"
	echo "recipe name=hello timeout=600"
	[ -z "${1:-}" ] || echo "env name=VERSION value=$1"
	echo "workdir path=$W"
	echo "status step=build state=started t=1700000001"
	echo "log step=build fd=1 t=1700000001.5 data=making%20it"
	echo "artifact path=dist/hello name=dist/hello size=7 sha256=x"
	echo "sig path=dist/hello.sig of=dist/hello format=signify key=k"
	echo "status step=build state=finished t=1700000002 rc=0 result=success"
	echo "done result=success started=1700000000 elapsed=2"
}
job 1.2 > "$T/in"
run sh -c "bb-pack < '$T/in'"
is "$rc:$err" "0:" "a job packs quietly"
A=hello-1.2-$os-$arch.tar.zst
ok "$(t test -f "$W/$A")" "archive in the work tree, tar.zst by default"
sum=$(sha256sum < "$W/$A" | cut -d' ' -f1)
size=$(wc -c < "$W/$A" | tr -d ' ')
ssum=$(sha256sum < "$W/$A.sha256" | cut -d' ' -f1)
is "$out" "job id=42 name=hello-job lease=60
recipe name=hello timeout=600
env name=VERSION value=1.2
workdir path=$W
status step=build state=started t=1700000001
log step=build fd=1 t=1700000001.5 data=making%20it
status step=build state=finished t=1700000002 rc=0 result=success
artifact path=$A name=$A size=$size sha256=$sum members=2
artifact path=$A.sha256 name=$A.sha256 size=$((${#A} + 67)) sha256=$ssum
done result=success started=1700000000 elapsed=2" \
    "records pass; artifact and sig held, the archive's before done"
is "$(cd "$W" && sha256sum -c "$A.sha256")" "$A: OK" "its checksum file"
is "$(TZ=UTC tar --zstd -tvf "$W/$A")" \
"-rwxr-xr-x root/root         7 2023-11-14 22:13 dist/hello
-rw-r--r-- root/root         4 2023-11-14 22:13 dist/hello.sig" \
    "the members, at the job's start time"

# Records pass at once: the log is out before the job is done.
mkfifo "$T/fifo"
(job 1.2 | sed '/^done/d'; cat "$T/fifo") | bb-pack > "$T/live" &
pid=$!
wait_for 20 grep -q '^log ' "$T/live"
ok $? "records pass on at once (line-buffered)"
unlike "$(cat "$T/live")" "^artifact" "artifacts held before done"
echo "done result=success started=1700000000 elapsed=2" > "$T/fifo"
wait $pid
is "$?:$(grep -c '^artifact' "$T/live")" "0:2" "then packed at done"

# -k passes the held records on too; -S writes no checksum; -f, -n, -t.
job 1.2 > "$T/in"
run sh -c "bb-pack -k -S -f zip -n '{name}-{job}' -t 0 < '$T/in'"
is "$rc:$(printf '%s\n' "$out" | grep '^artifact\|^sig' | cut -d' ' -f1,2)" \
"0:artifact path=dist/hello
sig path=dist/hello.sig
artifact path=hello-42.zip" "-k: member records first, -S: no checksum"
ok "$(t test ! -e "$W/hello-42.zip.sha256")" "-S: no checksum file"
like "$(TZ=UTC unzip -l "$W/hello-42.zip")" "1970-01-01\|1980-01-01" "-t 0"

# Without a version, a release gets the date's (SOURCE_DATE_EPOCH's, else
# today's), counting up by what is in the work tree.
job > "$T/in"
RUN_ENV="SOURCE_DATE_EPOCH=1000000000" run sh -c "bb-pack -f tar < '$T/in'"
like "$out" "^artifact path=hello-2001.09.09-$os-$arch.tar " \
    "no version: the date's"
RUN_ENV="SOURCE_DATE_EPOCH=1000000000" run sh -c "bb-pack -f tar < '$T/in'"
like "$out" "^artifact path=hello-2001.09.09.1-$os-$arch.tar " \
    "counting up"
run sh -c "bb-pack -f tar -n '{name}-{job}' < '$T/in'"
like "$out" "^artifact path=hello-42.tar " "{job} in a template"
# The recipe's PROFILE (through bb-run): dev, no checksum file.
sed 's/^recipe .*/&\
env name=PROFILE value=dev/' "$T/in" > "$T/dev.in"
RUN_ENV="SOURCE_DATE_EPOCH=1000000000" run sh -c "bb-pack < '$T/dev.in'"
is "$(printf '%s\n' "$out" | grep '^artifact' | cut -d' ' -f2)" \
    "path=hello-dev-20010909-014640-$os-$arch.tar.zst" \
    "the job's PROFILE=dev: a dev- version, no checksum file"
job dev-3 > "$T/in"
run sh -c "bb-pack < '$T/in'"
is "$rc:$err" "65:bb-pack: the job's VERSION: version dev-3: a release refuses a dev- version (use the dev profile)" \
    "a release job with a dev- VERSION: refused"
like "$out" "^error tool=bb-pack msg=the%20job's%20VERSION" "in an error record"
sed 's/^env name=VERSION.*/&\
env name=PROFILE value=nightly/' "$T/in" > "$T/bad.in"
run sh -c "bb-pack < '$T/bad.in'"
is "$rc:$err" "65:bb-pack: the job's PROFILE: profile nightly: expected release or dev" \
    "an unknown PROFILE"
run sh -c "bb-pack -P dev < '$T/in'"
like "$out" "^artifact path=hello-dev-3-$os-$arch.tar.zst " "-P dev takes it"
RUN_ENV="SOURCE_DATE_EPOCH=1000000000" run sh -c "bb-pack -f tar -N n \
    -V 9 < '$T/in'"
like "$out" "^artifact path=n-9-$os-$arch.tar " "-N and -V"
like "$(TZ=UTC tar -tvf "$W/n-9-$os-$arch.tar")" "2001-09-09" \
    "SOURCE_DATE_EPOCH wins over started"

# A job without artifacts passes as it is.
printf 'workdir path=%s\ndone result=failure started=1\n' "$W" > "$T/in"
run sh -c "bb-pack < '$T/in'"
is "$rc:$out" "0:$(cat "$T/in")" "nothing to pack: records unchanged"

# The same job twice: the same archive.
job 1.2 > "$T/in"
run sh -c "bb-pack < '$T/in'"
is "$(sha256sum < "$W/$A" | cut -d' ' -f1)" "$sum" "reproducible in the pipe"

# Failures: an error record, the held records passed on, then done,
# which says the job failed in bb-pack.
printf '%s\n' "workdir path=$W" "artifact path=dist/hello" \
    "artifact path=../escape" "done result=success started=5" > "$T/in"
run sh -c "bb-pack < '$T/in'"
msg='../escape: not an artifact name (a path in the work tree of at most 1000 bytes, without "..", backslashes or control characters)'
is "$rc:$err" "65:bb-pack: $msg" "a path escaping the work tree"
is "$out" "workdir path=$W
error tool=bb-pack msg=$(printf '%s' "$msg" | sed 's/ /%20/g')
artifact path=dist/hello
artifact path=../escape
done result=error started=5 reason=bb-pack:%20$(printf '%s' "$msg" | sed 's/ /%20/g')" \
    "error record, held records kept, done result=error with the cause"

# Two artifacts with one name: the job fails and they do not go on.
printf '%s\n' "workdir path=$W" "artifact path=dist/hello" \
    "artifact path=dist/./hello" "log data=x" \
    "done result=success started=5" > "$T/in"
run sh -c "bb-pack -n x < '$T/in'"
is "$rc:$err" "65:bb-pack: two artifacts named dist/hello: dist/hello and dist/hello" \
    "two records of one name: 65, naming both"
is "$out" "workdir path=$W
log data=x
error tool=bb-pack msg=two%20artifacts%20named%20dist/hello:%20dist/hello%20and%20dist/hello
done result=error started=5 reason=bb-pack:%20two%20artifacts%20named%20dist/hello:%20dist/hello%20and%20dist/hello" \
    "no artifact record goes on; done says the job failed, and why"
echo old > "$W/x.tar.zst"
printf '%s\n' "workdir path=$W" "artifact path=x.tar.zst" \
    "artifact path=dist/hello" "done result=success started=5" > "$T/in"
run sh -c "bb-pack -n x < '$T/in'"
is "$rc:$err" "65:bb-pack: two artifacts named x.tar.zst: x.tar.zst and the archive" \
    "an artifact with the archive's name"
is "$(cat "$W/x.tar.zst")" old "is not replaced"
rm -f "$W/x.tar.zst"
printf '%s\n' "workdir path=$W" "artifact path=x.tar.zst.sha256" \
    "done result=success started=5" > "$T/in"
run sh -c "bb-pack -n x < '$T/in'"
like "$err" "two artifacts named x.tar.zst.sha256: x.tar.zst.sha256 and the archive's checksum file" \
    "or its checksum file's"
printf '%s\n' "workdir path=$W" "artifact path=dist/missing" \
    "done result=success" "workdir path=$W" "artifact path=dist/hello" \
    "done result=success" > "$T/in"
run sh -c "bb-pack -n x < '$T/in'"
is "$rc:$err" "66:bb-pack: dist/missing: No such file or directory
bb-pack: $W/x.tar.zst: 1 member failed" "a missing file; exit at the end"
is "$(printf '%s\n' "$out" | cut -d' ' -f1 | tr '\n' ' ')" \
    "workdir error artifact done workdir artifact artifact done " \
    "the next job is still packed"
printf 'artifact path=a\ndone result=success\n' > "$T/in"
run sh -c "bb-pack < '$T/in'"
is "$rc:$err" "65:bb-pack: no workdir record before done" "no workdir"
printf 'workdir path=%s\nartifact path=dist/hello\n' "$W" > "$T/in"
run sh -c "bb-pack < '$T/in'"
is "$rc:$out" "65:$(cat "$T/in")" "input ends before done: held passed on"
is "$err" "bb-pack: stdin: input ended before the done record: 1 record passed on unpacked" \
    "and said"

# Malformed input.
printf 'workdir path=%s\nartifact path=dist/hello\nlog bad%%zz\n' "$W" \
    > "$T/in"
run sh -c "bb-pack < '$T/in'"
is "$rc" 65 "malformed record: EX_DATAERR"
like "$err" "^bb-pack: stdin.*line 3" "names the line"
like "$out" "^artifact path=dist/hello" "held records still passed on"
printf 'artifact name=x\n' > "$T/in"
run sh -c "bb-pack < '$T/in'"
is "$rc:$err" "65:bb-pack: stdin:1: artifact record without a path" \
    "artifact without a path"
printf 'workdir path=%s\nartifact path=dist/hello\ndone started=soon\n' \
    "$W" > "$T/in"
run sh -c "bb-pack < '$T/in'"
is "$rc" 65 "done with a bad start time"
printf 'workdir path=x' > "$T/in"
run sh -c "bb-pack < '$T/in'"
is "$rc" 65 "a cut last line"
run sh -c "bb-pack -o x.tar < /dev/null"
is "$rc:$err" "64:bb-pack: -o and -C need paths to pack" "-o without paths"

# Standard output on /dev/full.
job 1.2 > "$T/in"
run sh -c "bb-pack < '$T/in' > /dev/full"
is "$rc" 74 "standard output on /dev/full"
like "$err" "^bb-pack: standard output: No space left on device" "said"
done_testing
