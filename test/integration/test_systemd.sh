#!/usr/bin/env bash
# test_systemd.sh: static checks of the systemd units in systemd/ (no database, no running
# systemd needed; the stack fixture runs around it anyway, as for every integration test).
#
#   - `systemd-analyze verify` accepts musicgraph.socket, musicgraph.service and
#     musicgraph-migrate.service, with no warning about them;
#   - `systemd-analyze security --offline=yes` rates musicgraph.service (and the migrate unit)
#     at an overall exposure of 2.0 or lower ("OK" or better);
#   - the service does not own /run/musicgraph (RuntimeDirectory=), which the socket needs.
#
# Needs: MG_SOURCE_DIR (the repository root), MG_SERVER and MG_ADMIN (the built binaries).
# Prints "ok - …" / "not ok - …" per check, then "N passed, M failed"; exits 1 if any failed.
set -u

: "${MG_SOURCE_DIR:?set MG_SOURCE_DIR to the repository root}"
: "${MG_SERVER:?set MG_SERVER to the musicgraph binary}"
: "${MG_ADMIN:?set MG_ADMIN to the musicgraph-admin binary}"
UNITS="musicgraph.socket musicgraph.service musicgraph-migrate.service musicgraph-backup.service musicgraph-backup.timer"
MAX_EXPOSURE=2.0

passed=0
failed=0
ok() {
	echo "ok - $1"
	passed=$((passed + 1))
}
not_ok() {
	echo "not ok - $1"
	failed=$((failed + 1))
}
indent() { sed -e '/^$/d' -e 's/^/#   /' | head -n 30; }
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "ok - # SKIP systemd-analyze missing"
	finish
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for u in $UNITS; do
	if [ -f "$MG_SOURCE_DIR/systemd/$u" ]; then
		cp "$MG_SOURCE_DIR/systemd/$u" "$tmp/$u"
	else
		not_ok "systemd/$u exists"
	fi
done
[ "$failed" -eq 0 ] || finish

# The units name the installed binaries; verify checks that ExecStart= is executable, so the
# copies point at the binaries just built instead. (musicgraph-admin first: its path has the
# server's as a prefix.)
sed -i -e "s#/usr/local/bin/musicgraph-admin\\b#$MG_ADMIN#g" \
	-e "s#/usr/local/bin/musicgraph\\b#$MG_SERVER#g" "$tmp"/*.service

# Accounts: the service user `musicgraph` (and nginx's group www-data) usually do not exist on
# a build or CI machine. Rather than filtering verify's messages by wording (which changes
# between systemd versions and could hide a real problem), the copies lose only the lines
# naming a missing account, so every remaining message is a real finding. systemd 252's
# verify does not look accounts up, but newer versions or other checks may.
if ! getent passwd musicgraph >/dev/null; then
	sed -i -e '/^User=musicgraph$/d' -e '/^SocketUser=musicgraph$/d' "$tmp"/*
fi
if ! getent group musicgraph >/dev/null; then
	sed -i -e '/^Group=musicgraph$/d' "$tmp"/*
fi
if ! getent group www-data >/dev/null; then
	sed -i -e '/^SocketGroup=www-data$/d' "$tmp"/*
fi

# --- systemd-analyze verify -------------------------------------------------------------------
# verify exits 0 on warnings such as "Unknown key …, ignoring", so any message naming one of
# our units (or the binaries) counts as a failure too. Messages about other units of this
# machine are shown but do not count.
for u in $UNITS; do
	out=$(cd "$tmp" && systemd-analyze verify "./$u" 2>&1)
	rc=$?
	ours=$(grep -E 'musicgraph' <<<"$out")
	if [ $rc -eq 0 ] && [ -z "$ours" ]; then
		ok "systemd-analyze verify $u"
		[ -n "$out" ] && indent <<<"$out"
	else
		not_ok "systemd-analyze verify $u (exit $rc)"
		indent <<<"$out"
	fi
done

# --- systemd-analyze security -----------------------------------------------------------------
# systemd 252: `security --offline=yes FILE` reviews a unit file without a running systemd.
# It reviews the units as shipped (User= counts), not the copies made for verify.
for u in musicgraph.service musicgraph-migrate.service; do
	out=$(cd "$MG_SOURCE_DIR/systemd" && systemd-analyze security --offline=yes "./$u" 2>&1)
	rc=$?
	level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' <<<"$out" | tail -n 1)
	if [ -z "$level" ]; then
		not_ok "systemd-analyze security $u prints an overall exposure level (exit $rc)"
		indent <<<"$out"
	elif awk -v l="$level" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(l + 0 <= m + 0) }'; then
		ok "systemd-analyze security $u: exposure $level <= $MAX_EXPOSURE"
	else
		not_ok "systemd-analyze security $u: exposure $level > $MAX_EXPOSURE"
		grep '✗' <<<"$out" | indent
	fi
done

# --- the socket's directory -------------------------------------------------------------------
# RuntimeDirectory=musicgraph in a service would delete /run/musicgraph (and the socket
# systemd listens on) whenever the service stops, so a restart would drop connections.
svc="$MG_SOURCE_DIR/systemd/musicgraph.service"
if grep -qE '^RuntimeDirectory=' "$svc" "$MG_SOURCE_DIR/systemd/musicgraph-migrate.service"; then
	not_ok "no service has RuntimeDirectory= (the socket owns /run/musicgraph)"
else
	ok "no service has RuntimeDirectory= (the socket owns /run/musicgraph)"
fi
if grep -qx 'ListenStream=/run/musicgraph/fcgi.sock' "$MG_SOURCE_DIR/systemd/musicgraph.socket" &&
	grep -qx 'Requires=musicgraph.socket' "$svc"; then
	ok "musicgraph.service is activated by musicgraph.socket (/run/musicgraph/fcgi.sock)"
else
	not_ok "musicgraph.service is activated by musicgraph.socket (/run/musicgraph/fcgi.sock)"
fi

finish
