#!/usr/bin/env bash
# `make bench-server-build`: how long a clean release build of the server takes on this machine,
# how big the binary is, and which HTTP stacks are compiled in (the AWS SDKs' default features
# used to add a second, legacy one: hyper 0.14 + rustls 0.21). Builds in its own target dir
# (target/bench-build, removed afterwards), so it measures a cold build without touching target/.
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=target/bench-build
trap 'rm -rf "$dir"' EXIT
rm -rf "$dir"
start=$(date +%s)
LEPTOS_OUTPUT_NAME=leptos-cognito CARGO_TARGET_DIR="$dir" \
  cargo build --release --no-default-features --features ssr --bin leptos-cognito -q
end=$(date +%s)
bytes=$(stat -c %s "$dir/release/leptos-cognito")
echo "clean release build of the server: $((end - start)) s on $(nproc) cores"
echo "server binary: $bytes bytes ($((bytes / 1024 / 1024)) MiB, not stripped)"
for crate in hyper rustls; do
  # One version: `cargo tree -i` prints its tree; several: it refuses and names each one.
  versions=$( (cargo tree --no-default-features --features ssr -e normal -i "$crate" 2>&1 || true) |
    grep -oE "^$crate v[0-9.]+|$crate@[0-9.]+" | sed 's/ v/@/' | sort -u | tr '\n' ' ')
  echo "$crate in the server: ${versions:-none}"
done
