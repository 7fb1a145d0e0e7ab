#!/bin/sh
# musicgraph-backup: one pg_dump of the Music Graph database in PostgreSQL's custom format,
# then the oldest dumps deleted so that the newest MUSICGRAPH_BACKUP_KEEP stay. Installed as
# PREFIX/bin/musicgraph-backup and run daily by musicgraph-backup.timer (the service runs it as
# the user musicgraph with /etc/musicgraph/env); docs/operations.md, "Backups", has the restore.
#
# Environment:
#   MUSICGRAPH_DATABASE_URL   the database, as for the server (empty: libpq's PG* variables)
#   MUSICGRAPH_BACKUP_DIR     where the dumps go (default /var/lib/musicgraph/backups)
#   MUSICGRAPH_BACKUP_KEEP    how many dumps to keep, at least 1 (default 14)
#
# A dump is written as .musicgraph-….dump.partial and renamed when pg_dump has succeeded, so a
# file named musicgraph-YYYYmmdd-HHMMSS.dump (UTC) is always complete. Old dumps are deleted
# only after a new one was written. Exit status: 0 done, 1 the dump failed, 2 bad settings.
set -eu

dir=${MUSICGRAPH_BACKUP_DIR:-/var/lib/musicgraph/backups}
keep=${MUSICGRAPH_BACKUP_KEEP:-14}
case $keep in
'' | *[!0-9]* | 0 | 0*)
	echo "musicgraph-backup: MUSICGRAPH_BACKUP_KEEP must be a whole number of 1 or more, not '$keep'" >&2
	exit 2
	;;
esac

umask 077 # the dumps hold password hashes and email addresses
mkdir -p -- "$dir"
name=musicgraph-$(date -u +%Y%m%d-%H%M%S).dump
part=$dir/.$name.partial
trap 'rm -f -- "$part"' EXIT
trap 'exit 1' HUP INT TERM

if [ -n "${MUSICGRAPH_DATABASE_URL:-}" ]; then
	set -- "--dbname=$MUSICGRAPH_DATABASE_URL"
else
	set --
fi
if ! pg_dump --format=custom --no-password --file="$part" "$@"; then
	echo "musicgraph-backup: pg_dump failed; no backup written, none deleted" >&2
	exit 1
fi
# ln refuses an existing name (two backups in one second): nothing is ever overwritten
if ! ln -- "$part" "$dir/$name"; then
	echo "musicgraph-backup: $dir/$name exists already; none deleted" >&2
	exit 1
fi
rm -f -- "$part"
echo "Backup written: $dir/$name ($(wc -c <"$dir/$name") bytes)"

# Retention: the names sort by time; only files of exactly this shape are ever deleted.
ls -1 -- "$dir" | grep -E '^musicgraph-[0-9]{8}-[0-9]{6}\.dump$' | sort -r |
	tail -n +"$((keep + 1))" | while IFS= read -r old; do
	rm -f -- "$dir/$old"
	echo "Deleted old backup: $dir/$old"
done
