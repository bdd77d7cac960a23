import SwiftStream

/// One configured database after validation (cli-and-config.md §4.2): the core engine's settings,
/// filled from the config over the core's defaults (which are Litestream's), and its replicas.
public struct ResolvedDatabase: Sendable, Equatable {
    /// Normalised absolute database path.
    public var path: String
    /// What the engine runs with; `metaPath` is always set (`meta-path` verbatim, else
    /// `<dir>/.<file>-litestream`).
    public var engine: DatabaseSettings
    public var replicas: [ResolvedReplica]

    /// The replica called `name`, if any.
    public func replica(named name: String) -> ResolvedReplica? {
        replicas.first { $0.name == name }
    }
}
