#!/bin/sh
# bb-worker: the worker loop of bb, in POSIX sh.  See bb-worker(8).
#
# It wires the stages into one pipeline a job,
#	bb-connect > session
#	bb-claim < session > job
#	bb-unpack < job | bb-run | [bb-sign] | [bb-pack] | bb-report
# runs SLOTS of them side by side and stops gracefully.  The stages wait
# for the hub, back off and give up themselves; a stage that gives up
# ends its slot, and a slot that ends on an error stops the worker, for
# its service manager to start again.  Per job it runs the stages and
# nothing else but one rm of the work directory: no helper a line.
# Everything it writes stays inside BASEDIR.

set -u

PROG=bb-worker
VERSION=@VERSION@

EX_USAGE=64 EX_DATAERR=65 EX_NOINPUT=66 EX_UNAVAILABLE=69 EX_CANTCREAT=73
EX_IOERR=74 EX_TEMPFAIL=75 EX_NOPERM=77 EX_CONFIG=78

# The stages: beside this script, else where make install put them, and
# only then wherever PATH says.
STAGES=${0%/*}
[ "$STAGES" != "$0" ] || STAGES=.
[ -x "$STAGES/bb-claim" ] || STAGES=@BINDIR@
PATH=$STAGES:$PATH

# usage [MESSAGE]: what was wrong, then the synopsis; exits 64.
usage() {
	[ $# = 0 ] || log "$*"
	cat >&2 <<EOF
usage: bb-worker create-worker [-f] [-C cafile] [-P pin] basedir hub name
       bb-worker run [-v] basedir
       bb-worker once [-v] basedir
       bb-worker stop basedir
       bb-worker cache [-x] basedir [cache ...]
EOF
	exit $EX_USAGE
}

# log MESSAGE: a line on standard error, with the slot; the log service
# (svlogd -tt, journald) adds the time.
log() {
	printf '%s%s: %s\n' "$PROG" "${SLOT:+[$SLOT]}" "$*" >&2
}

# flag_opt L ARGS...: _flag=1 if ARGS start with the option -L, else 0;
# OPTIND as getopts leaves it.  Any other option is a usage error.
flag_opt() {
	_flag=0 _l=$1
	shift
	OPTIND=1
	while getopts ":$_l" _o; do
		case $_o in
		"$_l") _flag=1 ;;
		*) usage "-$OPTARG: unknown option" ;;
		esac
	done
}

die() {
	_code=$1
	shift
	log "$*"
	exit "$_code"
}

# Settings: worker.conf holds KEY=VALUE lines and comments.  It is read,
# never sourced: only the keys below are taken, each value as it is.
conf_read() {
	HUB='' NAME='' SLOTS=2 CAPS='' CA='' PIN='' ALLOW_HTTP=0
	PROBE=cc,make WAIT=60 MIN_FREE=1G MAXDELAY=300 MAXRETRIES=''
	KEEPALIVE='' GRACE=10s RUN_AS='' UMASK=022 SIGN_KEY='' SIGN_FORMAT=''
	SIGN_PASSPHRASE_FILE='' PACK=1 PACK_TEMPLATE='' KEEP_WORK=0
	DELETE_LEFTOVER_DIRS=1 SANDBOX=on CACHE_DIRS=''
	_conf=$BASEDIR/worker.conf
	[ -r "$_conf" ] || die $EX_CONFIG "$_conf: cannot read it"
	_n=0
	while IFS= read -r _line || [ -n "$_line" ]; do
		_n=$((_n + 1))
		_v=${_line#*=}
		case $_line in
		''|'#'*)	;;
		HUB=*)		HUB=$_v ;;
		NAME=*)		NAME=$_v ;;
		SLOTS=*)	SLOTS=$_v ;;
		CAPS=*)		CAPS=$_v ;;
		CA=*)		CA=$_v ;;
		PIN=*)		PIN=$_v ;;
		ALLOW_HTTP=*)	ALLOW_HTTP=$_v ;;
		PROBE=*)	PROBE=$_v ;;
		WAIT=*)		WAIT=$_v ;;
		MIN_FREE=*)	MIN_FREE=$_v ;;
		MAXDELAY=*)	MAXDELAY=$_v ;;
		MAXRETRIES=*)	MAXRETRIES=$_v ;;
		KEEPALIVE=*)	KEEPALIVE=$_v ;;
		GRACE=*)	GRACE=$_v ;;
		RUN_AS=*)	RUN_AS=$_v ;;
		UMASK=*)	UMASK=$_v ;;
		SIGN_KEY=*)	SIGN_KEY=$_v ;;
		SIGN_FORMAT=*)	SIGN_FORMAT=$_v ;;
		SIGN_PASSPHRASE_FILE=*) SIGN_PASSPHRASE_FILE=$_v ;;
		PACK=*)		PACK=$_v ;;
		PACK_TEMPLATE=*) PACK_TEMPLATE=$_v ;;
		KEEP_WORK=*)	KEEP_WORK=$_v ;;
		DELETE_LEFTOVER_DIRS=*) DELETE_LEFTOVER_DIRS=$_v ;;
		SANDBOX=*)	SANDBOX=$_v ;;
		CACHE_DIRS=*)	CACHE_DIRS=$_v ;;
		*=*)	die $EX_CONFIG "$_conf:$_n: unknown setting ${_line%%=*}" ;;
		*)	die $EX_CONFIG "$_conf:$_n: expected KEY=VALUE" ;;
		esac
	done < "$_conf"
	[ -n "$HUB" ] || die $EX_CONFIG "$_conf: HUB is not set"
	[ -n "$NAME" ] || die $EX_CONFIG "$_conf: NAME is not set"
	# The stages check the values they are given; these are the shell's.
	for _s in "ALLOW_HTTP=$ALLOW_HTTP" "PACK=$PACK" "KEEP_WORK=$KEEP_WORK" \
	    "DELETE_LEFTOVER_DIRS=$DELETE_LEFTOVER_DIRS"; do
		case $_s in
		*=[01]) ;;
		*) die $EX_CONFIG "$_conf: $_s is not 0 or 1" ;;
		esac
	done
	for _s in "SLOTS=$SLOTS" "MAXRETRIES=${MAXRETRIES:-0}"; do
		case $_s in
		*=|*=*[!0-9]*) die $EX_CONFIG "$_conf: $_s is not a number" ;;
		esac
	done
	if [ "$SLOTS" -lt 1 ] || [ "$SLOTS" -gt 64 ]; then
		die $EX_CONFIG "$_conf: SLOTS=$SLOTS is not between 1 and 64"
	fi
	case $UMASK in
	[0-7][0-7][0-7]|0[0-7][0-7][0-7]) ;;
	*) die $EX_CONFIG "$_conf: UMASK=$UMASK is not an octal mask" ;;
	esac
	case $SANDBOX in
	on|none) ;;
	*) die $EX_CONFIG "$_conf: SANDBOX=$SANDBOX is not on or none" ;;
	esac
	case $HUB in
	[Hh][Tt][Tt][Pp]://*)
		[ "$ALLOW_HTTP" = 1 ] || die $EX_CONFIG "$_conf: HUB=$HUB is" \
		    "plain http, which sends the secret unencrypted: use" \
		    "https, or set ALLOW_HTTP=1" ;;
	esac
}

# bb_sign ARGS...: bb-sign with the key options the settings give, then
# ARGS.  A passphrase comes from its file (-P), never through the command
# line or an environment.
bb_sign() {
	_n=$#
	set -- "$@" -s "$SIGN_KEY"
	[ -z "$SIGN_FORMAT" ] || set -- "$@" -f "$SIGN_FORMAT"
	[ -z "$SIGN_PASSPHRASE_FILE" ] || set -- "$@" -P "$SIGN_PASSPHRASE_FILE"
	# ARGS go last: they may end with operands.
	while [ "$_n" -gt 0 ]; do
		set -- "$@" "$1"
		shift
		_n=$((_n - 1))
	done
	bb-sign "$@"
}

# check_sign_key: signs a file of its own with SIGN_KEY at start, so that
# a key, format or passphrase file that does not work (a passphrase file
# others may read is refused, as the secret is) stops the worker before it
# claims a job.
check_sign_key() {
	[ -n "$SIGN_KEY" ] || return 0
	printf 'bb-worker\n' > "$RUNDIR/sign.check"
	if ! bb_sign -S -x "$RUNDIR/sign.check.sig" "$RUNDIR/sign.check" \
	    < /dev/null 2> "$RUNDIR/sign.err"; then
		die $EX_CONFIG "SIGN_KEY $SIGN_KEY cannot sign: $(cat "$RUNDIR/sign.err")"
	fi
	rm -f "$RUNDIR/sign.check" "$RUNDIR/sign.check.sig" "$RUNDIR/sign.err"
}

# stopping: true once a graceful stop was asked for.
stopping() {
	[ -s "$RUNDIR/stop" ] || [ -e "$BASEDIR/shutdown.stamp" ]
}

# waiting IN OUT CMD ARGS...: runs a stage that waits for the hub with
# its input from IN and its output in OUT (mode 0600: it holds a token),
# its pid in wait.pid so that a stop ends the wait.  Returns its status.
waiting() {
	_in=$1 _out=$2
	shift 2
	(umask 077 && exec "$@" < "$_in" > "$_out") &
	_p=$!
	echo "$_p" > "$D/wait.pid"
	# A stop asked for before the pid was there.
	! stopping || kill -TERM "$_p" 2>/dev/null
	# (dash says "Terminated" of a stage that a stop ended: not here.)
	wait "$_p" 2>/dev/null
	_rc=$?
	# A trap cut the wait short: wait for the stage itself, asked once
	# more to stop if a stop was asked for.
	while kill -0 "$_p" 2>/dev/null; do
		! stopping || kill -TERM "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
		_rc=$?
	done
	: > "$D/wait.pid"
	return "$_rc"
}

# connect FILE: says hello, with the session record into FILE.
connect() {
	_f=$1
	set -- -H "$HUB" -n "$NAME" -s "$BASEDIR/secret" -b "$BASEDIR" \
	    -j "$SLOTS" --maxdelay "$MAXDELAY"
	if [ -n "$MAXRETRIES" ]; then
		set -- "$@" --maxretries "$MAXRETRIES"
	elif [ "$ONCE" = 1 ]; then
		set -- "$@" --maxretries 3	# for cron: not forever
	fi
	[ -z "$KEEPALIVE" ] || set -- "$@" -k "$KEEPALIVE"
	[ -z "$CAPS" ] || set -- "$@" -c "$CAPS"
	[ -z "$CA" ] || set -- "$@" --ca "$CA"
	[ -z "$PIN" ] || set -- "$@" --pin "$PIN"
	[ -z "$PROBE" ] || set -- "$@" --probe "$PROBE"
	[ "$ALLOW_HTTP" = 0 ] || set -- "$@" -p
	waiting /dev/null "$_f" bb-connect "$@"
	_rc=$?
	[ "$_rc" = 0 ] && return 0
	: > "$_f"
	if stopping; then
		return 0
	elif [ "$_rc" = "$EX_NOPERM" ]; then
		log "the hub refused this worker's name or secret"
	elif [ "$_rc" = "$EX_TEMPFAIL" ]; then
		log "cannot reach the hub (status $_rc)"
	else
		log "bb-connect gave up (status $_rc)"
	fi
	return "$_rc"
}

# claim: waits for a job, into $D/job.
claim() {
	set -- -b "$BASEDIR" --min-free "$MIN_FREE" -w "$WAIT" \
	    --maxdelay "$MAXDELAY"
	[ -z "$MAXRETRIES" ] || set -- "$@" --maxretries "$MAXRETRIES"
	[ -z "$CAPS" ] || set -- "$@" -c "$CAPS"
	[ "$ONCE" = 0 ] || set -- "$@" --once
	waiting "$D/session" "$D/job" bb-claim "$@"
}

# rec_key RECORD KEY: sets _v to the value of KEY in RECORD (as it is
# written: ids, numbers and names need no decoding).
rec_key() {
	_v=
	case "$1 " in
	*" $2="*) _v=${1#* "$2"=}; _v=${_v%% *} ;;
	esac
}

# unescape VALUE: sets _v to a record's VALUE with %20 and %25 decoded,
# for a log line; the other escapes (control bytes) stay as they are.
unescape() {
	_u=$1 _v=
	while :; do
		case $_u in
		*%*) ;;
		*) break ;;
		esac
		_v=$_v${_u%%\%*}
		_u=${_u#*%}
		case $_u in
		20*) _v="$_v " _u=${_u#20} ;;
		25*) _v="$_v%" _u=${_u#25} ;;
		*) _v="$_v%" ;;
		esac
	done
	_v=$_v$_u
}

# ended FINISH-RECORD: sets _fid, _said and _why to the job, its result
# in words and the reason, from a finish record of bb-report: what the
# hub took.
ended() {
	rec_key "$1" job
	_fid=$_v
	rec_key "$1" result
	case $_v in
	failure) _said="the build failed" ;;
	*) _said=$_v ;;
	esac
	rec_key "$1" reason
	unescape "$_v"
	_why=$_v
}

# log_finished FILE: says how each job that bb-report finished ended.
log_finished() {
	while IFS= read -r _f; do
		ended "$_f"
		log "job $_fid: $_said, delivered${_why:+ ($_why)}"
	done < "$1"
}

# The pipeline of a job, one function a stage.  A stage the settings
# leave out hands on to the next.  The statuses of the stages before
# bb-report go to $D/status: a pipeline's own status is only its last
# command's.
unpack_stage() {
	bb-unpack -d "$BASEDIR/work" < "$D/job"
	_rc=$?
	# bb-run starts once its input ends: end it now, not with this shell.
	exec >&-
	echo "unpack $_rc" >> "$D/status"
}

# bb-run runs in the background for its pid, kept for a cancel; it does
# not hold the worker's lock (fd 9), and neither does what it starts.
run_stage() {
	# The build sees its work tree, not BASEDIR nor the key and its
	# passphrase; what it prints of the secret is masked; what it
	# leaves is noted.
	set -- -g "$GRACE" -S "$SANDBOX" -H "$BASEDIR" -M "$BASEDIR/secret" \
	    -R "$BASEDIR/run/procs" -c "$BASEDIR/cache"
	[ -z "$SIGN_KEY" ] || set -- "$@" -H "$SIGN_KEY"
	[ -z "$SIGN_PASSPHRASE_FILE" ] ||
	    set -- "$@" -H "$SIGN_PASSPHRASE_FILE"
	_ifs=$IFS
	IFS=:
	for _c in $CACHE_DIRS; do
		[ -z "$_c" ] || set -- "$@" -B "$_c"
	done
	IFS=$_ifs
	[ -z "$RUN_AS" ] || set -- "$@" -u "$RUN_AS"
	exec 3<&0
	bb-run "$@" <&3 3<&- 9>&- &
	echo $! > "$D/run.pid"
	wait $!
	_rc=$?
	: > "$D/run.pid"
	echo "run $_rc" >> "$D/status"
}

sign_stage() {
	[ -n "$SIGN_KEY" ] || { pack_stage; return; }
	{ bb_sign -l; echo "sign $?" >> "$D/status"; } | pack_stage
}

# A job that feeds a later stage of its pipeline (next= in its job
# record) is not packed: its files go on as they are, for that stage.  A
# job whose recipe collects nothing has no artifact to pack: bb-pack would
# pass its records on unchanged, and is not started.
pack_stage() {
	[ "$PACK" = 1 ] && [ -z "$_next" ] && [ -n "$_collect" ] ||
	    { view_stage; return; }
	set --
	[ -z "$PACK_TEMPLATE" ] || set -- -n "$PACK_TEMPLATE"
	{ bb-pack "$@"; echo "pack $?" >> "$D/status"; } | view_stage
}

# With -v, the records also go to a bb-report -o - reading $D/view.
view_stage() {
	[ "$VERBOSE" = 1 ] || { report_stage; return; }
	tee "$D/view" | report_stage
}

# bb-report, last; its finish record (the result the hub took) goes to
# $D/finish.  When it stops before the job is delivered (the hub
# cancelled the job, took it back, or refused the session; the disk
# failed the spool), bb-run is told at once: the stages between them
# would only see it at their next write.  Nothing reads them any more,
# so that no write of theirs blocks.
report_stage() {
	bb-report -b "$BASEDIR" > "$D/finish"
	_rc=$?
	exec </dev/null
	if [ "$_rc" != 0 ] && read -r _p < "$D/run.pid"; then
		kill -TERM "$_p" 2>/dev/null
	fi
	return "$_rc"
}

# run_job: runs the job claimed into $D/job in BASEDIR/work/ID-ATTEMPT,
# says how it ended, and sets _undelivered when the spool keeps some.
run_job() {
	IFS= read -r _job < "$D/job"
	rec_key "$_job" id
	_id=$_v
	rec_key "$_job" attempt
	_att=$_v
	rec_key "$_job" next
	_next=$_v
	rec_key "$_job" name
	log "job $_id ($_v), attempt $_att: started"
	# Artifacts come only from the recipe's collect records.
	_collect=
	while IFS= read -r _l; do
		case $_l in
		'collect '*) _collect=1; break ;;
		esac
	done < "$D/job"
	: > "$D/status"
	: > "$D/run.pid"
	: > "$D/finish"
	_view=
	if [ "$VERBOSE" = 1 ]; then
		bb-report -o - < "$D/view" >&2 &
		_view=$!
	fi
	# In the background: a signal cuts the wait short and its trap runs
	# (cancel, stop) while the job goes on.
	unpack_stage | run_stage | sign_stage &
	_p=$!
	wait "$_p"
	_rc=$?
	while kill -0 "$_p" 2>/dev/null; do
		wait "$_p"
		_rc=$?
	done
	[ -z "$_view" ] || wait "$_view"
	: > "$D/job"	# the lease and the recipe's secrets
	# How it ended is what the hub took: bb-report's finish record.
	# The stages' statuses say more when there is none.
	_ru='?' _rr='?' _rx=
	while read -r _s _c; do
		case $_s in
		unpack) _ru=$_c ;;
		run) _rr=$_c ;;
		sign|pack) [ "$_c" = 0 ] || _rx="$_rx, bb-$_s $_c" ;;
		esac
	done < "$D/status"
	case $_rc in
	0)	if [ -s "$D/finish" ]; then
			log_finished "$D/finish"
		else
			log "job $_id: delivered (bb-unpack $_ru, bb-run $_rr$_rx)"
		fi ;;
	"$EX_UNAVAILABLE")
		log "job $_id: the hub cancelled it or gave it to another worker" ;;
	"$EX_NOPERM")
		log "job $_id: the hub refused the session; kept in the spool" ;;
	"$EX_IOERR")
		# The disk failed the spool: the job may be finished as an
		# error all the same.
		[ ! -s "$D/finish" ] || log_finished "$D/finish"
		log "job $_id: stopped by a failure of the disk (see above)" ;;
	*)	log "job $_id: not all delivered (bb-report $_rc$_rx); kept in the spool" ;;
	esac
	case $_rc in
	"$EX_TEMPFAIL"|"$EX_NOPERM") _undelivered=1 ;;
	esac
	_w=$BASEDIR/work/$_id-$_att
	if [ "$KEEP_WORK" = 1 ]; then
		log "job $_id: work kept in $_w"
	elif [ -n "$_id" ] && [ -e "$_w" ]; then
		rm -rf "$_w"
	fi
}

# slot N: says hello, claims and runs jobs until a stop; with ONCE, at
# most one.  Returns 0, or the status of the stage that gave up.
slot() {
	SLOT=$1
	D=$RUNDIR/slot$SLOT
	[ ! -s "$D/session" ] || : > "$D/session"
	_undelivered=0
	while ! stopping; do
		if [ ! -s "$D/session" ]; then
			connect "$D/session" || return
			continue
		fi
		# A job this slot could not deliver is tried again before
		# the next claim (a spool in use elsewhere is left alone).
		if [ "$_undelivered" = 1 ]; then
			bb-report -b "$BASEDIR" --resend -t 30s \
			    < "$D/session" > "$D/finish"
			_rc=$?
			log_finished "$D/finish"
			case $_rc in
			0) _undelivered=0; log "the spool is delivered" ;;
			"$EX_NOPERM") : > "$D/session"; continue ;;
			esac
		fi
		claim
		_rc=$?
		case $_rc in
		0)	run_job
			[ "$ONCE" = 0 ] || return 0 ;;
		"$EX_UNAVAILABLE")
			log "no job for this worker"
			return 0 ;;
		"$EX_NOPERM")
			log "the hub ended the session; saying hello again"
			: > "$D/session" ;;
		*)	stopping && return 0
			log "bb-claim gave up (status $_rc)"
			return "$_rc" ;;
		esac
	done
	return 0
}

# slot_end STATUS: ends a slot of several; one that ended on an error
# stops the others gracefully (the supervisor waits for them all).
slot_end() {
	if [ "$1" != 0 ] && [ ! -s "$RUNDIR/stop" ]; then
		log "a slot ended with status $1: stopping the others"
		drain
	fi
	exit "$1"
}

# resend: delivers what an earlier run left in the spool, and tells the
# hub that the attempts it was running died: those of its spool without
# a done record, and those of the jobs its slots had claimed
# (run/slot*/job, which a stop empties), spooled or not.
resend() {
	for _e in "$BASEDIR"/spool/* "$BASEDIR"/spool/.[!.]* \
	    "$RUNDIR"/slot*/job; do
		[ -d "$_e" ] || [ -s "$_e" ] || continue
		log "delivering what an earlier run left in $BASEDIR/spool"
		D=$RUNDIR
		connect "$RUNDIR/resend.session" || return
		[ -s "$RUNDIR/resend.session" ] || return
		{
			cat "$RUNDIR/resend.session"
			for _j in "$RUNDIR"/slot*/job; do
				IFS= read -r _l < "$_j" || continue
				case $_l in
				'job '*) printf '%s\n' "$_l" ;;
				esac
			done
		} | bb-report -b "$BASEDIR" --resend -r "worker restarted" \
		    > "$RUNDIR/finish"
		_rc=$?
		log_finished "$RUNDIR/finish"
		[ "$_rc" = 0 ] ||
		    log "some of the spool is not delivered yet (status $_rc)"
		for _j in "$RUNDIR/resend.session" "$RUNDIR"/slot*/job; do
			[ ! -s "$_j" ] || : > "$_j"
		done
		return
	done
}

# signal_all FILE-NAME SIGNAL: signals the process named in each slot's
# FILE, and in the supervisor's own.
signal_all() {
	# Its own variables: it runs in traps, inside other functions.
	for _sig_f in "$RUNDIR"/slot*/"$1" "$RUNDIR/$1"; do
		[ -s "$_sig_f" ] && read -r _sig_p < "$_sig_f" &&
		    kill "-$2" "$_sig_p" 2>/dev/null
	done
}

# drain: no new claims; a slot waiting for the hub stops waiting.  The
# stamp too: a stage that a TERM missed (sent between its fork and its
# exec, when the forked shell drops what it caught) sees it within 2
# seconds and ends as by TERM.
drain() {
	echo stop > "$RUNDIR/stop"
	[ -e "$BASEDIR/shutdown.stamp" ] || : > "$BASEDIR/shutdown.stamp"
	signal_all wait.pid TERM
}

# The traps say what they do as the supervisor, not as its slot (one
# slot runs in the supervisor's own shell).
on_term() {
	_terms=$((_terms + 1))
	if [ "$_terms" -gt 1 ]; then
		on_int
		return
	fi
	_trap_slot=${SLOT-}
	SLOT=
	log "stopping: no new jobs; waiting for the running ones to finish"
	SLOT=$_trap_slot
	drain
}

on_int() {
	_trap_slot=${SLOT-}
	SLOT=
	log "cancelling the running jobs"
	SLOT=$_trap_slot
	drain
	signal_all run.pid TERM
}

# reap: collects the slots that ended, and is true while one runs.
reap() {
	_left=
	for _p in $_pids; do
		if kill -0 "$_p" 2>/dev/null; then
			_left="$_left $_p"
			continue
		fi
		wait "$_p"
		_rc=$?
		[ "$_rc" = 0 ] || _status=$_rc
	done
	_pids=$_left
	[ -n "$_pids" ]
}

# stamped: the shutdown stamp was seen (by the stages that wait, which
# end as by SIGTERM: bb-claim and bb-connect -b): stop as SIGTERM does.
stamped() {
	[ ! -e "$BASEDIR/shutdown.stamp" ] || [ "$_terms" -gt 0 ] || on_term
}

# cleanup: on any exit, no child outlives the supervisor, and no token
# or lease stays on disk.
cleanup() {
	[ -z "$_pids$_inline" ] || on_int
	wait
	for _f in "$RUNDIR"/slot*/session "$RUNDIR"/slot*/job "$RUNDIR/pid"; do
		[ ! -s "$_f" ] || : > "$_f"
	done
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
	_slots=$SLOTS
	[ "$ONCE" = 0 ] || _slots=1
	set --
	_i=1
	while [ "$_i" -le "$_slots" ]; do
		[ -d "$RUNDIR/slot$_i" ] || set -- "$@" "$RUNDIR/slot$_i"
		_i=$((_i + 1))
	done
	{ [ $# = 0 ] || (umask 077 && mkdir -p "$@"); } &&
	    { [ -d "$BASEDIR/work" ] || mkdir "$BASEDIR/work"; } &&
	    { [ -d "$BASEDIR/spool" ] || (umask 077 && mkdir "$BASEDIR/spool"); } ||
	    die $EX_CANTCREAT "$BASEDIR: cannot make run/, work/, spool/"
	# One bb-worker a home: the lock is held while it, or any stage it
	# started, runs.
	command exec 9>> "$RUNDIR/worker.lock" ||
	    die $EX_CANTCREAT "$RUNDIR/worker.lock: cannot open it"
	flock -n 9
	case $? in
	0)	;;
	1)	_p='?'
		read -r _p < "$RUNDIR/pid"
		die $EX_TEMPFAIL "$BASEDIR: already served by process $_p" ;;
	*)	die $EX_UNAVAILABLE "$RUNDIR/worker.lock: cannot lock it" \
		    "(flock(1) of util-linux)" ;;
	esac
	echo $$ > "$RUNDIR/pid"
	: > "$RUNDIR/stop"
	[ ! -e "$BASEDIR/shutdown.stamp" ] || rm -f "$BASEDIR/shutdown.stamp"
	_pids='' _inline='' _terms=0 _status=0
	trap cleanup EXIT
	trap on_term TERM HUP
	trap on_int INT
	set -- bb-connect bb-claim bb-unpack bb-run bb-report
	[ -z "$SIGN_KEY" ] || set -- "$@" bb-sign
	[ "$PACK" = 0 ] || set -- "$@" bb-pack
	for _c; do
		command -v "$_c" > /dev/null || die $EX_UNAVAILABLE \
		    "$_c: not found beside $0, in @BINDIR@ or in PATH"
	done
	# What a killed predecessor's builds left running ends first.
	bb-run -K "$BASEDIR/run/procs" ||
	    die $EX_CANTCREAT "$BASEDIR/run/procs: cannot end what was left"
	if [ "$DELETE_LEFTOVER_DIRS" = 1 ]; then
		for _e in "$BASEDIR"/work/* "$BASEDIR"/work/.[!.]*; do
			[ -e "$_e" ] || continue
			log "removing leftover work directories in $BASEDIR/work"
			rm -rf "$BASEDIR"/work/* "$BASEDIR"/work/.[!.]*
			break
		done
	fi
	if [ "$SANDBOX" = none ]; then
		[ "$(id -u)" -ne 0 ] || [ -n "$RUN_AS" ] || die $EX_CONFIG \
		    "$BASEDIR/worker.conf: SANDBOX=none needs RUN_AS when bb-worker runs as root"
		log "WARNING: SANDBOX=none: builds can read all that ${RUN_AS:-this user} can, BASEDIR included"
	fi
	check_sign_key
	[ "$(id -u)" -ne 0 ] || [ -n "$RUN_AS" ] ||
	    log "WARNING: running builds as root; set RUN_AS in worker.conf"
	if [ "$ONCE" = 1 ]; then
		log "worker $NAME of $HUB: one job at most"
	else
		log "worker $NAME of $HUB: $SLOTS slot(s)"
	fi
	resend
	_i=1
	while [ "$_i" -le "$_slots" ]; do
		[ ! -p "$RUNDIR/slot$_i/view" ] && [ "$VERBOSE" = 1 ] &&
		    mkfifo "$RUNDIR/slot$_i/view"
		_i=$((_i + 1))
	done
	if [ "$_slots" = 1 ]; then
		# One slot runs in this shell: no second shell.  Each of its
		# waits is one that a signal cuts short, for the traps.
		_inline=1
		slot 1
		_status=$?
		SLOT='' _inline=''
		stamped
	else
		_i=1
		while [ "$_i" -le "$_slots" ]; do
			(trap - TERM HUP EXIT; slot "$_i"; slot_end $?) &
			_pids="$_pids $!"
			_i=$((_i + 1))
		done
		# Signals cut a wait short: wait again while a slot runs.
		while reap; do
			wait
			stamped
		done
	fi
	log "stopped"
	exit "$_status"
}

# pin_check PIN: true if PIN is sha256// and 44 characters of base64,
# ';' between several, as bb-connect(1) --pin takes it.
pin_check() {
	_rest=$1
	while :; do
		_p=${_rest%%;*}
		case ${_p#sha256//} in
		"$_p"|*[!A-Za-z0-9+/=]*) return 1 ;;
		esac
		[ ${#_p} -eq 52 ] || return 1
		[ "$_rest" != "$_p" ] || return 0
		_rest=${_rest#*;}
	done
}

cmd_create() {
	_force=0 _ca='' _pin=''
	while getopts :C:P:f _o; do
		case $_o in
		C) _ca=$OPTARG ;;
		P) _pin=$OPTARG ;;
		f) _force=1 ;;
		:) usage "-$OPTARG needs a value" ;;
		*) usage "-$OPTARG: unknown option" ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -eq 3 ] || usage "create-worker takes a basedir, a hub and a name"
	BASEDIR=$1 HUB=$2 NAME=$3
	# The CA is written as its absolute path, not copied: a file or a
	# directory, renewed where it lies.
	if [ -n "$_ca" ]; then
		case $_ca in
		*'
'*) die $EX_USAGE "-C: a CA path holds no newline" ;;
		esac
		if ! [ -r "$_ca" ] || ! { [ -f "$_ca" ] || [ -d "$_ca" ]; }; then
			die $EX_NOINPUT "-C $_ca: no such CA file or directory"
		fi
		if [ -d "$_ca" ]; then
			_abs=$(cd -- "$_ca" && pwd)
		else
			_abs=$(cd -- "$(dirname -- "$_ca")" && pwd) &&
			    _abs=${_abs%/}/$(basename -- "$_ca")
		fi || die $EX_NOINPUT "-C $_ca: cannot find its directory"
		_ca=$_abs
	fi
	if [ -n "$_pin" ] && ! pin_check "$_pin"; then
		die $EX_USAGE "-P $_pin: not sha256// and a base64 SHA-256 (bb-connect(1) --pin)"
	fi
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
		# The terminal gets its modes back however this ends.
		_tty=$(stty -g)
		trap 'stty "$_tty"' EXIT
		trap 'exit 129' HUP
		trap 'exit 130' INT
		trap 'exit 143' TERM
		stty -echo
		IFS= read -r _secret
		stty "$_tty"
		trap - EXIT HUP INT TERM
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
CA=$_ca
# The hub's public key pin, sha256//BASE64.
PIN=$_pin
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
# Tries beyond the first before a stage gives up on the hub (empty:
# never with run, 3 with once); the worker then stops.
MAXRETRIES=
# Most seconds between two reports while a job runs (empty: the hub's).
KEEPALIVE=
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
# A bb-sign(1) secret key: when it is set, every artifact is signed, and
# each job gets a signed checksum list.
SIGN_KEY=
# signify, minisign or cms; empty: the key's own format.
SIGN_FORMAT=
# The passphrase of SIGN_KEY, if it has one: a file of mode 0600.
SIGN_PASSPHRASE_FILE=
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

# cmd_cache [-x] basedir [cache ...]: lists the caches of the recipes'
# jobs, or removes them (-x: all, or those named NAME, RECIPE/NAME or
# RECIPE/); a cache a job uses is kept.
cmd_cache() {
	flag_opt x "$@"
	shift $((OPTIND - 1))
	_clear=$_flag
	[ $# -ge 1 ] || usage "cache takes a basedir"
	BASEDIR=$1
	shift
	[ -d "$BASEDIR" ] || die $EX_NOINPUT "$BASEDIR: no such worker home"
	if [ "$_clear" = 1 ]; then
		exec bb-run -c "$BASEDIR/cache" -x "$@"
	fi
	[ $# = 0 ] || usage "cache lists all caches; -x removes those named"
	exec bb-run -c "$BASEDIR/cache" -l
}

cmd_stop() {
	[ $# -eq 1 ] || usage "stop takes one basedir"
	_lock=$1/run/worker.lock
	# The lock is held while a bb-worker serves the home.
	if [ ! -e "$_lock" ] || flock -n "$_lock" true; then
		die $EX_UNAVAILABLE "$1: no bb-worker runs there"
	fi
	_p='?'
	read -r _p < "$1/run/pid" && kill -TERM "$_p" 2>/dev/null ||
	    die $EX_UNAVAILABLE "$1: process $_p is gone"
}

[ $# -ge 1 ] || usage "no command"
case $1 in
-V|--version) echo "bb-worker $VERSION (commit @COMMIT@, built @BUILT@)"; exit 0 ;;
esac
VERBOSE=0 ONCE=0
_cmd=$1
shift
case $_cmd in
create-worker)
	cmd_create "$@" ;;
run|once)
	[ "$_cmd" = run ] || ONCE=1
	flag_opt v "$@"
	shift $((OPTIND - 1))
	VERBOSE=$_flag
	[ $# -eq 1 ] || usage "$_cmd takes one basedir"
	BASEDIR=$1
	cmd_run ;;
stop)
	cmd_stop "$@" ;;
cache)
	cmd_cache "$@" ;;
*)
	usage "$_cmd: unknown command" ;;
esac
