#!/usr/bin/env bash
# Copies a registry from its embedded SQLite database into PostgreSQL, table
# by table, in one PostgreSQL transaction:
#
#   REGISTRY_DATABASE_URL=postgres://... registryd migrate    # schema first
#   scripts/sqlite-to-postgres.sh data/registry.db postgres://...
#
# Stop every registryd that uses the SQLite file first: the copy must see a
# database that nothing writes to. The script
#   - refuses unless both databases carry the same applied migrations (run
#     the same registryd version's `migrate` on both) and every target table
#     is empty;
#   - copies every table of the schema except bun's own, parents before the
#     tables whose foreign keys point at them, as CSV (sqlite3 -csv, psql
#     \copy), BLOB columns as bytea hex;
#   - checks, inside that transaction, that each table holds as many rows as
#     SQLite did, and commits only then; afterwards it compares the counts
#     again, to notice a SQLite database that was still being written to.
# A failure before the commit leaves the PostgreSQL tables empty; fix the
# cause and run it again.
#
# Needs sqlite3 and psql (Debian: apt-get install sqlite3 postgresql-client).
set -euo pipefail

log() { printf 'sqlite-to-postgres: %s\n' "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

if (($# != 2)); then
	die "usage: $0 SQLITE_FILE POSTGRES_URL   (e.g. $0 data/registry.db postgres://registry@db/registry)"
fi
SQLITE_FILE="$1"
PG_URL="$2"

command -v sqlite3 >/dev/null 2>&1 || die "sqlite3 is missing (apt-get install sqlite3)"
command -v psql >/dev/null 2>&1 || die "psql is missing (apt-get install postgresql-client)"
[[ -f "$SQLITE_FILE" ]] || die "no SQLite database at $SQLITE_FILE"
case "$PG_URL" in
postgres://* | postgresql://*) ;;
*) die "POSTGRES_URL must start with postgres:// or postgresql://" ;;
esac

WORK="$(mktemp -d "${TMPDIR:-/tmp}/sqlite-to-postgres.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT

lite() { sqlite3 -readonly -batch -bail "$SQLITE_FILE" "$@"; }
pg() { psql "$PG_URL" -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# The same schema history on both sides.
lite "SELECT name FROM bun_migrations ORDER BY name" >"$WORK/lite-migrations" ||
	die "$SQLITE_FILE has no bun_migrations table: is it a registry database?"
pg -c "SELECT name FROM bun_migrations ORDER BY name" >"$WORK/pg-migrations" 2>"$WORK/pg-error" ||
	die "PostgreSQL has no registry schema ($(head -n 1 "$WORK/pg-error")); run: REGISTRY_DATABASE_URL=... registryd migrate"
if ! diff -u "$WORK/lite-migrations" "$WORK/pg-migrations" >"$WORK/migrations.diff"; then
	cat "$WORK/migrations.diff" >&2
	die "the two databases carry different migrations; run the same registryd version's migrate on both"
fi

# Tables, parents first: a table's depth is its longest chain of foreign
# keys up to a table without any.
mapfile -t TABLES < <(pg -c "
	WITH RECURSIVE t AS (
	    SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	     WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname NOT LIKE 'bun\\_%'
	), deps AS (
	    SELECT conrelid AS child, confrelid AS parent FROM pg_constraint
	     WHERE contype = 'f' AND conrelid <> confrelid
	), depth AS (
	    SELECT oid, 0 AS d FROM t
	    UNION ALL
	    SELECT deps.child, depth.d + 1 FROM depth JOIN deps ON deps.parent = depth.oid
	)
	SELECT t.relname FROM t JOIN depth ON depth.oid = t.oid GROUP BY t.relname ORDER BY max(depth.d), t.relname")
((${#TABLES[@]} > 0)) || die "PostgreSQL schema has no tables"

# Every column of those tables, in one round trip.
pg -F '|' -c "SELECT table_name, column_name, data_type FROM information_schema.columns
	WHERE table_schema = current_schema() AND table_name NOT LIKE 'bun\\_%'
	ORDER BY table_name, ordinal_position" >"$WORK/pg-columns"

# pg_counts prints "table|rows" for every table, in table order.
pg_counts() {
	local table sql=""
	for table in "${TABLES[@]}"; do
		[[ -z "$sql" ]] || sql+=" UNION ALL "
		sql+="SELECT '$table', count(*) FROM \"$table\""
	done
	pg -F '|' -c "$sql"
}
lite_counts() {
	local table
	for table in "${TABLES[@]}"; do
		printf '%s|%s\n' "$table" "$(lite "SELECT count(*) FROM \"$table\"")"
	done
}

for table in "${TABLES[@]}"; do
	[[ "$table" =~ ^[a-z_][a-z0-9_]*$ ]] || die "unexpected table name $table"
done
pg_counts >"$WORK/pg-counts-before"
while IFS='|' read -r table rows; do
	((rows == 0)) || die "PostgreSQL table $table is not empty; copy only into a freshly migrated database"
done <"$WORK/pg-counts-before"

{
	echo 'BEGIN;'
	for table in "${TABLES[@]}"; do
		cols=() selects=() names=()
		while IFS='|' read -r tab col type; do
			[[ "$tab" == "$table" ]] || continue
			names+=("$col")
			cols+=("\"$col\"")
			if [[ "$type" == bytea ]]; then
				selects+=("CASE WHEN \"$col\" IS NULL THEN NULL ELSE '\\x' || lower(hex(\"$col\")) END")
			else
				selects+=("\"$col\"")
			fi
		done <"$WORK/pg-columns"
		lite_cols="$(lite "SELECT name FROM pragma_table_info('$table') ORDER BY name")"
		[[ -n "$lite_cols" ]] || die "SQLite has no table $table"
		[[ "$(printf '%s\n' "${names[@]}" | LC_ALL=C sort)" == "$(printf '%s\n' "$lite_cols" | LC_ALL=C sort)" ]] ||
			die "table $table has different columns in SQLite and PostgreSQL"
		col_list="$(
			IFS=,
			echo "${cols[*]}"
		)"
		select_list="$(
			IFS=,
			echo "${selects[*]}"
		)"
		# sqlite3 -csv writes NULL as an empty field and '' as "", which is
		# how COPY's CSV format reads them back.
		want="$(lite "SELECT count(*) FROM \"$table\"")"
		lite -csv -header "SELECT $select_list FROM \"$table\"" >"$WORK/$table.csv"
		printf '\\copy "%s" (%s) FROM %s WITH (FORMAT csv, HEADER true)\n' "$table" "$col_list" "'$WORK/$table.csv'"
		# Inside the transaction: a count that differs rolls everything back.
		printf 'DO $$ BEGIN IF (SELECT count(*) FROM "%s") <> %d THEN RAISE EXCEPTION %s; END IF; END $$;\n' \
			"$table" "$want" "'table $table: the copy does not hold the $want rows SQLite has (was registryd stopped?)'"
	done
	echo 'COMMIT;'
} >"$WORK/copy.sql"

log "copying ${#TABLES[@]} tables: ${TABLES[*]}"
pg -f "$WORK/copy.sql"

lite_counts >"$WORK/lite-counts"
pg_counts >"$WORK/pg-counts"
if ! diff "$WORK/lite-counts" "$WORK/pg-counts" >"$WORK/counts.diff"; then
	cat "$WORK/counts.diff" >&2
	die "SQLite (<) changed while it was copied to PostgreSQL (>): stop every registryd on it, empty the PostgreSQL tables and copy again"
fi
while IFS='|' read -r table rows; do
	log "table $table: $rows rows"
done <"$WORK/pg-counts"
log "done; point REGISTRY_DATABASE_URL at PostgreSQL and start registryd"
