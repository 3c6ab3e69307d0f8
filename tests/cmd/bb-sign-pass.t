#!/bin/sh
# shellcheck disable=SC2154 # rc, out and err are set by run (tests/lib.sh)
# bb-sign: passphrase-protected minisign keys, made by minisign and by
# bb-sign, each used by the other.  Each key derivation takes scrypt with
# 1 GiB and a few seconds, so there are few of them.
# shellcheck source=tests/lib.sh
. "${BB_SRC:-.}/tests/lib.sh"
cd "$T" || exit 1

printf 'hello\n' > f
printf 'sesame\n' > pw
printf 'wrong\n' > bad
chmod 600 pw bad
printf 'sesame\nsesame\n' | minisign -G -p m.pub -s m.sec >/dev/null 2>&1
run test -s m.sec
is "$rc" 0 "minisign -G made a passphrase-protected key (password on stdin)"

run bb-sign -S -s m.sec -P pw f
is "$rc:$err" "0:" "bb-sign signs with it, passphrase from a file"
run minisign -V -p m.pub -m f
is "$rc" 0 "minisign -V accepts the signature"
run bb-sign -S -s m.sec -F 3 -x f.2 f 3<bad
is "$rc" 77 "wrong passphrase (from a descriptor): 77"
is "$err" "bb-sign: m.sec: wrong passphrase" "names the key"
run setsid -w bb-sign -S -s m.sec f
is "$rc" 64 "no terminal and no -P or -F: 64"
like "$err" "m.sec: no terminal to ask for the passphrase: give it with -P file or -F fd" \
    "says how to give it"
chmod 644 pw
run bb-sign -S -s m.sec -P pw f
is "$rc" 77 "a passphrase file others may read: 77"
like "$err" "pw: readable by others" "names it"
chmod 600 pw

run bb-sign -G -E -P pw -p e.pub -s e.sec
is "$rc:$out:$err" "0::" "bb-sign -G -E: a passphrase-protected key"
is "$(stat -c %a e.sec)" 600 "created 0600"
is "$(head -1 e.sec)" "untrusted comment: minisign encrypted secret key" \
    "in minisign's format"
run sh -c 'printf "sesame\n" | minisign -S -s e.sec -m f -x f.theirs'
is "$rc" 0 "minisign signs with it"
run bb-sign -V -p e.pub -x f.theirs f
is "$rc" 0 "and bb-sign verifies that"
run setsid -w bb-sign -G -E -p n.pub -s n.sec
is "$rc" 64 "-G -E without a terminal or -P: 64"
run test -e n.sec
is "$rc" 1 "and no key written"
done_testing
