/// One `dbs[]` entry.
public struct DatabaseConfig: Sendable, Equatable {
    /// Database path, normalised when read from a file (§3.4).
    public var path: String = ""
    /// `meta-path`, used verbatim.
    public var metaPath: String?
    /// `monitor-interval` in nanoseconds.
    public var monitorInterval: Int64?
    /// `checkpoint-interval` in nanoseconds.
    public var checkpointInterval: Int64?
    /// `min-checkpoint-page-count`.
    public var minCheckpointPageCount: Int?
    /// `max-checkpoint-page-count`.
    public var maxCheckpointPageCount: Int?
    /// `replicas`.
    public var replicas: [ReplicaConfig] = []

    public init(path: String = "", replicas: [ReplicaConfig] = []) {
        self.path = path
        self.replicas = replicas
    }
}
