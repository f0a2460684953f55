#!/usr/bin/env bash
# A real MongoDB-wire server for the end-to-end suites: FerretDB v1.24.2 with its SQLite backend.
# Builds it once into .cache/ferretdb from the Go module proxy (Go >= 1.24), starts it on
# 127.0.0.1:${FERRETDB_PORT:-27018} with a fresh data folder, and prints the MONGODB_URI.
# `go install` leaves build/version/version.txt empty and that binary panics at start, so the
# module source is copied, the version file written, and ./cmd/ferretdb built from the copy.
#   MONGODB_URI=$(scripts/ferretdb.sh) pnpm exec vitest run packages/mongodb-client-encryption
#   scripts/ferretdb.sh stop
set -euo pipefail
VERSION=v1.24.2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE="$ROOT/.cache/ferretdb"
BIN="$CACHE/ferretdb-$VERSION"
PORT=${FERRETDB_PORT:-27018}
PIDFILE="$CACHE/ferretdb-$PORT.pid"

if [ "${1:-}" = stop ]; then
  [ -f "$PIDFILE" ] && kill "$(cat "$PIDFILE")" 2>/dev/null || true
  rm -f "$PIDFILE"
  exit 0
fi

if [ ! -x "$BIN" ]; then
  command -v go >/dev/null || { echo "ferretdb.sh: needs Go >= 1.24 on PATH (https://go.dev/dl)" >&2; exit 1; }
  mkdir -p "$CACHE"
  start=$(date +%s)
  go mod download "github.com/FerretDB/FerretDB@$VERSION"
  SRC="$CACHE/src-$VERSION"
  rm -rf "$SRC"
  cp -r "$(go env GOMODCACHE)/github.com/!ferret!d!b/!ferret!d!b@$VERSION" "$SRC"
  chmod -R u+w "$SRC"
  echo "$VERSION" > "$SRC/build/version/version.txt"
  (cd "$SRC" && go build -o "$BIN" ./cmd/ferretdb) >&2
  rm -rf "$SRC"
  echo "ferretdb.sh: built $BIN in $(( $(date +%s) - start )) s" >&2
fi

if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  echo "ferretdb.sh: already running on port $PORT (pid $(cat "$PIDFILE")); 'scripts/ferretdb.sh stop' first" >&2
  exit 1
fi
DATA="$CACHE/data-$PORT"
rm -rf "$DATA"
mkdir -p "$DATA" "$CACHE/state-$PORT"
"$BIN" --handler=sqlite --sqlite-url="file:$DATA/" --listen-addr="127.0.0.1:$PORT" --telemetry=disable \
  --state-dir="$CACHE/state-$PORT" --log-level=warn >"$CACHE/ferretdb-$PORT.log" 2>&1 &
echo $! >"$PIDFILE"
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "mongodb://127.0.0.1:$PORT/"
    exit 0
  fi
  sleep 0.1
done
echo "ferretdb.sh: FerretDB did not start on port $PORT; see $CACHE/ferretdb-$PORT.log" >&2
exit 1
