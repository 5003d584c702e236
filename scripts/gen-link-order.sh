#!/usr/bin/env bash
# Usage: scripts/gen-link-order.sh
# Regenerates Sources/jobletd/jobletd.order, the function order lld uses when it links jobletd
# (Package.swift). It lists every function of the jobletd executable that runs while jobletd
# starts, idles, and serves the calls the benchmarks make (health, unary, server streaming,
# a refused call, an unknown job), sorted by name (callgrind's own order changes from run to run;
# sorted, a regeneration diffs only in what changed, and the RSS is the same). lld places those
# functions first and together, so start-up and the hot paths touch a few hundred KiB of text
# instead of faulting in 64 KiB windows all over 26 MiB of it (docs/benchmarks.md, "Idle memory").
#
# Run it after large changes to what runs at start-up or per call; a stale file is harmless
# (names that no longer exist are skipped, new functions go after the listed ones), it only
# costs some resident text. Needs valgrind (apt) and the Python grpcio package; takes ~2 min.
# Jobs are not driven: valgrind cannot run the vfork-style clone() that spawns them.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "gen-link-order: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
work=$(mktemp -d /tmp/jobletd-order.XXXXXX)
trap 'kill "$vg" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "== release build (.build-static)"
scripts/build-release.sh
bin=.build-static/release
# valgrind cannot read the DWARF that lld writes; the symbol table is all it needs.
strip --strip-debug -o "$work/jobletd" "$bin/jobletd"
cp "$bin/joblet-init" "$work/joblet-init"
bash scripts/gen-certs.sh "$work/certs" >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "== jobletd under callgrind on 127.0.0.1:$port"
valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/callgrind.out" \
  "$work/jobletd" --address "127.0.0.1:$port" --certs "$work/certs" --data "$work/data" \
  --enable-interop-testing >"$work/jobletd.log" 2>&1 &
vg=$!
for _ in $(seq 1 240); do
  grep -q "listening" "$work/jobletd.log" && break
  kill -0 "$vg" 2>/dev/null || { cat "$work/jobletd.log" >&2; exit 1; }
  sleep 0.5
done
grep -q "listening" "$work/jobletd.log" || { echo "gen-link-order: jobletd did not start under valgrind" >&2; exit 1; }
sleep 2   # the idle loop's timers
python3 scripts/link-order-drive.py --port "$port" --certs "$work/certs"
kill -TERM "$vg"
wait "$vg" || true

python3 - "$work/callgrind.out" "$work/jobletd" Sources/jobletd/jobletd.order <<'EOF'
import re, sys
out, binary, dest = sys.argv[1:]
names, objects, current = {}, {}, None
ran = set()
# callgrind names each object and function once, "ob=(N) path" / "fn=(N) name", then by number;
# every function that ran has a cost block opened by "fn=" under the "ob=" it belongs to.
for line in open(out, errors="replace"):
    m = re.match(r"(ob|cob|fn|cfn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
    if not m:
        continue
    kind, num, name = m.groups()
    if kind in ("ob", "cob"):
        if name:
            objects[num] = name
        if kind == "ob":
            current = objects[num]
        continue
    if name:
        names[num] = name
    if kind == "fn" and current == binary:
        ran.add(num)
# "'2" is callgrind's recursion-depth suffix; "0x…" a function without a symbol.
symbols = {re.sub(r"'\d+$", "", names[num]) for num in ran}
symbols = sorted((s for s in symbols if not s.startswith("0x")), key=lambda s: s.encode())
with open(dest, "w") as f:
    f.write("\n".join(symbols) + "\n")
print(f"gen-link-order: {len(symbols)} functions -> {dest}")
EOF
# SwiftPM does not see the order file as an input of the link: drop the binary so the next
# build links it again with the new order.
rm -f .build-static/release/jobletd
echo "gen-link-order: now run scripts/build-release.sh (relinks jobletd with the new order)"
