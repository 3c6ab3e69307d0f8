#!/bin/sh
# bb-connect against a canned hub (nginx): hello, secrets, TLS, retries.
# shellcheck disable=SC2154,SC2034  # rc, out, err, body, RUN_ENV: tests/lib.sh, hub.sh
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/fakehub.sh"

SECRET=s3cr3t-Value-42
AUTH=$(printf 'w1:%s' "$SECRET" | base64)
HOST=$(hostname)
HAUTH=$(printf '%s:%s' "$HOST" "$SECRET" | base64)
ARCH=$(uname -m | tr 'A-Z' 'a-z')
CAPS=linux,$ARCH,os=linux,arch=$ARCH
printf '%s\n' "$SECRET" > "$T/secret"
chmod 600 "$T/secret"

fakehub_start hub <<EOF || exit 1
location = /v1/hello { proxy_pass http://127.0.0.1:@PORT@/canned/hello; }
location = /canned/hello {
	if (\$http_authorization = "Basic $AUTH") {
		return 200 "session worker=w1 token=T0K3N keepalive=30 ttl=90 wait=5 max_batch=1000\n";
	}
	if (\$http_authorization = "Basic $HAUTH") {
		return 200 "session token=T0K3N keepalive=30 ttl=90 wait=5\n";
	}
	add_header WWW-Authenticate 'Basic realm="bb"' always;
	return 401 "error status=401 reason=unauthorized msg=bad%20name%20or%20secret\n";
}
EOF
HUB=$FAKEHUB
lasthello() { grep '^POST /v1/hello ' "$FAKEHUB_LOG" | tail -1; }
# Every output of every run, to look for the secret at the end.
all() { cat "$T/out" "$T/err" >> "$T/all"; }

run bb-connect -x
all
is "$rc" 64 "unknown option: exit 64"
like "$err" "^usage: bb-connect \[-p\]" "usage on stderr"

run bb-connect -p -H "$HUB" -n w1 -s "$T/secret"
all
is "$rc" 0 "good secret: exit 0"
is "$out" "session hub=$HUB worker=w1 token=T0K3N keepalive=30 ttl=90 wait=5 max_batch=1000 slots=1 caps=$CAPS" \
    "session record with hub, slots and caps added"
is "$err" "" "nothing on stderr for a loopback http hub"
fakehub_wait '^POST /v1/hello ' 1
like "$(lasthello)" "body=hello version=[0-9.]* os=linux arch=$ARCH slots=1 caps=$CAPS" \
    "hello: version, os, arch, slots, caps"

run bb-connect -p -H "$HUB///" -n w1 -s "$T/secret" -j 4 -c docker,gpu:cuda
all
is "$rc" 0 "trailing slashes, -j, -c: exit 0"
like "$out" "^session hub=$HUB worker=" "trailing slashes removed from hub"
like "$out" " slots=4 caps=$CAPS,docker,gpu:cuda\$" "slots and caps"
fakehub_wait '^POST /v1/hello 200 ' 2
ok $? "the request went to /v1/hello"

# Wrong secret: 77 at once, not retried, with a clear message.
printf 'wrong\n' > "$T/wrong"
chmod 600 "$T/wrong"
WAUTH=$(printf 'w1:wrong' | base64)
run bb-connect -p -H "$HUB" -n w1 -s "$T/wrong"
all
is "$rc" 77 "wrong secret: exit 77"
is "$out" "" "wrong secret: nothing on stdout"
is "$err" "bb-connect: worker w1: name or secret refused: POST $HUB/v1/hello: status 401: bad name or secret" \
    "wrong secret: the message says so"
fakehub_wait "^POST /v1/hello .*auth=Basic $WAUTH " 1
is "$(grep -c "^POST /v1/hello .*auth=Basic $WAUTH " "$FAKEHUB_LOG")" 1 \
    "a refused secret is not retried"

# The secret's file must not be readable by others.
chmod 644 "$T/secret"
run bb-connect -p -H "$HUB" -n w1 -s "$T/secret"
all
is "$rc" 77 "secret readable by others: exit 77"
is "$err" "bb-connect: secret $T/secret: $T/secret: readable by others (mode 0644); chmod 600 it" \
    "secret readable by others: refused with a reason"
chmod 640 "$T/secret"
run bb-connect -p -H "$HUB" -n w1 -s "$T/secret"
is "$rc" 77 "secret readable by the group: exit 77"
chmod 600 "$T/secret"
run bb-connect -p -H "$HUB" -n w1 -s "$T/nonexistent"
all
is "$rc $err" "78 bb-connect: secret $T/nonexistent: $T/nonexistent: No such file or directory" \
    "missing secret file: exit 78"

# The secret from the environment, removed from it; from a descriptor.
RUN_ENV="BB_SECRET=$SECRET" run bb-connect -p -H "$HUB" -n w1
all
is "$rc" 0 "BB_SECRET: exit 0"
like "$out" "token=T0K3N" "BB_SECRET: session"
run sh -c 'exec bb-connect -p -H "$1" -n w1 -S 3 3<"$2"' sh "$HUB" "$T/secret"
all
is "$rc" 0 "-S 3 from a file: exit 0"
run sh -c 'printf %s "$2" | bb-connect -p -H "$1" -n w1 -S 3 3<&0 </dev/null' \
    sh "$HUB" "$SECRET"
all
is "$rc" 0 "-S 3 from a pipe: exit 0"
chmod 644 "$T/secret"
run sh -c 'exec bb-connect -p -H "$1" -n w1 -S 3 3<"$2"' sh "$HUB" "$T/secret"
all
is "$rc" 77 "-S on a file readable by others: exit 77"
chmod 600 "$T/secret"
run bb-connect -p -H "$HUB" -n w1
all
is "$rc $err" "64 bb-connect: no secret: give -s file, -S fd or BB_SECRET" \
    "no secret: exit 64"
run bb-connect -p -H "$HUB" -n w1 -s "$T/secret" -S 3
is "$rc" 64 "-s and -S: exit 64"
run bb-connect -p -H "$HUB" -n w1 -S 1
is "$rc" 64 "-S 1: exit 64"
printf '\n' > "$T/empty"
chmod 600 "$T/empty"
run bb-connect -p -H "$HUB" -n w1 -s "$T/empty"
all
is "$rc $err" "78 bb-connect: secret $T/empty: the secret is empty" \
    "empty secret: exit 78"

# Name, hub from the environment, default name.
RUN_ENV="BB_HUB=$HUB" run bb-connect -p -n w1 -s "$T/secret"
all
is "$rc" 0 "BB_HUB names the hub"
run bb-connect -p -H "$HUB" -s "$T/secret"
all
is "$rc" 0 "default name: exit 0"
like "$out" "^session hub=$HUB worker=$HOST token=T0K3N .* slots=1" \
    "the name defaults to the host name"
run bb-connect -p -H "$HUB" -n 'bad name' -s "$T/secret"
is "$rc" 64 "bad name: exit 64"
run bb-connect -p -H "$HUB" -n w1 -s "$T/secret" -j 0
is "$rc" 64 "-j 0: exit 64"
run bb-connect -p -H "$HUB" -n w1 -s "$T/secret" -c 'a b'
is "$rc" 64 "bad capability: exit 64"

# Plain http only when asked for; a warning unless on the loopback.
run bb-connect -H "$HUB" -n plain -s "$T/secret"
all
is "$rc" 64 "http without -p: exit 64"
like "$err" "plain http sends the secret unencrypted; use https, or -p" \
    "http without -p: the message says why"
PAUTH=$(printf 'plain:%s' "$SECRET" | base64)
nowhere "http without -p: nothing was sent" "auth=Basic $PAUTH" "$FAKEHUB_LOG"
ZHUB=$(echo "$HUB" | sed 's/127.0.0.1/0.0.0.0/')
run bb-connect -p -H "$ZHUB" -n w1 -s "$T/secret"
all
is "$rc" 0 "http to another host with -p: exit 0"
like "$err" "warning: $ZHUB is plain http: the secret and the session token travel unencrypted" \
    "http to another host: a warning"

# The hub built in (make HUB_URL=...) when neither -H nor BB_HUB says.
run bb-connect -n w1 -s "$T/secret" --maxretries 0
like "$err" "POST $(sed -n 's/^HUB_URL ?=[[:space:]]*//p' "$BB_SRC/Makefile")/v1/hello: " \
    "without -H or BB_HUB, the hub built in"

# Hub down: retried with backoff, then 75.
port=$(freeport)
run bb-connect -p -H "http://127.0.0.1:$port" -n w1 -s "$T/secret" \
    --maxretries 2 --maxdelay 1
all
is "$rc" 75 "hub down: exit 75"
is "$(grep -c 'trying again in 1 s' "$T/err")" 2 "hub down: two retries"
like "$(tail -1 "$T/err")" "POST http://127.0.0.1:$port/v1/hello: .*onnect" \
    "hub down: the last message names the hub"
run bb-connect -p -H "http://127.0.0.1:$port" -n w1 -s "$T/secret" \
    --maxretries x
is "$rc" 64 "--maxretries x: exit 64"

# Info and tools.
mkdir -p "$T/base/info" "$T/bin"
printf 'Ada <ada@example.org>\n' > "$T/base/info/admin"
printf '  Debian 12 on 2 cores\n\n' > "$T/base/info/host"
cat > "$T/bin/faketool" <<'EOF'
#!/bin/sh
echo "faketool (Fake Tools 9.9) 3.1.4"
EOF
printf '#!/bin/sh\nread x\necho "reader 1.0"\n' > "$T/bin/reader"
printf '#!/bin/sh\necho nothing\n' > "$T/bin/noversion"
chmod 755 "$T/bin/"*
PATH=$T/bin:$PATH run bb-connect -p -H "$HUB" -n w1 -s "$T/secret" \
    -b "$T/base" --probe faketool,reader,noversion,missingtool
all
is "$rc" 0 "-b and --probe: exit 0"
fakehub_wait 'body=hello.*faketool' 1
body=$(grep 'body=hello.*faketool' "$FAKEHUB_LOG")
like "$body" 'info name=admin value=Ada%20<ada@example.org>' \
    "info admin sent"
like "$body" 'info name=host value=Debian%2012%20on%202%20cores\\x0A' \
    "info host sent, trimmed"
like "$body" "tool name=faketool version=3.1.4 path=$T/bin/faketool" \
    "tool version probed"
like "$body" "tool name=reader version=1.0 " "a tool that reads gets nothing"
like "$body" "caps=$CAPS,faketool,reader[^,]" \
    "the tools that answered are offered as capabilities"
unlike "$body" "caps=[^ ]*missingtool" "a missing tool is not"
like "$err" "probe .*noversion --version: no version in its output" \
    "a tool without a version: warning"
like "$err" "probe missingtool: not found" "a missing tool: warning"
run bb-connect -p -H "$HUB" -n w1 -s "$T/secret" --probe '../x'
is "$rc" 64 "--probe with a path: exit 64"
head -c 5000 /dev/zero | tr '\0' x > "$T/base/info/access_uri"
run bb-connect -p -H "$HUB" -n w1 -s "$T/secret" -b "$T/base"
is "$rc $err" "78 bb-connect: $T/base/info/access_uri: too large (over 4096 bytes)" \
    "an over-long info file: exit 78"

# The hub answers garbage.
fakehub_start bad <<'EOF' || exit 1
location = /v1/hello { return 200 "session worker=w1 keepalive=30 ttl=90 wait=5\n"; }
location = /x/v1/hello { return 200 "this is not a record\n"; }
location = /y/v1/hello { return 200 "session token=T keepalive=0 ttl=90 wait=5\n"; }
location = /z/v1/hello { return 503 "error status=503 msg=busy\n"; }
location = /p/v1/hello { return 400 "error status=400 reason=protocol msg=the%20worker%20speaks%20bb-protocol%201%20to%202,%20this%20hub%205%20to%206:%20upgrade%20the%20worker\n"; }
location = /q/v1/hello { return 200 "session token=T keepalive=30 ttl=90 wait=5 protocol=9\n"; }
EOF
run bb-connect -p -H "$FAKEHUB" -n w1 -s "$T/secret"
is "$rc $err" "76 bb-connect: POST $FAKEHUB/v1/hello: the hub's session record has no token" \
    "an answer without a token: exit 76"
run bb-connect -p -H "$FAKEHUB/x" -n w1 -s "$T/secret"
is "$rc" 76 "an answer that is not a record: exit 76"
run bb-connect -p -H "$FAKEHUB/y" -n w1 -s "$T/secret"
is "$rc" 76 "keepalive=0: exit 76"
run bb-connect -p -H "$FAKEHUB/z/" -n w1 -s "$T/secret" --maxretries 1 \
    --maxdelay 1
is "$rc" 75 "503: exit 75 after the retries"
like "$err" "status 503: busy; trying again in 1 s" "503: retried"
run bb-connect -p -H "$FAKEHUB/p" -n w1 -s "$T/secret"
is "$rc" 78 "a hub that speaks no version of bb-protocol(7) the worker does: \
exit 78"
like "$err" "this hub 5 to 6: upgrade the worker" "  which says what to upgrade"
run bb-connect -p -H "$FAKEHUB/q" -n w1 -s "$T/secret"
is "$rc $err" "78 bb-connect: POST $FAKEHUB/q/v1/hello: the hub speaks \
bb-protocol 9 to 9, this worker 1 to 4: upgrade the worker" \
    "a session in a version the worker does not speak: exit 78"

# TLS with a CA made here.
fakehub_start tls tls <<EOF || exit 1
location = /v1/hello {
	if (\$http_authorization = "Basic $AUTH") {
		return 200 "session worker=w1 token=T0K3N keepalive=30 ttl=90 wait=5\n";
	}
	return 401 "error status=401 msg=no\n";
}
EOF
run bb-connect -H "$FAKEHUB" -n w1 -s "$T/secret" --maxretries 0
all
is "$rc" 75 "https, untrusted CA: exit 75"
like "$err" "the TLS certificate of 127.0.0.1 cannot be verified" \
    "https, untrusted CA: the message names the host"
run bb-connect -H "$FAKEHUB" -n w1 -s "$T/secret" --ca "$T/ca.pem"
all
is "$rc" 0 "https with --ca: exit 0"
is "$out" "session hub=$FAKEHUB worker=w1 token=T0K3N keepalive=30 ttl=90 wait=5 slots=1 caps=$CAPS ca=$T/ca.pem" \
    "https with --ca: the session names the CA"
mkdir "$T/cadir"
cp "$T/ca.pem" "$T/cadir/"
openssl rehash "$T/cadir" 2>/dev/null || c_rehash "$T/cadir" >/dev/null
run sh -c 'cd "$2" && exec bb-connect -H "$1" -n w1 -s secret --ca cadir' \
    sh "$FAKEHUB" "$T"
is "$rc" 0 "https with a CA directory: exit 0"
like "$out" " ca=$T/cadir\$" "the CA's path is made absolute"
pin=$(openssl x509 -in "$T/srv.pem" -pubkey -noout |
    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary |
    base64)
run bb-connect -H "$FAKEHUB" -n w1 -s "$T/secret" --ca "$T/ca.pem" \
    --pin "sha256//$pin"
is "$rc" 0 "the right pin: exit 0"
like "$out" " pin=sha256//$pin\$" "the session carries the pin"
run bb-connect -H "$FAKEHUB" -n w1 -s "$T/secret" --ca "$T/ca.pem" \
    --pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" \
    --maxretries 0
is "$rc" 75 "a wrong pin: exit 75"
like "$err" "the public key of 127.0.0.1 is not the pinned one" \
    "a wrong pin: the message says so"
run bb-connect -H "$FAKEHUB" -n w1 -s "$T/secret" --ca "$T/nonexistent"
is "$rc" 78 "--ca of a missing file: exit 78"
run bb-connect -H "$FAKEHUB" -n w1 -s "$T/secret" --pin md5//x
is "$rc" 64 "--pin without sha256//: exit 64"

run sh -c 'bb-connect -H "$1" -n w1 -s "$2" --ca "$3" >/dev/full' sh \
    "$FAKEHUB" "$T/secret" "$T/ca.pem"
is "$rc $err" "74 bb-connect: stdout: No space left on device" \
    "stdout on /dev/full: exit 74"

# While it waits for the hub, the secret is in neither its environment
# nor its command line.
blackhole || exit 1
env -i PATH="$PATH" BB_SECRET="$SECRET" bb-connect -p -H "$BLACKHOLE" -n w1 \
    > "$T/bg.out" 2> "$T/bg.err" &
pid=$!
wait_for 30 grep -q accepted "$BLACKHOLE_LOG" && r=0 || r=1
ok $r "bb-connect waits for a silent hub"
tr '\0' '\n' < "/proc/$pid/environ" > "$T/environ"
tr '\0' '\n' < "/proc/$pid/cmdline" > "$T/cmdline"
kill -TERM "$pid"
wait "$pid" 2>/dev/null || :
grep -q PATH= "$T/environ" && r=0 || r=1
ok $r "its environment was read"
nowhere "BB_SECRET is wiped from its environment" "$SECRET" \
    "$T/environ" "$T/cmdline"
nowhere "and removed" BB_SECRET "$T/environ"

# The secret was never printed, and never on a command line.
test -s "$T/all"
ok $? "outputs were collected"
nowhere "the secret never appears on stdout or stderr" "$SECRET" "$T/all"
nowhere "nor its Basic form" "$AUTH" "$T/all"

done_testing
