#!/bin/sh
# shellcheck disable=SC2154
# The README's "A tour" and "Run a farm", run as they are written: each
# section's commands (tests/manex.pl -s reads them out of the README, so
# that the two cannot drift apart) one after the other in a shell of its
# own, as a reader types them, each one failing if it exits other than 0
# or prints other than the README shows.  The tour runs the commands of
# the build under test.  The farm runs as root, as the README says: make
# install into a throwaway PREFIX, a hub with the certificate it makes on
# localhost at a port chosen at run time, the worker under runsv, the
# example project built, its artifacts fetched with bb-hub fetch and
# checked with sha256sum -c and signify -C, and the stages by hand.  What
# differs on a test machine is replaced, and nothing else: /tmp/tour and
# /tmp/farm by the test's directory, the port, `make install` by
# install-files of the build under test, and the user bb (which the test
# does not add) by the test's own.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/fakehub.sh"
. "$BB_SRC/tests/ex.sh"

# The reader's top of bb's tree, with what the commands read of it.
S=$T/src
mkdir -p "$S" "$T/home"
cp -R "$BB_SRC/contrib" "$S/"
export T BB_SRC

# section NAME SUBST [HOOKS]: runs the README's section NAME, with the
# replacements of the file SUBST (TEXT, a tab, REPLACEMENT) and the shell
# functions of the file HOOKS, in a shell of its own that starts at the
# top of the tree, within 5 minutes; a TAP line for each command.
section() {
	_id=$(printf '%s\n' "$1" | tr 'A-Z ' a-z-)
	(cd "$BB_SRC" && perl tests/manex.pl -s "$1" -r "$2" README) \
	    >"$T/$_id.sh" 2>"$T/$_id.err"
	is "$?:$(cat "$T/$_id.err")" "0:" "README, $1: its commands read"
	R=$T/$_id.result
	: >"$R"
	(cd "$S" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$T/home" \
	    LC_ALL=C T="$T" R="$R" BB_SRC="$BB_SRC" EX_MAX_STATUS=0 \
	    HOOKS="${3:-/dev/null}" timeout 300 sh -c '
		. "$BB_SRC/tests/ex.sh"
		. "$HOOKS"
		. "$1"
		jobs -p >"$R.jobs"
		while read -r p; do
			kill "$p"
		done <"$R.jobs"
		wait' sh "$T/$_id.sh")
	is "$?" 0 "README, $1: its shell ends"
	_n=$ex_total
	ex_tap "$R"
	ok "$([ $((ex_total - _n)) -ge "$4" ]; echo $?)" \
	    "README, $1: $((ex_total - _n)) commands ran"
}

printf '%s\t%s\n' \
    "\$PWD/build/bin" "$BB_BIN" \
    /tmp/tour "$T/tour" >"$T/tour.subst"
section "A tour" "$T/tour.subst" "" 10
like "$(cat "$T/tour/SHA256" 2>/dev/null)" "^SHA256 (dist/hello) = " \
    "the tour's signed list names the build's files"

farm() {
	for c in runsv sv svlogd chpst; do
		command -v "$c" >/dev/null || {
			skip "the farm: $c is not installed (apt-get install runit)"
			return
		}
	done
	if [ "$(id -u)" != 0 ]; then
		skip "the farm: it runs as root, as the README says"
		return
	fi
	U=$(id -un)
	F=$T/farm
	PORT=$(freeport)
	printf '%s\t%s\n' \
	    /tmp/farm "$F" \
	    8443 "$PORT" \
	    "make install" "env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C '$BB_SRC' O='$BB_BUILD' install-files" \
	    "useradd --system --no-create-home --shell /usr/sbin/nologin bb" : \
	    "-o bb -g bb" "-o $U -g $U" \
	    "chpst -u bb" "chpst -u $U" \
	    "USER=bb" "USER=$U" >"$T/farm.subst"
	# A reader waits for the job to end before fetching its artifacts
	# (the status page, bb-hub jobs); the test, 3 minutes at most.
	cat >"$T/farm.hooks" <<'EOF'
ex_before() {
	case $1 in
	"bb-hub fetch -d "*)
		_i=0
		while [ "$_i" -lt 3600 ] &&
		    [ -n "$(bb-hub jobs -r -d "$T/farm/hub" -s queued)$(bb-hub \
		    jobs -r -d "$T/farm/hub" -s running)" ]; do
			sleep 0.05
			_i=$((_i + 1))
		done ;;
	esac
}
EOF
	# What the commands leave running if they fail: the worker under
	# runsv, the hub.
	cleanup "SVDIR=$F/sv sv -w 10 force-shutdown bb-worker >/dev/null 2>&1; SVDIR=$F/sv sv exit bb-worker >/dev/null 2>&1; [ ! -s $F/hub.pid ] || kill \$(cat $F/hub.pid) 2>/dev/null"
	section "Run a farm" "$T/farm.subst" "$T/farm.hooks" 25

	like "$(bb-hub show -d "$F/hub" 1)" "^state  *success" \
	    "the job the worker under runsv built succeeded"
	like "$(bb-hub show -d "$F/hub" 1)" "^worker  *builder1" \
	    "  on builder1"
	(cd "$F/out" && sha256sum -c ./*.sha256) >"$T/sums" 2>&1
	ok $? "sha256sum -c of what bb-hub fetch brought"
	like "$(cat "$T/sums")" "^hello-.*-linux-x86_64\.tar\.zst: OK" \
	    "  the archive"
	same=1
	for f in "$F"/out2/*; do
		cmp -s "$f" "$F/out/${f##*/}" || same=0
	done
	is "$same:$(ls "$F/out2" | wc -l)" 1:2 \
	    "bb-hub fetch -H brought the same two files"
	(cd "$F/out" && signify-openbsd -C -p "$F/worker/build.pub" \
	    -x SHA256.sig) >"$T/sig" 2>&1
	ok $? "signify -C of the list the worker signed"
	like "$(cat "$T/sig")" "^dist/hello: OK" "  its files"
	like "$(bb-hub show -d "$F/hub" 2)" "^worker  *hand" \
	    "the job of the stages by hand went to hand"
	like "$(bb-hub show -d "$F/hub" 2)" "^state  *success" "  and succeeded"
	log=$(cat "$F/log/current" 2>/dev/null)
	like "$log" "bb-worker\[[0-9]*\]: job 1: success, delivered" \
	    "svlogd kept the worker's log"
	like "$log" "bb-worker: stopped" "  to its graceful stop"
	ok "$([ -z "$(SVDIR=$F/sv sv status bb-worker 2>/dev/null |
	    grep '^run')" ]; echo $?)" "runsv is gone"
	ok "$(curl -s -o /dev/null "https://localhost:$PORT/healthz" \
	    --cacert "$F/hub.pem"; [ $? -ne 0 ]; echo $?)" "the hub is stopped"
	if [ "$_tap_failed" -ne 0 ]; then
		tail -20 "$F/hub.log" 2>/dev/null | sed 's/^/#   hub: /'
		tail -20 "$F/log/current" 2>/dev/null | sed 's/^/#   worker: /'
	fi
}
farm
done_testing
