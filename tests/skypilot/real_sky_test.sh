#!/usr/bin/env bash
# The SkyPilot backend against a REAL SkyPilot 0.14.1 API server on loopback, with no cloud access:
#   - a GPU job reaches SkyPilot, goes PENDING/STARTING and ends FAILED with SkyPilot's
#     "Cloud access is not set up" reason in its status and its log;
#   - a GPU job stopped while pending ends STOPPED (CANCELLED at SkyPilot, or FAILED_PRECHECKS
#     when its prechecks fail before the cancel takes).
# Self-contained and idempotent: installs skypilot into its own venv and rsync if missing, keeps
# all of SkyPilot's state under its own HOME (so ~/.sky below is that HOME's), seeds the small
# accelerator catalog SkyPilot would otherwise download, starts `sky api start` on 127.0.0.1,
# runs the skypilot-smoke harness (SkyPilotBackend through a JobEngine), and stops the server.
#
# Environment: SKY_TEST_DIR (state, default /tmp/jobletd-sky-real), SKY_PORT (default: a free port
# below the kernel's ephemeral range),
# SKY_SMOKE (a built skypilot-smoke binary; default: swift build --product skypilot-smoke).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
STATE=${SKY_TEST_DIR:-/tmp/jobletd-sky-real}
VENV=$STATE/venv
# The server's port sits below the ephemeral range (ip_local_port_range): a fixed port inside it
# (this script used 46590) is now and then the local end of one of the suites' earlier client
# connections, still in TIME_WAIT, and `sky api start` then exits with "Port … is not available".
free_port() {
  python3 - <<'PY'
import socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for port in range(max(1024, low - 3000), low):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:
    raise SystemExit("real_sky_test: no free port below the ephemeral range")
PY
}
PORT=${SKY_PORT:-$(free_port)}
ENDPOINT=http://127.0.0.1:$PORT

mkdir -p "$STATE/home" "$STATE/tmp"
REAL_HOME=$HOME
PYTHON=$(command -v python3)   # the test environment's Python (grpcio, the Joblet SDK), not the venv's
export HOME=$STATE/home
export TMPDIR=$STATE/tmp
export SKYPILOT_DISABLE_USAGE_COLLECTION=1
# Without it `sky api stop` refuses a server on a non-default port ("not the default SkyPilot API
# server started locally") and leaves it and its jobs controllers running.
export SKYPILOT_API_SERVER_LOCAL_PORT=$PORT
export PATH=$VENV/bin:$PATH

echo "== skypilot 0.14.1 in $VENV"
if ! "$VENV/bin/sky" --version 2>/dev/null | grep -q "version 0.14.1"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'skypilot==0.14.1'
fi
sky --version

echo "== rsync (the jobs controller copies task files with it)"
if ! command -v rsync >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsync
fi
rsync --version | sed -n 1p

echo "== ~/.sky/config.yaml: jobs controller in the API server's host, server on loopback"
mkdir -p "$HOME/.sky"
cat > "$HOME/.sky/config.yaml" <<EOF
jobs:
  controller:
    consolidation_mode: true
api_server:
  endpoint: $ENDPOINT
EOF

echo "== accelerator catalog (this machine cannot download it)"
# SkyPilot reads catalogs/v8/common/accelerators.csv and metadata.csv to resolve accelerator
# names; a small one with the GPUs jobletd asks for is enough when no cloud is enabled.
CATALOG=$HOME/.sky/catalogs/v8/common
mkdir -p "$CATALOG"
cat > "$CATALOG/accelerators.csv" <<'EOF'
AcceleratorName,Clouds
T4,"['AWS', 'GCP', 'Azure']"
L4,"['AWS', 'GCP']"
A10G,"['AWS']"
A100,"['AWS', 'GCP', 'Azure']"
A100-80GB,"['AWS', 'GCP', 'Azure']"
H100,"['AWS', 'GCP', 'Azure']"
H200,"['AWS', 'GCP']"
EOF
cat > "$CATALOG/metadata.csv" <<'EOF'
GPU,MemoryGB,Manufacturer
T4,16,NVIDIA
L4,24,NVIDIA
A10G,24,NVIDIA
A100,40,NVIDIA
A100-80GB,80,NVIDIA
H100,80,NVIDIA
H200,141,NVIDIA
EOF

stop_server() {
  echo "== sky api stop"
  sky api stop 2>&1 | tail -1 || true
  if curl -fsS -m 2 "$ENDPOINT/api/health" >/dev/null 2>&1; then
    echo "warning: the SkyPilot API server on $ENDPOINT is still up"
  fi
}
trap stop_server EXIT

echo "== sky api start on 127.0.0.1:$PORT"
sky api stop >/dev/null 2>&1 || true
sky api start --host 127.0.0.1 --port "$PORT"
for _ in $(seq 1 60); do
  curl -fsS "$ENDPOINT/api/health" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "$ENDPOINT/api/health"; echo

echo "== skypilot-smoke against $ENDPOINT"
SMOKE=${SKY_SMOKE:-}
if [ -z "$SMOKE" ]; then
  (cd "$ROOT" && HOME=$REAL_HOME swift build --product skypilot-smoke >/dev/null)
  SMOKE=$(cd "$ROOT" && HOME=$REAL_HOME swift build --product skypilot-smoke --show-bin-path)/skypilot-smoke
fi
"$SMOKE" "$ENDPOINT"

echo "== the Joblet SDK → jobletd --skypilot-endpoint → SkyPilot"
JOBLETD=${JOBLETD:-}
if [ -z "$JOBLETD" ]; then
  JOBLETD=$(cd "$ROOT" && HOME=$REAL_HOME swift build --product jobletd --show-bin-path)/jobletd
  (cd "$ROOT" && HOME=$REAL_HOME swift build --product jobletd >/dev/null)
fi
HOME=$REAL_HOME "$PYTHON" "$ROOT/tests/skypilot/real_sky_sdk.py" --jobletd "$JOBLETD" --endpoint "$ENDPOINT"
