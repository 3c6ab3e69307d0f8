#!/bin/sh
# shellcheck disable=SC2154 # rc, out and err are set by run (tests/lib.sh)
# --version on all nine commands: name, version, the commit built from
# (or "unknown" outside git) and the build date, SOURCE_DATE_EPOCH's when
# it is set.
. "${BB_SRC:-.}/tests/lib.sh"

form='^\(bb-[a-z]*\) \([^ ]*\) (commit \([0-9a-f]\{12\}\(-dirty\)\{0,1\}\|unknown\), built \([0-9]\{4\}-[0-9][0-9]-[0-9][0-9]\)).*'
n=0
first=
for c in bb-claim bb-connect bb-hub bb-pack bb-report bb-run bb-sign \
    bb-unpack bb-worker; do
	n=$((n + 1))
	run "$c" --version
	is "$rc:$err" "0:" "$c --version: exit 0, nothing on stderr"
	like "$out" "^$c [^ ]* (commit [^ ]*, built [^ ]*)\$" \
	    "$c: its name, version, commit and build date: $out"
	rest=$(printf '%s\n' "$out" | sed "s/$form/\\2 \\3 \\5/")
	[ -n "$first" ] || first=$rest
	is "$rest" "$first" "$c: the same version, commit and date as the others"
done
is "$n" 9 "all nine commands"
set -- $first
if git -C "$BB_SRC" rev-parse --short=12 HEAD >/dev/null 2>&1; then
	is "${2%-dirty}" "$(git -C "$BB_SRC" rev-parse --short=12 HEAD)" \
	    "the commit is the checkout's"
else
	is "$2" unknown "outside git the commit is unknown"
fi

# The build date: SOURCE_DATE_EPOCH's when it is set, in the variable or
# the environment, else today's.
built() {
	make -s -n -p -C "$BB_SRC" "$@" FORCE 2>/dev/null |
	    sed -n 's/^BUILT := //p'
}
is "$(built SOURCE_DATE_EPOCH=86400)" 1970-01-02 \
    "make SOURCE_DATE_EPOCH=86400: built 1970-01-02"
is "$(SOURCE_DATE_EPOCH=1700000000 built)" 2023-11-14 \
    "from the environment too"
d0=$(date -u +%Y-%m-%d)
b=$(built)
d1=$(date -u +%Y-%m-%d)
ok "$([ "$b" = "$d0" ] || [ "$b" = "$d1" ]; echo $?)" \
    "without it, today's: $b"
done_testing
