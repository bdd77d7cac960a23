/// Tunables of one replicated database, with Litestream v0.3.13's defaults (db.go).
public struct DatabaseSettings: Sendable, Equatable {
    /// How often the real WAL is copied into the shadow WAL (`monitor-interval`). Zero or less
    /// disables the monitor loop: only the final sync at shutdown runs (Litestream quirk).
    public var monitorInterval: Duration = .seconds(1)
    /// A PASSIVE checkpoint runs when the database file has not been modified for this long and
    /// the WAL holds at least two frames (`checkpoint-interval`); zero disables the rule.
    public var checkpointInterval: Duration = .seconds(60)
    /// Shadow WAL size, in pages, from which a PASSIVE checkpoint runs (`min-checkpoint-page-count`).
    public var minCheckpointPageCount: Int = 1000
    /// Shadow WAL size, in pages, from which a RESTART checkpoint runs (`max-checkpoint-page-count`); 0 disables it.
    public var maxCheckpointPageCount: Int = 10000
    /// Real WAL size, in pages, from which a TRUNCATE checkpoint runs (not configurable in Litestream).
    public var truncatePageCount: Int = 500_000
    /// Busy timeout of every connection swiftstream opens on the database.
    public var busyTimeout: Duration = .milliseconds(1000)
    /// The metadata directory; nil means `<dir>/.<name>-litestream` (`meta-path`, used verbatim).
    public var metaPath: String?
    /// Upper bound of the final sync performed by `Database.close(timeout:)` when no explicit
    /// timeout is passed; zero (or less) means no bound, as in Litestream. Anything a bound leaves
    /// over stays in the shadow WAL: the next start uploads it if the disk survived.
    public var finalSyncTimeout: Duration = .seconds(8)
    /// Bytes of shadow WAL that some replica has not uploaded yet (during a store outage) past
    /// which the database stops copying the WAL and releases its read lock, so that the
    /// application's checkpoints can reset the WAL again; once a replica that was behind uploads
    /// again, a new generation starts (a snapshot, not a gap). 0 disables the limit. An engine
    /// setting only, not a config key (Litestream has no such limit: its shadow WAL grows until
    /// the disk is full).
    public var shadowWALBacklogLimit: Int = 1 << 30

    public init() {}

    /// Rejects settings Litestream rejects at open (replication.md §2.1).
    public func validate() throws {
        if minCheckpointPageCount <= 0 {
            throw SwiftStreamError(.invalidConfiguration, "minimum checkpoint page count required")
        }
        if shadowWALBacklogLimit < 0 {
            throw SwiftStreamError(.invalidConfiguration, "shadow wal backlog limit must not be negative")
        }
        if maxCheckpointPageCount < 0 {
            throw SwiftStreamError(.invalidConfiguration, "max checkpoint page count must not be negative")
        }
    }
}
