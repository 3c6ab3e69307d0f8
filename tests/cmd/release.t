#!/bin/sh
# shellcheck disable=SC2154 # rc, out and err are set by run (tests/lib.sh)
# make release, from a fresh clone of this tree: bb packed by its own
# bb-pack, signed by its own bb-sign, and checked with the stock tools as
# an admin would; a dirty tree and a dev- version refused; PROFILE=dev.
. "${BB_SRC:-.}/tests/lib.sh"
[ "${BB_SAN:-0}" = 0 ] ||
    skip_all "builds bb again, without sanitizers: the plain pass does"
git -C "$BB_SRC" rev-parse --git-dir >/dev/null 2>&1 ||
    skip_all "$BB_SRC is not a git checkout"
os=$(uname -s | tr A-Z a-z); arch=$(uname -m)

# A fresh clone of the tree as it is now (its changes committed).
C=$T/clone
mkdir "$C"
(cd "$BB_SRC" && git ls-files -c -o --exclude-standard |
    while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done |
    tar -cf - -T -) | tar -xf - -C "$C"
export GIT_AUTHOR_NAME=bb GIT_AUTHOR_EMAIL=bb@example.org
export GIT_COMMITTER_NAME=bb GIT_COMMITTER_EMAIL=bb@example.org
export GIT_AUTHOR_DATE='@1700000000 +0000' GIT_COMMITTER_DATE='@1700000000 +0000'
(cd "$C" && git init -q && git add -A && git commit -q -m snapshot) ||
    { echo "Bail out! cannot make the clone"; exit 1; }
head=$(git -C "$C" rev-parse --short=12 HEAD)
bb-sign -G -p "$T/bb.pub" -s "$T/bb.sec"

# A release refuses a tree with changes, before it builds anything.
echo changed >> "$C/README"
run make -C "$C" release
ok "$([ "$rc" != 0 ]; echo $?)" "a tracked file changed: refused"
like "$err" "make release: the tree has changes" "saying why"
ok "$(test ! -e "$C/build-release"; echo $?)" "and nothing was built"
git -C "$C" checkout -q README
touch "$C/stray"
run make -C "$C" release
ok "$([ "$rc" != 0 ]; echo $?)" "an untracked file: refused too"
like "$err" "^?? stray" "git status says which"
rm "$C/stray"
run make -C "$C" release VERSION=dev-1
like "$rc:$err" "^[1-9].*VERSION=dev-1: a release refuses a dev- version" \
    "a release refuses a dev- version"
run make -C "$C" release PROFILE=nightly
like "$rc:$err" "^[1-9].*PROFILE=nightly: expected release or dev" \
    "an unknown profile"

# The release, signed.
A=bb-0.1.0-$os-$arch
run make -C "$C" -j2 release SIGN_KEY="$T/bb.sec"
is "$rc" 0 "make release SIGN_KEY=...: exit 0"
is "$(printf '%s\n' "$out" | grep '^releases/')" "releases/$A.tar.gz
releases/$A.tar.gz.sha256
releases/$A.tar.gz.sig
releases/$A.SHA256
releases/$A.SHA256.sig" "it says what it made"
R=$C/releases
sum=$(sha256sum < "$R/$A.tar.gz")
run sh -c "cd '$R' && sha256sum -c $A.tar.gz.sha256"
is "$rc:$out" "0:$A.tar.gz: OK" "sha256sum -c checks the archive"
if command -v signify-openbsd >/dev/null 2>&1; then
	run sh -c "cd '$R' && signify-openbsd -C -p '$T/bb.pub' -x $A.SHA256.sig"
	is "$rc:$out" "0:Signature Verified
$A.tar.gz: OK" "signify -C checks the signed checksum list"
	run sh -c "cd '$R' && signify-openbsd -V -p '$T/bb.pub' -m $A.tar.gz"
	is "$rc:$out" "0:Signature Verified" "signify -V checks its signature"
else
	ok 0 "# SKIP signify-openbsd is not installed"
	ok 0 "# SKIP signify-openbsd is not installed"
fi
run sh -c "cd '$R' && sha256sum -c $A.SHA256"
is "$rc" 0 "sha256sum -c reads the checksum list too"

# Installed as the README says: under a PREFIX.
P=$T/usr/local
mkdir -p "$P"
tar -xzf "$R/$A.tar.gz" -C "$P"
is "$(cd "$P" && find . -type f | sort | sed -n '1,3p;/sbin/p;/man8/p')" \
    "./bin/bb-claim
./bin/bb-connect
./bin/bb-pack
./sbin/bb-hub
./share/man/man8/bb-hub.8
./share/man/man8/bb-worker.8" "commands in bin/ and sbin/, man pages in share/man/"
is "$(cd "$P" && find share/bb -type f | sort)" \
    "share/bb/contrib/cron/crontab
share/bb/contrib/runit/log/run
share/bb/contrib/runit/run
share/bb/contrib/systemd/bb-hub.service
share/bb/contrib/systemd/bb-worker@.service" \
    "the contrib service files in share/bb/contrib/, as make install puts them"
like "$(cat "$P/share/bb/contrib/systemd/bb-worker@.service")" \
    "^ExecStart=/usr/local/bin/bb-worker run " "  their paths filled in"
ok "$(test -x "$P/share/bb/contrib/runit/run"; echo $?)" \
    "  a runit run script executable"
is "$("$P/bin/bb-run" --version)" \
    "bb-run 0.1.0 (commit $head, built 2023-11-14)" \
    "the commit it was made from, built at the commit's time"
is "$("$P/bin/bb-worker" --version)" \
    "bb-worker 0.1.0 (commit $head, built 2023-11-14)" "bb-worker too"
is "$(TZ=UTC tar -tvzf "$R/$A.tar.gz" | awk '{ print $4, $5 }' | sort -u)" \
    "2023-11-14 22:13" "every member at the commit's time"

# The same commit gives the same release; the outputs leave the tree clean.
run make -C "$C" release SIGN_KEY="$T/bb.sec"
is "$rc:$(sha256sum < "$R/$A.tar.gz")" "0:$sum" \
    "made again: the same bytes (what it builds is ignored by git)"

# A dev build: any tree, a dev- version, no checksum file.
echo changed >> "$C/README"
run make -C "$C" release PROFILE=dev
is "$rc" 0 "PROFILE=dev from a tree with changes"
d=$(printf '%s\n' "$out" | grep '^releases/dev/')
like "$d" "^releases/dev/bb-dev-[0-9]\{8\}-[0-9]\{6\}-$os-$arch\.tar\.gz\$" \
    "releases/dev/bb-dev-YYYYMMDD-HHMMSS-OS-ARCH.tar.gz, and nothing else"
v=${d#releases/dev/bb-}
v=${v%-"$os"-"$arch".tar.gz}
mkdir "$T/dev"
tar -xzf "$C/$d" -C "$T/dev"
like "$("$T/dev/bin/bb-pack" --version)" "^bb-pack $v (commit $head-dirty, " \
    "its commands say that version, and that the tree had changes"
done_testing
