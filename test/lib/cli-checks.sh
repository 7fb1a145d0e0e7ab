# cli-checks.sh: the shared part of the shell tests of musicgraph-admin (sourced, not run).
# Gives: $tmp (removed at exit), ok / not_ok / check (TAP-like lines and the counts), run
# (musicgraph-admin with standard input from $tmp/in; sets out, err, rc), q (one SQL value),
# has, the empty-database precondition, and finish (the "N passed, M failed" line and status).
# The caller sets MG_ADMIN, MUSICGRAPH_DATABASE_URL, MG_SOURCE_DIR first.
# shellcheck shell=bash

: "${MG_ADMIN:?set MG_ADMIN to the musicgraph-admin binary}"
: "${MUSICGRAPH_DATABASE_URL:?set MUSICGRAPH_DATABASE_URL to an empty database}"
: "${MG_SOURCE_DIR:?set MG_SOURCE_DIR to the repository root}"
PSQL=${MG_PSQL:-psql}
export MUSICGRAPH_DATABASE_URL
export MUSICGRAPH_MIGRATIONS_DIR="$MG_SOURCE_DIR/sql/migrations"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/in"
passed=0
failed=0

ok() {
	echo "ok - $1"
	passed=$((passed + 1))
}

not_ok() {
	echo "not ok - $1"
	failed=$((failed + 1))
	# show what the last command said, indented, to make the failure explainable
	if [ -n "${out:-}${err:-}" ]; then
		printf '%s\n%s\n' "${out:-}" "${err:-}" | sed -e '/^$/d' -e 's/^/#   /' | head -n 20
	fi
	if [ -s "$tmp/psql.err" ]; then
		sed 's/^/#   psql: /' "$tmp/psql.err" | head -n 5
	fi
}

# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
	local desc=$1
	shift
	: >"$tmp/psql.err"
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# run ARGS...: run musicgraph-admin with standard input from $tmp/in; sets out, err, rc
run() {
	"$MG_ADMIN" "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# q SQL: one value (or rows) from the database; empty on error
q() {
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$MUSICGRAPH_DATABASE_URL" -c "$1" 2>>"$tmp/psql.err"
}

has() { grep -qF -- "$2" <<<"$1"; }

# finish: the summary line; the exit status of the test
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# --- preconditions: psql, and an empty database -------------------------------------------------
if ! command -v "$PSQL" >/dev/null; then
	echo "not ok - psql ($PSQL) is needed to inspect the database"
	echo "0 passed, 1 failed"
	exit 1
fi
tables=$(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
	echo "not ok - the database must be empty (it has ${tables:-?} tables, or is unreachable)"
	sed 's/^/#   /' "$tmp/psql.err" 2>/dev/null
	echo "0 passed, 1 failed"
	exit 1
fi
