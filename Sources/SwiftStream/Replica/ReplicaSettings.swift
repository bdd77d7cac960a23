/// Tunables of one replica, with Litestream v0.3.13's defaults (replica.go).
public struct ReplicaSettings: Sendable, Equatable {
    /// Minimum time between two upload rounds (`sync-interval`). Must be positive.
    public var syncInterval: Duration = .seconds(1)
    /// How long snapshots (and the WAL needed to replay them) are kept (`retention`); zero or
    /// less disables retention.
    public var retention: Duration = .seconds(24 * 3600)
    /// How often retention is enforced (`retention-check-interval`), never more rarely than `retention`.
    public var retentionCheckInterval: Duration = .seconds(3600)
    /// Time between snapshots (`snapshot-interval`); zero disables periodic snapshots.
    public var snapshotInterval: Duration = .zero
    /// How often a restore drill checks this replica against the database
    /// (`validation-interval`); zero disables it.
    public var validationInterval: Duration = .zero
    /// Keeps the database a failed drill restored (in the meta directory, named after the
    /// generation and position) instead of removing it.
    public var keepsMismatchedValidation = false

    public init() {}

    /// Rejects values that make Litestream's tickers panic (README checklist item 76).
    public func validate() throws {
        if syncInterval <= .zero {
            throw SwiftStreamError(.invalidConfiguration, "sync-interval must be positive")
        }
        if retention > .zero && retentionCheckInterval <= .zero {
            throw SwiftStreamError(.invalidConfiguration, "retention-check-interval must be positive")
        }
        if snapshotInterval < .zero {
            throw SwiftStreamError(.invalidConfiguration, "snapshot-interval must not be negative")
        }
        if validationInterval < .zero {
            throw SwiftStreamError(.invalidConfiguration, "validation-interval must not be negative")
        }
    }
}
