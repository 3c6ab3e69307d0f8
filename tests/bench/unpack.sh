#!/bin/sh
# bb-unpack against bsdtar -x on the same archives (a tree of 8000 files,
# about 160 MB): bb-unpack reads a file twice (checks, then extracts), so
# this shows what that first pass costs for each compression.
set -eu
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

ms() { echo $(($(date +%s%N) / 1000000)); }

for a in src.tar src.tar.gz src.tar.zst; do
	sync
	t0=$(ms)
	mkdir "$d/x"
	bsdtar -xf "$d/$a" -C "$d/x"
	t1=$(ms)
	rm -rf "$d/x"
	sync
	t2=$(ms)
	bb-unpack "$d/$a" -C "$d/x" >/dev/null
	t3=$(ms)
	rm -rf "$d/x"
	echo "$a: bsdtar $((t1 - t0)) ms, bb-unpack $((t3 - t2)) ms," \
	    "ratio $(awk -v a=$((t1 - t0)) -v b=$((t3 - t2)) \
	    'BEGIN { printf "%.2f", b / (a ? a : 1) }')"
done
rm -rf "$d"
