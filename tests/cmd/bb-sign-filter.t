#!/bin/sh
# shellcheck disable=SC2154 # rc, out and err are set by run (tests/lib.sh)
# bb-sign in the pipeline: records pass through, artifacts get signed and
# a sig record each, -l adds a signed checksum list before done.  An
# artifact's name is its path in the work tree, in the list too.
# shellcheck source=tests/lib.sh
. "${BB_SRC:-.}/tests/lib.sh"
cd "$T" || exit 1

bb-sign -G -f minisign -p k.pub -s k.sec
mkdir -p w/out
printf 'tarball\n' > w/a.tar.gz
printf 'zip\n' > w/out/b.zip
printf 'notes\n' > w/notes.txt
cat > in <<EOF2
session hub=https://hub.example worker=w1
job id=42 name=demo
workdir path=$T/w
status step=build state=started t=1700000000
log step=build fd=1 t=1700000000.123 data=building%20it
artifact path=a.tar.gz name=a.tar.gz size=8
artifact path=out/b.zip name=out/b.zip size=4
artifact path=notes.txt name=notes.txt size=6
future thing=unknown
done result=success started=1700000000 elapsed=1.5
EOF2
id=$(sed -n '1s/.* //p' k.pub)

run bb-sign -f signify -n '*.[gz][zi]*' -s k.sec < in
is "$rc:$err" "0:" "filter: no failure"
is "$out" "session hub=https://hub.example worker=w1
job id=42 name=demo
workdir path=$T/w
status step=build state=started t=1700000000
log step=build fd=1 t=1700000000.123 data=building%20it
future thing=unknown
artifact path=a.tar.gz name=a.tar.gz size=8
sig path=a.tar.gz.sig of=a.tar.gz format=signify key=$id
artifact path=out/b.zip name=out/b.zip size=4
sig path=out/b.zip.sig of=out/b.zip format=signify key=$id
artifact path=notes.txt name=notes.txt size=6
done result=success started=1700000000 elapsed=1.5" \
    "records passed unchanged; artifacts held until done, a sig record after each signed one"
run signify-openbsd -V -p k.pub -m w/out/b.zip
is "$rc" 0 "signature next to the file, signify verifies it"
run test -e w/notes.txt.sig
is "$rc" 1 "-n: other artifacts left alone"

run bb-sign -l -s k.sec < in
is "$rc:$err" "0:" "-l, a minisign key: minisign signatures"
printf '%s\n' "$out" | tail -3 > tail.txt
is "$(cat tail.txt)" "artifact path=SHA256 name=SHA256 size=$(wc -c < w/SHA256) sha256=$(sha256sum w/SHA256 | cut -c1-64)
sig path=SHA256.minisig of=SHA256 format=minisign key=$id
done result=success started=1700000000 elapsed=1.5" \
    "the list as an artifact and its sig, before done"
run minisign -V -p k.pub -m w/out/b.zip
like "$out" "file:out/b.zip	job:42	hashed" "trusted comment names artifact and job"
run minisign -V -p k.pub -m w/SHA256
is "$rc" 0 "minisign verifies the list"

run bb-sign -l -f signify -s k.sec < in
is "$rc" 0 "-l -f signify: signify's signed list"
mkdir -p dl/out
cp w/a.tar.gz w/notes.txt w/SHA256.sig dl/
cp w/out/b.zip dl/out/
cd dl || exit 1
run signify-openbsd -C -p ../k.pub -x SHA256.sig
is "$rc:$out" "0:Signature Verified
a.tar.gz: OK
out/b.zip: OK
notes.txt: OK" "signify -C checks the artifacts by name: their paths, as unpacked"
sed 1,2d SHA256.sig > SHA256
run sha256sum -c SHA256
is "$rc:$out" "0:a.tar.gz: OK
out/b.zip: OK
notes.txt: OK" "so does sha256sum -c"
cd .. || exit 1

run bb-sign -l < in
is "$rc" 0 "-l without a key: an unsigned list"
like "$out" "^artifact path=SHA256 name=SHA256" "as an artifact"
unlike "$out" "^sig path=SHA256" "and no sig"

# Failures do not stop the others.
cat > bad <<EOF2
job id=7
workdir path=$T/w
artifact path=gone.tar.gz
artifact path=../k.sec
artifact path=/etc/passwd
artifact name=nopath
artifact path=a.tar.gz
done result=success
EOF2
run bb-sign -l -f signify -s k.sec < bad
is "$rc" 66 "a failed artifact: the exit status says so (first failure)"
is "$(printf '%s\n' "$out" | grep -c '^error tool=bb-sign')" 4 \
    "an error record for each failure"
like "$out" "^error tool=bb-sign msg=gone.tar.gz:%20No%20such%20file" \
    "naming the file"
like "$out" "^sig path=a.tar.gz.sig of=a.tar.gz" "the good one is signed"
like "$out" "^artifact path=SHA256 " "and listed"
like "$err" "bb-sign: ../k.sec: not an artifact name" \
    "stderr names the file too"
like "$err" "/etc/passwd: an absolute path is no artifact name" \
    "absolute refused"

# Two artifacts with one name: the job fails, naming both; nothing of it
# goes on, nothing is signed.
printf 'mine\n' > w/a.tar.gz.sig
cat > dup <<EOF2
job id=8
workdir path=$T/w
artifact path=a.tar.gz name=a.tar.gz size=8
artifact path=a.tar.gz.sig name=a.tar.gz.sig size=5
log step=x fd=1 t=1 data=after
done result=success started=1700000000 elapsed=1.5
EOF2
run bb-sign -l -f signify -s k.sec < dup
is "$rc" 65 "two artifacts with one name: 65"
is "$err" "bb-sign: two artifacts named a.tar.gz.sig: the signature of a.tar.gz and a.tar.gz.sig" \
    "stderr names both"
is "$out" "job id=8
workdir path=$T/w
log step=x fd=1 t=1 data=after
error tool=bb-sign msg=two%20artifacts%20named%20a.tar.gz.sig:%20the%20signature%20of%20a.tar.gz%20and%20a.tar.gz.sig
done result=error started=1700000000 elapsed=1.5 reason=bb-sign:%20two%20artifacts%20named%20a.tar.gz.sig:%20the%20signature%20of%20a.tar.gz%20and%20a.tar.gz.sig" \
    "no artifact record goes on; the done record says the job failed, and why"
is "$(cat w/a.tar.gz.sig)" mine "the build's file is not replaced"
cat > dup2 <<EOF2
job id=9
workdir path=$T/w
artifact path=SHA256
artifact path=a.tar.gz
done result=failure step=test reason=rc%201
EOF2
run bb-sign -l -s k.sec < dup2
like "$err" "two artifacts named SHA256: SHA256 and the checksum list" \
    "an artifact named as the checksum list"
like "$out" "^done result=failure step=test reason=rc%201\$" \
    "a failed build keeps its own result"

# Input that ends before the done record: the held records go on.
printf 'job id=1\nworkdir path=%s/w\nartifact path=a.tar.gz\n' "$T" > cut.rec
run bb-sign -s k.sec < cut.rec
is "$rc" 65 "input cut before done: 65"
like "$out" "^artifact path=a.tar.gz\$" "the artifact record still goes on"
like "$err" "input ended before the done record: 1 artifact record passed on unsigned" \
    "and says so"

printf 'job id=1\nartifact path=a.tar.gz\nBAD LINE\n' > mal
run bb-sign -s k.sec < mal
is "$rc" 65 "a malformed record: 65"
like "$err" "line 3" "names the line"
run bb-sign -s k.sec -F 0 < in
is "$rc" 64 "-F 0 in the pipeline: usage"
run bb-sign < in
is "$rc" 64 "neither key nor list: usage"
run bb-sign -s k.sec nosuch.tar.gz
is "$rc" 64 "file operands without -S: usage"

run sh -c "bb-sign -s k.sec < in > /dev/full"
is "$rc" 74 "stdout on /dev/full: 74"
i=0
while [ $i -lt 1500 ]; do
	echo "log step=x fd=1 t=1 data=0123456789012345678901234567890123456789012345678901234567890123456789"
	i=$((i + 1))
done > many
run sh -c 'bb-sign -s k.sec < many 2>err2 | true; echo $? >/dev/null; cat err2'
like "$out" "bb-sign: stdout: reader gone" "reader gone: said once"
done_testing
