#!/bin/sh
# shellcheck disable=SC2154
# Sources and artifacts download in parts (HTTP Range, RFC 9110): 206 with
# Content-Range, 416 outside the file, an If-Range that is not the ETag
# gets the whole; and a download cut in the middle, resumed with curl -C -,
# is the whole file byte for byte.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"

hub_init
hub_add_worker w1
hub_start -K 2s
A="Authorization: Bearer $HUB_ADMIN"
head -c 3000000 /dev/urandom >"$T/src.bin"
SIZE=3000000
SHA=$(sha256sum <"$T/src.bin" | cut -c1-64)
hub_submit 'job big
step build: true' "$T/src.bin"
S=/v1/admin/jobs/$JOB/source

curl -sS -D "$T/hdr" -o "$T/whole" -H "$A" "$HUB_URL$S"
ok "$(cmp -s "$T/whole" "$T/src.bin"; echo $?)" "the whole source"
hdr=$(tr -d '\r' <"$T/hdr")
like "$hdr" "^HTTP/1.1 200" "  200"
like "$hdr" "^Accept-Ranges: bytes$" "  Accept-Ranges: bytes"
like "$hdr" "^ETag: \"$SHA\"$" "  its digest is its ETag"
like "$hdr" "^Content-Digest: sha-256=:" "  and Content-Digest"

hub_req GET "$S" -H "$A" -D "$T/hdr" -r 0-99
hdr=$(tr -d '\r' <"$T/hdr")
is "$code" 206 "bytes=0-99: 206"
is "$(wc -c <"$T/resp")" 100 "  100 bytes"
ok "$(head -c 100 "$T/src.bin" | cmp -s - "$T/resp"; echo $?)" \
    "  the first 100"
like "$hdr" "^Content-Range: bytes 0-99/$SIZE$" "  Content-Range"
like "$hdr" "^Repr-Digest: sha-256=:" "  the whole file's digest in Repr-Digest"
unlike "$hdr" "^Content-Digest" "  and no Content-Digest (not of the part)"

hub_req GET "$S" -H "$A" -H 'Range: bytes=-10'
is "$code $(wc -c <"$T/resp")" "206 10" "bytes=-10: the last 10 bytes"
ok "$(tail -c 10 "$T/src.bin" | cmp -s - "$T/resp"; echo $?)" \
    "  as they are"
hub_req GET "$S" -H "$A" -H "Range: bytes=$SIZE-" -D "$T/hdr"
is "$code" 416 "a range past the end: 416"
like "$(tr -d '\r' <"$T/hdr")" "^Content-Range: bytes \*/$SIZE$" \
    "  with the size in Content-Range"
like "$body" "^error status=416 reason=range " "  an error record"
hub_req GET "$S" -H "$A" -H 'Range: bytes=0-9' -H 'If-Range: "other"'
is "$code $(wc -c <"$T/resp")" "200 $SIZE" \
    "an If-Range that is not the ETag: the whole"
hub_req GET "$S" -H "$A" -H 'Range: bytes=0-9' -H "If-Range: \"$SHA\""
is "$code $(wc -c <"$T/resp")" "206 10" "one that is: the part"
hub_req GET "$S" -H "$A" -H 'Range: bytes=0-1,5-6'
is "$code $(wc -c <"$T/resp")" "200 $SIZE" "several ranges: the whole"

# A worker's download under its lease takes Range too.
hub_hello w1
hub_claim "Authorization: Bearer $TOKEN"
hub_req GET "/v1/jobs/$JOB/source" -H "Authorization: Bearer $TOKEN" \
    -H "Bb-Lease: $LEASE" -r 1000-
is "$code $(wc -c <"$T/resp")" "206 $((SIZE - 1000))" \
    "the worker's source download: 206 from byte 1000"

# Cut in the middle, then resumed.
"$BB_BUILD/tests/tools/dropproxy" "$T/proxy.url" 127.0.0.1 \
    "${HUB_URL##*:}" "$T/cut" &
cleanup "kill $!"
wait_for 10 test -s "$T/proxy.url"
P=$(cat "$T/proxy.url")
echo 1000000 >"$T/cut"
curl -sS -H "$A" -o "$T/part" "$P$S" 2>"$T/curl.err"
ok "$([ "$?" -ne 0 ]; echo $?)" "a download cut after a million bytes fails"
got=$(wc -c <"$T/part")
ok "$([ "$got" -gt 0 ] && [ "$got" -lt "$SIZE" ]; echo $?)" \
    "  leaving part of the file ($got bytes)"
rm "$T/cut"
curl -sS -C - -H "$A" -o "$T/part" "$P$S"
is "$?" 0 "curl -C - resumes it"
ok "$(cmp -s "$T/part" "$T/whole"; echo $?)" \
    "the resumed download is the whole one, byte for byte"
is "$(sha256sum <"$T/part" | cut -c1-64)" "$SHA" "  with the source's digest"

hub_done
