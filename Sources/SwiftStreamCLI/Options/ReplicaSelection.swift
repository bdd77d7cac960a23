import SwiftStream
import SwiftStreamSystem

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
