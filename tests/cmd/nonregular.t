#!/bin/sh
# shellcheck disable=SC2154 # rc, out and err are set by run (tests/lib.sh)
# bb-sign, bb-pack and bb-unpack refuse inputs that are no regular file:
# a fifo is never waited on (timeout(1) would say 124 if it were) and a
# device never read; each exits 66 and names the file and its kind.
# Standard input, named by "-", is still read on purpose.
# shellcheck source=tests/lib.sh
. "${BB_SRC:-.}/tests/lib.sh"
cd "$T" || exit 1

mkfifo ff
printf 'hello\n' > f
bb-sign -G -p k.pub -s k.sec || exit 1
bb-sign -S -s k.sec f || exit 1

fifo="ff: not a regular file (a fifo)"
zero="/dev/zero: not a regular file (a character device)"

run timeout 10 bb-sign -S -s k.sec ff
is "$rc:$err" "66:bb-sign: $fifo" "bb-sign -S: a fifo is refused"
run timeout 10 bb-sign -S -s k.sec /dev/zero
is "$rc:$err" "66:bb-sign: $zero" "bb-sign -S: /dev/zero is refused"
run timeout 10 bb-sign -S -s k.sec f ff
is "$rc:$err" "66:bb-sign: $fifo" "bb-sign -S: the others are still signed"
run timeout 10 bb-sign -l -o L ff
is "$rc:$err" "66:bb-sign: $fifo" "bb-sign -l: a fifo is refused"
run timeout 10 bb-sign -l -o L /dev/zero
is "$rc:$err" "66:bb-sign: $zero" "bb-sign -l: /dev/zero is refused"
run timeout 10 bb-sign -V -p k.pub -x f.sig ff
is "$rc:$err" "66:bb-sign: $fifo" "bb-sign -V: a fifo to check is refused"
run timeout 10 bb-sign -V -p k.pub -x ff f
is "$rc:$err" "66:bb-sign: $fifo" "bb-sign -V: a fifo as signature is refused"

# The pipeline: an artifact record that names a fifo.
printf 'workdir path=%s\nartifact path=ff name=ff size=1 sha256=%s\n' \
    "$T" "$(printf '%064d' 0)" > recs
printf 'done result=success started=1 elapsed=1\n' >> recs
run sh -c 'timeout 10 bb-sign -s k.sec < recs'
is "$rc" 66 "bb-sign in the pipeline: exit 66"
like "$out" "^error tool=bb-sign msg=ff:%20not%20a%20regular%20file" \
    "and an error record for the fifo"

run timeout 10 bb-pack -o x.tar ff
is "$rc:$err" "66:bb-pack: $fifo
bb-pack: x.tar: 1 member failed" "bb-pack: a fifo named is refused"
run timeout 10 bb-pack -o x.tar -C /dev zero
is "$rc:$err" "66:bb-pack: zero: not a regular file (a character device)
bb-pack: x.tar: 1 member failed" "bb-pack: a device named is refused"
is "$(ls x.tar 2>&1)" "ls: cannot access 'x.tar': No such file or directory" \
    "and no archive is left"

run timeout 10 bb-unpack -C d ff
is "$rc:$err" "66:bb-unpack: $fifo" "bb-unpack: a fifo is refused"
run timeout 10 bb-unpack -C d /dev/zero
is "$rc:$err" "66:bb-unpack: $zero" "bb-unpack: /dev/zero is refused"
tar -cf a.tar f
run sh -c 'cat a.tar | timeout 10 bb-unpack -C d -'
is "$rc" 0 "bb-unpack -: a pipe on purpose is read"
is "$(cat d/f)" hello "and unpacked"

done_testing
