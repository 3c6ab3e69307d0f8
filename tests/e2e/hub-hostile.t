#!/bin/sh
# shellcheck disable=SC2154  # rc, out, err: set by run in tests/lib.sh
# bb-hub refuses malformed records, oversized bodies, unknown jobs and
# path tricks in artifact names clearly, and changes nothing.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"

hub_init
hub_add_worker w1
hub_start -K 5 -L 60
hub_hello w1 linux
A="Authorization: Bearer $TOKEN"
hub_submit 'job target
require linux
step build: true'
J=$JOB
hub_claim "$A" 0
L=$LEASE
H="Bb-Lease: $L"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" \
    --data-binary 'log step=build fd=1 t=1 data=ok seq=1
'
snapshot() {
	bb-hub show -r -d "$HUB_DIR" "$J"
	bb-hub log -r -d "$HUB_DIR" "$J"
	find "$HUB_DIR/blobs" -type f | sort
}
before=$(snapshot)

refused() {	# refused STATUS REASON DESCRIPTION
	is "$code" "$1" "$3: $1"
	like "$body" "^error status=$1 reason=$2 msg=." "$3: as $2"
}

# Malformed records.
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary \
    'log step=build fd=1 t=2 data=fine seq=2
log step=build data=%zz seq=3
'
refused 400 malformed "a bad escape"
like "$body" 'msg=line%202:' "the message names the line"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary \
    'log step=build fd=1 t=2 data=fine
'
refused 400 malformed "a record without seq"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary \
    'log step=build seq=0
'
refused 400 malformed "seq 0"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary \
    "session token=$TOKEN seq=2
"
refused 400 malformed "a session record"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary \
    'log step=build seq=2'
refused 400 malformed "a last line without its newline"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary \
    'log a=1 a=2 seq=2
'
refused 400 malformed "a duplicate key"
printf 'log data=a\0b seq=2\n' >"$T/nul"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary @"$T/nul"
refused 400 malformed "a raw NUL"
hub_req POST "/v1/jobs/$J/finish" -H "$A" -H "$H" --data-binary \
    'finish result=great last=1 sha256=00
'
refused 400 malformed "a finish with a bad result"
hub_req POST /v1/hello -u "w1:$(cat "$T/w1.secret")" --data-binary \
    'hello caps=linux,bad%20cap
'
refused 400 malformed "hello with a bad capability"
hub_req POST /v1/hello -u "w1:$(cat "$T/w1.secret")" --data-binary \
    'tool name=cc
'
refused 400 malformed "hello that does not start with hello"
hub_req POST /v1/admin/jobs -H "Authorization: Bearer $HUB_ADMIN" \
    --data-binary 'submit source=00
step name=x cmd=y
'
refused 400 malformed "a submit of an unknown source"
hub_req PUT "/v1/jobs/$J/artifacts/x" -H "$A" -H "$H" \
    -H 'Content-Digest: sha-256=:nope:' --data-binary x
refused 400 malformed "a bad Content-Digest"

# Oversized bodies.
head -c 1048577 /dev/zero | tr '\0' a >"$T/big"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary @"$T/big"
refused 413 too-large "an events body over 1 MiB"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" \
    -H 'Transfer-Encoding: chunked' --data-binary @"$T/big"
refused 413 too-large "the same, chunked"
head -c 70000 /dev/zero | tr '\0' a >"$T/big2"
hub_req POST /v1/hello -u "w1:$(cat "$T/w1.secret")" --data-binary @"$T/big2"
refused 413 too-large "a hello over 64 KiB"

# Unknown jobs, endpoints, methods, tokens.
hub_req POST /v1/jobs/999/events -H "$A" -H "$H" --data-binary ''
refused 404 not-found "events of an unknown job"
hub_req POST /v1/jobs/abc/events -H "$A" -H "$H" --data-binary ''
refused 404 not-found "a job that is not a number"
hub_req POST /v1/jobs/-1/finish -H "$A" -H "$H" --data-binary ''
refused 404 not-found "a negative job"
hub_req GET /v1/admin/jobs/999 -H "Authorization: Bearer $HUB_ADMIN"
refused 404 not-found "show an unknown job"
hub_req GET /v1/nothing -H "$A"
refused 404 not-found "an unknown endpoint"
hub_req GET "/v1/jobs/$J/events" -H "$A" -H "$H"
refused 405 method "GET on events"
curl -sS -o /dev/null -D "$T/h" -X GET -H "$A" "$HUB_URL/v1/jobs/$J/events"
like "$(cat "$T/h")" '^Allow: POST' "with an Allow header"
hub_req GET /v1/admin/jobs -H "$A"
refused 401 unauthorized "the admin API with a worker's token"
hub_req GET /v1/admin/jobs
refused 401 unauthorized "the admin API without a token"
hub_req POST "/v1/jobs/$J/events" -H "$A" --data-binary ''
refused 400 malformed "a report without Bb-Lease"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "Bb-Lease: 1234" --data-binary ''
refused 409 stale-lease "a report under a made-up lease"

# Path tricks in artifact names.
D="Content-Digest: sha-256=:$(printf x | openssl sha256 -binary | base64):"
for name in '..%2Fx' '%2E%2E%2Fx' '%2Fetc%2Fpasswd' 'a%00b' '%2E%2E' '.' \
    'a%5Cb' 'a%0Ab' '%zz'; do
	hub_req PUT "/v1/jobs/$J/artifacts/$name" -H "$A" -H "$H" -H "$D" \
	    --data-binary x
	refused 400 malformed "artifact name $name"
done
for path in "artifacts/../x" "artifacts//etc/passwd" "artifacts/a/../../x"; do
	code=$(curl -sS --path-as-is -o "$T/resp" -w '%{http_code}' -X PUT \
	    -H "$A" -H "$H" -H "$D" --data-binary x \
	    "$HUB_URL/v1/jobs/$J/$path")
	body=$(cat "$T/resp")
	refused 400 malformed "artifact path $path"
done
ok "$([ ! -e "$T/x" ] && [ ! -e "$HUB_DIR/x" ] && [ ! -e "$HUB_DIR/blobs/x" ]; echo $?)" \
    "no file was made outside the blob store"

is "$(snapshot)" "$before" "after all that, nothing changed"
hub_req POST "/v1/jobs/$J/events" -H "$A" -H "$H" --data-binary \
    'log step=build fd=1 t=2 data=fine seq=2
'
is "$code:$body" "200:ack stored=1 dup=0 upto=2 ttl=60 state=running" \
    "and the job goes on"
hub_req GET /healthz
is "$code" 200 "the hub is well"
hub_done
