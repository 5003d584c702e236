#!/usr/bin/env bash
# Usage: fuzz/run-workflow-yaml-fuzz.sh [SECONDS] [extra libFuzzer flags…]
# Builds the workflow YAML fuzzer (fuzz/WorkflowYAMLFuzz: Yams + WorkflowParser + WorkflowValidator,
# JobletCore without its GRDB store) with libFuzzer + ASan via fuzz/yaml-build.sh and runs it for
# SECONDS (default 60) on fuzz/corpus-workflow-yaml/ (seeded from fuzz/seeds/workflow-yaml/).
# Crashes land in fuzz/out/yaml/artifacts/.
source "$(dirname "$0")/yaml-build.sh"
secs=${1:-60}; shift || true
yaml_build_yams
yaml_build_core
bin=$yout/workflow-yaml-fuzz
yaml_link "$bin" fuzz/WorkflowYAMLFuzz "$yout/JobletCore.o"
corpus=$root/fuzz/corpus-workflow-yaml
mkdir -p "$corpus"
cp -n fuzz/seeds/workflow-yaml/* "$corpus/" 2>/dev/null || true
echo "== fuzzing for ${secs}s; corpus $(ls "$corpus" | wc -l) files"
exec nice -n 19 "$bin" "$corpus" -max_total_time="$secs" -max_len=4096 -timeout=20 -rss_limit_mb=4096 \
  -artifact_prefix="$yout/artifacts/workflow-yaml-" -print_final_stats=1 "$@"
