import SwiftStream
import SwiftStreamSystem

extension Config {
    /// Builds the validated settings of `database`, as Litestream's `NewDBFromConfig` does:
    /// fills the config's values over the engine's defaults (including the top-level
    /// `final-sync-timeout`), copies the top-level credentials into replicas that lack them, and
    /// raises the replica errors of cli-and-config.md §4.4.
    public func resolve(_ database: DatabaseConfig) throws(SwiftStreamError) -> ResolvedDatabase {
        let path = Path.normalize(database.path)
        var replicas: [ResolvedReplica] = []
        for var replica in database.replicas {
            if replica.accessKeyID.isEmpty { replica.accessKeyID = accessKeyID }
            if replica.secretAccessKey.isEmpty { replica.secretAccessKey = secretAccessKey }
            replicas.append(try replica.resolve())
        }
        var engine = DatabaseSettings()
        engine.metaPath = database.metaPath ?? Self.defaultMetaPath(forDatabase: path)
        if let value = database.monitorInterval { engine.monitorInterval = .nanoseconds(value) }
        if let value = database.checkpointInterval { engine.checkpointInterval = .nanoseconds(value) }
        if let value = database.minCheckpointPageCount { engine.minCheckpointPageCount = value }
        if let value = database.maxCheckpointPageCount { engine.maxCheckpointPageCount = value }
        if let value = finalSyncTimeout { engine.finalSyncTimeout = .nanoseconds(value) }
        return ResolvedDatabase(path: path, engine: engine, replicas: replicas)
    }

    /// Resolves every database in config order; the first invalid one throws.
    public func resolveDatabases() throws(SwiftStreamError) -> [ResolvedDatabase] {
        var result: [ResolvedDatabase] = []
        for database in databases { result.append(try resolve(database)) }
        return result
    }

    /// The checks `replicate` adds on top of `resolveDatabases()`: a port in `addr`, unique
    /// replica names per database, and (stricter than v0.3.13, which crashes instead) positive
    /// `sync-interval`, `retention-check-interval` (when retention is on) and
    /// `min-checkpoint-page-count`.
    public func validateForReplication() throws(SwiftStreamError) -> [ResolvedDatabase] {
        if !addr.isEmpty && ReplicaURL.splitHostPort(addr).port.isEmpty {
            throw SwiftStreamError(.invalidConfiguration, "must specify port for bind address: \"\(addr)\"")
        }
        let settings = try resolveDatabases()
        for database in settings {
            try Self.validateForReplication(database)
        }
        try Self.checkOneLineagePerReplicaLocation(settings)
        return settings
    }

    /// Two databases replicating into one location would each treat the other's generations as
    /// foreign: retention deletes any generation without a retained snapshot, so they delete each
    /// other's current generation. (One database with two replicas at one location is the
    /// duplicate it already is: the second replica uploads the same objects.)
    static func checkOneLineagePerReplicaLocation(_ databases: [ResolvedDatabase]) throws(SwiftStreamError) {
        var owners: [String: String] = [:]
        for database in databases {
            for replica in database.replicas {
                let key = replica.backend.identity
                if let owner = owners[key], owner != database.path {
                    throw SwiftStreamError(
                        .invalidConfiguration,
                        "databases \(owner) and \(database.path) replicate to the same location "
                            + "\(replica.backend.location); give each database its own replica path")
                }
                owners[key] = database.path
            }
        }
    }

    /// The per-database part of `validateForReplication()`.
    public static func validateForReplication(_ database: ResolvedDatabase) throws(SwiftStreamError) {
        if database.engine.minCheckpointPageCount <= 0 {
            throw SwiftStreamError(.invalidConfiguration, "minimum checkpoint page count required")
        }
        var seen: Set<String> = []
        for replica in database.replicas {
            if !seen.insert(replica.name).inserted {
                throw SwiftStreamError(.invalidConfiguration, "duplicate replica name: \"\(replica.name)\"")
            }
            if replica.engine.syncInterval <= .zero {
                throw SwiftStreamError(
                    .invalidConfiguration,
                    "invalid sync-interval for replica \"\(replica.name)\" of \(database.path): "
                        + "must be greater than 0, got "
                        + GoDuration.format(replica.engine.syncInterval.nanoseconds)
                )
            }
            if replica.engine.retention > .zero && replica.engine.retentionCheckInterval <= .zero {
                throw SwiftStreamError(
                    .invalidConfiguration,
                    "invalid retention-check-interval for replica \"\(replica.name)\" of \(database.path): "
                        + "must be greater than 0 when retention is enabled, got "
                        + GoDuration.format(replica.engine.retentionCheckInterval.nanoseconds)
                )
            }
        }
    }

    /// Litestream's default meta directory: `<dir>/.<file>-litestream`.
    public static func defaultMetaPath(forDatabase path: String) -> String {
        Path.dirname(path) + "/." + Path.basename(path) + "-litestream"
    }
}

extension ReplicaConfig {
    /// Litestream's `ReplicaType()`: the URL scheme, else `type`, else `file`.
    public var resolvedType: String {
        if !url.isEmpty, let parsed = try? ReplicaURL(parsing: url), !parsed.scheme.isEmpty { return parsed.scheme }
        return type.isEmpty ? "file" : type
    }

    /// Validates this replica and resolves its backend (Litestream `NewReplicaFromConfig`).
    public func resolve() throws(SwiftStreamError) -> ResolvedReplica {
        if ReplicaURL.looksLikeURL(path) {
            throw SwiftStreamError(
                .invalidConfiguration, "replica path cannot be a url, please use the 'url' field instead: \(path)"
            )
        }
        let backend: ReplicaBackend
        switch resolvedType {
        case "file": backend = try resolveFile()
        case "s3": backend = .s3(try resolveS3())
        case "gcs": backend = .gcs(try resolveGCS())
        case "abs": backend = .abs(try resolveABS())
        case "sftp": backend = .sftp(try resolveSFTP())
        default: throw SwiftStreamError(.invalidConfiguration, "unknown replica type in config: \"\(type)\"")
        }
        var engine = ReplicaSettings()
        if let value = syncInterval { engine.syncInterval = .nanoseconds(value) }
        if let value = retention { engine.retention = .nanoseconds(value) }
        if let value = retentionCheckInterval { engine.retentionCheckInterval = .nanoseconds(value) }
        if let value = snapshotInterval { engine.snapshotInterval = .nanoseconds(value) }
        if let value = validationInterval { engine.validationInterval = .nanoseconds(value) }
        return ResolvedReplica(
            name: name.isEmpty ? backend.type : name,
            backend: backend,
            engine: engine,
            ageIdentities: ageIdentities,
            ageRecipients: ageRecipients
        )
    }

    /// Litestream's `ParseReplicaURL`: the parsed URL, or `replica url scheme required`.
    private func parsedURL() throws(SwiftStreamError) -> ReplicaURL {
        let parsed = try ReplicaURL(parsing: url)
        if parsed.scheme.isEmpty {
            throw SwiftStreamError(.invalidConfiguration, "replica url scheme required: \(ReplicaURL.redacted(url))")
        }
        return parsed
    }

    private func resolveFile() throws(SwiftStreamError) -> ReplicaBackend {
        if !url.isEmpty && !path.isEmpty {
            throw SwiftStreamError(.invalidConfiguration, "cannot specify url & path for file replica")
        }
        var filePath = path
        if !url.isEmpty { filePath = try parsedURL().replicaPath }
        if filePath.isEmpty { throw SwiftStreamError(.invalidConfiguration, "file replica path required") }
        return .file(path: Path.normalize(filePath))
    }

    /// The url & path / url & bucket checks shared by s3, gcs and abs.
    private func checkBucketURL(_ type: String) throws(SwiftStreamError) {
        if !url.isEmpty && !path.isEmpty {
            throw SwiftStreamError(.invalidConfiguration, "cannot specify url & path for \(type) replica")
        }
        if !url.isEmpty && !bucket.isEmpty {
            throw SwiftStreamError(.invalidConfiguration, "cannot specify url & bucket for \(type) replica")
        }
    }

    private func resolveS3() throws(SwiftStreamError) -> S3Settings {
        try checkBucketURL("s3")
        var s = S3Settings()
        s.bucket = bucket
        s.path = path
        s.region = region
        s.endpoint = endpoint
        s.skipVerify = skipVerify
        s.accessKeyID = accessKeyID
        s.secretAccessKey = secretAccessKey
        // Path style when an endpoint is set (only AWS itself needs virtual hosts), unless the
        // key says otherwise.
        s.forcePathStyle = forcePathStyle ?? !endpoint.isEmpty
        if !url.isEmpty {
            let parsed = try parsedURL()
            let host = S3Host(parsing: parsed.host)
            if s.path.isEmpty { s.path = parsed.replicaPath }
            if s.bucket.isEmpty { s.bucket = host.bucket }
            if s.region.isEmpty { s.region = host.region }
            if s.endpoint.isEmpty { s.endpoint = host.endpoint }
            // v0.3.13: an explicit `force-path-style: false` cannot switch off a host-derived true.
            if !s.forcePathStyle { s.forcePathStyle = host.forcePathStyle }
        }
        if s.bucket.isEmpty { throw SwiftStreamError(.invalidConfiguration, "bucket required for s3 replica") }
        return s
    }

    private func resolveGCS() throws(SwiftStreamError) -> GCSSettings {
        try checkBucketURL("gcs")
        var g = GCSSettings()
        g.bucket = bucket
        g.path = path
        if !url.isEmpty {
            let parsed = try parsedURL()
            if g.path.isEmpty { g.path = parsed.replicaPath }
            if g.bucket.isEmpty { g.bucket = parsed.host }
        }
        if g.bucket.isEmpty { throw SwiftStreamError(.invalidConfiguration, "bucket required for gcs replica") }
        return g
    }

    private func resolveABS() throws(SwiftStreamError) -> ABSSettings {
        try checkBucketURL("abs")
        var a = ABSSettings()
        a.accountName = accountName
        a.accountKey = accountKey
        a.bucket = bucket
        a.path = path
        a.endpoint = endpoint
        if !url.isEmpty {
            let parsed = try parsedURL()
            if a.accountName.isEmpty, let user = parsed.user { a.accountName = user }
            if a.path.isEmpty { a.path = parsed.replicaPath }
            if a.bucket.isEmpty { a.bucket = parsed.host }
        }
        if a.bucket.isEmpty { throw SwiftStreamError(.invalidConfiguration, "bucket required for abs replica") }
        return a
    }

    private func resolveSFTP() throws(SwiftStreamError) -> SFTPSettings {
        if !url.isEmpty && !path.isEmpty {
            throw SwiftStreamError(.invalidConfiguration, "cannot specify url & path for sftp replica")
        }
        if !url.isEmpty && !host.isEmpty {
            throw SwiftStreamError(.invalidConfiguration, "cannot specify url & host for sftp replica")
        }
        var s = SFTPSettings()
        s.host = host
        s.user = user
        s.password = password
        s.keyPath = keyPath
        s.path = path
        if !url.isEmpty {
            let parsed = try ReplicaURL(parsing: url)
            if s.user.isEmpty, let user = parsed.user { s.user = user }
            if s.password.isEmpty, let password = parsed.password { s.password = password }
            if s.host.isEmpty { s.host = parsed.host }
            if s.path.isEmpty { s.path = parsed.path }
        }
        if s.host.isEmpty { throw SwiftStreamError(.invalidConfiguration, "host required for sftp replica") }
        if s.user.isEmpty { throw SwiftStreamError(.invalidConfiguration, "user required for sftp replica") }
        return s
    }
}
