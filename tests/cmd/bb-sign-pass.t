#!/bin/sh
# shellcheck disable=SC2154 # rc, out and err are set by run (tests/lib.sh)
# bb-sign: passphrase-protected minisign keys, made by minisign and by
# bb-sign, each used by the other.  The keys minisign -G and bb-sign -G -E
# make take scrypt with 1 GiB and seconds a derivation: those two run with
# BB_SLOW=1 only (make check-slow).  By default the key has the same format
# with scrypt's smallest limits (16 MiB; tests/tools/scryptkey makes it),
# which minisign and bb-sign read from the key.
# shellcheck source=tests/lib.sh
. "${BB_SRC:-.}/tests/lib.sh"
cd "$T" || exit 1

printf 'hello\n' > f
printf 'sesame\n' > pw
printf 'wrong\n' > bad
chmod 600 pw bad
if slow; then
	printf 'sesame\nsesame\n' | minisign -G -p m.pub -s m.sec >/dev/null 2>&1
	run test -s m.sec
	is "$rc" 0 "minisign -G made a passphrase-protected key (password on stdin)"
else
	(umask 077 && bb-sign -G -f minisign -p m.pub -s plain.sec &&
	    "$BB_BUILD/tests/tools/scryptkey" pw 32768 16777216 \
	    <plain.sec >m.sec)
	is "$(head -1 m.sec)" "untrusted comment: minisign encrypted secret key" \
	    "a passphrase-protected key, scrypt with 16 MiB"
fi

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

if slow; then
	run bb-sign -G -E -P pw -p e.pub -s e.sec
	is "$rc:$out:$err" "0::" "bb-sign -G -E: a passphrase-protected key"
	is "$(stat -c %a e.sec)" 600 "created 0600"
	is "$(head -1 e.sec)" \
	    "untrusted comment: minisign encrypted secret key" \
	    "in minisign's format"
	run sh -c 'printf "sesame\n" | minisign -S -s e.sec -m f -x f.theirs'
	is "$rc" 0 "minisign signs with it"
	run bb-sign -V -p e.pub -x f.theirs f
	is "$rc" 0 "and bb-sign verifies that"
else
	run sh -c 'printf "sesame\n" | minisign -S -s m.sec -m f -x f.m'
	is "$rc" 0 "minisign signs with the same key"
	run bb-sign -V -p m.pub -x f.m f
	is "$rc" 0 "and bb-sign verifies that"
	skip "bb-sign -G -E with scrypt of 1 GiB: set BB_SLOW=1"
fi
run setsid -w bb-sign -G -E -p n.pub -s n.sec
is "$rc" 64 "-G -E without a terminal or -P: 64"
run test -e n.sec
is "$rc" 1 "and no key written"
done_testing
