#!/bin/sh
# Install the Debian packages in mk/packages that are missing: with apt-get
# when run as root, otherwise print the command to run.  When nothing is
# missing it asks dpkg-query once and calls no package manager.
set -eu
here=$(dirname "$0")
want=$(sed -e 's/#.*//' -e 's/[[:space:]].*//' -e '/^$/d' "$here/packages")
# shellcheck disable=SC2086
have=" $(dpkg-query -W -f='${Package} ${db:Status-Status}\n' $want \
    2>/dev/null | awk '$2 == "installed" { printf "%s ", $1 }')" || :
missing=
for p in $want; do
	case $have in
	*" $p "*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -n "$missing" ] || exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "bb: missing Debian packages; run as root:" >&2
	echo "  apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "bb: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! apt-get install -y --no-install-recommends $missing; then
	apt-get update
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $missing
fi
