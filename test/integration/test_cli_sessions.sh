#!/usr/bin/env bash
# test_cli_sessions.sh: black-box checks of `musicgraph-admin end-sessions USER | --all`
# (docs/operations.md, "Rotating secrets"). test_roles.py shows a browser logged out by it.
# mgtest: empty-database
#
# Needs: MG_ADMIN, MUSICGRAPH_DATABASE_URL (an EMPTY database this script may fill),
# MG_SOURCE_DIR, and psql on PATH (or MG_PSQL).
# Prints "ok - …" / "not ok - …" per check, then "N passed, M failed"; exits 1 if any failed.
set -u

# shellcheck source=test/lib/cli-checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/cli-checks.sh"
export MUSICGRAPH_PBKDF2_ITERATIONS=1000

n_sessions() { q "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = '$1'"; }
# add_sessions USER N: N sessions of USER, as a login makes them (random token hashes)
add_sessions() {
	q "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at)
	   SELECT sha256(gen_random_uuid()::text::bytea), u.id, md5(random()::text) || md5(random()::text),
	          now() + interval '1 day'
	   FROM users u, generate_series(1, $2) WHERE u.username = '$1'" >/dev/null
}
audit() { q "SELECT actor || ' ' || target_id || ' ' || (detail->'before'->>'sessions') || ' ' ||
	(detail->'after'->>'sessions') FROM audit_log WHERE action = 'user.end_sessions' ORDER BY id"; }

run migrate
check "migrate the empty database" [ $rc -eq 0 ]
printf 'violet tundra quokka marble\n' >"$tmp/in"
run create-user alice alice@example.org --admin
printf 'copper lagoon whistle fathom\n' >"$tmp/in"
run create-user bob bob@example.org
: >"$tmp/in"
check "two users" [ "$(q "SELECT count(*) FROM users")" = 2 ]
alice_id=$(q "SELECT id FROM users WHERE username = 'alice'")
bob_id=$(q "SELECT id FROM users WHERE username = 'bob'")

# --- command line -----------------------------------------------------------------------------
run help
check "help lists end-sessions" eval '[ $rc -eq 0 ] && has "$out" "end-sessions USER | --all"'
for args in "" "alice bob" "alice --all" "--bogus" "--all --all extra"; do
	# shellcheck disable=SC2086 # split on purpose
	run end-sessions $args
	check "end-sessions $args: usage error, exit 2" eval '[ $rc -eq 2 ] && has "$err" "usage:"'
done

# --- one user ---------------------------------------------------------------------------------
add_sessions alice 2
add_sessions bob 1
run end-sessions ALICE
check "end-sessions ALICE: \"Ended 2 session(s) of 'alice'.\", exit 0" eval '[ $rc -eq 0 ] &&
	[ "$out" = "Ended 2 session(s) of '"'alice'"'." ] && [ -z "$err" ]'
check "… alice has no session left, bob keeps his" eval \
	'[ "$(n_sessions alice)" = 0 ] && [ "$(n_sessions bob)" = 1 ]'
check "… one audit entry: user.end_sessions by cli:<operator>, 2 -> 0 sessions" eval \
	'[[ "$(audit)" == "cli:"*" $alice_id 2 0" ]] && [ "$(audit | wc -l)" = 1 ]'
run end-sessions alice
check "again: \"Ended 0 session(s) of 'alice'.\", exit 0, no audit entry" eval '[ $rc -eq 0 ] &&
	[ "$out" = "Ended 0 session(s) of '"'alice'"'." ] && [ "$(audit | wc -l)" = 1 ]'
run end-sessions nobody
check "an unknown user: \"Error: User 'nobody' not found\", exit 1" eval '[ $rc -eq 1 ] &&
	[ "$err" = "Error: User '"'nobody'"' not found" ] && [ -z "$out" ]'
run end-sessions $'bad\e[31mname'
check "a name that cannot be a username: exit 1, not echoed" eval '[ $rc -eq 1 ] &&
	has "$err" "No such user" && ! has "$err" "bad"'
check "… nothing changed for bob" [ "$(n_sessions bob)" = 1 ]

# --- everyone ---------------------------------------------------------------------------------
add_sessions alice 3
run end-sessions --all
check "end-sessions --all: \"Ended 4 session(s) of 2 user(s).\", exit 0" eval '[ $rc -eq 0 ] &&
	[ "$out" = "Ended 4 session(s) of 2 user(s)." ]'
check "… no session left at all" [ "$(q "SELECT count(*) FROM sessions")" = 0 ]
check "… an audit entry per user who had sessions (alice 3, bob 1)" eval \
	'[ "$(audit | tail -n 2 | cut -d" " -f2- | sort)" = "$(printf "%s 3 0\n%s 1 0" "$alice_id" "$bob_id" | sort)" ]'
run end-sessions --all
check "--all with no sessions: \"Ended 0 session(s) of 0 user(s).\", no audit entry" eval \
	'[ $rc -eq 0 ] && [ "$out" = "Ended 0 session(s) of 0 user(s)." ] && [ "$(audit | wc -l)" = 3 ]'

finish
