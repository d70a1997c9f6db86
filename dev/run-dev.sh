#!/usr/bin/env bash
# `make dev`: emulator on :5077, provisioned, then `cargo leptos watch` on http://127.0.0.1:3000.
# Ctrl-C stops the server and the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
source dev/lib.sh

start_emulator "${EMULATOR_PORT:-5077}"
ensure_cookie_key
step "building the app (first build ~6 min, then seconds)"
cargo leptos build --split || fail "cargo leptos build --split"
step "provisioning the emulator"
./target/debug/leptos-cognito provision || fail "provision"
# The web client is confidential: provision leaves its secret here for the environment.
export LC_COGNITO_CLIENT_SECRET
LC_COGNITO_CLIENT_SECRET=$(cat Leptos.local.secret)
cat <<MSG

  App:      http://127.0.0.1:3000
  Mailbox:  http://127.0.0.1:${EMULATOR_PORT:-5077}/_dev/mailbox/view   (codes the emulator "sent")
  Admin:    make admin EMAIL=you@example.com

MSG
cargo leptos watch --split
