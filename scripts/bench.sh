#!/usr/bin/env bash
# The benchmark of issue 10: idgw against node oidc-provider (CIBA), same scenarios, same load
# generator (crates/idgw-bench), one after the other, on loopback. Not part of scripts/test.sh.
# Installs what it needs on a fresh Debian (build packages, Node.js and npm, the peer from
# scripts/bench/peer/package-lock.json; with IDGW_BENCH_PERF=1 also linux-perf), builds idgw
# and the harness in release, runs every scenario group (or those named: scripts/bench.sh
# polls flows) and writes target/bench/bench.md and bench.json. Every load is bounded in count
# and time; the IDGW_BENCH_* variables (crates/idgw-bench/src/main.rs) set the bounds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
apt_install() {
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$@"
}
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
(cd scripts/bench/peer && npm ci --no-audit --no-fund --silent)

if [ "${IDGW_BENCH_PERF:-0}" = 1 ]; then
  command -v perf >/dev/null || apt_install linux-perf
  # Sampling on cpu-clock (a software event): VMs often offer no hardware counters.
  if ! perf record -q -e cpu-clock -o /dev/null -- true >/dev/null 2>&1; then
    echo "bench: perf cannot sample here (perf_event_paranoid?); no profiles" >&2
    export IDGW_BENCH_PERF=0
  fi
fi

export CARGO_TERM_COLOR=never
cargo build --release --locked -p idgw -p idgw-bench

out=target/bench
mkdir -p "$out"
: > "$out/pids"
# Whatever the harness started and did not stop (it stops each server itself; this is for an
# interrupted run) is ended by its pid.
cleanup() {
  while read -r pid; do
    kill "$pid" 2>/dev/null || true
  done < "$out/pids"
}
trap cleanup EXIT
groups=""
[ "$#" -gt 0 ] && groups="--only $(IFS=,; echo "$*")"
# shellcheck disable=SC2086
IDGW_BENCH_COMMAND="$(echo scripts/bench.sh "$@")" target/release/idgw-bench \
  --idgw target/release/idgw --peer scripts/bench/peer/server.js --out "$out" $groups
