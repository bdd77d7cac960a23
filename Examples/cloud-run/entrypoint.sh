#!/bin/sh
# Container entrypoint: bring the database back from the replica (if there is one), then run
# the app under swiftstream, which replicates every change and makes a final sync on SIGTERM.
set -eu
: "${DB_PATH:=/data/app.db}"
: "${SWIFTSTREAM_CONFIG:=/etc/swiftstream/litestream.yml}"
: "${SWIFTSTREAM:=swiftstream}"
: "${APP_COMMAND:=node dist/index.js}"
export DB_PATH

mkdir -p "$(dirname "$DB_PATH")"
# -if-db-not-exists: keep a database that survived (e.g. a restarted container);
# -if-replica-exists: the very first start has no backup yet and that is fine.
"$SWIFTSTREAM" restore -config "$SWIFTSTREAM_CONFIG" -if-db-not-exists -if-replica-exists "$DB_PATH"

# exec: swiftstream becomes PID 1's child-reaper-free replacement and receives SIGTERM directly.
exec "$SWIFTSTREAM" replicate -config "$SWIFTSTREAM_CONFIG" -exec "$APP_COMMAND"
