import SwiftStream

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
