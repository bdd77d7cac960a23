/// Options of one restore (restore.md §4).
public struct RestoreOptions: Sendable {
    /// Output database path; the restore writes `<output>.tmp` and renames it on success.
    public var outputPath: String
    /// Replay WAL indices up to and including this one (`-index`, hex on the command line).
    public var index: Int?
    /// With `index`: the WAL of that last index is replayed only up to this byte offset
    /// (exclusive, frame-aligned), so that the restore ends at an exact WAL position.
    public var endOffset: Int?
    /// Point in time (`-timestamp`): only objects whose listing time is <= this are used.
    public var timestamp: Timestamp?
    /// Number of WAL segments downloaded and decompressed ahead of the apply loop.
    public var parallelism: Int
    /// Called from time to time while restoring (any thread).
    public var progress: (@Sendable (RestoreProgress) -> Void)?
    /// Up to this much stored WAL, pages are merged in memory and each output page is written
    /// once; above it they are patched into the file (bounded memory).
    var overlayLimit: Int64 = 128 << 20

    public init(
        outputPath: String, index: Int? = nil, endOffset: Int? = nil, timestamp: Timestamp? = nil,
        parallelism: Int = 8, progress: (@Sendable (RestoreProgress) -> Void)? = nil
    ) {
        self.outputPath = outputPath
        self.index = index
        self.endOffset = endOffset
        self.timestamp = timestamp
        self.parallelism = max(1, parallelism)
        self.progress = progress
    }
}
