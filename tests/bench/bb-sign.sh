#!/bin/sh
# bb-sign signing and checksumming a file of random data ($SIGN_BENCH_MB,
# 256 MiB), side by side with the stock tools on the same file, round-robin
# on a warm cache.  Each of bb-sign's figures is its time over the stock
# tool's doing the same work:
#   sha256:      bb-sign -l against openssl dgst -sha256 (and sha256sum)
#   BLAKE2b-512: bb-sign -S -f minisign against openssl dgst -blake2b512
#                (and minisign -S, b2sum; minisign signs the BLAKE2b-512)
#   Ed25519:     bb-sign -S -f signify against signify-openbsd -S (the
#                whole file)
# Target: within 10% of openssl dgst and of signify.
set -eu
: "${BB_BIN:?run through make bench}"
. "$BB_SRC/tests/bench/lib.sh"
MB=${SIGN_BENCH_MB:-256}
cd "$BENCH_DIR"
mkdir -p sign && cd sign

head -c $((MB << 20)) /dev/urandom > f
bb-sign -G -p k.pub -s k.sec
signify-openbsd -G -n -p s.pub -s s.sec
minisign -G -W -p m.pub -s m.sec >/dev/null
cat f > /dev/null

echo "$MB MiB of random data, $BENCH_RUNS rounds, warm cache"
r=0
while [ "$r" -lt "$BENCH_RUNS" ]; do
	timed sha256sum sha256sum f
	timed openssl-sha256 openssl dgst -sha256 f
	timed bb-sign-l bb-sign -l -o SHA256 f
	timed minisign minisign -S -s m.sec -m f -x f.m
	timed b2sum b2sum f
	timed openssl-blake2b512 openssl dgst -blake2b512 f
	timed bb-sign-minisign bb-sign -S -f minisign -s k.sec f
	timed signify signify-openbsd -S -s s.sec -m f -x f.s
	timed bb-sign-signify bb-sign -S -f signify -s k.sec f
	r=$((r + 1))
done
rm -f f
figure bb-sign.sha256:openssl s bb-sign-l openssl-sha256 '<=1.1'
figure bb-sign.sha256:sha256sum s bb-sign-l sha256sum -
figure bb-sign.minisign:openssl s bb-sign-minisign openssl-blake2b512 '<=1.1'
figure bb-sign.minisign:minisign s bb-sign-minisign minisign -
figure bb-sign.minisign:b2sum s bb-sign-minisign b2sum -
figure bb-sign.signify:signify s bb-sign-signify signify '<=1.1'
