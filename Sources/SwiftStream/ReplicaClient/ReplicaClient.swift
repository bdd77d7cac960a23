/// Stores LZ4-compressed snapshots and WAL segments for one replica destination
/// (Litestream's `ReplicaClient`).
///
/// Implementations hold only configuration, so they are `Sendable` and safe to call
/// concurrently. Listings return every item (backends page internally), sorted as Litestream
/// sorts them: generations by id, snapshots by index, segments by (index, offset). A missing
/// generation or directory lists as empty. Reading a missing object throws a
/// `SwiftStreamError` with code `.notFound`. Sizes are stored (compressed) sizes; timestamps
/// come from the store's listing (file mtime, S3 LastModified).
public protocol ReplicaClient: Sendable {
    /// The backend name used in logs and replica URLs: "file" or "s3".
    var type: String { get }
    /// Where the replica lives, for messages, e.g. `file:///backups/app` (never with credentials).
    var location: String { get }

    func generations() async throws -> [Generation]
    func deleteGeneration(_ generation: Generation) async throws

    func snapshots(in generation: Generation) async throws -> [SnapshotInfo]
    /// Stores snapshot `index` of `generation`; `produce` writes the compressed bytes through the
    /// sink it is given. The object becomes visible only once complete.
    func writeSnapshot(
        _ generation: Generation, index: Int,
        produce: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) async throws -> SnapshotInfo
    func deleteSnapshot(_ generation: Generation, index: Int) async throws
    /// Streams the compressed bytes of a snapshot to `chunk` (chunks valid during the call only).
    func readSnapshot(
        _ generation: Generation, index: Int, chunk: (UnsafeRawBufferPointer) throws -> Void
    ) async throws

    func walSegments(in generation: Generation) async throws -> [WALSegmentInfo]
    func writeWALSegment(at position: WALPosition, compressed: [UInt8]) async throws -> WALSegmentInfo
    func deleteWALSegments(_ positions: [WALPosition]) async throws
    /// Returns the compressed bytes of one WAL segment.
    func walSegment(at position: WALPosition) async throws -> [UInt8]
}

extension ReplicaClient {
    /// Earliest and latest listing time over every snapshot and WAL segment of a generation
    /// (nil when it holds no objects).
    public func timeBounds(of generation: Generation) async throws -> (created: Timestamp, updated: Timestamp)? {
        let snapshots = try await snapshots(in: generation)
        let segments = try await walSegments(in: generation)
        let times = snapshots.map(\.createdAt) + segments.map(\.createdAt)
        guard let first = times.min(), let last = times.max() else { return nil }
        return (first, last)
    }
}
