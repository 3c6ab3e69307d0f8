#!/bin/sh
# bb-worker: the worker loop of bb, in POSIX sh.  See bb-worker(8).
#
# It wires the stages into one pipeline a job,
#	bb-claim < session > job
#	bb-unpack < job | bb-run | [bb-sign] | [bb-pack] | bb-report
# runs SLOTS of them side by side, reconnects with backoff, and stops
# gracefully.  Everything it writes stays inside BASEDIR.

set -u

PROG=bb-worker
VERSION=@VERSION@

EX_USAGE=64 EX_DATAERR=65 EX_NOINPUT=66 EX_UNAVAILABLE=69 EX_CANTCREAT=73
EX_TEMPFAIL=75 EX_NOPERM=77 EX_CONFIG=78

usage() {
	cat >&2 <<EOF
usage: bb-worker create-worker [-f] basedir hub name
       bb-worker run [-v] basedir
       bb-worker once [-v] basedir
       bb-worker stop basedir
EOF
	exit $EX_USAGE
}

# log MESSAGE: a line on standard error with the time and the slot.
log() {
	printf '%s %s%s: %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$PROG" \
	    "${SLOT:+[$SLOT]}" "$*" >&2
}

die() {
	_code=$1
	shift
	log "$*"
	exit "$_code"
}

# Settings: worker.conf holds KEY=VALUE lines and comments.  It is read,
# never sourced: only the keys below are taken, each value as it is.
conf_defaults() {
	HUB='' NAME='' SLOTS=2 CAPS='' CA='' PIN='' ALLOW_HTTP=0
	PROBE=cc,make WAIT=60 MIN_FREE=1G MAXDELAY=300 GRACE=10s RUN_AS=''
	UMASK=022 SIGN_KEY='' SIGN_FORMAT='' PACK=1 PACK_TEMPLATE=''
	KEEP_WORK=0 DELETE_LEFTOVER_DIRS=1 SANDBOX=on CACHE_DIRS=
}

conf_read() {
	conf_defaults
	[ -r "$BASEDIR/worker.conf" ] ||
	    die $EX_CONFIG "$BASEDIR/worker.conf: cannot read it"
	_n=0
	while IFS= read -r _line || [ -n "$_line" ]; do
		_n=$((_n + 1))
		case $_line in
		''|'#'*) continue ;;
		*=*) ;;
		*) die $EX_CONFIG "$BASEDIR/worker.conf:$_n: expected KEY=VALUE" ;;
		esac
		_key=${_line%%=*}
		_val=${_line#*=}
		case $_key in
		HUB|NAME|SLOTS|CAPS|CA|PIN|ALLOW_HTTP|PROBE|WAIT|MIN_FREE|\
		MAXDELAY|GRACE|RUN_AS|UMASK|SIGN_KEY|SIGN_FORMAT|PACK|\
		PACK_TEMPLATE|KEEP_WORK|DELETE_LEFTOVER_DIRS|SANDBOX|CACHE_DIRS)
			eval "$_key=\$_val" ;;
		*)
			die $EX_CONFIG "$BASEDIR/worker.conf:$_n: unknown setting $_key" ;;
		esac
	done < "$BASEDIR/worker.conf"
	[ -n "$HUB" ] || die $EX_CONFIG "$BASEDIR/worker.conf: HUB is not set"
	[ -n "$NAME" ] || die $EX_CONFIG "$BASEDIR/worker.conf: NAME is not set"
	case $SLOTS in
	''|*[!0-9]*) die $EX_CONFIG "$BASEDIR/worker.conf: SLOTS=$SLOTS is not a number" ;;
	esac
	if [ "$SLOTS" -lt 1 ] || [ "$SLOTS" -gt 64 ]; then
		die $EX_CONFIG "$BASEDIR/worker.conf: SLOTS=$SLOTS is not between 1 and 64"
	fi
	case $UMASK in
	[0-7][0-7][0-7]|0[0-7][0-7][0-7]) ;;
	*) die $EX_CONFIG "$BASEDIR/worker.conf: UMASK=$UMASK is not an octal mask" ;;
	esac
	case $SANDBOX in
	on|none) ;;
	*) die $EX_CONFIG "$BASEDIR/worker.conf: SANDBOX=$SANDBOX is not on or none" ;;
	esac
	for _b in ALLOW_HTTP PACK KEEP_WORK DELETE_LEFTOVER_DIRS; do
		_v=''
		eval "_v=\$$_b"
		case $_v in
		0|1) ;;
		*) die $EX_CONFIG "$BASEDIR/worker.conf: $_b=$_v is not 0 or 1" ;;
		esac
	done
}

# The options of bb-connect and bb-claim that the settings give.
connect_args() {
	set -- -H "$HUB" -n "$NAME" -s "$BASEDIR/secret" -b "$BASEDIR" \
	    -j "$SLOTS" --maxdelay "$MAXDELAY"
	# once, for cron: a few tries, then give up until the next run.
	[ "$ONCE" = 0 ] || set -- "$@" --maxretries 3
	[ -z "$CAPS" ] || set -- "$@" -c "$CAPS"
	[ -z "$CA" ] || set -- "$@" --ca "$CA"
	[ -z "$PIN" ] || set -- "$@" --pin "$PIN"
	[ -z "$PROBE" ] || set -- "$@" --probe "$PROBE"
	[ "$ALLOW_HTTP" = 0 ] || set -- "$@" -p
	CONNECT_ARGS=$(quote_args "$@")
}

# quote_args ARGS...: the arguments as one string that eval splits back.
quote_args() {
	_q=
	for _a in "$@"; do
		_q="$_q '$(printf '%s' "$_a" | sed "s/'/'\\\\''/g")'"
	done
	printf '%s' "$_q"
}

# connect FILE: says hello and keeps the session record in FILE.
# bb-connect retries with backoff itself; this tries again after what it
# gives up on (an answer it cannot read, say).  A refused secret is
# final.  bb-connect's pid is in wait.pid beside FILE, so that a graceful
# stop ends it while the hub is away.
connect() {
	_delay=1
	_wp=${1%/*}/wait.pid
	while :; do
		stopping && return $EX_TEMPFAIL
		(eval "exec bb-connect $CONNECT_ARGS") > "$1.tmp" &
		echo $! > "$_wp"
		wait $!
		_rc=$?
		rm -f "$_wp"
		if [ "$_rc" != 0 ] && stopping; then
			rm -f "$1.tmp"
			return $EX_TEMPFAIL
		fi
		case $_rc in
		0)	mv "$1.tmp" "$1"; return 0 ;;
		"$EX_NOPERM")
			rm -f "$1.tmp"
			log "the hub refused this worker's name or secret"
			return $EX_NOPERM ;;
		"$EX_USAGE"|"$EX_CONFIG"|"$EX_DATAERR")
			rm -f "$1.tmp"
			return "$_rc" ;;
		esac
		rm -f "$1.tmp"
		if [ "$ONCE" = 1 ]; then
			log "cannot reach the hub (status $_rc)"
			return "$_rc"
		fi
		log "cannot reach the hub (status $_rc); trying again in ${_delay}s"
		pause "$_delay"
		_delay=$((_delay * 2))
		[ "$_delay" -le "$MAXDELAY" ] || _delay=$MAXDELAY
	done
}

# pause SECONDS: sleeps, but wakes up early for a shutdown.
pause() {
	_end=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt "$_end" ] && ! stopping; do
		sleep 1
	done
}

# stopping: true once a graceful stop was asked for.
stopping() {
	[ -e "$RUNDIR/stop" ] || [ -e "$BASEDIR/shutdown.stamp" ]
}

# field TYPE KEY FILE: the value of KEY in the first TYPE record of FILE.
# Values that only carry a job id, a number or a name need no decoding.
field() {
	sed -n "/^$1 /{s/.* $2=\\([^ ]*\\).*/\\1/p;q;}" "$3"
}

# report_stage DIR: bb-report, last in the pipeline.  When it stops before
# the job is delivered (the hub cancelled the job, took it back, or
# refused the session), bb-run is told at once: the stages between them
# would only notice at their next write.
report_stage() {
	bb-report -b "$BASEDIR"
	_r=$?
	if [ "$_r" != 0 ] && [ -s "$1/run.pid" ]; then
		kill -TERM "$(cat "$1/run.pid")" 2>/dev/null
	fi
	return "$_r"
}

# run_job DIR: runs the pipeline on the job claimed into DIR/job; the job
# is unpacked under BASEDIR/work/slotN.  Sets JOB_RC to bb-report's status
# (0 when the hub has the whole job).
run_job() {
	_d=$1
	_w=$BASEDIR/work/slot$SLOT
	_id=$(field job id "$_d/job")
	_att=$(field job attempt "$_d/job")
	_name=$(field job name "$_d/job")
	log "job $_id ($_name), attempt $_att: started"
	mkdir -p "$_w" || return $EX_CANTCREAT
	# The build sees its work tree, not BASEDIR nor the key; what it
	# prints of the secret is masked; what it leaves is noted.
	set -- bb-run -g "$GRACE" -S "$SANDBOX" -H "$BASEDIR" \
	    -M "$BASEDIR/secret" -R "$BASEDIR/run/procs"
	[ -z "$SIGN_KEY" ] || set -- "$@" -H "$SIGN_KEY"
	_ifs=$IFS
	IFS=:
	for _c in $CACHE_DIRS; do
		[ -z "$_c" ] || set -- "$@" -B "$_c"
	done
	IFS=$_ifs
	[ -z "$RUN_AS" ] || set -- "$@" -u "$RUN_AS"
	# shellcheck disable=SC2034 # used in the eval below
	RUN_CMD=$(quote_args "$@")
	# The pipeline, with only the stages the settings ask for.  Each
	# stage's status that matters goes to a file: a pipeline's own status
	# is only its last command's.  bb-run's pid is kept for a cancel.
	_pipe='{ bb-unpack -d "$_w" < "$_d/job"; echo $? > "$_d/rc.unpack"; }'
	_pipe="$_pipe"' | { sh -c '\''echo $$ > "$1"; shift; eval "exec $*"'\'' sh "$_d/run.pid" "$RUN_CMD"; echo $? > "$_d/rc.run"; }'
	if [ -n "$SIGN_KEY" ]; then
		_pipe="$_pipe | bb-sign $(quote_args -l -s "$SIGN_KEY")"
		[ -z "$SIGN_FORMAT" ] ||
		    _pipe="$_pipe $(quote_args -f "$SIGN_FORMAT")"
	fi
	if [ "$PACK" = 1 ]; then
		_pipe="$_pipe | bb-pack"
		[ -z "$PACK_TEMPLATE" ] ||
		    _pipe="$_pipe $(quote_args -n "$PACK_TEMPLATE")"
	fi
	if [ "$VERBOSE" = 1 ]; then
		rm -f "$_d/view"
		mkfifo "$_d/view" || return $EX_CANTCREAT
		bb-report -o - < "$_d/view" >&2 &
		_pipe="$_pipe | tee $(quote_args "$_d/view")"
	fi
	rm -f "$_d"/rc.*
	eval "$_pipe | report_stage \"\$_d\""
	JOB_RC=$?
	rm -f "$_d/run.pid"
	[ "$VERBOSE" = 0 ] || { wait; rm -f "$_d/view"; }
	_ru=$(cat "$_d/rc.unpack" 2>/dev/null || echo '?')
	_rr=$(cat "$_d/rc.run" 2>/dev/null || echo '?')
	case $JOB_RC in
	0)	case $_rr in
		0) log "job $_id: success, delivered" ;;
		1) log "job $_id: the build failed, delivered" ;;
		*) log "job $_id: delivered (bb-unpack $_ru, bb-run $_rr)" ;;
		esac ;;
	"$EX_UNAVAILABLE")
		log "job $_id: the hub cancelled it or gave it to another worker" ;;
	"$EX_NOPERM")
		log "job $_id: the hub refused the session; kept in the spool" ;;
	*)	log "job $_id: not all delivered (bb-report $JOB_RC); kept in the spool" ;;
	esac
	if [ "$KEEP_WORK" = 1 ]; then
		log "job $_id: work kept in $_w/$_id-$_att"
	else
		rm -rf "$_w"
	fi
	return 0
}

# slot N: claims and runs jobs until a stop; with ONCE, at most one.
slot() {
	SLOT=$1
	_d=$RUNDIR/slot$SLOT
	mkdir -p "$_d" || exit $EX_CANTCREAT
	_delay=1
	_session=$_d/session
	_undelivered=0
	while ! stopping; do
		if [ ! -s "$_session" ]; then
			connect "$_session"
			_rc=$?
			if [ "$_rc" != 0 ]; then
				stopping && exit 0	# a stop asked for
				exit "$_rc"
			fi
		fi
		# A job this slot could not deliver is tried again before the
		# next claim (a spool in use elsewhere is left alone).
		if [ "$_undelivered" = 1 ]; then
			bb-report -b "$BASEDIR" --resend -t 30s < "$_session"
			case $? in
			0) _undelivered=0; log "the spool is delivered" ;;
			"$EX_NOPERM") rm -f "$_session"; continue ;;
			esac
		fi
		set -- -b "$BASEDIR" --min-free "$MIN_FREE" -w "$WAIT"
		[ -z "$CAPS" ] || set -- "$@" -c "$CAPS"
		[ "$ONCE" = 0 ] || set -- "$@" --once
		bb-claim "$@" < "$_session" > "$_d/job" &
		echo $! > "$_d/wait.pid"
		wait $!
		_rc=$?
		rm -f "$_d/wait.pid"
		case $_rc in
		0)	_delay=1
			run_job "$_d"
			case $JOB_RC in
			"$EX_TEMPFAIL"|"$EX_NOPERM") _undelivered=1 ;;
			esac
			[ "$ONCE" = 0 ] || exit 0 ;;
		"$EX_UNAVAILABLE")
			[ "$ONCE" = 0 ] || { log "no job for this worker"; exit 0; } ;;
		"$EX_NOPERM")
			log "the hub ended the session; saying hello again"
			rm -f "$_session" ;;
		*)	stopping && break
			log "claim failed (status $_rc); trying again in ${_delay}s"
			[ "$ONCE" = 0 ] || exit "$_rc"
			pause "$_delay"
			_delay=$((_delay * 2))
			[ "$_delay" -le "$MAXDELAY" ] || _delay=$MAXDELAY ;;
		esac
	done
	exit 0
}

# resend: delivers what an earlier run left in the spool.
resend() {
	[ -n "$(ls -A "$BASEDIR/spool" 2>/dev/null)" ] || return 0
	log "delivering what an earlier run left in $BASEDIR/spool"
	SLOT=
	connect "$RUNDIR/resend.session" || return $?
	bb-report -b "$BASEDIR" --resend < "$RUNDIR/resend.session" ||
	    log "some of the spool is not delivered yet (status $?)"
	rm -f "$RUNDIR/resend.session"
}

# signal_all FILE-NAME SIGNAL: signals the process named in each slot's
# FILE, and in the supervisor's own.
signal_all() {
	# Its own variable: it runs in traps, inside other functions' loops.
	for _sig_f in "$RUNDIR"/slot*/"$1" "$RUNDIR/$1"; do
		[ -s "$_sig_f" ] || continue
		kill "-$2" "$(cat "$_sig_f")" 2>/dev/null || :
	done
}

on_term() {
	if [ -e "$RUNDIR/stop" ]; then
		on_int
		return
	fi
	log "stopping: no new jobs; waiting for the running ones to finish"
	: > "$RUNDIR/stop"
	signal_all wait.pid TERM
}

on_int() {
	log "cancelling the running jobs"
	: > "$RUNDIR/stop"
	signal_all wait.pid TERM
	signal_all run.pid TERM
}

check_basedir() {
	[ -d "$BASEDIR" ] || die $EX_NOINPUT "$BASEDIR: no such worker home"
	BASEDIR=$(cd "$BASEDIR" && pwd) || exit $EX_NOINPUT
	[ -f "$BASEDIR/secret" ] ||
	    die $EX_CONFIG "$BASEDIR/secret: missing (bb-worker create-worker makes it)"
}

cmd_run() {
	check_basedir
	conf_read
	umask "$UMASK"
	RUNDIR=$BASEDIR/run
	mkdir -p "$RUNDIR" "$BASEDIR/work" "$BASEDIR/spool" ||
	    die $EX_CANTCREAT "$BASEDIR: cannot make run/, work/, spool/"
	# A second bb-worker on the same home would claim with its slots.
	if ! mkdir "$RUNDIR/lock" 2>/dev/null; then
		_p=$(cat "$RUNDIR/lock/pid" 2>/dev/null)
		if [ -n "$_p" ] && kill -0 "$_p" 2>/dev/null; then
			die $EX_TEMPFAIL "$BASEDIR: already served by process $_p"
		fi
	fi
	echo $$ > "$RUNDIR/lock/pid"
	rm -f "$RUNDIR/stop" "$BASEDIR/shutdown.stamp"
	rm -rf "$RUNDIR"/slot*
	trap 'rm -rf "$RUNDIR"/slot* "$RUNDIR/stop" "$RUNDIR/lock"' EXIT
	trap on_term TERM HUP
	trap on_int INT
	# What a killed predecessor's builds left running ends first.
	bb-run -K "$BASEDIR/run/procs" ||
	    die $EX_CANTCREAT "$BASEDIR/run/procs: cannot end what was left"
	if [ "$DELETE_LEFTOVER_DIRS" = 1 ] &&
	    [ -n "$(ls -A "$BASEDIR/work" 2>/dev/null)" ]; then
		log "removing leftover work directories in $BASEDIR/work"
		rm -rf "$BASEDIR/work"/* "$BASEDIR/work"/.[!.]* 2>/dev/null
	fi
	connect_args
	if [ "$SANDBOX" = none ]; then
		[ "$(id -u)" -ne 0 ] || [ -n "$RUN_AS" ] ||
		    die $EX_CONFIG "$BASEDIR/worker.conf: SANDBOX=none needs RUN_AS when bb-worker runs as root"
		log "WARNING: SANDBOX=none: builds can read all that ${RUN_AS:-this user} can, BASEDIR included"
	fi
	[ "$(id -u)" -ne 0 ] || [ -n "$RUN_AS" ] ||
	    log "WARNING: running builds as root; set RUN_AS in worker.conf"
	if [ "$ONCE" = 1 ]; then
		log "worker $NAME of $HUB: one job at most"
	else
		log "worker $NAME of $HUB: $SLOTS slot(s)"
	fi
	resend
	_slots=$SLOTS
	[ "$ONCE" = 0 ] || _slots=1
	_pids=
	_i=1
	while [ "$_i" -le "$_slots" ]; do
		(trap - TERM HUP INT EXIT; slot "$_i") &
		_pids="$_pids $!"
		_i=$((_i + 1))
	done
	# BASEDIR/shutdown.stamp asks for a graceful stop, as SIGTERM does.
	(
		trap - TERM HUP INT EXIT
		while sleep 2; do
			kill -0 $$ 2>/dev/null || exit 0
			if [ -e "$BASEDIR/shutdown.stamp" ]; then
				kill -TERM $$
				exit 0
			fi
		done
	) &
	_watch=$!
	# Signals interrupt wait: wait again while the slot lives.
	_status=0
	for _p in $_pids; do
		while :; do
			wait "$_p"
			_rc=$?
			[ "$_rc" -gt 128 ] || break
			kill -0 "$_p" 2>/dev/null && continue
			# A trap cut the wait short as the slot ended: its
			# own status is still there to collect.
			wait "$_p"
			_rc=$?
			break
		done
		[ "$_rc" = 0 ] || _status=$_rc
	done
	kill "$_watch" 2>/dev/null
	log "stopped"
	exit "$_status"
}

cmd_create() {
	_force=0
	while getopts f _o; do
		case $_o in
		f) _force=1 ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -eq 3 ] || usage
	BASEDIR=$1 HUB=$2 NAME=$3
	case $HUB in
	http://*|https://*) ;;
	*) die $EX_USAGE "$HUB: the hub's URL starts with https:// (or http://)" ;;
	esac
	case $NAME in
	''|*[!A-Za-z0-9._-]*|[!A-Za-z0-9]*)
		die $EX_USAGE "$NAME: a worker name is letters, digits, '.', '_' and '-'" ;;
	esac
	if [ -e "$BASEDIR/worker.conf" ] && [ "$_force" = 0 ]; then
		die $EX_CANTCREAT "$BASEDIR/worker.conf exists (use -f to replace the settings)"
	fi
	umask 077
	mkdir -p "$BASEDIR/info" "$BASEDIR/work" "$BASEDIR/spool" ||
	    die $EX_CANTCREAT "$BASEDIR: cannot make it"
	if [ -t 0 ]; then
		printf 'secret for worker %s (from bb-hub add-worker): ' "$NAME" >&2
		stty -echo 2>/dev/null
		IFS= read -r _secret
		stty echo 2>/dev/null
		echo >&2
	else
		IFS= read -r _secret
	fi
	[ -n "$_secret" ] || die $EX_DATAERR "no secret on standard input"
	rm -f "$BASEDIR/secret.tmp"
	if ! { printf '%s\n' "$_secret" > "$BASEDIR/secret.tmp" &&
	    chmod 600 "$BASEDIR/secret.tmp" &&
	    mv "$BASEDIR/secret.tmp" "$BASEDIR/secret"; }; then
		die $EX_CANTCREAT "$BASEDIR/secret: cannot write it"
	fi
	unset _secret
	umask 022
	cat > "$BASEDIR/worker.conf" <<EOF
# bb-worker(8) settings: KEY=VALUE, read (not sourced) at each start.
HUB=$HUB
NAME=$NAME
# Jobs run at once.
SLOTS=2
# Capabilities added to the detected os and arch, comma-separated.
CAPS=
# CA file or directory for the hub's certificate (default: the system's).
CA=
# The hub's public key pin, sha256//BASE64.
PIN=
# 1 allows a plain http:// hub.
ALLOW_HTTP=0
# Tools whose versions the hub is told.
PROBE=cc,make
# Seconds a claim waits for a job.
WAIT=60
# Free space under this directory below which jobs are declined.
MIN_FREE=1G
# Longest delay between two tries to reach the hub, seconds.
MAXDELAY=300
# Time a build's processes get between SIGTERM and SIGKILL.
GRACE=10s
# The user that runs builds when bb-worker runs as root.
RUN_AS=
# on: each build step in namespaces of its own (bb-run(1), SECURITY);
# none: without (needs RUN_AS when bb-worker runs as root).
SANDBOX=on
# Directories that builds may write besides their work tree (caches),
# separated by ':'.
CACHE_DIRS=
UMASK=022
# A bb-sign(1) secret key (unencrypted): when it is set, every artifact
# is signed, and each job gets a signed checksum list.
SIGN_KEY=
# signify, minisign or cms; empty: the key's own format.
SIGN_FORMAT=
# 1 packs each job's artifacts into one archive (bb-pack(1)).
PACK=1
PACK_TEMPLATE=
# 1 keeps each job's work directory.
KEEP_WORK=0
# 1 removes work directories that a crash left behind, at start.
DELETE_LEFTOVER_DIRS=1
EOF
	[ -e "$BASEDIR/info/admin" ] ||
	    echo "Your Name Here <admin@example.org>" > "$BASEDIR/info/admin"
	[ -e "$BASEDIR/info/host" ] ||
	    uname -srm > "$BASEDIR/info/host"
	[ -e "$BASEDIR/info/access_uri" ] || : > "$BASEDIR/info/access_uri"
	log "made worker $NAME in $BASEDIR; edit $BASEDIR/info/admin and $BASEDIR/worker.conf"
}

cmd_stop() {
	[ $# -eq 1 ] || usage
	BASEDIR=$1
	_p=$(cat "$BASEDIR/run/lock/pid" 2>/dev/null) ||
	    die $EX_UNAVAILABLE "$BASEDIR: no bb-worker runs there"
	kill -TERM "$_p" 2>/dev/null ||
	    die $EX_UNAVAILABLE "$BASEDIR: process $_p is gone"
}

[ $# -ge 1 ] || usage
case $1 in
-V|--version) echo "bb-worker $VERSION"; exit 0 ;;
esac
VERBOSE=0 ONCE=0
_cmd=$1
shift
case $_cmd in
create-worker)
	cmd_create "$@" ;;
run|once)
	[ "$_cmd" = run ] || ONCE=1
	while getopts v _o; do
		case $_o in
		v) VERBOSE=1 ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -eq 1 ] || usage
	BASEDIR=$1
	cmd_run ;;
stop)
	cmd_stop "$@" ;;
*)
	usage ;;
esac
