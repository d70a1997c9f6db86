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
step "building the app (cargo leptos build --split)"
cargo leptos build --split || fail "cargo leptos build --split"
# Release builds precompress with `--precompress`; this debug build gets the same .gz/.br files.
dev/.venv/bin/python dev/precompress.py target/site || fail "precompress target/site"

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
step "browser tests (subset)"
(cd end2end && npx playwright test ${SPECS:-}) || fail "playwright"
echo PARTIAL-OK
