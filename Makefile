# Two commands: `make dev` and `make test`. Both install what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

BUILD_TOOLS := wasm-target cargo-leptos wasm-bindgen wasm-opt venv
TEST_TOOLS := $(BUILD_TOOLS) chromium node

.PHONY: help dev test tools test-tools provision admin lambda bench bench-equal-time bench-server-build

help:
	@echo "make dev    - emulator + provisioning + cargo leptos watch on http://127.0.0.1:3000"
	@echo "make test   - every test: Rust unit, emulator, browser (Playwright)"
	@echo "make lambda - release build for AWS Lambda: target/lambda/leptos-cognito.zip (bootstrap + site files)"
	@echo "make admin EMAIL=you@example.com - add someone to the admins group (dev emulator)"
	@echo "make bench  - release build; bytes per page, /sign-in timings, API load, RSS, sign-in overhead"
	@echo "make bench-equal-time - medians of sign-up/forgot/resend for new vs existing accounts"
	@echo "make bench-server-build - clean release build time, binary size, HTTP stacks compiled in"

tools:
	@bash dev/install-tools.sh $(BUILD_TOOLS)

test-tools:
	@bash dev/install-tools.sh $(TEST_TOOLS)

dev: tools
	@bash dev/run-dev.sh

test: test-tools
	@bash dev/run-tests.sh

# Against the running dev emulator (make dev).
provision: tools
	@cargo leptos build --split && ./target/debug/leptos-cognito provision

# The AWS Lambda package (the `lambda` feature), built with cargo-lambda (from PyPI, in dev/.venv).
lambda: tools
	@bash dev/lambda-package.sh

admin:
	@test -n "$(EMAIL)" || { echo "usage: make admin EMAIL=you@example.com"; exit 1; }
	@./target/debug/leptos-cognito add-to-group "$(EMAIL)" admins

# Not a test: prints the five measurements of the README's "Measurements" section.
bench: test-tools
	@bash dev/bench/bench.sh

# Not a test: prints how long sign-up, forgot password and resend take for new vs existing accounts.
bench-equal-time: tools
	@bash dev/bench/equal-time.sh

bench-server-build:
	@bash dev/bench/server-build.sh
