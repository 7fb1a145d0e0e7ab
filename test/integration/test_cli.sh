#!/usr/bin/env bash
# test_cli.sh: black-box checks of musicgraph-admin (migrate, import-genres, import-bands).
#
# Needs: MG_ADMIN (the musicgraph-admin binary), MUSICGRAPH_DATABASE_URL (an EMPTY database
# this script may fill), MG_SOURCE_DIR (the repository root), and psql on PATH (or MG_PSQL).
# Prints "ok - …" / "not ok - …" per check, then "N passed, M failed"; exits 1 if any failed.
set -u

# shellcheck source=test/lib/cli-checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/cli-checks.sh"
GENRES="$MG_SOURCE_DIR/sql/demo/musicbrainz/genres.csv"
ALIASES="$MG_SOURCE_DIR/sql/demo/musicbrainz/genre_aliases.csv"
BANDS="$MG_SOURCE_DIR/sql/demo/bands/bands.csv"

# q_state SQL: the SQLSTATE of the error SQL raises ("" when it succeeds)
q_state() {
	"$PSQL" -X -q -At -v VERBOSITY=verbose -d "$MUSICGRAPH_DATABASE_URL" -c "$1" 2>&1 >/dev/null |
		sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\): .*/\1/p' | head -n 1
}

data_version() { q "SELECT version FROM data_version"; }
count() { q "SELECT count(*) FROM $1"; }
csv_rows() { tail -n +2 "$1" | grep -c .; }
# csv_links FILE: the number of |-joined slugs in the last column (never quoted in our files)
csv_links() { tail -n +2 "$1" | awk -F, '$NF != "" { t += split($NF, a, "|") } END { print t + 0 }'; }

# --- command line -----------------------------------------------------------------------------
run help
check "help prints the usage and exits 0" [ $rc -eq 0 ]
check "help lists every command" eval 'has "$out" "migrate [--dir DIR] [--status]" &&
	has "$out" "import-genres GENRES.csv [ALIASES.csv]" && has "$out" "import-bands BANDS.csv"'
run
check "no arguments: usage on stderr, exit 2" eval '[ $rc -eq 2 ] && has "$err" "usage:"'
run frobnicate
check "unknown command: usage on stderr, exit 2" eval '[ $rc -eq 2 ] && has "$err" "usage:" &&
	has "$err" "frobnicate"'
run import-bands
check "import-bands without a file: exit 2" [ $rc -eq 2 ]

# --- migrate ----------------------------------------------------------------------------------
n_migrations=$(find "$MUSICGRAPH_MIGRATIONS_DIR" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]_*.sql' | wc -l)
run migrate --status
check "migrate --status on an empty database lists everything as pending" eval '[ $rc -eq 0 ] &&
	[ "$(grep -c "^pending" <<<"$out")" -eq '"$n_migrations"' ]'
run migrate
check "migrate applies all $n_migrations migrations" eval '[ $rc -eq 0 ] &&
	[ "$(grep -c "^Applied " <<<"$out")" -eq '"$n_migrations"' ] &&
	[ "$(count schema_migrations)" = '"$n_migrations"' ]'
check "schema_migrations holds sha256 checksums" eval \
	'[ "$(q "SELECT count(*) FROM schema_migrations WHERE checksum ~ '"'^[0-9a-f]{64}\$'"'")" = '"$n_migrations"' ]'
run migrate
check "a second migrate is a no-op" eval '[ $rc -eq 0 ] && ! has "$out" "Applied" &&
	has "$out" "Database is up to date ('"$n_migrations"' migration"'
run migrate --status
check "migrate --status lists them as applied" eval '[ $rc -eq 0 ] &&
	[ "$(grep -c "^applied" <<<"$out")" -eq '"$n_migrations"' ]'

mig="$tmp/migrations"
mkdir "$mig"
cp "$MUSICGRAPH_MIGRATIONS_DIR"/*.sql "$mig"/
first=$(cd "$mig" && ls [0-9][0-9][0-9][0-9]_*.sql | head -n 1)
run migrate --dir "$mig"
check "migrate --dir with the same files is a no-op" eval '[ $rc -eq 0 ] && ! has "$out" "Applied"'
# shellcheck disable=SC2034 # used in the eval'd checks below
before=$(q "SELECT string_agg(filename || checksum, ',' ORDER BY filename) FROM schema_migrations")
printf '\n-- an edit after the fact\n' >>"$mig/$first"
printf 'CREATE TABLE probe_table (x int);\n' >"$mig/9999_probe.sql"
run migrate --dir "$mig"
# shellcheck disable=SC2034
after=$(q "SELECT string_agg(filename || checksum, ',' ORDER BY filename) FROM schema_migrations")
check "an edited applied migration is refused (exit 1, names the file)" eval '[ $rc -eq 1 ] &&
	has "$err" "$first was changed after it was applied"'
check "… and nothing was applied" eval '[ "$before" = "$after" ] &&
	[ -z "$(q "SELECT to_regclass('"'probe_table'"')")" ]'
run migrate --status --dir "$mig"
check "migrate --status reports the edit (exit 1)" eval '[ $rc -eq 1 ] && has "$out" "changed  $first"'
cp "$MUSICGRAPH_MIGRATIONS_DIR/$first" "$mig/$first"
mv "$mig/$first" "$tmp/moved.sql"
run migrate --dir "$mig"
check "a missing applied migration is refused (exit 1, names the file)" eval '[ $rc -eq 1 ] &&
	has "$err" "$first was applied but is missing" && [ -z "$(q "SELECT to_regclass('"'probe_table'"')")" ]'
mv "$tmp/moved.sql" "$mig/$first"
rm "$mig/9999_probe.sql"
printf -- '-- 9998_broken.sql\nCREATE TABLE broken_one (x int);\n\nCREATE TABLE broken_two (x no_such_type);\n' \
	>"$mig/9998_broken.sql"
run migrate --dir "$mig"
check "a failing migration: exit 1 with file and line" eval '[ $rc -eq 1 ] && has "$err" "9998_broken.sql:4:"'
check "… and it is rolled back entirely" eval '[ -z "$(q "SELECT to_regclass('"'broken_one'"')")" ] &&
	[ "$(count schema_migrations)" = '"$n_migrations"' ]'
rm "$mig/9998_broken.sql"

# --- import the demo data ---------------------------------------------------------------------
n_genres=$(csv_rows "$GENRES")
n_parent_links=$(csv_links "$GENRES")
n_aliases=$(csv_rows "$ALIASES")
n_roots=$(tail -n +2 "$GENRES" | grep -c ',$')
n_bands=$(csv_rows "$BANDS")
n_band_links=$(csv_links "$BANDS")

v0=$(data_version)
run import-genres "$GENRES" "$ALIASES"
check "import-genres of the demo data succeeds" eval '[ $rc -eq 0 ] && has "$out" \
	"Imported $n_genres genres ($n_genres added, 0 updated, $n_parent_links parent links, $n_aliases aliases)."'
check "genres: $n_genres rows as in the CSV" [ "$(count genres)" = "$n_genres" ]
check "genre_parents: $n_parent_links rows as in the CSV" [ "$(count genre_parents)" = "$n_parent_links" ]
check "genre_aliases: $n_aliases rows as in the CSV" [ "$(count genre_aliases)" = "$n_aliases" ]
check "genre_types: $n_roots roots, the rest intermediate or leaf" eval \
	'[ "$(q "SELECT count(*) FROM genre_types WHERE type = '"'root'"'")" = "$n_roots" ] &&
	[ "$(q "SELECT count(*) FROM genre_types WHERE type IN ('"'leaf', 'intermediate'"')")" = $((n_genres - n_roots)) ]'
check "the first parent is the primary one (acid-jazz → jazz, 4 parents)" eval \
	'[ "$(q "SELECT g.parent_id || (SELECT count(*) FROM genre_parents p WHERE p.genre_id = g.id)
		FROM genres g WHERE g.id = '"'acid-jazz'"'")" = "jazz4" ]'
check "the data version moved" [ "$(data_version)" != "$v0" ]

run import-bands "$BANDS"
check "import-bands of the demo data succeeds" eval '[ $rc -eq 0 ] &&
	has "$out" "Imported $n_bands bands ($n_bands added, 0 updated, $n_band_links genre links)."'
check "bands: $n_bands rows as in the CSV" [ "$(count bands)" = "$n_bands" ]
check "band_genres: $n_band_links rows as in the CSV" [ "$(count band_genres)" = "$n_band_links" ]
check "quoted names survive (\"\"\"Weird Al\"\" Yankovic\", \"Earth, Wind & Fire\")" eval \
	'[ "$(q "SELECT string_agg(name, '"'|'"' ORDER BY id) FROM bands
		WHERE id IN ('"'weird-al-yankovic', 'earth-wind-and-fire'"')")" = "Earth, Wind & Fire|\"Weird Al\" Yankovic" ]'
check "the first genre is the primary one (pantera → groove-metal)" \
	[ "$(q "SELECT primary_genre_id FROM bands WHERE id = 'pantera'")" = "groove-metal" ]

v1=$(data_version)
run import-genres "$GENRES" "$ALIASES"
check "re-importing the genres changes nothing" eval '[ $rc -eq 0 ] && has "$out" "(0 added, 0 updated,"'
run import-bands "$BANDS"
check "re-importing the bands changes nothing" eval '[ $rc -eq 0 ] && has "$out" "(0 added, 0 updated,"'
check "… and the data version did not move" [ "$(data_version)" = "$v1" ]

# an update, then back
printf 'slug,name,parent_slugs\nacid-jazz,Acid Jazz,jazz|funk\n' >"$tmp/update.csv"
run import-genres "$tmp/update.csv"
check "an import that renames and re-parents a genre counts it as updated" eval '[ $rc -eq 0 ] &&
	has "$out" "Imported 1 genres (0 added, 1 updated, 2 parent links, 0 aliases)."'
check "… its parent set is exactly the file's" \
	[ "$(q "SELECT string_agg(parent_id, '|' ORDER BY parent_id) FROM genre_parents WHERE genre_id = 'acid-jazz'")" = "funk|jazz" ]
check "… its aliases are kept when no alias file is given" \
	[ "$(count genre_aliases)" = "$n_aliases" ]
check "… and the data version moved" [ "$(data_version)" != "$v1" ]
run import-genres "$GENRES" "$ALIASES"
check "importing the demo data again restores it" eval '[ $rc -eq 0 ] && has "$out" "(0 added, 1 updated," &&
	[ "$(q "SELECT name FROM genres WHERE id = '"'acid-jazz'"'")" = "acid jazz" ] &&
	[ "$(count genre_parents)" = "$n_parent_links" ]'

# --- bad files are refused, with the line, and nothing is written --------------------------------
# refused NAME COMMAND FILE... EXPECTED: exit 1, EXPECTED in stderr, data version unchanged
refused() {
	local name=$1 cmd=$2 expected=${*: -1}
	local files=("${@:3:$#-3}")
	local v
	v=$(data_version)
	run "$cmd" "${files[@]}"
	check "$name is refused with \"$expected\"" eval '[ $rc -eq 1 ] && has "$err" "$expected" &&
		has "$err" "nothing was imported"'
	check "… and nothing was written" eval '[ "$(data_version)" = "$v" ] &&
		[ "$(count genres)" = "$n_genres" ] && [ "$(count bands)" = "$n_bands" ] &&
		[ "$(count genre_parents)" = "$n_parent_links" ] && [ "$(count band_genres)" = "$n_band_links" ]'
}

f="$tmp/dangling.csv"
printf 'slug,name,parent_slugs\nnew-one,new one,rock\nnew-two,new two,no-such-genre\n' >"$f"
refused "a dangling parent" import-genres "$f" "$f:3: unknown parent genre \"no-such-genre\""

f="$tmp/cycle.csv"
printf 'slug,name,parent_slugs\nnew-x,new x,new-y\nnew-y,new y,new-z|rock\nnew-z,new z,new-x\n' >"$f"
refused "a cycle inside the file" import-genres "$f" "$f:4: genre parents form a cycle: new-z -> new-x -> new-y -> new-z"

f="$tmp/cycle_db.csv"
printf 'slug,name,parent_slugs\nmetal,metal,heavy-metal\n' >"$f"
refused "a cycle through the database" import-genres "$f" "$f:2: genre parents form a cycle: metal -> heavy-metal -> metal"

f="$tmp/self.csv"
printf 'slug,name,parent_slugs\nnew-s,new s,rock|new-s\n' >"$f"
refused "a self-parent" import-genres "$f" "$f:2: genre \"new-s\" lists itself as a parent"

f="$tmp/badslug.csv"
printf 'slug,name,parent_slugs\nnew-a,new a,\nnew-b,new b,rock\nNew_C,new c,\n' >"$f"
refused "a bad slug" import-genres "$f" "$f:4: invalid slug \"New_C\""

f="$tmp/dup.csv"
printf 'slug,name,parent_slugs\nnew-d,new d,\nnew-e,new e,\nnew-f,new f,\nnew-d,again,\n' >"$f"
refused "a duplicate slug" import-genres "$f" "$f:5: duplicate slug \"new-d\" (first on line 2)"

f="$tmp/dupparent.csv"
printf 'slug,name,parent_slugs\nnew-g,new g,rock|jazz|rock\n' >"$f"
refused "a repeated parent" import-genres "$f" "$f:2: \"rock\" is listed twice in parent_slugs"

f="$tmp/header.csv"
printf 'slug,name,parents\nnew-h,new h,\n' >"$f"
refused "a wrong header" import-genres "$f" "$f:1: wrong header"

f="$tmp/fields.csv"
printf 'slug,name,parent_slugs\nnew-i,new i\n' >"$f"
refused "a wrong field count" import-genres "$f" "$f:2: expected 3 fields, found 2"

f="$tmp/emptyname.csv"
printf 'slug,name,parent_slugs\nnew-j,  ,\n' >"$f"
refused "an empty name" import-genres "$f" "$f:2: empty name"

f="$tmp/control.csv"
printf 'slug,name,parent_slugs\nnew-o,ok,\nnew-p,c1 \xc2\x85 control,\n' >"$f"
refused "a C1 control character" import-genres "$f" "$f:3: name contains a control character"

f="$tmp/utf8.csv"
printf 'slug,name,parent_slugs\nnew-k,ok,\nnew-l,bad \xff name,\n' >"$f"
refused "invalid UTF-8" import-genres "$f" "$f:3: invalid UTF-8"

f="$tmp/quote.csv"
printf 'slug,name,parent_slugs\nnew-m,"open,\n' >"$f"
refused "an unterminated quote" import-genres "$f" "$f:2: unterminated quoted field"

g="$tmp/alias_genres.csv"
f="$tmp/alias.csv"
printf 'slug,name,parent_slugs\nnew-n,new n,rock\n' >"$g"
printf 'slug,alias\nnew-n,n\nnot-in-file,x\n' >"$f"
refused "an alias for an unknown genre" import-genres "$g" "$f" "$f:3: alias for unknown genre \"not-in-file\""

f="$tmp/bands_unknown.csv"
printf 'slug,name,genre_slugs\nnew-band,New Band,rock\nother-band,Other Band,rock|no-such-genre\n' >"$f"
refused "a band with an unknown genre" import-bands "$f" "$f:3: unknown genre \"no-such-genre\""

f="$tmp/bands_nogenre.csv"
printf 'slug,name,genre_slugs\nnew-band,New Band,\n' >"$f"
refused "a band without genres" import-bands "$f" "$f:2: no genres"

f="$tmp/bands_dup.csv"
printf 'slug,name,genre_slugs\nnew-band,New Band,rock\nnew-band,New Band,rock\n' >"$f"
refused "a duplicate band slug" import-bands "$f" "$f:3: duplicate slug \"new-band\" (first on line 2)"

# --- the schema itself refuses what the server must never write ---------------------------------
check "schema: a cycle written directly fails with MG001" \
	[ "$(q_state "BEGIN; UPDATE genres SET parent_id = 'heavy-metal' WHERE id = 'metal';
		INSERT INTO genre_parents VALUES ('metal', 'heavy-metal'); COMMIT;")" = "MG001" ]
check "schema: a primary parent outside the parents fails (23503)" \
	[ "$(q_state "UPDATE genres SET parent_id = 'rock' WHERE id = 'metal'")" = "23503" ]
check "schema: parents without a primary parent fail at commit (MG002)" \
	[ "$(q_state "INSERT INTO genre_parents VALUES ('metal', 'rock')")" = "MG002" ]
check "schema: a genre with subgenres cannot be deleted (23503)" \
	[ "$(q_state "DELETE FROM genres WHERE id = 'metal'")" = "23503" ]
check "schema: a bad slug fails its CHECK (23514)" \
	[ "$(q_state "INSERT INTO genres (id, name) VALUES ('Not A Slug', 'x')")" = "23514" ]
v=$(data_version)
q "UPDATE genres SET name = name; UPDATE bands SET name = name" >/dev/null
check "schema: an UPDATE that changes nothing keeps the data version" [ "$(data_version)" = "$v" ]
check "schema: deleting a band removes its genre links and moves the data version" eval \
	'[ "$(q "BEGIN; DELETE FROM bands WHERE id = '"'pantera'"';
		SELECT count(*) FROM band_genres WHERE band_id = '"'pantera'"'; ROLLBACK;")" = "0" ] &&
	[ "$(q "BEGIN; DELETE FROM bands WHERE id = '"'pantera'"'; SELECT version FROM data_version; ROLLBACK;")" != "$v" ]'
leaf=$(q "SELECT t.id FROM genre_types t WHERE t.type = 'leaf'
	AND NOT EXISTS (SELECT 1 FROM band_genres b WHERE b.genre_id = t.id)
	AND (SELECT count(*) FROM genre_parents p WHERE p.genre_id = t.id) > 1 ORDER BY t.id LIMIT 1")
check "schema: a leaf genre without bands ($leaf) can be deleted with its links" eval \
	'[ -n "$leaf" ] && [ "$(q "BEGIN; DELETE FROM genres WHERE id = '"'$leaf'"';
		SELECT count(*) FROM genre_parents WHERE genre_id = '"'$leaf'"'; COMMIT;")" = "0" ] &&
	[ -z "$(q "SELECT id FROM genres WHERE id = '"'$leaf'"'")" ]'

finish
