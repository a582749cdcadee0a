#!/bin/bash
# tests/e2e/test_search_index.sh: at 100,000 notes the worker's own list queries use their
# indexes (issue 12). The notes are word-like (bench/word_notes.py: Debian's word list drawn
# with Zipf's law, as the bench's). auto_explain logs the plan of every statement the workers
# run; after a request through nginx for each of ?q= (the title of one note, a rare text),
# ?after= (a deep keyset page) and ?sort=title with ?after=, the plans in postgres.log name the
# trigram indexes of sql/004 (notes_title_search_trgm, notes_description_search_trgm), the
# primary key and notes_title_id, and no sequential scan of notes. It also prints how long each
# takes through nginx next to a first page (a generous bound only: the machine is shared), and
# a psql EXPLAIN of the same search, for the README.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/check.sh"
sql() { psql "$DATABASE_URL" -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }
log=$STACK_DIR/log/postgres.log

python3 "$top/bench/word_notes.py" 100000 | psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -c '\copy notes (title, description) FROM STDIN'
# What autovacuum does after so many inserts: the trigram indexes' pending lists are merged.
sql "VACUUM ANALYZE notes"
expect "100,000 notes" test "$(sql 'SELECT count(*) FROM notes')" = 100000
note_title=$(sql "SELECT title FROM notes WHERE id = 77777")
rare=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1].upper()))' "$note_title")
# Every new session logs its plans; the workers' sessions are ended so that they reconnect.
db=$(sql "SELECT current_database()")
sql "ALTER DATABASE \"$db\" SET session_preload_libraries = 'auto_explain'"
sql "ALTER DATABASE \"$db\" SET auto_explain.log_min_duration = 0"
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'notes-worker'" >/dev/null
sleep 0.5
curl -sS -o /dev/null "$BASE_URL/notes/1/" # reconnects
mark=$(wc -l <"$log")

ms() { curl -sS -o /dev/null -w '%{time_total}\n' "$BASE_URL$1"; }
median() { # path: the median of 15 requests, in ms
	for i in $(seq 15); do ms "$1"; done | sort -n | sed -n 8p | awk '{ printf "%.1f", $1 * 1000 }'
}
got=$(curl -sS "$BASE_URL/notes/?q=$rare")
expect "?q=${note_title^^} (note 77777's title, upper-cased) finds note 77777" grep -q '"id":77777}' <<<"$got"
curl -sS -o /dev/null "$BASE_URL/notes/?after=99000&limit=100"
curl -sS -o /dev/null "$BASE_URL/notes/?sort=title&after=50000&limit=100"
sleep 1
plans=$(tail -n +"$((mark + 1))" "$log")
search_plan=$(awk '/Query Text: .*LIKE/,/^$|LOG:  duration/' <<<"$plans")
expect "the search's plan scans notes_title_search_trgm" grep -q 'Bitmap Index Scan on notes_title_search_trgm' <<<"$plans"
expect "the search's plan scans notes_description_search_trgm" grep -q 'Bitmap Index Scan on notes_description_search_trgm' <<<"$plans"
expect "?after= pages through the primary key" grep -Eq 'Index Scan( Backward)? using notes_pkey' <<<"$plans"
expect "?sort=title&after= pages through notes_title_id" grep -q 'Index Scan using notes_title_id' <<<"$plans"
expect "no list scanned the whole table" bash -c '! grep -q "Seq Scan on notes" <<<"$1"' _ "$plans"

first=$(median "/notes/?limit=100")
q=$(median "/notes/?q=$rare")
after=$(median "/notes/?after=99000&limit=100")
title=$(median "/notes/?sort=title&after=50000&limit=100")
offset=$(median "/notes/?offset=99000&limit=100")
echo "# through nginx at 100,000 notes, median of 15 (ms): first page $first, ?q= $q, ?after=99000 $after, sort=title&after= $title, offset=99000 $offset"
expect "?q=, ?after= and sort=title&after= cost about what a first page costs (within 10x + 20 ms)" \
	awk -v f="$first" -v a="$q" -v b="$after" -v c="$title" 'BEGIN { m = 10 * f + 20; exit !(a < m && b < m && c < m) }'
echo "# EXPLAIN of the search, as the worker runs it:"
lit=${note_title//\'/\'\'}
psql "$DATABASE_URL" -X -q -c "EXPLAIN (COSTS OFF) SELECT id, title, description, version FROM notes WHERE (title_search LIKE (lower('%$lit%' COLLATE \"und-x-icu\") COLLATE \"C\") OR description_search LIKE (lower('%$lit%' COLLATE \"und-x-icu\") COLLATE \"C\")) ORDER BY id LIMIT 1001" | sed 's/^/#   /'
[ "$fails" = 0 ] && echo passed || { echo "FAILED: $fails check(s)"; exit 1; }
