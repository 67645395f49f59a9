#!/usr/bin/env bash
# Runs every test of idgw on a fresh Debian machine: installs what is missing, checks
# formatting and lints, then runs the whole workspace's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# Real peers for the end-to-end tests: headless Chromium for the handset page, and
# third-party SMPP implementations (npm smpp as SMSC, python smpplib as ESME).
bash scripts/browser/setup.sh
bash scripts/interop/setup.sh
export IDGW_BROWSER_TESTS=1 IDGW_INTEROP_TESTS=1
# A throwaway PostgreSQL cluster (loopback, non-root): the store suite runs on both backends.
export IDGW_TEST_POSTGRES_URL="$(bash scripts/postgres.sh start)"
trap 'bash scripts/postgres.sh stop' EXIT

export CARGO_TERM_COLOR=never
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
