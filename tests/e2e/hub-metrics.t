#!/bin/sh
# bb-hub /metrics: Prometheus text that passes the format's checks
# (promtool check metrics where it is installed, tests/promcheck.awk
# everywhere), with jobs by state, the queue, claims, lease expiries, log
# bytes and the build durations as a histogram.
# shellcheck disable=SC2154  # code, body: set by hub_req in tests/hub.sh
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"

check() {	# check FILE DESCRIPTION: the format rules, by awk
	awk -f "$BB_SRC/tests/promcheck.awk" <"$1" >"$T/check.out" 2>&1
	ok $? "$2"
	sed 's/^/#   /' "$T/check.out" | head -10
}
metric() { printf '%s\n' "$body" | awk -v m="$1" '$1 == m { print $2 }'; }

# The checker finds what is wrong.
printf '# TYPE x counter\nx 1\n' >"$T/bad1"
printf '# TYPE x_total counter\nx_total 1\n# TYPE y gauge\ny 2\nx_total{a="b"} 1\n' >"$T/bad2"
printf '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n' >"$T/bad3"
printf '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n' >"$T/bad4"
printf '# TYPE g gauge\ng{a="x\\y"} 1\n' >"$T/bad5"
printf '# TYPE g gauge\ng{a="x"} 1\ng{a="x"} 2\n' >"$T/bad6"
printf '# TYPE g gauge\n# TYPE g gauge\ng 1\n' >"$T/bad7"
printf '# TYPE 1g gauge\n1g 1\n' >"$T/bad8"
printf '# TYPE g gauge\ng one\n' >"$T/bad9"
printf '# HELP g x\n# TYPE g gauge\ng 1\n# TYPE f gauge\nf 1\n' >"$T/bad10"
for f in 1 2 3 4 5 6 7 8 9 10; do
	awk -f "$BB_SRC/tests/promcheck.awk" <"$T/bad$f" >"$T/check.out" 2>&1
	is "$?" 1 "the checker refuses bad$f: $(head -1 "$T/check.out")"
done
printf '# HELP g A gauge.\n# TYPE g gauge\ng{a="q\\"\\\\\\n"} 1.5e3\n# HELP h A histogram.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3.5\nh_count 2\n' >"$T/good"
check "$T/good" "and takes good text"

hub_init
hub_add_worker w1
hub_start -K 1 -L 2 -A 1
hub_hello w1 linux
A1="Authorization: Bearer $TOKEN"

hub_req GET /metrics -H "Authorization: Bearer $HUB_METRICS"
is "$code" 200 "/metrics of a new hub"
printf '%s\n' "$body" >"$T/m0"
check "$T/m0" "passes the format's rules"

# A job that succeeds, its finish sent twice; one whose lease runs out;
# one that waits for a worker with docker.
hub_submit 'job ok
require linux
step build: true'
J1=$JOB
hub_claim "$A1" 0
L=$LEASE
ev='log step=build fd=1 t=1 data=hello seq=1
status step=build state=finished t=2 rc=0 elapsed=0.1 result=success seq=2'
hub_req POST "/v1/jobs/$J1/events" -H "$A1" -H "Bb-Lease: $L" \
    --data-binary "$ev
"
is "$code" 200 "a report"
logbytes=$(printf '%s\n' "$ev" | wc -c)
sha=$(printf '%s\n' "$ev" | sha256sum | cut -c1-64)
for i in 1 2; do
	hub_req POST "/v1/jobs/$J1/finish" -H "$A1" -H "Bb-Lease: $L" \
	    --data-binary "finish result=success last=2 sha256=$sha
"
	is "$code" 200 "finish $i"
done
hub_submit 'job lost
require linux
step build: true'
J2=$JOB
hub_claim "$A1" 0
wait_for 20 sh -c "bb-hub jobs -r -d '$HUB_DIR' -s error | grep -q 'id=$J2 '"
ok $? "a lease runs out"
hub_submit 'job waits
require docker
step build: true'

hub_req GET /metrics -H "Authorization: Bearer $HUB_METRICS"
printf '%s\n' "$body" >"$T/m1"
check "$T/m1" "/metrics after jobs passes the format's rules"
if command -v promtool >/dev/null 2>&1; then
	promtool check metrics <"$T/m1" >"$T/promtool.out" 2>&1
	ok $? "promtool check metrics"
	sed 's/^/#   /' "$T/promtool.out" | head -10
else
	skip "promtool is not installed (Debian package prometheus)"
fi
is "$(metric 'bb_hub_jobs{state="success"}')" 1 "jobs by state: success"
is "$(metric 'bb_hub_jobs{state="error"}')" 1 "jobs by state: error"
is "$(metric 'bb_hub_jobs{state="queued"}')" 1 "jobs by state: queued"
is "$(metric bb_hub_queue_length)" 1 "the queue's length"
like "$(metric bb_hub_queue_oldest_seconds)" '^[0-9][0-9]*$' "its oldest job's wait"
is "$(metric bb_hub_claims_total)" 2 "claims"
is "$(metric bb_hub_lease_expiries_total)" 1 "lease expiries"
is "$(metric bb_hub_log_bytes_total)" "$logbytes" "log bytes received"
is "$(metric bb_hub_log_stored_bytes)" "$logbytes" "log bytes held"
is "$(metric bb_hub_workers)" 1 "workers"
is "$(metric 'bb_hub_build_duration_seconds_count{result="success"}')" 1 \
    "build durations: the attempt counted once, though finished twice"
is "$(metric 'bb_hub_build_duration_seconds_bucket{result="success",le="+Inf"}')" 1 \
    "in the +Inf bucket"
is "$(metric 'bb_hub_build_duration_seconds_bucket{result="success",le="14400"}')" 1 \
    "and under 4 hours"
is "$(metric 'bb_hub_build_duration_seconds_count{result="failure"}')" 0 \
    "no failure"
is "$(printf '%s\n' "$body" | grep -c '^# TYPE bb_hub_build_duration_seconds histogram$')" 1 \
    "one histogram family"
hub_done
