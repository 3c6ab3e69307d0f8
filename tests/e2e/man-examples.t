#!/bin/sh
# The EXAMPLES of the man pages that are meant to run, run: each literal
# block after a `.\" test` comment (tests/manex.pl says how they are
# marked and read), in a directory of its page's own, against a real hub
# with a worker w1 ($HUB_DIR, $HUB_URL) and the files the examples name
# (hello.recipe, ~/src/hello, hello.tar.gz, recipe, foo-1.2.tar.gz,
# upload.zip, secret).  A page's commands run one after the other in one
# shell, as a reader types them.  A command fails when its exit status is
# over 1 (1 is an answer: grep found nothing, a build failed) or when it
# prints other than what the page shows ("..." is any text).
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"

hub_init
hub_start -K 1s
hub_add_worker w1
export HUB_DIR HUB_URL

# The files the examples use.
F=$T/files
mkdir -p "$F/src/hello" "$F/foo-1.2" "$F/up"
cat >"$F/hello.recipe" <<'EOF'
job hello
step build: echo building; printf 'hello\n' > hello.out
step test: test -s hello.out
collect hello.out
EOF
printf 'int main(void) { return 0; }\n' >"$F/src/hello/hello.c"
tar -C "$F/src" -czf "$F/hello.tar.gz" hello
cat >"$F/recipe" <<'EOF'
step build: echo built; echo 'warning: 50% done' >&2
step test: echo testing; exit 1
EOF
printf 'foo\n' >"$F/foo-1.2/README"
tar -C "$F" -czf "$F/foo-1.2.tar.gz" foo-1.2
printf 'up\n' >"$F/up/a.txt"
(cd "$F/up" && zip -q ../upload.zip a.txt)
cp "$T/w1.secret" "$F/secret"
rm -rf "$F/foo-1.2" "$F/up"

# What a command printed against what the page shows: line by line, each
# "..." in a shown line standing for any text.
cat >"$T/match.awk" <<'EOF'
function fits(want, got,    n, i, p, at) {
	n = split(want, p, /\.\.\./)
	if (n == 1)
		return want == got
	if (substr(got, 1, length(p[1])) != p[1])
		return 0
	got = substr(got, length(p[1]) + 1)
	for (i = 2; i < n; i++) {
		if ((at = index(got, p[i])) == 0)
			return 0
		got = substr(got, at + length(p[i]))
	}
	return length(got) >= length(p[n]) &&
	    substr(got, length(got) - length(p[n]) + 1) == p[n]
}
NR == FNR { want[++nw] = $0; next }
{ got[++ng] = $0 }
END {
	if (nw != ng)
		exit 1
	for (i = 1; i <= nw; i++)
		if (!fits(want[i], got[i]))
			exit 1
}
EOF

# The functions the made scripts call (tests/manex.pl), for a shell
# of each page's own.
cat >"$T/ex.sh" <<'EOF'
# ex LOCATION ANY: the next command's place, and what it prints (stdin).
ex() {
	_ex_at=$1 _ex_any=$2
	cat >"$R.expect"
}

# ex_run: runs the command on stdin; notes the result in $R.
ex_run() {
	_ex_cmd=$(cat)
	{ eval "$_ex_cmd"; } </dev/null >"$R.got" 2>&1
	_ex_st=$?
	if [ "$_ex_st" -gt 1 ]; then
		printf 'not ok\t%s\texit %s\n' "$_ex_at" "$_ex_st" >>"$R"
	elif [ "$_ex_any" = 0 ] && [ -s "$R.expect" ] &&
	    ! awk -f "$T/match.awk" "$R.expect" "$R.got"; then
		printf 'not ok\t%s\tprints other than shown\n' "$_ex_at" \
		    >>"$R"
	else
		printf 'ok\t%s\t\n' "$_ex_at" >>"$R"
		return
	fi
	sed 's/^/  want: /' "$R.expect" >>"$R.why"
	sed 's/^/  got:  /' "$R.got" | head -20 >>"$R.why"
	printf '%s\n' "$_ex_cmd" | sed 's/^/  cmd:  /' >>"$R.why"
}
EOF

total=0
for page in "$BB_SRC"/man/*.[1578]; do
	name=$(basename "$page")
	(cd "$BB_SRC" && perl tests/manex.pl "man/$name") >"$T/$name.sh" \
	    2>"$T/$name.err"
	is "$?:$(cat "$T/$name.err")" "0:" "$name: its marked examples read"
	grep -q '^ex ' "$T/$name.sh" || continue
	D=$T/ex/$name
	R=$T/$name.result
	mkdir -p "$T/ex"
	cp -R "$F" "$D"
	: >"$R"
	# In a shell of its own, as a reader's: what one page's examples
	# set stays there; servers they start in the background end with
	# it.  At most 2 minutes.
	export T R
	HOME=$D timeout 120 sh -c '
		. "$T/ex.sh"
		cd "$HOME" || exit 1
		. "$1"
		jobs -p >"$R.jobs"
		while read -r p; do
			kill "$p"
		done <"$R.jobs"
		wait' sh "$T/$name.sh"
	is "$?" 0 "$name: its examples' shell ends"
	while IFS='	' read -r res at why; do
		total=$((total + 1))
		# As echo(1) shows it: a \ doubled.
		at=$(printf '%s\n' "$at" | sed 's/\\/\\\\/g')
		if [ "$res" = ok ]; then
			ok 0 "$at"
		else
			ok 1 "$at: $why"
		fi
	done <"$R"
	[ -s "$R.why" ] && sed 's/^/#/' "$R.why"
done
ok "$([ "$total" -ge 20 ]; echo $?)" "$total commands of the examples ran"
hub_done
