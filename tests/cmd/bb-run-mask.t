#!/bin/sh
# bb-run: secrets never leave in a record, however a step writes them.
. "${BB_SRC:-.}/tests/lib.sh"
LOGDATA=$BB_BUILD/tests/tools/logdata
W=$T/work
mkdir "$W"
S=s3cr3t-Value-$$
export S

# notin FILE DESCRIPTION: FILE shows the secret masked, and holds it
# nowhere, raw or decoded from records.  (Without "[masked]" in it, an
# empty or cut FILE would pass.)
notin() {
	"$LOGDATA" < "$1" > "$1.data" 2>/dev/null || :
	if grep -qF '[masked]' "$1" "$1.data"; then
		nowhere "$2" "$S" "$1" "$1.data"
	else
		ok 1 "$2"
		echo "#   $1 does not show [masked]: the secret was never written"
	fi
}

# A secret of the recipe, echoed whole, byte by byte, to both streams.
cat > "$T/leak.recipe" <<'EOF'
secret DEPLOY_TOKEN
step whole: echo "token is $DEPLOY_TOKEN."; echo "$DEPLOY_TOKEN" >&2
step bytes: v=$DEPLOY_TOKEN; while [ -n "$v" ]; do r=${v#?}; printf %s "${v%"$r"}"; v=$r; sleep 0.03; done; echo
step slow: v=$DEPLOY_TOKEN; printf %s "${v%??????}"; sleep 0.5; printf '%s\n' "${v#"${v%??????}"}"
step env: env
step proc: tr '\0' '\n' < /proc/$PPID/environ
EOF
# -S none: the step reads bb-run's own /proc, which a sandbox hides.
RUN_ENV="DEPLOY_TOKEN=$S" run bb-run -S none -f "$T/leak.recipe" -C "$W"
is "$rc" 0 "the steps ran"
is "$("$LOGDATA" -s whole < "$T/out")" "token is [masked].
[masked]" "a secret echoed whole is masked, on stdout and stderr"
is "$("$LOGDATA" -s bytes < "$T/out")" "[masked]" \
    "a secret written a byte at a time is masked"
is "$("$LOGDATA" -s slow < "$T/out")" "[masked]" \
    "a secret split by a pause longer than the flush delay is masked"
like "$("$LOGDATA" -s env < "$T/out")" '^DEPLOY_TOKEN=\[masked\]$' \
    "the step has it in its environment"
unlike "$("$LOGDATA" -s proc < "$T/out")" 'DEPLOY_TOKEN=.' \
    "bb-run's own environment no longer holds it"
notin "$T/out" "the secret is in no record"
is "$err" "" "nor in a message"

# Variables whose names look secret, in bb-run's environment or the
# recipe's; -m and mask add patterns.
cat > "$T/names.recipe" <<'EOF'
env API_KEY=recipe-key-1234
env PLAIN=visible-1234
mask *_CREDS
step show: echo "$API_KEY $PLAIN"; echo "$HOST_PASSWORD $LOGIN_CREDS $EXTRA_VAR"
EOF
RUN_ENV="HOST_PASSWORD=$S-pw LOGIN_CREDS=$S-creds EXTRA_VAR=$S-x" \
    run bb-run -m 'extra_*' -f "$T/names.recipe" -C "$W"
is "$("$LOGDATA" < "$T/out")" "[masked] visible-1234
  " "a recipe variable named *_KEY is masked, others are not"
cat > "$T/names2.recipe" <<EOF
step show: echo "$S-pw $S-creds $S-x $S-other"
EOF
RUN_ENV="HOST_PASSWORD=$S-pw LOGIN_CREDS=$S-creds EXTRA_VAR=$S-x" \
    run bb-run -m 'extra_*' -f "$T/names2.recipe" -C "$W"
is "$("$LOGDATA" < "$T/out")" "[masked] $S-creds [masked] $S-other" \
    "values of bb-run's *_PASSWORD and -m variables are masked"
printf 'mask *_CREDS\n' | cat - "$T/names2.recipe" > "$T/names3.recipe"
RUN_ENV="LOGIN_CREDS=$S-creds" run bb-run -f "$T/names3.recipe" -C "$W"
like "$("$LOGDATA" < "$T/out")" "^$S-pw \\[masked\\] " \
    "the recipe's mask directive"

# What cannot be masked is said, without the value.
cat > "$T/short.recipe" <<'EOF'
secret TINY_TOKEN UNSET_TOKEN
step s: echo "[$TINY_TOKEN]"
EOF
RUN_ENV="TINY_TOKEN=abc" run bb-run -f "$T/short.recipe" -C "$W"
is "$err" "bb-run: secret TINY_TOKEN is shorter than 4 bytes: not masked
bb-run: secret UNSET_TOKEN is not set" "short and missing secrets: warnings"
is "$("$LOGDATA" < "$T/out")" "[abc]" "a short value is not masked"
big=$(head -c 17000 /dev/zero | tr '\0' k)
RUN_ENV="BIG_TOKEN=$big" run bb-run -f "$T/short.recipe" -C "$W"
is "$rc" 78 "a value too long to mask: exit 78"
is "$err" "bb-run: variable BIG_TOKEN: cannot mask its value: secret longer than 16384 bytes" \
    "the message names the variable, not the value"
unlike "$(cat "$T/out")" kkkkkkkk "no record holds the value"

# A value of several lines is masked line by line too.
printf 'secret MULTI_KEY\nstep s: printf "%%s\\n" "$MULTI_KEY" | tail -1\n' \
    > "$T/multi.recipe"
run sh -c "MULTI_KEY=\$(printf 'line-one-%s\nline-two-%s' $$ $$)
    export MULTI_KEY; exec bb-run -f '$T/multi.recipe' -C '$W'"
is "$("$LOGDATA" < "$T/out")" "[masked]" "one line of a multi-line secret"

# Human output masks too.
RUN_ENV="DEPLOY_TOKEN=$S" run bb-run -v -f "$T/leak.recipe" -C "$W"
notin "$T/out" "-v: the secret is not shown"

done_testing
