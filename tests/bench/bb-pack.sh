#!/bin/sh
# bb-pack against the stock tools, side by side on the same ~1 GiB tree of
# mixed files (made deterministically in $BENCH_DIR): text-like files, many
# small and some large, and random data.  tar.gz at level 6 against GNU tar
# with gzip and bsdtar; tar.zst against GNU tar --zstd and zstd -T0 (and
# single-threaded zstd).  Prints wall times, sizes and ratios.
set -eu
: "${BENCH_DIR:?run through make bench}"
tree=$BENCH_DIR/pack-tree
out=$BENCH_DIR/pack-out
mkdir -p "$out"

if [ ! -e "$tree/.done" ]; then
	rm -rf "$tree"
	mkdir -p "$tree"
	# Text: words drawn from a fixed vocabulary by a fixed-seed LCG.
	perl -e '
		my ($dir) = @ARGV;
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
		for my $i (0 .. 24999) {		# ~200 MiB of small files
			my $d = sprintf("%s/src/m%03d", $dir, $i % 500);
			mkdir "$dir/src"; mkdir $d;
			put(sprintf("%s/f%05d.c", $d, $i), slice(256 + r() % 16384));
		}
		mkdir "$dir/doc";
		for my $i (0 .. 199) {			# ~200 MiB of 1 MiB files
			put(sprintf("%s/doc/d%03d.txt", $dir, $i),
			    slice(1 << 20));
		}
		mkdir "$dir/big";
		for my $i (0 .. 3) {			# 4 x 80 MiB logs
			my $d = "";
			$d .= slice(1 << 20) while length($d) < 80 << 20;
			put("$dir/big/log$i.txt", $d);
		}
	' "$tree"
	# Random data: AES-CTR of zeros with a fixed key, 256 MiB.
	mkdir -p "$tree/bin"
	for i in 0 1 2 3; do
		openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0$i \
		    -iv 0 < /dev/zero 2>/dev/null | head -c $((56 << 20)) \
		    > "$tree/bin/blob$i.bin"
	done
	openssl enc -aes-128-ctr -nosalt -K 0f0e0d0c0b0a09080706050403020100 \
	    -iv 0 < /dev/zero 2>/dev/null | head -c $((32 << 20)) |
	    split -b 32k -a 4 - "$tree/bin/small-"
	touch "$tree/.done"
fi
bytes=$(du -sb --exclude=.done "$tree" | cut -f1)
files=$(find "$tree" -type f | wc -l)
echo "tree: $((bytes >> 20)) MiB in $files files, $(nproc) cores," \
    "load $(cut -d' ' -f1 /proc/loadavg)"
echo "wall time, CPU time (user + system), output size, wall time / bb-pack's"
# Warm the cache: every file read once.
find "$tree" -type f -exec cat {} + > /dev/null

base=
bench() {	# bench LABEL OUTPUT CMD...
	label=$1 file=$2
	shift 2
	/usr/bin/time -f '%e %U %S' -o "$out/time" "$@"
	size=$(wc -c < "$file")
	secs=$(awk '{ printf "%.2f", $1 }' "$out/time")
	cpu=$(awk '{ printf "%.2f", $2 + $3 }' "$out/time")
	rel=$(echo "$secs ${base:-$secs}" | awk '{ printf "%.2f", $1 / $2 }')
	printf '%-34s %6s s %6s s cpu %4s MiB  x%s\n' "$label" "$secs" \
	    "$cpu" $((size >> 20)) "$rel"
	rm -f "$file"
}
run_base() {	# run_base LABEL OUTPUT CMD...: times bb-pack, sets base
	base=
	bench "$@"
	base=$secs
}

echo
echo "tar.gz, gzip level 6"
run_base "bb-pack -f tar.gz -l 6" "$out/bb.tar.gz" \
    bb-pack -S -l 6 -o "$out/bb.tar.gz" -C "$tree" .
bench "tar -czf (GNU tar + gzip -6)" "$out/gnu.tar.gz" \
    tar -I 'gzip -6' -cf "$out/gnu.tar.gz" -C "$tree" .
bench "bsdtar -czf (level 6)" "$out/bsd.tar.gz" \
    bsdtar --options gzip:compression-level=6 -czf "$out/bsd.tar.gz" \
    -C "$tree" .

echo
echo "tar.zst, zstd level 3"
run_base "bb-pack -f tar.zst ($(nproc) threads)" "$out/bb.tar.zst" \
    bb-pack -S -o "$out/bb.tar.zst" -C "$tree" .
bench "bb-pack -f tar.zst -j 1" "$out/bb1.tar.zst" \
    bb-pack -S -j 1 -o "$out/bb1.tar.zst" -C "$tree" .
bench "tar --zstd (GNU tar + zstd)" "$out/gnu.tar.zst" \
    tar --zstd -cf "$out/gnu.tar.zst" -C "$tree" .
bench "tar | zstd -T0 -3" "$out/t0.tar.zst" \
    sh -c "tar -cf - -C '$tree' . | zstd -q -T0 -3 > '$out/t0.tar.zst'"
bench "tar | zstd --single-thread -3" "$out/st.tar.zst" \
    sh -c "tar -cf - -C '$tree' . | zstd -q --single-thread -3 \
    > '$out/st.tar.zst'"
echo
echo "targets: bb-pack tar.gz no slower than GNU tar + gzip; bb-pack tar.zst"
echo "faster than single-threaded zstd (x > 1.00 on those lines); the load"
echo "of the machine at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
