#!/bin/sh
# shellcheck disable=SC2154,SC2034
# bb-worker and a hub over TLS: a hub whose CA the worker does not trust
# is refused with a clear message; with CA= set, the job is built.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

test_ca
ok $? "a test CA and a certificate for the hub"
hub_init
HUB_LISTEN=https://127.0.0.1:0
hub_start -c "$T/srv.pem" -k "$T/srv.key" -K 2s
worker_make w1 ALLOW_HTTP=0
hub_submit 'job tls
step a: echo over tls'
run bb-worker once "$T/w1"
is "$rc" 75 "a hub with a certificate from an untrusted CA: exit 75"
like "$err" "TLS certificate of 127.0.0.1 cannot be verified" \
    "the message names the host and what is wrong"
like "$err" "trust it with --ca FILE (CA= in worker\.conf)" \
    "and what to set in worker.conf"
is "$(job_state "$JOB")" queued "the job was not touched"
worker_set w1 "CA=$T/other.pem"
run bb-worker once "$T/w1"
is "$rc" 75 "with another CA: exit 75"
worker_set w1 "CA=$T/ca.pem"
run bb-worker once "$T/w1"
is "$rc" 0 "with the hub's CA: exit 0"
is "$(job_state "$JOB")" success "the job is built over TLS"
like "$(bb-hub log -d "$HUB_DIR" "$JOB")" "over tls" "and its log is on the hub"

# A worker made with the hub's CA: no worker.conf edited by hand.
hub_add_worker w2
run sh -c 'bb-worker create-worker -C "$1" "$2" "$3" w2 < "$4"' sh \
    "$T/ca.pem" "$T/w2" "$HUB_URL" "$T/w2.secret"
is "$rc" 0 "create-worker -C the hub's CA"
worker_set w2 PROBE= MIN_FREE=1M WAIT=2 MAXDELAY=2 GRACE=2s SLOTS=1
hub_submit 'job tls2
step a: echo made with -C'
run bb-worker once "$T/w2"
is "$rc" 0 "that worker builds over TLS: exit 0"
is "$(job_state "$JOB")" success "the job is built"
done_testing
