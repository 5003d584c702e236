#!/usr/bin/env bash
# Usage: scripts/install.sh [--from DIR] [--destdir DIR]
# Installs jobletd as an operator expects:
#   /usr/local/bin/{jobletd,rnx,joblet-init}       the binaries (from DIR, default .build/release;
#                                                  build them with scripts/build-release.sh)
#   /etc/jobletd/jobletd.yml, /etc/jobletd/certs/  configuration (kept if present)
#   /var/lib/jobletd/                              data: database, logs, workspaces
#   /etc/systemd/system/jobletd.service            a Type=notify unit (not enabled for you)
# --destdir installs under another root (packaging, tests); systemd is then left alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
from="$root/.build/release"
destdir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --from) from=$2; shift 2 ;;
    --destdir) destdir=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for b in jobletd rnx joblet-init; do
  [ -x "$from/$b" ] || { echo "install.sh: $from/$b missing: run scripts/build-release.sh first (or --from DIR)" >&2; exit 1; }
done

say() { echo "install.sh: $*"; }
bin="$destdir/usr/local/bin"; etc="$destdir/etc/jobletd"; data="$destdir/var/lib/jobletd"
unitdir="$destdir/etc/systemd/system"; doc="$destdir/usr/local/share/doc/jobletd"

say "binaries -> $bin"
install -d -m 0755 "$bin" "$doc"
for b in jobletd rnx joblet-init; do install -m 0755 "$from/$b" "$bin/$b"; done
install -m 0644 "$root/README.md" "$doc/README.md"

say "configuration -> $etc, data -> $data"
install -d -m 0750 "$etc"
install -d -m 0711 "$data"
if [ ! -f "$etc/jobletd.yml" ]; then
  cat > "$etc/jobletd.yml" <<YAML
# jobletd configuration (docs/configuration.md lists every key; unknown keys are refused).
server:
  # 0.0.0.0:50051 to serve other machines; the server certificate must then name this host.
  address: "127.0.0.1:50051"
  certs: /etc/jobletd/certs
  data: /var/lib/jobletd
  logLevel: info
YAML
  chmod 0640 "$etc/jobletd.yml"
else
  say "kept the existing $etc/jobletd.yml"
fi

say "systemd unit -> $unitdir/jobletd.service"
install -d -m 0755 "$unitdir"
install -m 0644 "$root/packaging/systemd/jobletd.service" "$unitdir/jobletd.service"

if [ -z "$destdir" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  say "next: systemctl enable --now jobletd   (first start makes a development PKI in /etc/jobletd/certs"
  say "      and /etc/jobletd/certs/rnx-config.yml for rnx: cp it to ~/.rnx/rnx-config.yml)"
elif [ -n "$destdir" ]; then
  say "done under $destdir (systemd left alone)"
else
  say "done (no running systemd: start /usr/local/bin/jobletd --config /etc/jobletd/jobletd.yml yourself)"
fi
