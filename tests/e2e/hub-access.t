#!/bin/sh
# shellcheck disable=SC2154  # code, body: set by hub_req in tests/hub.sh
# Who may see what on bb-hub (bb-hub(8) SECURITY): the status pages and
# job logs need the admin token (a Basic password, the bb_admin cookie or
# Bearer) unless serve -P makes them public; /metrics needs the metrics
# or the admin token; /healthz is open; the admin API takes only Bearer,
# so a browser's stored credentials cannot drive it.  Every answer has a
# Content-Security-Policy that allows the hub's own scripts only, and
# X-Content-Type-Options: nosniff.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"

hub_init
hub_start
hub_submit 'job access
step build: true'
J=$JOB
AD="Authorization: Bearer $HUB_ADMIN"

# headers PATH [CURL-ARGS]: the response headers of GET PATH, in $T/h.
headers() {
	_p=$1
	shift
	curl -sS -o /dev/null -D "$T/h" "$@" "$HUB_URL$_p"
	tr -d '\r' <"$T/h" >"$T/h.txt"
}

stat -c %a "$HUB_DIR/metrics.token" >"$T/mode"
is "$(cat "$T/mode")" 600 "bb-hub init makes metrics.token, mode 0600"
ok "$([ "$HUB_METRICS" != "$HUB_ADMIN" ] && [ ${#HUB_METRICS} -eq 64 ]; \
    echo $?)" "a token of its own"

# /healthz: open.
hub_req GET /healthz
is "$code:$body" "200:ok" "/healthz needs no token"

# Pages: nothing without the admin token.
for p in / "/jobs/$J"; do
	hub_req GET "$p"
	is "$code" 401 "GET $p without a token: 401"
	like "$body" "^error status=401 reason=unauthorized msg=." \
	    "GET $p: as an error record"
	unlike "$body" "access" "GET $p: shows nothing of the job"
	headers "$p"
	like "$(cat "$T/h.txt")" '^WWW-Authenticate: Basic realm="bb-hub"' \
	    "GET $p: a Basic challenge, so a browser asks"
	code=$(curl -sS -I -o /dev/null -w '%{http_code}' "$HUB_URL$p")
	is "$code" 401 "HEAD $p without a token: 401"
done

# A browser (Accept: text/html) gets a page for a person, not a record;
# other clients keep the record.
BROWSER='Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
for p in / "/jobs/$J"; do
	hub_req GET "$p" -H "$BROWSER"
	is "$code" 401 "GET $p from a browser without a token: 401"
	like "$body" "^<!DOCTYPE html>" "GET $p from a browser: an HTML page"
	like "$body" "<h1>This page needs the admin token</h1>" \
	    "GET $p from a browser: saying what it needs"
	like "$body" "any user name and, as the password, the hub's admin token" \
	    "GET $p from a browser: how to give it (Basic)"
	like "$body" "cookie <code>bb_admin</code>" \
	    "GET $p from a browser: or the cookie"
	unlike "$body" "%20\|^error \|access" \
	    "GET $p from a browser: no record, nothing of the job"
	headers "$p" -H "$BROWSER"
	like "$(cat "$T/h.txt")" '^Content-Type: text/html; charset=utf-8' \
	    "GET $p from a browser: as text/html"
	like "$(cat "$T/h.txt")" '^WWW-Authenticate: Basic realm="bb-hub"' \
	    "GET $p from a browser: still the Basic challenge"
	hub_req GET "$p" -H 'Accept: text/plain'
	like "$code:$body" "^401:error status=401 reason=unauthorized msg=." \
	    "GET $p with Accept: text/plain: the error record"
done
hub_req GET /metrics -H "$BROWSER"
is "$code" 401 "/metrics from a browser without a token: 401"
like "$body" "<h1>The metrics need a token</h1>" \
    "/metrics from a browser: a page naming the tokens it takes"
hub_req GET / -H "$BROWSER" -u "admin:$HUB_ADMIN"
is "$code" 200 "a browser with the token: the page"

hub_req GET / -u "admin:$HUB_ADMIN"
is "$code" 200 "a Basic password: the admin token (curl -u, a browser)"
like "$body" ">access</td>" "shows the status page"
hub_req GET "/jobs/$J" -u "anyone:$HUB_ADMIN"
is "$code" 200 "any user name will do"
like "$body" "<span class=\"crumb\">/ job $J</span>" "shows the job's page"
hub_req GET / -u "admin:${HUB_ADMIN}x"
is "$code" 401 "a wrong Basic password: 401"
hub_req GET / -u "$HUB_ADMIN:"
is "$code" 401 "the token as the user name: 401"
hub_req GET / -b "bb_admin=$HUB_ADMIN"
is "$code" 200 "the bb_admin cookie"
hub_req GET "/jobs/$J" -b "other=1; bb_admin=$HUB_ADMIN"
is "$code" 200 "the cookie among others"
hub_req GET / -b "bb_admin=$HUB_METRICS"
is "$code" 401 "a cookie with another token: 401"
hub_req GET / -H "$AD"
is "$code" 200 "a Bearer admin token"
hub_req GET / -H "Authorization: Bearer $HUB_METRICS"
is "$code" 401 "the metrics token opens no page"
hub_req GET / -u "admin:$HUB_METRICS"
is "$code" 401 "not as a Basic password either"

# /metrics: the metrics token or the admin token, Bearer or Basic.
hub_req GET /metrics
is "$code" 401 "/metrics without a token: 401"
hub_req GET /metrics -H "Authorization: Bearer $HUB_METRICS"
is "$code" 200 "/metrics with the metrics token (Bearer)"
like "$body" '^bb_hub_jobs{state="queued"} 1$' "gives the metrics"
hub_req GET /metrics -u "prometheus:$HUB_METRICS"
is "$code" 200 "/metrics with the metrics token (Basic)"
hub_req GET /metrics -H "$AD"
is "$code" 200 "/metrics with the admin token"
hub_req GET /metrics -b "bb_admin=$HUB_ADMIN"
is "$code" 401 "/metrics takes no cookie"

# The admin API: Bearer only, never what a browser sends by itself.
hub_req GET /v1/admin/jobs -u "admin:$HUB_ADMIN"
is "$code" 401 "the admin API refuses the token as a Basic password"
hub_req POST "/v1/admin/jobs/$J/cancel" -b "bb_admin=$HUB_ADMIN"
is "$code" 401 "and as a cookie (no cross-site request can cancel a job)"
hub_req GET /v1/admin/jobs -H "Authorization: Bearer $HUB_METRICS"
is "$code" 401 "the metrics token opens no admin call"
is "$(bb-hub jobs -r -d "$HUB_DIR" | rec_get state)" queued \
    "the job is still queued"

# Headers of every answer.
CSP="default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
headers / -u "admin:$HUB_ADMIN"
is "$(sed -n 's/^Content-Security-Policy: //p' "$T/h.txt")" "$CSP" \
    "a page has the Content-Security-Policy: scripts from the hub only"
like "$(cat "$T/h.txt")" "^X-Content-Type-Options: nosniff$" \
    "and X-Content-Type-Options: nosniff"
like "$(cat "$T/h.txt")" "^Content-Type: text/html; charset=utf-8$" \
    "(it is a page)"
csp=$(sed -n 's/^Content-Security-Policy: //p' "$T/h.txt" |
    sed -n "s/.*script-src \([^;]*\).*/\1/p")
is "$csp" "'self'" "script-src allows no inline script, no eval"
headers "/jobs/$J"
like "$(cat "$T/h.txt")" "^Content-Security-Policy: default-src 'none';" \
    "a refusal has it too"
like "$(cat "$T/h.txt")" "^X-Content-Type-Options: nosniff$" \
    "and nosniff"
headers "/v1/admin/jobs/$J/source" -H "$AD"
like "$(cat "$T/h.txt")" "^X-Content-Type-Options: nosniff$" \
    "a download has nosniff"
like "$(cat "$T/h.txt")" "^Content-Security-Policy: default-src 'none';" \
    "and the policy"

# Tokens stay out of the log.
nowhere "the admin token is not in the log" "$HUB_ADMIN" "$HUB_LOG"
nowhere "nor the metrics token" "$HUB_METRICS" "$HUB_LOG"

# serve -P: pages and /metrics public, the admin API not.
hub_stop
rm "$HUB_DIR/metrics.token"
hub_start -P
like "$(cat "$HUB_LOG")" "pages and /metrics are public (-P)" \
    "serve -P says so in its log"
hub_req GET /
is "$code" 200 "-P: the status page needs no token"
hub_req GET "/jobs/$J"
is "$code" 200 "-P: nor a job's page"
hub_req GET /metrics
is "$code" 200 "-P: nor /metrics"
hub_req GET /v1/admin/jobs
is "$code" 401 "-P: the admin API still needs its token"
ok "$([ -s "$HUB_DIR/metrics.token" ]; echo $?)" \
    "serve makes metrics.token where there was none"
is "$(stat -c %a "$HUB_DIR/metrics.token")" 600 "mode 0600"
M2=$(cat "$HUB_DIR/metrics.token")
hub_stop
hub_start
hub_req GET /metrics -H "Authorization: Bearer $M2"
is "$code" 200 "the new metrics token works"
hub_req GET /metrics -H "Authorization: Bearer $HUB_METRICS"
is "$code" 401 "the old one no longer"
hub_done
