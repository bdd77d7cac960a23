import SwiftStream

/// One configured replica after validation (cli-and-config.md §4.3): the core engine's settings,
/// its backend's resolved location and what only the CLI uses. `description` never contains secrets.
public struct ResolvedReplica: Sendable, Equatable, CustomStringConvertible {
    /// `name`, defaulting to the type.
    public var name: String
    public var backend: ReplicaBackend
    /// `sync-interval`, `retention`, `retention-check-interval`, `snapshot-interval` and
    /// `validation-interval`.
    public var engine: ReplicaSettings
    /// `age.identities` / `age.recipients`, unparsed.
    public var ageIdentities: [String]
    public var ageRecipients: [String]

    /// The backend type: `file`, `s3`, `gcs`, `abs` or `sftp`.
    public var type: String { backend.type }

    public var description: String { "\(name) (\(backend.location))" }
}
