#!/bin/sh
# shellcheck disable=SC2154 # rc, out, err: set by run in tests/lib.sh
# bb-pack streams: packing a tree of sparse files keeps its resident
# memory under 64 MiB, and the archive holds every byte.  The tree is
# 4 GiB with BB_SLOW=1 (make check-slow), 512 MiB (8 times the limit)
# otherwise.
. "${BB_SRC:-.}/tests/lib.sh"
[ "${BB_SAN:-0}" = 1 ] && skip_all "memory use is not measured under ASan"
[ -x /usr/bin/time ] || skip_all "no GNU time (package time)"

mb=$(sized 128 1024)	# each of 4 files, MiB
size="$((4 * mb)) MiB"
mkdir -p "$T/big/d"
for i in 1 2 3 4; do truncate -s "${mb}M" "$T/big/f$i"; done
echo end > "$T/big/d/last"

run sh -c "/usr/bin/time -o '$T/rss' -f %M bb-pack -f tar -o - \
    -C '$T/big' . | wc -c"
is "$rc:$err" "0:" "$size packed to standard output"
# 4 members, 2 directories, one small file, headers, end blocks.
ok "$([ "$out" -ge $((4 * mb * 1024 * 1024 + 7 * 512)) ] && echo 0)" \
    "every byte is in the archive ($out bytes)"
rss=$(cat "$T/rss")
ok "$([ "$rss" -lt 65536 ] && echo 0)" "tar: RSS under 64 MiB (${rss} KiB)"

run /usr/bin/time -o "$T/rss" -f %M bb-pack -j 2 -o "$T/big.tar.zst" \
    -C "$T/big" .
is "$rc:$err" "0:" "$size packed to tar.zst with 2 threads"
rss=$(cat "$T/rss")
ok "$([ "$rss" -lt 65536 ] && echo 0)" "tar.zst: RSS under 64 MiB (${rss} KiB)"
ok "$(zstd -tq "$T/big.tar.zst" && echo 0)" "the zstd stream is whole"
done_testing
