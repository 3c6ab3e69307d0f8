# Helpers for end-to-end tests of bb-worker against a real bb-hub: source
# after tests/lib.sh and tests/hub.sh, once hub_start has run.
# shellcheck shell=sh
#
#	worker_make NAME [KEY=VALUE...]	add worker NAME to the hub and make
#					its home $T/NAME, set for a test
#					(plain http, short waits, no
#					probing), then the given settings
#	worker_set NAME KEY=VALUE...	change settings of $T/NAME
#	worker_start NAME		bb-worker run $T/NAME in the
#					background; its stderr in
#					$T/NAME.log; sets $WORKER_PID
#	job_state ID			the job's state on the hub
#	wait_state SECONDS ID STATE...	waits until the job is in one of
#					the states
#	contrib_install			make install-files with PREFIX
#					$T/usr/local ($PREFIX): commands,
#					man pages, contrib files; builds
#					nothing

worker_set() {
	_w=$1
	shift
	for _kv in "$@"; do
		_k=${_kv%%=*}
		grep -v "^$_k=" "$T/$_w/worker.conf" > "$T/$_w/worker.conf.new"
		printf '%s\n' "$_kv" >> "$T/$_w/worker.conf.new"
		mv "$T/$_w/worker.conf.new" "$T/$_w/worker.conf"
	done
}

worker_make() {
	_w=$1
	shift
	hub_add_worker "$_w" || return 1
	bb-worker create-worker "$T/$_w" "$HUB_URL" "$_w" \
	    < "$T/$_w.secret" 2>/dev/null || return 1
	worker_set "$_w" ALLOW_HTTP=1 PROBE= MIN_FREE=1M WAIT=2 MAXDELAY=2 \
	    GRACE=2s SLOTS=1 "$@"
}

# A background job of a script starts with SIGINT ignored, and a shell
# cannot trap a signal ignored on entry: give bb-worker SIGINT back, as a
# service manager or a terminal does.  SIGINT (cancel the running jobs,
# then exit) stops it at the end, SIGKILL if it is not gone in 60 s.
worker_start() {
	env --default-signal=INT bb-worker run "$T/$1" 2>>"$T/$1.log" &
	WORKER_PID=$!
	cleanup "worker_kill $WORKER_PID"
}

# gone PID: no such process, or only a zombie left.
gone() {
	case $(ps -o stat= -p "$1") in
	''|Z*) return 0 ;;
	*) return 1 ;;
	esac
}

worker_kill() {
	kill -INT "$1" 2>/dev/null || return 0
	wait_for 60 gone "$1" || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

job_state() {
	bb-hub show -r -d "$HUB_DIR" "$1" | sed -n '1s/.* state=\([^ ]*\).*/\1/p'
}

_state_in() {
	_s=$(job_state "$1")
	shift
	for _want in "$@"; do
		[ "$_s" = "$_want" ] && return 0
	done
	return 1
}

wait_state() {
	_secs=$1
	shift
	wait_for "$_secs" _state_in "$@"
}

contrib_install() {
	PREFIX=$T/usr/local
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$BB_SRC" \
	    O="$BB_BUILD" PREFIX="$PREFIX" install-files >"$T/install.log" 2>&1
}
