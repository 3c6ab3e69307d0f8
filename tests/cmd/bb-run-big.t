#!/bin/sh
# bb-run: a big output arrives whole, in records within the line limit,
# in little memory (32 MiB).  200 MB with BB_SLOW=1 (make check-slow),
# 48 MB (more than the limit) otherwise.
. "${BB_SRC:-.}/tests/lib.sh"
LOGDATA=$BB_BUILD/tests/tools/logdata
W=$T/work
mkdir "$W"
N=$(sized 48000000 200000000)
# Deterministic bytes of every value: AES-CTR of zeros.
gen="openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
-iv 0 -in /dev/zero 2>/dev/null | head -c $N"
want=$(sh -c "$gen" | sha256sum | cut -d' ' -f1)

cat > "$T/big.recipe" <<EOF
step big: $gen
step mem: grep VmHWM /proc/\$PPID/status
EOF
# Without the sandbox, the step's parent is bb-run itself: the sandbox's
# steps see no process of the host.
{ env -i PATH="$PATH" bb-run -S none -f "$T/big.recipe" -C "$W" 2>"$T/err" &&
    echo 0 > "$T/rc" || echo $? > "$T/rc"; } |
    "$LOGDATA" -s big -d 1 -o "$T/rest" 2>"$T/lderr" | sha256sum |
    cut -d' ' -f1 > "$T/sum"
is "$(cat "$T/rc")" 0 "$((N / 1000000)) MB of output: exit 0"
is "$(cat "$T/err")" "" "nothing on stderr"
is "$(cat "$T/lderr")" "" "every record is well-formed and within 64 KiB"
is "$(cat "$T/sum")" "$want" "the decoded log data is the output, byte for byte"
like "$(grep '^status step=big state=finished' "$T/rest")" ' rc=0 .* result=success$' \
    "the step succeeded"
hwm=$("$LOGDATA" -s mem < "$T/rest" | awk '{ print $2 }')
if [ "${BB_SAN:-0}" = 1 ]; then
	ok 0 "# SKIP memory use under the sanitizers ($hwm kB)"
else
	ok "$([ "$hwm" -lt 32768 ]; echo $?)" \
	    "bb-run's peak memory stays small ($hwm kB)"
fi

done_testing
