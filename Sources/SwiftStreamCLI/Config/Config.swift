/// The contents of a `litestream.yml`, key for key, before defaults and validation
/// (cli-and-config.md §4). Optional fields are `nil` when the key is absent (or null).
///
/// `resolve…` methods in `Config+Settings.swift` turn this into validated settings.
public struct Config: Sendable, Equatable {
    /// Metrics bind address (`addr`), "" = no server.
    public var addr: String = ""
    /// Databases (`dbs`).
    public var databases: [DatabaseConfig] = []
    /// Child command for `replicate` (`exec`).
    public var exec: String = ""
    /// swiftstream only (Litestream ignores the key): bound of the final sync at shutdown,
    /// in nanoseconds (`final-sync-timeout`, default 8s; 0 = no bound); nil = default.
    public var finalSyncTimeout: Int64?
    /// Top-level `access-key-id`, copied into every replica whose own value is empty.
    public var accessKeyID: String = ""
    /// Top-level `secret-access-key`, copied likewise.
    public var secretAccessKey: String = ""
    /// The `logging` section.
    public var logging = LoggingConfig()
    /// Absolute path of the file this config was read from, if any.
    public var sourcePath: String?

    public init() {}

    /// The `dbs` entry whose (normalised) path equals `path`.
    public func database(path: String) -> DatabaseConfig? {
        databases.first { $0.path == path }
    }
}
