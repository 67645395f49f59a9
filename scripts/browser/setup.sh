#!/usr/bin/env bash
# Installs what crates/idgw/tests/browser.rs needs (Debian packages chromium and
# chromium-driver) when missing. Run as root (or with sudo available). Then:
#   IDGW_BROWSER_TESTS=1 cargo test -p idgw --test browser
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${need[@]}"
fi
/usr/bin/chromium --version
/usr/bin/chromedriver --version
