#!/usr/bin/env bash
# Installs what jobletd's build and tests need, only what is missing (Debian 12, as root).
set -euo pipefail
# libstdc++-12-dev: libstdc++.a; scripts/build-release.sh links it, and the .a archives of the
# -dev packages above (OpenSSL, nghttp2, SQLite, zlib), statically (scripts/link-static/README.md).
pkgs=(libnghttp2-dev libssl-dev libsqlite3-dev zlib1g-dev pkg-config protobuf-compiler openssl procps libstdc++-12-dev)
# libseccomp-dev: libseccomp.a, linked statically into joblet-init (the jobs' seccomp profile).
pkgs+=(libseccomp-dev)
# btrfs-progs: tests/python/test_sandbox.py makes a btrfs loop image for the workspace size limit.
pkgs+=(btrfs-progs)
# nftables: job networks' NAT and isolation rules (issue 15); e2fsprogs: mkfs.ext4 for filesystem volumes.
pkgs+=(nftables e2fsprogs)
# python3-venv: tests/python/test_runtimes.py builds a runtime whose setup.sh makes a virtual environment.
pkgs+=(python3-venv)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "${1:-}" = "--test" ]; then
  # systemd-analyze: tests/python/test_ux.py verifies packaging/systemd/jobletd.service.
  if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "install-deps: apt-get install systemd"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends systemd >/dev/null
  fi
  py=(grpcio grpcio-tools grpcio-health-checking grpcio-reflection protobuf pytest h2 joblet-sdk-python==1.1.5 prometheus-client)
  need=0
  python3 -c "import grpc, grpc_tools, grpc_health, grpc_reflection, google.protobuf, pytest, h2, joblet, prometheus_client" 2>/dev/null || need=1
  if [ $need -eq 1 ]; then
    echo "install-deps: pip install ${py[*]}"
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "${py[@]}"
  fi
fi
