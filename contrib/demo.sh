#!/bin/sh
# make demo: a local hub, a worker, and a real build of an example project.
#
#	sh contrib/demo.sh BINDIR
#
# Everything goes to ./demo (made afresh; DEMO_DIR=dir names another); the
# hub listens on a free port of 127.0.0.1 and is stopped at the end, so
# nothing is left running.
# DEMO_KEEP=1 keeps the hub serving its status page until Ctrl-C.
set -eu

bin=${1:?usage: contrib/demo.sh BINDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
PATH=$bin:$PATH
export PATH
D=${DEMO_DIR:-$top/demo}
example=$top/contrib/examples/hello

if [ -t 1 ]; then
	b=$(printf '\033[1m') n=$(printf '\033[0m')
else
	b='' n=''
fi
say() { printf '\n%s==> %s%s\n' "$b" "$*" "$n"; }

hub_pid=
stop_hub() {
	[ -n "$hub_pid" ] || return 0
	kill -TERM "$hub_pid" 2>/dev/null || :
	wait "$hub_pid" 2>/dev/null || :
	hub_pid=
}
trap stop_hub EXIT
trap 'exit 130' INT TERM HUP

rm -rf "$D"
mkdir -p "$D"

say "A hub: bb-hub init $D/hub; bb-hub serve on 127.0.0.1"
bb-hub init "$D/hub" >/dev/null
# Plain HTTP, on the loopback only: a hub elsewhere serves TLS (-c, -k).
bb-hub serve -l http://127.0.0.1:0 -w "$D/hub.url" "$D/hub" \
    2>"$D/hub.log" &
hub_pid=$!
i=0
until [ -s "$D/hub.url" ]; do
	i=$((i + 1))
	if [ "$i" -gt 100 ] || ! kill -0 "$hub_pid" 2>/dev/null; then
		echo "demo: the hub did not start; see $D/hub.log" >&2
		cat "$D/hub.log" >&2
		exit 1
	fi
	sleep 0.1
done
url=$(cat "$D/hub.url")
echo "listening on $url"

say "A worker: bb-hub add-worker | bb-worker create-worker"
bb-hub add-worker -d "$D/hub" demo-worker |
    bb-worker create-worker "$D/worker" "$url" demo-worker 2>/dev/null
# A demo on the loopback: plain http, one slot, no probing of tools.
sed -i -e 's/^ALLOW_HTTP=.*/ALLOW_HTTP=1/' -e 's/^SLOTS=.*/SLOTS=1/' \
    -e 's/^MIN_FREE=.*/MIN_FREE=10M/' "$D/worker/worker.conf"
echo "made $D/worker (worker.conf, secret mode 0600, info/, work/, spool/)"

say "A job: bb-hub submit hello.recipe contrib/examples/hello"
sed 's/^/    /' "$example/hello.recipe"
id=$(bb-hub submit -d "$D/hub" "$example/hello.recipe" "$example")
echo "queued as job $id"

say "The build: bb-worker once -v $D/worker"
set +e
bb-worker once -v "$D/worker"
wrc=$?
set -e

say "The result, as the hub has it: bb-hub show $id"
bb-hub show -d "$D/hub" "$id"

say "The artifacts: bb-hub fetch -o $D/artifacts $id"
bb-hub fetch -d "$D/hub" -o "$D/artifacts" "$id"
echo "each checked against the sha256 the worker reported; and by hand:"
(cd "$D/artifacts" && for f in *.sha256; do
	[ -e "$f" ] && sha256sum -c "$f"
done)

hub_token=$(cat "$D/hub/admin.token")
curl -sSf -b "bb_admin=$hub_token" -o "$D/status.html" "$url/"
curl -sSf -b "bb_admin=$hub_token" -o "$D/job-$id.html" "$url/jobs/$id"
say "The hub's status page"
echo "served at $url/ while the hub runs (a browser asks for a password:"
echo "any user name, the admin token in $D/hub/admin.token); copies in"
echo "$D/status.html and $D/job-$id.html"
if [ "${DEMO_KEEP:-0}" = 1 ]; then
	echo "the hub keeps serving at $url/ until Ctrl-C"
	wait "$hub_pid"
fi
stop_hub
echo
echo "demo: done (bb-worker exited $wrc); everything is in $D"
exit "$wrc"
