import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JobletClient

/// How every command ends: `body` returns the process exit code; a failure becomes one line
/// on stderr (`rnx: job not found: f47ac10b`) and exit code 1.
func reportingFailures(_ body: () async throws -> Int32) async throws {
    let code: Int32
    do {
        code = try await body()
    } catch let error as JobletClientError {
        Output.error(error.description)
        throw ExitCode(1)
    } catch let error as ExitCode {
        throw error
    } catch is CancellationError {
        throw ExitCode(1)
    } catch {
        Output.error("\(error)")
        throw ExitCode(1)
    }
    if code != 0 { throw ExitCode(code) }
}

/// stdout and stderr, unbuffered: log bytes go out as they come.
enum Output {
    static func write(_ bytes: [UInt8]) { writeAll(bytes, to: STDOUT_FILENO) }

    static func writeAll(_ bytes: [UInt8], to fd: Int32) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }   // a closed pipe: nothing left to tell
            offset += n
        }
    }

    static func print(_ text: String) { write(Array(text.utf8)) }

    /// Statuses in colour when stdout is a terminal and NO_COLOR is unset.
    static var colorWanted: Bool {
        StatusColor.wanted(isTerminal: isatty(STDOUT_FILENO) == 1, environment: ProcessInfo.processInfo.environment)
    }

    static func error(_ message: String) {
        let line = "rnx: " + message.split(whereSeparator: \.isNewline).joined(separator: " ") + "\n"
        writeAll(Array(line.utf8), to: STDERR_FILENO)
    }
}
