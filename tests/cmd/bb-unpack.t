#!/bin/sh
# bb-unpack FILE -C DIR: good archives unpack to the right tree; a corpus
# of hostile archives made here is refused, each with a message naming the
# member, exit 65, and nothing written outside (a canary directory beside
# the work root stays as it was) or left behind.  The archive of deep
# members makes 8080 objects with BB_SLOW=1 (make check-slow), 2080
# otherwise (seconds less on a busy disk).
# shellcheck disable=SC2154 # run sets rc, out and err
. "${BB_SRC:-.}/tests/lib.sh"

umask 022
M=$BB_BUILD/tests/tools/mkarchive
W=$T/w
mkdir "$W" "$T/canary" "$T/bin"
echo precious >"$T/canary/t"

# The canary, the work root and /etc/passwd as they must stay.
untouched() {
	_c=$(ls -A "$T/canary"; cat "$T/canary/t")
	is "$_c $(ls -A "$W")" "t
precious " "$1: nothing written outside, nothing left in the work root"
}

# hostile NAME LIST MESSAGE [mkarchive options]: the archive NAME made of
# LIST (members separated by ";") is refused with MESSAGE.
hostile() {
	_n=$1
	_l=$2
	_m=$3
	shift 3
	echo "$_l" | tr ';' '\n' | "$M" "$@" "$T/$_n"
	run bb-unpack "$T/$_n" -C "$W/out"
	is "$rc" 65 "$_n: exit 65"
	is "$err" "bb-unpack: $T/$_n: $_m" "$_n: message"
	is "$out" "" "$_n: no workdir record"
	untouched "$_n"
}

links=$(stat -c %h /etc/passwd)

hostile abs.tar "file $T/canary/pwned 0644 3" \
    "$T/canary/pwned: refused: absolute path"
hostile dotdot.tar 'file ../../canary/pwned 0644 3' \
    '../../canary/pwned: refused: ".." in the path'
hostile dotdot2.tar 'file ok 0644 3;file a/../../../canary/pwned 0644 3' \
    'a/../../../canary/pwned: refused: ".." in the path' -f ustar
hostile symlink-abs.tar "symlink l $T/canary;file l/pwned 0644 3" \
    "l: refused: symbolic link to $T/canary, absolute or with \"..\""
hostile symlink-dotdot.tar 'symlink l ../../canary;file l/pwned 0644 3' \
    'l: refused: symbolic link to ../../canary, absolute or with ".."'
# A link inside the tree, then a file through it: libarchive's check,
# found in the second pass, after d and l were made: they are removed.
hostile symlink-through.tar 'dir d;symlink l d;file l/pwned 0644 3' \
    'l/pwned: Cannot extract through symlink l/pwned'
hostile hardlink-passwd.tar 'hardlink h /etc/passwd' \
    'h: refused: hard link to /etc/passwd, outside the tree'
is "$(stat -c %h /etc/passwd)" "$links" "/etc/passwd has no new link"
hostile hardlink-dotdot.tar 'hardlink h ../../canary/t' \
    'h: refused: hard link to ../../canary/t, outside the tree' -f gnutar
hostile hardlink-through.tar 'dir d;symlink l d;file d/t 0644 3;hardlink h l/t' \
    'h: Cannot extract through symlink l/t'
hostile chr.tar 'dir dev;chr dev/null' 'dev/null: refused: character device'
hostile blk.tar 'blk sda' 'sda: refused: block device'
hostile fifo.tar 'fifo p' 'p: refused: fifo'
hostile setuid.tar 'file su 4755 3' \
    'su: refused: setuid or setgid (mode 4755)'
hostile setgid.tar 'file sg 2711 3' \
    'sg: refused: setuid or setgid (mode 2711)'
hostile bomb.tar.gz 'many f 100000' \
    'f50000: refused: more than 50000 files, directories and links' -z gzip
hostile claim.tar 'claim big 10737418240' \
    'big: refused: 10737418240 bytes, over the limit of 4294967296 bytes in all'
echo 'not an archive' >"$T/text"
run bb-unpack "$T/text" -C "$W/out"
is "$rc $err" "65 bb-unpack: $T/text: not a tar or zip archive, uncompressed or compressed with gzip, bzip2, xz, zstd or lz4" \
    "plain text is not an archive"
untouched text

# Filters that run a program (lrzip, lzop, grzip): libarchive's catch-all
# runs them, as bsdtar shows with a fake one; bb-unpack never does.
printf 'file a 0644 10\n' | "$M" "$T/inner.tar"
printf 'LRZI\000\006xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' \
    >"$T/x.tar.lrz"
printf '\211LZO\000\015\012\032\012\020\060\040\240\011\100%s' \
    xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx >"$T/x.tar.lzo"
printf 'GRZipII\000\002\004:)xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' \
    >"$T/x.tar.grz"
for p in lrzip lzop grzip; do
	printf '#!/bin/sh\ntouch "%s/ran-%s"\ncat "%s/inner.tar"\n' \
	    "$T" "$p" "$T" >"$T/bin/$p"
	chmod 755 "$T/bin/$p"
done
_path=$PATH
PATH=$T/bin:$PATH
for x in lrz lzo grz; do
	bsdtar -tf "$T/x.tar.$x" >/dev/null 2>&1
done
is "$(cd "$T" && echo ran-*)" "ran-grzip ran-lrzip ran-lzop" \
    "bsdtar (catch-all filters) runs lrzip, lzop and grzip"
rm -f "$T"/ran-*
for x in lrz lzo grz; do
	run bb-unpack "$T/x.tar.$x" -C "$W/out"
	is "$rc $err" "65 bb-unpack: $T/x.tar.$x: not a tar or zip archive, uncompressed or compressed with gzip, bzip2, xz, zstd or lz4" \
	    "x.tar.$x refused as an unknown format"
	untouched "x.tar.$x"
done
PATH=$_path
is "$(cd "$T" && echo ran-*)" "ran-*" "bb-unpack ran no external program"

# Cut short.
printf 'file a 0644 100000\nfile b 0644 100000\n' | "$M" "$T/whole.tar"
head -c 150000 "$T/whole.tar" >"$T/cut.tar"
run bb-unpack "$T/cut.tar" -C "$W/out"
is "$rc" 65 "cut tar: exit 65"
like "$err" "^bb-unpack: $T/cut.tar: b: Truncated input file" \
    "cut tar: names the member"
untouched cut.tar
gzip -c "$T/whole.tar" | head -c 2000 >"$T/cut.tar.gz"
run bb-unpack "$T/cut.tar.gz" -C "$W/out"
is "$rc $err" "65 bb-unpack: $T/cut.tar.gz: truncated gzip input" \
    "cut tar.gz: exit 65"
untouched cut.tar.gz

# From a pipe, one pass: what came before the refused member is removed.
printf 'file ok 0644 3\nfile ../x 0644 3\n' | "$M" "$T/late.tar"
run sh -c 'cat "$1" | bb-unpack - -C "$2"' sh "$T/late.tar" "$W/out"
is "$rc $err" '65 bb-unpack: stdin: ../x: refused: ".." in the path' \
    "from a pipe: refused"
untouched "late.tar from a pipe"
printf 'file a 0644 500\nnosize b 5000\n' | "$M" -f zip "$T/nosize.zip"
run sh -c 'cat "$1" | bb-unpack -m 1000 - -C "$2"' sh "$T/nosize.zip" "$W/out"
is "$rc $err" \
    "65 bb-unpack: stdin: b: refused: over the limit of 1000 bytes in all" \
    "zip from a pipe, size unknown: counted as written"
untouched "nosize.zip from a pipe"

# Limits.
echo 'many f 5' | "$M" "$T/five.tar"
run bb-unpack -n 4 "$T/five.tar" -C "$W/out"
is "$rc $err" "65 bb-unpack: $T/five.tar: f4: refused: more than 4 files, directories and links" \
    "-n 4"
run bb-unpack -n 5 "$T/five.tar" -C "$W/out"
is "$rc" 0 "-n 5 lets 5 members pass"
rm -rf "$W/out"
# -n counts what is made: the directories of a member's path too, each
# once; a directory member that exists already makes nothing.
printf '%s\n' 'file a/b/c/f1 0644 1' 'file a/b/c/f2 0644 1' 'dir a/b' \
    'file ./x/y/f3 0644 1' | "$M" "$T/dirs.tar"
run bb-unpack -n 7 "$T/dirs.tar" -C "$W/out"
is "$rc $err" "65 bb-unpack: $T/dirs.tar: ./x/y/f3: refused: more than 7 files, directories and links" \
    "-n 7: a, a/b, a/b/c, f1, f2, x, x/y, f3 are 8"
untouched "dirs.tar over -n"
run bb-unpack -n 8 "$T/dirs.tar" -C "$W/out"
is "$rc:$(cd "$W/out" && find . -mindepth 1 | wc -l)" "0:8" \
    "-n 8 lets them pass: 8 objects made, as find counts them"
rm -rf "$W/out"
# 40 members, each at the end of DEEP + 1 directories of its own: 8080
# objects (DEEP 200), or 2080 (DEEP 50).
deep=$(sized 50 200)
objs=$((40 * (deep + 2)))
lim=$((objs * 5 / 8))
_i=0
while [ "$_i" -lt 40 ]; do
	printf 'file d%s%s/f 0644 1\n' "$_i" \
	    "$(printf "%0${deep}d" 0 | sed 's,0,/d,g')"
	_i=$((_i + 1))
done | "$M" "$T/deep.tar"
run bb-unpack -n "$lim" "$T/deep.tar" -C "$W/out"
is "$rc" 65 "40 deep members over -n $lim: refused"
like "$err" "refused: more than $lim files, directories and links" \
    "by the directories their paths make"
untouched "deep.tar over -n"
run bb-unpack -n "$objs" "$T/deep.tar" -C "$W/out"
is "$rc:$(find "$W/out" -mindepth 1 | wc -l)" "0:$objs" "-n $objs lets it pass"
rm -rf "$W/out"
echo 'file huge 0644 3000' | "$M" "$T/huge.tar"
run bb-unpack -m 2K "$T/huge.tar" -C "$W/out"
is "$rc $err" "65 bb-unpack: $T/huge.tar: huge: refused: 3000 bytes, over the limit of 2048 bytes in all" \
    "-m 2K"
untouched huge.tar

# Good archives: every format and filter gives the same tree.
cat >"$T/good.list" <<'EOF'
dir src 0755
file src/main.c 0644 3000
text src/hello.txt hello
symlink src/link hello.txt
hardlink src/hard src/main.c
file configure 0755 100
file group-writable 0666 10
dir read-only 0555
text read-only/f ro
text %C3%A9t%C3%A9.txt utf-8
dir empty 0700
EOF
listing() {
	(cd "$1" && find . -type f -printf '%p %m %s %T@\n' &&
	    find . -type d -printf '%p %m\n' &&
	    find . -type l -printf '%p -> %l\n') | sort
}
want=$(cat <<'EOF'
. 755
./configure 755 100 1700000000.0000000000
./empty 700
./group-writable 644 10 1700000000.0000000000
./read-only 755
./read-only/f 644 3 1700000000.0000000000
./src 755
./src/hard 644 3000 1700000000.0000000000
./src/hello.txt 644 6 1700000000.0000000000
./src/link -> hello.txt
./src/main.c 644 3000 1700000000.0000000000
./été.txt 644 6 1700000000.0000000000
EOF
)
for f in "pax none tar" "ustar gzip tar.gz" "gnutar xz tar.xz" \
    "pax zstd tar.zst" "pax bzip2 tar.bz2" "pax lz4 tar.lz4" \
    "zip none zip"; do
	# shellcheck disable=SC2086
	set -- $f
	# Zip has no hard links: they are left out of its list.
	nolinks=
	[ "$1" = zip ] && nolinks=^hardlink
	grep -v "${nolinks:-^$}" "$T/good.list" |
	    "$M" -f "$1" -z "$2" "$T/good.$3"
	run bb-unpack -C "$W/good" "$T/good.$3"
	is "$rc $out $err" "0 workdir path=$W/good " "good.$3 unpacks"
	if [ "$1" = zip ]; then
		is "$(listing "$W/good")" "$(echo "$want" | grep -v /hard)" \
		    "good.$3: the right tree"
	else
		is "$(listing "$W/good")" "$want" "good.$3: the right tree"
		is "$(stat -c %i "$W/good/src/hard")" \
		    "$(stat -c %i "$W/good/src/main.c")" "good.$3: hard link"
	fi
	rm -rf "$W/good"
done

# Archives made by GNU tar and bsdtar from a real tree.
mkdir -p "$T/tree/src/sub" "$T/tree/doc"
printf 'int main(void) { return 0; }\n' >"$T/tree/src/main.c"
printf 'all:\n\tcc src/main.c\n' >"$T/tree/Makefile"
ln -s main.c "$T/tree/src/alias.c"
ln "$T/tree/src/main.c" "$T/tree/src/sub/same.c"
chmod 755 "$T/tree/Makefile"
tar -C "$T/tree" -czf "$T/gnu.tar.gz" .
(cd "$T/tree" && bsdtar -a -cf "$T/bsd.zip" .)
for a in gnu.tar.gz bsd.zip; do
	run bb-unpack "$T/$a" -C "$W/real"
	is "$rc" 0 "$a unpacks"
	diff -r "$T/tree" "$W/real" >/dev/null && r=0 || r=1
	ok $r "$a: same tree as the one packed"
	rm -rf "$W/real"
done

# Standard input, an existing empty directory, -C before or after.
mkdir "$W/empty"
run sh -c 'bb-unpack - -C "$1" <"$2"' sh "$W/empty" "$T/good.tar.gz"
is "$rc $out" "0 workdir path=$W/empty" "from standard input, into an \
existing empty directory"
rm -rf "$W/empty"
mkdir "$W/empty"
run bb-unpack -C "$W/empty" "$T/abs.tar"
is "$rc $(ls -A "$W")" "65 empty" "a refused archive leaves an existing \
directory as it was"
empty_dirs "  and empty" "$W/empty"
touch "$W/empty/keep"
run bb-unpack "$T/good.tar" -C "$W/empty"
is "$rc $err" "73 bb-unpack: $W/empty: not empty" "a directory that is not \
empty is refused"
is "$(ls -A "$W/empty")" "keep" "  and left alone"
rm -rf "$W/empty"

# Errors of use.
usage="usage: bb-unpack [-d workroot] [-m bytes] [-n entries] [-r retries] [--ca path]
                 [--pin sha256//hash]
       bb-unpack [-m bytes] [-n entries] -C dir file"
run bb-unpack "$T/good.tar"
is "$rc $err" "64 $usage" "a file needs -C"
run bb-unpack -d "$W" "$T/good.tar" -C "$W/x"
is "$rc" 64 "-d is for jobs, not files"
run bb-unpack -C "$W/x"
is "$rc" 64 "-C needs a file"
run bb-unpack "$T/good.tar" "$T/good.tar" -C "$W/x"
is "$rc" 64 "one file only"
run bb-unpack -m 0 "$T/good.tar" -C "$W/x"
is "$rc $err" "64 bb-unpack: -m 0: not a size (digits, then K, M, G or T; at most 1024T)" \
    "-m 0"
run bb-unpack -n 0 "$T/good.tar" -C "$W/x"
is "$rc $err" "64 bb-unpack: -n 0: too small (1 to 100000000)" "-n 0"
run bb-unpack -r 101
is "$rc $err" "64 bb-unpack: -r 101: too large (0 to 100)" "-r 101"
run bb-unpack "$T/nonexistent" -C "$W/x"
is "$rc $err" "66 bb-unpack: $T/nonexistent: No such file or directory" \
    "missing file: exit 66"
run bb-unpack "$T/good.tar" -C "$T/nonexistent/x"
is "$rc $err" "73 bb-unpack: mkdir $T/nonexistent/x: No such file or directory" \
    "directory that cannot be made: exit 73"
run sh -c 'bb-unpack "$1" -C "$2" >/dev/full' sh "$T/good.tar" "$W/full"
is "$rc $err" "74 bb-unpack: stdout: No space left on device" \
    "stdout on /dev/full: exit 74"
untouched "/dev/full"
mkdir "$W/full"
run sh -c 'bb-unpack "$1" -C "$2" >/dev/full' sh "$T/good.tar" "$W/full"
is "$rc $(ls -A "$W") $(ls -A "$W/full")" "74 full " \
    "stdout on /dev/full: a directory that was there stays, empty"

# A disk too small for the tree: a 64 KiB tmpfs in a mount namespace of
# its own (and a user namespace, for a user that is not root).
mkdir "$T/zeros" "$W/small"
head -c 1048576 /dev/zero >"$T/zeros/z"
tar -C "$T/zeros" -czf "$T/zeros.tar.gz" z
if unshare -rm sh -c "mount -t tmpfs -o size=64k bb-test '$W/small'" \
    2>/dev/null; then
	run unshare -rm sh -c 'mount -t tmpfs -o size=64k bb-test "$2" &&
	    bb-unpack "$1" -C "$2/x"; rc=$?; ls -A "$2" >"$3"; exit $rc' \
	    sh "$T/zeros.tar.gz" "$W/small" "$T/left"
	is "$rc $err" "74 bb-unpack: $T/zeros.tar.gz: z: no space left on device in $W/small/x" \
	    "a full disk: exit 74, and it says so"
	is "$(cat "$T/left")" "" "  the tree is removed"
else
	ok 0 "# SKIP cannot mount a tmpfs in a user namespace here"
	ok 0 "# SKIP cannot mount a tmpfs in a user namespace here"
fi


# A stray option, after the file too (where -C may follow it): a usage
# error that names the option, never the file as if it were the program.
for a in "$T/late.tar -x" "-x" "$T/late.tar -C $W/out -x"; do
	# shellcheck disable=SC2086 # split on purpose
	run bb-unpack $a
	is "$rc" 64 "bb-unpack $a: exit 64"
	is "$(printf '%s\n' "$err" | sed 1q)" "bb-unpack: -x: unknown option" \
	    "bb-unpack $a: names the stray option"
	like "$err" "^usage: bb-unpack" "bb-unpack $a: and shows the usage"
done
run bb-unpack "$T/late.tar" --frob
is "$rc:$(printf '%s\n' "$err" | sed 1q)" "64:bb-unpack: --frob: unknown option" \
    "a stray long option after the file: 64, named"
run bb-unpack "$T/late.tar" -C
is "$rc:$(printf '%s\n' "$err" | sed 1q)" "64:bb-unpack: -C needs an argument" \
    "-C without its directory after the file: 64, named"

done_testing
