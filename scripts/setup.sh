#!/usr/bin/env bash
# Installs what building and testing idgw needs on a fresh Debian machine (as root, or with
# sudo). Idempotent: installs only what is missing.
set -euo pipefail

# libxml2-utils: xmllint, which validates the TS 102 204 messages against their XML schema
# (crates/idgw-mss/tests/mssp_e2e/schema.rs).
packages=(pkg-config libssl-dev gcc make ca-certificates openssl libxml2-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || { echo "setup: a Rust toolchain (cargo, rustc >= 1.85) is required" >&2; exit 1; }
