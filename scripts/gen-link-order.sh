#!/usr/bin/env bash
# Usage: scripts/gen-link-order.sh
# Regenerates Sources/jobletd/jobletd.order, the function order lld uses when it links jobletd
# (Package.swift). It lists every function of the jobletd executable (OpenSSL, nghttp2
# and SQLite included: the release links them statically) in two groups: first those that run
# while jobletd starts and idles, then those that run only when it serves the calls the
# benchmarks make (health, unary, server streaming, a refused call, an unknown job). Each group
# is sorted by name (callgrind's own order changes from run to run; sorted, a regeneration diffs
# only in what changed). lld places the functions in that order, first and together, so an idle
# jobletd has touched only the first group's pages, and the hot paths a few MiB next to them,
# instead of 64 KiB windows all over 27 MiB of text (docs/benchmarks.md, "Idle memory").
#
# Run it after large changes to what runs at start-up or per call; a stale file is harmless
# (names that no longer exist are skipped, new functions go after the listed ones), it only
# costs some resident text. Needs valgrind (apt) and the Python grpcio package; takes ~20 s
# after the release build.
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
valgrind --tool=callgrind --dump-instr=yes --compress-pos=no --callgrind-out-file="$work/callgrind.out" \
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
# Dump what ran so far (start-up and idle); the counts start again for the calls.
callgrind_control --dump=idle "$vg" >/dev/null
python3 scripts/link-order-drive.py --port "$port" --certs "$work/certs"
kill -TERM "$vg"
wait "$vg" || true

# The dump made at idle is callgrind.out.1; the one made at exit, callgrind.out.
nm -n --defined-only "$work/jobletd" > "$work/symbols"
python3 - "$work/callgrind.out.1" "$work/callgrind.out" "$work/jobletd" "$work/symbols" Sources/jobletd/jobletd.order <<'EOF'
import bisect, sys
idle_dump, calls_dump, binary, symbols_file, dest = sys.argv[1:]

# Functions by address, from the executable's symbol table. The order names what ran by the
# addresses of the instructions that ran: callgrind's own function names leave out code it
# folds into a caller (thunks, tail calls), which then faults in windows of its own.
functions = []
for line in open(symbols_file):
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[1] in "tTwW":
        functions.append((int(parts[0], 16), parts[2].strip()))
starts = [address for address, _ in functions]

def ran_in(path):
    """The functions of `binary` with an instruction that ran, in one callgrind dump."""
    # With --dump-instr=yes --compress-pos=no every cost line starts with the instruction's
    # address ("0x…"), under the "ob=" of the object it belongs to.
    # Objects are named once, "ob=(N) path", and then by number, "ob=(N)".
    objects, current, ran = {}, None, set()
    for line in open(path, errors="replace"):
        if line.startswith(("ob=", "cob=")):
            number, _, name = line.split("=", 1)[1].rstrip("\n").partition(" ")
            if name:
                objects[number] = name
            if line.startswith("ob="):
                current = objects.get(number)
        elif line.startswith("0x") and current == binary:
            i = bisect.bisect_right(starts, int(line.split(" ", 1)[0], 16)) - 1
            if i >= 0:
                ran.add(functions[i][1])
    return ran

idle = ran_in(idle_dump)
calls = ran_in(calls_dump) - idle
if len(idle) < 1000:
    sys.exit(f"gen-link-order: only {len(idle)} functions ran at start-up; is the dump's format what this script reads?")
order = sorted(idle, key=lambda s: s.encode()) + sorted(calls, key=lambda s: s.encode())
with open(dest, "w") as f:
    f.write("\n".join(order) + "\n")
print(f"gen-link-order: {len(idle)} start-up and idle functions, then {len(calls)} for calls -> {dest}")
EOF
# SwiftPM does not see the order file as an input of the link: drop the binary so the next
# build links it again with the new order.
rm -f .build-static/release/jobletd
echo "gen-link-order: now run scripts/build-release.sh (relinks jobletd with the new order)"
