#!/usr/bin/env bash
# `make bench`: a release build (split, precompressed), its own emulator (:5081) and server
# (:3300), then five measurements, printed as tables. Not a test: it fails only when something
# cannot run, never on a number (the targets are printed beside them).
set -euo pipefail
cd "$(dirname "$0")/../.."
source dev/lib.sh

OHA_VERSION=1.16.0 TWIGGY_VERSION=0.8.0
export EMULATOR_PORT=5081 BENCH_PORT=3300
export EMULATOR_URL="http://127.0.0.1:$EMULATOR_PORT" BENCH_SITE_URL="http://127.0.0.1:$BENCH_PORT"
export LC_COGNITO_ENDPOINT="$EMULATOR_URL" LC_S3_ENDPOINT="$EMULATOR_URL" LC_EMAIL_ENDPOINT="$EMULATOR_URL" LC_LIMITS_ENDPOINT="$EMULATOR_URL" LC_SITE_URL="$BENCH_SITE_URL"
export LC_LOCAL_CONFIG="target/Leptos.bench.local.toml"
# The release build has the trigger too.
export EMULATOR_CUSTOM_MESSAGE_COMMAND="target/release/leptos-cognito custom-message"
# Load and repeated sign-ins from one address: limits would measure themselves.
export LC_SITE_RATE_LIMIT_PER_MINUTE=1000000 LC_SITE_ACCOUNT_RATE_LIMIT_PER_MINUTE=1000000 LC_SITE_EQUAL_TIME_MS=1
export LC_COOKIE_KEY
LC_COOKIE_KEY=$(head -c 64 /dev/urandom | base64 -w0)

for tool in oha:$OHA_VERSION twiggy:$TWIGGY_VERSION; do
  name=${tool%%:*} version=${tool#*:}
  if ! "$name" --version 2>/dev/null | grep -q "$version"; then
    step "installing $name $version from crates.io (~1-4 min, once)"
    cargo install --locked "$name" --version "$version" || fail "cargo install $name"
  fi
done

step "release build (cargo leptos build --release --precompress --split; ~8 min clean, ~1 min after a change)"
cargo leptos build --release --precompress --split || fail "cargo leptos build --release --precompress --split"

printf '\nThe bundle files (target/site/pkg, this build), bytes\n'
dev/.venv/bin/python dev/bench/bundle.py target/site/pkg target/release/hash.txt
printf '\nWhat is big in the WASM (twiggy top of the unsplit module before wasm-opt, code only)\n'
twiggy top -n 15 target/front/wasm32-unknown-unknown/wasm-release/leptos_cognito.wasm \
  | grep -v "custom section\|subsection" | cut -c1-150

start_emulator "$EMULATOR_PORT"
rm -f "$LC_LOCAL_CONFIG"
./target/release/leptos-cognito provision >/dev/null || fail "provision"
export LC_COGNITO_CLIENT_SECRET
LC_COGNITO_CLIENT_SECRET=$(cat "${LC_LOCAL_CONFIG%.toml}.secret")

LEPTOS_SITE_ADDR="127.0.0.1:$BENCH_PORT" LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=leptos-cognito \
  RUST_LOG=warn ./target/release/leptos-cognito &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true; stop_emulator' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$BENCH_SITE_URL/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

step "pages: bytes and /sign-in timings (Chromium through Playwright)"
(cd end2end && node bench/pages.mjs "$BENCH_SITE_URL" "$EMULATOR_URL") || fail "bench/pages.mjs"

step "API load: GET /api/random with a Bearer token vs GET /healthz (oha, 10 s per row)"
TOKEN=$(cd dev/bench && ../.venv/bin/python api_token.py "$EMULATOR_URL" "../../$LC_LOCAL_CONFIG") || fail "api token"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BENCH_SITE_URL/api/random")" = 200 ] \
  || fail "the token is not accepted by /api/random"
rss_log=$(mktemp)
load() { # concurrency url [header]
  local out
  out=$(oha --no-tui --output-format json -z 10s -c "$1" ${3:+-H "$3"} "$2") || fail "oha $2"
  echo "$out" | dev/.venv/bin/python dev/bench/oha_summary.py
}
printf '\n3. Requests/s and latency (ms), 10 s per row\n'
printf '%-12s %28s %28s %8s\n' concurrency "/api/random (Bearer): rps p50 p99" "/healthz: rps p50 p99" ratio
for c in 1 16 64 200; do
  if [ "$c" = 200 ]; then
    (while kill -0 $SERVER_PID 2>/dev/null; do grep VmRSS /proc/$SERVER_PID/status >>"$rss_log"; sleep 0.1; done) &
    SAMPLER=$!
  fi
  read -r v_rps v_p50 v_p99 v_codes < <(load "$c" "$BENCH_SITE_URL/api/random" "Authorization: Bearer $TOKEN")
  [ "$c" = 200 ] && kill $SAMPLER 2>/dev/null
  read -r u_rps u_p50 u_p99 u_codes < <(load "$c" "$BENCH_SITE_URL/healthz")
  ratio=$(dev/.venv/bin/python -c "print(f'{$v_rps / max($u_rps, 1):.2f}')")
  printf '%-12s %12s %7s %7s %12s %7s %7s %8s   [%s | %s]\n' "$c" "$v_rps" "$v_p50" "$v_p99" "$u_rps" "$u_p50" "$u_p99" "${ratio}x" "$v_codes" "$u_codes"
done
echo "(target: verified >= 0.8x unauthenticated throughput)"
peak=$(awk '{print $2}' "$rss_log" | sort -n | tail -1)
printf '\n4. Server peak RSS during the 200-connection /api/random run: %s MB (target <= 50 MB)\n' \
  "$(dev/.venv/bin/python -c "print(f'{${peak:-0} / 1024:.1f}')")"
rm -f "$rss_log"

(cd dev/bench && ../.venv/bin/python sign_in_overhead.py "$BENCH_SITE_URL" "$EMULATOR_URL" "../../$LC_LOCAL_CONFIG" "$LC_COGNITO_CLIENT_SECRET") \
  || fail "sign_in_overhead.py"
