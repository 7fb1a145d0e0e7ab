#!/usr/bin/env bash
# test_cli_users.sh: black-box checks of musicgraph-admin's account commands (create-user,
# set-password, list-users, promote, demote, --remove).
# mgtest: empty-database
#
# Needs: MG_ADMIN (the musicgraph-admin binary), MUSICGRAPH_DATABASE_URL (an EMPTY database
# this script may fill), MG_SOURCE_DIR (the repository root), and psql on PATH (or MG_PSQL);
# /usr/bin/python3 for the terminal checks (skipped without it).
# Prints "ok - …" / "not ok - …" per check, then "N passed, M failed"; exits 1 if any failed.
set -u

# shellcheck source=test/lib/cli-checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/cli-checks.sh"
PY=/usr/bin/python3
# fast hashes for the test; one create-user below runs at the default
export MUSICGRAPH_PBKDF2_ITERATIONS=1000
unset MUSICGRAPH_PASSWORD_MIN

# passwords zxcvbn accepts, and ones it refuses
GOOD1='violet tundra quokka marble'
GOOD2='copper lagoon whistle fathom'
GOOD3='saffron glacier pivot humming'

# with_password PASSWORD ARGS...: run with PASSWORD as standard input's first line
with_password() {
	printf '%s\n' "$1" >"$tmp/in"
	shift
	run "$@"
}

# no_input ARGS...: run with empty standard input
no_input() {
	: >"$tmp/in"
	run "$@"
}

hash_of() { q "SELECT password_hash FROM users WHERE lower(username) = lower('$1')"; }
is_admin() { q "SELECT is_admin FROM users WHERE lower(username) = lower('$1')"; }
n_users() { q "SELECT count(*) FROM users"; }

no_input migrate
check "migrate the empty database" [ $rc -eq 0 ]

# --- command line -----------------------------------------------------------------------------
no_input help
check "help lists the account commands" eval '[ $rc -eq 0 ] &&
	has "$out" "create-user USER EMAIL [--admin]" && has "$out" "set-password USER" &&
	has "$out" "list-users" && has "$out" "promote USER" && has "$out" "demote USER" &&
	has "$out" "--remove USER"'
for args in "create-user" "create-user alice" "set-password" "promote" "demote" "--remove" \
	"demote a b" "list-users extra" "create-user alice a@example.org --bogus"; do
	# shellcheck disable=SC2086 # split on purpose
	no_input $args
	check "\"$args\": usage error, exit 2" eval '[ $rc -eq 2 ] && has "$err" "usage:"'
done
with_password "$GOOD1" create-user alice alice@example.org "$GOOD1"
check "create-user refuses a password on the command line (exit 2, says why)" eval \
	'[ $rc -eq 2 ] && has "$err" "never taken from the command line" && [ "$(n_users)" = 0 ]'
with_password "$GOOD1" create-user alice alice@example.org --password="$GOOD1"
check "… also as --password=…" eval '[ $rc -eq 2 ] && [ "$(n_users)" = 0 ]'
with_password "$GOOD1" set-password alice "$GOOD1"
check "set-password refuses a password on the command line (exit 2)" [ $rc -eq 2 ]

# --- create-user ----------------------------------------------------------------------------
with_password "$GOOD1" create-user Alice alice@example.org --admin
check "create-user --admin: \"Created admin 'Alice'.\", exit 0" eval '[ $rc -eq 0 ] &&
	[ "$out" = "Created admin '"'Alice'"'." ] && [ "$(is_admin alice)" = t ]'
check "… the hash is pbkdf2_sha256 with MUSICGRAPH_PBKDF2_ITERATIONS (1000)" eval \
	'[[ "$(hash_of alice)" == pbkdf2_sha256\$1000\$* ]]'
with_password "$GOOD2" create-user bob bob@example.org
check "create-user: \"Created user 'bob'.\", not an admin" eval '[ $rc -eq 0 ] &&
	[ "$out" = "Created user '"'bob'"'." ] && [ "$(is_admin bob)" = f ]'
printf '%s\r\nsecond line ignored\n' "$GOOD3" >"$tmp/in"
run create-user carol carol@example.org
check "the first line of standard input is the password (\\r\\n ending removed)" eval \
	'[ $rc -eq 0 ] && [ "$(q "SELECT count(*) FROM users WHERE username = '"'carol'"'")" = 1 ]'
printf '%s' "$GOOD3" >"$tmp/in"
(unset MUSICGRAPH_PBKDF2_ITERATIONS && run create-user dave dave@example.org && [ $rc -eq 0 ])
check "at the default iterations (no final newline): the stored hash has \$600000\$" eval \
	'[[ "$(hash_of dave)" == pbkdf2_sha256\$600000\$* ]]'

users_before=$(n_users)
with_password "$GOOD3" create-user ALICE other@example.org
check "a taken username in another case: \"Error: Username 'ALICE' is already taken\", exit 1" \
	eval '[ $rc -eq 1 ] && has "$err" "Error: Username '"'ALICE'"' is already taken"'
with_password "$GOOD3" create-user erin BOB@Example.ORG
check "a taken email in another case: \"Error: Email 'BOB@Example.ORG' is already registered\"" \
	eval '[ $rc -eq 1 ] && has "$err" "Error: Email '"'BOB@Example.ORG'"' is already registered"'
with_password "password123456" create-user erin erin@example.org
check "a weak password is refused with the policy's message" eval '[ $rc -eq 1 ] &&
	has "$err" "Error: This password is too easy to guess"'
with_password "erin@example.org1" create-user erin erin@example.org
check "a password close to the new user's email is refused" eval '[ $rc -eq 1 ] &&
	has "$err" "Error: This password is too easy to guess: it is close to your email address."'
with_password "short one" create-user erin erin@example.org
check "a short password is refused (at least 12 characters)" eval '[ $rc -eq 1 ] &&
	has "$err" "Error: This password is too short: use at least 12 characters."'
no_input create-user erin erin@example.org
check "no password at all is refused" eval '[ $rc -eq 1 ] && has "$err" "Error: No password given"'
# a strong 1024-byte password is taken whole, one byte more is refused (not truncated)
"$PY" -c 'import random, string; r = random.Random(7)
print("".join(r.choice(string.ascii_letters + string.digits) for _ in range(1024)), end="")' \
	>"$tmp/pw1024" 2>/dev/null || head -c 768 /dev/urandom | base64 -w0 | head -c 1024 >"$tmp/pw1024"
{ cat "$tmp/pw1024"; printf 'x\n'; } >"$tmp/in"
run create-user erin erin@example.org
check "a 1025-byte password on standard input is refused (exit 1)" eval '[ $rc -eq 1 ] &&
	has "$err" "Error: The password is longer than 1024 bytes" &&
	[ -z "$(q "SELECT id FROM users WHERE username = '"'erin'"'")" ]'
{ cat "$tmp/pw1024"; printf '\n'; } >"$tmp/in"
run create-user erin erin@example.org
check "a 1024-byte password is accepted" eval '[ $rc -eq 0 ] && has "$out" "Created user"'
printf 'violet tundra\0quokka marble\n' >"$tmp/in"
run create-user frank frank@example.org
check "a NUL byte in the password is refused" eval '[ $rc -eq 1 ] && has "$err" "NUL character"'
with_password "$GOOD3" create-user "no spaces" ns@example.org
check "an invalid username is refused with the form's rule" eval '[ $rc -eq 1 ] &&
	has "$err" "Error: Username '"'no spaces'"' is not valid: a username has 3 to 32"'
with_password "$GOOD3" create-user ab ab@example.org
check "a two-letter username is refused" eval '[ $rc -eq 1 ] && has "$err" "Error: Username"'
with_password "$GOOD3" create-user frank frank.example.org
check "an implausible email is refused" eval '[ $rc -eq 1 ] &&
	has "$err" "Error: Email '"'frank.example.org'"' is not valid"'
check "… and none of the refused ones was created" [ "$(n_users)" = $((users_before + 1)) ]

# the unique index decides a race: another transaction inserts the name after our check
("$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$MUSICGRAPH_DATABASE_URL" -c "BEGIN" \
	-c "INSERT INTO users (username, email, password_hash) VALUES ('Racer', 'racer@example.org', 'x')" \
	-c "SELECT pg_sleep(1.5)" -c "COMMIT" >/dev/null 2>>"$tmp/psql.err") &
sleep 0.5
with_password "$GOOD3" create-user racer someone@example.org
wait
check "a username taken meanwhile (unique index, 23505): \"already taken\", exit 1" eval \
	'[ $rc -eq 1 ] && has "$err" "Error: Username '"'racer'"' is already taken"'
("$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$MUSICGRAPH_DATABASE_URL" -c "BEGIN" \
	-c "INSERT INTO users (username, email, password_hash) VALUES ('racer2', 'Racer2@example.org', 'x')" \
	-c "SELECT pg_sleep(1.5)" -c "COMMIT" >/dev/null 2>>"$tmp/psql.err") &
sleep 0.5
with_password "$GOOD3" create-user racer3 racer2@example.org
wait
check "an email taken meanwhile: \"already registered\", exit 1" eval '[ $rc -eq 1 ] &&
	has "$err" "Error: Email '"'racer2@example.org'"' is already registered"'
q "DELETE FROM users WHERE username IN ('Racer', 'racer2')" >/dev/null

# --- set-password ---------------------------------------------------------------------------
bob_id=$(q "SELECT id FROM users WHERE username = 'bob'")
q "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at)
	SELECT sha256(('t' || g)::bytea), $bob_id, repeat('c', 32), now() + interval '1 day'
	FROM generate_series(1, 2) g" >/dev/null
q "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at)
	SELECT sha256('alice'::bytea), id, repeat('c', 32), now() + interval '1 day'
	FROM users WHERE username = 'Alice'" >/dev/null
# shellcheck disable=SC2034 # used in the eval'd checks below
old_hash=$(hash_of bob)
with_password "$GOOD3" set-password BOB
check "set-password: \"Password changed for 'bob'; 2 session(s) ended.\", exit 0" eval \
	'[ $rc -eq 0 ] && [ "$out" = "Password changed for '"'bob'"'; 2 session(s) ended." ]'
check "… the hash changed" eval '[ -n "$old_hash" ] && [ "$(hash_of bob)" != "$old_hash" ] &&
	[[ "$(hash_of bob)" == pbkdf2_sha256\$1000\$* ]]'
check "… bob's sessions are gone, the others stay" eval \
	'[ "$(q "SELECT count(*) FROM sessions WHERE user_id = $bob_id")" = 0 ] &&
	[ "$(q "SELECT count(*) FROM sessions")" = 1 ]'
# shellcheck disable=SC2034
old_hash=$(hash_of bob)
with_password "bobbobbobbob" set-password bob
check "set-password applies the policy with bob's username as a known word" eval \
	'[ $rc -eq 1 ] && has "$err" "Error: This password is too easy to guess: it is close to your username." &&
	[ "$(hash_of bob)" = "$old_hash" ]'
with_password "bob@example.org1" set-password bob
check "… and bob's email" eval '[ $rc -eq 1 ] &&
	has "$err" "is close to your email address." && [ "$(hash_of bob)" = "$old_hash" ]'
{ cat "$tmp/pw1024"; printf 'x\n'; } >"$tmp/in"
run set-password bob
check "set-password refuses a 1025-byte password" eval '[ $rc -eq 1 ] &&
	has "$err" "longer than 1024 bytes" && [ "$(hash_of bob)" = "$old_hash" ]'
with_password "$GOOD3" set-password nobody
check "set-password of an unknown user: \"Error: User 'nobody' not found\", exit 1" eval \
	'[ $rc -eq 1 ] && has "$err" "Error: User '"'nobody'"' not found"'
with_password "$GOOD1" set-password bob
check "set-password with no session to end: 0 session(s) ended" eval '[ $rc -eq 0 ] &&
	has "$out" "; 0 session(s) ended."'

# --- list-users -----------------------------------------------------------------------------
q "UPDATE users SET created_at = '2024-01-02 03:04:59+00', last_login_at = '2024-05-06 07:08:00+00'
	WHERE username = 'Alice'" >/dev/null
q "UPDATE users SET created_at = '2024-02-01 00:00:00+00' WHERE username = 'bob'" >/dev/null
no_input list-users
check "list-users: a header and one line per user, exit 0" eval '[ $rc -eq 0 ] &&
	[ "$(head -n 1 <<<"$out" | tr -s " ")" = "username email admin created last login" ] &&
	[ "$(grep -c "@" <<<"$out")" = "$(n_users)" ]'
check "… newest first (Alice, the oldest, last)" eval \
	'[ "$(grep "@" <<<"$out" | tail -n 1 | awk "{print \$1}")" = Alice ]'
check "… admin yes/no, created and last login in UTC to the minute" eval \
	'[ "$(grep "^Alice " <<<"$out" | tr -s " ")" = "Alice alice@example.org yes 2024-01-02 03:04 UTC 2024-05-06 07:08 UTC" ] &&
	[ "$(grep "^bob " <<<"$out" | tr -s " ")" = "bob bob@example.org no 2024-02-01 00:00 UTC never" ]'
q "INSERT INTO users (username, email, password_hash) VALUES ('esc', E'esc\\u009b@x\\u001b.org', 'x')" >/dev/null
no_input list-users
check "… control characters from the database are shown as '?'" eval '[ $rc -eq 0 ] &&
	has "$out" "esc?@x?.org" && ! grep -q $'"'"'\x1b'"'"' "$tmp/out"'
q "DELETE FROM users WHERE username = 'esc'" >/dev/null

# --- promote, demote, --remove, the last admin ------------------------------------------------
no_input promote Bob
check "promote: \"Success: 'bob' is now an admin\", exit 0" eval '[ $rc -eq 0 ] &&
	[ "$out" = "Success: '"'bob'"' is now an admin" ] && [ "$(is_admin bob)" = t ]'
audit_rows=$(q "SELECT count(*) FROM audit_log WHERE actor LIKE 'cli:%'
	AND action = 'user.promote' AND target_type = 'user'
	AND target_id = (SELECT id::text FROM users WHERE username = 'bob')
	AND detail->'before'->>'is_admin' = 'false' AND detail->'after'->>'is_admin' = 'true'")
check "… audited as done by the CLI, with before and after" eval '[ "$audit_rows" = 1 ]'
no_input promote bob
check "promote again: \"User 'bob' is already an admin\", exit 0" eval '[ $rc -eq 0 ] &&
	[ "$out" = "User '"'bob'"' is already an admin" ]'
no_input promote nobody
check "promote an unknown user: \"Error: User 'nobody' not found\", exit 1" eval \
	'[ $rc -eq 1 ] && has "$err" "Error: User '"'nobody'"' not found"'
no_input demote BOB
check "demote: \"Success: Admin rights removed from 'bob'\", exit 0" eval '[ $rc -eq 0 ] &&
	[ "$out" = "Success: Admin rights removed from '"'bob'"'" ] && [ "$(is_admin bob)" = f ]'
no_input demote bob
check "demote again: \"User 'bob' is not an admin\", exit 0" eval '[ $rc -eq 0 ] &&
	[ "$out" = "User '"'bob'"' is not an admin" ]'
no_input --remove bob
check "--remove of a non-admin: \"User 'bob' is not an admin\", exit 0" eval '[ $rc -eq 0 ] &&
	[ "$out" = "User '"'bob'"' is not an admin" ]'
no_input demote nobody
check "demote an unknown user: \"Error: User 'nobody' not found\", exit 1" eval \
	'[ $rc -eq 1 ] && has "$err" "Error: User '"'nobody'"' not found"'
no_input demote alice
check "the last admin cannot be demoted (exit 1)" eval '[ $rc -eq 1 ] &&
	has "$err" "Error: '"'Alice'"' is the last admin; promote another user first" &&
	[ "$(is_admin alice)" = t ]'
no_input --remove Alice
check "… nor --removed" eval '[ $rc -eq 1 ] && has "$err" "is the last admin" &&
	[ "$(is_admin alice)" = t ]'
no_input promote carol
no_input --remove alice
check "--remove works as demote once another admin exists" eval '[ $rc -eq 0 ] &&
	[ "$out" = "Success: Admin rights removed from '"'Alice'"'" ] && [ "$(is_admin alice)" = f ]'
no_input demote carol
check "… and then carol is the last admin" eval '[ $rc -eq 1 ] && has "$err" "is the last admin"'

# two admins demoting each other at once: the admin rows are locked, so one of them stays
no_input promote alice
("$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$MUSICGRAPH_DATABASE_URL" -c "BEGIN" \
	-c "SELECT id FROM users WHERE is_admin FOR UPDATE" -c "SELECT pg_sleep(1)" -c "COMMIT" \
	>/dev/null 2>>"$tmp/psql.err") &
sleep 0.3
"$MG_ADMIN" demote alice >"$tmp/d1.out" 2>&1 </dev/null &
d1=$!
"$MG_ADMIN" demote carol >"$tmp/d2.out" 2>&1 </dev/null &
d2=$!
wait $d1
# shellcheck disable=SC2034 # rc1, rc2: used in the eval'd check below
rc1=$?
wait $d2
# shellcheck disable=SC2034
rc2=$?
wait
check "two concurrent demotes of the two admins: one succeeds, one is refused, one admin stays" \
	eval '[ $((rc1 + rc2)) -eq 1 ] && [ "$(q "SELECT count(*) FROM users WHERE is_admin")" = 1 ] &&
	cat "$tmp/d1.out" "$tmp/d2.out" | grep -q "is the last admin"'

# --- the terminal: two prompts without echo, echo restored after Ctrl-C -----------------------
if [ -x "$PY" ]; then
	"$PY" - "$MG_ADMIN" "$GOOD2" >"$tmp/tty.out" 2>&1 <<'EOF'
import os, pty, select, signal, sys, termios, time
admin, pw = sys.argv[1], sys.argv[2].encode()
def spawn(args):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(admin, [admin] + args)
    return pid, fd
def read_until(fd, want, timeout=10):
    buf, end = b"", time.time() + timeout
    while want not in buf and time.time() < end:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                d = os.read(fd, 1024)
            except OSError:
                break
            if not d:
                break
            buf += d
    return buf
def rest(fd):
    return read_until(fd, b"\0never\0")
def echo_on(fd):
    return bool(termios.tcgetattr(fd)[3] & termios.ECHO)
res = []
pid, fd = spawn(["create-user", "gina", "gina@example.org"])
out = read_until(fd, b"Password: ")
res.append(("tty: asks \"Password: \" with echo off", b"Password: " in out and not echo_on(fd)))
os.write(fd, pw + b"\n")
out = read_until(fd, b"Repeat the password: ")
res.append(("tty: asks \"Repeat the password: \" with echo off",
            b"Repeat the password: " in out and not echo_on(fd)))
os.write(fd, pw + b"\n")
out += rest(fd)
st = os.waitpid(pid, 0)[1]
res.append(("tty: creates the user, exit 0", os.WEXITSTATUS(st) == 0 and b"Created user 'gina'." in out))
res.append(("tty: the password never appears on the terminal", pw not in out))
res.append(("tty: echo is on again afterwards", echo_on(fd)))
pid, fd = spawn(["create-user", "hank", "hank@example.org"])
read_until(fd, b"Password: "); os.write(fd, pw + b"\n")
read_until(fd, b"Repeat the password: "); os.write(fd, pw + b"x\n")
out = rest(fd); st = os.waitpid(pid, 0)[1]
res.append(("tty: different entries are refused, exit 1",
            os.WEXITSTATUS(st) == 1 and b"Error: Passwords do not match" in out))
pid, fd = spawn(["set-password", "gina"])
read_until(fd, b"Password: ")
off = not echo_on(fd)
os.write(fd, b"\x03")
st = os.waitpid(pid, 0)[1]
res.append(("tty: Ctrl-C at the prompt ends it and turns echo back on",
            off and os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGINT and echo_on(fd)))
pid, fd = spawn(["create-user", "ivan", "ivan@example.org"])
read_until(fd, b"Password: ")
os.write(fd, b"b" * 1030 + b"\n")
out = rest(fd); st = os.waitpid(pid, 0)[1]
res.append(("tty: a typed password over 1024 bytes is refused, echo back on",
            os.WEXITSTATUS(st) == 1 and b"longer than 1024 bytes" in out and echo_on(fd)))
for name, good in res:
    print(("ok - " if good else "not ok - ") + name)
EOF
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) out='' err='' not_ok "${line#not ok - }" ;;
		*) echo "# $line" ;;
		esac
	done <"$tmp/tty.out"
	check "tty: the user made through the terminal exists, the refused ones do not" eval \
		'[ "$(q "SELECT string_agg(username, '"','"' ORDER BY username) FROM users
			WHERE username IN ('"'gina', 'hank', 'ivan'"')")" = gina ]'
else
	echo "ok - # SKIP terminal checks: $PY is missing"
fi

finish
