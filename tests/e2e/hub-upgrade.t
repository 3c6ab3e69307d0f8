#!/bin/sh
# shellcheck disable=SC2154
# An upgrade loses nothing: the hub directory of the first release
# (tests/fixtures/hub-v1.*, made by commit d564269), served by today's
# bb-hub, is copied and migrated; its finished, failed, running and queued
# jobs are all there, its worker's secret still works, and the running and
# queued jobs go on to finish.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

F=$BB_SRC/tests/fixtures
mkdir -m 700 "$HUB_DIR"
sqlite3 "$HUB_DIR/hub.db" < "$F/hub-v1.sql"
cp -R "$F/hub-v1.blobs" "$HUB_DIR/blobs"
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' \
    >"$HUB_DIR/admin.token")
is "$(sqlite3 "$HUB_DIR/hub.db" 'PRAGMA user_version;
    SELECT value FROM meta WHERE key="schema"' | tr '\n' ' ')" "0 1 " \
    "a hub directory of the first release"
sqlite3 "$HUB_DIR/hub.db" .dump >"$T/before.sql"

# The new hub serves it: a copy, then the migration, said in its log.
hub_start -K 1s -L 2s
like "$(cat "$HUB_LOG")" "hub.db: migrated from schema 1 to [0-9]*; the \
database as it was is in .*/hub.db.v1.bak" "serve migrates it and says so"
ok "$(cmp -s "$T/before.sql" /dev/stdin <<EOF
$(sqlite3 "$HUB_DIR/hub.db.v1.bak" .dump)
EOF
echo $?)" "the copy holds the database as it was"
ok "$([ "$(stat -c %a "$HUB_DIR/hub.db.v1.bak")" = 600 ]; echo $?)" \
    "  mode 0600"

# Every job, as the first release left it.
run bb-hub jobs -d "$HUB_DIR"
is "$rc" 0 "bb-hub jobs"
is "$(awk 'NR > 1 { print $1, $2, $5 }' "$T/out")" "4 queued hello
3 running slow
2 failure broken
1 success hello" "  lists the four jobs in their states"
is "$err" "" "  and has nothing to migrate any more"
run bb-hub show -r -d "$HUB_DIR" 1
grep '^artifact ' "$T/out" >"$T/arts"
is "$(wc -l <"$T/arts")" 2 "the finished job keeps its two artifacts"
like "$(bb-hub log -d "$HUB_DIR" 1)" "testing" "  and its log"
like "$(bb-hub log -d "$HUB_DIR" 1)" "== done success" "  to its end"
like "$(bb-hub log -d "$HUB_DIR" 2)" "about to fail" \
    "the failed job keeps its log"
like "$(bb-hub show -d "$HUB_DIR" 2)" "attempt *1 by builder1: finished \
failure" "  and its attempt"
like "$(bb-hub log -d "$HUB_DIR" 3)" "waiting" \
    "the running job keeps what it reported"
while read -r _ line; do
	name=$(printf '%s\n' "$line" | rec_get name)
	sha=$(printf '%s\n' "$line" | rec_get sha256)
	hub_req GET "/v1/admin/jobs/1/artifacts/$name" \
	    -H "Authorization: Bearer $(cat "$HUB_DIR/admin.token")"
	is "$code $(sha256sum <"$T/resp" | cut -c1-64)" "200 $sha" \
	    "artifact $name: served, its digest as recorded"
done <"$T/arts"

run bb-hub fetch -d "$HUB_DIR" -o "$T/got" 1
is "$rc" 0 "bb-hub fetch gets the first release's artifacts"
ok "$(cd "$T/got" && sha256sum -c --quiet ./*.sha256; echo $?)" \
    "  which pass sha256sum -c of the checksum file built with them"

# The running job's lease runs out (2 s): it goes back to the queue, and
# the first release's worker secret still says hello.
wait_state 20 3 queued
is "$(job_state 3)" queued "the running job's lease ran out: queued again"
cp "$F/builder1.secret" "$T/builder1.secret"
chmod 600 "$T/builder1.secret"
bb-worker create-worker "$T/w1" "$HUB_URL" builder1 <"$T/builder1.secret" \
    2>/dev/null
worker_set w1 ALLOW_HTTP=1 PROBE= MIN_FREE=1M WAIT=2 MAXDELAY=2 GRACE=2s \
    SLOTS=1
run bb-worker once "$T/w1"
is "$rc" 0 "the first release's worker builder1 runs a job"
like "$err" "job 3 (slow), attempt 2: started" "  job 3, its second attempt"
is "$(job_state 3)" success "  to success"
run bb-worker once "$T/w1"
like "$err" "job 4 (hello), attempt 1: started" "then the queued job 4"
is "$(job_state 4)" success "  to success"
like "$(bb-hub log -d "$HUB_DIR" 4)" "built" "  with its log"

hub_stop
is "$?" 0 "the hub stops"
hub_done
