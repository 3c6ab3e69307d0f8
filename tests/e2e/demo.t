#!/bin/sh
# shellcheck disable=SC2154
# make demo's script (contrib/demo.sh), as the README shows it: a hub, a
# worker, the example project built, its artifacts fetched and checked,
# the status page saved, and nothing left running.
. "${BB_SRC:-.}/tests/lib.sh"

D=$T/demo
DEMO_DIR=$D timeout 300 sh "$BB_SRC/contrib/demo.sh" "$BB_BIN" \
    >"$T/out" 2>&1
is "$?" 0 "contrib/demo.sh exits 0"
out=$(cat "$T/out")
like "$out" "^result: success" "the build succeeds"
like "$out" "job 1: success, delivered" "and is delivered"
like "$out" "^state  *success" "bb-hub show has it"
like "$out" "^$D/artifacts/hello-.*-linux-x86_64\.tar\.zst\$" \
    "bb-hub fetch brings the archive back"
like "$out" "^hello-.*-linux-x86_64\.tar\.zst: OK\$" "sha256sum -c checks it"
(cd "$D/artifacts" && sha256sum -c --quiet ./*.sha256) >/dev/null 2>&1
ok $? "the fetched artifacts check"
like "$(cat "$D/status.html" 2>/dev/null)" ">hello<" \
    "the status page was saved, with the job"
like "$out" "^demo: done (bb-worker exited 0)" "it says it is done"
url=$(sed -n 's/^listening on //p' "$T/out")
like "$url" "^http://127\.0\.0\.1:[0-9]" "it said where the hub listened"
curl -s -o /dev/null "$url/healthz"
ok "$([ "$?" -ne 0 ]; echo $?)" "the hub is stopped at the end"
[ "$_tap_failed" -eq 0 ] || sed 's/^/#   /' "$T/out" | tail -30
done_testing
