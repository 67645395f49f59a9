#!/usr/bin/env bash
# Runs every cargo-fuzz target (SMPP PDUs, OTA secured packets, TS 102 204 SOAP/JSON and the
# applet format) for a bounded time each: scripts/fuzz.sh [SECONDS_PER_TARGET, default 30].
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
seconds="${1:-30}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
for crate in idgw-smpp idgw-ota idgw-mss; do
  for target in crates/$crate/fuzz/fuzz_targets/*.rs; do
    name=$(basename "$target" .rs)
    echo "== $crate $name (${seconds}s)"
    (cd "crates/$crate" && cargo fuzz run "$name" -- -max_total_time="$seconds")
  done
done
