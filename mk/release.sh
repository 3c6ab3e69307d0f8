#!/bin/sh
# make release [PROFILE=dev] [VERSION=v] [SIGN_KEY=key]
#     [SIGN_PASSPHRASE_FILE=file]
#
# bb releases itself with its own tools: its commands, man pages and the
# contrib service files (as make install puts them), built in
# build-release/ and packed by the bb-pack just built as
# releases/bb-VERSION-OS-ARCH.tar.gz with its .sha256; with SIGN_KEY, a
# signify signature of it (.sig) and a signed checksum list
# (bb-VERSION-OS-ARCH.SHA256.sig) made by bb-sign.  A release is made from
# a clean git tree, at the time of its commit (SOURCE_DATE_EPOCH), so the
# same commit gives the same bytes; it refuses a dev- version.  A dev build
# (PROFILE=dev) is made from any tree, versioned dev-YYYYMMDD-HHMMSS unless
# VERSION is given, into releases/dev/, without a checksum file.
#
# The Makefile gives PROFILE, VERSION, VERSION_FROM (make's origin of
# VERSION), SIGN_KEY, SIGN_PASSPHRASE_FILE, SBIN_CMDS and MAKE.
set -eu

EX_USAGE=64 EX_DATAERR=65
die() {
	_c=$1
	shift
	echo "make release: $*" >&2
	exit "$_c"
}

top=$(pwd)
: "${PROFILE:=release}" "${VERSION_FROM:=file}" "${SIGN_KEY:=}"
: "${SIGN_PASSPHRASE_FILE:=}" "${SBIN_CMDS:=bb-hub}" "${MAKE:=make}"
O=build-release

case $PROFILE in
release|dev) ;;
*) die $EX_USAGE "PROFILE=$PROFILE: expected release or dev" ;;
esac
if [ "$PROFILE" = release ]; then
	case $VERSION in
	dev-*) die $EX_USAGE "VERSION=$VERSION: a release refuses a dev- version (make release PROFILE=dev)" ;;
	esac
	[ -e .git ] && git rev-parse HEAD >/dev/null 2>&1 ||
	    die $EX_DATAERR "not a git checkout: a release is made from a clean git tree"
	if [ -n "$(git status --porcelain)" ]; then
		git status --short >&2
		die $EX_DATAERR "the tree has changes: a release is made from a clean git tree (commit them, or make release PROFILE=dev)"
	fi
	: "${SOURCE_DATE_EPOCH:=$(git log -1 --format=%ct)}"
	export SOURCE_DATE_EPOCH
	dir=releases
else
	if [ "$VERSION_FROM" = file ] || [ "$VERSION_FROM" = default ]; then
		VERSION=dev-$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" \
		    +%Y%m%d-%H%M%S)
	fi
	dir=releases/dev
fi
# A file named relative to the top of the tree, made absolute.
absolute() {
	case $1 in
	''|/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$top/$1" ;;
	esac
}
SIGN_KEY=$(absolute "$SIGN_KEY")
SIGN_PASSPHRASE_FILE=$(absolute "$SIGN_PASSPHRASE_FILE")

# The commands, built for this version.
cmds=$(ls cmd | sed -n 's/^\(bb-[a-z]*\)\.\(c\|sh\)$/\1/p')
set --
for c in $cmds; do
	set -- "$@" "$O/bin/$c"
done
$MAKE --no-print-directory O="$O" VERSION="$VERSION" "$@"

# What an admin installs, laid out under a PREFIX.
stage=$top/$O/stage
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/sbin" "$stage/share/doc/bb"
for c in $cmds; do
	d=bin
	case " $SBIN_CMDS " in *" $c "*) d=sbin ;; esac
	install -m 755 "$O/bin/$c" "$stage/$d/$c"
done
for m in man/*.[1-9]; do
	mkdir -p "$stage/share/man/man${m##*.}"
	install -m 644 "$m" "$stage/share/man/man${m##*.}/"
done
install -m 644 README "$stage/share/doc/bb/README"
# The service files for runit, systemd and cron, as make install puts them.
$MAKE --no-print-directory O="$O" VERSION="$VERSION" DESTDIR= \
    CONTRIBDIR="$stage/share/bb/contrib" install-contrib >/dev/null

mkdir -p "$dir"
cd "$dir"
name=$("$top/$O/bin/bb-pack" -P "$PROFILE" -N bb -V "$VERSION" -f tar.gz \
    -C "$stage" .)
made="$dir/$name"
[ "$PROFILE" = dev ] || made="$made $dir/$name.sha256"
if [ -n "$SIGN_KEY" ]; then
	set -- -f signify -s "$SIGN_KEY"
	[ -z "$SIGN_PASSPHRASE_FILE" ] || set -- "$@" -P "$SIGN_PASSPHRASE_FILE"
	list=${name%.tar.gz}.SHA256
	"$top/$O/bin/bb-sign" -S "$@" "$name"
	"$top/$O/bin/bb-sign" -l "$@" -o "$list" "$name"
	made="$made $dir/$name.sig $dir/$list $dir/$list.sig"
fi
for f in $made; do
	echo "$f"
done
