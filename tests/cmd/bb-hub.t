#!/bin/sh
# shellcheck disable=SC2154,SC2034  # rc, out, err, RUN_ENV: tests/lib.sh
# bb-hub's admin commands: output, errors and exit statuses.
. "${BB_SRC:-.}/tests/lib.sh"

D=$T/hub
run bb-hub
is "$rc" 64 "no command: exit 64"
is "$(printf '%s\n' "$err" | sed -n 1,2p)" "bb-hub: no command given
usage: bb-hub init dir" "saying so, then the usage on stderr"
like "$err" '^       bb-hub workers \[-r\] \[-d dir\]$' "the whole synopsis"
run bb-hub frobnicate
is "$rc" 64 "an unknown command: exit 64"
is "$(printf '%s\n' "$err" | head -1)" "bb-hub: 'frobnicate' is not a command" \
    "  naming it"
run bb-hub jobs -x
is "$rc" 64 "an unknown option: exit 64"
is "$err" "bb-hub: jobs: -x is not an option of jobs
usage: bb-hub jobs [-r] [-d dir] [-n limit] [-s state]" \
    "  naming it, then the command's usage alone"
run bb-hub cancel -r 1
is "$rc:$(printf '%s\n' "$err" | head -1)" \
    "64:bb-hub: cancel: -r is not an option of cancel" \
    "an option of another command: exit 64"
run bb-hub jobs -d
is "$rc:$(printf '%s\n' "$err" | head -1)" \
    "64:bb-hub: jobs: -d needs an argument" "an option without its argument"
run bb-hub show
is "$rc:$err" "64:bb-hub: show: no job given
usage: bb-hub show [-r] [-d dir] job" "a missing operand is named"
run bb-hub show 1 2
is "$rc:$(printf '%s\n' "$err" | head -1)" \
    "64:bb-hub: show: '2' is one argument too many" "so is one too many"
run bb-hub log x1
is "$rc:$(printf '%s\n' "$err" | head -1)" \
    "64:bb-hub: log: 'x1' is not a job number" "and a job that is no number"
run bb-hub submit recipe
is "$(printf '%s\n' "$err" | head -1)" "bb-hub: submit: no source given" \
    "submit without a source"
run bb-hub jobs -n 0
is "$rc:$(printf '%s\n' "$err" | head -1)" "64:bb-hub: jobs: -n 0: too small" \
    "a bad number names its option"
run bb-hub serve -N x hub
is "$rc:$(printf '%s\n' "$err" | head -1)" \
    "64:bb-hub: serve: -N x: invalid (0 to 1000000)" "serve -N x: exit 64"
run bb-hub serve
is "$rc:$(printf '%s\n' "$err" | head -1)" \
    "64:bb-hub: serve: no hub directory given" "serve without a directory"
run bb-hub init
is "$rc:$(printf '%s\n' "$err" | head -1)" \
    "64:bb-hub: init: no directory given" "init without a directory"

run bb-hub init "$D"
is "$rc:$out:$err" "0::" "init makes a hub directory"
is "$(stat -c %a "$D") $(stat -c %a "$D/admin.token") $(stat -c %a "$D/hub.db")" \
    "700 600 600" "the directory, token and database are private"
like "$(cat "$D/admin.token")" '^[0-9a-f]\{64\}$' "the admin token"
run bb-hub init "$D"
is "$rc" 73 "init over a hub: exit 73"
like "$err" "a hub directory already" "saying why"
run bb-hub init /proc/nope/hub
is "$rc" 73 "init where it cannot: exit 73"

run bb-hub jobs
is "$rc" 64 "no hub directory: exit 64"
like "$err" "use -d or set BB_HUB_DIR" "saying how to name one"
run bb-hub jobs -d "$T/none"
is "$rc" 66 "a missing hub directory: exit 66"
like "$err" "not a hub directory" "saying so"
mkdir "$T/bad" && echo garbage >"$T/bad/hub.db"
run bb-hub jobs -d "$T/bad"
is "$rc" 78 "a database that is not a hub's: exit 78"

run bb-hub add-worker -d "$D" builder-1
is "$rc" 0 "add-worker"
like "$out" '^[0-9a-f]\{64\}$' "prints the new secret"
unlike "$(cat "$D/hub.db"*)" "$out" "which the hub does not keep"
run bb-hub add-worker -d "$D" builder-1
is "$rc:$err" "65:bb-hub: worker builder-1 exists already" "a worker twice: exit 65"
run bb-hub add-worker -d "$D" 'bad name'
is "$rc" 65 "a bad worker name: exit 65"
RUN_ENV="BB_HUB_DIR=$D"
run bb-hub workers
is "$rc" 0 "workers (the directory from BB_HUB_DIR)"
is "$out" "NAME             CONN SLOTS VERSION  LAST SEEN            RUNNING      CAPS
builder-1        no   1     -        -                    -            -" \
    "one line per worker"
run bb-hub workers -r
like "$out" '^worker name=builder-1 caps= slots=1 version= os= arch= last_seen=0 connected=0 running=$' \
    "workers -r: records"

mkdir -p "$T/src"
echo hi >"$T/src/file"
printf 'job hello\nrequire linux\nstep build: make\n' >"$T/ok.recipe"
printf 'job hello\nstep build make\n' >"$T/bad.recipe"
run bb-hub submit "$T/ok.recipe" "$T/src"
is "$rc:$out" "0:1" "submit prints the job's number"
run bb-hub submit "$T/bad.recipe" "$T/src"
is "$rc" 65 "a bad recipe: exit 65"
like "$err" "bad.recipe:2: " "naming the file and line"
run bb-hub submit "$T/none.recipe" "$T/src"
is "$rc" 66 "a missing recipe: exit 66"
run bb-hub submit "$T/ok.recipe" "$T/none"
is "$rc" 66 "a missing source: exit 66"
(cd "$T/src" && bsdtar -czf "$T/src.tgz" file)
run bb-hub submit -a 5 "$T/ok.recipe" "$T/src.tgz"
is "$rc:$out" "0:2" "submit a tarball, with -a"
run bb-hub submit -a 0 "$T/ok.recipe" "$T/src.tgz"
is "$rc" 64 "-a 0: exit 64"

run bb-hub jobs
is "$out" "ID     STATE     AT WORKER           NAME
2      queued    0  -                hello
1      queued    0  -                hello" "jobs, newest first"
run bb-hub jobs -r -n 1
like "$out" '^job id=2 name=hello state=queued attempt=0 submitted=[0-9]* require=linux source=[0-9a-f]\{64\} size=[0-9]* attempts=5$' \
    "jobs -r -n 1: one record"
run bb-hub jobs -s nonsense
is "$rc" 64 "jobs -s with no such state: exit 64"
run bb-hub show 1
is "$rc" 0 "show"
like "$out" '^state      queued$' "shows the state"
like "$out" '^submitted  20[0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$' \
    "shows times as dates (UTC)"
like "$out" '^step       build: make$' "and the steps"
run bb-hub show 99
is "$rc:$err" "65:bb-hub: no job 99" "show an unknown job: exit 65"
run bb-hub show x1
is "$rc" 64 "show a job that is not a number: exit 64"
run bb-hub log 1
is "$rc:$out" "0:" "the log of a job that has not run is empty"
run bb-hub log 99
is "$rc" 65 "the log of an unknown job: exit 65"
run bb-hub cancel 1
is "$rc:$out:$err" "0::" "cancel"
like "$(bb-hub jobs -d "$D" -r -s cancelled)" '^job id=1 ' "the job is cancelled"
run bb-hub cancel 99
is "$rc" 65 "cancel an unknown job: exit 65"
run sh -c "bb-hub jobs -d '$D' >/dev/full"
is "$rc" 74 "stdout on /dev/full: exit 74"
like "$err" "cannot write to standard output" "saying so"
run sh -c "bb-hub jobs -d '$D' -r | head -c 1"
is "$rc:$err" "0:" "a reader that goes away is not an error"
run bb-hub remove-worker nobody
is "$rc" 65 "remove an unknown worker: exit 65"
run bb-hub remove-worker builder-1
is "$rc:$err" "0:" "remove-worker"
is "$(bb-hub workers -d "$D" -r)" "" "the worker is gone"

# submit -V and -P: the version and profile travel as the recipe's env.
printf 'job v\nenv VERSION=1.0\nstep build: make\n' >"$T/v.recipe"
run bb-hub submit -V 2.1 "$T/v.recipe" "$T/src"
is "$rc" 0 "submit -V"
id=$out
is "$(bb-hub show -d "$D" -r "$id" | grep '^env ')" "env name=VERSION value=2.1" \
    "-V replaces the recipe's VERSION"
run bb-hub submit -V 3.0 -P dev "$T/ok.recipe" "$T/src"
is "$(bb-hub show -d "$D" -r "$out" | grep '^env ')" "env name=VERSION value=3.0
env name=PROFILE value=dev" "-V and -P add them to a recipe without"
run bb-hub submit -V dev-1 "$T/ok.recipe" "$T/src"
is "$rc:$err" "64:bb-hub: $T/ok.recipe: version dev-1: a release refuses a dev- version (use the dev profile)" \
    "a release refuses a dev- version at submit"
run bb-hub submit -V dev-1 -P dev "$T/ok.recipe" "$T/src"
is "$rc" 0 "a dev build takes it"
printf 'job v\nenv VERSION=dev-2\nstep build: make\n' >"$T/dev.recipe"
run bb-hub submit "$T/dev.recipe" "$T/src"
is "$rc" 65 "a recipe of a release with a dev- VERSION: exit 65"
run bb-hub submit -P nightly "$T/ok.recipe" "$T/src"
is "$rc:$err" "64:bb-hub: $T/ok.recipe: profile nightly: expected release or dev" \
    "an unknown profile"
run bb-hub submit -V 'a/b' "$T/ok.recipe" "$T/src"
is "$rc" 64 "a version that cannot name a file"
run bb-hub jobs -V 1
is "$rc" 64 "-V is for submit only"

unset RUN_ENV
run bb-hub serve -K 10 -L 5 -l http://127.0.0.1:0 "$D"
is "$rc" 64 "a lease shorter than the keepalive: exit 64"
run bb-hub serve -K 1x "$D"
is "$rc" 64 "a bad duration: exit 64"
run bb-hub serve -l 127.0.0.1 "$D"
is "$rc" 64 "a listen address without a port: exit 64"
run bb-hub serve -l http://127.0.0.1:0 "$T/none"
is "$rc" 66 "serve a missing directory: exit 66"
run bb-hub serve -l http://256.1.1.1:0 "$D"
is "$rc" 64 "an address that does not resolve: exit 64"
done_testing
