# The functions that the scripts tests/manex.pl makes call, for the shell
# that runs one (tests/e2e/man-examples.t, tests/e2e/readme-tour.t), as a
# reader's shell: what a command sets or changes stays for the next ones.
# Source it there; it reads
#	BB_SRC		the source tree (tests/exmatch.awk)
#	R		the file of the results, a line each:
#			ok|not ok <tab> LOCATION <tab> why; R.why gets what
#			a failed command showed, printed and was
#	EX_MAX_STATUS	the highest exit status that is not a failure: 1 by
#			default (1 is an answer: grep found nothing, a build
#			failed)
# and calls ex_before CMD before each command (a no-op here: a test may
# define its own after sourcing this, to wait for what a reader waits for).
# shellcheck shell=sh

ex_before() { :; }

# ex LOCATION ANY: the next command's place, and what it prints (stdin).
ex() {
	_ex_at=$1 _ex_any=$2
	cat >"$R.expect"
}

# ex_run: runs the command on stdin; notes the result in $R.  What a
# command started in the background writes goes to a file of its own
# (the one its command had), not into the next command's.
ex_run() {
	_ex_cmd=$(cat)
	ex_before "$_ex_cmd"
	rm -f "$R.got"
	{ eval "$_ex_cmd"; } </dev/null >"$R.got" 2>&1
	_ex_st=$?
	if [ "$_ex_st" -gt "${EX_MAX_STATUS:-1}" ]; then
		printf 'not ok\t%s\texit %s\n' "$_ex_at" "$_ex_st" >>"$R"
	elif [ "$_ex_any" = 0 ] && [ -s "$R.expect" ] &&
	    ! awk -f "$BB_SRC/tests/exmatch.awk" "$R.expect" "$R.got"; then
		printf 'not ok\t%s\tprints other than shown\n' "$_ex_at" \
		    >>"$R"
	else
		printf 'ok\t%s\t\n' "$_ex_at" >>"$R"
		return 0
	fi
	sed 's/^/  want: /' "$R.expect" >>"$R.why"
	sed 's/^/  got:  /' "$R.got" | head -20 >>"$R.why"
	printf '%s\n' "$_ex_cmd" | sed 's/^/  cmd:  /' >>"$R.why"
}

# ex_tap RESULTS: in the test's own shell (tests/lib.sh), a TAP line for
# each command of the results file, then what the failed ones showed;
# adds their number to ex_total.
ex_total=0
ex_tap() {
	while IFS='	' read -r _ex_res _ex_at _ex_why; do
		ex_total=$((ex_total + 1))
		# As echo(1) shows it: a \ doubled.
		_ex_at=$(printf '%s\n' "$_ex_at" | sed 's/\\/\\\\/g')
		if [ "$_ex_res" = ok ]; then
			ok 0 "$_ex_at"
		else
			ok 1 "$_ex_at: $_ex_why"
		fi
	done <"$1"
	[ ! -s "$1.why" ] || sed 's/^/#/' "$1.why"
}
