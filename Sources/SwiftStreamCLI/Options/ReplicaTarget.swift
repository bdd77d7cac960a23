import SwiftStream

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

/// The single DB_PATH / REPLICA_URL argument: `missing` when absent or empty,
/// `too many arguments` when followed by more.
func singleArgument(_ parsed: FlagSet.Parsed, missing: String) throws(SwiftStreamError) -> String {
    guard let first = parsed.positionals.first, !first.isEmpty else {
        throw SwiftStreamError(.invalidArgument, missing)
    }
    if parsed.positionals.count > 1 { throw SwiftStreamError(.invalidArgument, "too many arguments") }
    return first
}
