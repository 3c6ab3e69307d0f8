#!/bin/sh
# make bench: bb-sign signing and checksumming a 1 GiB file, side by side
# with the stock tools on the same file in the same run.  Each command
# runs $BENCH_RUNS times (default 3, round-robin) on a warm cache and the
# fastest run counts.  Within each algorithm the ratio is to the fastest tool:
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

# measure VAR CMD...: runs CMD once; keeps the fastest time in ms in VAR.
measure() {
	_var=$1
	shift
	_t0=$(now_ns)
	"$@" >/dev/null 2>&1 || { echo "** $* failed" >&2; exit 1; }
	_ms=$((($(now_ns) - _t0) / 1000000))
	eval "_old=\${$_var:-}"
	if [ -z "$_old" ] || [ "$_ms" -lt "$_old" ]; then
		eval "$_var=$_ms"
	fi
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
			if (n ~ /^bb-sign/ && ms <= 1.10 * min)
				printf "  (within 10%% of the fastest)"
			else if (n ~ /^bb-sign/)
				printf "  (MISSED: over 10%% behind the fastest)"
			printf "\n"
		}'
	done
}

echo "1 GiB of random data, fastest of $BENCH_RUNS rounds, warm cache"

# Round-robin, so that load from elsewhere falls on every tool alike.
t_sha256sum='' t_ossl_sha='' t_bb_list='' t_minisign='' t_b2sum='' t_ossl_b2=''
t_bb_mini='' t_signify='' t_bb_signify=''
r=0
while [ $r -lt "$BENCH_RUNS" ]; do
	measure t_sha256sum sha256sum f
	measure t_ossl_sha openssl dgst -sha256 f
	measure t_bb_list bb-sign -l -o SHA256 f
	measure t_minisign minisign -S -s m.sec -m f -x f.m
	measure t_b2sum b2sum f
	measure t_ossl_b2 openssl dgst -blake2b512 f
	measure t_bb_mini bb-sign -S -f minisign -s k.sec f
	measure t_signify signify-openbsd -S -s s.sec -m f -x f.s
	measure t_bb_signify bb-sign -S -f signify -s k.sec f
	r=$((r + 1))
done

group "sha256 (checksum list):" "sha256sum=$t_sha256sum" \
    "openssl dgst -sha256=$t_ossl_sha" "bb-sign -l=$t_bb_list"
group "BLAKE2b-512 (minisign):" "minisign -S=$t_minisign" "b2sum=$t_b2sum" \
    "openssl dgst -blake2b512=$t_ossl_b2" "bb-sign -S -f minisign=$t_bb_mini"
group "Ed25519 over the whole file (signify):" \
    "signify-openbsd -S=$t_signify" "bb-sign -S -f signify=$t_bb_signify"
rm -f f
