#!/bin/sh
# Serve huying for `python -m bench.intake`: gunicorn on 127.0.0.1:8765 over PostgreSQL.
#
#   bench/serve_for_bench.sh                 # 3 sync workers, database huying_bench
#   WORKERS=4 THREADS=2 bench/serve_for_bench.sh
#
# It creates and migrates the database if needed, makes the demo organisation, mints a fresh
# API key (printed on stderr, and written to $HUYING_DATA_DIR/bench_api_key), then runs
# gunicorn in the foreground. gunicorn stops by itself after SERVE_SECONDS (default 900).
set -eu
cd "$(dirname "$0")/.."

PORT=${PORT:-8765}
WORKERS=${WORKERS:-3}
THREADS=${THREADS:-1}
SERVE_SECONDS=${SERVE_SECONDS:-900}
DB=${BENCH_DB:-huying_bench}
case "$DB" in huying_bench*) ;; *) echo "BENCH_DB must start with huying_bench" >&2; exit 2 ;; esac
if [ "$PORT" = 8000 ]; then echo "port 8000 is left to the demo server; pick another" >&2; exit 2; fi

export HUYING_DATABASE_URL="${HUYING_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/$DB}"
export HUYING_DATA_DIR="${HUYING_DATA_DIR:-/tmp/hy-bench}"
mkdir -p "$HUYING_DATA_DIR"

psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" \
    | grep -q 1 || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE \"$DB\""
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo --requests 0 --no-accounts -v0
.venv/bin/python -m bench.intake --make-key > "$HUYING_DATA_DIR/bench_api_key"
echo "API key: $(cat "$HUYING_DATA_DIR/bench_api_key")  (also in $HUYING_DATA_DIR/bench_api_key)" >&2

# No access log: writing a line per request would cost the CPU the benchmark measures.
exec timeout "$SERVE_SECONDS" .venv/bin/gunicorn huying.wsgi \
    --bind "127.0.0.1:$PORT" --workers "$WORKERS" --threads "$THREADS" \
    --log-level warning
