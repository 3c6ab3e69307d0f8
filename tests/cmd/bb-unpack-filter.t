#!/bin/sh
# bb-unpack as a filter, against a real HTTP(S) server on the loopback
# (nginx, standing in for the hub): records passed through, the source
# downloaded and checked before extraction, workdir printed; refusals,
# a server down, tokens kept to the hub's origin, TLS with a test CA.
# shellcheck disable=SC2154 # run sets rc, out and err
. "${BB_SRC:-.}/tests/lib.sh"

umask 022
M=$BB_BUILD/tests/tools/mkarchive
NG=$T/ng
WWW=$T/www
WK=$T/work
mkdir -p "$NG/tmp" "$WWW/v1/jobs/1" "$WWW/prefix/v1/jobs/1" "$WWW/other" \
    "$WWW/slow" "$WK" "$T/canary"
echo precious >"$T/canary/t"

printf 'dir src\ntext src/hello.c hello\nfile src/big.txt 0644 20000\nsymlink src/l hello.c\nfile configure 0755 50\n' |
    "$M" -z gzip "$WWW/v1/jobs/1/source"
cp "$WWW/v1/jobs/1/source" "$WWW/prefix/v1/jobs/1/source"
cp "$WWW/v1/jobs/1/source" "$WWW/other/src.tar.gz"
size=$(stat -c %s "$WWW/v1/jobs/1/source")
sha=$(sha256sum "$WWW/v1/jobs/1/source" | cut -d' ' -f1)
echo "file $T/canary/pwned 0644 3" | "$M" "$WWW/v1/jobs/1/evil"
esize=$(stat -c %s "$WWW/v1/jobs/1/evil")
esha=$(sha256sum "$WWW/v1/jobs/1/evil" | cut -d' ' -f1)
echo 'file f 0644 2000000' | "$M" "$WWW/slow/src.tar"
ssize=$(stat -c %s "$WWW/slow/src.tar")
ssha=$(sha256sum "$WWW/slow/src.tar" | cut -d' ' -f1)

# A test CA, and a certificate for 127.0.0.1 that it signs.
test_ca
pin=sha256//$(openssl x509 -in "$T/srv.pem" -pubkey -noout |
    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary |
    base64)

# nginx on three fresh ports: the hub (P1, http), another origin (P2),
# the hub over TLS (P3); DOWN is a port where nothing listens.
write_conf() {
	cat >"$NG/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 64; }
http {
	log_format bb '\$server_port \$connection \$request_method \$uri auth=\$http_authorization lease=\$http_bb_lease';
	access_log $NG/access.log bb;
	client_body_temp_path $NG/tmp/body;
	proxy_temp_path $NG/tmp/proxy;
	fastcgi_temp_path $NG/tmp/fastcgi;
	uwsgi_temp_path $NG/tmp/uwsgi;
	scgi_temp_path $NG/tmp/scgi;
	default_type application/octet-stream;
	root $WWW;
	server {
		listen 127.0.0.1:$P1;
		location = /ping { return 200 "ok\n"; }
		location /v1/ {
			if (\$http_authorization != "Bearer tok-1") {
				return 401 "error status=401 msg=bad%20token\n";
			}
			if (\$http_bb_lease != "lease-1") {
				return 409 "error status=409 msg=stale%20lease\n";
			}
		}
		location /fail/ { return 503 "error status=503 msg=busy\n"; }
		location /gone/ { return 410 "error status=410 msg=cancelled\n"; }
		location /redirect/ { return 302 http://127.0.0.1:$P2/other/src.tar.gz; }
		location /slow/ { limit_rate 20k; }
	}
	server {
		listen 127.0.0.1:$P2;
	}
	server {
		listen 127.0.0.1:$P3 ssl;
		ssl_certificate $T/srv.pem;
		ssl_certificate_key $T/srv.key;
		location /v1/ {
			if (\$http_authorization != "Bearer tok-1") {
				return 401 "error status=401 msg=bad%20token\n";
			}
		}
	}
}
EOF
}
ngpid=
cleanup 'kill $ngpid 2>/dev/null; wait $ngpid 2>/dev/null'
for _ in 1 2 3; do
	# shellcheck disable=SC2046
	set -- $("$BB_BUILD/tests/tools/freeport" 4)
	P1=$1 P2=$2 P3=$3 DOWN=$4
	write_conf
	nginx -p "$NG" -c "$NG/nginx.conf" -e "$NG/error.log" \
	    >>"$NG/start.log" 2>&1 &
	ngpid=$!
	wait_for 20 curl -sf "http://127.0.0.1:$P1/ping" && break
	kill "$ngpid" 2>/dev/null
	wait "$ngpid" 2>/dev/null
	ngpid=
done
[ -n "$ngpid" ] || { cat "$NG/start.log" "$NG/error.log"; exit 1; }
HUB=http://127.0.0.1:$P1

session="session hub=$HUB worker=w1 token=tok-1 keepalive=30 slots=1"
job="job id=1 lease=lease-1 name=hello attempt=1 source=/v1/jobs/1/source size=$size sha256=$sha"

# unpack INPUT [OPTIONS]: bb-unpack -d WK -r 0 OPTIONS < INPUT.
unpack() {
	printf '%s\n' "$1" >"$T/in"
	shift
	run bb-unpack -d "$WK" -r 0 "$@" <"$T/in"
}

# The canary and the work root as they must stay after a failure.
untouched() {
	is "$(ls -A "$T/canary") $(ls -A "$WK")" "t " \
	    "$1: nothing outside, nothing left in the work root"
}

tree() {
	(cd "$1" && find . -printf '%p %y %m\n' | sort)
}
want_tree=". d 755
./configure f 755
./src d 755
./src/big.txt f 644
./src/hello.c f 644
./src/l l 777"

# A good download: records through, workdir after the job, the tree.
unpack "hello a=1
$session
$job
step name=build run=make%20all"
is "$rc $err" "0 " "good download: exit 0"
is "$out" "hello a=1
$session
$job
workdir path=$WK/1-1
step name=build run=make%20all" "records passed on, workdir after the job"
is "$(tree "$WK/1-1")" "$want_tree" "the tree"
is "$(cat "$WK/1-1/src/hello.c")" "hello" "a file's content"
is "$(ls -A "$WK")" "1-1" "the download is gone"

is "$(grep "^$P1 .* /v1/jobs/1/source " "$NG/access.log" |
    sed 's/^[0-9]* [0-9]* //')" \
    "GET /v1/jobs/1/source auth=Bearer tok-1 lease=lease-1" \
    "token and lease sent to the hub"

# bb-claim prints the job, then passes the session on: the job waits.
rm -rf "${WK:?}/1-1"
unpack "$job
step name=build run=make%20all
$session"
is "$rc $err" "0 " "job before session: exit 0"
is "$out" "$job
step name=build run=make%20all
$session
workdir path=$WK/1-1" "the job is unpacked once the session is seen"
is "$(tree "$WK/1-1")" "$want_tree" "job before session: the tree"
rm -rf "${WK:?}/1-1"
rm -rf "${WK:?}"/*

# Two jobs on one connection (keep-alive), each in its own directory.
: >"$NG/access.log"
unpack "$session
job id=1 lease=lease-1 attempt=2 source=/v1/jobs/1/source size=$size sha256=$sha
job id=1 lease=lease-1 attempt=3 source=/v1/jobs/1/source size=$size sha256=$sha"
is "$rc $(ls "$WK" | tr '\n' ' ')" "0 1-2 1-3 " "two jobs, two work directories"
is "$(cut -d' ' -f2 "$NG/access.log" | sort -u | wc -l)" 1 \
    "one connection for both downloads"
rm -rf "${WK:?}"/*

# The work directory is never reused.
mkdir "$WK/1-1"
echo mine >"$WK/1-1/keep"
unpack "$session
$job"
is "$rc $err" "73 bb-unpack: job 1: $WK/1-1: exists; a work directory is never reused" \
    "an existing work directory: exit 73"
is "$(ls -A "$WK/1-1") $(cat "$WK/1-1/keep")" "keep mine" "  left alone"
like "$out" "^error tool=bb-unpack msg=job%201:%20" "  and an error record"
rm -rf "${WK:?}"/*

# Size and sha256 are checked before anything is extracted.
bad=$(echo "$sha" | tr 0-9a-f 1-9a-f0)
unpack "$session
job id=1 lease=lease-1 attempt=1 source=/v1/jobs/1/source size=$size sha256=$bad"
is "$rc $err" "65 bb-unpack: job 1: source: sha256 $sha, not the sha256=$bad the job gives" \
    "wrong sha256: exit 65"
is "$(echo "$out" | tail -1)" \
    "error tool=bb-unpack msg=job%201:%20source:%20sha256%20$sha,%20not%20the%20sha256=$bad%20the%20job%20gives" \
    "  error record for the stages below"
untouched "wrong sha256"
unpack "$session
job id=1 lease=lease-1 attempt=1 source=/v1/jobs/1/source size=$((size + 1)) sha256=$sha"
is "$rc $err" "65 bb-unpack: job 1: source: $size bytes, not the size=$((size + 1)) the job gives" \
    "source shorter than its size: exit 65"
untouched "short source"
unpack "$session
job id=1 lease=lease-1 attempt=1 source=/v1/jobs/1/source size=$((size - 1)) sha256=$sha"
is "$rc $err" "65 bb-unpack: job 1: source: more than the size=$((size - 1)) bytes the job gives" \
    "source longer than its size: exit 65"
untouched "long source"

# A hostile source with the right digest is refused as a local one is.
unpack "$session
job id=1 lease=lease-1 attempt=1 source=/v1/jobs/1/evil size=$esize sha256=$esha"
is "$rc $err" "65 bb-unpack: job 1: source: $T/canary/pwned: refused: absolute path" \
    "hostile source: exit 65"
untouched "hostile source"

# Refusals and failures of the hub.
unpack "session hub=http://127.0.0.1:$DOWN token=tok-1
$job"
is "$rc" 75 "server down: exit 75"
like "$err" "^bb-unpack: job 1: source: GET http://127.0.0.1:$DOWN/v1/jobs/1/source: .*127.0.0.1" \
    "  message names the server"
untouched "server down"
unpack "session hub=http://127.0.0.1:$DOWN token=tok-1
$job" -r 1
is "$rc" 75 "server down, one retry: exit 75"
like "$err" "trying again in [0-9.]* s" "  says it tries again"
unpack "$session
job id=1 lease=lease-1 attempt=1 source=/fail/x size=$size sha256=$sha"
is "$rc $err" "75 bb-unpack: job 1: source: GET $HUB/fail/x: status 503: busy" \
    "503: exit 75"
unpack "session hub=$HUB token=tok-SECRET
$job"
is "$rc $err" "77 bb-unpack: job 1: source: GET $HUB/v1/jobs/1/source: status 401: bad token" \
    "token refused: exit 77"
unlike "$(printf '%s\n' "$out" | grep '^error ')" SECRET \
    "  the error record does not hold the token"
untouched "401"
unpack "$session
job id=1 lease=old attempt=1 source=/v1/jobs/1/source size=$size sha256=$sha"
is "$rc $err" "69 bb-unpack: job 1: source: GET $HUB/v1/jobs/1/source: status 409: stale lease" \
    "stale lease: exit 69"
unpack "$session
job id=1 lease=lease-1 attempt=1 source=/gone/x size=$size sha256=$sha"
is "$rc $err" "69 bb-unpack: job 1: source: GET $HUB/gone/x: status 410: cancelled" \
    "cancelled job: exit 69"
unpack "$session
job id=1 lease=lease-1 attempt=1 source=/v1/jobs/9/source size=$size sha256=$sha"
is "$rc $err" "76 bb-unpack: job 1: source: GET $HUB/v1/jobs/9/source: status 404" \
    "404: exit 76"
: >"$NG/access.log"
unpack "$session
job id=1 lease=lease-1 attempt=1 source=/redirect/x size=$size sha256=$sha"
is "$rc $err" "76 bb-unpack: job 1: source: GET $HUB/redirect/x: status 302 (redirects are not followed)" \
    "a redirect is not followed: exit 76"
is "$(cut -d' ' -f1,3,4 "$NG/access.log")" "$P1 GET /redirect/x" \
    "  nothing asked of its target"
untouched "redirect"

# The token and lease go to the hub's origin only.
: >"$NG/access.log"
unpack "$session
job id=1 lease=lease-1 attempt=1 source=http://127.0.0.1:$P2/other/src.tar.gz size=$size sha256=$sha
job id=1 lease=lease-1 attempt=2 source=$HUB/v1/jobs/1/source size=$size sha256=$sha"
is "$rc $(ls "$WK" | tr '\n' ' ')" "0 1-1 1-2 " "absolute URLs, two origins"
is "$(sed 's/^\([0-9]*\) [0-9]* /\1 /' "$NG/access.log")" \
    "$P2 GET /other/src.tar.gz auth=- lease=-
$P1 GET /v1/jobs/1/source auth=Bearer tok-1 lease=lease-1" \
    "no token or lease to another origin; both to the hub's"
rm -rf "${WK:?}"/*

# A hub URL with a path and a trailing slash.
unpack "session hub=$HUB/prefix/ token=tok-1
$job"
is "$rc $out" "0 session hub=$HUB/prefix/ token=tok-1
$job
workdir path=$WK/1-1" "hub with a path: the source is under it"
rm -rf "${WK:?}"/*

# Input errors.
unpack "$job"
is "$rc $err" "65 bb-unpack: job 1: source: GET: /v1/jobs/1/source: a path, and there is no hub to resolve it against" \
    "a relative source and no session: exit 65"
untouched "no session"
unpack "hello a=1
bad line"
is "$rc $err" "65 bb-unpack: stdin: line 2: bad field at byte 5: \"line\"" \
    "malformed record: exit 65"
is "$out" "hello a=1
error tool=bb-unpack msg=stdin:%20line%202:%20bad%20field%20at%20byte%205:%20\"line\"" \
    "  records before it passed on, then an error record"
unpack "session token=tok-1
$job"
is "$rc $err" "65 bb-unpack: line 1: session: no hub" "a session with no hub: exit 65"
unpack "job id=../1 attempt=1 source=/s size=1 sha256=$sha"
is "$rc" 65 "a job id that is not a directory name: exit 65"
like "$err" "^bb-unpack: line 1: job: id missing, or not 1 to 64" "  message"
printf '%s\n%s\n' "$session" "$job" >"$T/in"
run sh -c 'bb-unpack -d "$1" <"$2" >/dev/full' sh "$WK" "$T/in"
is "$rc $err" "74 bb-unpack: stdout: No space left on device" \
    "stdout on /dev/full: exit 74"
untouched "/dev/full"

# TLS: the test CA with --ca; without it, a clear error naming the host.
tls="session hub=https://127.0.0.1:$P3 token=tok-1
$job"
unpack "$tls" --ca "$T/ca.pem"
is "$rc $(ls "$WK")" "0 1-1" "https with --ca"
rm -rf "${WK:?}"/*
unpack "$tls"
is "$rc" 75 "https without --ca: exit 75"
like "$err" "^bb-unpack: job 1: source: GET https://127.0.0.1:$P3/v1/jobs/1/source: the TLS certificate of 127.0.0.1 cannot be verified: " \
    "  names the host"
untouched "untrusted certificate"
unpack "$tls" --ca "$T/ca.pem" --pin "$pin"
is "$rc $(ls "$WK")" "0 1-1" "https with --ca and the right --pin"
rm -rf "${WK:?}"/*
unpack "$tls" --ca "$T/ca.pem" \
    --pin sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
is "$rc $err" "75 bb-unpack: job 1: source: GET https://127.0.0.1:$P3/v1/jobs/1/source: the public key of 127.0.0.1 is not the pinned one" \
    "a wrong --pin: exit 75"
untouched "wrong pin"
unpack "session hub=https://127.0.0.1:$P3 token=tok-1
job id=1 lease=lease-1 attempt=1 source=$HUB/v1/jobs/1/source size=$size sha256=$sha" \
    --ca "$T/ca.pem"
is "$rc $err" "65 bb-unpack: job 1: source: GET: $HUB/v1/jobs/1/source: plain http is not allowed here" \
    "an https hub never leads to plain http"
untouched "no downgrade"
unpack "$tls" --ca "$T/nonexistent.pem"
is "$rc $err" "78 bb-unpack: line 1: session: CA $T/nonexistent.pem: No such file or directory" \
    "a missing --ca: exit 78"
unpack "$tls" --pin sha256//short
is "$rc" 78 "a bad --pin: exit 78"

# Killed in the middle of a slow download: nothing is left.
printf '%s\njob id=1 lease=lease-1 attempt=1 source=/slow/src.tar size=%s sha256=%s\n' \
    "$session" "$ssize" "$ssha" >"$T/in"
env -i PATH="$PATH" bb-unpack -d "$WK" <"$T/in" >"$T/out" 2>"$T/err" &
upid=$!
wait_for 20 test -d "$WK/1-1" && r=0 || r=1
ok $r "slow download started"
kill -TERM "$upid"
wait "$upid" 2>/dev/null && r=0 || r=$?
is "$r $(cat "$T/err")" "143 " "SIGTERM: dies of the signal, quietly"
untouched "SIGTERM"

# The download streams to disk: memory stays small for a large source.
if [ "${BB_SAN:-0}" != 1 ]; then
	echo 'file big 0644 67108864' | "$M" "$WWW/v1/jobs/1/large"
	lsize=$(stat -c %s "$WWW/v1/jobs/1/large")
	lsha=$(sha256sum "$WWW/v1/jobs/1/large" | cut -d' ' -f1)
	printf '%s\njob id=1 lease=lease-1 attempt=1 source=/v1/jobs/1/large size=%s sha256=%s\n' \
	    "$session" "$lsize" "$lsha" >"$T/in"
	run /usr/bin/time -f %M -o "$T/rss" bb-unpack -d "$WK" <"$T/in"
	is "$rc" 0 "64 MiB source"
	rss=$(cat "$T/rss")
	[ "$rss" -lt 32768 ] && r=0 || r=1
	ok $r "  peak memory $rss KiB, under 32 MiB"
	rm -rf "${WK:?}"/* "$WWW/v1/jobs/1/large"
fi

done_testing
