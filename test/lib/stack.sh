#!/usr/bin/env bash
# stack.sh: the Music Graph stack (PostgreSQL 15 + musicgraph + nginx with TLS) on loopback,
# everything kept in one state folder. Used by `make run` (scripts/run.sh, state .run/) and by
# the integration tests (state build*/it-stack/). See docs/development.md.
#
#   stack.sh start STATE           start PostgreSQL (initdb on first use), create the database,
#                                  migrate (+ demo data when STACK_DEMO=1 and the database is
#                                  new), make certificates, start musicgraph and nginx, wait
#                                  for https://localhost:PORT/healthz = 200, write STATE/env
#   stack.sh stop STATE            stop server (TERM), nginx (QUIT), PostgreSQL (fast); safe to
#                                  repeat; fails if the server log holds a sanitizer report
#   stack.sh status STATE          what runs
#   stack.sh restart-db STATE      stop + start PostgreSQL only
#   stack.sh stop-db / start-db STATE   the two halves (to see the app while the DB is down)
#   stack.sh restart-server STATE  stop + start musicgraph only (env gets the new pid)
#   stack.sh auth-limit STATE RATE BURST
#                                  nginx's limit on POSTs to /login and /register (e.g. 10r/m
#                                  10, as nginx/musicgraph.conf ships): rewrite, reload nginx
#   stack.sh createdb STATE NAME   new empty database NAME owned by the app role; prints its URL
#   stack.sh dropdb STATE NAME     drop it (WITH FORCE)
#   stack.sh with-empty-db STATE PREFIX -- CMD [ARG...]
#                                  run CMD with MUSICGRAPH_DATABASE_URL/PGDATABASE set to a new
#                                  empty database PREFIX_<random>; dropped afterwards when CMD
#                                  succeeds, kept (and named) when it fails
#   stack.sh destroy STATE         stop, then delete the state folder
#
# Environment (all optional):
#   MG_BUILD_DIR            where musicgraph and musicgraph-admin are (default SOURCE/build)
#   MG_SERVER, MG_ADMIN     the two programs, overriding MG_BUILD_DIR
#   MUSICGRAPH_PORT         HTTPS port (default: a free loopback port)
#   MUSICGRAPH_HTTP_PORT    plain-HTTP redirect port (default: a free loopback port)
#   MUSICGRAPH_WORKERS      app workers (default 4); other MUSICGRAPH_* pass through
#   MUSICGRAPH_GRAPH_DIR    where the app writes /api/graph for nginx (default STATE/graph;
#                           empty: the workers send it from memory)
#   STACK_DEMO=1            import the demo genres and bands into a new database
#   STACK_FSYNC=on|off      PostgreSQL durability (default: off for a new cluster, else as before)
#   STACK_FRESH=1           start: wipe STATE first (a clean cluster every time)
#   STACK_FCGI=tcp|unix     FastCGI over 127.0.0.1:<free port> (default) or STATE/run/fcgi.sock
#   STACK_FCGI_KEEPALIVE=0  fastcgi_keep_conn off: a new FastCGI connection per request
#                           (default on, as in production)
#   STACK_NO_APP=1          infrastructure only: no migrate, no server (nginx answers 502)
#   STACK_WAIT=30           seconds to wait for /healthz
#   STACK_KEEP_ON_FAIL=1    leave a failed start running for inspection
#   CERT_DIR                reuse the certificates (make-dev-ca.sh) in this folder
set -euo pipefail

PROG=stack.sh
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_BIN=${MG_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=5432
APP_ROLE=musicgraph
APP_DB=musicgraph
PY=/usr/bin/python3
RUNUSER=

say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
	printf '%s: error: %s\n' "$PROG" "$*" >&2
	exit 1
}

# show_log FILE [LINES]: the last lines of a component's log, for error messages.
show_log() {
	local f=$1 n=${2:-40}
	if [ -s "$f" ]; then
		printf '%s: ---- last %s lines of %s ----\n' "$PROG" "$n" "$f" >&2
		tail -n "$n" "$f" | sed 's/^/    /' >&2
		printf '%s: ---- end of %s ----\n' "$PROG" "$(basename "$f")" >&2
	else
		printf '%s: (%s is empty or missing)\n' "$PROG" "$f" >&2
	fi
}

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

is_root() { [ "$(id -u)" = 0 ]; }

find_tool() { # NAME: a program, also from the sbin folders that are not on a user's PATH
	local p
	p=$(command -v "$1" 2>/dev/null) && { echo "$p"; return; }
	for p in /usr/sbin/"$1" /sbin/"$1"; do [ -x "$p" ] && { echo "$p"; return; }; done
	return 1
}

# as_pg CMD...: run a PostgreSQL server program as its owner (postgres when we are root).
as_pg() {
	if is_root; then
		(cd / && "$RUNUSER" -u postgres -- "$@")
	else
		"$@"
	fi
}

# urlencode STRING: percent-encode everything but unreserved characters and '/'.
urlencode() {
	local s=$1 out="" c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case "$c" in
		[A-Za-z0-9/._~-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf '%s' "$out"
}

shq() { # shell single-quoting
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

has_ipv6_lo() { # ::1 exists and can be bound
	"$PY" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null
}

# port_free PORT: nothing listens on PORT on the loopback addresses (bind test).
port_free() {
	"$PY" - "$1" <<'EOF'
import errno, socket, sys
port = int(sys.argv[1])
for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    try:
        s = socket.socket(fam, socket.SOCK_STREAM)
    except OSError:
        continue
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
    except OSError as e:
        if fam == socket.AF_INET6 and e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
            continue
        sys.exit(1)
    finally:
        s.close()
EOF
}

# free_ports N: N distinct free loopback ports from 20000-32767 (below the ephemeral range).
free_ports() {
	"$PY" - "$1" <<'EOF'
import errno, random, socket, sys
def free(port):
    for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        try:
            s = socket.socket(fam, socket.SOCK_STREAM)
        except OSError:
            continue
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, port))
        except OSError as e:
            if fam == socket.AF_INET6 and e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
                continue
            return False
        finally:
            s.close()
    return True
want, got = int(sys.argv[1]), []
candidates = random.sample(range(20000, 32768), 400)
for p in candidates:
    if p not in got and free(p):
        got.append(p)
        if len(got) == want:
            break
if len(got) < want:
    sys.exit("no free loopback ports found")
print(" ".join(map(str, got)))
EOF
}

who_listens() { # PORT: a hint about who holds a port
	if command -v ss >/dev/null 2>&1; then
		ss -Hltnp "sport = :$1" 2>/dev/null | sed 's/^/    /' >&2 || true
	fi
}

# pid_is PID WORD: PID is alive and its command line mentions WORD (guards against reuse).
pid_is() {
	local pid=$1 word=$2
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$word"
}

# wait_gone PID SECONDS: wait until PID has exited (it need not be our child).
wait_gone() {
	local pid=$1 t=$(($2 * 10))
	while kill -0 "$pid" 2>/dev/null && [ "$t" -gt 0 ]; do
		# a zombie child of ours counts as gone
		[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
		sleep 0.1
		t=$((t - 1))
	done
	! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ]
}

# ---------------------------------------------------------------------------------------
# State folder layout

set_state() { # STATE [create]
	[ -n "${1:-}" ] || usage
	if [ "${2:-}" = create ]; then
		mkdir -p "$1"
	elif [ ! -d "$1" ]; then
		STATE=$1
		return 1
	fi
	STATE=$(cd "$1" && pwd)
	case "$STATE" in
	*[[:space:]\;\{\}\$\'\"\\]*) die "the state folder path must not contain spaces, quotes, ';', '{', '}', '\$' or '\\': $STATE" ;;
	esac
	SERVER_LOG=$STATE/musicgraph.log
	ADMIN_LOG=$STATE/admin.log
	NGINX_ERR=$STATE/nginx-error.log
	NGINX_OUT=$STATE/nginx-stdout.log
	ENV_FILE=$STATE/env
	resolve_pg_paths
	return 0
}

# The cluster lives in STATE/pg and listens in STATE/pg-sock, unless (as root) the postgres
# user cannot reach STATE, or the socket path would be too long for a unix socket (107
# bytes): then they live elsewhere and STATE/pg, STATE/pg-sock are symlinks to them.
resolve_pg_paths() {
	PG_DATA=$STATE/pg
	PG_SOCK=$STATE/pg-sock
	PG_LOG=$STATE/postgresql.log
	if [ -L "$PG_DATA" ]; then
		PG_DATA=$(readlink -m "$PG_DATA")
		# pg_ctl opens its log as postgres, who cannot reach STATE either
		PG_LOG=$(dirname "$PG_DATA")/postgresql.log
	fi
	[ -L "$PG_SOCK" ] && PG_SOCK=$(readlink -m "$PG_SOCK")
	return 0
}

place_pg_dirs() {
	if { [ -e "$STATE/pg" ] || [ -L "$STATE/pg" ]; } && { [ -e "$STATE/pg-sock" ] || [ -L "$STATE/pg-sock" ]; }; then
		resolve_pg_paths # (made by an earlier start; a symlinked socket folder may have been cleaned)
		mkdir -p "$PG_DATA" "$PG_SOCK"
		fix_pg_perms
		return 0
	fi
	local unreachable=0 toolong=0 base hash
	if is_root && ! "$RUNUSER" -u postgres -- test -x "$STATE" 2>/dev/null; then
		unreachable=1
	fi
	[ $((${#STATE} + ${#PG_PORT} + 17)) -gt 100 ] && toolong=1
	hash=$(printf '%s' "$STATE" | sha256sum | cut -c1-12)
	if is_root; then base=/var/lib/musicgraph-dev/$hash; else base=${XDG_RUNTIME_DIR:-/tmp}/musicgraph-$(id -u)-$hash; fi
	if [ "$unreachable" = 1 ]; then
		say "the postgres user cannot reach $STATE: keeping the cluster in $base (symlinked)"
		mkdir -p "$base/pg" "$base/sock"
		chmod 0755 "$base"
		ln -sfn "$base/pg" "$STATE/pg"
		ln -sfn "$base/sock" "$STATE/pg-sock"
		ln -sfn "$base/postgresql.log" "$STATE/postgresql.log"
	else
		mkdir -p "$STATE/pg"
		if [ "$toolong" = 1 ]; then
			say "$STATE is too long a path for a unix socket: PostgreSQL's socket goes to $base/sock (symlinked)"
			mkdir -p "$base/sock"
			chmod 0755 "$base"
			ln -sfn "$base/sock" "$STATE/pg-sock"
		else
			mkdir -p "$STATE/pg-sock"
		fi
	fi
	resolve_pg_paths
	fix_pg_perms
}

fix_pg_perms() {
	chmod 0700 "$PG_DATA" "$PG_SOCK"
	touch "$PG_LOG"
	if is_root; then
		chown postgres:postgres "$PG_DATA" "$PG_SOCK" "$PG_LOG"
	fi
}

db_url() { # DBNAME [ROLE]
	printf 'postgresql://%s@/%s?host=%s&port=%s' "${2:-$APP_ROLE}" "$1" "$(urlencode "$PG_SOCK")" "$PG_PORT"
}

psql_super() { # psql as the cluster's superuser, on the maintenance database
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres "$@"
}

pg_running() {
	[ -f "$PG_DATA/postmaster.pid" ] || return 1
	as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------
# PostgreSQL

pg_write_conf() {
	local fsync=${STACK_FSYNC:-}
	if [ -z "$fsync" ]; then
		fsync=$(sed -n "s/^fsync = \(on\|off\)$/\1/p" "$PG_DATA/musicgraph-stack.conf" 2>/dev/null || true)
		[ -n "$fsync" ] || fsync=off
	fi
	case "$fsync" in on | off) ;; *) die "STACK_FSYNC must be on or off, not '$fsync'" ;; esac
	local conf=$PG_DATA/musicgraph-stack.conf
	cat >"$conf" <<EOF
# Written by test/lib/stack.sh at every start; do not edit (postgresql.conf includes it).
listen_addresses = ''
unix_socket_directories = '$PG_SOCK'
unix_socket_permissions = 0777
port = $PG_PORT
max_connections = 100
shared_buffers = 128MB
fsync = $fsync
synchronous_commit = $fsync
full_page_writes = $fsync
log_line_prefix = '%m [%p] %q%u@%d '
log_min_messages = warning
log_min_error_statement = error
log_min_duration_statement = 2000
lc_messages = 'C'
timezone = 'UTC'
EOF
	is_root && chown postgres:postgres "$conf"
	return 0
}

pg_start() {
	[ -x "$PG_BIN/postgres" ] || die "PostgreSQL 15 is not installed ($PG_BIN/postgres missing): run scripts/setup-debian.sh"
	place_pg_dirs
	if [ ! -f "$PG_DATA/PG_VERSION" ]; then
		say "initdb $PG_DATA"
		if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 \
			--locale=C.UTF-8 --no-instructions >"$STATE/initdb.log" 2>&1; then
			show_log "$STATE/initdb.log"
			die "initdb failed"
		fi
		printf "\ninclude_if_exists = 'musicgraph-stack.conf'\n" >>"$PG_DATA/postgresql.conf"
	fi
	pg_write_conf
	if pg_running; then
		say "PostgreSQL already running ($PG_DATA)"
		return 0
	fi
	if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >"$STATE/pg_ctl.log" 2>&1; then
		cat "$STATE/pg_ctl.log" >&2
		show_log "$PG_LOG"
		die "PostgreSQL did not start"
	fi
	say "PostgreSQL up (socket in $PG_SOCK)"
}

pg_stop() {
	[ -n "${PG_DATA:-}" ] && [ -f "$PG_DATA/postmaster.pid" ] || return 0
	if ! pg_running; then
		return 0
	fi
	if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1; then
		say "PostgreSQL did not stop in 60 s: immediate shutdown"
		as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
	fi
	say "PostgreSQL stopped"
}

# pg_bootstrap: the app role and database; sets NEW_DB=1 when the database was created now.
pg_bootstrap() {
	NEW_DB=0
	local has
	has=$(psql_super -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$APP_ROLE'") ||
		die "cannot query PostgreSQL at $PG_SOCK"
	[ "$has" = 1 ] || psql_super -c "CREATE ROLE $APP_ROLE LOGIN"
	has=$(psql_super -tAc "SELECT 1 FROM pg_database WHERE datname = '$APP_DB'")
	if [ "$has" != 1 ]; then
		psql_super -c "CREATE DATABASE $APP_DB OWNER $APP_ROLE TEMPLATE template0 ENCODING 'UTF8'"
		NEW_DB=1
		say "created database $APP_DB"
	fi
}

# ---------------------------------------------------------------------------------------
# The app

find_programs() {
	BUILD_DIR=${MG_BUILD_DIR:-$SRC_DIR/build}
	[[ $BUILD_DIR == /* ]] || BUILD_DIR=$PWD/$BUILD_DIR
	SERVER=${MG_SERVER:-$BUILD_DIR/musicgraph}
	ADMIN=${MG_ADMIN:-$BUILD_DIR/musicgraph-admin}
}

admin() { # musicgraph-admin ARGS..., output to admin.log; show it on failure
	local rc=0
	printf '\n$ musicgraph-admin %s\n' "$*" >>"$ADMIN_LOG"
	(cd "$SRC_DIR" && MUSICGRAPH_DATABASE_URL=$DB_URL MUSICGRAPH_MIGRATIONS_DIR=$SRC_DIR/sql/migrations \
		"$ADMIN" "$@") </dev/null >>"$ADMIN_LOG" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		show_log "$ADMIN_LOG" 30
		say "musicgraph-admin $* failed (exit $rc)"
	fi
	return "$rc"
}

migrate_and_seed() {
	[ -x "$ADMIN" ] || die "musicgraph-admin not found at $ADMIN (build first: cmake -S . -B build && cmake --build build -j2; or set MG_BUILD_DIR / MG_ADMIN)"
	local ok=1
	admin migrate || ok=0
	if [ "$ok" = 1 ] && [ "${STACK_DEMO:-0}" = 1 ] && [ "$NEW_DB" = 1 ]; then
		say "importing the demo data"
		admin import-genres sql/demo/musicbrainz/genres.csv sql/demo/musicbrainz/genre_aliases.csv || ok=0
		[ "$ok" = 0 ] || admin import-bands sql/demo/bands/bands.csv || ok=0
	fi
	if [ "$ok" = 0 ]; then
		if [ "$NEW_DB" = 1 ]; then
			# the database was made by this start: drop it so the next start begins clean
			psql_super -c "DROP DATABASE IF EXISTS $APP_DB WITH (FORCE)" >/dev/null 2>&1 || true
		fi
		return 1
	fi
	say "database migrated$([ "${STACK_DEMO:-0}" = 1 ] && [ "$NEW_DB" = 1 ] && echo ', demo data imported')"
}

server_start() {
	[ -x "$SERVER" ] || die "musicgraph not found at $SERVER (build first, or set MG_BUILD_DIR / MG_SERVER)"
	if pid_is "$(cat "$STATE/musicgraph.pid" 2>/dev/null)" musicgraph; then
		die "musicgraph already runs from $STATE (pid $(cat "$STATE/musicgraph.pid")); stop it first"
	fi
	[ -f "$SERVER_LOG" ] && mv -f "$SERVER_LOG" "$SERVER_LOG.1"
	local -a extra=()
	local graph_dir=${MUSICGRAPH_GRAPH_DIR-$STATE/graph}
	if [ -n "$graph_dir" ]; then
		mkdir -p "$graph_dir"
		chmod 0755 "$graph_dir" # nginx (www-data when started as root) reads the files
	fi
	if [ "$FCGI_MODE" = unix ]; then
		rm -f "$FCGI_SOCK"
		extra+=("MUSICGRAPH_SOCKET_MODE=${MUSICGRAPH_SOCKET_MODE:-0660}")
	fi
	# setsid: its own session and process group, so a Ctrl-C meant for `make run` does not hit
	# it directly, and a last-resort kill can take the master and its workers together.
	(cd "$SRC_DIR" && exec setsid env \
		MUSICGRAPH_LISTEN="$LISTEN" \
		MUSICGRAPH_DATABASE_URL="$DB_URL" \
		MUSICGRAPH_MIGRATIONS_DIR="$SRC_DIR/sql/migrations" \
		MUSICGRAPH_WORKERS="${MUSICGRAPH_WORKERS:-4}" \
		MUSICGRAPH_LOG_LEVEL="${MUSICGRAPH_LOG_LEVEL:-info}" \
		MUSICGRAPH_STATEMENT_TIMEOUT="$STATEMENT_TIMEOUT" \
		MUSICGRAPH_GRAPH_DIR="$graph_dir" \
		"${extra[@]}" "$SERVER") </dev/null >>"$SERVER_LOG" 2>&1 &
	SERVER_PID=$!
	echo "$SERVER_PID" >"$STATE/musicgraph.pid"
	say "musicgraph started (pid $SERVER_PID, FastCGI on $LISTEN, log $SERVER_LOG)"
}

server_stop() {
	local pid
	pid=$(cat "$STATE/musicgraph.pid" 2>/dev/null || true)
	if pid_is "$pid" musicgraph; then
		kill -TERM "$pid" 2>/dev/null || true
		if ! wait_gone "$pid" "${STACK_STOP_TIMEOUT:-40}"; then
			say "musicgraph (pid $pid) still running after SIGTERM: killing its process group"
			kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
			wait_gone "$pid" 5 || true
		fi
		say "musicgraph stopped"
	fi
	# workers orphaned by a master killed from outside: same process group (setsid above)
	if [[ $pid =~ ^[0-9]+$ ]] && pgrep -g "$pid" >/dev/null 2>&1; then
		kill -KILL -- "-$pid" 2>/dev/null || true
	fi
	rm -f "$STATE/musicgraph.pid"
}

# ---------------------------------------------------------------------------------------
# nginx

choose_nginx_user() {
	NGINX_USER_LINE="# not started as root: the workers run as $(id -un)"
	is_root || return 0
	local u static=$SRC_DIR/app/static
	[ -d "$static" ] || static=$SRC_DIR
	for u in www-data nobody; do
		id "$u" >/dev/null 2>&1 || continue
		# shellcheck disable=SC2016 # (expanded by that sh)
		if "$RUNUSER" -u "$u" -- sh -c 'test -x "$1" && test -r "$2" && test -x "$2"' _ "$STATE" "$static" 2>/dev/null; then
			NGINX_USER_LINE="user $u $(id -gn "$u");"
			return 0
		fi
	done
	NGINX_USER_LINE="user root root;  # www-data cannot read $static or reach $STATE"
	say "warning: www-data cannot reach $STATE or read $static: nginx workers run as root (loopback-only dev stack)"
}

sed_escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

nginx_write_conf() {
	local tpl=$SRC_DIR/nginx/musicgraph-dev.conf.in l6s="# no IPv6 loopback" l6h="# no IPv6 loopback" upstream
	[ -f "$tpl" ] || die "nginx template missing: $tpl"
	if has_ipv6_lo; then
		l6s="listen [::1]:$HTTPS_PORT ssl http2;"
		l6h="listen [::1]:$HTTP_PORT;"
	fi
	if [ "$FCGI_MODE" = unix ]; then upstream="unix:$FCGI_SOCK"; else upstream=$LISTEN; fi
	# On by default, as in production: each worker holds any number of kept connections
	# (app/src/server/conns.c); STACK_FCGI_KEEPALIVE=0 measures the one-connection-per-request
	# way.
	local keep=off
	[ "${STACK_FCGI_KEEPALIVE:-1}" = 1 ] && keep=on
	choose_nginx_user
	mkdir -p "$STATE/nginx-tmp"
	sed -e "s|@STATE@|$(sed_escape "$STATE")|g" \
		-e "s|@HTTPS_PORT@|$HTTPS_PORT|g" \
		-e "s|@HTTP_PORT@|$HTTP_PORT|g" \
		-e "s|@METRICS_PORT@|$METRICS_PORT|g" \
		-e "s|@FCGI@|$(sed_escape "$upstream")|g" \
		-e "s|@FCGI_KEEP_CONN@|$keep|g" \
		-e "s|@AUTH_RATE@|$AUTH_RATE|g" \
		-e "s|@AUTH_BURST@|$AUTH_BURST|g" \
		-e "s|@STATIC_DIR@|$(sed_escape "$SRC_DIR/app/static")|g" \
		-e "s|@GRAPH_DIR@|$(sed_escape "${MUSICGRAPH_GRAPH_DIR:-$STATE/graph}")|g" \
		-e "s|@CERT@|$(sed_escape "$CERTS/server-chain.crt")|g" \
		-e "s|@KEY@|$(sed_escape "$CERTS/server.key")|g" \
		-e "s|@USER_LINE@|$(sed_escape "$NGINX_USER_LINE")|g" \
		-e "s|@LISTEN6_HTTPS@|$(sed_escape "$l6s")|g" \
		-e "s|@LISTEN6_HTTP@|$(sed_escape "$l6h")|g" \
		"$tpl" >"$STATE/nginx.conf.tmp"
	if grep -n '@[A-Z0-9_]*@' "$STATE/nginx.conf.tmp" | grep -v '^[0-9]*:#' >&2; then
		die "unfilled placeholders in $STATE/nginx.conf.tmp (above)"
	fi
	mv -f "$STATE/nginx.conf.tmp" "$STATE/nginx.conf"
}

nginx_cmd() { "$NGINX" -p "$STATE/" -c "$STATE/nginx.conf" -e "$NGINX_ERR" "$@"; }

nginx_start() {
	if pid_is "$(cat "$STATE/nginx.pid" 2>/dev/null)" nginx; then
		die "nginx already runs from $STATE (pid $(cat "$STATE/nginx.pid")); stop it first"
	fi
	local out
	if ! out=$(nginx_cmd -t -q 2>&1); then
		printf '%s\n' "$out" >&2
		die "nginx -t rejected $STATE/nginx.conf"
	fi
	(exec setsid "$NGINX" -p "$STATE/" -c "$STATE/nginx.conf" -e "$NGINX_ERR") </dev/null >>"$NGINX_OUT" 2>&1 &
	NGINX_PID=$!
	echo "$NGINX_PID" >"$STATE/nginx.master.pid"
	say "nginx started (pid $NGINX_PID) on https://localhost:$HTTPS_PORT and http://localhost:$HTTP_PORT"
}

nginx_stop() {
	local pid
	pid=$(cat "$STATE/nginx.master.pid" 2>/dev/null || cat "$STATE/nginx.pid" 2>/dev/null || true)
	if pid_is "$pid" nginx; then
		kill -QUIT "$pid" 2>/dev/null || true
		if ! wait_gone "$pid" 15; then
			kill -TERM "$pid" 2>/dev/null || true
			wait_gone "$pid" 5 || { kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; }
		fi
		say "nginx stopped"
	fi
	rm -f "$STATE/nginx.master.pid" "$STATE/nginx.pid"
}

# ---------------------------------------------------------------------------------------
# env file and health

write_env() {
	local tmp=$ENV_FILE.tmp
	{
		echo "# Music Graph stack in $STATE — written by test/lib/stack.sh; source it:  . $ENV_FILE"
		for kv in \
			"MG_STATE_DIR=$STATE" \
			"MG_GRAPH_DIR=${MUSICGRAPH_GRAPH_DIR-$STATE/graph}" \
			"MG_SOURCE_DIR=$SRC_DIR" \
			"MG_BUILD_DIR=$BUILD_DIR" \
			"MG_SERVER=$SERVER" \
			"MG_ADMIN=$ADMIN" \
			"MUSICGRAPH_DATABASE_URL=$DB_URL" \
			"MUSICGRAPH_LISTEN=$LISTEN" \
			"MUSICGRAPH_MIGRATIONS_DIR=$SRC_DIR/sql/migrations" \
			"MUSICGRAPH_STATEMENT_TIMEOUT=$STATEMENT_TIMEOUT" \
			"MG_BASE_URL=https://localhost:$HTTPS_PORT" \
			"MG_HTTP_URL=http://localhost:$HTTP_PORT" \
			"MG_HTTPS_PORT=$HTTPS_PORT" \
			"MG_HTTP_PORT=$HTTP_PORT" \
			"MG_METRICS_URL=http://127.0.0.1:$METRICS_PORT/metrics" \
			"MG_CA_FILE=$CERTS/ca.crt" \
			"MG_CERT_DIR=$CERTS" \
			"MG_PG_BIN=$PG_BIN" \
			"MG_PG_DATA=$PG_DATA" \
			"MG_PG_SOCKET_DIR=$PG_SOCK" \
			"MG_PG_SUPERUSER_URL=$(db_url postgres postgres)" \
			"MG_SERVER_PID=${SERVER_PID:-}" \
			"MG_NGINX_PID=${NGINX_PID:-}" \
			"MG_SERVER_LOG=$SERVER_LOG" \
			"MG_NGINX_ERROR_LOG=$NGINX_ERR" \
			"MG_NGINX_ACCESS_LOG=$STATE/nginx-access.log" \
			"MG_PG_LOG=$PG_LOG" \
			"MG_STACK=$SRC_DIR/test/lib/stack.sh" \
			"PGHOST=$PG_SOCK" \
			"PGPORT=$PG_PORT" \
			"PGUSER=$APP_ROLE" \
			"PGDATABASE=$APP_DB"; do
			printf 'export %s=%s\n' "${kv%%=*}" "$(shq "${kv#*=}")"
		done
		cat <<'EOF'
# A test run through `stack.sh with-empty-db` gets its own empty database:
if [ -n "${MG_TEST_DATABASE:-}" ]; then
	export PGDATABASE="$MG_TEST_DATABASE" MUSICGRAPH_DATABASE_URL="$MG_TEST_DATABASE_URL"
fi
EOF
	} >"$tmp"
	mv -f "$tmp" "$ENV_FILE"
	# settings that later commands (restart-server, createdb) need
	{
		printf 'METRICS_PORT=%s\n' "$METRICS_PORT"
		printf 'HTTPS_PORT=%s\nHTTP_PORT=%s\nLISTEN=%s\nFCGI_MODE=%s\n' "$HTTPS_PORT" "$HTTP_PORT" "$(shq "$LISTEN")" "$FCGI_MODE"
		printf 'CERTS=%s\nBUILD_DIR=%s\nSERVER=%s\nADMIN=%s\n' "$(shq "$CERTS")" "$(shq "$BUILD_DIR")" "$(shq "$SERVER")" "$(shq "$ADMIN")"
		printf 'STATEMENT_TIMEOUT=%s\nAUTH_RATE=%s\nAUTH_BURST=%s\n' "$STATEMENT_TIMEOUT" "$AUTH_RATE" "$AUTH_BURST"
		[ "$FCGI_MODE" = unix ] && printf 'FCGI_SOCK=%s\n' "$(shq "$FCGI_SOCK")"
		true
	} >"$STATE/stack.settings"
}

load_settings() {
	[ -f "$STATE/stack.settings" ] || die "$STATE has no stack (no stack.settings): run stack.sh start first"
	# shellcheck disable=SC1091
	. "$STATE/stack.settings"
	STATEMENT_TIMEOUT=${STATEMENT_TIMEOUT:-5000}
	AUTH_RATE=${AUTH_RATE:-60r/m}
	AUTH_BURST=${AUTH_BURST:-60}
	DB_URL=$(db_url "$APP_DB")
}

http_code() { # PATH
	curl -sS -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$CERTS/ca.crt" \
		"https://localhost:$HTTPS_PORT$1" 2>/dev/null || true
}

# wait_healthy: until /healthz answers 200 (or, without the app, until nginx answers at all).
wait_healthy() {
	local deadline=$((SECONDS + ${STACK_WAIT:-30})) code=000
	while [ "$SECONDS" -lt "$deadline" ]; do
		if [ "${STACK_NO_APP:-0}" != 1 ] && ! pid_is "${SERVER_PID:-x}" musicgraph; then
			show_log "$SERVER_LOG"
			say "musicgraph exited during start-up"
			return 1
		fi
		if ! pid_is "${NGINX_PID:-x}" nginx; then
			show_log "$NGINX_ERR"
			show_log "$NGINX_OUT" 10
			say "nginx exited during start-up"
			return 1
		fi
		code=$(http_code /healthz)
		if [ "${STACK_NO_APP:-0}" = 1 ]; then
			[ "$code" != 000 ] && return 0
		elif [ "$code" = 200 ]; then
			return 0
		fi
		sleep 0.25
	done
	say "https://localhost:$HTTPS_PORT/healthz still answers $code after ${STACK_WAIT:-30} s"
	show_log "$SERVER_LOG"
	show_log "$NGINX_ERR" 20
	show_log "$PG_LOG" 20
	return 1
}

# ---------------------------------------------------------------------------------------
# Commands

cmd_start() {
	set_state "$1" create
	STATEMENT_TIMEOUT=${MUSICGRAPH_STATEMENT_TIMEOUT:-5000}
	[[ $STATEMENT_TIMEOUT =~ ^[0-9]+$ ]] || die "MUSICGRAPH_STATEMENT_TIMEOUT must be milliseconds"
	# nginx's limit on POSTs to /login and /register (per client address). The test stack
	# raises it: its tests, all from 127.0.0.1, exercise the application's own throttling.
	AUTH_RATE=${STACK_AUTH_RATE:-60r/m}
	AUTH_BURST=${STACK_AUTH_BURST:-60}
	[[ $AUTH_RATE =~ ^[0-9]+r/[sm]$ && $AUTH_BURST =~ ^[0-9]+$ ]] ||
		die "STACK_AUTH_RATE must look like 60r/m and STACK_AUTH_BURST be a number"
	if [ "${STACK_FRESH:-0}" = 1 ]; then
		cmd_stop_all quiet || true
		wipe_state
		set_state "$1" create
	fi
	find_programs
	NGINX=$(find_tool nginx) || die "nginx is not installed: run scripts/setup-debian.sh"
	command -v curl >/dev/null || die "curl is not installed: run scripts/setup-debian.sh"
	[ -x "$PY" ] || die "$PY is missing: run scripts/setup-debian.sh"
	if [ "${STACK_NO_APP:-0}" != 1 ]; then
		[ -x "$SERVER" ] || die "musicgraph not found at $SERVER (build first: cmake -S . -B build && cmake --build build -j2; or set MG_BUILD_DIR)"
		[ -x "$ADMIN" ] || die "musicgraph-admin not found at $ADMIN (build first, or set MG_BUILD_DIR / MG_ADMIN)"
	fi
	if pid_is "$(cat "$STATE/musicgraph.pid" 2>/dev/null)" musicgraph ||
		pid_is "$(cat "$STATE/nginx.master.pid" 2>/dev/null)" nginx; then
		die "a stack already runs from $STATE: stop it first (test/lib/stack.sh stop $STATE)"
	fi

	# ports
	HTTPS_PORT=${MUSICGRAPH_PORT:-}
	HTTP_PORT=${MUSICGRAPH_HTTP_PORT:-}
	local p picked
	for p in HTTPS_PORT HTTP_PORT; do
		local v=${!p}
		[ -z "$v" ] && continue
		if ! [[ $v =~ ^[0-9]+$ ]] || [ "$v" -lt 1 ] || [ "$v" -gt 65535 ]; then die "bad port '$v'"; fi
		if ! port_free "$v"; then
			who_listens "$v"
			die "port $v is taken on localhost ($([ "$p" = HTTPS_PORT ] && echo MUSICGRAPH_PORT || echo MUSICGRAPH_HTTP_PORT)); is another 'make run' up? Pick another: MUSICGRAPH_PORT=... MUSICGRAPH_HTTP_PORT=..."
		fi
	done
	[ -n "$HTTPS_PORT" ] && [ "$HTTPS_PORT" = "$HTTP_PORT" ] && die "MUSICGRAPH_PORT and MUSICGRAPH_HTTP_PORT are the same"
	# a pool of free ports, minus the ones given
	local -a pool=()
	picked=$(free_ports 4) || die "could not find free loopback ports"
	for p in $picked; do
		[ "$p" != "$HTTPS_PORT" ] && [ "$p" != "$HTTP_PORT" ] && pool+=("$p")
	done
	if [ -z "$HTTPS_PORT" ]; then HTTPS_PORT=${pool[0]} && pool=("${pool[@]:1}"); fi
	if [ -z "$HTTP_PORT" ]; then HTTP_PORT=${pool[0]} && pool=("${pool[@]:1}"); fi
	METRICS_PORT=${pool[-1]} # at least two are left; FastCGI over TCP takes the first

	FCGI_MODE=${STACK_FCGI:-tcp}
	case "$FCGI_MODE" in
	tcp)
		LISTEN=127.0.0.1:${STACK_FCGI_PORT:-${pool[0]}}
		;;
	unix)
		mkdir -p "$STATE/run"
		FCGI_SOCK=$STATE/run/fcgi.sock
		[ "${#FCGI_SOCK}" -lt 100 ] || die "$FCGI_SOCK is too long for a unix socket; use STACK_FCGI=tcp or a shorter state path"
		LISTEN=$FCGI_SOCK
		# root: nginx workers (www-data) reach the socket through the folder's group
		if is_root && id www-data >/dev/null 2>&1; then
			chgrp www-data "$STATE/run"
			chmod 0750 "$STATE/run"
			export MUSICGRAPH_SOCKET_MODE=${MUSICGRAPH_SOCKET_MODE:-0666}
		fi
		;;
	*) die "STACK_FCGI must be tcp or unix" ;;
	esac

	is_root && { [ -n "$RUNUSER" ] || die "runuser (util-linux) is missing"; }
	is_root && { id postgres >/dev/null 2>&1 || die "there is no postgres user: run scripts/setup-debian.sh"; }

	# from here on, any failure (die, a failing command) stops what this start began
	START_DONE=0
	trap on_start_exit EXIT
	pg_start
	pg_bootstrap
	DB_URL=$(db_url "$APP_DB")

	CERTS=${CERT_DIR:-$STATE/certs}
	mkdir -p "$CERTS"
	CERTS=$(cd "$CERTS" && pwd)
	if ! MG_CERTS_QUIET=1 bash "$SRC_DIR/certs/make-dev-ca.sh" "$CERTS" >"$STATE/certs.log" 2>&1; then
		show_log "$STATE/certs.log"
		die "making certificates in $CERTS failed"
	fi

	SERVER_PID=
	if [ "${STACK_NO_APP:-0}" != 1 ]; then
		migrate_and_seed || fail_start "migration / demo import failed (log: $ADMIN_LOG)"
		server_start
	fi
	nginx_write_conf
	nginx_start
	write_env
	wait_healthy || fail_start "the stack did not become healthy"
	START_DONE=1
	write_env
	if [ "${STACK_NO_APP:-0}" = 1 ]; then
		say "up without the app (STACK_NO_APP=1): https://localhost:$HTTPS_PORT answers $(http_code /healthz)"
	else
		say "up: https://localhost:$HTTPS_PORT/healthz = 200"
	fi
	say "environment: . $ENV_FILE"
}

on_start_exit() {
	local rc=$?
	[ "$rc" != 0 ] && [ "${START_DONE:-1}" = 0 ] || return 0
	if [ "${STACK_KEEP_ON_FAIL:-0}" = 1 ]; then
		say "start failed; STACK_KEEP_ON_FAIL=1 leaves what runs; stop it with: $0 stop $STATE"
	else
		say "start failed: stopping what was started"
		cmd_stop_all quiet || true
	fi
	exit "$rc"
}

fail_start() {
	say "$1"
	exit 1
}

# cmd_stop_all [quiet]: stop server, nginx, PostgreSQL; returns 1 on sanitizer reports.
cmd_stop_all() {
	server_stop
	nginx_stop
	pg_stop
	[ "${1:-}" = quiet ] && return 0
	check_sanitizers
}

check_sanitizers() {
	local f found=0
	for f in "$SERVER_LOG" "$ADMIN_LOG"; do
		[ -s "$f" ] || continue
		if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer' "$f"; then
			found=1
			say "sanitizer report(s) in $f:"
			grep -nE -A25 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" | head -n 200 | sed 's/^/    /' >&2
		fi
	done
	[ "$found" = 0 ] || {
		say "FAILED: sanitizer reports (above)"
		return 1
	}
}

wipe_state() {
	case "$SRC_DIR/" in "$STATE/"*) die "refusing to delete $STATE: it holds the source tree" ;; esac
	case "$STATE" in / | "${HOME:-/}") die "refusing to delete $STATE" ;; esac
	if [ -n "$(ls -A "$STATE" 2>/dev/null)" ] && [ ! -e "$STATE/env" ] && [ ! -e "$STATE/pg" ] &&
		[ ! -e "$STATE/nginx.conf" ] && [ ! -e "$STATE/stack.settings" ]; then
		die "refusing to delete $STATE: it does not look like a stack state folder"
	fi
	# the out-of-state homes made by place_pg_dirs (see there)
	local t base
	for t in "$STATE/pg" "$STATE/pg-sock"; do
		[ -L "$t" ] || continue
		base=$(dirname "$(readlink -m "$t")")
		case "$base" in
		/var/lib/musicgraph-dev/* | */musicgraph-"$(id -u)"-*) rm -rf "$base" ;;
		esac
	done
	rmdir /var/lib/musicgraph-dev 2>/dev/null || true
	rm -rf "$STATE"
}

cmd_stop() {
	if ! set_state "$1"; then
		say "nothing to stop: $1 does not exist"
		return 0
	fi
	cmd_stop_all
}

cmd_status() {
	set_state "$1" || die "$1 does not exist"
	local pid
	pid=$(cat "$STATE/musicgraph.pid" 2>/dev/null || true)
	if pid_is "$pid" musicgraph; then echo "musicgraph: running (pid $pid)"; else echo "musicgraph: stopped"; fi
	pid=$(cat "$STATE/nginx.master.pid" 2>/dev/null || true)
	if pid_is "$pid" nginx; then echo "nginx:      running (pid $pid)"; else echo "nginx:      stopped"; fi
	if pg_running; then echo "postgresql: running ($PG_DATA)"; else echo "postgresql: stopped"; fi
	[ -f "$ENV_FILE" ] && sed -n "s/^export MG_BASE_URL='\(.*\)'$/url:        \1/p" "$ENV_FILE"
	return 0
}

cmd_restart_db() { # STATE [stop|start|restart]
	set_state "$1" || die "$1 does not exist"
	[ -f "$PG_DATA/PG_VERSION" ] || die "no cluster in $PG_DATA: run stack.sh start first"
	case "${2:-restart}" in
	stop) pg_stop ;;
	start) pg_start ;;
	*)
		pg_stop
		pg_start
		;;
	esac
}

cmd_restart_server() {
	set_state "$1" || die "$1 does not exist"
	load_settings
	NGINX_PID=$(cat "$STATE/nginx.master.pid" 2>/dev/null || true)
	server_stop
	server_start
	local deadline=$((SECONDS + ${STACK_WAIT:-30}))
	until [ "$(http_code /healthz)" = 200 ]; do
		if ! pid_is "$SERVER_PID" musicgraph || [ "$SECONDS" -ge "$deadline" ]; then
			show_log "$SERVER_LOG"
			die "musicgraph did not come back healthy"
		fi
		sleep 0.25
	done
	write_env
	say "musicgraph restarted (pid $SERVER_PID)"
}

cmd_auth_limit() { # STATE RATE BURST
	set_state "$1" || die "$1 does not exist"
	load_settings
	[[ $2 =~ ^[0-9]+r/[sm]$ && $3 =~ ^[0-9]+$ ]] || die "auth-limit: RATE must look like 10r/m and BURST be a number"
	AUTH_RATE=$2
	AUTH_BURST=$3
	NGINX=$(find_tool nginx) || die "nginx is not installed"
	nginx_write_conf
	nginx_cmd -t -q || die "nginx -t rejected $STATE/nginx.conf"
	sed -i -e "s|^AUTH_RATE=.*|AUTH_RATE=$AUTH_RATE|" -e "s|^AUTH_BURST=.*|AUTH_BURST=$AUTH_BURST|" "$STATE/stack.settings"
	nginx_cmd -s reload
	# the reload is asynchronous: wait until no worker of the old configuration is left
	local deadline=$((SECONDS + 10)) master
	master=$(cat "$STATE/nginx.master.pid")
	while [ "$(pgrep -P "$master" -c -f 'worker process is shutting down' || true)" != 0 ]; do
		[ "$SECONDS" -lt "$deadline" ] || die "old nginx workers did not finish"
		sleep 0.1
	done
	sleep 0.3 # the new workers start before the old ones are told to stop
	say "nginx: POST /login and /register limited to $AUTH_RATE, burst $AUTH_BURST"
}

check_dbname() {
	[[ $1 =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "database name must match [a-z_][a-z0-9_]*: '$1'"
}

cmd_createdb() {
	set_state "$1" || die "$1 does not exist"
	check_dbname "$2"
	pg_running || die "PostgreSQL of $STATE is not running (stack.sh start $STATE)"
	psql_super -c "CREATE DATABASE $2 OWNER $APP_ROLE TEMPLATE template0 ENCODING 'UTF8'" >/dev/null
	db_url "$2"
	echo
}

cmd_dropdb() {
	set_state "$1" || die "$1 does not exist"
	check_dbname "$2"
	psql_super -c "DROP DATABASE IF EXISTS $2 WITH (FORCE)" >/dev/null
}

cmd_with_empty_db() {
	local state=$1 prefix=$2
	shift 2
	[ "${1:-}" = -- ] && shift
	[ $# -ge 1 ] || usage
	check_dbname "$prefix"
	local name url rc=0
	name=${prefix}_$(date +%s)_$$
	url=$(cmd_createdb "$state" "$name")
	say "empty database $name for: $*"
	MG_TEST_DATABASE=$name MG_TEST_DATABASE_URL=$url MUSICGRAPH_DATABASE_URL=$url PGDATABASE=$name \
		"$@" || rc=$?
	if [ "$rc" = 0 ]; then
		cmd_dropdb "$state" "$name"
	else
		say "kept database $name for inspection (exit $rc)"
	fi
	return "$rc"
}

cmd_destroy() {
	set_state "$1" || return 0
	cmd_stop_all quiet || true
	wipe_state
	say "removed $STATE"
}

main() {
	[ $# -ge 2 ] || usage
	RUNUSER=$(find_tool runuser || true)
	local cmd=$1
	shift
	case "$cmd" in
	start) cmd_start "$1" ;;
	stop) cmd_stop "$1" ;;
	status) cmd_status "$1" ;;
	restart-db) cmd_restart_db "$1" restart ;;
	stop-db) cmd_restart_db "$1" stop ;;
	start-db) cmd_restart_db "$1" start ;;
	restart-server) cmd_restart_server "$1" ;;
	auth-limit) [ $# -eq 3 ] || usage; cmd_auth_limit "$@" ;;
	createdb) [ $# -eq 2 ] || usage; cmd_createdb "$@" ;;
	dropdb) [ $# -eq 2 ] || usage; cmd_dropdb "$@" ;;
	with-empty-db) [ $# -ge 3 ] || usage; cmd_with_empty_db "$@" ;;
	destroy) cmd_destroy "$1" ;;
	*) usage ;;
	esac
}

main "$@"
