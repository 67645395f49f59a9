#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs idgw with its embedded defaults:
#   scripts/run.sh            # = cargo run --release -- serve
#   scripts/run.sh --config idgw.toml
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
exec cargo run --release -- serve "$@"
