#!/bin/sh
# make bench: bb-sign signing and checksumming a 1 GiB file, side by side
# with the stock tools on the same file in the same run.  Each command
# runs $BENCH_RUNS times (default 3) on a warm cache and the fastest run
# counts.  Within each algorithm the ratio is to the fastest tool:
#   sha256:      bb-sign -l, sha256sum, openssl dgst -sha256
#   BLAKE2b-512: bb-sign -S -f minisign, minisign -S, b2sum,
#                openssl dgst -blake2b512 (minisign signs the BLAKE2b-512)
#   Ed25519:     bb-sign -S -f signify, signify-openbsd -S (the whole file)
set -eu
: "${BENCH_DIR:?run through make bench}"
: "${BENCH_RUNS:=3}"
cd "$BENCH_DIR"
mkdir -p sign && cd sign

size=$((1024 * 1024 * 1024))
head -c $size /dev/urandom > f
bb-sign -G -p k.pub -s k.sec
signify-openbsd -G -n -p s.pub -s s.sec
minisign -G -W -p m.pub -s m.sec >/dev/null
cat f > /dev/null

now_ns() { date +%s%N; }

# best NAME CMD...: runs CMD $BENCH_RUNS times, prints the fastest in ms.
best() {
	_name=$1
	shift
	_best=
	_i=0
	while [ $_i -lt "$BENCH_RUNS" ]; do
		_t0=$(now_ns)
		"$@" >/dev/null 2>&1 || { echo "** $_name failed" >&2; return 1; }
		_t1=$(now_ns)
		_ms=$(((_t1 - _t0) / 1000000))
		if [ -z "$_best" ] || [ $_ms -lt "$_best" ]; then
			_best=$_ms
		fi
		_i=$((_i + 1))
	done
	echo "$_best"
}

# group TITLE NAME=MS ...: prints each tool's time, speed and its ratio to
# the fastest in the group.
group() {
	echo "$1"
	shift
	_min=
	for _p in "$@"; do
		_ms=${_p#*=}
		if [ -z "$_min" ] || [ "$_ms" -lt "$_min" ]; then
			_min=$_ms
		fi
	done
	for _p in "$@"; do
		awk -v n="${_p%%=*}" -v ms="${_p#*=}" -v min="$_min" \
		    -v size="$size" 'BEGIN {
			if (ms < 1) ms = 1
			if (min < 1) min = 1
			printf "  %-28s %7d ms %8.0f MB/s %6.2fx", n, ms,
			    size / 1e6 / (ms / 1000), ms / min
			if (n ~ /^bb-sign/)
				printf "  %s", ms <= 1.10 * min ?
				    "(within 10% of the fastest)" :
				    "(MISSED: over 10% behind the fastest)"
			printf "\n"
		}'
	done
}

echo "1 GiB of random data, fastest of $BENCH_RUNS runs, warm cache"

a=$(best sha256sum sha256sum f)
b=$(best openssl-sha256 openssl dgst -sha256 f)
c=$(best bb-sign-l bb-sign -l -o SHA256 f)
group "sha256 (checksum list):" "sha256sum=$a" "openssl dgst -sha256=$b" \
    "bb-sign -l=$c"

a=$(best minisign minisign -S -s m.sec -m f -x f.m)
b=$(best b2sum b2sum f)
c=$(best openssl-blake2b openssl dgst -blake2b512 f)
d=$(best bb-sign-minisign bb-sign -S -f minisign -s k.sec f)
group "BLAKE2b-512 (minisign):" "minisign -S=$a" "b2sum=$b" \
    "openssl dgst -blake2b512=$c" "bb-sign -S -f minisign=$d"

a=$(best signify signify-openbsd -S -s s.sec -m f -x f.s)
b=$(best bb-sign-signify bb-sign -S -f signify -s k.sec f)
group "Ed25519 over the whole file (signify):" "signify-openbsd -S=$a" \
    "bb-sign -S -f signify=$b"
rm -f f
