#!/bin/sh
# shellcheck disable=SC2154 # rc, out, err: set by run in tests/lib.sh
# bb-pack streams: packing a 4 GiB tree (sparse files) keeps its resident
# memory under 64 MiB, and the archive holds every byte.
. "${BB_SRC:-.}/tests/lib.sh"
[ "${BB_SAN:-0}" = 1 ] && skip_all "memory use is not measured under ASan"
[ -x /usr/bin/time ] || skip_all "no GNU time (package time)"

mkdir -p "$T/big/d"
for i in 1 2 3 4; do truncate -s 1G "$T/big/f$i"; done
echo end > "$T/big/d/last"

run sh -c "/usr/bin/time -o '$T/rss' -f %M bb-pack -f tar -o - \
    -C '$T/big' . | wc -c"
is "$rc:$err" "0:" "4 GiB packed to standard output"
# 4 members of 1 GiB, 2 directories, one small file, headers, end blocks.
ok "$([ "$out" -ge $((4 * 1024 * 1024 * 1024 + 7 * 512)) ] && echo 0)" \
    "every byte is in the archive ($out bytes)"
rss=$(cat "$T/rss")
ok "$([ "$rss" -lt 65536 ] && echo 0)" "tar: RSS under 64 MiB (${rss} KiB)"

run /usr/bin/time -o "$T/rss" -f %M bb-pack -j 2 -o "$T/big.tar.zst" \
    -C "$T/big" .
is "$rc:$err" "0:" "4 GiB packed to tar.zst with 2 threads"
rss=$(cat "$T/rss")
ok "$([ "$rss" -lt 65536 ] && echo 0)" "tar.zst: RSS under 64 MiB (${rss} KiB)"
ok "$(zstd -tq "$T/big.tar.zst" && echo 0)" "the zstd stream is whole"
done_testing
