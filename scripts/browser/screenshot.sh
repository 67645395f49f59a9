#!/usr/bin/env bash
# Takes a screenshot of a page with headless Chromium, e.g. the handset page of a running
# `idgw serve`:  scripts/browser/screenshot.sh http://127.0.0.1:8081/ target/screenshots/handset.png
set -euo pipefail
url="${1:?usage: $0 URL OUT.png [WIDTHxHEIGHT]}"
out="${2:?usage: $0 URL OUT.png [WIDTHxHEIGHT]}"
size="${3:-1100x800}"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
mkdir -p "$(dirname "$out")"
timeout 60 "${IDGW_CHROMIUM:-/usr/bin/chromium}" --headless=new --no-sandbox --disable-gpu \
  --disable-dev-shm-usage --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" \
  --window-size="${size/x/,}" --screenshot="$(realpath -m "$out")" "$url" 2>/dev/null
echo "$out"
