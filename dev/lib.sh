# Shared by dev/run-dev.sh and dev/run-tests.sh. Source it; do not run it.

# Tools built by dev/install-tools.sh live in ~/.cargo/bin; wasm-opt comes from npm binaryen.
export PATH="$HOME/.cargo/bin:$PWD/dev/tools/node_modules/.bin:$PATH"

# cargo-leptos compiles Leptos with LEPTOS_OUTPUT_NAME set; without it (plain `cargo test`
# or `cargo build`) Leptos' HydrationScripts ask for `<name>_bg.wasm`, which does not exist,
# and the islands never hydrate. Setting it for every cargo call keeps one build of Leptos.
export LEPTOS_OUTPUT_NAME=leptos-cognito

# Each step prints how long the previous one took, so the slowest is visible in every log.
STEP_STARTED=""
STEP_NAME=""
step() {
  local now
  now=$(date +%s)
  if [ -n "$STEP_STARTED" ]; then printf '    (%s: %s s)\n' "$STEP_NAME" $((now - STEP_STARTED)); fi
  STEP_STARTED=$now
  STEP_NAME=${1%% (*}
  printf '\n==> %s\n' "$*"
}
fail() { printf '\n!! step failed: %s\n' "$*" >&2; exit 1; }

# The pool's CustomMessage trigger, locally: `provision` names this function on the pool, and the
# emulator runs `leptos-cognito custom-message` for it before each emailed code (run from the
# repository root), so the dev mailbox shows the branded email a person would get. Set either to
# "" to get Cognito's plain codes.
export LC_COGNITO_CUSTOM_MESSAGE_LAMBDA="${LC_COGNITO_CUSTOM_MESSAGE_LAMBDA-arn:aws:lambda:us-east-1:000000000000:function:leptos-cognito-custom-message}"
export EMULATOR_CUSTOM_MESSAGE_COMMAND="${EMULATOR_CUSTOM_MESSAGE_COMMAND-target/debug/leptos-cognito custom-message}"

EMULATOR_PID=""
stop_emulator() {
  if [ -n "$EMULATOR_PID" ] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
  fi
  EMULATOR_PID=""
}

# start_emulator PORT: moto + our extension in the background, until this shell exits.
start_emulator() {
  local port=$1 log="target/emulator-$1.log"
  mkdir -p target
  if curl -fsS "http://127.0.0.1:$port/_dev/health" >/dev/null 2>&1; then
    fail "port $port already answers; stop the other emulator (or make dev) first"
  fi
  step "starting the local Cognito + S3 emulator on http://127.0.0.1:$port (log: $log)"
  (cd dev && EMULATOR_PORT=$port exec .venv/bin/python -m emulator) >"$log" 2>&1 &
  EMULATOR_PID=$!
  trap stop_emulator EXIT
  trap 'stop_emulator; exit 130' INT TERM
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/_dev/health" >/dev/null 2>&1; then return; fi
    kill -0 "$EMULATOR_PID" 2>/dev/null || { cat "$log" >&2; fail "emulator exited during start-up"; }
    sleep 0.2
  done
  cat "$log" >&2
  fail "emulator did not answer on port $port within 20 s"
}

# The dev cookie key: generated once into dev/.cookie-key (not committed), so sessions
# survive server restarts during `make dev`.
ensure_cookie_key() {
  if [ -z "${LC_COOKIE_KEY:-}" ]; then
    if [ ! -s dev/.cookie-key ]; then
      head -c 64 /dev/urandom | base64 -w0 > dev/.cookie-key
      echo "generated a dev cookie key in dev/.cookie-key"
    fi
    LC_COOKIE_KEY=$(cat dev/.cookie-key)
    export LC_COOKIE_KEY
  fi
}
