# Helpers for tests that need a real bb-hub: source after tests/lib.sh.
# shellcheck shell=sh disable=SC2034,SC2154
#
#	hub_init			make the hub directory $HUB_DIR ($T/hub)
#					and set $HUB_ADMIN (the admin token) and
#					$HUB_METRICS (the metrics token)
#	hub_start [SERVE-OPTIONS]	start bb-hub serve on a free port of
#					127.0.0.1 (plain HTTP unless $HUB_LISTEN
#					says otherwise), wait until it listens;
#					sets $HUB_URL and $HUB_PID; stopped at
#					the end of the test
#	hub_stop			stop it (SIGTERM) and wait; $? is its
#					exit status
#	hub_add_worker NAME		add a worker; its secret goes to
#					$T/NAME.secret (mode 0600)
#	hub_hello NAME [CAPS]		say hello as NAME (after hub_add_worker);
#					sets $TOKEN, the session token
#	hub_submit RECIPE-TEXT [SRC]	submit a job (SRC: a directory or
#					tarball; default a small tree), built
#					already or not (-f); sets $JOB
#	hub_req METHOD PATH [CURL-ARGS]	one request; sets $code (HTTP status)
#					and $body
#	hub_claim AUTH-HEADER [WAIT]	claim (as hub_req); sets $LEASE too
#	hub_wait_parked N		wait until N claims are parked
#	hub_done			done_testing, with the hub's log shown
#					if anything failed
#	rec_get KEY			the value of KEY in the first record on
#					stdin that has it (still %-encoded)
#
# $HUB_LOG is the server's standard error, shown in a failing test's
# diagnostics by hub_diag.

HUB_DIR=$T/hub
HUB_LOG=$T/hub.log
HUB_CURL_OPTS=${HUB_CURL_OPTS:-}

hub_init() {
	bb-hub init "$HUB_DIR" || return 1
	HUB_ADMIN=$(cat "$HUB_DIR/admin.token")
	HUB_METRICS=$(cat "$HUB_DIR/metrics.token")
}

_hub_kill() {
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

hub_start() {
	rm -f "$T/hub.url"
	bb-hub serve -l "${HUB_LISTEN:-http://127.0.0.1:0}" -w "$T/hub.url" \
	    "$@" "$HUB_DIR" 2>>"$HUB_LOG" &
	HUB_PID=$!
	cleanup "_hub_kill $HUB_PID"
	if ! wait_for 30 test -s "$T/hub.url"; then
		diag "bb-hub did not start:"
		hub_diag
		return 1
	fi
	HUB_URL=$(cat "$T/hub.url")
}

hub_stop() {
	kill -TERM "$HUB_PID" 2>/dev/null
	wait "$HUB_PID"
}

hub_done() {
	[ "$_tap_failed" -eq 0 ] || hub_diag
	done_testing
}

hub_wait_parked() {
	# shellcheck disable=SC2086
	wait_for 20 sh -c "curl -s $HUB_CURL_OPTS \
	    -H 'Authorization: Bearer $HUB_METRICS' '$HUB_URL/metrics' |
	    grep -q '^bb_hub_claims_parked $1\$'"
}

hub_diag() {
	sed 's/^/#   hub: /' "$HUB_LOG" 2>/dev/null | tail -20
}

hub_add_worker() {
	(umask 077 && bb-hub add-worker -d "$HUB_DIR" "$1" >"$T/$1.secret")
}

rec_get() {
	sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" | head -1
}

hub_hello() {
	printf 'hello version=test os=Linux arch=x86_64 slots=1 caps=%s\n' \
	    "${2:-}" | curl -sS $HUB_CURL_OPTS -u "$1:$(cat "$T/$1.secret")" \
	    --data-binary @- "$HUB_URL/v1/hello" >"$T/$1.session" || return 1
	TOKEN=$(rec_get token <"$T/$1.session")
	[ -n "$TOKEN" ]
}

hub_submit() {
	printf '%s\n' "$1" >"$T/submit.recipe"
	if [ -z "${2:-}" ]; then
		mkdir -p "$T/src"
		[ -e "$T/src/README" ] || echo hello >"$T/src/README"
	fi
	JOB=$(bb-hub submit -f -d "$HUB_DIR" "$T/submit.recipe" "${2:-$T/src}")
}

hub_claim() {
	hub_req POST "/v1/claim?wait=${2:-0}" -H "$1"
	LEASE=$(printf '%s\n' "$body" | rec_get lease)
}

hub_req() {
	_m=$1 _p=$2
	shift 2
	# shellcheck disable=SC2086
	code=$(curl -sS $HUB_CURL_OPTS -X "$_m" -o "$T/resp" \
	    -w '%{http_code}' "$@" "$HUB_URL$_p") || code=000
	body=$(cat "$T/resp" 2>/dev/null)
}
