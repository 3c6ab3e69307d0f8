#!/bin/sh
# shellcheck disable=SC2154
# Releases that verify: a real worker job collects nested artifacts, signs
# them and packs them; the archive fetched from the hub, unpacked, checks
# with the stock tools (signify -C, sha256sum -c, minisign -V) on every
# file, because an artifact's name is its path everywhere.  Two artifacts
# with one name fail the job, naming both, and nothing is uploaded.
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/hub.sh"
. "$BB_SRC/tests/worker.sh"

hub_init
hub_start -K 2s
bb-sign -G -p "$T/s.pub" -s "$T/s.sec"
bb-sign -G -f minisign -p "$T/m.pub" -s "$T/m.sec"
AUTH="Authorization: Bearer $HUB_ADMIN"
have_signify=0
command -v signify-openbsd >/dev/null 2>&1 && have_signify=1

NESTED='job nested
step build: mkdir -p a/b c && echo x > a/b/x && echo y > c/y
collect a/b/x c/y'

# fetch JOB NAME FILE: the artifact NAME of JOB from the hub into FILE.
fetch() {
	hub_req GET "/v1/admin/jobs/$1/artifacts/$2" -H "$AUTH"
	cp "$T/resp" "$3"
	[ "$code" = 200 ]
}

# names JOB: the job's artifact names on the hub, one a line, sorted.
names() {
	bb-hub show -r -d "$HUB_DIR" "$1" |
	    sed -n 's/^artifact .* name=\([^ ]*\).*/\1/p' | sort
}
# archive JOB DIR: fetches the job's archive and unpacks it into DIR.
archive() {
	_a=$(names "$1" | grep '\.tar\.zst$')
	[ -n "$_a" ] || return 1
	fetch "$1" "$_a" "$T/$_a" && fetch "$1" "$_a.sha256" "$T/$_a.sha256" ||
	    return 1
	(cd "$T" && sha256sum -c "$_a.sha256" >/dev/null) || return 1
	mkdir -p "$2" && tar --zstd -xf "$T/$_a" -C "$2"
}

# A signify key, packing on.
worker_make w1 "SIGN_KEY=$T/s.sec"
hub_submit "$NESTED"
run bb-worker once "$T/w1"
like "$err" "job $JOB: success, delivered" "signify key, packing on: success"
is "$(job_state "$JOB")" success "the hub has it as success"
archive "$JOB" "$T/x1"
ok $? "the archive fetched from the hub matches its .sha256, and unpacks"
is "$(cd "$T/x1" && find . -type f | sort | tr '\n' ' ')" \
    "./SHA256 ./SHA256.sig ./a/b/x ./a/b/x.sig ./c/y ./c/y.sig " \
    "it holds the artifacts at their paths, their signatures and the list"
run sh -c "cd '$T/x1' && sha256sum -c SHA256"
is "$rc:$out" "0:a/b/x: OK
c/y: OK" "sha256sum -c passes on every file"
if [ "$have_signify" = 1 ]; then
	run sh -c "cd '$T/x1' && signify-openbsd -C -p '$T/s.pub' -x SHA256.sig"
	is "$rc:$out" "0:Signature Verified
a/b/x: OK
c/y: OK" "signify -C passes on every file"
	for f in a/b/x c/y; do
		run sh -c "cd '$T/x1' && signify-openbsd -V -p '$T/s.pub' -m $f"
		is "$rc:$out" "0:Signature Verified" "signify -V passes on $f"
	done
else
	ok 0 "# SKIP signify-openbsd is not installed: signify -C not run"
fi

# A minisign key, packing on.
worker_make w2 "SIGN_KEY=$T/m.sec"
hub_submit "$NESTED"
run bb-worker once "$T/w2"
is "$(job_state "$JOB")" success "minisign key, packing on: success"
archive "$JOB" "$T/x2"
ok $? "the archive fetched and unpacked"
for f in a/b/x c/y SHA256; do
	run sh -c "cd '$T/x2' && minisign -V -p '$T/m.pub' -m $f"
	is "$rc" 0 "minisign -V passes on $f"
done
like "$out" "file:SHA256	job:$JOB" "the trusted comment names the list"
run sh -c "cd '$T/x2' && minisign -V -p '$T/m.pub' -m a/b/x"
like "$out" "file:a/b/x	job:$JOB	hashed" \
    "and an artifact by its path"
run sh -c "cd '$T/x2' && sha256sum -c SHA256"
is "$rc:$out" "0:a/b/x: OK
c/y: OK" "sha256sum -c passes on every file"

# Without packing, files of one base name in two directories are two
# artifacts, each on the hub under its path.
worker_make w3 PACK=0
hub_submit 'job twins
step build: mkdir -p a b && echo a > a/x.txt && echo b > b/x.txt
collect */x.txt'
run bb-worker once "$T/w3"
is "$(job_state "$JOB")" success "two x.txt in two directories: success"
fetch "$JOB" a%2Fx.txt "$T/ax" && fetch "$JOB" b/x.txt "$T/bx"
is "$?:$(cat "$T/ax") $(cat "$T/bx")" "0:a b" \
    "both on the hub, under a/x.txt and b/x.txt"

# Two artifacts with one name: an artifact x.sig and the signature of x.
worker_set w3 "SIGN_KEY=$T/s.sec"
hub_submit 'job clash
step build: echo x > x && echo mine > x.sig
collect x x.sig'
run bb-worker once "$T/w3"
is "$(job_state "$JOB")" error "two artifacts with one name: the job fails"
like "$(bb-hub show -r -d "$HUB_DIR" "$JOB" | head -1)" \
    "reason=bb-sign:%20two%20artifacts%20named%20x.sig:%20the%20signature%20of%20x%20and%20x.sig" \
    "the reason names the stage and both"
is "$(bb-hub show -r -d "$HUB_DIR" "$JOB" | grep -c '^artifact ')" 0 \
    "nothing was uploaded"
unlike "$err" "job $JOB: success" "the worker's log does not say success"
like "$err" "job $JOB: error, delivered (bb-sign: two artifacts named x.sig" \
    "it says the job's result on the hub, the stage and why"
like "$err" "bb-sign: two artifacts named x.sig" "and why"

# Versions reach bb-pack: the recipe's VERSION, or submit -V's, names the
# archive, in the default template and in PACK_TEMPLATE; without one a
# release gets the date, a dev build a dev- stamp and no checksum file.
os=$(uname -s | tr A-Z a-z); arch=$(uname -m)
printf 'job ver\nenv VERSION=1.4.2\nstep build: echo v > v.txt\ncollect v.txt\n' \
    > "$T/ver.recipe"
worker_make w4
JOB=$(bb-hub submit -d "$HUB_DIR" "$T/ver.recipe" "$T/src")
bb-worker once "$T/w4" 2>/dev/null
is "$(names "$JOB")" "ver-1.4.2-$os-$arch.tar.zst
ver-1.4.2-$os-$arch.tar.zst.sha256" "the recipe's VERSION names the archive"
JOB=$(bb-hub submit -V 2.0 -d "$HUB_DIR" "$T/ver.recipe" "$T/src")
bb-worker once "$T/w4" 2>/dev/null
is "$(names "$JOB" | head -1)" "ver-2.0-$os-$arch.tar.zst" \
    "submit -V replaces it"
worker_set w4 'PACK_TEMPLATE={name}_{version}'
JOB=$(bb-hub submit -V 2.1 -d "$HUB_DIR" "$T/ver.recipe" "$T/src")
bb-worker once "$T/w4" 2>/dev/null
is "$(job_state "$JOB"):$(names "$JOB" | head -1)" "success:ver_2.1.tar.zst" \
    "{version} works in PACK_TEMPLATE"
worker_set w4 PACK_TEMPLATE=
sed /VERSION/d "$T/ver.recipe" > "$T/nover.recipe"
JOB=$(bb-hub submit -d "$HUB_DIR" "$T/nover.recipe" "$T/src")
bb-worker once "$T/w4" 2>/dev/null
like "$(names "$JOB" | head -1)" \
    "^ver-20[0-9][0-9]\.[01][0-9]\.[0-3][0-9]-$os-$arch\.tar\.zst\$" \
    "no version: a release gets the date's"
JOB=$(bb-hub submit -P dev -d "$HUB_DIR" "$T/nover.recipe" "$T/src")
bb-worker once "$T/w4" 2>/dev/null
like "$(names "$JOB")" \
    "^ver-dev-20[0-9]\{6\}-[0-9]\{6\}-$os-$arch\.tar\.zst\$" \
    "submit -P dev: a dev- stamp, and no checksum file"

# An encrypted key: a PKCS#12 file, its passphrase in a file that only
# its owner may read (as the secret), never on a command line or in the
# environment of a step.
pass=sesame-$$-passphrase
(cd "$T" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -nodes -keyout p.key -out p.pem -subj /CN=bb-signer -days 2 &&
    openssl pkcs12 -export -inkey p.key -in p.pem -out p.p12 \
    -passout "pass:$pass") >/dev/null 2>&1
printf '%s\n' "$pass" > "$T/pw"
chmod 600 "$T/p.p12"
chmod 644 "$T/pw"
# $T is open to the builds (CACHE_DIRS): the key and its passphrase's
# file in it are hidden all the same.
worker_make w5 PACK=0 "SIGN_KEY=$T/p.p12" "SIGN_PASSPHRASE_FILE=$T/pw" \
    "CACHE_DIRS=$T"
hub_submit "job enc
step look: env; echo \"pw=\$(cat '$T/pw') key=\$(wc -c < '$T/p.p12')\"
collect README"
run bb-worker once "$T/w5"
is "$rc" 78 "a passphrase file others may read: the worker stops (78)"
like "$err" "SIGN_KEY $T/p.p12 cannot sign: .*pw: readable by others" \
    "saying why"
is "$(job_state "$JOB")" queued "before it claims a job"
chmod 600 "$T/pw"
run bb-worker once "$T/w5"
is "$(job_state "$JOB")" success "mode 0600: the encrypted key signs"
fetch "$JOB" README "$T/README" && fetch "$JOB" README.p7s "$T/README.p7s"
run openssl cms -verify -binary -inform DER -in "$T/README.p7s" \
    -content "$T/README" -CAfile "$T/p.pem" -purpose any -out /dev/null
is "$rc" 0 "openssl cms -verify checks the artifact's signature"
bb-hub log -d "$HUB_DIR" "$JOB" > "$T/enc.log"
like "$(cat "$T/enc.log")" "^pw= key=0\$" \
    "the step sees the passphrase's file and the key empty (bb-run -H)"
unlike "$(cat "$T/enc.log" "$T/w5/worker.conf")" "$pass" \
    "the passphrase is in no step's environment, no command line, no log"
unlike "$err" "$pass" "nor in the worker's log"
hub_done
