#!/bin/sh
# shellcheck disable=SC2154,SC2034  # rc, out, err, RUN_ENV: tests/lib.sh
# bb-hub fetch: a job's artifacts in one command, from the hub directory
# or from anywhere by URL with a token (never on the command line), each
# checked against its digest, ready for sha256sum -c.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

hub_init
hub_start -K 2s
worker_make w1 PACK=0
mkdir "$T/src"
printf 'job hello\nstep build: %s\ncollect out.txt more.txt sub/deep.txt\n' \
    'echo hello > out.txt; echo more > more.txt; mkdir sub; echo deep > sub/deep.txt' \
    >"$T/hello.recipe"
JOB=$(bb-hub submit -d "$HUB_DIR" "$T/hello.recipe" "$T/src")
bb-worker once "$T/w1" 2>>"$T/w1.log"
is "$(job_state "$JOB")" success "a build with artifacts"
bb-hub show -r -d "$HUB_DIR" "$JOB" | grep '^artifact ' >"$T/arts"
n=$(wc -l <"$T/arts")
is "$n" 3 "  three of them, one in a directory"

# On the hub's machine.
cd "$T" || exit 1
run bb-hub fetch -d "$HUB_DIR" -o got "$JOB"
is "$rc:$err" "0:" "bb-hub fetch -o got: exit 0"
is "$(printf '%s\n' "$out" | wc -l)" "$n" "  one line per file"
like "$out" "^got/out.txt$" "  each the path it wrote"
is "$(cat got/out.txt)" hello "out.txt holds what the build wrote"
like "$out" "^got/sub/deep.txt$" "  a name that is a path"
is "$(cat got/sub/deep.txt)" deep "  gets its directory"
sed 's/.* name=\([^ ]*\) .* sha256=\([^ ]*\).*/\2  \1/' "$T/arts" >"$T/SHA256"
ok "$(cd got && sha256sum -c --quiet "$T/SHA256"; echo $?)" \
    "sha256sum -c of the digests the hub shows passes on what it fetched"
while read -r _ line; do
	name=$(printf '%s\n' "$line" | rec_get name)
	sha=$(printf '%s\n' "$line" | rec_get sha256)
	is "$(sha256sum <"got/$name" | cut -c1-64)" "$sha" \
	    "  $name has the digest the hub recorded"
done <"$T/arts"
run bb-hub fetch -d "$HUB_DIR" -o got "$JOB"
is "$rc" 0 "fetched again: exit 0, the files there kept"
(mkdir here && cd here && BB_HUB_DIR=$HUB_DIR bb-hub fetch "$JOB" \
    >"$T/here.out")
is "$(sort "$T/here.out" | head -1)" "$(cd got && ls | sort | head -1)" \
    "without -o, into the current directory (BB_HUB_DIR)"

# From anywhere: the URL and a token in a file, or in BB_HUB_TOKEN.
(umask 077 && cp "$HUB_DIR/admin.token" "$T/token")
run bb-hub fetch -H "$HUB_URL" -t "$T/token" -o remote "$JOB"
is "$rc:$err" "0:" "bb-hub fetch -H URL -t file: exit 0"
ok "$(diff -r got remote >/dev/null; echo $?)" \
    "  the same files as on the hub's machine"
RUN_ENV="BB_HUB_TOKEN=$HUB_ADMIN"
run bb-hub fetch -H "$HUB_URL" -o remote2 "$JOB"
is "$rc" 0 "the token in BB_HUB_TOKEN"
unset RUN_ENV
run bb-hub fetch -H "$HUB_URL" -o remote3 "$JOB"
is "$rc" 64 "no token: exit 64"
like "$err" "needs a token: -t file or BB_HUB_TOKEN" "  saying where it goes"
echo wrongwrongwrongwrong >"$T/wrong"
chmod 600 "$T/wrong"
run bb-hub fetch -H "$HUB_URL" -t "$T/wrong" -o remote3 "$JOB"
is "$rc" 77 "a wrong token: exit 77"
cp "$T/token" "$T/open"
chmod 644 "$T/open"
run bb-hub fetch -H "$HUB_URL" -t "$T/open" -o remote3 "$JOB"
is "$rc" 77 "a token file others can read: exit 77"
like "$err" "open" "  naming it"
run bb-hub fetch -H "$HUB_URL" -t "$T/token" 999
is "$rc:$err" "65:bb-hub: no job 999" "an unknown job, by URL: exit 65"
run bb-hub fetch -d "$HUB_DIR" 999
is "$rc:$err" "65:bb-hub: no job 999" "  and on the hub"
run bb-hub fetch -d "$HUB_DIR" -a 2 "$JOB"
is "$rc:$err" "65:bb-hub: job $JOB has no artifacts of attempt 2" \
    "an attempt without artifacts: exit 65"
run bb-hub fetch -d "$HUB_DIR" -H "$HUB_URL" "$JOB"
is "$rc:$(printf '%s\n' "$err" | head -1)" \
    "64:bb-hub: fetch: -d and -H exclude each other" "-d and -H: exit 64"
run bb-hub fetch -d "$HUB_DIR" "job$JOB"
is "$(printf '%s\n' "$err" | head -1)" \
    "bb-hub: fetch: 'job$JOB' is not a job number" "a bad job number is named"

# A job that has not run yet, or runs, has nothing to fetch: it says so.
Q=$(printf 'job later\nstep a: true\n' | bb-hub submit -d "$HUB_DIR" - "$T/src")
run bb-hub fetch -d "$HUB_DIR" -o none "$Q"
is "$rc:$err" "65:bb-hub: job $Q has no artifacts: it has not run yet" \
    "a queued job: exit 65, saying it has not run"
run bb-hub fetch -H "$HUB_URL" -t "$T/token" -o none "$Q"
is "$rc:$err" "65:bb-hub: job $Q has no artifacts: it has not run yet" \
    "  by URL too"
bb-hub cancel -d "$HUB_DIR" "$Q"

# A blob that changed on the hub is not handed on.
sha=$(grep ' name=out.txt ' "$T/arts" | rec_get sha256)
b=$HUB_DIR/blobs/$(echo "$sha" | cut -c1-2)/$sha
chmod 600 "$b"
echo tampered >"$b"
run bb-hub fetch -d "$HUB_DIR" -o bad "$JOB"
is "$rc" 65 "a blob that does not match its digest: exit 65"
like "$err" "out.txt: .* not 6 of $sha as the hub recorded" "  saying so"
ok "$([ ! -e bad/out.txt ]; echo $?)" "  and out.txt is not written"
run bb-hub fetch -H "$HUB_URL" -t "$T/token" -o bad2 "$JOB"
is "$rc:$err" "65:bb-hub: out.txt: more than the 6 bytes the hub recorded" \
    "by URL too: exit 65"
ok "$([ ! -e bad2/out.txt ]; echo $?)" "  and nothing written"
hub_done
