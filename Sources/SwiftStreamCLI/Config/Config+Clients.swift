import SwiftStream

/// The only place that knows every storage backend (Litestream `NewReplicaFromConfig`).
extension ReplicaSettings {
    /// Builds the storage client for this replica.
    ///
    /// Only the file backend exists in this build; the other types keep their resolved settings
    /// (`backend`) and fail here with a clear error until their clients are wired in.
    /// `fileModes` are the modes of created files and directories (Litestream copies the
    /// database file's and its directory's); the defaults are used when nil.
    public func makeClient(fileModes: (file: mode_t, directory: mode_t)? = nil) throws(SwiftStreamError)
        -> any ReplicaClient
    {
        switch backend {
        case .file(let path):
            if let fileModes {
                return FileReplicaClient(root: path, fileMode: fileModes.file, directoryMode: fileModes.directory)
            }
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
