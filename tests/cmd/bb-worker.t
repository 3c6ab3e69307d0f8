#!/bin/sh
# shellcheck disable=SC2154
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
like "$(cat "$W/worker.conf")" '^CA=$' "no -C: CA= is empty"

# The hub's CA and pin, given at creation (a relative CA made absolute).
PIN1=sha256//$(printf '%044d' 0 | tr 0 A)
PIN2=sha256//$(printf '%043d=' 0 | tr 0 b)
mkdir "$T/certs"
printf 'pem\n' > "$T/certs/hub-ca.pem"
run sh -c "cd '$T' && bb-worker create-worker -C certs/hub-ca.pem -P '$PIN1;$PIN2' w4 https://h b1 < '$T/secret.in'"
is "$rc" 0 "create-worker -C cafile -P pin exits 0"
like "$(cat "$T/w4/worker.conf")" "^CA=$T/certs/hub-ca\.pem\$" \
    "-C: CA= is the file's absolute path"
like "$(cat "$T/w4/worker.conf")" "^PIN=$PIN1;$PIN2\$" "-P: PIN= is the pin"
run sh -c "bb-worker create-worker -C '$T/certs' '$T/w5' https://h b1 < '$T/secret.in'"
like "$(cat "$T/w5/worker.conf")" "^CA=$T/certs\$" "-C a directory: its path"
run sh -c "bb-worker create-worker -C '$T/nope.pem' '$T/w6' https://h b1 < '$T/secret.in'"
is "$rc" 66 "-C a missing file: 66"
like "$err" "^bb-worker: -C $T/nope\.pem: no such CA file or directory" \
    "naming it"
[ ! -e "$T/w6" ]
ok $? "and no home is made"
run sh -c "bb-worker create-worker -P sha256//short '$T/w6' https://h b1 < '$T/secret.in'"
is "$rc" 64 "-P a bad pin: 64"
like "$err" "^bb-worker: -P sha256//short: not sha256// and a base64 SHA-256" \
    "naming it"
run bb-worker create-worker -C
is "$rc" 64 "-C with no value: 64"
like "$err" "^bb-worker: -C needs a value" "saying so"

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
like "$err" "^bb-worker: frobnicate: unknown command" "naming the command"
run bb-worker run -x "$W"
is "$rc" 64 "unknown option: 64"
like "$err" "^bb-worker: -x: unknown option" "naming the option"
run bb-worker once "$W" extra
is "$rc" 64 "an extra argument: 64"
like "$err" "^bb-worker: once takes one basedir" "saying what it takes"

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

# A hub that refuses connections, reached at once: once gives up with 75.
cp "$T/secret.in" "$W/secret"
chmod 600 "$W/secret"
port=$("$BB_BUILD/tests/tools/freeport")
sed -e "s|^HUB=.*|HUB=https://127.0.0.1:$port|" -e 's/^MAXRETRIES=.*/MAXRETRIES=0/' \
    -e 's/^KEEPALIVE=.*/KEEPALIVE=5/' -e 's/^PROBE=.*/PROBE=/' \
    "$T/conf.good" > "$W/worker.conf"
cp "$W/worker.conf" "$T/conf.closed"
run bb-worker once "$W"
is "$rc" 75 "MAXRETRIES=0 KEEPALIVE=5: accepted, passed on; no hub: 75"
like "$err" "cannot reach the hub (status 75)" "and says so"
unlike "$err" "unknown\|usage" "bb-connect takes what they give"
sed 's/^MAXRETRIES=.*/MAXRETRIES=x/' "$T/conf.closed" > "$W/worker.conf"
run bb-worker once "$W"
is "$rc" 78 "MAXRETRIES=x: 78"
like "$err" "MAXRETRIES=x is not a number" "and says so"
sed 's|^HUB=.*|HUB=http://127.0.0.1:1|' "$T/conf.closed" > "$W/worker.conf"
run bb-worker once "$W"
is "$rc" 78 "a plain http hub without ALLOW_HTTP: 78"
like "$err" "set ALLOW_HTTP=1" "the message names the setting"
unlike "$err" " -p" "not bb-connect's option"

# Every setting bb-worker(8) documents is in a new worker.conf, and is
# one that bb-worker reads; every one it reads is documented.
documented=$(sed -n '/^\.Sh SETTINGS/,/^\.Sh /s/^\.It Ev //p' \
    "$BB_SRC/man/bb-worker.8" | tr -d ' ' | tr ',' '\n' | sort)
made=$(sed -n 's/^\([A-Z_]*\)=.*/\1/p' "$T/conf.good" | sort)
read=$(sed -n 's/^\t\t\([A-Z_]*\)=\*)[ \t].*/\1/p' "$BB_SRC/cmd/bb-worker.sh" |
    sort)
ok "$([ "$(printf '%s\n' "$documented" | wc -l)" -ge 20 ]; echo $?)" \
    "bb-worker(8) lists the settings"
is "$made" "$documented" "create-worker writes every documented setting"
is "$read" "$documented" "bb-worker reads every documented setting, no other"

# The stages are found beside bb-worker, else in the BINDIR it was built
# for, with no help from PATH.
mkdir "$T/lone" "$T/elsewhere"
sed "s|@BINDIR@|$T/nowhere|g" "$BB_SRC/cmd/bb-worker.sh" > "$T/lone/bb-worker"
sed "s|@BINDIR@|$BB_BIN|g" "$BB_SRC/cmd/bb-worker.sh" > "$T/elsewhere/bb-worker"
cp "$T/conf.closed" "$W/worker.conf"
env -i PATH=/usr/bin:/bin sh "$T/lone/bb-worker" once "$W" 2>"$T/err"
is "$?" 69 "no stages beside it, in BINDIR or PATH: 69"
like "$(cat "$T/err")" "bb-connect: not found beside $T/lone/bb-worker" \
    "and says where it looked"
env -i PATH=/usr/bin:/bin sh "$T/elsewhere/bb-worker" once "$W" 2>"$T/err"
is "$?" 75 "stages in its BINDIR: found (and no hub: 75)"
env -i PATH=/usr/bin:/bin "$BB_BIN/bb-worker" once "$W" 2>"$T/err"
is "$?" 75 "stages beside it: found"
cp "$T/conf.good" "$W/worker.conf"

# create-worker gives the terminal its modes back when a signal ends it
# while it reads the secret without echo.
if command -v script >/dev/null; then
	cat > "$T/tty.sh" <<'EOS'
exec 3<&0
env --default-signal=INT bb-worker create-worker "$1" https://h w1 <&3 2>/dev/null &
p=$!
i=0
until stty -a | grep -q -- ' -echo ' || [ $i -ge 400 ]; do
	i=$((i + 1))
	sleep 0.05
done
stty -a | grep -q -- ' -echo ' && echo echo-off
kill -"$2" $p
wait $p
echo "rc=$?"
stty -a | grep -q -- ' echo ' && echo echo-on
EOS
	mkfifo "$T/keys"
	for sig in INT TERM HUP; do
		# A terminal whose keyboard is silent: script(1) reads a FIFO
		# that this shell holds open.
		out=$(exec 7<>"$T/keys"; script -qec "sh '$T/tty.sh' '$T/tty$sig' $sig" /dev/null < "$T/keys" | tr -d '\r')
		like "$out" "echo-off" "create-worker turns echo off for the secret"
		like "$out" "echo-on" "SIG$sig: echo is back on"
	done
fi

# The example of bb-worker(8) that makes a worker's home, run as written
# but for its directories.
mandoc -Tutf8 "$BB_SRC/man/bb-worker.8" |
    sed "s/.\x08//g" |
    sed -n '/^EXAMPLES/,/^SEE ALSO/p' |
    sed -n '/^[[:space:]]*\(hub\|worker\)# /,/[^\\]$/p' |
    sed -e 's/^[[:space:]]*\(hub\|worker\)# //' -e "s|/var/lib/bb-hub|$T/hubx|g" \
    -e "s|/var/lib/bb|$T/wx|g" > "$T/example.sh"
is "$(grep -c '^bb-' "$T/example.sh")" 2 "bb-worker(8) shows add-worker and create-worker"
bb-hub init "$T/hubx" >/dev/null 2>&1
(cd "$T" && sh "$T/example.sh") > "$T/out" 2>&1
is "$?" 0 "the example runs"
ok "$([ -s "$T/builder1.secret" ] && cmp -s "$T/wx/secret" \
    "$T/builder1.secret"; echo $?)" "and the home holds the secret the hub made"

dash -n "$BB_BIN/bb-worker"
ok $? "bb-worker parses under dash"
if command -v shellcheck >/dev/null; then
	shellcheck -S warning "$BB_SRC/cmd/bb-worker.sh"
	ok $? "bb-worker passes shellcheck"
fi
done_testing
