/// A WAL segment object as listed by a replica client.
public struct WALSegmentInfo: Sendable, Hashable {
    public var generation: Generation
    public var index: Int
    public var offset: Int
    /// Stored (compressed) size in bytes.
    public var size: Int64
    public var createdAt: Timestamp

    public init(generation: Generation, index: Int, offset: Int, size: Int64, createdAt: Timestamp) {
        self.generation = generation
        self.index = index
        self.offset = offset
        self.size = size
        self.createdAt = createdAt
    }

    public var position: WALPosition { WALPosition(generation: generation, index: index, offset: offset) }
}
