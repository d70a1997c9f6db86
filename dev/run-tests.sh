#!/usr/bin/env bash
# `make test`: unit tests, emulator tests, then the app against a fresh emulator in Chromium.
# Uses its own ports (emulator :5078, site :3100) so it can run beside `make dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
source dev/lib.sh

export EMULATOR_PORT=5078 TEST_SITE_PORT=3100
export EMULATOR_URL="http://127.0.0.1:$EMULATOR_PORT"
export LC_COGNITO_ENDPOINT="$EMULATOR_URL" LC_S3_ENDPOINT="$EMULATOR_URL" LC_EMAIL_ENDPOINT="$EMULATOR_URL" LC_LIMITS_ENDPOINT="$EMULATOR_URL"
export LC_SITE_URL="http://127.0.0.1:$TEST_SITE_PORT"
export LC_LOCAL_CONFIG="target/Leptos.test.local.toml"
export LC_COOKIE_KEY
LC_COOKIE_KEY=$(head -c 64 /dev/urandom | base64 -w0)
# Short lives so refresh and "sign out everywhere" can be seen within seconds; a high rate
# limit because every browser test comes from 127.0.0.1 (the limit has its own test).
export LC_COGNITO_ACCESS_TOKEN_SECONDS=70 LC_COGNITO_ID_TOKEN_SECONDS=70
export LC_SESSION_REVALIDATE_SECONDS=5 LC_SITE_RATE_LIMIT_PER_MINUTE=10000
# Sign-up/resend/forgot answer no sooner than this; the default (1500 ms) is measured by
# `make bench-equal-time`, a short floor keeps the browser tests quick.
export LC_SITE_EQUAL_TIME_MS=200
started=$(date +%s)

step "lint: cargo fmt, clippy (ssr and hydrate, warnings are errors), ruff check and format (dev/), tsc (end2end/)"
cargo fmt --check || fail "cargo fmt --check (run \`cargo fmt\`)"
cargo clippy --no-default-features --features ssr --all-targets -q -- -D warnings || fail "cargo clippy (ssr)"
cargo clippy --target wasm32-unknown-unknown --no-default-features --features hydrate --lib -q -- -D warnings \
  || fail "cargo clippy (hydrate)"
dev/.venv/bin/ruff check dev || fail "ruff check dev"
dev/.venv/bin/ruff format --check dev || fail "ruff format --check dev (run \`dev/.venv/bin/ruff format dev\`)"
(cd end2end && npx tsc --noEmit -p .) || fail "tsc (end2end)"

step "Rust unit tests (cargo test --features ssr --lib; the Lambda adapter's with --features lambda)"
cargo test --no-default-features --features ssr --lib || fail "cargo test --lib"
cargo test --no-default-features --features lambda --lib server::lambda || fail "cargo test --features lambda --lib"
cargo test --no-default-features --features ssr --no-run -q || fail "build integration tests"

step "emulator tests (pytest dev/emulator)"
(cd dev && .venv/bin/python -m pytest -q emulator) || fail "pytest dev/emulator"

step "building the app (cargo leptos build --split)"
cargo leptos build --split || fail "cargo leptos build --split"
# Release builds precompress with `--precompress`; this debug build gets the same .gz/.br files.
dev/.venv/bin/python dev/precompress.py target/site || fail "precompress target/site"
dev/.venv/bin/python dev/bench/bundle.py texts target/site/pkg || fail "a text of locales/ in the browser bundle"

start_emulator "$EMULATOR_PORT"
step "provisioning the test emulator"
rm -f "$LC_LOCAL_CONFIG"
# With the shared limits' table too, which the two-instance test uses (limits.store = "dynamodb").
export LC_LIMITS_STORE=dynamodb
./target/debug/leptos-cognito provision || fail "provision"
# The web client is confidential: its secret goes into the environment, as in production.
export LC_COGNITO_CLIENT_SECRET
LC_COGNITO_CLIENT_SECRET=$(cat "${LC_LOCAL_CONFIG%.toml}.secret")
step "provisioning again must change nothing"
second=$(./target/debug/leptos-cognito provision) || fail "second provision"
# Every other test uses the default store, in memory.
unset LC_LIMITS_STORE
echo "$second"
if echo "$second" | grep -Eq '^ *(created|updated|written) '; then fail "second provision changed something"; fi

step "integration tests: router + emulator, sessions, two server instances, the template against provision (cargo test --test api --test hardening --test sessions --test operations --test instances --test template)"
# In parallel again: the in-process page stall seen until 2026-12-06 was Leptos suppressing every
# resource while another test built its router (see `setup::app`, and
# tests/hardening.rs::routers_built_while_pages_render_never_stall_them).
cargo test --no-default-features --features ssr --test api --test hardening --test sessions --test operations --test instances --test template \
  || fail "cargo test --test api --test hardening --test sessions --test operations --test instances --test template"

step "AWS Lambda: the function under cargo-lambda's local runtime (cargo lambda watch --features lambda), driven over HTTP (cargo test --test lambda)"
export LC_LAMBDA_LOG=target/lambda-watch.log LC_LAMBDA_RATE_LIMIT=12 LAMBDA_PORT=9178
export LC_LAMBDA_URL="http://127.0.0.1:$LAMBDA_PORT/lambda-url/leptos-cognito"
# JSON logs, so the test can read the client address the limit counted.
LC_LOG_FORMAT=json LC_SITE_RATE_LIMIT_PER_MINUTE=$LC_LAMBDA_RATE_LIMIT RUST_LOG=warn,leptos_cognito=info \
  LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_HASH_FILES=true \
  setsid dev/.venv/bin/cargo-lambda lambda watch --no-reload --quiet -A 127.0.0.1 -P "$LAMBDA_PORT" \
  --no-default-features --features lambda >"$LC_LAMBDA_LOG" 2>&1 &
LAMBDA_PID=$!
stop_lambda() { kill -- -"$LAMBDA_PID" 2>/dev/null || true; wait "$LAMBDA_PID" 2>/dev/null || true; }
trap 'stop_lambda; stop_emulator' EXIT
# It builds the function first (the `lambda` feature: a few minutes on a cold target dir).
for _ in $(seq 1 600); do
  if curl -fsS "$LC_LAMBDA_URL/healthz" >/dev/null 2>&1; then break; fi
  kill -0 "$LAMBDA_PID" 2>/dev/null || { tail -50 "$LC_LAMBDA_LOG" >&2; fail "cargo lambda watch exited"; }
  sleep 1
done
curl -fsS "$LC_LAMBDA_URL/healthz" >/dev/null || { tail -50 "$LC_LAMBDA_LOG" >&2; fail "the function did not answer /healthz within 10 min"; }
# One at a time: the sign-up flow first, then the limit test spends the client's allowance.
cargo test --no-default-features --features ssr --test lambda -- --test-threads=1 || { tail -30 "$LC_LAMBDA_LOG" >&2; fail "cargo test --test lambda"; }
stop_lambda
trap stop_emulator EXIT

step "CloudFormation template: leptos-cognito template | cfn-lint (with the default Leptos.toml, as on AWS)"
template=target/template.json
env -u LC_LOCAL_CONFIG -u LC_COGNITO_ACCESS_TOKEN_SECONDS -u LC_COGNITO_ID_TOKEN_SECONDS -u LC_SITE_RATE_LIMIT_PER_MINUTE \
  LC_SITE_URL=https://app.example.com LC_EMAIL_FROM=no-reply@app.example.com LC_COGNITO_CLIENT_SECRET= \
  ./target/debug/leptos-cognito template > "$template" || fail "leptos-cognito template"
dev/.venv/bin/cfn-lint --regions us-east-1 -- "$template" || fail "cfn-lint $template"
echo "cfn-lint: $template ($(wc -c < "$template") bytes) has no errors or warnings"

step "browser tests (Playwright in Debian's Chromium)"
(cd end2end && npx playwright test) || fail "playwright"

step "done"
echo "make test: all passed in $(( $(date +%s) - started )) s"
