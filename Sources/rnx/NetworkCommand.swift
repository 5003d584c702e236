import ArgumentParser
import JobletClient

struct NetworkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Create, list and remove job networks.",
        discussion: """
        Built in: bridge (the default, NAT'd), isolated (outbound only, no job reaches another), \
        none (loopback only), host (the server's own network).

        Examples:
          rnx network create backend --cidr 10.10.0.0/24
          rnx run --network backend --name db python3 -m http.server 8000
          rnx network list
          rnx network remove backend
        """,
        subcommands: [Create.self, List.self, Remove.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a network (a NAT'd bridge).")
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("Letters, digits, - and _, at most 12.", valueName: "name")) var name: String
        @Option(help: ArgumentHelp("A private IPv4 range, /16 to /29.", valueName: "cidr")) var cidr: String

        func run() async throws {
            try await reportingFailures {
                let r = try await connection.withClient { try await $0.createNetwork(name: name, cidr: cidr) }
                Output.print("network \(r.name) created: \(r.cidr) on bridge \(r.bridge)\n")
                return 0
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List networks and how many jobs use each.")
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @Flag(help: "Print a JSON array.") var json = false

        func run() async throws {
            try await reportingFailures {
                let list = try await connection.withClient { try await $0.listNetworks() }
                Output.print(json ? NetworkVolumeTable.networksJSON(list) : NetworkVolumeTable.networks(list))
                return 0
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a network no job uses.")
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The network's name.", valueName: "name")) var name: String

        func run() async throws {
            try await reportingFailures {
                let r = try await connection.withClient { try await $0.removeNetwork(name: name) }
                Output.print(r.message + "\n")
                return 0
            }
        }
    }
}
