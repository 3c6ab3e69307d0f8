#!/bin/sh
# shellcheck disable=SC2154,SC2034  # rc, out, err from tests/lib.sh; HUB_* read by tests/hub.sh
# bb-hub over TLS, with a test CA made here; curl refuses it without the CA.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"

# A CA, and a certificate for 127.0.0.1 and localhost signed by it.
test_ca
ok $? "a test CA and a hub certificate"

hub_init
hub_add_worker w1

# Plain HTTP is only served when asked for.
run bb-hub serve -l 127.0.0.1:0 "$HUB_DIR"
is "$rc" 64 "https without a certificate: exit 64"
like "$err" "https needs a certificate and a key" "saying why"
run bb-hub serve -l http://127.0.0.1:0 -c "$T/srv.pem" -k "$T/srv.key" "$HUB_DIR"
is "$rc" 64 "a certificate with http://: exit 64"
chmod 644 "$T/srv.key"
run bb-hub serve -l https://127.0.0.1:0 -c "$T/srv.pem" -k "$T/srv.key" "$HUB_DIR"
is "$rc" 77 "a key readable by others: exit 77"
like "$err" "srv.key: readable by others" "saying which file"
chmod 600 "$T/srv.key"

HUB_LISTEN=https://127.0.0.1:0
hub_start -c "$T/srv.pem" -k "$T/srv.key" -K 5
like "$HUB_URL" '^https://127\.0\.0\.1:[0-9][0-9]*$' "the hub listens on https"

rc=0
curl -sS -o /dev/null "$HUB_URL/healthz" 2>"$T/noca" || rc=$?
is "$rc" 60 "curl refuses the hub without the test CA (exit 60)"
rc=0
curl -sS -o /dev/null --cacert "$T/other.pem" "$HUB_URL/healthz" \
    2>/dev/null || rc=$?
is "$rc" 60 "and with another CA"

# A stage refused by the hub's certificate names the hub and says what
# to do; a CA file that is not one is named.
run bb-connect --maxretries 0 -H "$HUB_URL" -n w1 -s "$T/w1.secret"
is "$rc" 75 "bb-connect without the CA: exit 75"
like "$err" "TLS certificate of 127\.0\.0\.1 cannot be verified" \
    "the message names the hub"
like "$err" "trust it with --ca FILE (CA= in worker\.conf), FILE the hub's CA certificate, or its own certificate if self-signed" \
    "and says how to trust it"
PIN=sha256//$(openssl x509 -in "$T/srv.pem" -pubkey -noout |
    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
run bb-connect --maxretries 0 --pin "$PIN" -H "$HUB_URL" -n w1 \
    -s "$T/w1.secret"
is "$rc:$(echo "$err" | grep -c 'trust it with --ca')" 75:1 \
    "the right pin alone does not do: exit 75, the same advice"
run bb-connect --maxretries 0 --ca "$T/srv.pem" -H "$HUB_URL" -n w1 \
    -s "$T/w1.secret"
is "$rc" 0 "the hub's own certificate as --ca, as the advice says: exit 0"
printf 'not a certificate\n' >"$T/junk.pem"
run bb-connect --maxretries 0 --ca "$T/junk.pem" -H "$HUB_URL" -n w1 \
    -s "$T/w1.secret"
is "$rc" 78 "bb-connect with a CA file that is not one: exit 78"
like "$err" "CA $T/junk\.pem: not a CA file" "the message names the file"
printf '%s\n' "$HUB_ADMIN" >"$T/admin.token"
chmod 600 "$T/admin.token"
run bb-hub fetch -H "$HUB_URL" -t "$T/admin.token" -o "$T/f" 1
like "$err" "TLS certificate of 127\.0\.0\.1 cannot be verified.*trust it with -C FILE" \
    "bb-hub fetch without the CA says to give -C"
rc=0
curl -sS -o /dev/null -m 10 "http://${HUB_URL#https://}/healthz" \
    2>/dev/null || rc=$?
ok "$([ "$rc" -ne 0 ]; echo $?)" "plain HTTP gets nothing from the TLS port"

HUB_CURL_OPTS="--cacert $T/ca.pem"
hub_req GET /healthz
is "$code:$body" "200:ok" "with the CA: healthz"
hub_hello w1 linux
ok $? "hello over TLS"
A="Authorization: Bearer $TOKEN"
hub_submit 'job tls
require linux
step build: true'
hub_req POST "/v1/claim?wait=5" -H "$A"
is "$code" 200 "claim over TLS"
L=$(printf '%s\n' "$body" | rec_get lease)
curl -sS $HUB_CURL_OPTS -o "$T/src.tgz" -H "$A" -H "Bb-Lease: $L" \
    "$HUB_URL/v1/jobs/$JOB/source"
is "$(sha256sum <"$T/src.tgz" | cut -c1-64)" "$(printf '%s\n' "$body" | rec_get sha256)" \
    "the source over TLS"
printf 'log step=build fd=1 t=1 data=hi seq=1\n' >"$T/ev"
hub_req POST "/v1/jobs/$JOB/events" -H "$A" -H "Bb-Lease: $L" \
    --data-binary @"$T/ev"
is "$code" 200 "events over TLS"
dd if=/dev/urandom of="$T/big" bs=64k count=64 2>/dev/null
hub_req PUT "/v1/jobs/$JOB/artifacts/big" -H "$A" -H "Bb-Lease: $L" \
    -H "Content-Digest: sha-256=:$(openssl sha256 -binary <"$T/big" | base64):" \
    -T "$T/big"
is "$code" 201 "a 4 MiB artifact over TLS"
hub_req POST "/v1/jobs/$JOB/finish" -H "$A" -H "Bb-Lease: $L" \
    --data-binary "finish result=success last=1 sha256=$(sha256sum <"$T/ev" | cut -c1-64)
"
is "$code:$body" "200:finished id=$JOB attempt=1 result=success" "finish over TLS"

# Long polls over TLS answered at once by a submit, and at stop.
curl -sS $HUB_CURL_OPTS -o "$T/poll" -w '%{http_code}' -X POST -H "$A" \
    "$HUB_URL/v1/claim?wait=20" >"$T/poll.code" &
P=$!
hub_wait_parked 1 || diag "no claim parked"
hub_submit 'job tls2
require linux
step build: true'
wait "$P"
is "$(cat "$T/poll.code")" 200 "a parked TLS claim gets the new job"
rc=0
hub_stop || rc=$?
is "$rc" 0 "the TLS hub stops cleanly"
hub_done
