import ArgumentParser
import Foundation
import JobletClient

/// `rnx monitor`: the server host's status, once or live.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Show the server host's CPU, memory, disks, network, I/O and processes.",
        discussion: """
        Examples:
          rnx monitor status              # one summary with bars
          rnx monitor top --interval 2    # live: redrawn in place, busiest processes first
          rnx monitor watch --json        # one JSON object per sample, for scripts
        """,
        subcommands: [MonitorStatusCommand.self, MonitorTopCommand.self, MonitorWatchCommand.self])
}

struct MonitorStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "One summary of the server host (GetSystemStatus).",
        discussion: "Examples:\n  rnx monitor status\n  rnx monitor status --json")

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingFailures {
            let status = try await connection.withClient { try await $0.systemStatus() }
            Output.print(json ? MonitorJSON.status(status) : MonitorReport.status(status))
            return 0
        }
    }
}

/// What `top` and `watch` share: a stream of samples, redrawn in place on a terminal.
struct LiveOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Seconds between samples (1 or more).", valueName: "seconds")) var interval = 2
    @Option(help: ArgumentHelp("Stop after this many samples (0: until interrupted).", valueName: "n")) var count = 0
    @Flag(help: "Print one JSON object per sample, one per line.") var json = false

    func validate() throws {
        guard interval >= 1 else { throw ValidationError("--interval must be at least 1 second") }
        guard count >= 0 else { throw ValidationError("--count must be 0 or more") }
    }

    /// Streams samples and prints each with `render`; on a terminal (and not --json) each frame
    /// replaces the previous one.
    func run(connection: ConnectionOptions, types: [String] = [],
             view: MonitorReport.LiveView) async throws {
        let redraw = !json && isatty(STDOUT_FILENO) == 1
        try await connection.withClient { client in
            var seen = 0
            for try await sample in try await client.systemMetrics(intervalSeconds: interval, types: types) {
                let text = json ? MonitorJSON.metrics(sample) : MonitorReport.render(sample, view)
                Output.print(redraw ? "\u{1B}[H\u{1B}[2J" + text : text + (json ? "" : "\n"))
                seen += 1
                if count > 0 && seen >= count { break }
            }
        }
    }
}

struct MonitorTopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top", abstract: "Live CPU, memory and the busiest processes, redrawn every --interval seconds.",
        discussion: "Examples:\n  rnx monitor top\n  rnx monitor top --interval 5 --count 3")

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup var live: LiveOptions

    func run() async throws {
        try await reportingFailures {
            try await live.run(connection: connection, types: ["cpu", "memory", "process"], view: .top)
            return 0
        }
    }
}

struct MonitorWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Live host summary (every metric type), redrawn every --interval seconds.",
        discussion: "Examples:\n  rnx monitor watch\n  rnx monitor watch --interval 10 --json > metrics.ndjson\n  rnx monitor watch --type cpu --type network")

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup var live: LiveOptions
    @Option(name: .customLong("type"), help: ArgumentHelp("Only these metric types: cpu, memory, disk, network, io, process, cloud (repeatable).", valueName: "type"))
    var types: [String] = []

    func run() async throws {
        try await reportingFailures {
            try await live.run(connection: connection, types: types, view: .summary)
            return 0
        }
    }
}
