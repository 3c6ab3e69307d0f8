#!/bin/sh
# contrib/systemd as make install puts it: the units pass
# systemd-analyze verify (their commands, keys and man pages).
. "${BB_SRC:-.}/tests/lib.sh"
. "$BB_SRC/tests/worker.sh"

command -v systemd-analyze >/dev/null ||
    skip_all "systemd-analyze is not installed (it comes with systemd)"
contrib_install
ok $? "make install-files PREFIX=$PREFIX"
U=$PREFIX/share/bb/contrib/systemd
for u in bb-hub.service bb-worker@.service; do
	# Documentation=man:... is looked up in the installed pages.
	out=$(cd "$U" && MANPATH=$PREFIX/share/man \
	    systemd-analyze verify "./$u" 2>&1)
	is "$?" 0 "systemd-analyze verify $u"
	is "$out" "" "without a warning"
	for k in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes; do
		grep -qx "$k" "$U/$u"
		ok $? "$u: $k"
	done
done
w=$(cat "$U/bb-worker@.service")
like "$w" "^ExecStart=$PREFIX/bin/bb-worker run /var/lib/bb/%i$" \
    "bb-worker@: the installed bb-worker serves /var/lib/bb/NAME"
like "$w" "^KillMode=mixed$" "bb-worker@: SIGTERM to bb-worker alone"
t=$(printf '%s\n' "$w" | sed -n 's/^TimeoutStopSec=\([0-9]*\)h$/\1/p')
ok "$([ "${t:-0}" -ge 1 ]; echo $?)" \
    "bb-worker@: TimeoutStopSec leaves hours to drain (${t:-?}h)"
like "$(cat "$U/bb-hub.service")" "^ExecStart=$PREFIX/sbin/bb-hub serve " \
    "bb-hub: the installed bb-hub serves"
done_testing
