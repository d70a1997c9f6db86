#!/usr/bin/env bash
# Release build, then the sizes of what the browser downloads: raw and gzip -9.
set -euo pipefail
cd "$(dirname "$0")/.."
source dev/lib.sh
step "release build (cargo leptos build --release, ~5 min)"
cargo leptos build --release || fail "cargo leptos build --release"
printf '\n%-40s %10s %10s\n' file raw gzip-9
total_raw=0; total_gz=0
# The files of this build, by the content hashes cargo-leptos wrote (older hashed files may linger).
for ext in wasm js css; do
  hash=$(sed -n "s/^$ext: *//p" target/release/hash.txt)
  f="target/site/pkg/leptos-cognito.$hash.$ext"
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f"); gz=$(gzip -9 -c "$f" | wc -c)
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz))
  printf '%-40s %10d %10d\n' "${f#target/site/}" "$raw" "$gz"
done
printf '%-40s %10d %10d\n' total "$total_raw" "$total_gz"
