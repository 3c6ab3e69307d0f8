#!/bin/sh
# The tests of hello: each prints ok or not ok.
n=0 failed=0
check() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then echo "ok $n - $3"
	else echo "not ok $n - $3 (got '$1')"; failed=$((failed + 1)); fi
}
check "$(./hello)" "hello, world (hello 1.0)" "greets the world"
check "$(./hello bb)" "hello, bb (hello 1.0)" "greets by name"
./hello a b 2>/dev/null; check "$?" 64 "refuses two names"
echo "1..$n"
[ "$failed" -eq 0 ]
