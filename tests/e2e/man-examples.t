#!/bin/sh
# shellcheck disable=SC2154  # ex_total is set by tests/ex.sh
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
. "$BB_SRC/tests/ex.sh"

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
	export T R BB_SRC
	HOME=$D timeout 120 sh -c '
		. "$BB_SRC/tests/ex.sh"
		cd "$HOME" || exit 1
		. "$1"
		jobs -p >"$R.jobs"
		while read -r p; do
			kill "$p"
		done <"$R.jobs"
		wait' sh "$T/$name.sh"
	is "$?" 0 "$name: its examples' shell ends"
	ex_tap "$R"
done
ok "$([ "$ex_total" -ge 20 ]; echo $?)" \
    "$ex_total commands of the examples ran"
hub_done
