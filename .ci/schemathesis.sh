#!/usr/bin/env bash
# The API against its own OpenAPI schema. schemathesis sends requests generated from the schema to a server on a
# throwaway PostgreSQL database, once with a staff token (the superuser, who may call every endpoint) and once with a
# customer's, and fails on any server error, any answer whose status code, content type, headers or body the schema
# does not document, and any method the schema does not list that is not refused with 405. Endpoints with side
# effects (approve, reject, redeem, retrain, calls) are fuzzed too: the database is made here and dropped after.
#
# The server is gunicorn with the local settings and DEBUG off (production's error pages), no Redis: Celery tasks
# queue in memory and never run, so POST /api/admin/retrain does not train inside the web process. Throttles apply as
# configured (a 429 is a documented answer of every throttled endpoint), except that redeeming allows 1000 a minute
# instead of 30, so that fuzzing reaches the redemption logic behind the limit. The request line is unlimited: its
# length is the HTTP front's business (gunicorn refuses past 4094 bytes with an HTML 414 before Django sees it).
#
# Needs PostgreSQL on SCHEMATHESIS_POSTGRES (default postgres://postgres@127.0.0.1:5432, trust auth). Bounded by
# SCHEMATHESIS_MAX_EXAMPLES per operation and phase (default 30) and SCHEMATHESIS_MAX_TIME seconds per token
# (default 90: fuzzing and stateful tests repeat until it is spent, so each token's run takes that long). JUnit
# reports go to $SCHEMATHESIS_REPORTS (default var/schemathesis).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.venv/bin}
POSTGRES=${SCHEMATHESIS_POSTGRES:-postgres://postgres@127.0.0.1:5432}
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-30}
MAX_TIME=${SCHEMATHESIS_MAX_TIME:-90}
REPORTS=${SCHEMATHESIS_REPORTS:-var/schemathesis}
DATABASE=sheba_schemathesis_$$
work=$(mktemp -d)
server_pid=""

cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  psql "$POSTGRES/postgres" -q -c "DROP DATABASE IF EXISTS $DATABASE" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL=$POSTGRES/$DATABASE DJANGO_SETTINGS_MODULE=sheba_retention.settings.local DJANGO_DEBUG=False
export MODEL_ARTIFACTS_DIR=$work/models MEDIA_ROOT=$work/media SCHEMATHESIS_WORK=$work
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend LOG_LEVEL=WARNING
unset REDIS_URL CELERY_BROKER_URL CELERY_RESULT_BACKEND

echo "-- data: migrate, 400 customers over a year (seed 7), train, score and propose, approve and send a third"
psql "$POSTGRES/postgres" -q -c "CREATE DATABASE $DATABASE"
"$BIN/python" manage.py migrate --noinput -v0
"$BIN/python" manage.py generate_data --customers 400 --years 1 --seed 7 -v0
"$BIN/python" manage.py train_models >/dev/null
"$BIN/python" manage.py run_nightly
"$BIN/python" manage.py setup_demo_accounts --password="$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe())')" >/dev/null
"$BIN/python" manage.py shell --no-imports --command "$(cat .ci/schemathesis_data.py)"

port=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "-- server: gunicorn on 127.0.0.1:$port"
# Throttles raised so that the fuzzing reaches what lies behind them (their 429 is documented and tested anyway);
# the login throttles keep their defaults.
CELERY_TASK_ALWAYS_EAGER=False PAYMENTS_REDEEM_RATE=1000/min API_THROTTLE_USER_RATE=100000/min \
  API_THROTTLE_ANON_RATE=100000/min PAYMENTS_CALLBACK_RATE=100000/min "$BIN/gunicorn" sheba_retention.wsgi \
  --bind "127.0.0.1:$port" --workers 2 --threads 4 --timeout 60 --limit-request-line 0 \
  --log-level warning >"$work/server.log" 2>&1 &
server_pid=$!
base=http://127.0.0.1:$port

mkdir -p "$REPORTS"
status=0
for who in staff customer; do
  token=$("$BIN/python" -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$work/tokens.json" "$who")
  echo "-- schemathesis as $who"
  # positive_data_acceptance and negative_data_rejection are left out: they ask the schema to be a complete validator
  # of requests (a body's either-or fields, a valid signature, a password that matches), which OpenAPI cannot say.
  "$BIN/schemathesis" --config-file "$work/schemathesis.toml" run "$base/api/schema/" \
    --header "Authorization: Token $token" \
    --checks all --exclude-checks positive_data_acceptance,negative_data_rejection \
    --max-examples "$MAX_EXAMPLES" --max-time "$MAX_TIME" --seed 7 --workers 2 --wait-for-schema 30 \
    --generation-database none --no-color --report junit --report-junit-path "$REPORTS/$who.xml" || status=1
done
if [ "$status" -ne 0 ]; then
  echo "-- the server's log, its errors and their tracebacks:"
  grep -v -E "WARNING django.request (Bad Request|Unauthorized|Forbidden|Not Found|Method Not Allowed|Unsupported Media Type|Too Many Requests|Conflict|Gone|Unprocessable)" "$work/server.log" | tail -n 200
fi
exit "$status"
