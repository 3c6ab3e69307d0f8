#!/bin/sh
# shellcheck disable=SC2154 # rc and err are set by run (tests/lib.sh)
# Every command's usage is its man page's SYNOPSIS (STYLE.md): what a bad
# option prints on stderr, after "usage: ", is the SYNOPSIS as mandoc
# renders it, word for word; a new option goes in both (HACKING).
. "${BB_SRC:-.}/tests/lib.sh"
cd "$BB_SRC" || exit 1

# words: the text on standard input, its blanks and lines folded.
words() { tr -s ' \n' '  ' | sed 's/^ //; s/ $//'; }

n=0
for c in cmd/bb-*; do
	[ -e "$c" ] || continue
	name=$(basename "$c"); name=${name%.c}; name=${name%.sh}
	page=$(ls man/"$name".[0-9] 2>/dev/null | sed 1q)
	[ -n "$page" ] || continue
	n=$((n + 1))
	synopsis=$(mandoc -Tascii -O width=300 "$page" | sed 's/.\x08//g' |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | words)
	run "$name" --no-such-option
	usage=$(printf '%s\n' "$err" | sed -n '/^usage: /,$p' |
	    sed '1s/^usage: //' | words)
	is "$rc" 64 "$name with a bad option: exit 64"
	ok "$([ -n "$synopsis" ]; echo $?)" "$page has a SYNOPSIS"
	is "$usage" "$synopsis" "$name: usage is $page's SYNOPSIS"
done
ok "$([ "$n" -ge 9 ]; echo $?)" "every command checked ($n)"
done_testing
