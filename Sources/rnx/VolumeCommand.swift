import ArgumentParser
import JobletClient

struct VolumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "volume",
        abstract: "Create, list and remove volumes jobs mount.",
        discussion: """
        A filesystem volume is an ext4 image of its size (writes past it fail with ENOSPC); a \
        memory volume is a tmpfs of its size, empty again after a reboot.

        Examples:
          rnx volume create cache --size 1GB
          rnx volume create scratch --size 256MB --type memory
          rnx run --volume cache python3 train.py            # at /volumes/cache
          rnx run --volume cache:/data:ro ls /data
          rnx volume list
          rnx volume remove cache
        """,
        subcommands: [Create.self, List.self, Remove.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a volume.")
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("Letters, digits, ., _ and -.", valueName: "name")) var name: String
        @Option(help: ArgumentHelp("Like 500MB or 1.5GB (B, KB, MB, GB, TB; 1024-based).", valueName: "size")) var size: String
        @Option(help: ArgumentHelp("filesystem (default) or memory.", valueName: "type")) var type: String = "filesystem"

        func run() async throws {
            try await reportingFailures {
                let r = try await connection.withClient { try await $0.createVolume(name: name, size: size, type: type) }
                Output.print("volume \(r.name) created: \(r.type), \(r.size)\n")
                return 0
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List volumes, their use and how many jobs use each.")
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @Flag(help: "Print a JSON array.") var json = false

        func run() async throws {
            try await reportingFailures {
                let list = try await connection.withClient { try await $0.listVolumes() }
                Output.print(json ? NetworkVolumeTable.volumesJSON(list) : NetworkVolumeTable.volumes(list))
                return 0
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a volume and its data (no unfinished job may use it).")
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The volume's name.", valueName: "name")) var name: String

        func run() async throws {
            try await reportingFailures {
                let r = try await connection.withClient { try await $0.removeVolume(name: name) }
                Output.print(r.message + "\n")
                return 0
            }
        }
    }
}
