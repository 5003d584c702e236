import ArgumentParser
import Foundation
import JobletClient

@main
enum Entry {
    static func main() async {
        let arguments = RnxArguments.normalize(Array(CommandLine.arguments.dropFirst()))
        if let unknown = UnknownCommand.message(arguments) {
            Output.writeAll(Array((unknown + "\n").utf8), to: STDERR_FILENO)
            exit(1)
        }
        do {
            var command = try Rnx.parseAsRoot(arguments)
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            let code = Rnx.exitCode(for: error)
            let message = Rnx.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Swift.print(message) }
                exit(0)
            }
            if !message.isEmpty { Output.writeAll(Array((oneLine(message) + "\n").utf8), to: STDERR_FILENO) }
            // Usage errors exit 1 like every other failure; a job's own code passes through.
            exit(code == .validationFailure ? 1 : code.rawValue)
        }
        exit(0)
    }

    /// argument-parser's multi-line usage error as rnx's one line, keeping its help pointer.
    static func oneLine(_ message: String) -> String {
        let lines = message.split(whereSeparator: \.isNewline).map(String.init)
        var first = lines.first ?? message
        if first.hasPrefix("Error: ") { first.removeFirst("Error: ".count) }
        if let initial = first.first, initial.isUppercase, first.dropFirst().first?.isLowercase == true {
            first = initial.lowercased() + first.dropFirst()
        }
        if let see = lines.first(where: { $0.hasPrefix("See '") }) {
            return "rnx: \(first) (\(see.prefix(1).lowercased() + see.dropFirst().replacingOccurrences(of: " for more information.", with: "")))"
        }
        return "rnx: \(first)"
    }
}
