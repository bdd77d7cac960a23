#!/bin/sh
# A tiny stand-in "application" for the examples and their test: it writes one row per
# interval into $DB_PATH with the sqlite3 shell and exits cleanly on SIGTERM/SIGINT after a
# last write, the way a real app finishes its in-flight request. Replace it with your app.
set -u
DB="${DB_PATH:?DB_PATH is required}"
INTERVAL="${APP_WRITE_INTERVAL:-0.2}"
running=1
trap 'running=0' TERM INT
sqlite3 "$DB" "PRAGMA busy_timeout=5000; CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, at TEXT, note TEXT);" >/dev/null
while [ "$running" = 1 ]; do
  sqlite3 "$DB" "PRAGMA busy_timeout=5000; INSERT INTO events (at, note) VALUES (datetime('now'), 'tick');" >/dev/null
  sleep "$INTERVAL" &
  wait $! 2>/dev/null || true
done
sqlite3 "$DB" "PRAGMA busy_timeout=5000; INSERT INTO events (at, note) VALUES (datetime('now'), 'shutdown');" >/dev/null
echo "app: stopped cleanly" >&2
exit "${APP_EXIT_CODE:-0}"
