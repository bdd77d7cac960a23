#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import Logging
import SwiftStream
import SwiftStreamHTTP
import SwiftStreamS3

/// The only place that knows every storage backend (Litestream `NewReplicaFromConfig`).
extension ResolvedReplica {
    /// Builds the storage client for this replica.
    ///
    /// The file and S3 backends exist in this build; the other types keep their resolved settings
    /// (`backend`) and fail here with a clear error until their clients are wired in. An S3
    /// client loads libcurl and libcrypto first, so a missing library stops the command at once.
    /// `fileModes` are the modes of created files and directories (Litestream copies the
    /// database file's and its directory's); the defaults are used when nil.
    public func makeClient(
        fileModes: (file: mode_t, directory: mode_t)? = nil, environment: [String: String]? = nil,
        logger: Logger = Logger(label: "swiftstream")
    ) throws(SwiftStreamError) -> any ReplicaClient {
        // Litestream encrypts every object with `age.recipients` and decrypts with
        // `age.identities`. Until this build does too, a replica with age keys is refused
        // rather than written in plaintext or read as garbage.
        if !ageRecipients.isEmpty || !ageIdentities.isEmpty {
            throw SwiftStreamError(
                .invalidConfiguration,
                "replica \"\(name)\" (\(backend.location)): age encryption is not supported by this build yet; "
                    + "refusing to read or write it without encryption (use Litestream v0.3.13 for encrypted replicas)"
            )
        }
        switch backend {
        case .file(let path):
            if let fileModes {
                return FileReplicaClient(root: path, fileMode: fileModes.file, directoryMode: fileModes.directory)
            }
            return FileReplicaClient(root: path)
        case .s3(let s3):
            do {
                try RuntimeLibraries.loadNetworkLibraries()
            } catch {
                throw SwiftStreamError(.invalidConfiguration, "\(error)")
            }
            var configuration = S3ReplicaClient.Configuration(
                bucket: s3.bucket, path: s3.path, region: s3.region.isEmpty ? nil : s3.region,
                endpoint: s3.endpoint.isEmpty ? nil : s3.endpoint, forcePathStyle: s3.forcePathStyle,
                skipVerify: s3.skipVerify, accessKeyID: s3.accessKeyID, secretAccessKey: s3.secretAccessKey)
            if let environment {
                configuration.environment = environment
                configuration.http = HTTPClient.Configuration(environment: environment)
                configuration.http.skipVerify = s3.skipVerify
            }
            return S3ReplicaClient(configuration: configuration, logger: logger)
        case .gcs, .abs, .sftp:
            throw SwiftStreamError(
                .invalidConfiguration, "replica type \"\(backend.type)\" is not supported by this build yet"
            )
        }
    }

    /// This replica with its client, as restore and the listing commands use it.
    public func namedReplica(environment: [String: String]? = nil) throws(SwiftStreamError) -> NamedReplica {
        NamedReplica(name: name, client: try makeClient(environment: environment))
    }
}
