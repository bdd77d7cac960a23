#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwiftStream
import SwiftStreamSystem

/// One `swiftstream` subcommand: its name, flags, usage text, typed options and body.
protocol CLICommand {
    /// The command's flags and arguments, typed and checked.
    /// The word that selects the command.
    static var name: String { get }
    /// One line for the top-level command list.
    static var summary: String { get }
    static var flags: FlagSet { get }
    /// Text before the flag list in `<command> -h`.
    static var usageHead: String { get }
    /// Text after the flag list (examples); may be empty.
    static var usageTail: String { get }
    associatedtype Options
    /// Reads the parsed flags into `Options` and makes every argument check, so that a bad
    /// argument is reported before the command does anything.
    static func options(_ parsed: FlagSet.Parsed) throws(SwiftStreamError) -> Options
    /// Runs the command; returns the exit code (errors are thrown).
    static func run(_ options: Options, context: CommandContext) async throws -> Int32
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

    /// Checks the arguments, then runs the command.
    static func run(parsed: FlagSet.Parsed, context: CommandContext) async throws -> Int32 {
        try await run(try options(parsed), context: context)
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

/// `-config` and `-no-expand-env`.
struct ConfigOptions {
    /// `-config`; empty means `$LITESTREAM_CONFIG`, else the default path.
    var path: String
    var expandEnvironment: Bool

    init(_ parsed: FlagSet.Parsed) {
        path = parsed.string("config") ?? ""
        expandEnvironment = !parsed.bool("no-expand-env")
    }

    static let urlConflict = "cannot specify a replica URL and the -config flag"
}

/// The DB_PATH or REPLICA_URL argument of `restore` and the listing commands (cli-and-config.md §1.2).
enum ReplicaTarget {
    /// A replica URL: no config file is read.
    case url(String)
    /// A database of the config file, by path as given.
    case databasePath(String)

    /// Classifies `argument`; a replica URL excludes `-config`.
    init(_ argument: String, config: ConfigOptions) throws(SwiftStreamError) {
        guard ReplicaURL.looksLikeURL(argument) else {
            self = .databasePath(argument)
            return
        }
        if !config.path.isEmpty { throw SwiftStreamError(.invalidArgument, ConfigOptions.urlConflict) }
        self = .url(argument)
    }
}

/// The options `generations`, `snapshots` and `wal` share.
struct ListingOptions {
    var config: ConfigOptions
    var target: ReplicaTarget
    /// `-replica`; empty means every replica.
    var replica: String
    var json: Bool

    /// `missing` is the error for an absent argument.
    init(_ parsed: FlagSet.Parsed, missing: String) throws(SwiftStreamError) {
        let argument = try singleArgument(parsed, missing: missing)
        config = ConfigOptions(parsed)
        target = try ReplicaTarget(argument, config: config)
        replica = parsed.string("replica") ?? ""
        json = parsed.bool("json")
    }
}

/// A `-generation` flag.
enum GenerationFilter {
    /// No flag (or an empty one).
    case all
    case only(Generation)
    /// Text that is not a generation id, so it names no generation.
    case unmatchable

    init(_ text: String?) {
        guard let text, !text.isEmpty else {
            self = .all
            return
        }
        self = Generation(text).map { .only($0) } ?? .unmatchable
    }
}

/// The replicas a listing or restore command works on, from a DB_PATH (config mode) or a
/// replica URL.
struct ReplicaSelection {
    /// The database in config mode; nil in URL mode.
    private(set) var database: ResolvedDatabase?
    /// The replica URL in URL mode, resolved by `replicas(named:unknown:)`.
    private var url: String?

    /// In URL mode nothing is read yet; in path mode the config is read (switching logging to it)
    /// and the database looked up by normalised path.
    init(_ target: ReplicaTarget, config options: ConfigOptions, context: CommandContext) throws(SwiftStreamError) {
        switch target {
        case .url(let url):
            self.url = url
        case .databasePath(let argument):
            let config = try context.loadConfig(options)
            let path = Path.normalize(argument)
            guard let entry = config.database(path: path) else {
                throw SwiftStreamError(.notFound, "database not found in config: \(path)")
            }
            database = try config.resolve(entry)
        }
    }

    /// What an unknown `-replica` name does in path mode.
    enum UnknownReplica {
        /// The listing commands: `replica "x" not found for database "…"`.
        case isAnError
        /// `restore`: there is simply nothing to restore from.
        case matchesNothing
    }

    /// The candidate replicas in config order, restricted to the one called `name` unless it is
    /// empty. URL mode resolves the URL and ignores `-replica`, as Litestream does.
    func replicas(named name: String, unknown: UnknownReplica) throws(SwiftStreamError) -> [ResolvedReplica] {
        guard let database else { return [try ReplicaConfig(url: url ?? "").resolve()] }
        if name.isEmpty { return database.replicas }
        switch unknown {
        case .matchesNothing:
            return database.replicas.filter { $0.name == name }
        case .isAnError:
            guard let replica = database.replica(named: name) else {
                throw SwiftStreamError(.notFound, "replica \"\(name)\" not found for database \"\(database.path)\"")
            }
            return [replica]
        }
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
