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

/// One configured replica after validation (cli-and-config.md §4.3): the core engine's settings,
/// its backend's resolved location and what only the CLI uses. `description` never contains secrets.
public struct ResolvedReplica: Sendable, Equatable, CustomStringConvertible {
    /// `name`, defaulting to the type.
    public var name: String
    public var backend: ReplicaBackend
    /// `sync-interval`, `retention`, `retention-check-interval` and `snapshot-interval`.
    public var engine: ReplicaSettings
    /// `validation-interval` (0 = off).
    public var validationInterval: Duration
    /// `age.identities` / `age.recipients`, unparsed.
    public var ageIdentities: [String]
    public var ageRecipients: [String]

    /// The backend type: `file`, `s3`, `gcs`, `abs` or `sftp`.
    public var type: String { backend.type }

    public var description: String { "\(name) (\(backend.location))" }
}

/// Where a replica lives, per backend.
public enum ReplicaBackend: Sendable, Equatable {
    case file(path: String)
    case s3(S3Settings)
    case gcs(GCSSettings)
    case abs(ABSSettings)
    case sftp(SFTPSettings)

    public var type: String {
        switch self {
        case .file: "file"
        case .s3: "s3"
        case .gcs: "gcs"
        case .abs: "abs"
        case .sftp: "sftp"
        }
    }

    /// A URL-like location for messages, without credentials.
    public var location: String {
        func join(_ base: String, _ path: String) -> String { path.isEmpty ? base : base + "/" + path }
        switch self {
        case .file(let path): return "file://" + path
        case .s3(let s): return join("s3://" + s.bucket, s.path)
        case .gcs(let g): return join("gcs://" + g.bucket, g.path)
        case .abs(let a): return join("abs://" + a.bucket, a.path)
        case .sftp(let s): return "sftp://" + (s.user.isEmpty ? "" : s.user + "@") + s.host + s.path
        }
    }
}

/// S3 settings after URL and key resolution (cli-and-config.md §5.1, §6.1).
public struct S3Settings: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String = ""
    public var secretAccessKey: String = ""
    public var region: String = ""
    public var bucket: String = ""
    /// Key prefix, used verbatim when it came from `path:` (a leading `/` stays).
    public var path: String = ""
    public var endpoint: String = ""
    public var forcePathStyle: Bool = false
    public var skipVerify: Bool = false

    public init() {}

    public var description: String {
        "S3Settings(bucket: \(bucket), path: \(path), region: \(region), endpoint: \(endpoint), "
            + "forcePathStyle: \(forcePathStyle), skipVerify: \(skipVerify), accessKeyID: \(accessKeyID), "
            + "secretAccessKey: \(secretAccessKey.isEmpty ? "" : "<redacted>"))"
    }
}

/// GCS settings.
public struct GCSSettings: Sendable, Equatable {
    public var bucket: String = ""
    public var path: String = ""
    public init() {}
}

/// Azure Blob Storage settings; `bucket` is the container.
public struct ABSSettings: Sendable, Equatable, CustomStringConvertible {
    public var accountName: String = ""
    public var accountKey: String = ""
    public var bucket: String = ""
    public var path: String = ""
    public var endpoint: String = ""
    public init() {}

    public var description: String {
        "ABSSettings(accountName: \(accountName), bucket: \(bucket), path: \(path), endpoint: \(endpoint), "
            + "accountKey: \(accountKey.isEmpty ? "" : "<redacted>"))"
    }
}

/// SFTP settings; `host` may lack a port (the client appends `:22`).
public struct SFTPSettings: Sendable, Equatable, CustomStringConvertible {
    public var host: String = ""
    public var user: String = ""
    public var password: String = ""
    public var keyPath: String = ""
    public var path: String = ""
    public init() {}

    public var description: String {
        "SFTPSettings(host: \(host), user: \(user), path: \(path), keyPath: \(keyPath), "
            + "password: \(password.isEmpty ? "" : "<redacted>"))"
    }
}
