#!/usr/bin/env bash
# run.sh: what `make run` runs. Installs what is missing, builds, builds the front end, and
# runs the whole stack from .run/ (a persistent PostgreSQL cluster with the demo data loaded
# on the first run, the server, nginx with a development certificate) on
#     https://localhost:${MUSICGRAPH_PORT:-8443}   (http://localhost:${MUSICGRAPH_HTTP_PORT:-8080} redirects)
# in the foreground until Ctrl-C / SIGTERM, then stops everything cleanly.
# `. .run/env && build/musicgraph-admin list-users` talks to the same database meanwhile.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
STATE=$ROOT/.run
STACK=$ROOT/test/lib/stack.sh
HTTPS_PORT=${MUSICGRAPH_PORT:-8443}
HTTP_PORT=${MUSICGRAPH_HTTP_PORT:-8080}
BUILD=${MG_BUILD_DIR:-$ROOT/build} # (another build folder: MG_BUILD_DIR=... make run)

say() { printf 'run: %s\n' "$*" >&2; }
die() {
	printf 'run: error: %s\n' "$*" >&2
	exit 1
}

# Only one `make run` per checkout.
if [ -f "$STATE/run.pid" ]; then
	other=$(cat "$STATE/run.pid" 2>/dev/null || true)
	if [[ $other =~ ^[0-9]+$ ]] && [ "$other" != $$ ] && kill -0 "$other" 2>/dev/null &&
		tr '\0' ' ' <"/proc/$other/cmdline" 2>/dev/null | grep -q 'run\.sh'; then
		die "make run is already running in this checkout (pid $other); stop it with Ctrl-C there"
	fi
fi

# Say early (before a long build) when a port is taken.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$HTTPS_PORT" "$HTTP_PORT"; do
	if port_taken "$p"; then
		command -v ss >/dev/null && ss -Hltnp "sport = :$p" 2>/dev/null | sed 's/^/    /' >&2
		die "port $p on localhost is taken by another program (above, if ss could tell). Choose others: MUSICGRAPH_PORT=9443 MUSICGRAPH_HTTP_PORT=9080 make run"
	fi
done

bash scripts/setup-debian.sh

say "building ($BUILD/)"
if [ -f "$BUILD/CMakeCache.txt" ]; then
	cmake -S . -B "$BUILD" >/dev/null
else
	cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD" -j"$(nproc)" >/dev/null 2>&1 || {
	cmake --build "$BUILD" -j1 2>&1 | grep -v '^\[' | tail -40 >&2
	die "the build failed (above)"
}

if [ -f package.json ] && grep -q '"build"' package.json; then
	say "building the front end (npm run build)"
	npm run build --silent >/dev/null || die "npm run build failed (run it by hand to see why)"
fi

first_ca=1
[ -f "$STATE/certs/ca.crt" ] && first_ca=0

# Leftovers of a run that was killed hard (its run.sh is gone, see above): stop them first.
if [ -d "$STATE" ]; then
	bash "$STACK" stop "$STATE" >/dev/null 2>&1 || true
fi
mkdir -p "$STATE"
echo $$ >"$STATE/run.pid"

TAIL_PID=
stopping=0
cleanup() {
	[ "$stopping" = 1 ] && return
	stopping=1
	trap '' INT TERM
	[ -n "$TAIL_PID" ] && kill "$TAIL_PID" 2>/dev/null
	echo >&2
	say "stopping..."
	bash "$STACK" stop "$STATE" || true
	rm -f "$STATE/run.pid"
	say "stopped. The data stays in .run/ for the next make run."
}
trap 'cleanup; exit 0' INT TERM
trap cleanup EXIT

MUSICGRAPH_PORT=$HTTPS_PORT MUSICGRAPH_HTTP_PORT=$HTTP_PORT STACK_DEMO=1 STACK_FSYNC=on \
	MG_BUILD_DIR=$BUILD bash "$STACK" start "$STATE" ||
	die "the stack did not start (above); logs are in .run/"

# shellcheck disable=SC1091
. "$STATE/env"

# The first run (and any run that finds no admin at all): an account "admin" with a random
# password, shown once below and kept in .run/admin-password (mode 0600). No password is
# built in anywhere.
ADMIN_NOTE=
ensure_admin() {
	local admins pw file=$STATE/admin-password
	admins=$("$MG_PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$MUSICGRAPH_DATABASE_URL" \
		-c "SELECT count(*) FROM users WHERE is_admin") || {
		say "warning: could not look for an admin account (above)"
		return 0
	}
	[ "$admins" = 0 ] || return 0
	say "the database has no admin account: creating 'admin'"
	pw=$(openssl rand -base64 18 | tr '+/' '-_') # 24 characters, 144 random bits
	[ "${#pw}" -ge 20 ] || die "openssl rand gave no password"
	(umask 077 && printf '%s\n' "$pw" >"$file.tmp") || die "cannot write $file.tmp"
	if printf '%s\n' "$pw" | "$MG_ADMIN" create-user admin admin@localhost.localdomain --admin >/dev/null; then
		chmod 0600 "$file.tmp"
		mv -f "$file.tmp" "$file"
		ADMIN_NOTE="Admin account: admin / $pw (saved in .run/admin-password)"
	else
		rm -f "$file.tmp"
		say "warning: no admin account (above). Make one: . .run/env && ${BUILD#"$ROOT"/}/musicgraph-admin create-user NAME EMAIL --admin"
		say "         (or promote an existing user: ${BUILD#"$ROOT"/}/musicgraph-admin promote NAME)"
	fi
}
ensure_admin

cat >&2 <<EOF

  Music Graph is up:   $MG_BASE_URL/
  (plain HTTP $MG_HTTP_URL/ redirects there)
  CA certificate:      $MG_CA_FILE
  CLI:                 . .run/env && ${BUILD#"$ROOT"/}/musicgraph-admin list-users
  Logs:                .run/musicgraph.log  .run/nginx-error.log  .run/nginx-access.log  .run/postgresql.log
  Accounts:            docs/operations.md (create-user, set-password, promote, demote)

EOF
if [ -n "$ADMIN_NOTE" ]; then
	printf '  %s\n\n' "$ADMIN_NOTE" >&2
fi
if [ "$first_ca" = 1 ]; then
	MG_CERTS_QUIET=0 bash certs/make-dev-ca.sh "$STATE/certs" 2>&1 | sed -n '/^To make a browser/,$p' >&2
else
	say "(how to trust the CA in a browser: bash certs/make-dev-ca.sh .run/certs)"
fi
say "server log follows; Ctrl-C stops everything."

tail -n +1 -F "$MG_SERVER_LOG" 2>/dev/null &
TAIL_PID=$!

alive() { kill -0 "$1" 2>/dev/null; }
while :; do
	sleep 2 &
	wait $! || true
	if ! alive "$MG_SERVER_PID"; then
		say "musicgraph (pid $MG_SERVER_PID) exited; stopping the rest"
		exit 1
	fi
	if ! alive "$MG_NGINX_PID"; then
		say "nginx (pid $MG_NGINX_PID) exited; see .run/nginx-error.log"
		exit 1
	fi
done
