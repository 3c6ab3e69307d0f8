#!/bin/sh
# make bench: runs the benchmarks of tests/bench/ one after the other and
# writes their figures to $BENCH_OUT/results.txt (build/bench/), one line
# a figure, to diff between commits (README, "Benchmarks").
#
#	mk/bench.sh BINDIR
#
# Each benchmark measures a bb command or a whole job and, in the same run,
# the reference it is compared with (the stock tool, the step's output
# into /dev/null, /bin/true, Buildbot), $BENCH_RUNS times each (5),
# alternating, and prints median, min, max and the ratio to the target.
#
#	BENCH=jobs,startup	only these benchmarks (tests/bench/NAME.sh)
#	BENCH_RUNS=N		runs of each figure (at least 5 for figures
#				to compare; fewer to try the harness)
#	BENCH_BUILDBOT=1	install Debian's buildbot and buildbot-worker
#				if missing (as root) and compare with them;
#				0 leaves them out even if installed; unset
#				uses them when installed
#	BENCH_OUT=DIR		where results.txt and samples/ go
set -eu
BB_BIN=${1:?usage: mk/bench.sh BINDIR}
BB_SRC=$(cd "$(dirname "$0")/.." && pwd)
: "${BB_BUILD:=$(dirname "$BB_BIN")}"
: "${BENCH_OUT:=$BB_BUILD/bench}"
: "${BENCH_RUNS:=5}"
: "${BENCH_BUILDBOT:=}"
export BB_BIN BB_SRC BB_BUILD BENCH_RUNS BENCH_BUILDBOT
PATH=$BB_BIN:$PATH
export PATH
: "${BENCH_DIR:=$(mktemp -d /var/tmp/bb-bench.XXXXXX)}"
BENCH_RESULTS=$BENCH_DIR/results
export BENCH_DIR BENCH_RESULTS
trap 'rm -rf "$BENCH_DIR"' EXIT
trap 'exit 130' INT TERM HUP

if [ "$BENCH_BUILDBOT" = 1 ] && ! command -v buildbot-worker >/dev/null; then
	if [ "$(id -u)" -eq 0 ]; then
		echo "bench: installing buildbot and buildbot-worker (BENCH_BUILDBOT=1)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y \
		    --no-install-recommends buildbot buildbot-worker
	else
		echo "bench: BENCH_BUILDBOT=1: as root, run" >&2
		echo "  apt-get install -y buildbot buildbot-worker" >&2
		exit 1
	fi
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }
commit=$(git -C "$BB_SRC" describe --always --dirty 2>/dev/null || echo unknown)
head="bb bench at $commit on $(uname -srm), $(nproc) cores,"
head="$head $(date -u +%Y-%m-%dT%H:%MZ), $BENCH_RUNS runs"
echo "$head"
head_load=$(load)
echo "load at the start: $head_load"
: >"$BENCH_RESULTS"

# The figures of issue 16 first, in its order; then any other benchmark.
order="jobs startup bb-run bb-unpack bb-pack bb-sign bb-report bb-hub"
for b in "$BB_SRC"/tests/bench/*.sh; do
	n=$(basename "$b" .sh)
	case " lib $order " in
	*" $n "*) ;;
	*) order="$order $n" ;;
	esac
done
status=0
for n in $order; do
	b=$BB_SRC/tests/bench/$n.sh
	[ -e "$b" ] || continue
	case ",${BENCH:-$n}," in
	*,"$n",*) ;;
	*) continue ;;
	esac
	echo
	echo "== $n (load $(load))"
	t0=$(date +%s)
	sh "$b" || { echo "** $n failed"; status=1; }
	echo "== $n: $(($(date +%s) - t0)) s"
done

mkdir -p "$BENCH_OUT"
rm -rf "$BENCH_OUT/samples"
cp -R "$BENCH_DIR/samples" "$BENCH_OUT/samples" 2>/dev/null || :
{
	echo "# $head"
	echo "# load (1, 5, 15 min) at the start and the end: $head_load / $(load)"
	for s in "$BENCH_OUT"/samples/*.skipped; do
		[ -e "$s" ] || continue
		echo "# $(basename "$s" .skipped) skipped: $(cat "$s")"
	done
	printf '# %-32s %9s %9s %9s %-8s %2s %-24s %9s %7s %-7s %s\n' figure \
	    median min max unit n reference ref.med ratio target verdict
	cat "$BENCH_RESULTS"
} >"$BENCH_OUT/results.txt.new"
mv "$BENCH_OUT/results.txt.new" "$BENCH_OUT/results.txt"
echo
echo "== results ($BENCH_OUT/results.txt)"
cat "$BENCH_OUT/results.txt"
awk '!/^#/ { n[$NF]++ } END { printf "%d met, %d missed, %d skipped, " \
    "%d failed, %d without a target\n", n["met"], n["missed"], \
    n["skipped"], n["failed"], n["-"] }' "$BENCH_OUT/results.txt"
exit $status
