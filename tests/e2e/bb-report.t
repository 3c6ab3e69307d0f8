#!/bin/sh
# bb-report with a real hub: every record arrives once, numbered and in
# order, the finish's digest matches, artifacts and signatures arrive
# with the same sha256, a file that changed after its record is refused
# and the job ends in error, the token shows nowhere.
# shellcheck disable=SC2154 # run sets rc, out and err
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/report.sh"

B=$T/base
W=$T/work
mkdir "$B" "$W" "$W/sub"
report_hub -K 2s || { hub_diag; exit 1; }

# A build: steps, 3000 lines of output (several batches), an artifact,
# its signature, a done record.
head -c 300000 /dev/urandom >"$W/sub/hello"
echo 'untrusted comment: sig' >"$W/sub/hello.sig"
sha=$(sha256sum <"$W/sub/hello" | cut -c1-64)
sigsha=$(sha256sum <"$W/sub/hello.sig" | cut -c1-64)
report_claim || { hub_diag; exit 1; }
{
	echo 'recipe name=hello'
	echo "workdir path=$W"
	echo 'status step=build state=started t=1.000'
	report_lines 1 3000
	echo 'log step=build fd=2 t=4.000 data=%1B[1mbold%E2%80%AE%00%0A'
	echo 'status step=build state=finished t=4.5 rc=0 elapsed=3.5 result=success'
	echo "artifact path=sub/hello name=hello size=300000 sha256=$sha"
	echo 'sig path=sub/hello.sig of=sub/hello format=signify key=k1'
	echo 'frobnicate what=an%20unknown%20type'
	echo 'done result=success started=1 elapsed=4.6'
} >"$T/build"
report_input "$T/in" "$T/build"
run bb-report -b "$B" <"$T/in"
is "$rc" 0 "a build: exit 0"
is "$err" "" "a build: nothing on stderr"
is "$(report_state)" success "the job ends success"
report_want "$T/in" >"$T/want"
report_log >"$T/got"
is "$(wc -l <"$T/got")" 3009 "the hub holds 3009 records"
same "$T/want" "$T/got" "each record once, in order, numbered from 1, as sent"
is "$(ls -A "$B/spool")" "" "the spool is removed"
hub_req GET "/v1/admin/jobs/$JOB/artifacts/hello" \
    -H "Authorization: Bearer $HUB_ADMIN"
is "$code.$(sha256sum <"$T/resp" | cut -c1-64)" "200.$sha" \
    "the hub's artifact has the sha256 of the file"
hub_req GET "/v1/admin/jobs/$JOB/artifacts/sub%2Fhello.sig" \
    -H "Authorization: Bearer $HUB_ADMIN"
is "$code.$(sha256sum <"$T/resp" | cut -c1-64)" "200.$sigsha" \
    "the signature is uploaded under its path in the work tree"
hub_req GET "/v1/admin/jobs/$JOB/artifacts/sub/hello.sig" \
    -H "Authorization: Bearer $HUB_ADMIN"
is "$code" 200 "a nested name can be fetched with its slashes as they are"
# The digest: what the finish said is what the hub holds.
hub_req POST "/v1/jobs/$JOB/finish" -H "Authorization: Bearer $TOKEN" \
    -H "Bb-Lease: $LEASE" --data-binary "finish result=success last=3009 \
sha256=$(sha256sum <"$T/want" | cut -c1-64)
"
is "$code" 200 "the log digest is the sha256 of the records sent"

# The token is in no message, nor anywhere on the hub.
ok "$(grep -r -a -l "$TOKEN" "$HUB_DIR" "$HUB_LOG" >/dev/null && echo 1 ||
    echo 0)" "the token is nowhere in the hub's directory or log"

# Files that changed after their records: not uploaded, said, and the
# job ends error; a path through a symbolic link out of the tree too.
report_claim || { hub_diag; exit 1; }
head -c 1000 /dev/zero >"$W/changed"
ln -s /etc "$W/etc"
bad=0000000000000000000000000000000000000000000000000000000000000000
zsha=$(sha256sum <"$W/changed" | cut -c1-64)
{
	echo "workdir path=$W"
	echo "artifact path=changed name=samesize size=1000 sha256=$bad"
	echo "artifact path=changed name=othersize size=999 sha256=$zsha"
	echo "artifact path=etc/passwd name=passwd size=10 sha256=$zsha"
	echo "artifact path=changed name=good size=1000 sha256=$zsha"
	echo 'done result=success started=1 elapsed=1'
} >"$T/build2"
report_input "$T/in2" "$T/build2"
run bb-report -b "$B" <"$T/in2"
is "$rc" 0 "changed files: exit 0 (the job is finished)"
like "$err" "artifact samesize: changed: sha256 $zsha, not $bad as its record says: changed after it was recorded; not uploaded" \
    "a changed digest: said on stderr"
like "$err" 'artifact othersize: changed: 1000 bytes, not 999 as its record says' \
    "a changed size: said on stderr"
like "$err" 'artifact passwd: etc/passwd: a symbolic link' \
    "a path through a symbolic link: refused"
is "$(report_state)" error "the job ends error"
like "$(bb-hub jobs -r -d "$HUB_DIR" | grep "^job id=$JOB ")" \
    'reason=bb-report:%20artifact%20samesize:%20changed:%20sha256' \
    "the reason names the stage and the file"
report_log >"$T/got"
is "$(grep -c '^error tool=bb-report artifact=' "$T/got")" 3 \
    "the hub's log has an error record for each"
for a in samesize othersize passwd; do
	hub_req GET "/v1/admin/jobs/$JOB/artifacts/$a" \
	    -H "Authorization: Bearer $HUB_ADMIN"
	is "$code" 404 "$a is not on the hub"
done
hub_req GET "/v1/admin/jobs/$JOB/artifacts/good" \
    -H "Authorization: Bearer $HUB_ADMIN"
is "$code.$(sha256sum <"$T/resp" | cut -c1-64)" "200.$zsha" \
    "the good one is"
unlike "$err" "$TOKEN" "the token is not on stderr"

# Answers lost after the hub stored a batch: the batch goes again, byte
# for byte, and is stored once.
report_claim || { hub_diag; exit 1; }
S=$B/spool/$JOB.$ATTEMPT
touch "$T/drop"
"$BB_BUILD/tests/tools/dropproxy" "$T/proxy.url" 127.0.0.1 "${HUB_URL##*:}" \
    "$T/drop" &
xpid=$!
cleanup "kill $xpid 2>/dev/null"
wait_for 10 test -s "$T/proxy.url"
sed "s|hub=[^ ]*|hub=$(cat "$T/proxy.url")|" "$T/session.rec" \
    >"$T/session.proxy"
{ report_lines 1 100; echo 'done result=success started=1 elapsed=1'; } \
    >"$T/build4"
cat "$T/job.rec" "$T/session.proxy" "$T/build4" >"$T/in4"
bb-report -b "$B" <"$T/in4" 2>"$T/err4" &
rpid=$!
tried_twice() {
	[ "$(grep -c 'trying again' "$T/err4")" -ge 2 ]
}
stored() {
	[ "$(report_log | wc -l)" -eq 101 ]
}
wait_for 30 tried_twice
ok $? "answers lost: the batch is sent again"
stored
ok $? "the hub stored the batch whose answer was lost"
ok "$([ ! -e "$S/acked" ] && echo 0 || echo 1)" \
    "bb-report has no acknowledgement"
rm "$T/drop"
rc=0
wait $rpid || rc=$?
is "$rc" 0 "once answers come through: exit 0"
like "$(cat "$T/err4")" 'the hub answers again' "the recovery is said"
report_want "$T/in4" >"$T/want"
report_log >"$T/got"
same "$T/want" "$T/got" "each record stored once"
is "$(report_state)" success "the job ends success"

# A 100 MB artifact is streamed, not held in memory.
if [ "${BB_SAN:-0}" = 0 ] && [ -x /usr/bin/time ]; then
	report_claim || { hub_diag; exit 1; }
	head -c 100000000 /dev/zero >"$W/big"
	bsha=$(sha256sum <"$W/big" | cut -c1-64)
	{ echo "workdir path=$W"
	  echo "artifact path=big size=100000000 sha256=$bsha"
	  echo 'done result=success started=1 elapsed=1'; } >"$T/build5"
	report_input "$T/in5" "$T/build5"
	run /usr/bin/time -f %M -o "$T/rss" bb-report -b "$B" <"$T/in5"
	is "$rc" 0 "100 MB artifact: exit 0"
	hub_req GET "/v1/admin/jobs/$JOB/artifacts/big" \
	    -H "Authorization: Bearer $HUB_ADMIN"
	is "$code.$(sha256sum <"$T/resp" | cut -c1-64)" "200.$bsha" \
	    "100 MB artifact: the hub has it whole"
	ok "$([ "$(cat "$T/rss")" -lt 30000 ] && echo 0 || echo 1)" \
	    "100 MB artifact: maxrss $(cat "$T/rss") KB, under 30 MB"
	rm -f "$W/big" "$T/resp"
fi

# A failed build: its result, step and reason reach the hub.
report_claim || { hub_diag; exit 1; }
printf 'done result=failure started=1 elapsed=2 step=test reason=exit%%202\n' \
    >"$T/build3"
report_input "$T/in3" "$T/build3"
run bb-report -b "$B" <"$T/in3"
is "$rc.$err" "0." "a failed build: exit 0"
is "$(report_state)" failure "the job ends failure"
like "$(bb-hub jobs -r -d "$HUB_DIR" | grep "^job id=$JOB ")" \
    'reason=step%20test:%20exit%202' "with the step and reason"

done_testing
