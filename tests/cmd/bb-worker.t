#!/bin/sh
# bb-worker without a hub: making a worker's home, reading its settings.
. "${BB_SRC:-.}/tests/lib.sh"

W=$T/w
printf 's3cret-value\n' > "$T/secret.in"
run sh -c "bb-worker create-worker '$W' https://hub.example.org:8443 b1 < '$T/secret.in'"
is "$rc" 0 "create-worker exits 0"
like "$err" "made worker b1 in $W" "create-worker says what it made"
is "$(cat "$W/secret")" "s3cret-value" "the secret is stored"
is "$(stat -c %a "$W/secret")" 600 "the secret file is mode 0600"
is "$(stat -c %a "$W/spool")" 700 "spool/ is mode 0700"
for f in info/admin info/host info/access_uri work worker.conf; do
	[ -e "$W/$f" ]
	ok $? "create-worker makes $f"
done
like "$(cat "$W/worker.conf")" '^HUB=https://hub.example.org:8443$' "HUB set"
like "$(cat "$W/worker.conf")" '^NAME=b1$' "NAME set"
unlike "$(cat "$W/worker.conf")" 's3cret' "the secret is not in worker.conf"

run sh -c "bb-worker create-worker '$W' https://h b1 < '$T/secret.in'"
is "$rc" 73 "an existing home is kept without -f"
like "$err" "worker.conf exists" "and says so"
run sh -c "bb-worker create-worker -f '$W' https://h2 b1 < '$T/secret.in'"
is "$rc" 0 "-f replaces the settings"
like "$(cat "$W/worker.conf")" '^HUB=https://h2$' "with the new hub"

run sh -c "bb-worker create-worker '$T/w2' https://h b1 < /dev/null"
is "$rc" 65 "no secret on stdin: 65"
like "$err" "no secret on standard input" "and says so"
run sh -c "bb-worker create-worker '$T/w3' ftp://h b1 < '$T/secret.in'"
is "$rc" 64 "a hub that is not a URL: 64"
run sh -c "bb-worker create-worker '$T/w3' https://h 'a b' < '$T/secret.in'"
is "$rc" 64 "a bad worker name: 64"
run bb-worker frobnicate
is "$rc" 64 "unknown command: 64"
like "$err" "usage: bb-worker create-worker" "usage on stderr"

run bb-worker run "$T/nope"
is "$rc" 66 "run on a missing home: 66"
like "$err" "no such worker home" "and says so"

cp "$W/worker.conf" "$T/conf.good"
echo "FROB=1" >> "$W/worker.conf"
run bb-worker run "$W"
is "$rc" 78 "an unknown setting: 78"
like "$err" "worker.conf:$(wc -l < "$W/worker.conf"): unknown setting FROB" \
    "names the file and line"
sed 's/^SLOTS=.*/SLOTS=0/' "$T/conf.good" > "$W/worker.conf"
run bb-worker run "$W"
is "$rc" 78 "SLOTS=0: 78"
like "$err" "SLOTS=0 is not between 1 and 64" "and says so"
sed 's/^SLOTS=.*/SLOTS=2; rm -rf \//' "$T/conf.good" > "$W/worker.conf"
run bb-worker run "$W"
is "$rc" 78 "a value is never run by the shell"
sed 's/^UMASK=.*/UMASK=abc/' "$T/conf.good" > "$W/worker.conf"
run bb-worker run "$W"
is "$rc" 78 "a bad UMASK: 78"
cp "$T/conf.good" "$W/worker.conf"
rm "$W/secret"
run bb-worker run "$W"
is "$rc" 78 "a missing secret: 78"

run bb-worker stop "$W"
is "$rc" 69 "stop with no worker running: 69"

dash -n "$BB_BIN/bb-worker"
ok $? "bb-worker parses under dash"
if command -v shellcheck >/dev/null; then
	shellcheck -S warning "$BB_SRC/cmd/bb-worker.sh"
	ok $? "bb-worker passes shellcheck"
fi
done_testing
