import XCTest
@testable import JobletCore

/// runtime.yml and runtime names: both name forms, what is refused and why.
final class RuntimeManifestTests: XCTestCase {
    func testBothNameFormsAndTheArchitectureNameOneRuntime() throws {
        XCTAssertEqual(try RuntimeName("python-3.11-ml").normalized, "python-3.11-ml")
        XCTAssertEqual(try RuntimeName("python:3.11-ml").normalized, "python-3.11-ml")
        let n = try RuntimeName("Python:3.11-ml@amd64")
        XCTAssertEqual(n.normalized, "python-3.11-ml")
        XCTAssertEqual(n.architecture, "amd64")
        XCTAssertEqual(n.parts.language, "python")
        XCTAssertEqual(n.parts.version, "3.11")
        XCTAssertEqual(n.parts.variants, ["ml"])
        XCTAssertEqual(try RuntimeName("openjdk-21").parts.version, "21")
    }

    func testNamesThatAreNoDirectoryNameAreRefused() {
        for bad in ["", "../etc", "a/b", ".hidden", "-x", "a..b", "x@", "x@a/b", "sp ace", String(repeating: "a", count: 101)] {
            XCTAssertThrowsError(try RuntimeName(bad), bad) { error in
                XCTAssertEqual((error as? JobletError)?.code, .invalidArgument, bad)
            }
        }
    }

    func testAFullManifestParses() throws {
        let m = try RuntimeManifest(parsing: """
            name: python-3.11-ml
            language: python
            version: "3.11"
            description: ML
            mounts:
              - {source: isolated/usr/local, target: /usr/local, readonly: true}
              - source: isolated/data
                target: /data
                readonly: false
            environment: {PATH_PREPEND: /usr/local/bin, PYTHONPATH: /data}
            packages: [numpy, pandas]
            requirements: {architectures: [amd64, arm64], gpu: true}
            test: python3 -c 'import numpy'
            build: {ignored: true}
            """)
        XCTAssertEqual(m.name, "python-3.11-ml")
        XCTAssertEqual(m.version, "3.11")
        XCTAssertEqual(m.mounts, [.init(source: "isolated/usr/local", target: "/usr/local", readOnly: true),
                                  .init(source: "isolated/data", target: "/data", readOnly: false)])
        XCTAssertEqual(m.packages, ["numpy", "pandas"])
        XCTAssertEqual(m.architectures, ["amd64", "arm64"])
        XCTAssertTrue(m.gpu)
        XCTAssertEqual(m.test, "python3 -c 'import numpy'")
        let env = m.applyEnvironment(to: ["PATH": "/usr/bin", "HOME": "/work"])
        XCTAssertEqual(env, ["PATH": "/usr/local/bin:/usr/bin", "HOME": "/work", "PYTHONPATH": "/data"])
    }

    func testBadManifestsNameTheProblem() {
        let cases: [(String, String)] = [
            ("mounts:\n  - {source: /usr, target: /usr}\n", "inside the runtime"),
            ("mounts:\n  - {source: isolated/../../x, target: /usr}\n", "inside the runtime"),
            ("mounts:\n  - {source: isolated/usr, target: usr}\n", "absolute"),
            ("mounts:\n  - {source: isolated/usr}\n", "needs a source"),
            ("mounts: {a: b}\n", "must be a list"),
            ("mounts:\n  - {source: a, target: /a, readonly: maybe}\n", "true or false"),
            ("requirements: {gpu: lots}\n", "true or false"),
            ("environment: [a]\n", "mapping"),
            ("name: [a, b]\n", "single value"),
            ("- a\n- b\n", "must be a mapping"),
            ("name: {unclosed\n", "not valid YAML"),
            ("", "empty"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try RuntimeManifest(parsing: text), text) { error in
                let message = (error as? JobletError)?.message ?? ""
                XCTAssertTrue(message.contains(expected), "\(text): \(message)")
            }
        }
    }
}
