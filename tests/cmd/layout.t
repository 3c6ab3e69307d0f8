#!/bin/sh
# The layout is the architecture (README "Layout"): lib/ holds what every
# side shares and includes nothing from the folders below it; lib/worker/,
# lib/release/ and lib/hub/ include only their own headers and lib/'s.  A
# module two sides need moves down into lib/.
. "${BB_SRC:-.}/tests/lib.sh"
cd "$BB_SRC" || exit 1

# headers_of DIR: the names of the headers a folder holds, one a line.
headers_of() { for h in "$1"/*.h; do basename "$h"; done; }

for side in lib lib/worker lib/release lib/hub; do
	allowed=$(headers_of lib)
	[ "$side" = lib ] || allowed="$allowed
$(headers_of "$side")"
	n=0
	bad=
	for f in "$side"/*.[ch]; do
		n=$((n + 1))
		for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
			printf '%s\n' "$allowed" | grep -qx "$inc" ||
			    bad="$bad $f:$inc"
		done
	done
	ok "$([ "$n" -gt 0 ]; echo $?)" "$side holds modules ($n files)"
	is "$bad" "" "$side includes only its own and lib/'s headers"
done

# lib/ never prints or exits (STYLE.md); lib/cli.c, which the commands
# call to say an error and exit, is the one module that does.
printers=$(grep -l '^#include <err.h>' lib/*.c lib/*/*.c | grep -vx lib/cli.c)
is "$printers" "" "only lib/cli.c of lib/ includes <err.h>"

# Every library source is in one of the four folders.
stray=$(find lib -name '*.[ch]' | grep -v -e '^lib/[^/]*$' \
    -e '^lib/worker/[^/]*$' -e '^lib/release/[^/]*$' -e '^lib/hub/[^/]*$')
is "$stray" "" "no library source outside lib/, lib/worker/, lib/release/, lib/hub/"
done_testing
