#!/bin/sh
# make bench: runs every tests/bench/*.sh in turn.  Each one runs a bb
# command and the stock tool it competes with in the same run, on the same
# input, and prints the ratio.  $1 is the directory of the commands.
set -eu
BB_BIN=${1:?usage: mk/bench.sh BINDIR}
BB_SRC=$(cd "$(dirname "$0")/.." && pwd)
export BB_BIN BB_SRC
PATH=$BB_BIN:$PATH
export PATH
: "${BENCH_DIR:=$(mktemp -d /var/tmp/bb-bench.XXXXXX)}"
export BENCH_DIR
trap 'rm -rf "$BENCH_DIR"' EXIT
echo "bb bench on $(uname -srm), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
status=0
for b in "$BB_SRC"/tests/bench/*.sh; do
	[ -e "$b" ] || continue
	echo
	echo "== $(basename "$b" .sh)"
	sh "$b" || { echo "** $(basename "$b") failed"; status=1; }
done
exit $status
