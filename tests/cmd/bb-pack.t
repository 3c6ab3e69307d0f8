#!/bin/sh
# shellcheck disable=SC2154 # rc, out, err: set by run in tests/lib.sh
# bb-pack alone: archives in every format unpack with GNU tar, bsdtar and
# unzip to the tree packed; the same tree gives the same bytes whatever its
# times, modes, the umask and TZ; checksum files; bad input.
. "${BB_SRC:-.}/tests/lib.sh"
umask 022
FORMATS="tar.gz tar.xz tar.zst tar zip"
# t CMD...: 0 if CMD succeeds, else 1 (run sets -e: test through this).
t() { if "$@" >/dev/null 2>&1; then echo 0; else echo 1; fi; }

# The tree: files, an empty file, an executable, links in and out of it,
# nested directories, names with spaces and UTF-8.
mk_tree() {
	mkdir -p "$1/bin" "$1/share/doc/deep/er" "$1/a-b" "$1/with space"
	echo hello > "$1/README"
	: > "$1/empty"
	printf '#!/bin/sh\necho hi\n' > "$1/bin/run"
	chmod 755 "$1/bin/run"
	# Over 2 MiB: a tar.gz of several gzip members.
	seq 1 400000 > "$1/share/doc/deep/er/numbers"
	echo x > "$1/a-b/x"
	echo dot > "$1/a.b"
	echo sp > "$1/with space/file name"
	echo u > "$1/$(printf 'caf\303\251 \342\230\203')"
	ln -s ../README "$1/bin/readme"
	ln -s ../outside/secret "$1/escape"
	ln -s ../outside "$1/escape-dir"
}
mkdir -p "$T/outside/dir"
echo secret > "$T/outside/secret"
echo hidden > "$T/outside/dir/hidden"
mk_tree "$T/src"

# What a tree looks like: type, mode, size and target of each entry.
shape() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %s %l\n' | sort)
}
want=$(shape "$T/src")

for f in $FORMATS; do
	run bb-pack -o "$T/t.$f" -C "$T/src" .
	is "$rc:$err" "0:" "$f: packs silently"
	is "$out" "" "$f: prints nothing with -o"
	ok "$(cd "$T" && t sha256sum -c "t.$f.sha256")" \
	    "$f: sha256sum -c accepts t.$f.sha256"
	is "$(cut -c66- "$T/t.$f.sha256")" " t.$f" "$f: GNU format, base name"
	ok "$(t test ! -e "$T/t.$f.tmp")" "$f: no temporary file left"
done

# Names are UTF-8: the tools unpack in a UTF-8 locale, as users have.
LC_ALL=C.UTF-8
for f in tar.gz tar.xz tar.zst tar; do
	mkdir "$T/gnu-$f" "$T/bsd-$f"
	is "$(tar -C "$T/gnu-$f" -xpf "$T/t.$f" 2>&1; echo $?)" "0" \
	    "$f: GNU tar unpacks it quietly"
	ok "$(t diff -r --no-dereference "$T/src" "$T/gnu-$f")" \
	    "$f: GNU tar: same files (diff -r)"
	is "$(shape "$T/gnu-$f")" "$want" "$f: GNU tar: same modes and links"
	ok "$(t bsdtar -C "$T/bsd-$f" -xpf "$T/t.$f")" "$f: bsdtar unpacks it"
	ok "$(t diff -r --no-dereference "$T/src" "$T/bsd-$f")" \
	    "$f: bsdtar: same files (diff -r)"
	is "$(shape "$T/bsd-$f")" "$want" "$f: bsdtar: same modes and links"
done
mkdir "$T/unzip" "$T/bsd-zip"
ok "$(cd "$T/unzip" && t unzip -q "$T/t.zip")" "zip: unzip unpacks it"
ok "$(t diff -r --no-dereference "$T/src" "$T/unzip")" \
    "zip: unzip: same files (diff -r)"
is "$(shape "$T/unzip")" "$want" "zip: unzip: same modes and links"
ok "$(t bsdtar -C "$T/bsd-zip" -xpf "$T/t.zip")" "zip: bsdtar unpacks it"
is "$(shape "$T/bsd-zip")" "$want" "zip: bsdtar: same modes and links"

LC_ALL=C

# Members in strcmp order of their names, directories with their slash;
# owner root, one time; links stored, nothing outside read.
is "$(tar -tf "$T/t.tar")" "$(tar -tf "$T/t.tar" | LC_ALL=C sort)" \
    "members sorted by strcmp"
like "$(tar -tvf "$T/t.tar" escape)" "^lrwxrwxrwx root/root .* 1980-01-01 00:00 escape -> ../outside/secret\$" \
    "a link out of the tree is stored as a link"
unlike "$(tar -tf "$T/t.tar")" "hidden" "nothing below a link is packed"
for f in $FORMATS; do
	unlike "$(LC_ALL=C.UTF-8 bsdtar -xOf "$T/t.$f")" secret \
	    "$f: no byte from outside the tree"
done
like "$(tar -tvf "$T/t.tar" bin/run)" "^-rwxr-xr-x root/root" "0755 file"
like "$(tar -tvf "$T/t.tar" README)" "^-rw-r--r-- root/root" "0644 file"
like "$(tar -tvf "$T/t.tar" share/)" "^drwxr-xr-x root/root" "0755 dir"
unlike "$(tar --pax-option=x -tvvf "$T/t.tar" 2>&1)" "atime\|ctime" \
    "no atime nor ctime"

# The same tree, other times and modes, another umask and TZ: same bytes.
cp -a "$T/src" "$T/src2"
find "$T/src2" -exec touch -h -d '2011-11-11 11:11:11' {} +
chmod 700 "$T/src2/bin" "$T/src2/share"
chmod 600 "$T/src2/README"
chmod 700 "$T/src2/bin/run"
for f in $FORMATS; do
	(umask 077; RUN_ENV="TZ=Pacific/Kiritimati" run bb-pack \
	    -o "$T/u.$f" -C "$T/src2" .)
	ok "$(t cmp "$T/t.$f" "$T/u.$f")" \
	    "$f: same bytes after touch, chmod, umask 077 and TZ"
	is "$(cut -d' ' -f1 "$T/t.$f.sha256")" \
	    "$(cut -d' ' -f1 "$T/u.$f.sha256")" "$f: same sha256"
done
# Nor on the number of threads.
for f in tar.gz tar.zst; do
	run bb-pack -j 1 -o "$T/j1.$f" -C "$T/src" .
	run bb-pack -j 3 -o "$T/j3.$f" -C "$T/src" .
	ok "$(t cmp "$T/t.$f" "$T/j1.$f")" "$f: -j 1 gives the same bytes"
	ok "$(t cmp "$T/t.$f" "$T/j3.$f")" "$f: -j 3 gives the same bytes"
done
is "$(gzip -dc "$T/t.tar.gz" | cmp - "$T/t.tar" && echo same)" "same" \
    "tar.gz: gzip -d gives the tar (several members)"
# The bytes of a tar do not depend on the machine either.
is "$(sha256sum < "$T/t.tar" | cut -d' ' -f1)" \
    "$(cat "$BB_SRC/tests/cmd/bb-pack.tar.sha256")" "tar: golden sha256"

# Time: -t, SOURCE_DATE_EPOCH, -t over it.
run bb-pack -o "$T/e.tar" -t 1700000000 -C "$T/src" README
like "$(TZ=UTC tar -tvf "$T/e.tar")" "2023-11-14 22:13 README" "-t sets the time"
RUN_ENV="SOURCE_DATE_EPOCH=1000000000" run bb-pack -o "$T/e.tar" \
    -C "$T/src" README
like "$(TZ=UTC tar -tvf "$T/e.tar")" "2001-09-09 01:46 README" \
    "SOURCE_DATE_EPOCH sets the time"
RUN_ENV="SOURCE_DATE_EPOCH=1000000000" run bb-pack -o "$T/e.tar" \
    -t 1700000000 -C "$T/src" README
like "$(TZ=UTC tar -tvf "$T/e.tar")" "2023-11-14 22:13 README" \
    "-t wins over SOURCE_DATE_EPOCH"

# Paths: order and repeats do not matter; inner paths are packed once.
run bb-pack -o "$T/p1.tar" -C "$T/src" share bin README
run bb-pack -o "$T/p2.tar" -C "$T/src" ./README bin/ share//doc share \
    bin/run README
ok "$(t cmp "$T/p1.tar" "$T/p2.tar")" "paths sorted, normalised and packed once"
is "$(tar -tf "$T/p1.tar" | head -3)" "README
bin/
bin/readme" "operands in strcmp order"

# Names from the template.
cd "$T" || exit 1
run bb-pack -N hello -V 1.0 -C "$T/src" .
os=$(uname -s | tr A-Z a-z); arch=$(uname -m)
is "$rc:$out" "0:hello-1.0-$os-$arch.tar.gz" "default name printed"
ok "$(t test -s "$T/hello-1.0-$os-$arch.tar.gz.sha256")" \
    "its checksum beside it"
run bb-pack -V 2 -f zip -n '{name}_{version}_{os}' -C "$T/src" bin
is "$rc:$out" "0:bin_2_$os.zip" "-n template; name from the path"
run bb-pack -n 'x-{job}' -S -C "$T/src" bin
is "$rc:$err" "64:bb-pack: x-{job}: no value for {job}" \
    "a placeholder without a value"
run bb-pack -n 'x-{colour}' -C "$T/src" bin
like "$rc:$err" "^64:bb-pack: x-{colour}: unknown placeholder {colour}" \
    "an unknown placeholder"
run bb-pack -N a/b -V 1 -C "$T/src" bin
like "$rc:$err" "^64:bb-pack: {name}: \"a/b\" cannot be part of a file name" \
    "a value with a slash"
run bb-pack -S -o "$T/nosum.tar.gz" -C "$T/src" bin
is "$rc:$(ls "$T"/nosum*)" "0:$T/nosum.tar.gz" "-S: no checksum file"

# Profiles.  A release without a version gets the date's, counting up
# by the archives already there; a dev build a dev- stamp; a release
# refuses a dev- version.
mkdir "$T/rel" && cd "$T/rel" || exit 1
E="SOURCE_DATE_EPOCH=1700000000"
RUN_ENV=$E run bb-pack -N hello -C "$T/src" .
is "$rc:$out" "0:hello-2023.11.14-$os-$arch.tar.gz" \
    "a release without a version: the date (of SOURCE_DATE_EPOCH)"
RUN_ENV=$E run bb-pack -N hello -C "$T/src" .
is "$rc:$out" "0:hello-2023.11.14.1-$os-$arch.tar.gz" \
    "the next one that day counts up"
RUN_ENV=$E run bb-pack -N hello -f zip -C "$T/src" .
is "$rc:$out" "0:hello-2023.11.14.2-$os-$arch.zip" \
    "over the archives of every format"
rm "hello-2023.11.14.1-$os-$arch.tar.gz"
RUN_ENV=$E run bb-pack -N hello -P release -C "$T/src" .
is "$rc:$out" "0:hello-2023.11.14.3-$os-$arch.tar.gz" \
    "one more than the highest there, not a gap"
RUN_ENV=$E run bb-pack -N other -C "$T/src" .
is "$rc:$out" "0:other-2023.11.14-$os-$arch.tar.gz" \
    "each name counts on its own"
ok "$(t sha256sum -c "other-2023.11.14-$os-$arch.tar.gz.sha256")" \
    "a release has its checksum file"
RUN_ENV=$E run bb-pack -N hello -P dev -C "$T/src" .
is "$rc:$out" "0:hello-dev-20231114-221320-$os-$arch.tar.gz" \
    "a dev build: dev-YYYYMMDD-HHMMSS"
ok "$(t test ! -e "hello-dev-20231114-221320-$os-$arch.tar.gz.sha256")" \
    "and no checksum file"
run bb-pack -N hello -P dev -V 7 -S -C "$T/src" .
is "$rc:$out" "0:hello-7-$os-$arch.tar.gz" "a dev build takes a version given"
run bb-pack -N hello -V dev-1 -C "$T/src" .
is "$rc:$err" "64:bb-pack: -V: version dev-1: a release refuses a dev- version (use the dev profile)" \
    "a release refuses a dev- version"
run bb-pack -N hello -P test -C "$T/src" .
is "$rc:$err" "64:bb-pack: -P: profile test: expected release or dev" \
    "an unknown profile"
ok "$(t test ! -e "hello-dev-1-$os-$arch.tar.gz")" "and nothing is written"
cd "$T" || exit 1

# Standard output.
run sh -c "bb-pack -f tar -o - -C '$T/src' . > '$T/so.tar'"
is "$rc:$(t cmp "$T/so.tar" "$T/t.tar")" "0:0" \
    "-o - writes the same archive to standard output"
run sh -c "bb-pack -f zip -o - -C '$T/src' . > /dev/full"
is "$rc:$err" "74:bb-pack: write standard output: No space left on device" \
    "standard output on /dev/full"

# The progress meter: on a terminal only, and erased at the end.
script -qec "bb-pack -o '$T/m.tar' -C '$T/src' ." /dev/null > "$T/tty" 2>&1
like "$(tr '\r' '\n' < "$T/tty")" "^[0-9.]*[KM]*i*B of [0-9.]*[KM]*i*B .*B/s .* left" \
    "progress meter on a terminal: bytes, rate, time left"
like "$(od -An -c "$T/tty" | tr -d ' \n')" '033\[K$' "then erased"

# Special files are skipped; the archive is not packed into itself.
mkdir "$T/sp"
echo a > "$T/sp/a"
mkfifo "$T/sp/fifo"
cd "$T/sp" || exit 1
run bb-pack -o self.tar .
is "$rc:$err" "0:bb-pack: fifo: skipped: a fifo
bb-pack: self.tar.tmp: the archive itself: not packed" \
    "fifo skipped, the archive too"
is "$(tar -tf self.tar)" "a" "only the file"
cd "$T" || exit 1

# Bad input, each with its status.
run bb-pack -o "$T/x.tar" -C "$T/src" nope README
is "$rc:$err" "66:bb-pack: nope: No such file or directory
bb-pack: $T/x.tar: 1 member failed" "missing path"
ok "$(t test ! -e "$T/x.tar" -a ! -e "$T/x.tar.tmp")" \
    "no archive, no temporary file left"
run bb-pack -o "$T/x.tar" -C "$T/src" ../outside
is "$rc:$err" "65:bb-pack: ../outside: \"..\" escapes the directory packed" \
    "a path escaping -C"
run bb-pack -o "$T/x.tar" -C "$T/src" "$T/outside"
is "$rc:$err" "65:bb-pack: $T/outside: absolute path: it escapes the directory packed" \
    "an absolute path"
run bb-pack -o "$T/x.tar" -C "$T/src" escape-dir/secret
is "$rc:$err" "65:bb-pack: escape-dir/secret: escape-dir is not a directory (links are not followed)
bb-pack: $T/x.tar: 1 member failed" "a path through a link"
run bb-pack -o "$T/x.rar" -C "$T/src" .
is "$rc:$err" "64:bb-pack: $T/x.rar: cannot tell the format from the name: use -f" \
    "unknown suffix"
run bb-pack -f rar -o "$T/x.rar" -C "$T/src" .
is "$rc:$err" "64:bb-pack: rar: unknown format: expected tar.gz, tar.xz, tar.zst, tar or zip" \
    "unknown format"
run bb-pack -l 10 -o "$T/x.tar.gz" -C "$T/src" .
is "$rc:$err" "64:bb-pack: tar.gz: level 10 out of range 0-9" "bad level"
run bb-pack -l 3 -o "$T/x.tar" -C "$T/src" .
is "$rc:$err" "64:bb-pack: tar is not compressed: no level" "tar: no level"
run bb-pack -o "$T/x.tar" -C "$T/nodir" .
is "$rc:$err" "66:bb-pack: $T/nodir: No such file or directory" "missing -C"
run bb-pack -o "$T/nodir/x.tar" -C "$T/src" .
is "$rc:$err" "73:bb-pack: $T/nodir/x.tar.tmp: No such file or directory" \
    "cannot create"
run bb-pack -t soon -o "$T/x.tar" README
is "$rc:$err" "64:bb-pack: -t \"soon\": invalid: expected Unix seconds" "bad -t"
RUN_ENV="SOURCE_DATE_EPOCH=-1" run bb-pack -o "$T/x.tar" README
is "$rc:$err" "64:bb-pack: SOURCE_DATE_EPOCH \"-1\": too small: expected Unix seconds" \
    "bad SOURCE_DATE_EPOCH"
run bb-pack -n x -o y.tar README
is "$rc:$err" "64:bb-pack: -o and -n both name the archive: give one" "-o -n"
run bb-pack -k -o y.tar README
is "$rc" "64" "-k with paths"
run bb-pack -q
is "$rc" 64 "bad option: EX_USAGE"
like "$err" "^usage: bb-pack \[-kS\] \[-f format\]" "usage"
done_testing
