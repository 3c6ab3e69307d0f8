#!/bin/sh
# shellcheck disable=SC2154  # rc, out, err: set by run in tests/lib.sh
# bb-hub: source, events stored once, artifacts checked, finish with the
# log digest, the log and the status page.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"

hub_init
hub_add_worker w1
hub_start -K 5 -L 30
hub_hello w1 linux
A="Authorization: Bearer $TOKEN"

mkdir -p "$T/tree/sub"
echo one >"$T/tree/a"
echo two >"$T/tree/sub/b"
hub_submit 'job report-test
require linux
step build: make' "$T/tree"
J=$JOB
hub_req POST "/v1/claim?wait=0" -H "$A"
is "$code" 200 "claimed"
L=$(printf '%s\n' "$body" | rec_get lease)
SHA=$(printf '%s\n' "$body" | rec_get sha256)
SIZE=$(printf '%s\n' "$body" | head -1 | rec_get size)
H="Bb-Lease: $L"

# The source.
curl -sS -D "$T/src.h" -o "$T/src.tgz" -H "$A" -H "$H" \
    "$HUB_URL/v1/jobs/$J/source"
is "$(sha256sum <"$T/src.tgz" | cut -c1-64)" "$SHA" "the source has the job's sha256"
is "$(wc -c <"$T/src.tgz" | tr -d ' ')" "$SIZE" "and its size"
want=$(openssl sha256 -binary <"$T/src.tgz" | base64)
like "$(cat "$T/src.h")" "Content-Digest: sha-256=:$want:" "Content-Digest says so too"
is "$(bsdtar -tzf "$T/src.tgz" | tr '\n' ' ')" "a sub/ sub/b " \
    "a packed directory holds its files, in order"
bb-hub submit -d "$HUB_DIR" "$T/submit.recipe" "$T/tree" >/dev/null
is "$(bb-hub jobs -r -d "$HUB_DIR" -n 1 | rec_get source)" "$SHA" \
    "packing the same tree again gives the same tarball"
bb-hub cancel -d "$HUB_DIR" "$((J + 1))"
hub_req GET "/v1/jobs/$J/source" -H "$A"
is "$code" 400 "the source needs the lease"

# Events: each sequence number stored once.
cat >"$T/ev1" <<'EOR'
status step=build state=started t=1.5 seq=1
log step=build fd=1 t=1.6 data=<script>alert("x")</script>%20&%20done%0A seq=2
log step=build fd=2 t=1.7 data=warning:%20%1B[31mred%1B[0m%0A seq=3
EOR
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary @"$T/ev1"
is "$code" 200 "a batch of events"
is "$body" "ack stored=3 dup=0 upto=3 ttl=30 state=running" "stored, acknowledged up to 3"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary @"$T/ev1"
is "$body" "ack stored=0 dup=3 upto=3 ttl=30 state=running" \
    "the same batch again: all duplicates"
is "$(bb-hub log -r -d "$HUB_DIR" "$J" | wc -l | tr -d ' ')" 3 \
    "the log holds each record once"
printf 'status step=build state=finished rc=0 result=success elapsed=0.2 seq=5\n' >"$T/ev5"
printf 'done result=success started=1 elapsed=0.3 seq=6\n' >>"$T/ev5"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary @"$T/ev5"
is "$body" "ack stored=0 dup=0 upto=3 ttl=30 state=running" \
    "after a gap: not stored, upto stays 3"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary ''
is "$code" 200 "an empty batch renews the lease"

# Finish: the hub says which numbers it misses.
printf 'log step=build fd=1 t=1.8 seq=4 data:ok%%0A\n' >"$T/ev4"  # a raw field
sha=$(cat "$T/ev1" "$T/ev4" "$T/ev5" | sha256sum | cut -c1-64)
hub_req POST "/v1/jobs/$J/finish" -H "$A" -H "$H" \
    --data-binary "finish result=success last=6 sha256=$sha
"
is "$code" 412 "finish with a record missing: 412"
like "$body" "^error status=412 reason=incomplete msg=.* have=1-3 missing=4-6$" \
    "it lists what it has and what it misses"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary @"$T/ev4"
is "$body" "ack stored=1 dup=0 upto=4 ttl=30 state=running" "the first missing one sent"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary @"$T/ev5"
is "$body" "ack stored=2 dup=0 upto=6 ttl=30 state=running" "then the others"
hub_req POST "/v1/jobs/$J/finish" -H "$A" -H "$H" \
    --data-binary "finish result=success last=6 sha256=$(printf x | sha256sum | cut -c1-64)
"
is "$code" 422 "finish with a wrong log digest: 422"
like "$body" "reason=log-mismatch" "as log-mismatch"

# Artifacts.
printf 'the binary\n' >"$T/bin"
good=$(openssl sha256 -binary <"$T/bin" | base64)
bad=$(printf 'other' | openssl sha256 -binary | base64)
hub_req PUT "/v1/jobs/$J/artifacts/hello" -H "$A" -H "$H" \
    -H "Content-Digest: sha-256=:$bad:" -T "$T/bin"
is "$code" 422 "an artifact with a wrong digest: 422"
like "$body" "reason=digest-mismatch" "as digest-mismatch"
unlike "$(bb-hub show -r -d "$HUB_DIR" "$J")" '^artifact' "and it is not kept"
empty_dirs "no temporary file stays" "$HUB_DIR/blobs/tmp"
hub_req PUT "/v1/jobs/$J/artifacts/hello" -H "$A" -H "$H" -T "$T/bin"
is "$code" 400 "an artifact without Content-Digest: 400"
hub_req PUT "/v1/jobs/$J/artifacts/hello%20world.txt" -H "$A" -H "$H" \
    -H "Content-Digest: sha-512=:AAAA:, sha-256=:$good:" -T "$T/bin"
is "$code" 201 "an artifact with the right digest: 201"
like "$body" "^artifact job=$J name=hello%20world.txt size=11 sha256=$(sha256sum <"$T/bin" | cut -c1-64)$" \
    "the artifact record"
hub_req PUT "/v1/jobs/$J/artifacts/hello%20world.txt" -H "$A" -H "$H" \
    -H "Content-Digest: sha-256=:$good:" -T "$T/bin"
is "$code" 200 "the same upload again: 200"
printf 'changed\n' >"$T/bin2"
hub_req PUT "/v1/jobs/$J/artifacts/hello%20world.txt" -H "$A" -H "$H" \
    -H "Content-Digest: sha-256=:$(openssl sha256 -binary <"$T/bin2" | base64):" \
    -T "$T/bin2"
is "$code" 422 "another file under the same name: 422"
like "$body" "reason=exists" "as exists"

# Finish, for real, once.
hub_req POST "/v1/jobs/$J/finish" -H "$A" -H "$H" \
    --data-binary "finish result=success last=6 sha256=$sha
"
is "$code" 200 "finish with the whole log"
is "$body" "finished id=$J attempt=1 result=success" "finished record"
hub_req POST "/v1/jobs/$J/finish" -H "$A" -H "$H" \
    --data-binary "finish result=failure last=6 sha256=$sha
"
is "$body" "finished id=$J attempt=1 result=success" \
    "a finish sent again changes nothing"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary @"$T/ev4"
is "$code" 409 "events after the finish: 409"
like "$body" "reason=finished" "as finished"
like "$(bb-hub jobs -r -d "$HUB_DIR" -s success)" "^job id=$J name=report-test state=success attempt=1 worker=w1 " \
    "bb-hub jobs shows it succeeded"

# The log, as text and as records; the admin API.
run bb-hub log -d "$HUB_DIR" "$J"
is "$rc" 0 "bb-hub log"
is "$out" "== build started
<script>alert(\"x\")</script> & done
warning: $(printf '\033')[31mred$(printf '\033')[0m
ok
== build finished success rc=0 0.2s
== done success" "prints the steps' output (raw when not a terminal)"
is "$(bb-hub log -r -d "$HUB_DIR" "$J")" "$(cat "$T/ev1" "$T/ev4" "$T/ev5")" \
    "bb-hub log -r: the records as sent, in order"
AD="Authorization: Bearer $HUB_ADMIN"
hub_req GET "/v1/admin/jobs/$J/log" -H "$AD"
is "$body" "$(cat "$T/ev1" "$T/ev4" "$T/ev5")" "the admin API gives the same log"
curl -sS -o "$T/got" -H "$AD" "$HUB_URL/v1/admin/jobs/$J/artifacts/hello%20world.txt"
cmp -s "$T/got" "$T/bin"
ok $? "the admin API gives the artifact back"
curl -sS -o "$T/got" -H "$AD" "$HUB_URL/v1/admin/jobs/$J/source"
cmp -s "$T/got" "$T/src.tgz"
ok $? "the admin API gives the job's source back"
hub_req GET "/v1/admin/jobs/$J" -H "$AD"
like "$body" "^attempt n=1 worker=w1 started=[0-9]* ended=[0-9]* end=finished result=success records=6$" \
    "show: the attempt"
like "$body" "^artifact attempt=1 name=hello%20world.txt size=11 sha256=" "show: the artifact"
like "$body" "^step name=build cmd=make$" "show: the recipe"

# The status page (bb-hub(8) SECURITY: the admin token, here as a
# browser sends it; tests/e2e/hub-access.t tries the other ways).
hub_req GET / -u "admin:$HUB_ADMIN"
is "$code" 200 "the status page"
like "$body" "<a href=\"jobs/$J\">$J</a></td><td data-label=\"name\" class=\"wrap\">report-test</td><td data-label=\"result\"><span class=\"badge success\">success" \
    "lists the build with its result"
like "$body" '<td data-label="worker" class="wrap">w1</td><td data-label="health"><span class="dot idle"></span>' \
    "and the worker, idle"
like "$body" '<td data-label="capabilities" class="wrap"><code>linux</code></td>' \
    "with its capabilities"
hub_req GET "/jobs/$J" -u "admin:$HUB_ADMIN"
is "$code" 200 "the job's page"
like "$body" '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; done' \
    "shows the log, escaped"
is "$(printf '%s\n' "$body" | grep -o '<script[^>]*>')" '<script src="../hub.js" defer>' \
    "no script a build printed reaches the page: the hub's own only"
like "$body" 'warning: \\x1b\[31mred' "control bytes are shown, not sent"
like "$body" '<td data-label="step" class="wrap">build</td><td data-label="result"><span class="badge success">success</span></td><td data-label="exit" class="num">0</td>' \
    "the steps"
like "$body" '<dt>submitted</dt><dd><time datetime="20[0-9-]* [0-9:]*Z"' \
    "times as UTC dates"
hub_req GET "/jobs/9999" -u "admin:$HUB_ADMIN"
is "$code" 404 "an unknown job's page: 404"
hub_req GET /healthz
is "$code:$body" "200:ok" "healthz"
hub_req GET /metrics -H "Authorization: Bearer $HUB_METRICS"
like "$body" '^bb_hub_jobs{state="success"} 1$' "metrics: jobs by state"
like "$body" '^bb_hub_claims_total 1$' "metrics: claims"
like "$body" '^bb_hub_events_total 6$' "metrics: events stored"
like "$body" '^bb_hub_received_bytes_total [1-9]' "metrics: bytes received"
like "$body" '^bb_hub_workers_connected 1$' "metrics: workers connected"
hub_done
