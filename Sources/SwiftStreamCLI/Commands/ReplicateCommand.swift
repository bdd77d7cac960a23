import Logging
import SwiftStream

/// `replicate`: parses its flags and arguments and builds the configuration to replicate
/// (cli-and-config.md §2.3); the daemon itself is `runReplicate(config:execCommand:logger:)`.
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

    static func run(_ parsed: FlagSet.Parsed, context: CommandContext) async throws -> Int32 {
        let config = try configuration(parsed, context: context)
        let execFlag = parsed.string("exec") ?? ""
        let exec = execFlag.isEmpty ? config.exec : execFlag
        return try await runReplicate(
            config: config, execCommand: exec.isEmpty ? nil : exec, logger: context.logger()
        )
    }

    /// The config to replicate: the config file (no positional arguments), or one database and
    /// its replica URLs from the command line (no config file is read then).
    static func configuration(_ parsed: FlagSet.Parsed, context: CommandContext) throws(SwiftStreamError) -> Config {
        let configFlag = parsed.string("config") ?? ""
        let arguments = parsed.positionals
        var config: Config
        if arguments.isEmpty {
            config = try context.loadConfig(flag: configFlag, expandEnvironment: !parsed.bool("no-expand-env"))
        } else {
            if !configFlag.isEmpty {
                throw SwiftStreamError(.invalidArgument, "cannot specify a replica URL and the -config flag")
            }
            if arguments.count == 1 {
                throw SwiftStreamError(.invalidArgument, "must specify at least one replica URL for \(arguments[0])")
            }
            var database = DatabaseConfig(path: Path.normalize(arguments[0]))
            for url in arguments.dropFirst() {
                var replica = ReplicaConfig(url: url)
                replica.syncInterval = GoDuration.second
                database.replicas.append(replica)
            }
            config = Config()
            config.databases = [database]
        }
        _ = try config.validateForReplication()
        return config
    }
}
