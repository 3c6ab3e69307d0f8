#!/bin/sh
# bb-unpack against bsdtar -x on the same archives (a tree of 8000 files,
# about 160 MB), tar, tar.gz and tar.zst, alternating, each into a fresh
# directory after a sync: bb-unpack checks each archive before it
# extracts it, so this shows what that costs for each compression.
# Target: 1.1x bsdtar's time.
set -eu
: "${BB_BIN:?run through make bench}"
. "$BB_SRC/tests/bench/lib.sh"
d=$BENCH_DIR/unpack
mkdir -p "$d/tree"
i=0
while [ $i -lt 80 ]; do
	mkdir "$d/tree/dir$i"
	j=0
	while [ $j -lt 100 ]; do
		# Compressible, like source code.
		seq $((i * 100000 + j)) $((i * 100000 + j + 3000)) \
		    >"$d/tree/dir$i/file$j.c"
		j=$((j + 1))
	done
	i=$((i + 1))
done
tar -C "$d/tree" -cf "$d/src.tar" .
gzip -6 -c "$d/src.tar" >"$d/src.tar.gz"
zstd -q -3 -c "$d/src.tar" >"$d/src.tar.zst"
echo "tree: $(du -sm "$d/tree" | cut -f1) MB, $(find "$d/tree" | wc -l) entries"

r=0
while [ "$r" -lt "$BENCH_RUNS" ]; do
	for a in tar tar.gz tar.zst; do
		sync
		mkdir "$d/x"
		timed "bsdtar.$a" bsdtar -xf "$d/src.$a" -C "$d/x"
		rm -rf "$d/x"
		sync
		timed "bb-unpack.$a" bb-unpack "$d/src.$a" -C "$d/x"
		rm -rf "$d/x"
	done
	r=$((r + 1))
done
rm -rf "$d"
for a in tar.gz tar.zst tar; do
	figure "bb-unpack.$a" s "bb-unpack.$a" "bsdtar.$a" '<=1.1'
done
