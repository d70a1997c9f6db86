#!/usr/bin/env bash
# Installs what the project needs and is missing; skips what is present.
# Usage: dev/install-tools.sh <tool>...   tools: wasm-target cargo-leptos wasm-bindgen wasm-opt chromium venv node
# Each step says what it does and roughly how long it takes; a failure names the step.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen pinned in Cargo.toml
BINARYEN_VERSION=132
MOTO_VERSION=5.2.5

step() { printf '\n==> %s\n' "$*"; }

# cargo-leptos is a build tool, built once per machine: unoptimised it builds in a fraction of
# the time (3 min 19 s instead of 11 min 5 s here) and still does its part of a build in well
# under a second (it mostly runs cargo and wasm-bindgen). The wasm-bindgen CLI does real work on
# every build (a debug wasm is megabytes), so it stays optimised, only without fat LTO.
unoptimised() {
  CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_INCREMENTAL=false CARGO_PROFILE_RELEASE_DEBUG=false "$@"
}
without_lto() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 "$@"
}
fail() { printf '\n!! step failed: %s\n' "$*" >&2; exit 1; }

# Copies a crate's published source out of the registry so it can be built with adjusted locks.
crate_source() {
  local name=$1 version=$2 dest=$3
  local src
  src=$(ls -d "$HOME"/.cargo/registry/src/*/"$name-$version" 2>/dev/null | head -n1 || true)
  if [ -z "$src" ]; then
    (cd /tmp && cargo info "$name@$version" >/dev/null) || fail "fetch source of $name $version from crates.io"
    src=$(ls -d "$HOME"/.cargo/registry/src/*/"$name-$version" | head -n1)
  fi
  rm -rf "$dest" && cp -r "$src" "$dest"
}

wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then return; fi
  step "adding the wasm32-unknown-unknown target (~30 s)"
  rustup target add wasm32-unknown-unknown || fail "rustup target add wasm32-unknown-unknown"
}

cargo_leptos() {
  if cargo-leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then return; fi
  step "building cargo-leptos $CARGO_LEPTOS_VERSION from source (first time only, ~3.5 min on 2 cores)"
  local dir=/tmp/cargo-leptos-src
  crate_source cargo-leptos "$CARGO_LEPTOS_VERSION" "$dir"
  # The published lock pulls a cargo-util-schemas that needs a newer rustc than 1.95.
  (cd "$dir" && cargo update -p cargo-util-schemas --precise 0.14.1 && unoptimised cargo install --path . --locked) \
    || fail "build cargo-leptos $CARGO_LEPTOS_VERSION"
  rm -rf "$dir"
}

wasm_bindgen() {
  if wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then return; fi
  step "building wasm-bindgen-cli $WASM_BINDGEN_VERSION from source (first time only, ~2 min)"
  local dir=/tmp/wasm-bindgen-cli-src
  crate_source wasm-bindgen-cli "$WASM_BINDGEN_VERSION" "$dir"
  (cd "$dir" && cargo update -p webpki-roots --precise 1.0.10 && without_lto cargo install --path . --locked) \
    || fail "build wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  rm -rf "$dir"
}

# wasm-opt from npm binaryen (Debian's binaryen 108 emits wasm that breaks in the browser).
wasm_opt() {
  if [ -x dev/tools/node_modules/.bin/wasm-opt ]; then return; fi
  step "installing wasm-opt from npm binaryen@$BINARYEN_VERSION (~20 s)"
  mkdir -p dev/tools
  (cd dev/tools && npm install --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION") \
    || fail "npm install binaryen@$BINARYEN_VERSION"
}

chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  step "installing Debian's chromium with apt (~1-2 min)"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null \
    || fail "apt-get install chromium"
}

venv() {
  # The stamp is newer than requirements.txt once these requirements were installed.
  if [ -x dev/.venv/bin/python ] && [ -x dev/.venv/bin/ruff ] && [ dev/.venv/.installed -nt dev/requirements.txt ] \
    && dev/.venv/bin/python -c "import moto, pytest, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then return; fi
  step "creating the emulator venv dev/.venv with moto $MOTO_VERSION (~20 s)"
  python3 -m venv dev/.venv || fail "python3 -m venv dev/.venv"
  dev/.venv/bin/pip install -q -r dev/requirements.txt || fail "pip install -r dev/requirements.txt"
  touch dev/.venv/.installed
}

node() {
  if [ -d end2end/node_modules/@playwright/test ] && [ end2end/node_modules/.package-lock.json -nt end2end/package-lock.json ]; then return; fi
  step "installing end2end node modules (~30 s)"
  (cd end2end && npm ci --no-audit --no-fund) || fail "npm ci in end2end"
}

for tool in "$@"; do
  case "$tool" in
    wasm-target) wasm_target ;;
    cargo-leptos) cargo_leptos ;;
    wasm-bindgen) wasm_bindgen ;;
    wasm-opt) wasm_opt ;;
    chromium) chromium ;;
    venv) venv ;;
    node) node ;;
    *) fail "unknown tool $tool" ;;
  esac
done
