#!/bin/sh
# bb-pack against the stock tools, side by side on the same tree of mixed
# files (made deterministically in $BENCH_DIR): text-like files, many small
# and some large, and random data; 1 GiB divided by $PACK_BENCH_DIV (16).
# tar.gz at level 6 against GNU tar with gzip and bsdtar; tar.zst against
# GNU tar --zstd and zstd -T0 (and single-threaded zstd), alternating.
# The figures are wall times and their ratio to the stock tool's, and the
# sizes of the archives.  Targets: bb-pack tar.gz and tar.zst no slower
# than GNU tar.
set -eu
: "${BB_BIN:?run through make bench}"
. "$BB_SRC/tests/bench/lib.sh"
DIV=${PACK_BENCH_DIV:-16}
tree=$BENCH_DIR/pack-tree
out=$BENCH_DIR/pack-out
mkdir -p "$out"

if [ ! -e "$tree/.done" ]; then
	rm -rf "$tree"
	mkdir -p "$tree"
	# Text: words drawn from a fixed vocabulary by a fixed-seed LCG
	# (the sizes below, divided by DIV).
	perl -e '
		my ($dir, $div) = @ARGV;
		my $s = 42;
		sub r { $s = ($s * 1103515245 + 12345) % 2147483648; $s >> 8 }
		my @w = map { my $n = 2 + r() % 9; join "",
		    map { chr(97 + r() % 26) } 1 .. $n } 1 .. 4000;
		my $corpus = "";
		while (length($corpus) < 24 << 20) {
			my $n = 4 + r() % 12;
			# Zipf-ish: small indices are common.
			$corpus .= join(" ", map { $w[int((r() % 4000) **
			    2 / 4000)] } 1 .. $n) . "\n";
		}
		my $cl = length($corpus);
		sub slice { my $n = shift; my $o = r() % ($cl - $n);
			substr($corpus, $o, $n) }
		sub put { my ($p, $d) = @_; open(my $f, ">", $p) or die $p;
			binmode $f; print $f $d; close $f }
		for my $i (0 .. 25000 / $div - 1) {	# ~200 MiB of small files
			my $d = sprintf("%s/src/m%03d", $dir, $i % 500);
			mkdir "$dir/src"; mkdir $d;
			put(sprintf("%s/f%05d.c", $d, $i), slice(256 + r() % 16384));
		}
		mkdir "$dir/doc";
		for my $i (0 .. 200 / $div - 1) {	# ~200 MiB of 1 MiB files
			put(sprintf("%s/doc/d%03d.txt", $dir, $i),
			    slice(1 << 20));
		}
		mkdir "$dir/big";
		for my $i (0 .. 3) {			# 4 x 80 MiB logs
			my $d = "";
			$d .= slice(1 << 20) while length($d) < (80 << 20) / $div;
			put("$dir/big/log$i.txt", $d);
		}
	' "$tree" "$DIV"
	# Random data: AES-CTR of zeros with a fixed key, 256 MiB / DIV.
	mkdir -p "$tree/bin"
	for i in 0 1 2 3; do
		openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0$i \
		    -iv 0 < /dev/zero 2>/dev/null | head -c $(((56 << 20) / DIV)) \
		    > "$tree/bin/blob$i.bin"
	done
	openssl enc -aes-128-ctr -nosalt -K 0f0e0d0c0b0a09080706050403020100 \
	    -iv 0 < /dev/zero 2>/dev/null | head -c $(((32 << 20) / DIV)) |
	    split -b 32k -a 4 - "$tree/bin/small-"
	touch "$tree/.done"
fi
bytes=$(du -sb --exclude=.done "$tree" | cut -f1)
files=$(find "$tree" -type f | wc -l)
echo "tree: $((bytes >> 20)) MiB in $files files, $(nproc) cores"
# Warm the cache: every file read once.
find "$tree" -type f -exec cat {} + > /dev/null

# pack NAME OUTPUT CMD...: times CMD, keeps the size of OUTPUT in MiB.
pack() {
	_n=$1 _f=$2
	shift 2
	timed "$_n" "$@"
	[ -s "$BENCH_SAMPLES/$_n.size" ] ||
	    sample "$_n.size" "$(awk -v b="$(wc -c <"$_f")" \
	    'BEGIN { printf "%.2f", b / 1048576 }')"
	rm -f "$_f"
}

echo "tar.gz at level 6, tar.zst at level 3; $BENCH_RUNS rounds"
r=0
while [ "$r" -lt "$BENCH_RUNS" ]; do
	pack bb-pack.tar.gz "$out/bb.tar.gz" \
	    bb-pack -S -l 6 -o "$out/bb.tar.gz" -C "$tree" .
	pack gnutar.tar.gz "$out/gnu.tar.gz" \
	    tar -I 'gzip -6' -cf "$out/gnu.tar.gz" -C "$tree" .
	pack bsdtar.tar.gz "$out/bsd.tar.gz" \
	    bsdtar --options gzip:compression-level=6 -czf "$out/bsd.tar.gz" \
	    -C "$tree" .
	pack bb-pack.tar.zst "$out/bb.tar.zst" \
	    bb-pack -S -o "$out/bb.tar.zst" -C "$tree" .
	pack gnutar.tar.zst "$out/gnu.tar.zst" \
	    tar --zstd -cf "$out/gnu.tar.zst" -C "$tree" .
	pack zstd-T0.tar.zst "$out/t0.tar.zst" \
	    sh -c "tar -cf - -C '$tree' . | zstd -q -T0 -3 > '$out/t0.tar.zst'"
	pack bb-pack-j1.tar.zst "$out/bb1.tar.zst" \
	    bb-pack -S -j 1 -o "$out/bb1.tar.zst" -C "$tree" .
	pack zstd-single.tar.zst "$out/st.tar.zst" \
	    sh -c "tar -cf - -C '$tree' . | zstd -q --single-thread -3 \
	    > '$out/st.tar.zst'"
	r=$((r + 1))
done
figure bb-pack.tar.gz:gnutar s bb-pack.tar.gz gnutar.tar.gz '<=1'
figure bb-pack.tar.gz:bsdtar s bb-pack.tar.gz bsdtar.tar.gz -
figure bb-pack.tar.zst:gnutar s bb-pack.tar.zst gnutar.tar.zst '<=1'
figure bb-pack.tar.zst:zstd-T0 s bb-pack.tar.zst zstd-T0.tar.zst -
figure bb-pack-j1.tar.zst:zstd-single s bb-pack-j1.tar.zst \
    zstd-single.tar.zst '<=1'
figure bb-pack.tar.gz.size:gnutar MiB bb-pack.tar.gz.size gnutar.tar.gz.size -
figure bb-pack.tar.zst.size:gnutar MiB bb-pack.tar.zst.size \
    gnutar.tar.zst.size -
