#!/bin/sh
# shellcheck disable=SC2154 # rc, out and err are set by run (tests/lib.sh)
# bb-sign: a big file signs in the minisign format, and is checksummed,
# in constant memory (resident set under 16 MiB, by GNU time).  The file
# is 2 GiB with BB_SLOW=1 (make check-slow), 256 MiB (16 times the limit)
# otherwise.  Skipped under the sanitizers, which change memory use and
# are slow at hashing.
# shellcheck source=tests/lib.sh
. "${BB_SRC:-.}/tests/lib.sh"
[ "${BB_SAN:-0}" = 1 ] && skip_all "memory use is not measured under ASan"
cd "$T" || exit 1

bb-sign -G -f minisign -p k.pub -s k.sec
size=$(sized 256M 2G)
truncate -s "$size" big
limit=16384

run /usr/bin/time -f %M -o rss bb-sign -S -s k.sec big
is "$rc:$err" "0:" "$size file signed in the minisign format"
rss=$(cat rss)
ok $((rss >= limit)) "in constant memory: max RSS $rss KiB < $limit KiB"
run minisign -V -p k.pub -m big
is "$rc" 0 "minisign -V accepts the signature"

run /usr/bin/time -f %M -o rss bb-sign -l big
is "$rc:$err" "0:" "$size file checksummed"
rss=$(cat rss)
ok $((rss >= limit)) "in constant memory: max RSS $rss KiB < $limit KiB"
is "$(cat SHA256)" "SHA256 (big) = $(openssl dgst -sha256 -r big | cut -c1-64)" \
    "the sha256 openssl computes"
done_testing
