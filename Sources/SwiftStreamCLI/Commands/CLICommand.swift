import Logging
import SwiftStream

/// One `swiftstream` subcommand: its name, flags, usage text and body.
protocol CLICommand {
    /// The word that selects the command.
    static var name: String { get }
    /// One line for the top-level command list.
    static var summary: String { get }
    static var flags: FlagSet { get }
    /// Text before the flag list in `<command> -h`.
    static var usageHead: String { get }
    /// Text after the flag list (examples); may be empty.
    static var usageTail: String { get }
    /// Runs the command with parsed flags; returns the exit code (errors are thrown).
    static func run(_ parsed: FlagSet.Parsed, context: CommandContext) async throws -> Int32
}

extension CLICommand {
    static var usageTail: String { "" }

    /// The full usage text printed by `-h`.
    static var usage: String {
        var text = usageHead
        if !flags.flags.isEmpty { text += "\nArguments:\n\n" + flags.usage }
        if !usageTail.isEmpty { text += usageTail }
        return text
    }
}

/// The flags most commands share.
enum CommonFlags {
    static let config = FlagSet.Flag(
        name: "config", kind: .string, placeholder: "PATH",
        help: "Specifies the configuration file.\nDefaults to $LITESTREAM_CONFIG or /etc/litestream.yml."
    )
    static let noExpandEnv = FlagSet.Flag(
        name: "no-expand-env", kind: .bool, placeholder: "",
        help: "Disables environment variable expansion in the configuration file."
    )
    static let replica = FlagSet.Flag(
        name: "replica", kind: .string, placeholder: "NAME", help: "Optional, filters by a specific replica."
    )
    static let json = FlagSet.Flag(
        name: "json", kind: .bool, placeholder: "",
        help: "Prints one JSON array instead of a table (see docs/json-output.md)."
    )
}

/// The replicas a listing or restore command works on, from a DB_PATH (config mode) or a
/// replica URL (cli-and-config.md §1.2).
struct ReplicaSelection {
    /// The database in config mode; nil in URL mode.
    var database: ResolvedDatabase?
    /// Candidate replicas in config order.
    var replicas: [ResolvedReplica]

    /// Resolves `argument`. In URL mode no config is read (`-config` is an error); in path mode
    /// the config is read (switching logging to it) and the database looked up by normalised path.
    static func resolve(
        argument: String, parsed: FlagSet.Parsed, context: CommandContext
    ) throws(SwiftStreamError) -> ReplicaSelection {
        let configFlag = parsed.string("config") ?? ""
        if ReplicaURL.looksLikeURL(argument) {
            if !configFlag.isEmpty {
                throw SwiftStreamError(.invalidArgument, "cannot specify a replica URL and the -config flag")
            }
            return ReplicaSelection(database: nil, replicas: [try ReplicaConfig(url: argument).resolve()])
        }
        let config = try context.loadConfig(flag: configFlag, expandEnvironment: !parsed.bool("no-expand-env"))
        let path = Path.normalize(argument)
        guard let entry = config.database(path: path) else {
            throw SwiftStreamError(.notFound, "database not found in config: \(path)")
        }
        let database = try config.resolve(entry)
        return ReplicaSelection(database: database, replicas: database.replicas)
    }

    /// Keeps only the replica named `name` (`-replica`); an unknown name is an error in path mode.
    /// URL mode ignores `-replica`, as Litestream does.
    mutating func restrict(toReplicaNamed name: String?) throws(SwiftStreamError) {
        guard let name, !name.isEmpty, let database else { return }
        guard let replica = database.replica(named: name) else {
            throw SwiftStreamError(.notFound, "replica \"\(name)\" not found for database \"\(database.path)\"")
        }
        replicas = [replica]
    }
}

/// The single DB_PATH / REPLICA_URL argument: `missing` when absent or empty,
/// `too many arguments` when followed by more.
func singleArgument(_ parsed: FlagSet.Parsed, missing: String) throws(SwiftStreamError) -> String {
    guard let first = parsed.positionals.first, !first.isEmpty else {
        throw SwiftStreamError(.invalidArgument, missing)
    }
    if parsed.positionals.count > 1 { throw SwiftStreamError(.invalidArgument, "too many arguments") }
    return first
}
