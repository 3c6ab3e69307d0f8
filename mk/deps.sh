#!/bin/sh
# Install the Debian packages in mk/packages that are missing: with apt-get
# when run as root, otherwise print the command to run.
set -eu
here=$(dirname "$0")
missing=
for p in $(sed -e 's/#.*//' -e 's/[[:space:]].*//' -e '/^$/d' "$here/packages"); do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) || s=
	[ "$s" = installed ] || missing="$missing $p"
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
