#!/usr/bin/env bash
# test_install.sh: `cmake --install` of the built tree (MG_BUILD_DIR) into temporary DESTDIRs,
# once with the default prefix /usr/local and once with --prefix /usr, and what it installed:
#
#   - every file where docs/deployment.md says, with its mode; nothing elsewhere; the
#     operator's files (env, an edited nginx site, the contents of /var/lib/musicgraph) survive
#     a second install;
#   - the systemd units and the nginx site name the real install paths, and the units pass
#     `systemd-analyze verify`;
#   - the installed programs find the installed migrations and static files by default
#     (`musicgraph --help`, and `musicgraph-admin migrate --status` against the stack's
#     database reads the installed migrations folder);
#   - env.example names every MUSICGRAPH_* variable of the server and is valid sh;
#   - `nginx -t` accepts the installed site inside a copy of Debian's nginx.conf, with only
#     its certificate paths pointed at the stack's test certificates; and that site, run on
#     free loopback ports in front of the stack's app, redirects, caches, limits, hides
#     /metrics and carries the request id as it should;
#   - fingerprinted static files: the stack's pages link /static/...?v=<hash of the file>,
#     which nginx serves with a year of immutable caching, the plain address with an hour;
#   - certbot-deploy-hook.sh is harmless to run twice.
#
# Needs the stack fixture (MG_STATE_DIR), MG_BUILD_DIR, MG_SOURCE_DIR. Prints "ok - …" /
# "not ok - …" per check, then "N passed, M failed"; exits 1 if any failed.
set -u

: "${MG_STATE_DIR:?set MG_STATE_DIR to the state folder of the stack}"
: "${MG_BUILD_DIR:?set MG_BUILD_DIR to the build folder to install}"
: "${MG_SOURCE_DIR:?set MG_SOURCE_DIR to the repository root}"
# shellcheck source=/dev/null
. "$MG_STATE_DIR/env"
SRC=$MG_SOURCE_DIR
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

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
indent() { sed -e '/^$/d' -e 's/^/#   /' | head -n "${1:-30}"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# mode_is PATH MODE [TYPE]: the file exists with exactly this mode (and type f or d)
mode_is() {
	local path=$1 mode=$2 type=${3:-f}
	[ "$type" = d ] && [ ! -d "$path" ] && return 1
	[ "$type" = f ] && [ ! -f "$path" ] && return 1
	[ "$(stat -c %a "$path")" = "$mode" ]
}

# The units and the migrations, as the repository has them.
mapfile -t UNITS < <(cd "$SRC/systemd" && ls -1 -- *.service *.socket *.timer 2>/dev/null | sort)
mapfile -t MIGRATIONS < <(cd "$SRC/sql/migrations" && ls -1 -- [0-9][0-9][0-9][0-9]_*.sql | sort)
[ "${#UNITS[@]}" -ge 3 ] || not_ok "systemd/ holds the units (found ${#UNITS[@]})"

# install PREFIX DESTDIR LOG: cmake --install, output to LOG
install_tree() {
	local prefix=$1 dest=$2 log=$3
	if [ "$prefix" = default ]; then
		DESTDIR=$dest cmake --install "$MG_BUILD_DIR" >"$log" 2>&1
	else
		DESTDIR=$dest cmake --install "$MG_BUILD_DIR" --prefix "$prefix" >"$log" 2>&1
	fi
}

# ---------------------------------------------------------------------------------------------
# check_layout P D: the files of an install with prefix P into DESTDIR D
check_layout() {
	local P=$1 D=$2 f u bad
	local data=$D$P/share/musicgraph

	check "[$P] programs in $P/bin, mode 0755" \
		mode_is "$D$P/bin/musicgraph" 755
	check "[$P] musicgraph-admin in $P/bin, mode 0755" \
		mode_is "$D$P/bin/musicgraph-admin" 755
	check "[$P] man page in $P/share/man/man1" \
		mode_is "$D$P/share/man/man1/musicgraph-admin.1" 644

	bad=""
	for f in "${MIGRATIONS[@]}"; do
		mode_is "$data/migrations/$f" 644 && cmp -s "$SRC/sql/migrations/$f" "$data/migrations/$f" ||
			bad="$bad $f"
	done
	[ "$(find "$data/migrations" -type f | wc -l)" = "${#MIGRATIONS[@]}" ] || bad="$bad (other files)"
	check "[$P] the ${#MIGRATIONS[@]} migrations in $P/share/musicgraph/migrations, 0644, identical${bad:+ — wrong:$bad}" \
		test -z "$bad"

	bad=""
	for f in css/site.css js/admin.js js/graph.bundle.js; do
		mode_is "$data/static/$f" 644 && cmp -s "$SRC/app/static/$f" "$data/static/$f" || bad="$bad $f"
	done
	check "[$P] static files (with the built bundle) in $P/share/musicgraph/static, 0644${bad:+ — wrong:$bad}" \
		test -z "$bad"
	check "[$P] nothing but the site's static files (no app/static/bench)" \
		test ! -e "$data/static/bench"

	check "[$P] nginx site in /etc/nginx/sites-available/musicgraph, 0644" \
		mode_is "$D/etc/nginx/sites-available/musicgraph" 644
	check "[$P] the shipped site kept for comparison in $P/share/musicgraph/nginx/musicgraph.conf" \
		cmp -s "$D/etc/nginx/sites-available/musicgraph" "$data/nginx/musicgraph.conf"
	check "[$P] /etc/musicgraph/env.example and migrate.env.example, 0644" \
		eval 'mode_is "$D/etc/musicgraph/env.example" 644 && mode_is "$D/etc/musicgraph/migrate.env.example" 644'
	check "[$P] no /etc/musicgraph/env or migrate.env is made (the operator's files)" \
		eval '[ ! -e "$D/etc/musicgraph/env" ] && [ ! -e "$D/etc/musicgraph/migrate.env" ]'
	check "[$P] empty /var/lib/musicgraph, mode 0750" \
		eval 'mode_is "$D/var/lib/musicgraph" 750 d && [ -z "$(ls -A "$D/var/lib/musicgraph")" ]'

	bad=""
	for u in "${UNITS[@]}"; do
		mode_is "$D$P/lib/systemd/system/$u" 644 || bad="$bad $u"
	done
	check "[$P] every unit of systemd/ (${UNITS[*]}) in $P/lib/systemd/system, 0644${bad:+ — missing:$bad}" \
		test -z "$bad"
	check "[$P] certs/ scripts in $P/share/musicgraph/certs, 0755" \
		eval 'mode_is "$data/certs/certbot-deploy-hook.sh" 755 && mode_is "$data/certs/make-dev-ca.sh" 755'
	check "[$P] demo data in $P/share/musicgraph/demo" \
		test -s "$data/demo/musicbrainz/genres.csv"

	# nothing outside the prefix, /etc and /var
	local stray
	stray=$(cd "$D" && find . ! -type d | sed 's#^\.##' | grep -v -E "^($P/|/etc/(nginx/sites-available|musicgraph)/|/var/lib/musicgraph/)" | head -n 5)
	check "[$P] nothing installed outside $P, /etc/nginx/sites-available, /etc/musicgraph${stray:+ — found: $stray}" \
		test -z "$stray"
}

# check_paths P D: the configuration files name this install's paths
check_paths() {
	local P=$1 D=$2 u f svc exe missing
	local files=("$D/etc/nginx/sites-available/musicgraph" "$D/etc/musicgraph/env.example"
		"$D/etc/musicgraph/migrate.env.example")
	for u in "${UNITS[@]}"; do files+=("$D$P/lib/systemd/system/$u"); done

	if [ "$P" != /usr/local ]; then
		check "[$P] no /usr/local path left in the installed units, site and examples" \
			eval '! grep -l "/usr/local/" "${files[@]}"'
	fi
	bad=""
	for svc in "$D$P"/lib/systemd/system/*.service; do
		while read -r exe; do
			case $exe in "$P/bin/"*) [ -x "$D$exe" ] || bad="$bad $exe" ;; *) bad="$bad $exe" ;; esac
		done < <(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$svc" | grep -v '^/bin/kill$')
	done
	check "[$P] every ExecStart= names an installed program in $P/bin${bad:+ — wrong:$bad}" test -z "$bad"
	missing=""
	while read -r f; do
		[ -f "$D$f" ] || missing="$missing $f"
	done < <(sed -n 's#^Documentation=file://##p' "$D$P"/lib/systemd/system/*)
	check "[$P] the units' Documentation= files are installed${missing:+ — missing:$missing}" test -z "$missing"
	check "[$P] the site serves /static/ from $P/share/musicgraph/static" \
		grep -qE "^[[:space:]]*alias $P/share/musicgraph/static/;" "$D/etc/nginx/sites-available/musicgraph"
	# the installed files differ from the repository's only where an install path was filled in
	if [ "$P" = /usr/local ]; then
		bad=""
		for u in "${UNITS[@]}"; do cmp -s "$SRC/systemd/$u" "$D$P/lib/systemd/system/$u" || bad="$bad $u"; done
		cmp -s "$SRC/nginx/musicgraph.conf" "$D/etc/nginx/sites-available/musicgraph" || bad="$bad site"
		check "[$P] with the default prefix the units and the site are installed as they are in the repository${bad:+ — differ:$bad}" \
			test -z "$bad"
	fi
}

# check_verify P D: systemd-analyze verify on the installed units
check_verify() {
	local P=$1 D=$2 u out rc
	if ! command -v systemd-analyze >/dev/null 2>&1; then
		ok "[$P] # SKIP systemd-analyze missing"
		return
	fi
	# verify wants ExecStart= to be executable; the programs are under DESTDIR, so the copies
	# point there (the prefix paths themselves were checked above). Accounts that this machine
	# lacks are dropped as in test_systemd.sh.
	local v=$tmp/verify$RANDOM
	mkdir -p "$v"
	for u in "${UNITS[@]}"; do cp "$D$P/lib/systemd/system/$u" "$v/$u"; done
	sed -i -e "s#^\(Exec[A-Za-z]*=[-@!+]*\)$P/bin/#\1$D$P/bin/#" "$v"/*
	getent passwd musicgraph >/dev/null || sed -i -e '/^User=musicgraph$/d' -e '/^SocketUser=musicgraph$/d' "$v"/*
	getent group musicgraph >/dev/null || sed -i -e '/^Group=musicgraph$/d' "$v"/*
	getent group www-data >/dev/null || sed -i -e '/^SocketGroup=www-data$/d' "$v"/*
	for u in "${UNITS[@]}"; do
		out=$(cd "$v" && systemd-analyze verify "./$u" 2>&1)
		rc=$?
		if [ $rc -eq 0 ] && ! grep -q musicgraph <<<"$out"; then
			ok "[$P] systemd-analyze verify $u (installed)"
		else
			not_ok "[$P] systemd-analyze verify $u (installed, exit $rc)"
			indent <<<"$out"
		fi
	done
}

# check_programs P D: the installed programs find the installed data by default
check_programs() {
	local P=$1 D=$2 help want out rc
	want=$(realpath "$D$P/share/musicgraph")
	help=$(env -u MUSICGRAPH_MIGRATIONS_DIR -u MUSICGRAPH_STATIC_DIR "$D$P/bin/musicgraph" --help 2>&1)
	check "[$P] installed musicgraph: MUSICGRAPH_MIGRATIONS_DIR defaults to $P/share/musicgraph/migrations" \
		grep -qE "^  MUSICGRAPH_MIGRATIONS_DIR +$want/migrations\$" <<<"$help"
	check "[$P] installed musicgraph: MUSICGRAPH_STATIC_DIR defaults to $P/share/musicgraph/static" \
		grep -qE "^  MUSICGRAPH_STATIC_DIR +$want/static\$" <<<"$help"

	# migrate --status against the stack's (migrated) database: everything applied. Then a
	# migration only the installed folder has shows up as pending, so that folder is the one
	# read (the source tree does not have it).
	out=$(env -u MUSICGRAPH_MIGRATIONS_DIR "$D$P/bin/musicgraph-admin" migrate --status 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && grep -q "^${#MIGRATIONS[@]} applied, 0 pending" <<<"$out"; then
		ok "[$P] installed musicgraph-admin migrate --status: ${#MIGRATIONS[@]} applied, 0 pending"
	else
		not_ok "[$P] installed musicgraph-admin migrate --status (exit $rc)"
		indent <<<"$out"
	fi
	echo "SELECT 1;" >"$D$P/share/musicgraph/migrations/9999_install_probe.sql"
	out=$(env -u MUSICGRAPH_MIGRATIONS_DIR "$D$P/bin/musicgraph-admin" migrate --status 2>&1)
	rc=$?
	rm -f "$D$P/share/musicgraph/migrations/9999_install_probe.sql"
	if [ $rc -eq 0 ] && grep -q "^${#MIGRATIONS[@]} applied, 1 pending" <<<"$out"; then
		ok "[$P] ... and it reads the installed folder by default (a probe migration there is pending)"
	else
		not_ok "[$P] installed musicgraph-admin reads the installed migrations folder (exit $rc)"
		indent <<<"$out"
	fi
}

# ---------------------------------------------------------------------------------------------
for P in /usr/local /usr; do
	D=$tmp/root${P//\//_}
	log=$tmp/install${P//\//_}.log
	if [ "$P" = /usr/local ]; then install_tree default "$D" "$log"; else install_tree "$P" "$D" "$log"; fi
	rc=$?
	if [ $rc -ne 0 ]; then
		not_ok "[$P] cmake --install $MG_BUILD_DIR (exit $rc)"
		indent 40 <"$log"
		continue
	fi
	ok "[$P] cmake --install $MG_BUILD_DIR into DESTDIR=$D"
	grep -q "CMake Warning" "$log" && { echo "# warnings:"; grep -A3 "CMake Warning" "$log" | indent; }
	check_layout "$P" "$D"
	check_paths "$P" "$D"
	check_verify "$P" "$D"
	check_programs "$P" "$D"
done

# ---------------------------------------------------------------------------------------------
# nginx -t on the installed site, inside Debian's nginx.conf (its http settings repeated here,
# so a directive the site sets twice or in the wrong place fails as it would there). Only the
# certificate paths of a copy change, to the stack's test certificates.
site=$tmp/root_usr/etc/nginx/sites-available/musicgraph
if [ -f "$site" ]; then
	n=$tmp/nginx
	mkdir -p "$n/logs"
	sed -e "s#^\(\s*ssl_certificate\s\+\)/etc/letsencrypt/live/[^;]*;#\1$MG_CERT_DIR/server-chain.crt;#" \
		-e "s#^\(\s*ssl_certificate_key\s\+\)/etc/letsencrypt/live/[^;]*;#\1$MG_CERT_DIR/server.key;#" \
		-e "s#^\(\s*ssl_trusted_certificate\s\+\)/etc/letsencrypt/live/[^;]*;#\1$MG_CERT_DIR/ca.crt;#" \
		"$site" >"$n/musicgraph.site"
	changed=$(diff "$site" "$n/musicgraph.site" | grep -c '^>')
	check "the test copy of the site differs in its 3 certificate lines only (changed: $changed)" \
		test "$changed" = 3
	# As an ordinary user nginx -t cannot open /var/log/nginx: then the logs move too.
	if [ ! -w /var/log/nginx ]; then
		sed -i -e "s#/var/log/nginx/#$n/logs/#" "$n/musicgraph.site"
		echo "# (not root: the site's log paths point into $n/logs for nginx -t)"
	fi
	mime="include /etc/nginx/mime.types;"
	[ -f /etc/nginx/mime.types ] || mime="types { text/html html; text/css css; application/javascript js; }"
	cat >"$n/nginx.conf" <<EOF
# What Debian 12's /etc/nginx/nginx.conf sets around the sites (paths moved to $n).
worker_processes auto;
pid $n/nginx.pid;
error_log $n/logs/error.log;
events {
	worker_connections 768;
}
http {
	client_body_temp_path $n/client_body;
	proxy_temp_path $n/proxy;
	fastcgi_temp_path $n/fastcgi;
	uwsgi_temp_path $n/uwsgi;
	scgi_temp_path $n/scgi;
	sendfile on;
	tcp_nopush on;
	types_hash_max_size 2048;
	$mime
	default_type application/octet-stream;
	ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
	ssl_prefer_server_ciphers on;
	access_log $n/logs/access.log;
	gzip on;
	include $n/musicgraph.site;
}
EOF
	out=$("$NGINX" -t -p "$n/" -c "$n/nginx.conf" -e "$n/logs/error.log" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && grep -q "test is successful" <<<"$out"; then
		ok "nginx -t accepts the installed site ($site)"
		grep -E '\[(warn|emerg)\]' <<<"$out" | indent 5
	else
		not_ok "nginx -t accepts the installed site (exit $rc)"
		indent <<<"$out"
	fi
	check "the site keeps FastCGI connections open (fastcgi_keep_conn on + upstream keepalive)" \
		eval 'grep -qE "^\s*fastcgi_keep_conn\s+on;" "$site" && grep -qE "^\s*keepalive\s+[0-9]+;" "$site" && ! grep -qE "^\s*fastcgi_keep_conn\s+off" "$site"'
	check "fastcgi_next_upstream retries idempotent requests only" \
		eval 'grep -qE "^\s*fastcgi_next_upstream error timeout;" "$site" && ! grep -E "^\s*fastcgi_next_upstream\s" "$site" | grep -q non_idempotent'
	check "every fastcgi_pass location has MUSICGRAPH_REQUEST_ID (server level or its own)" \
		test "$(grep -c 'fastcgi_param MUSICGRAPH_REQUEST_ID \$request_id;' "$site")" -ge 2
fi

# ---------------------------------------------------------------------------------------------
# The installed production site, run for real in front of the stack's app: a second copy where,
# besides the certificates (made for music.example.org), only the listen addresses (free
# loopback ports instead of 80, 443 and 9180), the upstream server (the stack's server instead
# of systemd's socket), the logs, the static folder (the DESTDIR install) and the /api/graph
# folder (the stack's MUSICGRAPH_GRAPH_DIR) move.
site=$tmp/root_usr/etc/nginx/sites-available/musicgraph
if [ -f "$site" ] && [ -x "$NGINX" ]; then
	r=$tmp/run
	mkdir -p "$r/logs"
	chmod 0755 "$tmp" # nginx's workers read the installed static files in there
	MG_CERTS_QUIET=1 bash "$SRC/certs/make-dev-ca.sh" "$r/certs" music.example.org >"$r/certs.log" 2>&1 ||
		indent <"$r/certs.log"
	read -r p_http p_https p_metrics < <(/usr/bin/python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
	upstream=$MUSICGRAPH_LISTEN
	case $upstream in /*) upstream=unix:$upstream ;; esac
	D=$tmp/root_usr
	sed -e "s#^\(\s*ssl_certificate\s\+\)/etc/letsencrypt/live/[^;]*;#\1$r/certs/server-chain.crt;#" \
		-e "s#^\(\s*ssl_certificate_key\s\+\)/etc/letsencrypt/live/[^;]*;#\1$r/certs/server.key;#" \
		-e "s#^\(\s*ssl_trusted_certificate\s\+\)/etc/letsencrypt/live/[^;]*;#\1$r/certs/ca.crt;#" \
		-e "s#^\(\s*\)listen 80;#\1listen 127.0.0.1:$p_http;#" \
		-e "s#^\(\s*\)listen 443 ssl http2;#\1listen 127.0.0.1:$p_https ssl http2;#" \
		-e "s#^\(\s*\)listen 127.0.0.1:9180;#\1listen 127.0.0.1:$p_metrics;#" \
		-e '/^\s*listen \[::\]:/d' \
		-e "s#^\(\s*server \)unix:/run/musicgraph/fcgi.sock #\1$upstream #" \
		-e "s#/var/log/nginx/#$r/logs/#" \
		-e "s#\(alias\|root\) /usr/share/musicgraph/static#\1 $D/usr/share/musicgraph/static#" \
		-e "s#alias /var/cache/musicgraph/graph/;#alias ${MG_GRAPH_DIR:-/var/cache/musicgraph/graph}/;#" \
		"$site" >"$r/musicgraph.site"
	user_line=""
	[ "$(id -u)" = 0 ] && user_line="user nobody nogroup;"
	sed -e "s#^worker_processes auto;#$user_line worker_processes 1;#" -e "s#$n/#$r/#g" \
		"$n/nginx.conf" >"$r/nginx.conf"
	"$NGINX" -p "$r/" -c "$r/nginx.conf" -e "$r/logs/error.log" -g 'daemon off;' >"$r/nginx.out" 2>&1 &
	run_pid=$!
	trap 'kill -QUIT "$run_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
	pcurl() { # ARGS... (URL last): curl for music.example.org on the private ports
		curl -sS --cacert "$r/certs/ca.crt" --max-time 10 \
			--resolve "music.example.org:$p_https:127.0.0.1" --resolve "music.example.org:$p_http:127.0.0.1" "$@"
	}
	H=https://music.example.org:$p_https
	for _ in $(seq 50); do
		pcurl -o /dev/null "$H/healthz" 2>/dev/null && break
		sleep 0.1
	done
	out=$(pcurl -D "$r/h" -o "$r/b" -w '%{http_code}' "$H/healthz" 2>&1)
	if [ "$out" = 200 ] && grep -qx ok "$r/b"; then
		ok "the installed site runs and passes /healthz to the app (200 ok)"
	else
		not_ok "the installed site runs and passes /healthz to the app ($out)"
		indent <"$r/nginx.out"
		indent <"$r/logs/error.log"
	fi
	hdr() { sed -n "s/^$1: *\(.*\)\r\$/\1/Ip" "$r/h" | tail -n 1; }
	check "... with HSTS, CSP and the other security headers" eval '
		[[ $(hdr strict-transport-security) == "max-age=63072000; includeSubDomains" ]] &&
		[[ $(hdr content-security-policy) == *"frame-ancestors '"'"'none'"'"'"* ]] &&
		[ "$(hdr x-content-type-options)" = nosniff ] && [ "$(hdr x-frame-options)" = DENY ] &&
		[ -n "$(hdr referrer-policy)" ] && [ -n "$(hdr permissions-policy)" ]'
	rid=$(hdr x-request-id)
	check "... and nginx's request id reaches the app (X-Request-Id $rid is rid= in nginx's access log)" \
		eval '[ -n "$rid" ] && grep -q "rid=$rid\$" "$r/logs/musicgraph.access.log"'
	out=$(pcurl -o /dev/null -w '%{http_code} %{redirect_url}' "http://music.example.org:$p_http/genres?q=a%20b")
	check "plain HTTP: 301 to https://music.example.org/… ($out)" \
		test "$out" = "301 https://music.example.org/genres?q=a%20b"
	out=$(pcurl -o /dev/null -w '%{http_code}' "http://music.example.org:$p_http/.well-known/acme-challenge/no-such-token")
	check "plain HTTP: the ACME challenge folder is served, not redirected ($out)" test "$out" = 404
	pcurl -o "$r/home" "$H/"
	css=$(grep -o '/static/css/site.css?v=[0-9a-f]\{12\}' "$r/home" | head -n 1)
	out=$(pcurl -D "$r/h" -o "$r/b" -w '%{http_code}' "$H$css")
	check "fingerprinted $css from the installed static folder: 200, a year, immutable" \
		eval '[ -n "$css" ] && [ "$out" = 200 ] && [ "$(hdr cache-control)" = "public, max-age=31536000, immutable" ] && cmp -s "$r/b" "$D/usr/share/musicgraph/static/css/site.css"'
	out=$(pcurl -D "$r/h" -o /dev/null -w '%{http_code}' "$H/static/css/site.css")
	check "/static/css/site.css without v: an hour ($(hdr cache-control))" \
		eval '[ "$out" = 200 ] && [ "$(hdr cache-control)" = "public, max-age=3600" ]'
	pcurl -D "$r/h" -o /dev/null -H 'Accept-Encoding: gzip' "$H/genres"
	html_enc=$(hdr content-encoding)
	pcurl -D "$r/h" -o /dev/null -H 'Accept-Encoding: gzip' "$H/api/graph"
	check "HTML is not compressed (BREACH; Debian's gzip on is overridden), /api/graph is ('$html_enc', '$(hdr content-encoding)')" \
		eval '[ -z "$html_enc" ] && [ "$(hdr content-encoding)" = gzip ]'
	out=$(pcurl -D "$r/h" -o "$r/b" -w '%{http_code}' "$H/api/graph")
	check "/api/graph: 200, application/json, ETag \"g<version>\", no-cache ($out, $(hdr etag)$([ -n "${MG_GRAPH_DIR:-}" ] && echo ', sent from the graph folder'))" \
		eval '[ "$out" = 200 ] && [ "$(hdr content-type)" = application/json ] &&
			[ "$(hdr cache-control)" = no-cache ] && [[ $(hdr etag) =~ ^\"g[0-9]+\"$ ]] &&
			{ [ -z "${MG_GRAPH_DIR:-}" ] || cmp -s "$r/b" "$MG_GRAPH_DIR/graph-$(hdr etag | tr -dc 0-9).json"; }'
	out=$(pcurl -o /dev/null -w '%{http_code}' "$H/metrics")
	check "the public server answers 404 for /metrics ($out)" test "$out" = 404
	out=$(curl -sS -o "$r/b" -w '%{http_code}' "http://127.0.0.1:$p_metrics/metrics")
	check "the loopback metrics server passes /metrics to the app ($out, Prometheus text)" \
		eval '[ "$out" = 200 ] && grep -q "^# TYPE " "$r/b"'
	out=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p_metrics/healthz")
	check "... and answers 404 for anything else ($out)" test "$out" = 404
	codes=""
	for _ in $(seq 20); do codes="$codes $(pcurl -o /dev/null -w '%{http_code}' "$H/register")"; done
	check "GET /register is not rate-limited (20 in a row:$codes)" eval '! grep -q 429 <<<"$codes"'
	codes=""
	for _ in $(seq 8); do
		codes="$codes $(pcurl -o /dev/null -w '%{http_code}' -d 'username=x' "$H/register")"
	done
	check "POST /register is: burst 5, then 429 ($codes)" eval 'grep -q 429 <<<"$codes"'
	# (only the status: curl stops sending, and may drop the page, once the 413 arrives)
	out=$(head -c 3000000 /dev/zero | pcurl -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @- "$H/login")
	check "a 3 MB body: 413 from nginx (client_max_body_size 2m) ($out)" test "$out" = 413
	kill -QUIT "$run_pid" 2>/dev/null
	wait "$run_pid" 2>/dev/null
	trap 'rm -rf "$tmp"' EXIT
fi

# ---------------------------------------------------------------------------------------------
# A second install over the first (/usr) keeps what belongs to the operator.
P=/usr
D=$tmp/root_usr
if [ -d "$D$P/bin" ]; then
	site=$D/etc/nginx/sites-available/musicgraph
	echo "# edited by the operator" >>"$site"
	cp "$site" "$tmp/site.edited"
	printf 'MUSICGRAPH_DATABASE_URL=postgresql:///mine\n' >"$D/etc/musicgraph/env"
	chmod 0640 "$D/etc/musicgraph/env"
	echo backup >"$D/var/lib/musicgraph/keep.dump"
	echo "# stale" >>"$D$P/lib/systemd/system/musicgraph.service"
	if install_tree "$P" "$D" "$tmp/reinstall.log"; then
		check "reinstall keeps the edited nginx site" cmp -s "$site" "$tmp/site.edited"
		check "reinstall says it kept the site and where the new version is" \
			grep -q "Kept (edited here): /etc/nginx/sites-available/musicgraph" "$tmp/reinstall.log"
		check "reinstall keeps /etc/musicgraph/env and its mode" \
			eval 'grep -qx "MUSICGRAPH_DATABASE_URL=postgresql:///mine" "$D/etc/musicgraph/env" && mode_is "$D/etc/musicgraph/env" 640'
		check "reinstall keeps the contents of /var/lib/musicgraph" test -s "$D/var/lib/musicgraph/keep.dump"
		check "reinstall replaces the units (local changes go in drop-ins)" \
			eval '! grep -q "^# stale" "$D$P/lib/systemd/system/musicgraph.service"'
		# an unedited site (as shipped last time) is replaced
		cp "$D$P/share/musicgraph/nginx/musicgraph.conf" "$site"
		echo "# an older shipped version" >>"$site"
		cp "$site" "$D$P/share/musicgraph/nginx/musicgraph.conf"
		install_tree "$P" "$D" "$tmp/reinstall2.log"
		check "reinstall updates a site that was not edited since the last install" \
			eval '! grep -q "^# an older shipped version" "$site" && grep -q "^upstream musicgraph" "$site"'
	else
		not_ok "second cmake --install into the same DESTDIR"
		indent <"$tmp/reinstall.log"
	fi
fi

# ---------------------------------------------------------------------------------------------
# env.example: every variable of the server, valid for sh as for systemd
ex=$tmp/root_usr/etc/musicgraph/env.example
if [ -f "$ex" ]; then
	missing=""
	while read -r var; do
		grep -qE "^#?$var=" "$ex" || missing="$missing $var"
	done < <("$MG_SERVER" --help | sed -n 's/^  \(MUSICGRAPH_[A-Z0-9_]*\) .*/\1/p')
	check "env.example names every MUSICGRAPH_* variable of musicgraph --help${missing:+ — missing:$missing}" \
		test -z "$missing"
	out=$(env -i sh -c 'set -eu; set -a; . "$1"; env' sh "$ex" 2>&1)
	check "env.example is valid sh (set -a; . env)" \
		grep -qx 'MUSICGRAPH_DATABASE_URL=postgresql://musicgraph@/musicgraph?host=/run/postgresql' <<<"$out"
	check "no value in env.example or migrate.env.example has a trailing comment or an unquoted space" \
		eval '! grep -hE "^[A-Z_]+=[^\"].*[[:space:]]" "$ex" "${ex%/*}/migrate.env.example"'
fi

# ---------------------------------------------------------------------------------------------
# Fingerprinted static files, on the running stack (its nginx is nginx/musicgraph-dev.conf.in;
# its server reads app/static of the source tree).
curl_get() { # URL -> headers and body in $tmp/h, $tmp/b; prints the status
	curl -sS --cacert "$MG_CA_FILE" -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' "$MG_BASE_URL$1"
}
cache_control() { sed -n 's/^[Cc]ache-[Cc]ontrol: *\(.*\)\r$/\1/p' "$tmp/h" | tail -n 1; }
css_hash=$(sha256sum "$SRC/app/static/css/site.css" | cut -c1-12)
js_hash=$(sha256sum "$SRC/app/static/js/graph.bundle.js" 2>/dev/null | cut -c1-12)
status=$(curl_get /)
check "the home page answers 200 ($status)" test "$status" = 200
check "the home page links /static/css/site.css?v=$css_hash (its SHA-256, 12 hex digits)" \
	grep -q "href=\"/static/css/site.css?v=$css_hash\"" "$tmp/b"
check "the home page links /static/js/graph.bundle.js?v=$js_hash" \
	grep -q "src=\"/static/js/graph.bundle.js?v=$js_hash\"" "$tmp/b"
status=$(curl_get "/static/css/site.css?v=$css_hash")
cc=$(cache_control)
check "GET /static/css/site.css?v=$css_hash: 200, Cache-Control \"$cc\" has max-age=31536000 and immutable" \
	eval '[ "$status" = 200 ] && [[ $cc == *max-age=31536000* && $cc == *immutable* ]]'
check "... and the file itself" cmp -s "$tmp/b" "$SRC/app/static/css/site.css"
status=$(curl_get /static/css/site.css)
cc=$(cache_control)
check "GET /static/css/site.css (no v): 200, short caching without immutable (\"$cc\")" \
	eval '[ "$status" = 200 ] && [ "$cc" = "public, max-age=3600" ]'
status=$(curl_get "/static/css/site.css?v=not-a-hash")
cc=$(cache_control)
check "GET /static/css/site.css?v=not-a-hash: not immutable (\"$cc\")" \
	eval '[ "$status" = 200 ] && [[ $cc != *immutable* ]]'
status=$(curl_get "/static/no-such-file.css?v=$css_hash")
cc=$(cache_control)
check "a missing file with ?v= is a 404 without Cache-Control ($status \"$cc\")" \
	eval '[ "$status" = 404 ] && [ -z "$cc" ]'

# ---------------------------------------------------------------------------------------------
# The certbot deploy hook: harmless by hand and twice (here nginx.service is not the stack's
# nginx, so it says there is nothing to reload, or reloads the system's nginx if one runs).
hook=$SRC/certs/certbot-deploy-hook.sh
for i in 1 2; do
	out=$(RENEWED_LINEAGE=/etc/letsencrypt/live/music.example.org sh "$hook" 2>&1)
	rc=$?
	check "certbot-deploy-hook.sh run $i: exit 0 with a message ($out)" \
		eval '[ $rc = 0 ] && grep -qE "nothing to reload|nginx reloaded" <<<"$out"'
done

finish
