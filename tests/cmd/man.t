#!/bin/sh
# Every man page passes mandoc -Tlint, and every command has one.
. "${BB_SRC:-.}/tests/lib.sh"
cd "$BB_SRC" || exit 1
for m in man/*.[1-9]; do
	w=$(mandoc -Tlint -Wwarning "$m" 2>&1)
	is "$w" "" "mandoc -Tlint $m"
done
for c in cmd/bb-*; do
	[ -e "$c" ] || continue
	n=$(basename "$c"); n=${n%.c}; n=${n%.sh}
	ls man/"$n".[0-9] >/dev/null 2>&1
	ok $? "$n has a man page"
done
done_testing
