#!/usr/bin/env bash
# Usage: fuzz/run-server-config-fuzz.sh [SECONDS] [extra libFuzzer flags…]
# Builds the jobletd config-file fuzzer (fuzz/ServerConfigFuzz: DaemonConfiguration.load(yamlFile:)
# with ConfigFileChecker and ConfigKeys, compiled as a small JobletServer over Yams, NameSuggestion,
# the GRDB-free part of JobletCore, TLS and RPC) with libFuzzer + ASan via fuzz/yaml-build.sh, and
# runs it for SECONDS (default 60) on fuzz/corpus-server-config/ (seeded from fuzz/seeds/server-config/).
source "$(dirname "$0")/yaml-build.sh"
secs=${1:-60}; shift || true
yaml_build_yams
yaml_build_core
yaml_build_rpc
module NameSuggestion "-swift-version 6 -package-name jobletd" Sources/NameSuggestion/*.swift
module JobletServer "-swift-version 6 -package-name jobletd $san -enable-testing" \
  Sources/JobletServer/Config/{ConfigFileChecker,ConfigKeys,DaemonConfiguration,DaemonConfiguration+Networks,RuntimeSettings}.swift
bin=$yout/server-config-fuzz
yaml_link "$bin" fuzz/ServerConfigFuzz "$yout"/{JobletServer,NameSuggestion,JobletCore}.o "${rpc_objs[@]}" "${rpc_libs[@]}"
corpus=$root/fuzz/corpus-server-config
mkdir -p "$corpus"
cp -n fuzz/seeds/server-config/* "$corpus/" 2>/dev/null || true
echo "== fuzzing for ${secs}s; corpus $(ls "$corpus" | wc -l) files"
LSAN_OPTIONS="suppressions=$root/fuzz/lsan-foundation.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
  exec nice -n 19 "$bin" "$corpus" -max_total_time="$secs" -max_len=4096 -timeout=20 -rss_limit_mb=4096 \
  -artifact_prefix="$yout/artifacts/server-config-" -print_final_stats=1 "$@"
