# Helpers of the benchmarks: sourced by tests/bench/*.sh, which
# mk/bench.sh (make bench) runs one after the other.
# shellcheck shell=sh
#
#	now_ns				the time, in nanoseconds since the epoch
#	ns_s NS				nanoseconds as seconds, NS_ms as ms
#	sample NAME VALUE		keeps one measurement of NAME
#	timed NAME CMD...		runs CMD (its output to /dev/null),
#					keeps its wall time in seconds
#	stats NAME			"median min max n" of NAME's samples
#	skip NAME REASON		NAME was not measured (its reference
#					figures say "skipped: REASON")
#	figure LINE UNIT NAME REF TARGET
#					writes one line of the results: the
#					median, min and max of NAME, the median
#					of REF (a sample name, or -), their
#					ratio NAME/REF, and whether it meets
#					TARGET (<=X or >=X on the ratio, or -)
#	deadline SECONDS WHAT CMD...	runs CMD until it succeeds, at most
#					SECONDS, every 20 ms; fails naming WHAT
#
# Samples live in $BENCH_DIR/samples/NAME, one value a line; results are
# appended to $BENCH_RESULTS.  $BENCH_RUNS (5) is how many times each
# figure is measured; the runs of a figure and of its reference alternate,
# so that the load of the machine falls on both alike.

: "${BENCH_DIR:?run through make bench (mk/bench.sh)}"
: "${BENCH_RUNS:=5}"
: "${BENCH_RESULTS:=$BENCH_DIR/results}"
BENCH_SAMPLES=$BENCH_DIR/samples
mkdir -p "$BENCH_SAMPLES"

now_ns() { date +%s%N; }

ns_s() { awk -v n="$1" 'BEGIN { printf "%.6f", n / 1e9 }'; }
ns_ms() { awk -v n="$1" 'BEGIN { printf "%.3f", n / 1e6 }'; }

sample() { printf '%s\n' "$2" >>"$BENCH_SAMPLES/$1"; }

timed() {
	_tn=$1
	shift
	_t0=$(now_ns)
	"$@" >/dev/null || { echo "** $*: exit $?" >&2; return 1; }
	_t1=$(now_ns)
	sample "$_tn" "$(ns_s $((_t1 - _t0)))"
}

stats() {
	[ -s "$BENCH_SAMPLES/$1" ] || { echo "- - - 0"; return; }
	sort -g "$BENCH_SAMPLES/$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m, v[1], v[NR], NR }'
}

skip() { printf '%s\n' "$2" >"$BENCH_SAMPLES/$1.skipped"; }

figure() {
	_line=$1 _unit=$2 _name=$3 _ref=$4 _target=$5
	# shellcheck disable=SC2046
	set -- $(stats "$_name") $(if [ "$_ref" = - ]; then echo - - - 0; \
	    else stats "$_ref"; fi)
	_why=
	if [ "$_ref" != - ] && [ -e "$BENCH_SAMPLES/$_ref.skipped" ]; then
		_why=$(cat "$BENCH_SAMPLES/$_ref.skipped")
	fi
	if [ -e "$BENCH_SAMPLES/$_name.skipped" ]; then
		_why=$(cat "$BENCH_SAMPLES/$_name.skipped")
	fi
	awk -v line="$_line" -v unit="$_unit" -v ref="$_ref" \
	    -v target="$_target" -v why="$_why" -v m="$1" -v lo="$2" \
	    -v hi="$3" -v n="$4" -v rm="$5" -v rn="$8" '
	function fmt(x) {
		if (x == "-")
			return x
		x += 0
		if (x == int(x) && (x < 0 ? -x : x) < 1e9)
			return sprintf("%d", x)
		if (x < 0 ? -x >= 100 : x >= 100)
			return sprintf("%.0f", x)
		if (x < 0 ? -x >= 10 : x >= 10)
			return sprintf("%.1f", x)
		if (x < 0 ? -x >= 1 : x >= 1)
			return sprintf("%.2f", x)
		return sprintf("%.3g", x)
	}
	BEGIN {
		ratio = "-"
		if (n > 0 && rn > 0 && rm + 0 != 0)
			ratio = m / rm
		verdict = "-"
		if (why != "")
			verdict = "skipped"
		else if (n == 0 || (ref != "-" && rn == 0))
			verdict = "failed"
		else if (target ~ /^<=/)
			verdict = ratio <= substr(target, 3) + 0 ? "met" : "missed"
		else if (target ~ /^>=/)
			verdict = ratio >= substr(target, 3) + 0 ? "met" : "missed"
		printf "%-34s %9s %9s %9s %-8s %2d %-24s %9s %7s %-7s %s\n",
		    line, fmt(m), fmt(lo), fmt(hi), unit, n, ref, fmt(rm),
		    fmt(ratio), target, verdict
	}' | tee -a "$BENCH_RESULTS"
}

deadline() {
	_secs=$1 _what=$2
	shift 2
	_end=$(($(date +%s) + _secs))
	until "$@"; do
		if [ "$(date +%s)" -ge "$_end" ]; then
			echo "** timed out after ${_secs}s waiting for $_what" >&2
			return 1
		fi
		sleep 0.02
	done
}
