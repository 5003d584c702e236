#!/bin/sh
# Regenerates Sources/JobletAPI from every Protos/**/*.proto with our own protoc plugin.
# The output is committed; ProtoWireTests fails when it is stale.
set -eu
cd "$(dirname "$0")/.."
out="${1:-Sources/JobletAPI}"
mkdir -p "$out" Sources/JobletAPI  # SwiftPM refuses a package whose target folder is missing
swift build --product protoc-gen-jobletswift >&2
plugin="$(swift build --show-bin-path)/protoc-gen-jobletswift"
rm -f "$out"/*.pb.swift "$out"/JobletAPIRegistry.swift
# One protoc run, so the registry covers every file.
protos=$(cd Protos && find . -name '*.proto' | sed 's|^\./||' | LC_ALL=C sort)
(cd Protos && protoc -I . --plugin=protoc-gen-jobletswift="$plugin" --jobletswift_out="../$out" $protos)
# Test fixture covering every field shape; its registry is renamed to avoid clashing with ours.
rm -f Tests/ProtoWireTests/Generated/*.swift
(cd Tests/protos && protoc -I . --plugin=protoc-gen-jobletswift="$plugin" --jobletswift_out=registry=FixtureRegistry:../ProtoWireTests/Generated alltypes.proto)
