#!/bin/sh
# The status page in a real browser: headless Chromium loads the hub's
# page and a running job's page, the log follows the build live (text in
# the DOM after the update), the queue says why a job waits, workers show
# their health and tools, artifacts link to their signatures, and the
# script runs under the page's Content-Security-Policy without an error.
#
# Screenshots at desktop and phone widths are kept for people to look at
# in $BB_BUILD/test-output/hub-page/ (build/test-output/hub-page/ after
# make check): index-desktop.png, index-phone.png, index-phone-dark.png,
# job-desktop.png, job-phone.png, job-done-desktop.png, with the text and
# HTML the browser had (*.txt, *.html).
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

CHROMIUM=${CHROMIUM:-chromium}
command -v "$CHROMIUM" >/dev/null 2>&1 ||
    skip_all "chromium is not installed (Debian package chromium)"
export CHROMIUM
OUT=${BB_BUILD:-$BB_SRC/build}/test-output/hub-page
mkdir -p "$OUT" && rm -f "$OUT"/*.png "$OUT"/*.txt "$OUT"/*.html

# cdp NAME: runs tests/cdp.pl with the commands on stdin, a fresh
# profile each time; its errors in $T/NAME.err.
cdp() {
	perl "$BB_SRC/tests/cdp.pl" "$T/chrome-$1" 2>"$T/$1.err"
	_rc=$?
	sed 's/^/#   /' "$T/$1.err"
	return $_rc
}

hub_init
hub_start -K 1s
mkdir -p "$T/cache"
bb-sign -G -p "$T/sign.pub" -s "$T/sign.sec" >/dev/null 2>&1
worker_make w1 SLOTS=2 CAPS=linux,make PROBE=tar CACHE_DIRS="$T/cache" \
    SIGN_KEY="$T/sign.sec" PACK=0
printf 'ops@example.org\n' >"$T/w1/info/admin"
printf 'build box 1, rack 4\n' >"$T/w1/info/host"
printf 'ssh://builder1.example.org\n' >"$T/w1/info/access_uri"
hub_add_worker w2
worker_start w1

# A build that succeeds with an artifact, one that fails.
mkdir -p "$T/src"
printf 'hello\n' >"$T/src/README"
hub_submit 'job hello
step build: echo building; echo "hello <world>" > hello.txt
collect hello.txt'
J1=$JOB
hub_submit 'job broken
step build: echo "cc: error: no such file" >&2; exit 3
step test: echo never'
J2=$JOB
wait_state 60 "$J2" failure
ok $? "two builds ran"
wait_state 60 "$J1" success

# A build that prints a line, waits for the test, prints another.
G=$T/cache
hub_submit "job follow
step prepare: echo preparing
step build: echo 'first line'; i=0; while [ ! -e $G/go ] && [ \$i -lt 1200 ]; do sleep 0.1; i=\$((i+1)); done; echo 'second line from the build'; i=0; while [ ! -e $G/end ] && [ \$i -lt 1200 ]; do sleep 0.1; i=\$((i+1)); done
step test: echo tested"
J3=$JOB
wait_for 60 sh -c "bb-hub log -d '$HUB_DIR' $J3 | grep -q 'first line'"
ok $? "the third build runs and prints its first line"
hub_submit 'job needs-docker
require docker
step build: docker build .'

# The pages take the admin token as the password of HTTP Basic
# authentication, which a browser asks for once and then sends with every
# request to the hub, the script's too.
BASIC="Basic $(printf 'admin:%s' "$HUB_ADMIN" | base64 -w0)"

cdp live <<EOF
header Authorization $BASIC
size 1280 900
open $HUB_URL/
wait 20 no worker with docker
text $OUT/index.txt
shot $OUT/index-desktop.png
size 390 844 mobile
open $HUB_URL/
shot $OUT/index-phone.png
scheme dark
shot $OUT/index-phone-dark.png
scheme light
size 1280 900
open $HUB_URL/jobs/$J3
wait 20 first line
text $OUT/job-before.txt
sh touch $G/go
wait 30 second line from the build
text $OUT/job-after.txt
html $OUT/job-after.html
shot $OUT/job-desktop.png
size 390 844 mobile
shot $OUT/job-phone.png
errors $OUT/errors.txt
EOF
ok $? "Chromium loads the status page and the running job's page"
touch "$G/go" "$G/end"
diag "screenshots: $OUT"

index=$(cat "$OUT/index.txt" 2>/dev/null)
like "$index" "follow" "the status page lists the running job"
like "$index" "build 2/3" "with its current step, of how many"
like "$index" "no worker with docker" "the queue says why needs-docker waits"
like "$index" "never seen" "a worker that never said hello"
like "$index" "ssh://builder1.example.org" "a worker's access_uri"
like "$index" "build box 1, rack 4" "its host"
like "$index" "1/2" "its slots in use"
like "$index" "broken" "recent builds"
before=$(cat "$OUT/job-before.txt" 2>/dev/null)
after=$(cat "$OUT/job-after.txt" 2>/dev/null)
like "$before" "first line" "the job's page shows the log so far"
unlike "$before" "second line" "before the build printed the rest"
like "$after" "second line from the build" \
    "the line the build printed later appears without a reload"
like "$after" "running" "the step runs"
is "$(cat "$OUT/errors.txt" 2>/dev/null)" "" \
    "no script error, nothing refused by the Content-Security-Policy"
unlike "$(cat "$OUT/job-after.html" 2>/dev/null)" "<script>" "no inline script"

# The finished build: steps, artifacts and their signatures.
wait_state 60 "$J3" success
ok $? "the followed build ends"
cdp finished <<EOF
header Authorization $BASIC
size 1280 900
open $HUB_URL/jobs/$J1
text $OUT/job-done.txt
html $OUT/job-done.html
shot $OUT/job-done-desktop.png
open $HUB_URL/jobs/$J2
text $OUT/job-failed.txt
EOF
ok $? "Chromium loads the finished jobs' pages"
done=$(cat "$OUT/job-done.txt" 2>/dev/null)
like "$done" "hello.txt" "the artifact is listed"
like "$(cat "$OUT/job-failed.txt" 2>/dev/null)" "cc: error: no such file" \
    "a failed build's log"
like "$(cat "$OUT/job-failed.txt" 2>/dev/null)" "test	skipped" \
    "the step after the failure was skipped"
# The links to download, as the page has them.
links=$(grep -o '<a download="" href="[^"]*">[^<]*</a>' "$OUT/job-done.html" |
    sed 's/<a download="" href="\([^"]*\)">\([^<]*\)<\/a>/\2 \1/; s/&amp;/\&/g')
like "$links" "^hello.txt $J1/artifacts/hello.txt?attempt=1$" "a link to download it"
like "$links" "^sig $J1/artifacts/hello.txt.sig?attempt=1$" \
    "and one to its signature"
like "$links" "^SHA256 $J1/artifacts/SHA256?attempt=1$" "the checksum list"
like "$links" "^sig $J1/artifacts/SHA256.sig?attempt=1$" "and its signature"
for f in hello.txt hello.txt.sig SHA256.sig; do
	curl -sSf -u "admin:$HUB_ADMIN" -o "$T/$f" \
	    "$HUB_URL/jobs/$J1/artifacts/$f?attempt=1" || break
done
ok $? "they download"
(cd "$T" && signify-openbsd -V -p sign.pub -m hello.txt -x hello.txt.sig &&
    signify-openbsd -C -p sign.pub -x SHA256.sig hello.txt) \
    >"$T/signify.out" 2>&1
ok $? "signify verifies the artifact and the signed checksum list"
sed 's/^/#   /' "$T/signify.out"
hub_done
