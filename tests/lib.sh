# Shared helpers for the shell tests: TAP output, running a command and
# capturing its output and exit status, waiting with a deadline.
# Source it with: . "${BB_SRC:-.}/tests/lib.sh"
# shellcheck shell=sh

: "${BB_BIN:?run through make check, or set BB_BIN to the commands}"
: "${BB_SRC:=$(pwd)}"
PATH=$BB_BIN:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
export PATH
LC_ALL=C
export LC_ALL

_tap_n=0
_tap_failed=0
T=$(mktemp -d "${TMPDIR:-/tmp}/bb-test.XXXXXX")
_cleanup_hooks=
# cleanup CMD: run CMD (a shell command) when the test ends.
cleanup() { _cleanup_hooks="$1
$_cleanup_hooks"; }
_finish() {
	_rc=$?
	set +e
	eval "$_cleanup_hooks"
	rm -rf "$T"
	exit "$_rc"
}
trap _finish EXIT
trap 'exit 130' INT TERM HUP

ok() {	# ok COND-STATUS DESCRIPTION
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

is() {	# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | head -20
	fi
}

like() {	# like GOT GREP-PATTERN DESCRIPTION
	if printf '%s\n' "$1" | grep -q -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '%s\n' "$1" | head -20 | sed 's/^/#   got: /'
		printf '#   want: /%s/\n' "$2"
	fi
}

# unlike GOT GREP-PATTERN DESCRIPTION: GOT has no line that matches.  An
# empty GOT fails: that nothing matches in nothing proves nothing (say
# is "$x" "" for "no output").
unlike() {
	if [ -z "$1" ]; then
		ok 1 "$3"
		echo "#   got nothing, so nothing to look for /$2/ in"
	elif printf '%s\n' "$1" | grep -q -- "$2"; then
		ok 1 "$3"
		printf '%s\n' "$1" | grep -- "$2" | head -5 | sed 's/^/#   got: /'
	else
		ok 0 "$3"
	fi
}

# nowhere DESCRIPTION STRING FILE...: no FILE holds STRING (a fixed
# string, a secret say).  Fails if STRING is empty, a FILE is missing or
# every FILE is empty: a search of nothing proves nothing.
nowhere() {
	_desc=$1 _str=$2
	shift 2
	_why=
	if [ -z "$_str" ]; then
		_why="an empty string is in everything"
	elif ! cat -- "$@" >/dev/null 2>&1; then
		_why="a file is missing"
	elif [ -z "$(cat -- "$@" | head -c 1)" ]; then
		_why="every file is empty"
	fi
	if [ -n "$_why" ]; then
		ok 1 "$_desc"
		echo "#   $_why: $*"
	elif grep -qF -- "$_str" "$@"; then
		ok 1 "$_desc"
		grep -nF -- "$_str" "$@" | head -3 | cut -c1-200 | sed 's/^/#   /'
	else
		ok 0 "$_desc"
	fi
}

diag() { printf '# %s\n' "$*"; }

# empty_dirs DESCRIPTION DIR...: every DIR is there, and empty (a missing
# one would show no entries too).
empty_dirs() {
	_desc=$1
	shift
	_bad=
	for _d in "$@"; do
		if [ ! -d "$_d" ]; then
			_bad="$_bad
$_d: missing"
		elif [ -n "$(ls -A "$_d")" ]; then
			_bad="$_bad
$_d: $(ls -A "$_d" | head -5 | tr '\n' ' ')"
		fi
	done
	if [ -z "$_bad" ]; then
		ok 0 "$_desc"
	else
		ok 1 "$_desc"
		printf '%s\n' "$_bad" | sed '/^$/d; s/^/#   /'
	fi
}

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

skip() { ok 0 "# SKIP $*"; }	# skip REASON: one test skipped

# The slow tests (scrypt with 1 GiB, files of gigabytes) run at full size
# with BB_SLOW=1 (make check-slow, .ci/run); by default they are skipped or
# run smaller, as each says.
BB_SLOW=${BB_SLOW:-0}
slow() { [ "$BB_SLOW" = 1 ]; }	# slow: true with BB_SLOW=1
# slow_only: skips the whole test unless BB_SLOW=1.
slow_only() { slow || skip_all "slow: set BB_SLOW=1"; }
# sized SMALL FULL: prints SMALL, or FULL with BB_SLOW=1.
sized() { if slow; then echo "$2"; else echo "$1"; fi; }

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

# run CMD ARGS...: runs a command under a clean environment; sets $rc, $out
# and $err (its exit status, standard output and standard error), also in
# $T/out and $T/err.  (Tests that read them need "# shellcheck
# disable=SC2154": shellcheck cannot see that run sets them.)
# shellcheck disable=SC2034
run() {
	case $- in *e*) _e=1 ;; *) _e=0 ;; esac
	set +e
	env -i PATH="$PATH" HOME="$T" LC_ALL=C ${RUN_ENV:-} "$@" \
	    >"$T/out" 2>"$T/err"
	rc=$?
	[ "$_e" = 0 ] || set -e
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# wait_for SECONDS CMD...: polls CMD every 0.05 s until it succeeds; fails
# when the deadline passes.
wait_for() {
	_deadline=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$_deadline" ] || return 1
		sleep 0.05
	done
}

# now_ms: milliseconds since the epoch.
now_ms() { date +%s%3N; }

# past MS: the clock has reached MS (milliseconds since the epoch), for
# wait_for.
past() { [ "$(now_ms)" -ge "$1" ]; }

# test_ca: a CA made for the test ($T/ca.pem, key $T/ca.key), a server
# certificate it signs for 127.0.0.1 and localhost ($T/srv.pem, key
# $T/srv.key, mode 0600), and another CA that signs nothing
# ($T/other.pem).  Made once a test.
test_ca() {
	[ -f "$T/ca.pem" ] && return 0
	(
		cd "$T" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout ca.key -out ca.pem -days 2 \
		    -subj "/CN=bb test CA" &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout srv.key -out srv.csr -subj /CN=localhost &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >srv.ext &&
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
		    -CAcreateserial -out srv.pem -days 2 -extfile srv.ext &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout other.key -out other.pem -days 2 \
		    -subj /CN=other-ca &&
		chmod 600 ca.key srv.key other.key
	) >"$T/openssl.log" 2>&1
}
