# Helpers for the bb-run tests; source after tests/lib.sh.
# shellcheck shell=sh

# Markers that only this run's step processes carry, so that pgrep finds
# nothing of other tests running at the same time.  Set M first.
cleanup 'pkill -KILL -f "$M" || :'

# nothing_left SUFFIX DESCRIPTION: no process with "$M$SUFFIX" in its
# command line is left.
nothing_left() {
	if pgrep -f "$M$1" >/dev/null; then
		ok 1 "$2"
		pgrep -af "$M$1" | sed 's/^/#   left: /'
	else
		ok 0 "$2"
	fi
}
