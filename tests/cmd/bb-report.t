#!/bin/sh
# bb-report without a hub: usage, the report for people (-o), bad input,
# and what it does when the hub cannot be reached: keep trying for -t
# after the input ends, keep the spool, never show the token.
# shellcheck disable=SC2154 # run sets rc, out and err
. "${BB_SRC:-.}/tests/lib.sh"

B=$T/base
mkdir "$B"
SHA=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08

# Usage.
run bb-report
is "$rc" 64 "no option: exit 64"
like "$err" '^usage: bb-report -b basedir \[-t maxtime\]' "usage printed"
run bb-report -b "$B" -o -
is "$rc" 64 "-b with -o: exit 64"
run bb-report -o - --resend
is "$rc" 64 "--resend with -o: exit 64"
run bb-report -b "$B" -t 0
is "$rc" 64 "-t 0: exit 64"
like "$err" '^bb-report: -t 0:' "-t 0: says why"
run bb-report -b "$B" extra
is "$rc" 64 "an operand: exit 64"

# The report for people.
cat >"$T/in" <<EOF
session hub=http://127.0.0.1:9 worker=w token=SECRETTOKEN1234
job id=42 lease=LEASE1234 name=hello attempt=1
recipe name=hello
step name=build cmd=make
workdir path=/w/42-1
status step=configure state=started t=1.000
log step=configure fd=1 t=1.001 data=checking%20for%20cc...%20
log step=configure fd=2 t=1.002 data=warn:%20%1B[31mred%1B[0m%0A
log step=configure fd=1 t=1.003 data=cc%0Ahello%20%E2%80%98wor
log step=configure fd=1 t=1.004 data=ld%E2%80%99%0D%0A%E2%80%AEevil%07%FF%0A
status step=configure state=finished t=1.2 rc=0 elapsed=0.200 result=success
status step=build state=started t=1.3
log step=build fd=1 t=1.4 data=partial
status step=build state=finished t=11.5 signal=KILL elapsed=10.2 result=timeout
status step=test state=finished t=11.5 result=skipped
error tool=bb-pack msg=no%20archive
artifact path=hello name=hello size=16384 sha256=$SHA
artifact path=sub/hello.tar.gz size=100 sha256=$SHA
sig path=hello.sig of=hello format=signify key=abcd
done result=timeout started=1 elapsed=10.5 step=build reason=timed%20out%20after%2010s
EOF
cat >"$T/want" <<EOF
job 42 hello (attempt 1)
work tree /w/42-1
--- step configure
    checking for cc... 
    warn: \\033[31mred\\033[0m
    cc
    hello ‘world’
    \\342\\200\\256evil\\007\\377
--- step configure: success (rc 0, 0.200 s)
--- step build
    partial
--- step build: timeout (signal KILL, 10.2 s)
--- step test: skipped
error: bb-pack: no archive
artifacts:
    hello  16384 bytes  sha256 $SHA
    sub/hello.tar.gz  100 bytes  sha256 $SHA
    hello.sig  signify signature of hello, key abcd
result: timeout (step build: timed out after 10s) in 10.5 s
EOF
run bb-report -o - <"$T/in"
is "$rc" 0 "-o -: exit 0"
is "$out" "$(cat "$T/want")" "-o -: the report, escaped, UTF-8 kept"
is "$err" "" "-o -: nothing on stderr"
unlike "$out" 'SECRETTOKEN\|LEASE1234' "-o -: no token, no lease"
run bb-report -o "$T/report" <"$T/in"
is "$rc.$out" "0." "-o file: exit 0, nothing on stdout"
is "$(cat "$T/report")" "$(cat "$T/want")" "-o file: the report"
run bb-report -o /dev/full <"$T/in"
is "$rc" 74 "-o /dev/full: exit 74"
like "$err" '^bb-report: /dev/full: No space left on device' \
    "-o /dev/full: says so"
sed '/^done/d' "$T/in" >"$T/nodone"
run bb-report -o - <"$T/nodone"
is "$rc" 65 "-o without done: exit 65"
like "$out" 'result: none: the input ended before a done record$' \
    "-o without done: the report says so"
like "$err" 'ended before a done record' "-o without done: stderr says so"
printf 'status step=a state=started\nlog step=a fd=1 data=x%%zz\n' \
    >"$T/bad"
run bb-report -o - <"$T/bad"
is "$rc" 65 "-o malformed line: exit 65"
like "$err" 'line 2' "-o malformed line: names the line"

# With a spool but no hub to be had.
run bb-report -b "$T/nonexistent"
is "$rc" 73 "-b missing directory: exit 73"
run bb-report -b "$B" </dev/null
is "$rc" 65 "no input: exit 65"
is "$err" "bb-report: no job record in the input" "no input: says so"
printf 'status step=a state=started\n' >"$T/nojob"
run bb-report -b "$B" <"$T/nojob"
is "$rc.$err" "65.bb-report: no job record in the input" "no job record: 65"
grep -v '^session' "$T/in" >"$T/nosession"
run bb-report -b "$B" <"$T/nosession"
is "$rc" 65 "no session record: exit 65"
like "$err" 'no session record in the input: 18 records kept in spool/42.1' \
    "no session record: records kept for --resend"
is "$(wc -l <"$B/spool/42.1/records")" 18 "no session record: all spooled"
is "$(stat -c %a "$B/spool" "$B/spool/42.1" "$B/spool/42.1/context" \
    "$B/spool/42.1/records" | tr '\n' ' ')" "700 700 600 600 " \
    "spool modes 0700 and 0600"
is "$(sed -n 1p "$B/spool/42.1/records")" "recipe name=hello seq=1" \
    "records numbered from 1 in the spool"
is "$(tail -1 "$B/spool/42.1/records")" \
    "done result=timeout started=1 elapsed=10.5 step=build reason=timed%20out%20after%2010s seq=18" \
    "seq appended last"
run bb-report -b "$B" <"$T/in"
is "$rc" 73 "a spool left by a previous run: exit 73"
like "$err" 'spool/42.1 exists: a previous run left it' "... says so"
rm -r "$B/spool"

# A hub that does not answer: retries, gives up -t after the input ends.
sed 's|hub=http://127.0.0.1:9|hub=http://127.0.0.1:1|' "$T/in" >"$T/in1"
t0=$(now_ms)
run bb-report -b "$B" -t 2s <"$T/in1"
t1=$(now_ms)
is "$rc" 75 "hub unreachable: exit 75"
ok "$([ $((t1 - t0)) -lt 8000 ] && echo 0 || echo 1)" \
    "hub unreachable: gave up soon after -t ($((t1 - t0)) ms)"
like "$err" 'trying again in' "hub unreachable: retries said"
like "$err" 'gave up after 2 s.*kept in spool/42.1' \
    "hub unreachable: gives up, spool kept"
unlike "$err" 'SECRETTOKEN\|LEASE1234' "hub unreachable: no token in stderr"
is "$(grep -c '^error tool=bb-report artifact=' "$B/spool/42.1/records")" 3 \
    "hub unreachable: no work tree: each file refused in an error record"
like "$err" 'artifact hello: work tree /w/42-1: No such file or directory' \
    "hub unreachable: ... and on stderr"
is "$(wc -l <"$B/spool/42.1/records")" 21 "hub unreachable: all spooled"
ok "$([ ! -e "$B/spool/42.1/acked" ] && echo 0 || echo 1)" \
    "hub unreachable: nothing acknowledged"

# A hub that takes the connection and never answers: -t still holds.
rm -r "$B/spool"
"$BB_BUILD/tests/tools/dropproxy" "$T/hole.url" - &
hole=$!
cleanup "kill $hole 2>/dev/null"
wait_for 10 test -s "$T/hole.url"
sed "s|hub=http://127.0.0.1:9|hub=$(cat "$T/hole.url")|" "$T/in" >"$T/in2"
t0=$(now_ms)
run bb-report -b "$B" -t 2s <"$T/in2"
t1=$(now_ms)
is "$rc" 75 "a hub that never answers: exit 75"
ok "$([ $((t1 - t0)) -lt 8000 ] && echo 0 || echo 1)" \
    "a hub that never answers: gave up soon after -t ($((t1 - t0)) ms)"
like "$err" 'gave up after 2 s' "a hub that never answers: says so"
kill $hole

# 20 MB of records while the hub is away go to the spool, not to memory.
if [ "${BB_SAN:-0}" = 0 ] && [ -x /usr/bin/time ]; then
	rm -r "$B/spool"
	{ sed -n 1,2p "$T/in1"
	  awk 'BEGIN { for (i = 1; i <= 200000; i++) printf "log step=a " \
	      "fd=1 t=1.000 data=line%%20%d%%20of%%20a%%20long%%20build%%20" \
	      "log%%20with%%20words%%0A\n", i }'; } >"$T/big"
	run /usr/bin/time -f %M -o "$T/rss" bb-report -b "$B" -t 1s <"$T/big"
	is "$rc" 75 "20 MB, hub away: exit 75"
	is "$(wc -l <"$B/spool/42.1/records")" 200000 "20 MB, hub away: spooled"
	ok "$([ "$(tail -1 "$T/rss")" -lt 30000 ] && echo 0 || echo 1)" \
	    "20 MB, hub away: maxrss $(tail -1 "$T/rss") KB, under 30 MB"
fi

# A signal stops it at once, spool kept.
rm -r "$B/spool"
mkfifo "$T/fifo"
bb-report -b "$B" <"$T/fifo" 2>"$T/err" &
pid=$!
exec 3>"$T/fifo"	# the input stays open until the end
cat "$T/in1" >&3
wait_for 20 grep -q '^done' "$B/spool/42.1/records"
ok $? "running: done record spooled"
t0=$(now_ms)
kill -TERM $pid
rc=0
wait $pid || rc=$?
t1=$(now_ms)
is "$rc" 75 "SIGTERM: exit 75"
ok "$([ $((t1 - t0)) -lt 3000 ] && echo 0 || echo 1)" \
    "SIGTERM: stops at once ($((t1 - t0)) ms)"
like "$(cat "$T/err")" 'interrupted' "SIGTERM: says so"
ok "$([ -d "$B/spool/42.1" ] && echo 0 || echo 1)" "SIGTERM: spool kept"
exec 3>&-

# --resend.
run bb-report -b "$B" --resend </dev/null
is "$rc.$err" "65.bb-report: no session record on standard input" \
    "--resend without a session: 65"
sed -n 1p "$T/in1" >"$T/session"
run bb-report -b "$T" --resend -t 1s <"$T/session"
is "$rc.$err" "0." "--resend with no spool: nothing to do"
mkdir "$T/b2"
grep '^session \|^job ' "$T/in1" | sed 's/^session /session protocol=2 /' \
    >"$T/dead"
run bb-report -b "$T/b2" --resend -t 1s <"$T/dead"
is "$rc" 75 "--resend, a job record with no spool, hub unreachable: 75"
like "$err" 'job 42: POST .*/v1/jobs/42/abandon: .*trying again' \
    "... it tries to tell the hub that the attempt died"
ok "$([ -s "$T/b2/spool/42.1/context" ] && echo 0 || echo 1)" \
    "... and keeps a spool of it to say so later"
run bb-report -b "$B" --resend -t 1s <"$T/session"
is "$rc" 75 "--resend, hub unreachable: exit 75"
like "$err" 'job 42: gave up after 1 s.*kept in spool/42.1' \
    "--resend: says which job and spool"
ok "$([ -d "$B/spool/42.1" ] && echo 0 || echo 1)" "--resend: spool kept"
mkdir -m 700 "$B/spool/1.1"
: >"$B/spool/1.1/records"
run bb-report -b "$B" --resend -t 1s <"$T/session"
is "$rc" 75 "--resend, an empty spool and one the hub cannot have: 75"
like "$err" '^bb-report: spool/1.1: empty, removed' "the empty one is removed"
ok "$([ ! -e "$B/spool/1.1" ] && echo 0 || echo 1)" "... it is gone"
echo 'acked seq=3 offset=5' >"$B/spool/42.1/acked"
run bb-report -b "$B" --resend -t 1s <"$T/session"
is "$rc" 65 "--resend, damaged spool: exit 65"
like "$err" 'spool/42.1: acked does not fit records' "... says what"
ok "$([ -d "$B/spool/42.1" ] && echo 0 || echo 1)" "damaged spool left"

done_testing
