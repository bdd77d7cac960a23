/// A snapshot object as listed by a replica client.
public struct SnapshotInfo: Sendable, Hashable {
    public var generation: Generation
    public var index: Int
    /// Stored (compressed) size in bytes.
    public var size: Int64
    public var createdAt: Timestamp

    public init(generation: Generation, index: Int, size: Int64, createdAt: Timestamp) {
        self.generation = generation
        self.index = index
        self.size = size
        self.createdAt = createdAt
    }
}
