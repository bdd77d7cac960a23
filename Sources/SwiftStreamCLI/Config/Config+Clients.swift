import SwiftStream

/// The only place that knows every storage backend (Litestream `NewReplicaFromConfig`).
extension ReplicaSettings {
    /// Builds the storage client for this replica.
    ///
    /// Only the file backend exists in this build; the other types keep their resolved settings
    /// (`backend`) and fail here with a clear error until their clients are wired in.
    public func makeClient() throws(SwiftStreamError) -> any ReplicaClient {
        switch backend {
        case .file(let path):
            return FileReplicaClient(root: path)
        case .s3, .gcs, .abs, .sftp:
            throw SwiftStreamError(
                .invalidConfiguration, "replica type \"\(backend.type)\" is not supported by this build yet"
            )
        }
    }

    /// This replica with its client, as restore and the listing commands use it.
    public func namedReplica() throws(SwiftStreamError) -> NamedReplica {
        NamedReplica(name: name, client: try makeClient())
    }
}
