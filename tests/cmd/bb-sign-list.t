#!/bin/sh
# shellcheck disable=SC2154 # rc, out and err are set by run (tests/lib.sh)
# bb-sign: checksum lists, BSD and GNU, signed and not, checked with
# signify-openbsd -C and sha256sum -c, and by bb-sign -V -l.
# shellcheck source=tests/lib.sh
. "${BB_SRC:-.}/tests/lib.sh"
cd "$T" || exit 1

bb-sign -G -p k.pub -s k.sec
bb-sign -G -p o.pub -s o.sec
mkdir d
printf 'one\n' > a.tar.gz
head -c 70000 /dev/urandom > d/b.iso
: > empty

run bb-sign -l a.tar.gz d/b.iso empty
is "$rc:$out:$err" "0::" "unsigned BSD list"
is "$(cat SHA256)" "SHA256 (a.tar.gz) = $(sha256sum a.tar.gz | cut -c1-64)
SHA256 (d/b.iso) = $(sha256sum d/b.iso | cut -c1-64)
SHA256 (empty) = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    "one line a file, as sha256sum --tag"
run sha256sum -c SHA256
is "$rc" 0 "sha256sum -c checks it"
run bb-sign -l -g -o SUMS a.tar.gz d/b.iso
is "$rc" 0 "GNU list"
run sha256sum -c SUMS
is "$rc:$out" "0:a.tar.gz: OK
d/b.iso: OK" "sha256sum -c checks it"

run bb-sign -l -s k.sec a.tar.gz d/b.iso empty
is "$rc:$out:$err" "0::" "signed list"
run signify-openbsd -C -p k.pub -x SHA256.sig
is "$rc" 0 "signify-openbsd -C checks it"
is "$out" "Signature Verified
a.tar.gz: OK
d/b.iso: OK
empty: OK" "every file"
run signify-openbsd -V -e -p k.pub -x SHA256.sig -m out.txt
run cmp out.txt SHA256
is "$rc" 0 "the list inside is the list"
run bb-sign -V -l -p k.pub -x SHA256.sig
is "$rc:$out" "0:a.tar.gz: OK
d/b.iso: OK
empty: OK" "bb-sign -V -l checks it"
run bb-sign -V -l -p k.pub -x SHA256.sig empty
is "$rc:$out" "0:empty: OK" "or the files named"
run bb-sign -V -l -p k.pub -x SHA256.sig nosuch
is "$rc" 65 "a file not in the list: 65"
like "$err" "nosuch: not in the checksum list" "names it"

sha256sum --tag a.tar.gz d/b.iso > T
signify-openbsd -S -e -s k.sec -m T -x T.sig
run bb-sign -V -l -p k.pub -x T.sig
is "$rc" 0 "bb-sign -V -l checks signify's signed list"

run bb-sign -l -f minisign -s k.sec -o M a.tar.gz
is "$rc" 0 "list signed in the minisign format"
run minisign -V -p k.pub -m M
is "$rc" 0 "minisign -V checks M.minisig"
like "$out" "file:M" "its trusted comment names the list"
run bb-sign -V -l -p k.pub -x M.minisig
is "$rc:$out" "0:a.tar.gz: OK" "bb-sign -V -l finds M next to M.minisig"

# Failures.
echo more >> a.tar.gz
run bb-sign -V -l -p k.pub -x SHA256.sig
is "$rc" 1 "modified file: 1"
is "$out" "a.tar.gz: FAIL
d/b.iso: OK
empty: OK" "FAIL for it, the others checked"
is "$err" "bb-sign: a.tar.gz: sha256 does not match the checksum list: the file was modified" \
    "names the file"
run bb-sign -V -l -p o.pub -x SHA256.sig
is "$rc" 77 "wrong public key: 77"
like "$err" "signed by another key" "says so"
head -c 100 SHA256.sig > cut.sig
run bb-sign -V -l -p k.pub -x cut.sig
is "$rc" 65 "truncated signed list: 65"
like "$err" "cut.sig" "names it"
sed 's/^SHA256 (empty)/SHA256 (emptz)/' SHA256.sig > forged.sig
run bb-sign -V -l -p k.pub -x forged.sig
is "$rc" 1 "altered list: 1"
run bb-sign -V -l -p k.pub -x SHA256
is "$rc" 65 "a list that is not signed"
rm d/b.iso
run bb-sign -V -l -p k.pub -x SHA256.sig d/b.iso
is "$rc" 66 "missing file: 66"
like "$err" "d/b.iso" "names it"

# Names that a list cannot carry.
printf x > 'a)b'
run bb-sign -l -o P 'a)b' empty
is "$rc" 65 "')' in a BSD list: 65"
like "$err" "a)b: a name with ')' cannot be in a BSD checksum list" "says why"
is "$(cat P)" "SHA256 (empty) = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    "the others are listed"
run bb-sign -l -g -o Q 'a)b'
is "$rc" 0 "fine in a GNU list"
run bb-sign -l -o empty empty
is "$rc:$(wc -c < empty)" "64:0" "a list never replaces a file it lists"
run bb-sign -l -o R nosuch
is "$rc:$(test -e R && echo R)" "66:" "nothing to list: no list"
done_testing
