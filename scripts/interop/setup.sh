#!/usr/bin/env bash
# Installs what crates/idgw/tests/interop.rs needs, all from the usual registries:
#  - Node.js and npm (Debian packages nodejs, npm) when missing, then the npm `smpp` package
#    from scripts/interop/package-lock.json into scripts/interop/node_modules (npm ci);
#  - python-smpplib into a virtual environment at target/interop-venv (the test uses its
#    interpreter when present; IDGW_PYTHON overrides).
# Then:  IDGW_INTEROP_TESTS=1 cargo test -p idgw --test interop
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
apt_install() {
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@"
}
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
command -v python3 >/dev/null || apt_install python3
(cd "$here" && npm ci --no-audit --no-fund)
venv="$root/target/interop-venv"
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$root/target"
  python3 -m venv "$venv" || { apt_install python3-venv && python3 -m venv "$venv"; }
fi
"$venv/bin/python" -m pip install -q smpplib==2.2.4
"$venv/bin/python" -c 'import smpplib; print("smpplib ok")'
node -e 'require(process.argv[1]); console.log("npm smpp ok")' "$here/node_modules/smpp"
