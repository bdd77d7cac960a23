#!/usr/bin/env bash
# The embedded default, end to end: a file replica in a local directory.
# Usage: Examples/demo/demo.sh [path/to/swiftstream]   (run by `make demo`)
set -euo pipefail
BIN="${1:-swiftstream}"
WORK="${DEMO_DIR:-$(mktemp -d /tmp/swiftstream-demo.XXXXXX)}"
DB="$WORK/app.db"
REPLICA="$WORK/replica"
CONFIG="$WORK/litestream.yml"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

cat > "$CONFIG" <<YML
dbs:
  - path: $DB
    replicas:
      - type: file
        path: $REPLICA
        sync-interval: 200ms
YML

say "1. a sample database: $DB"
sqlite3 "$DB" "PRAGMA journal_mode=wal; CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, at TEXT);
  INSERT INTO notes (body, at) VALUES ('hello', datetime('now')), ('world', datetime('now'));" >/dev/null

say "2. replicate it to $REPLICA while the app keeps writing"
"$BIN" replicate -config "$CONFIG" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for i in $(seq 1 50); do
  sqlite3 "$DB" "PRAGMA busy_timeout=5000; INSERT INTO notes (body, at) VALUES ('note $i', datetime('now'));" >/dev/null
  sleep 0.02
done
# Wait (bounded) until the replica holds a snapshot and WAL segments.
for _ in $(seq 1 100); do
  [ -n "$(ls "$REPLICA"/generations/*/wal 2>/dev/null)" ] && break
  sleep 0.1
done
say "3. SIGTERM: swiftstream makes a final sync and exits"
kill -TERM $PID
wait $PID
trap - EXIT

say "4. restore into a fresh path"
"$BIN" restore -config "$CONFIG" -o "$WORK/restored.db" "$DB"
live=$(sqlite3 "$DB" "SELECT count(*) FROM notes")
restored=$(sqlite3 "$WORK/restored.db" "SELECT count(*) FROM notes")
check=$(sqlite3 "$WORK/restored.db" "PRAGMA integrity_check")
echo "rows live=$live restored=$restored integrity_check=$check"

say "5. what the replica holds"
"$BIN" generations -config "$CONFIG" "$DB"
echo
"$BIN" snapshots -config "$CONFIG" "$DB"
echo
"$BIN" wal -config "$CONFIG" "$DB" | head -5

if [ "$live" != "$restored" ] || [ "$check" != "ok" ]; then
  echo "demo FAILED: restored database differs" >&2
  exit 1
fi
say "demo OK (files in $WORK)"
