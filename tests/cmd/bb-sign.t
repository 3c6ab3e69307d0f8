#!/bin/sh
# shellcheck disable=SC2154 # rc, out and err are set by run (tests/lib.sh)
# bb-sign: keys and detached signatures in the signify and minisign
# formats, checked both ways with the stock tools.
# shellcheck source=tests/lib.sh
. "${BB_SRC:-.}/tests/lib.sh"
cd "$T" || exit 1

printf 'hello\n' > f
head -c 100000 /dev/urandom > r.bin

# Usage.
run bb-sign -S f
is "$rc" 64 "-S without a key: usage"
like "$err" "^usage: bb-sign -G" "usage prints the synopsis"
run bb-sign -V -s k.sec f
is "$rc" 64 "-V without a public key: usage"
run bb-sign -f pgp -S -s k.sec f
is "$rc" 64 "unknown format"
like "$err" "pgp: not signify, minisign or cms" "names the format"
run bb-sign -S -s k.sec -x f.sig f r.bin
is "$rc" 64 "-x with two files: usage"
run bb-sign -P pw -F 3 -G -p a.pub -s a.sec
is "$rc" 64 "-P and -F together: usage"

# Keys.
run bb-sign -G -p k.pub -s k.sec
is "$rc:$out:$err" "0::" "-G: a signify key pair, silently"
is "$(stat -c %a k.sec)" 600 "secret key created 0600"
is "$(head -1 k.pub)" "untrusted comment: signify public key" "pub comment"
run bb-sign -G -p k2.pub -s k.sec
is "$rc" 73 "an existing secret key is never replaced"
like "$err" "k.sec: already exists" "names the key file"
run test ! -e k2.pub
is "$rc" 0 "and no public key is left behind"
ln -s /tmp/nonexistent-bb-sign-target link.sec
run bb-sign -G -p k3.pub -s link.sec
is "$rc" 73 "a symlink is not followed"
run test ! -e /tmp/nonexistent-bb-sign-target
is "$rc" 0 "nothing written through it"
run bb-sign -G -f minisign -c "build host" -p m.pub -s m.sec
is "$rc" 0 "-G -f minisign"
is "$(head -1 m.pub)" "untrusted comment: build host public key" "-c comment"
run bb-sign -G -f cms -p c.pub -s c.sec
is "$rc" 64 "-G -f cms: a PKCS#12 file comes from openssl"
run bb-sign -S -s k.sec -x f f
is "$rc:$(cat f)" "64:hello" "-x naming the file itself: refused"
awk 'NR == 2 { c = substr($0, 100, 1); $0 = substr($0, 1, 99) \
    (c == "A" ? "B" : "A") substr($0, 101) } { print }' k.sec > bad.sec
chmod 600 bad.sec
run bb-sign -S -s bad.sec f
is "$rc" 65 "a corrupt secret key: 65"
like "$err" "bad.sec: corrupt secret key" "says so"
cp k.pub pub.sec && chmod 600 pub.sec
run bb-sign -S -s pub.sec f
is "$rc" 65 "a public key is no secret key: 65"
chmod 644 k.sec
run bb-sign -S -s k.sec f
is "$rc" 77 "a secret key others may read is refused"
like "$err" "k.sec: readable by others" "and says so"
chmod 600 k.sec

# bb-sign signs, the stock tools verify.
run bb-sign -S -s k.sec f r.bin
is "$rc:$out:$err" "0::" "signify signatures"
is "$(head -1 f.sig)" "untrusted comment: verify with k.pub" "signify's comment"
run signify-openbsd -V -p k.pub -m f
is "$rc:$out" "0:Signature Verified" "signify-openbsd -V accepts it"
run signify-openbsd -V -p k.pub -m r.bin
is "$rc" 0 "and for a binary file"
run bb-sign -S -s m.sec -j 42 f
is "$rc" 0 "minisign signature (the key's own format)"
run minisign -V -p m.pub -m f
is "$rc" 0 "minisign -V accepts it"
like "$out" "Trusted comment: timestamp:[0-9]*	file:f	job:42	hashed" \
    "trusted comment names the time, the file and the job"
run bb-sign -S -f minisign -s k.sec -x other.minisig r.bin
is "$rc" 0 "a signify key makes minisign signatures too"
run minisign -V -p k.pub -x other.minisig -m r.bin
is "$rc" 0 "minisign -V accepts them with the signify public key"
run bb-sign -S -f signify -s m.sec -x m.sig f
run signify-openbsd -V -p m.pub -x m.sig -m f
is "$rc" 0 "and a minisign key signify signatures"

# The stock tools sign, bb-sign verifies, with their keys.
signify-openbsd -G -n -p s.pub -s s.sec
minisign -G -W -p w.pub -s w.sec >/dev/null
cp f g
signify-openbsd -S -s s.sec -m g
run bb-sign -V -p s.pub g
is "$rc:$out" "0:g: OK" "bb-sign -V accepts signify's signature"
rm g.sig
minisign -S -s w.sec -m g >/dev/null
run bb-sign -V -p w.pub g
is "$rc" 0 "bb-sign -V accepts minisign's signature"
like "$out" "^g: OK, trusted comment: timestamp:[0-9]*\\\\tfile:g\\\\thashed" \
    "with its trusted comment, tabs made visible"
minisign -S -l -s w.sec -m g -x g.legacy >/dev/null 2>&1
run bb-sign -V -p w.pub -x g.legacy g
is "$rc" 0 "and minisign's legacy signatures"
run bb-sign -S -s s.sec -x g.bs g
run signify-openbsd -V -p s.pub -x g.bs -m g
is "$rc" 0 "a key made by signify-openbsd -G -n signs"
run bb-sign -S -s w.sec -x g.bm g
run minisign -V -p w.pub -x g.bm -m g
is "$rc" 0 "a key made by minisign -G -W signs"
signify-openbsd -S -s s.sec -m f -x f.theirs
bb-sign -S -s s.sec -x f.ours f
run cmp f.theirs f.ours
is "$rc" 0 "signify signatures byte-identical to signify's own"

# Failures: modified file, wrong key, truncated signature.
cp f mod && bb-sign -S -s k.sec mod && bb-sign -S -s m.sec mod
echo x >> mod
run bb-sign -V -p k.pub -x mod.sig mod
is "$rc" 1 "signify: modified file: 1"
is "$err" "bb-sign: mod: signature does not match: the file was modified, or is not the one signed" \
    "names the file"
run bb-sign -V -p m.pub -x mod.minisig mod
is "$rc" 1 "minisign: modified file: 1"
like "$err" "^bb-sign: mod: signature does not match" "names the file"
run bb-sign -V -p w.pub -x f.sig f
is "$rc" 77 "signify: wrong public key: 77"
like "$err" "^bb-sign: f: signed by another key (key id [0-9A-F]*, not [0-9A-F]*)" \
    "names the file and both keys"
run bb-sign -V -p k.pub -x f.minisig f
is "$rc" 77 "minisign: wrong public key: 77"
head -c 60 f.sig > cut.sig
run bb-sign -V -p k.pub -x cut.sig f
is "$rc" 65 "signify: truncated signature: 65"
like "$err" "^bb-sign: cut.sig: line 2: truncated or malformed signature" \
    "names the signature file"
head -3 f.minisig > cut.minisig
run bb-sign -V -p m.pub -x cut.minisig f
is "$rc" 65 "minisign: truncated signature: 65"
like "$err" "cut.minisig: line 4: truncated" "names the line"
sed 's/job:42/job:43/' f.minisig > forged.minisig
run bb-sign -V -p m.pub -x forged.minisig f
is "$rc" 1 "altered trusted comment: 1"
like "$err" "f: the trusted comment does not match" "says which"
run minisign -V -p m.pub -x forged.minisig -m f
ok $((rc == 0)) "(minisign -V refuses it too)"
run bb-sign -V -p k.pub nosuch
is "$rc" 66 "no signature: 66"
like "$err" "nosuch: no signature" "names the file"
run bb-sign -V -p k.pub -x f.sig nosuch
is "$rc" 66 "missing file: 66"
run bb-sign -V -p k.pub f mod
is "$rc" 1 "several files: the first failure decides"
is "$out" "f: OK" "the good one is reported"
run bb-sign -V -f minisign -p k.pub r.bin
is "$rc" 66 "-f minisign looks only for r.bin.minisig"
run bb-sign -V -q -p k.pub f
is "$rc:$out" "0:" "-q: quiet"

# A passphrase-protected signify key is refused with the way out.
printf 'pw\npw\n' | signify-openbsd -G -p e.pub -s e.sec >/dev/null 2>&1
run bb-sign -S -s e.sec f
is "$rc" 78 "passphrase-protected signify key: 78"
like "$err" "e.sec: passphrase-protected signify key: .*bcrypt_pbkdf" \
    "says why"
like "$err" "signify-openbsd -G -n" "and how to make a usable key"
run bb-sign -G -E -f signify -p e2.pub -s e2.sec
is "$rc" 78 "-G -E -f signify: refused"

# The signify format has a size cap; sign a checksum list instead.
truncate -s 1073741825 huge
run bb-sign -S -s k.sec huge
is "$rc" 65 "over 1 GiB in the signify format: 65"
like "$err" "huge: too large for the signify format.*checksum list" \
    "points to checksum lists"
rm huge

# Several files: one failure does not stop the others.
run bb-sign -S -s k.sec nosuch r.bin
is "$rc" 66 "a missing file fails"
like "$err" "nosuch" "names it"
run signify-openbsd -V -p k.pub -m r.bin
is "$rc" 0 "the others are signed"

# Standard output on /dev/full.
run sh -c 'bb-sign -V -p k.pub f >/dev/full'
is "$rc" 74 "stdout on /dev/full: 74"
done_testing
