#!/usr/bin/env bash
# `make lambda`: the AWS Lambda package, target/lambda/leptos-cognito.zip: `bootstrap` (the
# server built with the `lambda` feature by cargo-lambda), `hash.txt`, `Leptos.toml` and the
# site files in `site/` (precompressed, content-hashed). Runtime: provided.al2023, x86_64.
set -euo pipefail
cd "$(dirname "$0")/.."
source dev/lib.sh

step "site files (cargo leptos build --release --precompress --split)"
cargo leptos build --release --precompress --split || fail "cargo leptos build --release"
step "the function (cargo lambda build --release --features lambda)"
dev/.venv/bin/cargo-lambda lambda build --release --compiler cargo --no-default-features --features lambda \
  --bin leptos-cognito || fail "cargo lambda build"
step "packaging"
dev/.venv/bin/python - <<'PY'
import os, zipfile
out = "target/lambda/leptos-cognito.zip"
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    info = zipfile.ZipInfo("bootstrap")
    info.external_attr = 0o755 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with open("target/lambda/leptos-cognito/bootstrap", "rb") as f:
        z.writestr(info, f.read())
    z.write("target/release/hash.txt", "hash.txt")
    z.write("Leptos.toml", "Leptos.toml")
    for root, _, files in os.walk("target/site"):
        for name in files:
            path = os.path.join(root, name)
            z.write(path, os.path.join("site", os.path.relpath(path, "target/site")))
print(f"{out}: {os.path.getsize(out):,} bytes")
PY
echo "Lambda settings: LEPTOS_SITE_ROOT=site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_OUTPUT_NAME=leptos-cognito, plus the LC_* of the README"
