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

/// The `logging` section of the config file.
public struct LoggingConfig: Sendable, Equatable {
    /// `debug`, `info`, `warn`/`warning` or `error` (any case); anything else means info.
    public var level: String = ""
    /// `text` (or empty) or `json`.
    public var type: String = ""
    /// Log to stderr instead of stdout.
    public var stderr: Bool = false

    public init(level: String = "", type: String = "", stderr: Bool = false) {
        self.level = level
        self.type = type
        self.stderr = stderr
    }
}

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

/// One `dbs[].replicas[]` entry. Keys of every backend live side by side, as in Litestream;
/// those that do not belong to the resolved type are ignored.
public struct ReplicaConfig: Sendable, Equatable {
    public var type: String = ""
    public var name: String = ""
    public var url: String = ""
    public var path: String = ""
    /// Durations in nanoseconds.
    public var retention: Int64?
    public var retentionCheckInterval: Int64?
    public var syncInterval: Int64?
    public var snapshotInterval: Int64?
    public var validationInterval: Int64?
    /// `age.identities` / `age.recipients`.
    public var ageIdentities: [String] = []
    public var ageRecipients: [String] = []
    // S3
    public var accessKeyID: String = ""
    public var secretAccessKey: String = ""
    public var region: String = ""
    public var bucket: String = ""
    public var endpoint: String = ""
    public var forcePathStyle: Bool?
    public var skipVerify: Bool = false
    // ABS
    public var accountName: String = ""
    public var accountKey: String = ""
    // SFTP
    public var host: String = ""
    public var user: String = ""
    public var password: String = ""
    public var keyPath: String = ""

    public init(url: String = "", type: String = "", name: String = "", path: String = "") {
        self.url = url
        self.type = type
        self.name = name
        self.path = path
    }
}
