#!/bin/sh
# shellcheck disable=SC2154  # rc, out, err, code, body: tests/lib.sh, hub.sh
# One record-line limit (bb-record(5): 65536 bytes, newline included),
# held where records enter the hub and by every reader: the hub stores
# lines up to the limit and refuses longer ones, and what it stores it
# gives back to bb-report and bb-unpack, which take all of it
# (bb-hub log -r JOB | bb-report ... reports the same log again).
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/report.sh"

report_hub -K 5s || { hub_diag; exit 1; }
mkdir "$T/base" "$T/work"
A="Authorization: Bearer $TOKEN"
AD="Authorization: Bearer $HUB_ADMIN"

# line PREFIX SUFFIX LEN: PREFIX, as many "a" as make LEN bytes, SUFFIX.
line() {
	_n=$(($3 - ${#1} - ${#2}))
	printf '%s' "$1"
	head -c "$_n" /dev/zero | tr '\0' a
	printf '%s\n' "$2"
}
# longest FILE: the length of the longest line of FILE, its newline
# counted.
longest() { awk '{ if (length($0) + 1 > n) n = length($0) + 1 } END { print n + 0 }' "$1"; }

# Lines of exactly the limit: stored.
report_claim 'step build: true' || { hub_diag; exit 1; }
J1=$JOB L1=$LEASE
{
	line 'log step=build fd=1 t=1.000 data=' ' seq=1' 65535
	line 'note text=' ' seq=2' 65535
	echo 'done result=success seq=3'
} >"$T/max"
is "$(longest "$T/max")" 65536 "(the records are 65536 bytes long)"
hub_req POST "/v1/jobs/$J1/events" -H "$A" -H "Bb-Lease: $L1" \
    --data-binary @"$T/max"
is "$code:$body" "200:ack stored=3 dup=0 upto=3 ttl=15 state=running" \
    "records of exactly 65536 bytes are stored"

# One byte more: refused, nothing stored.
line 'log step=build fd=1 t=2.000 data=' ' seq=4' 65536 >"$T/over"
hub_req POST "/v1/jobs/$J1/events" -H "$A" -H "Bb-Lease: $L1" \
    --data-binary @"$T/over"
is "$code" 400 "a record of 65537 bytes: 400"
like "$body" "^error status=400 reason=malformed msg=line%201:%20longer%20than%2065536%20bytes$" \
    "the message names the line and the limit"
{ echo 'log step=build fd=1 t=2.000 data=x seq=4'; cat "$T/over"; } \
    >"$T/over2"
sed -i '2s/ seq=4$/ seq=5/' "$T/over2"
hub_req POST "/v1/jobs/$J1/events" -H "$A" -H "Bb-Lease: $L1" \
    --data-binary @"$T/over2"
like "$code:$body" "^400:.*msg=line%202:%20longer" \
    "a batch with one such record: refused whole"
is "$(bb-hub log -r -d "$HUB_DIR" "$J1" | wc -l)" 3 "nothing more was stored"
hub_req POST "/v1/jobs/$J1/finish" -H "$A" -H "Bb-Lease: $L1" \
    --data-binary "finish result=success last=3 sha256=$(sha256sum <"$T/max" | cut -c1-64)
"
is "$code" 200 "the job finishes with its digest"

# What it stored it gives back: bb-hub log -r, the admin API.
bb-hub log -r -d "$HUB_DIR" "$J1" >"$T/log1"
same "$T/max" "$T/log1" "bb-hub log -r gives the records back as sent"
hub_req GET "/v1/admin/jobs/$J1/log" -H "$AD"
printf '%s\n' "$body" >"$T/api1"
same "$T/max" "$T/api1" "so does the admin API"

# bb-unpack passes every stored record on.
run sh -c 'bb-hub log -r -d "$1" "$2" | bb-unpack -d "$3"' sh "$HUB_DIR" \
    "$J1" "$T/work"
is "$rc" 0 "bb-hub log -r | bb-unpack: exit 0"
printf '%s\n' "$out" >"$T/unpacked"
same "$T/max" "$T/unpacked" "bb-unpack passes the records on unchanged"

# bb-report takes all of it and reports the same log for another job.
report_claim 'step build: true' || { hub_diag; exit 1; }
J2=$JOB
report_input "$T/in" "$T/log1"
run bb-report -b "$T/base" <"$T/in"
is "$rc" 0 "bb-hub log -r | bb-report: exit 0"
is "$err" "" "nothing on stderr"
is "$(report_state)" success "the second job ends as the first"
bb-hub log -r -d "$HUB_DIR" "$J2" >"$T/log2"
same "$T/log1" "$T/log2" "the hub holds the same records for it"

# Records that enter elsewhere: hello and a submitted recipe.
printf 'hello version=%s\n' "$(head -c 257 /dev/zero | tr '\0' v)" \
    >"$T/hello"
hub_req POST /v1/hello -u "w1:$(cat "$T/w1.secret")" \
    --data-binary @"$T/hello"
like "$code:$body" "^400:.*msg=line%201:%20version%20over%20256%20bytes" \
    "a hello whose version is over 256 bytes: 400 (the worker's record \
must fit)"
tar -czf "$T/src.tgz" -C "$T/src" README
src=$(curl -sS -H "$AD" --data-binary @"$T/src.tgz" \
    "$HUB_URL/v1/admin/sources" | rec_get sha256)
{
	printf 'submit source=%s\nrecipe name=longenv\n' "$src"
	line 'env name=LONG value=' '' 65535
	printf 'step name=build cmd=true\n'
} >"$T/submit"
hub_req POST /v1/admin/jobs -H "$AD" --data-binary @"$T/submit"
is "$code" 201 "a recipe with an env record of 65536 bytes: queued"
J3=$(printf '%s\n' "$body" | rec_get id)
{
	printf 'submit source=%s\nrecipe name=toolong\n' "$src"
	line 'env name=LONG value=' '' 65536
} >"$T/submit"
hub_req POST /v1/admin/jobs -H "$AD" --data-binary @"$T/submit"
like "$code:$body" "^400:.*msg=line%203:%20longer%20than%2065536" \
    "one byte more: 400"

# The stored recipe goes to a worker whole: bb-claim | bb-unpack.
run sh -c 'bb-connect -p -H "$1" -n w1 -s "$2" | bb-claim --once |
    bb-unpack -d "$3"' sh "$HUB_URL" "$T/w1.secret" "$T/work"
is "$rc" 0 "bb-connect | bb-claim | bb-unpack of that job: exit 0"
is "$(printf '%s\n' "$out" | grep -c "^job id=$J3 ")" 1 "the job"
is "$(printf '%s\n' "$out" | grep '^env ' | awk '{ print length($0) + 1 }')" \
    65536 "its env record, whole"
is "$(printf '%s\n' "$out" | grep -c '^workdir path=')" 1 "unpacked"

# A long reason is kept cut, so that the job's record fits.
L3=$(printf '%s\n' "$out" | sed -n 1p | rec_get lease)
T3=$(printf '%s\n' "$out" | grep '^session ' | rec_get token)
line 'finish result=failure last=0 sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 reason=' '' 65535 >"$T/finish"
hub_req POST "/v1/jobs/$J3/finish" -H "Authorization: Bearer $T3" \
    -H "Bb-Lease: $L3" --data-binary @"$T/finish"
is "$code" 200 "a finish with a reason of 65 KB: taken"
run bb-hub show -r -d "$HUB_DIR" "$J3"
is "$rc" 0 "bb-hub show -r of that job: exit 0"
is "$(printf '%s\n' "$out" | sed -n 1p | rec_get reason | wc -c)" 1025 \
    "the reason kept is its first 1024 bytes"
run bb-hub jobs -r -d "$HUB_DIR"
is "$rc:$(printf '%s\n' "$out" | wc -l)" "0:3" "bb-hub jobs -r lists all three"
hub_done
