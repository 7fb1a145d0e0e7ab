#!/bin/sh
# certbot-deploy-hook.sh: reload nginx after certbot has renewed a certificate, so the new one
# is served at once (nginx reads certificate files only when it starts or reloads).
#
# Install it where certbot runs every deploy hook after each successful renewal:
#   sudo install -m 0755 certbot-deploy-hook.sh /etc/letsencrypt/renewal-hooks/deploy/musicgraph-nginx
# (from the checkout's certs/, or /usr/local/share/musicgraph/certs/ once installed).
#
# What it does: `nginx -t`, and only if the configuration is valid `systemctl reload nginx`
# (a reload with a broken configuration would fail anyway, but this says why and keeps the old
# certificate in service). When nginx is not installed or not running it changes nothing and
# says so. Reloading is idempotent, so running it twice, or by hand, is harmless:
#   sudo /etc/letsencrypt/renewal-hooks/deploy/musicgraph-nginx
# Exit status: 0 reloaded or nothing to do, 1 nginx -t or the reload failed (certbot logs it).
set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
me=certbot-deploy-hook

# certbot sets RENEWED_LINEAGE (e.g. /etc/letsencrypt/live/music.example.org) for a renewal.
what=${RENEWED_LINEAGE:+"certificate $RENEWED_LINEAGE renewed"}
what=${what:-"run by hand"}

if ! command -v nginx >/dev/null 2>&1; then
	echo "$me: $what; nginx is not installed, nothing to reload"
	exit 0
fi
if ! command -v systemctl >/dev/null 2>&1 || ! systemctl is-active --quiet nginx.service 2>/dev/null; then
	echo "$me: $what; nginx.service is not running (it reads the certificate when it starts), nothing to reload"
	exit 0
fi
if ! out=$(nginx -t 2>&1); then
	echo "$me: $what; NOT reloading nginx, its configuration has an error (it keeps serving the old certificate):" >&2
	printf '%s\n' "$out" >&2
	exit 1
fi
if ! systemctl reload nginx.service; then
	echo "$me: $what; systemctl reload nginx failed (see journalctl -u nginx)" >&2
	exit 1
fi
echo "$me: $what; nginx reloaded"
