// swift-tools-version:6.0
// jobletd — a Linux job-execution server (gRPC over our own HTTP/2 + mTLS), and rnx, its CLI.
// Module layering follows ../shared/DESIGN.md: dependencies point down, every C library sits
// behind exactly one module.
import PackageDescription

/// The package's root directory, for linker flags that name a file in it.
let packageRoot = String(#filePath.dropLast("Package.swift".count))

/// How jobletd is linked (docs/benchmarks.md, "Idle memory"): with lld; exporting only the symbols
/// shared libraries need (-static-stdlib's link arguments say -export-dynamic, and ld.so then
/// faults in the executable's 3.6 MB of dynamic symbols and hash tables); relative relocations
/// packed (DT_RELR, glibc >= 2.36: 2.9 MB of .rela.dyn becomes 24 KB); and the functions that
/// start-up and the RPC paths run placed first and together (Sources/jobletd/jobletd.order, made
/// by scripts/gen-link-order.sh), so the kernel maps a few 64 KiB windows of text instead of
/// windows all over 26 MB of it. With scripts/build-release.sh (function sections): idle RSS
/// 35.5 -> 21.5-22 MiB.
let jobletdLinkerFlags = [
    "-use-ld=lld",
    "-Xlinker", "--no-export-dynamic",
    "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
    "-Xlinker", "--symbol-ordering-file=\(packageRoot)Sources/jobletd/jobletd.order",
    "-Xlinker", "--no-warn-symbol-ordering",
    "-Xlinker", "-T", "-Xlinker", "\(packageRoot)Sources/jobletd/jobletd.ld",
]

let package = Package(
    name: "jobletd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "jobletd", targets: ["jobletd"]),
        .executable(name: "rnx", targets: ["rnx"]),
        .executable(name: "protoc-gen-jobletswift", targets: ["protoc-gen-jobletswift"]),
        .executable(name: "joblet-init", targets: ["joblet-init"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // /metrics registry and text exposition (issue 17); brings swift-metrics' CoreMetrics and swift-atomics.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries, each behind exactly one module.
        .systemLibrary(name: "CNghttp2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CJobletLinux"),
        .target(name: "CEventLoop"),
        .target(name: "CTLSBuffer", dependencies: ["COpenSSL"]),

        // Protocol layers (sans-IO) and the protobuf codec.
        .target(name: "ProtoWire"),
        // Version, git commit and build date of every binary (ux: --version).
        .target(name: "BuildInfo", plugins: ["BuildInfoPlugin"]),
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),
        // "Did you mean …?" for config keys and rnx commands (ux).
        .target(name: "NameSuggestion"),
        .target(name: "JobletAPI", dependencies: ["ProtoWire"]),
        .target(name: "TLS", dependencies: ["COpenSSL", "CTLSBuffer"]),
        .target(name: "HTTP2", dependencies: ["CNghttp2"]),
        .target(name: "HTTP1"),
        .target(name: "RPC", dependencies: ["TLS", "HTTP2", "HTTP1", "ProtoWire", "CZlib", "CEventLoop",
                                            .product(name: "Logging", package: "swift-log")]),

        // The domain and the backends.
        .target(name: "JobletCore", dependencies: [.product(name: "GRDB", package: "GRDB.swift"), "Yams"]),
        .target(name: "JobletLinux", dependencies: ["JobletCore", "CJobletLinux"]),
        .target(name: "SkyPilotAdapter", dependencies: ["JobletCore", "Yams", "RPC", "HTTP1",
                                                        .product(name: "Logging", package: "swift-log")]),

        // Services, client, executables.
        .target(name: "JobletServer", dependencies: ["BuildInfo", "NameSuggestion", "RPC", "HTTP1", "JobletAPI", "ProtoWire", "JobletCore", "JobletLinux", "SkyPilotAdapter", "Yams",
                                                     .product(name: "Logging", package: "swift-log"),
                                                     .product(name: "Prometheus", package: "swift-prometheus")]),
        // TLS: SHA-256 of downloaded artifacts (training, issue 19).
        .target(name: "JobletClient", dependencies: ["RPC", "JobletAPI", "Yams", "TLS"]),
        .executableTarget(name: "jobletd", dependencies: ["BuildInfo", "JobletServer", "JobletLinux", "SkyPilotAdapter",
                                                          .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                                          .product(name: "Logging", package: "swift-log")],
                          exclude: ["jobletd.order", "jobletd.ld"],
                          linkerSettings: [.unsafeFlags(jobletdLinkerFlags)]),
        .executableTarget(name: "rnx", dependencies: ["BuildInfo", "NameSuggestion", "JobletClient",
                                                      .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "protoc-gen-jobletswift", dependencies: ["ProtoWire"]),
        // pid 1 of each local job: a small C program, linked statically so that it loads nothing
        // at exec (the job's root filesystem is built after it starts) and forks cheaply.
        // libseccomp (Debian's libseccomp-dev, its .a) builds the jobs' seccomp profile; only here.
        .executableTarget(name: "joblet-init", dependencies: ["CJobletLinux"],
                          linkerSettings: [.linkedLibrary("seccomp"), .unsafeFlags(["-static-executable"])]),
        .executableTarget(name: "skypilot-smoke", dependencies: ["SkyPilotAdapter", "JobletCore",
                                                                 .product(name: "Logging", package: "swift-log")]),
        // bench/jobs: the load client for the job benchmarks (issue 3).
        // lld, as for jobletd: scripts/link-static's `INPUT(-l:libX.a)` scripts are not found by gold.
        .executableTarget(name: "jobs-bench", dependencies: ["JobletClient", "JobletAPI"], path: "bench/jobs/jobs-bench",
                          linkerSettings: [.unsafeFlags(["-use-ld=lld"])]),

        // Tests mirror the source tree; TestSupport holds what several test targets share.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ProtoWireTests", dependencies: ["ProtoWire", "JobletAPI"]),
        .testTarget(name: "TLSTests", dependencies: ["TLS"]),
        .testTarget(name: "HTTP2Tests", dependencies: ["HTTP2"]),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"]),
        .testTarget(name: "RPCTests", dependencies: ["RPC", "TLS", "HTTP2", "HTTP1", "ProtoWire", "JobletAPI", "TestSupport"]),
        .testTarget(name: "JobletCoreTests", dependencies: ["JobletCore"]),
        .testTarget(name: "JobletLinuxTests", dependencies: ["JobletLinux", "JobletCore"]),
        .testTarget(name: "SkyPilotAdapterTests", dependencies: ["SkyPilotAdapter", "JobletCore", "Yams", "RPC", "HTTP1", "TestSupport",
                                                              .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "JobletServerTests", dependencies: ["NameSuggestion", "JobletServer", "JobletAPI", "RPC"]),
        .testTarget(name: "JobletClientTests", dependencies: ["JobletClient"]),
    ],
    swiftLanguageModes: [.v6]
)
