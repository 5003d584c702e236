#!/usr/bin/env bash
# Usage: fuzz/run-runtime-yaml-fuzz.sh [SECONDS] [extra libFuzzer flags…]
# Builds the runtime.yml fuzzer (fuzz/RuntimeYAMLFuzz: Yams + RuntimeManifest + RuntimeName) with
# libFuzzer + ASan via fuzz/yaml-build.sh and runs it for SECONDS (default 60) on
# fuzz/corpus-runtime-yaml/ (seeded from fuzz/seeds/runtime-yaml/). Crashes land in fuzz/out/yaml/artifacts/.
source "$(dirname "$0")/yaml-build.sh"
secs=${1:-60}; shift || true
yaml_build_yams
yaml_build_core
bin=$yout/runtime-yaml-fuzz
yaml_link "$bin" fuzz/RuntimeYAMLFuzz "$yout/JobletCore.o"
corpus=$root/fuzz/corpus-runtime-yaml
mkdir -p "$corpus"
cp -n fuzz/seeds/runtime-yaml/* "$corpus/" 2>/dev/null || true
echo "== fuzzing for ${secs}s; corpus $(ls "$corpus" | wc -l) files"
exec nice -n 19 "$bin" "$corpus" -max_total_time="$secs" -max_len=4096 -timeout=20 -rss_limit_mb=4096 \
  -artifact_prefix="$yout/artifacts/runtime-yaml-" -print_final_stats=1 "$@"
