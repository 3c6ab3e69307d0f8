#!/bin/sh
# shellcheck disable=SC2154 # rc, out and err are set by run (tests/lib.sh)
# bb-sign: CMS detached signatures from PKCS#12 files, checked with
# openssl cms -verify; the CA and the files are made here with openssl.
# shellcheck source=tests/lib.sh
. "${BB_SRC:-.}/tests/lib.sh"
cd "$T" || exit 1

ossl() { openssl "$@" >/dev/null 2>&1; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.pem -subj /CN=bb-test-ca -days 30
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout o.key -out other.pem -subj /CN=other-ca -days 30
ossl req -newkey rsa:2048 -nodes -keyout s.key -out s.csr -subj /CN=signer
printf 'extendedKeyUsage=codeSigning\n' > ext
ossl x509 -req -in s.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out s.pem -days 30 -extfile ext
ossl pkcs12 -export -inkey s.key -in s.pem -out s.p12 -passout pass:sesame
ossl pkcs12 -export -legacy -inkey s.key -in s.pem -out old.p12 \
    -passout pass:sesame
ossl pkcs12 -export -inkey s.key -in s.pem -out nopw.p12 -passout pass:
# 2058 MAC iterations: the last byte of the file is 0x0a, a newline.
ossl pkcs12 -export -iter 2058 -inkey s.key -in s.pem -out nl.p12 \
    -passout pass:sesame
chmod 600 s.p12 old.p12 nopw.p12 nl.p12
printf 'sesame\n' > pw
printf 'wrong\n' > bad
chmod 600 pw bad
test -s s.p12 && test -s old.p12
ok $? "test CA and PKCS#12 files made"
head -c 300000 /dev/urandom > a.bin
printf 'text\n' > t.txt

cmsverify() {	# cmsverify SIG FILE CA
	run openssl cms -verify -binary -inform DER -in "$1" -content "$2" \
	    -CAfile "$3" -purpose any -out /dev/null
}

run bb-sign -S -s s.p12 -P pw a.bin t.txt
is "$rc:$out:$err" "0::" "CMS signatures from a PKCS#12 file"
cmsverify a.bin.p7s a.bin ca.pem
is "$rc" 0 "openssl cms -verify accepts it"
like "$err" "Verification successful" "says so"
cmsverify t.txt.p7s t.txt ca.pem
is "$rc" 0 "and the text file, as binary"
run bb-sign -V -p ca.pem a.bin t.txt
is "$rc:$out" "0:a.bin: OK
t.txt: OK" "bb-sign -V with the CA file"

run bb-sign -S -s old.p12 -F 3 -x old.p7s a.bin 3<pw
is "$rc" 0 "legacy (RC2) PKCS#12, passphrase from a descriptor"
cmsverify old.p7s a.bin ca.pem
is "$rc" 0 "verifies with openssl"
run bb-sign -S -s nopw.p12 -x nopw.p7s a.bin
is "$rc" 0 "PKCS#12 without a passphrase: nothing asked"
run bb-sign -S -s nl.p12 -P pw -x nl.p7s a.bin
is "$rc" 0 "a PKCS#12 file ending in a newline byte is read whole"
run bb-sign -S -s s.p12 -P bad -x no.p7s a.bin
is "$rc" 77 "wrong passphrase: 77"
is "$err" "bb-sign: s.p12: wrong passphrase" "names the file"
run setsid -w bb-sign -S -s s.p12 -x no.p7s a.bin
is "$rc" 64 "no terminal and no -P: 64"
like "$err" "s.p12: no terminal to ask for the passphrase" "says how"
run bb-sign -S -f minisign -s s.p12 -P pw a.bin
is "$rc" 64 "a PKCS#12 file makes CMS only"

openssl cms -sign -binary -outform DER -in t.txt -signer s.pem \
    -inkey s.key -out theirs.p7s
run bb-sign -V -p ca.pem -x theirs.p7s t.txt
is "$rc" 0 "bb-sign -V accepts openssl cms -sign's signature"

cp t.txt mod.txt
bb-sign -S -s s.p12 -P pw mod.txt
echo x >> mod.txt
run bb-sign -V -p ca.pem mod.txt
is "$rc" 1 "modified file: 1"
is "$err" "bb-sign: mod.txt: signature does not match: the file was modified, or is not the one signed" \
    "names the file"
cmsverify mod.txt.p7s mod.txt ca.pem
ok $((rc == 0)) "(openssl refuses it too)"
run bb-sign -V -p other.pem a.bin
is "$rc" 77 "another CA: 77"
like "$err" "^bb-sign: a.bin: signed by a certificate that the CA file does not trust" \
    "names the file"
head -c 200 a.bin.p7s > cut.p7s
run bb-sign -V -p ca.pem -x cut.p7s a.bin
is "$rc" 65 "truncated signature: 65"
is "$err" "bb-sign: cut.p7s: truncated or malformed CMS signature" \
    "names the signature"
run bb-sign -V -p s.key a.bin
is "$rc" 65 "a private key is no trust anchor"
done_testing
