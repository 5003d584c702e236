# Sourced (not run) by the YAML fuzz targets' scripts (run-workflow-yaml-fuzz.sh,
# run-server-config-fuzz.sh, run-rnx-config-fuzz.sh). Builds, outside SwiftPM and one module at a
# time into fuzz/out/yaml/ (rebuilding only what changed), what those targets need:
#   yaml_build_yams       CYaml (clang, ASan + fuzzer coverage) and Yams (swiftc, the same)
#   yaml_build_core       the platform-free part of JobletCore that workflows need (no GRDB files)
#   yaml_build_rpc        Logging, ProtoWire, JobletAPI (grpc.testing only), HTTP2, TLS, HTTP1, RPC,
#                         as fuzz/run-h2rpc-fuzz.sh builds them (without the sanitizer: types only)
#   yaml_link NAME OUT MAIN OBJECTS…   the harness linked with libFuzzer + ASan
# Needs one `swift build` (or `swift package resolve`) first, for the Yams and swift-log checkouts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export SWIFT_BACKTRACE=enable=no
root=$PWD
yout=$root/fuzz/out/yaml
mods=$yout/modules
mkdir -p "$mods" "$yout/cmods/CEventLoop" "$yout/cmods/CTLSBuffer" "$yout/artifacts"
yams=$root/.build/checkouts/Yams/Sources
log=$root/.build/checkouts/swift-log/Sources/Logging
[ -d "$yams" ] || { echo "run 'swift build' first (Yams checkout missing)"; exit 1; }
san=-sanitize=fuzzer,address
inc=(-I "$mods" -I "$yams/CYaml/include" -I "$root/Sources/CNghttp2" -I "$root/Sources/COpenSSL" -I "$root/Sources/CZlib"
     -I "$yout/cmods/CEventLoop" -I "$yout/cmods/CTLSBuffer")
common=(-parse-as-library -g -Onone -wmo "${inc[@]}" -module-cache-path "$yout/module-cache")

# stale OUTPUT INPUTS…: true when OUTPUT is missing or older than an input (or these scripts).
stale() {
  local target=$1; shift
  [ ! -f "$target" ] && return 0
  [ -n "$(find "$@" "$root/fuzz/yaml-build.sh" -newer "$target" -print -quit)" ]
}

# module NAME FLAGS FILES…
module() {
  local name=$1 flags=$2; shift 2
  stale "$mods/$name.swiftmodule" "$@" || return 0
  echo "== swiftc $name"
  # shellcheck disable=SC2086
  nice -n 19 swiftc "${common[@]}" $flags -module-name "$name" -emit-module -emit-module-path "$mods/$name.swiftmodule" \
    -c -o "$yout/$name.o" "$@"
}

yaml_build_yams() {
  local c objs=()
  for c in "$yams"/CYaml/src/*.c; do
    local o=$yout/cyaml-$(basename "$c" .c).o
    if stale "$o" "$c"; then
      nice -n 19 clang -c -g -O1 -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC -I "$yams/CYaml/include" -o "$o" "$c"
    fi
    objs+=("$o")
  done
  ar rcs "$yout/CYaml.a" "${objs[@]}"
  module Yams "-swift-version 5 $san -DSWIFT_PACKAGE -Xcc -DYAML_DECLARE_STATIC" "$yams"/Yams/*.swift
}

# JobletCore without its store (the six files that import GRDB) and without what needs the store.
yaml_build_core() {
  local files
  files=$(cd "$root/Sources/JobletCore" && ls Errors/*.swift Jobs/*.swift Support/RFC3339.swift \
    Workflows/{WorkflowParser,WorkflowValidator,WorkflowDefinition,WorkflowJobSpec,WorkflowSourceMap,RequiredStatus,WorkflowGraph,WorkflowSecretMask}.swift Runtimes/{RuntimeName,RuntimeManifest}.swift \
    Artifacts/ArtifactPattern.swift Volumes/{VolumeBinding,Volume,VolumeSize}.swift Training/InfraRoute.swift \
    Networks/{IPv4CIDR,NetworkSettings}.swift)
  # shellcheck disable=SC2086
  module JobletCore "-swift-version 6 -package-name jobletd $san -enable-testing" $(printf "$root/Sources/JobletCore/%s " $files)
}

yaml_build_rpc() {
  [ -d "$log" ] || { echo "run 'swift build' first (swift-log checkout missing)"; exit 1; }
  local c
  for c in CEventLoop CTLSBuffer; do
    echo "module $c { header \"$root/Sources/$c/include/$c.h\" export * }" > "$yout/cmods/$c/module.modulemap"
  done
  stale "$yout/CEventLoop.o" "$root/Sources/CEventLoop" && \
    nice -n 19 clang -c -g -O1 -I "$root/Sources/CEventLoop/include" -o "$yout/CEventLoop.o" "$root/Sources/CEventLoop/shim.c"
  stale "$yout/CTLSBuffer.o" "$root/Sources/CTLSBuffer" && \
    nice -n 19 clang -c -g -O1 -I "$root/Sources/CTLSBuffer/include" -o "$yout/CTLSBuffer.o" "$root/Sources/CTLSBuffer/buffer.c"
  module Logging "-swift-version 5 -package-name swift_log" $(find "$log" -name '*.swift')
  module ProtoWire "-swift-version 6 -package-name jobletd" "$root"/Sources/ProtoWire/*.swift
  module JobletAPI "-swift-version 6 -package-name jobletd" "$root"/Sources/JobletAPI/grpc_testing_*.pb.swift
  module HTTP2 "-swift-version 6 -package-name jobletd" "$root"/Sources/HTTP2/*.swift
  module TLS "-swift-version 6 -package-name jobletd" "$root"/Sources/TLS/*.swift
  module HTTP1 "-swift-version 6 -package-name jobletd" "$root"/Sources/HTTP1/*.swift
  module RPC "-swift-version 6 -package-name jobletd" $(find "$root/Sources/RPC" -name '*.swift')
  rpc_objs=("$yout"/{Logging,ProtoWire,JobletAPI,HTTP2,TLS,HTTP1,RPC,CEventLoop,CTLSBuffer}.o)
  rpc_libs=(-lnghttp2 -lssl -lcrypto -lz)
}

# yaml_link BINARY HARNESS_DIR OBJECTS_AND_FLAGS…
yaml_link() {
  local bin=$1 dir=$2; shift 2
  if stale "$bin" "$dir" "$mods"; then
    echo "== link $bin"
    nice -n 19 swiftc "${common[@]}" -swift-version 6 $san -module-name "$(basename "$dir")" "$dir"/*.swift \
      "$@" "$yout/Yams.o" "$yout/CYaml.a" -o "$bin"
  fi
}
