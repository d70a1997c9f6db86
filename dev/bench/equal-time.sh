#!/usr/bin/env bash
# `make bench-equal-time`: a fresh emulator and server of their own (ports 5079 and 3200), then
# dev/bench/equal_time.py. Prints medians; fails only if something cannot start.
set -euo pipefail
cd "$(dirname "$0")/../.."
source dev/lib.sh

export EMULATOR_PORT=5079 BENCH_PORT=3200
export EMULATOR_URL="http://127.0.0.1:$EMULATOR_PORT" BENCH_SITE_URL="http://127.0.0.1:$BENCH_PORT"
export LC_COGNITO_ENDPOINT="$EMULATOR_URL" LC_S3_ENDPOINT="$EMULATOR_URL" LC_EMAIL_ENDPOINT="$EMULATOR_URL" LC_LIMITS_ENDPOINT="$EMULATOR_URL" LC_SITE_URL="$BENCH_SITE_URL"
export LC_LOCAL_CONFIG="target/Leptos.bench.local.toml"
export LC_SITE_RATE_LIMIT_PER_MINUTE=100000 LC_SITE_ACCOUNT_RATE_LIMIT_PER_MINUTE=100000
export LC_COOKIE_KEY
LC_COOKIE_KEY=$(head -c 64 /dev/urandom | base64 -w0)

step "building the app (cargo leptos build --split)"
cargo leptos build --split || fail "cargo leptos build --split"
start_emulator "$EMULATOR_PORT"
rm -f "$LC_LOCAL_CONFIG"
./target/debug/leptos-cognito provision >/dev/null || fail "provision"
export LC_COGNITO_CLIENT_SECRET LC_COGNITO_USER_POOL_ID
LC_COGNITO_CLIENT_SECRET=$(cat "${LC_LOCAL_CONFIG%.toml}.secret")
LC_COGNITO_USER_POOL_ID=$(sed -n 's/^user_pool_id = "\(.*\)"/\1/p' "$LC_LOCAL_CONFIG")

LEPTOS_SITE_ADDR="127.0.0.1:$BENCH_PORT" LEPTOS_SITE_ROOT=target/site RUST_LOG=warn ./target/debug/leptos-cognito &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true; stop_emulator' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$BENCH_SITE_URL/sign-in" >/dev/null 2>&1 && break
  sleep 0.2
done
step "equal answers in equal time (site.equal_time_ms = ${LC_SITE_EQUAL_TIME_MS:-1500})"
dev/.venv/bin/python dev/bench/equal_time.py
