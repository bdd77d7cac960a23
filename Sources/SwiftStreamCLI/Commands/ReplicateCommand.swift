import SwiftStream
import SwiftStreamSystem

/// `replicate`: parses its flags and arguments and builds the configuration to replicate
/// (cli-and-config.md §2.3); the daemon itself is `runReplicate(config:execCommand:logger:reapsOrphans:)`.
struct ReplicateCommand: CLICommand {
    static let name = "replicate"
    static let summary = "runs a server to replicate databases"
    static let flags = FlagSet([
        CommonFlags.config, CommonFlags.noExpandEnv,
        FlagSet.Flag(
            name: "exec", kind: .string, placeholder: "CMD",
            help: "Executes a subcommand. swiftstream exits when the child process exits.\n"
                + "Useful for simple process management. Overrides the config's exec key."
        ),
    ])
    static let usageHead = """
        The replicate command starts a server to monitor & replicate databases.
        You can specify your database & replicas in a configuration file or you can
        replicate a single database file by specifying its path and its replicas in the
        command line arguments.

        Usage:

        \tswiftstream replicate [arguments]

        \tswiftstream replicate [arguments] DB_PATH REPLICA_URL [REPLICA_URL...]

        """

    struct Options {
        var config: ConfigOptions
        /// `-exec`; empty means the config's `exec` key.
        var exec: String
        /// DB_PATH and its REPLICA_URLs; nil means the config file's databases.
        var command: (databasePath: String, replicaURLs: [String])?
    }

    static func options(_ parsed: FlagSet.Parsed) throws(SwiftStreamError) -> Options {
        var options = Options(config: ConfigOptions(parsed), exec: parsed.string("exec") ?? "")
        let arguments = parsed.positionals
        if let databasePath = arguments.first {
            if !options.config.path.isEmpty { throw SwiftStreamError(.invalidArgument, ConfigOptions.urlConflict) }
            if arguments.count == 1 {
                throw SwiftStreamError(.invalidArgument, "must specify at least one replica URL for \(databasePath)")
            }
            options.command = (databasePath, Array(arguments.dropFirst()))
        }
        return options
    }

    static func run(_ options: Options, context: CommandContext) async throws -> Int32 {
        let config = try configuration(options, context: context)
        let exec = options.exec.isEmpty ? config.exec : options.exec
        return try await runReplicate(
            config: config, execCommand: exec.isEmpty ? nil : exec, logger: context.logger(),
            reapsOrphans: context.ownsProcess)
    }

    /// The config to replicate: the config file, or one database and its replica URLs from the
    /// command line (no config file is read then).
    static func configuration(_ options: Options, context: CommandContext) throws(SwiftStreamError) -> Config {
        var config: Config
        if let command = options.command {
            var database = DatabaseConfig(path: Path.normalize(command.databasePath))
            for url in command.replicaURLs {
                var replica = ReplicaConfig(url: url)
                replica.syncInterval = GoDuration.second
                database.replicas.append(replica)
            }
            config = Config()
            config.databases = [database]
        } else {
            config = try context.loadConfig(options.config)
        }
        _ = try config.validateForReplication()
        return config
    }
}
